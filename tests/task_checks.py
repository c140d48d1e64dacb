"""Tests that task1.py and task2.py must both pass: test_task1.py and test_task2.py each subclass
TaskChecks with their task's name, so that every test here runs for both tasks.

The scripts are flat, as the course's skeleton: they read dataset.txt and test.txt from the folder they run in,
train, print a progress table and the report, and draw three figures. The tests run them three ways: in this
process with runpy (short runs, to look at the globals they leave: the model, the data read), through
tools/run_script.py (whole runs, its RESULT line giving the numbers), and plain as `python TASK.py`."""
import collections
import json
import math
import re
import shutil
import types

import numpy as np
import pytest
from tensorflow import keras

from benchmark import (
    DATA_FILES,
    DATASET,
    PROGRESS_ROW,
    REPO,
    TEST_SET,
    load_digits,
    report_numbers,
    run_task,
    script_output,
)
from run_script import run_here

TEN_MINUTES = 600
COURSE_EPOCHS = 600  # the most a script trains at the course's size, 900 training images
# Short runs train this many epochs: the fewest the scripts' learning-rate schedule takes (5 epochs of warm-up,
# then a cosine over max_epochs - 5 epochs, which Keras's CosineDecay needs to be more than 0).
SHORT_EPOCHS = 6
HEADER = "epoch\ttrain error\tvalidation error"
PYTHON_ERROR = re.compile(r"^\w+(Error|Exception)\b")  # the last line of a traceback
FIGURES = ["Generated images.png", "Thought vectors.png", "Training progress.png"]  # the course's window titles
# A call that seeds a random number generator: tf.random.set_seed(1), np.random.seed(1),
# keras.utils.set_random_seed(1), random.seed(1), TSNE(random_state=0), default_rng(seed=1), ...
SEEDING = re.compile(r"set_seed\(|set_random_seed\(|\.seed\(|random_state\s*=|\bseed\s*=|default_rng\(\s*\d")


def data_files(folder):
    """Copy our dataset.txt and test.txt into `folder`."""
    for data_file in DATA_FILES:
        shutil.copy(data_file, folder)


def short_script(task, epochs=SHORT_EPOCHS):
    """TASK.py with its max_epochs line set to `epochs`; the value the script would have computed is kept in
    planned_max_epochs."""
    script, replaced = re.subn(r"^max_epochs = (.*)$", rf"planned_max_epochs = \1\nmax_epochs = {epochs}",
                               (REPO / f"{task}.py").read_text(), flags=re.MULTILINE)
    assert replaced == 1, f"{task}.py has no single 'max_epochs = ...' line"
    return script


def run_in_process(task, folder):
    """A short run of TASK.py in this process, from `folder` (which holds the data files): the globals it leaves.
    The working folder, the environment and the warning filters the script changes are put back afterwards."""
    (folder / f"{task}.py").write_text(short_script(task))
    return run_here(folder / f"{task}.py", folder)


def output_layer(model):
    """The layer that gives the model's one output."""
    [layer] = [layer for layer in model.layers if layer.output is model.output]
    return layer


def is_dense(layer, units, activation):
    return isinstance(layer, keras.layers.Dense) and (layer.units, layer.get_config()["activation"]) == (
        units, activation)


def sorted_rows(images):
    """The images' rows as bytes, sorted: equal for two arrays of the same rows in any order."""
    return sorted(row.tobytes() for row in np.asarray(images, np.float32))


def broken(name, line_number=None, replace=None, lines=None):
    """A function that writes our data files into a folder, file `name` broken: line `line_number` passed
    through `replace`, or all its lines replaced by `lines` (a function of the lines)."""
    def write(folder):
        data_files(folder)
        text = (folder / name).read_text().splitlines(keepends=True)
        if line_number:
            text[line_number - 1] = replace(text[line_number - 1])
        (folder / name).write_text("".join(lines(text) if lines else text))
    return write


def without_row(line, row):
    """The line with image row `row` (from 1) left out."""
    label, image = line.rstrip("\n").split("\t")
    rows = image.split("-")
    return f"{label}\t" + "-".join(rows[:row - 1] + rows[row:]) + "\n"


def one_image_of(digit, lines):
    """The lines with all but the first image of `digit` left out."""
    first = next(line for line in lines if line[0] == digit)
    return [line for line in lines if line[0] != digit or line is first]


def only_test_set(folder):
    shutil.copy(TEST_SET, folder)


def dataset_a_folder(folder):
    shutil.copy(TEST_SET, folder)
    (folder / "dataset.txt").mkdir()


