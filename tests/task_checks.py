"""Tests that task1.py and task2.py must both pass: test_task1.py and test_task2.py each subclass
TaskChecks with their task's name, so that every test here runs for both tasks."""
import importlib
import re
import shutil
import types

import numpy as np
import pytest

from benchmark import DATA_FILES, REPO, report_numbers, run_task
from task1 import DATASET, TEST_SET

TEN_MINUTES = 600
MAX_STDOUT_LINES = 30  # the progress table, the report and the chart line: a console a person reads
MAX_ERROR_LENGTH = 200
# A call that seeds a random number generator: tf.random.set_seed(1), np.random.seed(1),
# keras.utils.set_random_seed(1), random.seed(1), TSNE(random_state=0), default_rng(seed=1), ...
SEEDING = re.compile(r"set_seed\(|set_random_seed\(|\.seed\(|random_state\s*=|\bseed\s*=|default_rng\(\s*\d")


def data_files(folder):
    """Copy our dataset.txt and test.txt into `folder`."""
    for data_file in DATA_FILES:
        shutil.copy(data_file, folder)


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


def bad_line(name, number, start):
    """The loader's message for line `number` of file `name`, a line that starts `start`."""
    return (f"{name}:{number}: expected a digit, a TAB and 28 rows of 28 pixels 0/1 joined by '-', "
            f"found {start!r}...")


def too_few(digit, images):
    return f"dataset.txt: digit {digit} has {images} images; each digit needs at least 10"


def without_row(line, row):
    """The line with image row `row` (from 1) left out."""
    label, image = line.rstrip("\n").split("\t")
    rows = image.split("-")
    return f"{label}\t" + "-".join(rows[:row - 1] + rows[row:]) + "\n"


# case -> (how to put broken data files in a folder, the one-line error it must give, exactly but for the
# folder). Each is checked on each task's loader, read as main() reads it; WHOLE_RUN_CASES also by a whole run of
# each script.
BAD_INPUTS = {
    "missing test.txt": (lambda folder: shutil.copy(DATASET, folder),
                         "test.txt: cannot read the file: No such file or directory"),
    "space instead of the TAB": (broken("dataset.txt", 5, lambda line: line.replace("\t", " ")),
                                 bad_line("dataset.txt", 5, "0 000000000000000000")),
    "missing dataset.txt": (lambda folder: shutil.copy(TEST_SET, folder),
                            "dataset.txt: cannot read the file: No such file or directory"),
    "a folder, not a file": (lambda folder: (folder / "dataset.txt").mkdir(),
                             "dataset.txt: cannot read the file: Is a directory"),
    "empty": (broken("test.txt", lines=lambda lines: []),
              "test.txt: digit 0 has 0 images; each digit needs at least 1"),
    # Read as ASCII, each of the UTF-8 mark's three bytes becomes U+FFFD.
    "byte-order mark": (broken("dataset.txt", 1, lambda line: "\ufeff" + line),
                        bad_line("dataset.txt", 1, "\ufffd" * 3 + "0\t" + "0" * 15)),
    "27 image rows": (broken("dataset.txt", 42, lambda line: without_row(line, 28)),
                      bad_line("dataset.txt", 42, "0\t" + "0" * 18)),
    "a short image row": (broken("test.txt", 9, lambda line: line[:60] + line[61:]),  # row 3 starts at 60
                          bad_line("test.txt", 9, "0\t" + "0" * 18)),
    "bad pixel": (broken("dataset.txt", 7, lambda line: line[:300] + "2" + line[301:]),
                  bad_line("dataset.txt", 7, "0\t" + "0" * 18)),
    "bad label": (broken("dataset.txt", 3, lambda line: "10" + line[1:]),
                  bad_line("dataset.txt", 3, "10\t" + "0" * 17)),
    "a digit missing": (broken("dataset.txt", lines=lambda lines: [line for line in lines if line[0] != "7"]),
                        too_few(7, 0)),
    "a blank line between images": (broken("test.txt", 12, lambda line: "\n" + line), bad_line("test.txt", 12, "")),
    "too few of a digit to validate on": (broken("dataset.txt", lines=lambda lines: lines[:3] + lines[100:]),
                                          too_few(0, 3)),
    "30 images, 3 of each digit": (broken("dataset.txt", lines=lambda lines: lines[::100] * 3), too_few(0, 3)),
}
# case -> how to put data files into a folder that the course's own reader reads, and so must ours, the same as
# our clean files: it strips the whole text and each line before splitting at the TAB.
ACCEPTED_INPUTS = {
    "blank lines at the start and the end": broken("dataset.txt", lines=lambda lines: ["\n", "\n"] + lines + ["\n"]),
    "spaces and tabs at the ends of lines": broken("test.txt", lines=lambda lines: [
        line.rstrip("\n") + " \t \n" for line in lines]),
    "spaces before a line and its TAB": broken("dataset.txt", 4, lambda line: "  " + line.replace("\t", " \t")),
    "CRLF line endings and no final newline": broken("test.txt", lines=lambda lines: [
        line.replace("\n", "\r\n") for line in lines[:-1]] + [lines[-1].rstrip("\n")]),
}
WHOLE_RUN_CASES = ["missing test.txt", "space instead of the TAB", "30 images, 3 of each digit"]


