"""Tests that task1.py and task2.py must both pass: test_task1.py and test_task2.py each subclass
TaskChecks with their task's name, so that every test here runs for both tasks."""
import importlib
import re
import shutil
import types

import numpy as np
import pytest

from benchmark import REPO, report_numbers, run_task

DATASET_LINES = (REPO / "dataset.txt").read_text().splitlines(keepends=True)
TEN_MINUTES = 600
# A call that seeds a random number generator: tf.random.set_seed(1), np.random.seed(1),
# keras.utils.set_random_seed(1), random.seed(1), TSNE(random_state=0), default_rng(seed=1), ...
SEEDING = re.compile(r"set_seed\(|set_random_seed\(|\.seed\(|random_state\s*=|\bseed\s*=|default_rng\(\s*\d")


def dataset_with(folder, lines=DATASET_LINES, line_number=None, replace=None):
    """Write a copy of dataset.txt into `folder`, with line `line_number` passed through `replace`."""
    if line_number:
        lines = lines[:line_number - 1] + [replace(lines[line_number - 1])] + lines[line_number:]
    (folder / "dataset.txt").write_text("".join(lines))


# name -> (how to put a broken dataset.txt in a folder, the one-line error it must give)
BAD_INPUTS = {
    "missing": (lambda folder: None,
                r".*dataset\.txt: cannot read the dataset: No such file or directory"),
    "unreadable": (lambda folder: (folder / "dataset.txt").mkdir(),
                   r".*dataset\.txt: cannot read the dataset: Is a directory"),
    "empty": (lambda folder: (folder / "dataset.txt").write_text(""),
              r".*dataset\.txt: the file is empty; expected 5000 rows"),
    "byte-order mark": (lambda folder: (folder / "dataset.txt").write_text("".join(DATASET_LINES),
                                                                         encoding="utf-8-sig"),
                        r".*dataset\.txt:1: starts with bytes that are not ASCII \(a byte-order mark\?\); "
                        r"save it as plain ASCII"),
    "short row": (lambda folder: dataset_with(folder, line_number=42, replace=lambda line: line[:-2] + "\n"),
                  r".*dataset\.txt:42: expected 784 pixels, found 783"),
    "bad pixel": (lambda folder: dataset_with(folder, line_number=7,
                                              replace=lambda line: line[:300] + "2" + line[301:]),
                  r".*dataset\.txt:7: pixels must be 0 or 1, found \['2'\]"),
    "bad label": (lambda folder: dataset_with(folder, line_number=3, replace=lambda line: "10" + line[1:]),
                  r".*dataset\.txt:3: label '10' is not a digit 0-9"),
    "too few rows": (lambda folder: dataset_with(folder, lines=DATASET_LINES[:-1]),
                     r".*dataset\.txt:4999: expected 5000 rows, found 4999"),
}


class TaskChecks:
    TASK = None  # the script's name, set by each subclass

    @pytest.fixture(scope="class")
    def task(self):
        return self.TASK

    @pytest.fixture(scope="class")
    def model(self, task):
        return importlib.import_module(task).build_model(np.full(784, 0.5, dtype=np.float32), steps_per_epoch=14)

    @pytest.fixture(scope="class")
    def run(self, task, tmp_path_factory):
        """One whole run of the task, headless, started from another folder than the script's."""
        folder, elsewhere = tmp_path_factory.mktemp(task), tmp_path_factory.mktemp("elsewhere")
        shutil.copy(REPO / "dataset.txt", folder)
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
    def test_bad_input(self, task, case, tmp_path):
        """The task exits 1 with exactly one line on stderr naming the file (and line), writing nothing."""
        make, message = BAD_INPUTS[case]
        make(tmp_path)
        before = sorted(tmp_path.iterdir())
        result, _ = run_task(task, tmp_path, timeout=TEN_MINUTES)
        assert result.returncode == 1, result.stderr[-2000:]
        assert len(result.stderr.splitlines()) == 1, result.stderr[-2000:]
        assert re.fullmatch(message, result.stderr.strip()), result.stderr
        assert result.stdout == ""
        assert sorted(tmp_path.iterdir()) == sorted(before + [tmp_path / f"{task}.py"]), "the task wrote files"

    def test_end_to_end_prints_only_what_the_script_writes(self, run):
        assert run.stderr == "", run.stderr[-3000:]  # no TensorFlow log lines, no library warnings
        assert "WARNING" not in run.stdout and "Warning" not in run.stdout

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