# case -> (how to put broken data files in a folder, the last line of the traceback it ends in), each checked by
# hand on both scripts: each fails while reading the data or splitting off the validation images, before training.
BAD_INPUTS = {
    "missing test.txt": (lambda folder: shutil.copy(DATASET, folder), r"FileNotFoundError\b.*'test\.txt'"),
    "missing dataset.txt": (only_test_set, r"FileNotFoundError\b.*'dataset\.txt'"),
    "dataset.txt a folder": (dataset_a_folder, r"IsADirectoryError\b.*'dataset\.txt'"),
    # The line does not split at the TAB: one value to unpack into label and image.
    "a space instead of the TAB": (broken("dataset.txt", 5, lambda line: line.replace("\t", " ")), r"ValueError\b"),
    # The stripped empty text is one empty line, again without a TAB.
    "an empty test.txt": (broken("test.txt", lines=lambda lines: []), r"ValueError\b"),
    # NumPy cannot make an array of 783 and 812 pixels an image.
    "a line with 27 image rows": (broken("dataset.txt", 42, lambda line: without_row(line, 28)), r"ValueError\b"),
    # The validation images are a stratified tenth: scikit-learn's split needs two images of each digit.
    "a digit with one image in dataset.txt": (broken("dataset.txt", lines=lambda lines: one_image_of("3", lines)),
                                              r"ValueError\b"),
}


def each_line(change):
    """A change of a file's text that passes each of its lines (without the newline) through `change`."""
    return lambda text: "".join(change(line) + "\n" for line in text.splitlines())


# case -> a change of a data file's text that the course's own reader reads as it reads the unchanged text (it
# strips the whole text and each line before splitting at the TAB), so ours must too. Each is made to both files.
ACCEPTED_INPUTS = {
    "blank lines at the start and the end": lambda text: "\n\n" + text + "\n\n",
    "spaces and tabs at the ends of lines": each_line(lambda line: line + " \t "),
    "spaces before a line and before its TAB": each_line(lambda line: "  " + line.replace("\t", " \t")),
    "CRLF line endings and no final newline": lambda text: text.replace("\n", "\r\n").removesuffix("\r\n"),
}


def random_rows(text, count=137):
    """`count` of the text's lines chosen at random, in random order, each digit among them at least twice (the
    stratified split needs two)."""
    lines, generator = text.splitlines(keepends=True), np.random.default_rng()
    while True:
        chosen = [lines[row] for row in generator.permutation(len(lines))[:count]]
        if min(collections.Counter(line[0] for line in chosen).values()) >= 2:
            return "".join(chosen)


def first_of_each_digit(text, counts):
    """The first counts[d] lines of each digit d."""
    lines = text.splitlines(keepends=True)
    return "".join(line for digit, count in enumerate(counts) for line in [
        line for line in lines if line[0] == str(digit)][:count])


# case -> our dataset.txt's text changed to another size or order, which a short run must train on to the end.
ANY_SIZE = {
    "137 random rows in random order": random_rows,
    # The smallest with all ten digits: a stratified tenth of 91 images, rounded up, is 10 validation images, one
    # of each digit; of 90 it would be 9, fewer than the digits, which scikit-learn's split refuses.
    "91 images, 9 or 10 of each digit": lambda text: first_of_each_digit(text, [10] + [9] * 9),
    # The smallest of all: one image to train on in batches of one, one to validate on.
    "2 images of one digit": lambda text: "".join(text.splitlines(keepends=True)[:2]),
    "ours 8 times over (32 batches an epoch)": lambda text: text * 8,
}