class TaskChecks:
    TASK = None  # the script's name, set by each subclass

    @pytest.fixture(scope="class")
    def task(self):
        return self.TASK

    @pytest.fixture(scope="class")
    def module(self, task):
        return importlib.import_module(task)

    @pytest.fixture(scope="class")
    def model(self, module):
        return module.build_model(np.full((2, 784), 0.5, dtype=np.float32), checks=120)

    @pytest.fixture(scope="class")
    def run(self, task, tmp_path_factory):
        """One whole run of the task, headless, started from another folder than the script's."""
        folder, elsewhere = tmp_path_factory.mktemp(task), tmp_path_factory.mktemp("elsewhere")
        data_files(folder)
        result, wall_time = run_task(task, folder, cwd=elsewhere, timeout=TEN_MINUTES)
        assert result.returncode == 0, result.stderr[-3000:]
        assert list(elsewhere.iterdir()) == [], "the task wrote into the folder it was started from"
        return types.SimpleNamespace(stdout=result.stdout, stderr=result.stderr, report=report_numbers(result.stdout),
                                     wall_time=wall_time, folder=folder)

    def test_thought_vector_is_256_tanh(self, model):
        layer = model.get_layer("thought_vector")
        assert layer.units == 256
        assert layer.get_config()["activation"] == "tanh"

    def test_generator_output_is_784_sigmoid(self, model):
        layer = model.get_layer("reconstruction")
        assert layer.units == 784
        assert layer.get_config()["activation"] == "sigmoid"

    def test_no_seeds(self, task):
        mentions = SEEDING.findall((REPO / f"{task}.py").read_text())
        assert not mentions, f"{task}.py seeds a random number generator: {mentions}"

    def test_import_runs_nothing(self, task, tmp_path):
        """`import <task>` prints nothing, runs no training and writes nothing."""
        result, _ = run_task(task, tmp_path, timeout=TEN_MINUTES, arguments=["-c", f"import {task}"])
        assert result.returncode == 0, result.stderr[-2000:]
        assert result.stdout == "" and result.stderr == "", result.stderr[-2000:]
        assert sorted(path.name for path in tmp_path.iterdir()) == [f"{task}.py"]

    @pytest.mark.parametrize("case", BAD_INPUTS)
    def test_bad_input_gives_one_short_line(self, task, case, tmp_path):
        """The task's loader exits with exactly the case's message, naming the file (and line)."""
        make, message = BAD_INPUTS[case]
        make(tmp_path)
        module = importlib.import_module(task)
        with pytest.raises(SystemExit) as exit_:  # read as main() reads them
            module.load_digits(tmp_path / "dataset.txt", least_of_each_digit=round(1 / module.VALIDATION_FRACTION))
            module.load_digits(tmp_path / "test.txt")
        assert exit_.value.code == f"{tmp_path}/{message}"
        assert len(exit_.value.code) <= MAX_ERROR_LENGTH and "\n" not in exit_.value.code

    @pytest.mark.parametrize("case", WHOLE_RUN_CASES)
    def test_bad_input_stops_the_whole_script(self, task, case, tmp_path):
        """The script exits 1 with exactly one line on stderr, the loader's message, and writes nothing."""
        make, message = BAD_INPUTS[case]
        make(tmp_path)
        before = sorted(tmp_path.iterdir())
        result, _ = run_task(task, tmp_path, timeout=TEN_MINUTES)
        assert result.returncode == 1, result.stderr[-2000:]
        assert result.stderr == f"{tmp_path}/{message}\n"
        assert result.stdout == ""
        assert sorted(tmp_path.iterdir()) == sorted(before + [tmp_path / f"{task}.py"]), "the task wrote files"

    @pytest.mark.parametrize("stand_in", ['__version__ = "2.12.1"', "raise ImportError('no tensorflow')"])
    def test_an_old_or_missing_tensorflow_stops_the_script_at_once(self, task, stand_in, tmp_path, monkeypatch):
        """A stand-in TensorFlow 2.12, or one that fails to import, first on the path stops the script before it
        reads the data: exit 1, one line naming the version needed and the pip command; nothing written."""
        (tmp_path / "old" / "tensorflow").mkdir(parents=True)
        (tmp_path / "old" / "tensorflow" / "__init__.py").write_text(stand_in + "\n")
        monkeypatch.setenv("PYTHONPATH", str(tmp_path / "old"))
        folder = tmp_path / "run"
        folder.mkdir()  # no data files: the check comes before the data are read
        result, _ = run_task(task, folder, timeout=TEN_MINUTES)
        assert result.returncode == 1, result.stderr[-2000:]
        assert result.stderr == f'{task}.py needs TensorFlow 2.13 or newer: pip install --upgrade "tensorflow>=2.13"\n'
        assert result.stdout == "" and sorted(path.name for path in folder.iterdir()) == [f"{task}.py"]

    def test_more_batches_an_epoch_than_a_call_takes_train_to_the_end(self, module, task, tmp_path):
        """A short whole run on a dataset.txt of ours 8 times over: 37 batches an epoch, more than one Keras call
        takes (STEPS_PER_CHECK), and a progress table in fractions of an epoch."""
        shutil.copy(TEST_SET, tmp_path)
        (tmp_path / "dataset.txt").write_text(DATASET.read_text() * 8)
        assert 7200 // module.BATCH_SIZE > module.STEPS_PER_CHECK
        result, _ = run_task(task, tmp_path, timeout=TEN_MINUTES, steps=80)
        assert result.returncode == 0 and result.stderr == "", result.stderr[-2000:]
        assert report_numbers(result.stdout).keys() == set(self.REPORT)

    def test_the_smallest_dataset_accepted_trains_to_the_end(self, task, tmp_path):
        """A dataset.txt of 10 images of each digit, fewer than a batch once the validation images are out."""
        broken("dataset.txt", lines=lambda lines: lines[::10])(tmp_path)
        result, _ = run_task(task, tmp_path, timeout=TEN_MINUTES)
        assert result.returncode == 0 and result.stderr == "", result.stderr[-2000:]
        assert report_numbers(result.stdout).keys() == set(self.REPORT)

    @pytest.mark.parametrize("case", ACCEPTED_INPUTS)
    def test_what_the_course_reader_reads_is_read_alike(self, task, case, tmp_path):
        """The file, changed as the case says, reads as the clean file does: the same images and labels."""
        ACCEPTED_INPUTS[case](tmp_path)
        module = importlib.import_module(task)
        changed = [name for name in ("dataset.txt", "test.txt")
                   if (tmp_path / name).read_bytes() != (REPO / name).read_bytes()]
        assert changed, "the case changed no file"
        for name in changed:
            for expected, found in zip(module.load_digits(REPO / name), module.load_digits(tmp_path / name)):
                np.testing.assert_array_equal(found, expected)

    def test_any_row_order_and_count(self, task, tmp_path):
        """The loader keeps each line's image with its label, whatever the order and number of lines."""
        module = importlib.import_module(task)
        lines = DATASET.read_text().splitlines(keepends=True)
        chosen = np.random.default_rng().permutation(len(lines))[:137]
        (tmp_path / "shuffled.txt").write_text("".join(lines[row] for row in chosen))
        pixels, labels = module.load_digits(DATASET)
        shuffled_pixels, shuffled_labels = module.load_digits(tmp_path / "shuffled.txt")
        np.testing.assert_array_equal(shuffled_pixels, pixels[chosen])
        np.testing.assert_array_equal(shuffled_labels, labels[chosen])

    def test_end_to_end_prints_only_what_the_script_writes(self, run):
        assert run.stderr == "", run.stderr[-3000:]  # no TensorFlow log lines, no library warnings
        assert "WARNING" not in run.stdout and "Warning" not in run.stdout

    def test_end_to_end_console_is_short_and_ends_with_the_report(self, run):
        """The progress table, the report once in the figure's words, then where the charts went."""
        lines = run.stdout.splitlines()
        assert len(lines) <= MAX_STDOUT_LINES, run.stdout
        report = lines[-1 - len(self.REPORT):-1]
        assert [line.split(":")[0] for line in report] == self.REPORT_WORDS, run.stdout
        assert report_numbers("\n".join(report)).keys() == set(self.REPORT)
        assert report_numbers(run.stdout).keys() == set(self.REPORT)  # nowhere else

    def test_end_to_end_trains_600_epochs_at_the_course_size(self, run, module):
        """The progress table has a row every 60 epochs up to the 600 that TRAINING_STEPS makes at the course's
        900 training images, or ends at the epoch where early stopping ended training."""
        epochs = [int(line.split()[0]) for line in run.stdout.splitlines() if re.match(r"\s*\d+\s+\d+\.\d{4}\s", line)]
        planned = module.TRAINING_STEPS // (900 // module.BATCH_SIZE)
        assert planned == 600
        assert epochs[:-1] == list(range(60, epochs[-1], 60)) and epochs[-1] <= planned, run.stdout

    def test_end_to_end_duration_in_minutes_and_seconds(self, run):
        minutes = re.search(r"^Duration: (\d+\.\d)min \(", run.stdout, re.MULTILINE)
        assert minutes and abs(float(minutes.group(1)) - run.report["Duration (s)"] / 60) <= 0.051, run.stdout

    def test_end_to_end_accuracy(self, run):
        # Regression guard, below the lowest of the benchmarked runs (README, Results).
        assert run.report["Test accuracy (%)"] >= self.MIN_TEST_ACCURACY

    def test_end_to_end_duration_under_ten_minutes(self, run):
        assert 0 < run.report["Duration (s)"] < TEN_MINUTES
        assert run.wall_time < TEN_MINUTES

    def test_end_to_end_parameters_are_the_models(self, run, model):
        assert run.report["Parameters"] == model.count_params()

    def test_end_to_end_writes_the_figure_beside_the_script(self, task, run):
        assert (run.folder / f"{task}.png").read_bytes().startswith(b"\x89PNG")
        assert f"Charts saved to {run.folder / task}.png" in run.stdout