class TaskChecks:
    TASK = None  # the script's name, set by each subclass
    # The report's lines in the figure's words and order: word -> (the whole line, its number in a group; the key
    # of that number in run_script's RESULT line). test_task2.py adds task 2's line.
    REPORT_LINES = {
        "Accuracy": (r"Accuracy: (\d+\.\d\d)%", "Test accuracy (%)"),
        "Duration": (r"Duration: (\d+\.\d)min", "Duration (s)"),
        "Params": (r"Params: (\d+)", "Parameters"),
    }
    MIN_TEST_ACCURACY = None  # set by each subclass

    @property
    def result_keys(self):
        return {key for _, key in self.REPORT_LINES.values()} | {"Max epochs", "Epochs trained", "Epoch kept"}

    @pytest.fixture(scope="class")
    def task(self):
        return self.TASK

    # Structure: the globals of a short run in this process, on our data files.

    @pytest.fixture(scope="class")
    def short_run(self, task, tmp_path_factory):
        folder = tmp_path_factory.mktemp(f"{task}_short")
        data_files(folder)
        return run_in_process(task, folder)

    def test_thought_vector_is_dense_256_tanh(self, short_run):
        """The encoder ends in the model's own thought-vector layer: 256 tanh units."""
        layer = output_layer(short_run["encoder"])
        assert is_dense(layer, 256, "tanh"), layer.get_config()
        assert any(layer is model_layer for model_layer in short_run["model"].layers), "not the model's layer"

    def test_reconstruction_is_dense_784_sigmoid(self, short_run):
        layer = short_run["model"].get_layer("reconstruction")
        assert is_dense(layer, 784, "sigmoid"), layer.get_config()

    def test_parameters_are_the_models_trainable_weights(self, short_run):
        model = short_run["model"]
        assert short_run["num_params"] == model.count_params()
        assert model.count_params() == sum(math.prod(weight.shape) for weight in model.trainable_weights)

    def test_a_tenth_validates_and_600_epochs_are_planned_at_the_course_size(self, short_run):
        """Our 1,000 images split into the course's 900 to train on and a tenth to validate on; at that size the
        script would train at most 600 epochs (the max_epochs it computed before the short run's replaced it)."""
        images = len(load_digits(DATASET)[0])
        assert len(short_run["val_imgs"]) == math.ceil(images / 10)
        assert len(short_run["train_imgs"]) + len(short_run["val_imgs"]) == images == 1000
        assert short_run["planned_max_epochs"] == COURSE_EPOCHS

    def test_no_seeds(self, task):
        mentions = SEEDING.findall((REPO / f"{task}.py").read_text())
        assert not mentions, f"{task}.py seeds a random number generator: {mentions}"

    # End to end: one whole run of the script on our data files, through tools/run_script.py.

    @pytest.fixture(scope="class")
    def run(self, task, tmp_path_factory):
        folder, figures = tmp_path_factory.mktemp(task), tmp_path_factory.mktemp(f"{task}_figures")
        data_files(folder)
        result, wall_time = run_task(task, folder, figures=figures, timeout=TEN_MINUTES)
        return types.SimpleNamespace(returncode=result.returncode, stdout=result.stdout, stderr=result.stderr,
                                     output=script_output(result.stdout), report=report_numbers(result.stdout),
                                     wall_time=wall_time, folder=folder, figures=figures)

    def test_end_to_end_exits_0_with_nothing_on_stderr(self, run):
        assert run.returncode == 0, run.stderr[-3000:]
        assert run.stderr == "", run.stderr[-3000:]  # no TensorFlow log lines, no library warnings

    def test_end_to_end_console_is_the_table_an_empty_line_and_the_report(self, run):
        """The header, a row every 100 epochs (the last one at the last epoch trained), one empty line, then
        exactly the report's lines in the figure's order, and nothing else."""
        lines = run.output.splitlines()
        assert lines.count("") == 1, run.output
        table, report = lines[:lines.index("")], lines[lines.index("") + 1:]
        assert table[0] == HEADER, run.output
        assert len(table) > 1 and all(PROGRESS_ROW.fullmatch(row) for row in table[1:]), run.output
        epochs = [int(row.split("\t")[0]) for row in table[1:]]
        assert epochs[:-1] == list(range(100, epochs[-1], 100)), run.output
        assert len(report) == len(self.REPORT_LINES), run.output
        for line, (pattern, _) in zip(report, self.REPORT_LINES.values()):
            assert re.fullmatch(pattern, line), run.output
        assert run.report.keys() == self.result_keys

    def test_end_to_end_printed_numbers_are_the_results(self, run):
        """Each report line's number is the one the script computed: percentages at 2 decimals, the duration in
        minutes at 1."""
        for word, (pattern, key) in self.REPORT_LINES.items():
            printed = re.search(pattern, run.output, re.MULTILINE)
            assert printed, f"no {word} line: {run.output}"
            if word == "Duration":
                assert abs(float(printed.group(1)) - run.report[key] / 60) <= 0.051, run.output
            elif word == "Params":
                assert int(printed.group(1)) == run.report[key], run.output
            else:
                assert printed.group(1) == f"{run.report[key]:.2f}", run.output

    def test_end_to_end_accuracy(self, run):
        assert run.report["Test accuracy (%)"] >= self.MIN_TEST_ACCURACY

    def test_end_to_end_duration_under_ten_minutes(self, run):
        assert 0 < run.report["Duration (s)"] < TEN_MINUTES
        assert run.wall_time < TEN_MINUTES

    def test_end_to_end_trains_at_most_600_epochs_at_the_course_size(self, run):
        """At most 600 epochs on our 900 training images; fewer only where early stopping ended training, on
        the table's last row, after epochs that were no better than the one whose weights it kept."""
        trained, kept = run.report["Epochs trained"], run.report["Epoch kept"]
        rows = [int(epoch) for epoch in PROGRESS_ROW.findall(run.output)]
        assert 1 <= kept <= trained <= COURSE_EPOCHS
        assert rows and rows[-1] == trained, run.output
        if trained < COURSE_EPOCHS:
            assert kept < trained

    def test_end_to_end_writes_no_files(self, task, run):
        assert sorted(path.name for path in run.folder.iterdir()) == sorted(["dataset.txt", "test.txt", f"{task}.py"])

    def test_end_to_end_draws_the_courses_three_figures(self, run):
        # beside the windows, what tools/run_script.py saves: the test thought vectors, each window's text sizes
        assert sorted(path.name for path in run.figures.iterdir()) == sorted(
            FIGURES + ["thought_vectors.npy", "figures.json"])
        sizes = json.loads((run.figures / "figures.json").read_text())
        assert sorted(sizes) == sorted(FIGURES)
        for name in FIGURES:
            assert (run.figures / name).read_bytes().startswith(b"\x89PNG"), name
            assert sizes[name]["smallest text (pt)"] > 0

    def test_end_to_end_thought_vectors_are_256_in_the_tanh_range(self, run):
        vectors = np.load(run.figures / "thought_vectors.npy")
        assert vectors.shape == (len(load_digits(TEST_SET)[0]), 256)
        assert np.all(np.abs(vectors) <= 1)

    # Bad input: Python's own error, before training.

    @pytest.mark.parametrize("case", BAD_INPUTS)
    def test_bad_input_ends_in_pythons_own_error(self, task, case, tmp_path):
        """`python TASK.py` exits non-zero with a traceback whose last line is the case's error, before a
        progress row, and writes nothing."""
        make, error = BAD_INPUTS[case]
        make(tmp_path)
        before = sorted(path.name for path in tmp_path.iterdir())
        result, _ = run_task(task, tmp_path, timeout=TEN_MINUTES, script=short_script(task), plain=True)
        last_line = (result.stderr.splitlines() or [""])[-1]
        assert result.returncode != 0, result.stdout[-2000:]
        assert "Traceback (most recent call last):" in result.stderr, result.stderr[-2000:]
        assert PYTHON_ERROR.match(last_line) and re.match(error, last_line), result.stderr[-2000:]
        assert not PROGRESS_ROW.search(result.stdout), result.stdout
        assert sorted(path.name for path in tmp_path.iterdir()) == sorted(before + [f"{task}.py"])

    # What the course's reader reads, ours reads alike.

    @pytest.fixture(scope="class", params=list(ACCEPTED_INPUTS))
    def accepted_run(self, request, task, tmp_path_factory):
        """A short run in this process on both data files changed as the case says."""
        folder = tmp_path_factory.mktemp(f"{task}_accepted")
        for data_file in DATA_FILES:
            changed = ACCEPTED_INPUTS[request.param](data_file.read_text())
            assert changed != data_file.read_text(), "the case changed nothing"
            (folder / data_file.name).write_bytes(changed.encode())  # as is: no newline translation
        return run_in_process(task, folder)

    def test_changed_test_txt_reads_as_the_clean_file(self, accepted_run):
        images, labels = load_digits(TEST_SET)
        np.testing.assert_array_equal(accepted_run["test_imgs"], images)
        np.testing.assert_array_equal(accepted_run["test_lbls"], labels)

    def test_changed_dataset_txt_reads_as_the_clean_file(self, accepted_run):
        """Training and validation images together are the clean dataset's images (in the split's order)."""
        read = np.concatenate([accepted_run["train_imgs"], accepted_run["val_imgs"]])
        assert sorted_rows(read) == sorted_rows(load_digits(DATASET)[0])

    # Any row order and count.

    @pytest.mark.parametrize("case", ANY_SIZE)
    def test_any_row_order_and_count_trains_to_the_end(self, task, case, tmp_path):
        shutil.copy(TEST_SET, tmp_path)
        (tmp_path / "dataset.txt").write_text(ANY_SIZE[case](DATASET.read_text()))
        result, _ = run_task(task, tmp_path, timeout=TEN_MINUTES, script=short_script(task))
        assert result.returncode == 0 and result.stderr == "", result.stderr[-2000:]
        report = report_numbers(result.stdout)
        assert report.keys() == self.result_keys, result.stdout
        assert report["Epochs trained"] == SHORT_EPOCHS
