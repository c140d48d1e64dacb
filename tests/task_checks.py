"""Tests that task1.py and task2.py must both pass.

A test module imports them with its own `task` (the script's name) and `model` (its built model)
fixtures, and pytest runs them there for that task.
"""
import importlib
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
DATASET_LINES = (REPO / "dataset.txt").read_text().splitlines(keepends=True)
TEN_MINUTES = 600
NO_SEEDS = re.compile(r"seed|random_state", re.IGNORECASE)


def run_task(task, folder, timeout=TEN_MINUTES):
    """Run REPO/<task>.py headless in `folder` (which holds its dataset.txt, if any)."""
    environment = dict(os.environ, MPLBACKEND="Agg")
    start = time.time()
    result = subprocess.run([sys.executable, str(REPO / f"{task}.py")], cwd=folder, env=environment,
                            capture_output=True, text=True, timeout=timeout)
    return result, time.time() - start


def report_value(stdout, line):
    """The number in the report line matching `line` (one group), among the last four lines."""
    last_lines = stdout.splitlines()[-4:]
    matches = [re.fullmatch(line, last_line) for last_line in last_lines]
    assert any(matches), f"no line {line!r} among the last lines:\n{stdout[-2000:]}"
    return float(next(match for match in matches if match).group(1))


def dataset_with(folder, lines=DATASET_LINES, line_number=None, replace=None):
    """Write a copy of dataset.txt into `folder`, with line `line_number` passed through `replace`."""
    if line_number:
        lines = lines[:line_number - 1] + [replace(lines[line_number - 1])] + lines[line_number:]
    (folder / "dataset.txt").write_text("".join(lines))


# name -> (how to put a broken dataset.txt in a folder, the one-line error it must give)
BAD_INPUTS = {
    "missing": (lambda folder: None,
                r"dataset\.txt: cannot read the dataset: No such file or directory"),
    "unreadable": (lambda folder: (folder / "dataset.txt").mkdir(),
                   r"dataset\.txt: cannot read the dataset: Is a directory"),
    "short row": (lambda folder: dataset_with(folder, line_number=42, replace=lambda line: line[:-2] + "\n"),
                  r"dataset\.txt:42: expected 784 pixels, found 783"),
    "bad pixel": (lambda folder: dataset_with(folder, line_number=7, replace=lambda line: line[:300] + "2" + line[301:]),
                  r"dataset\.txt:7: pixels must be 0 or 1, found \['2'\]"),
    "bad label": (lambda folder: dataset_with(folder, line_number=3, replace=lambda line: "10" + line[1:]),
                  r"dataset\.txt:3: label '10' is not a digit 0-9"),
    "too few rows": (lambda folder: dataset_with(folder, lines=DATASET_LINES[:-1]),
                     r"dataset\.txt:4999: expected 5000 rows, found 4999"),
}


@pytest.fixture(scope="module")
def model(task):
    return importlib.import_module(task).build_model(np.full(784, 0.5, dtype=np.float32))


def test_thought_vector_is_256_tanh(model):
    layer = model.get_layer("thought_vector")
    assert layer.units == 256
    assert layer.get_config()["activation"] == "tanh"


def test_generator_output_is_784_sigmoid(model):
    layer = model.get_layer("reconstruction")
    assert layer.units == 784
    assert layer.get_config()["activation"] == "sigmoid"


def test_no_seeds(task):
    mentions = NO_SEEDS.findall((REPO / f"{task}.py").read_text())
    assert not mentions, f"{task}.py mentions {mentions}"


def test_import_runs_nothing(task, tmp_path):
    """`import <task>` runs no training and writes nothing."""
    environment = dict(os.environ, PYTHONPATH=str(REPO), MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, "-c", f"import {task}"], cwd=tmp_path, env=environment,
                            capture_output=True, text=True, timeout=TEN_MINUTES)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input(task, case, tmp_path):
    """The task exits 1 with one line on stderr naming the file and line, and writes nothing."""
    make, message = BAD_INPUTS[case]
    make(tmp_path)
    before = sorted(tmp_path.iterdir())
    result, _ = run_task(task, tmp_path)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    # TensorFlow prints its own start-up log lines; ours must be the last line, and the only
    # line that names the dataset.
    assert re.fullmatch(message, result.stderr.splitlines()[-1]), result.stderr[-2000:]
    assert sum("dataset.txt" in line for line in result.stderr.splitlines()) == 1, result.stderr
    assert "Test accuracy" not in result.stdout
    assert sorted(tmp_path.iterdir()) == before, "the task wrote files on bad input"


@pytest.fixture(scope="module")
def run(task, tmp_path_factory):
    """One whole run of the task, headless, on a copy of dataset.txt: (stdout, wall time, folder)."""
    folder = tmp_path_factory.mktemp(task)
    shutil.copy(REPO / "dataset.txt", folder)
    result, wall_time = run_task(task, folder)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout, wall_time, folder


def test_end_to_end_accuracy_meets_the_brief(run):
    assert report_value(run[0], r"Test accuracy: (\d+\.\d\d)%") >= 97.0


def test_end_to_end_duration_under_ten_minutes(run):
    stdout, wall_time, _ = run
    assert 0 < report_value(stdout, r"Duration: (\d+\.\d) s") < TEN_MINUTES
    assert wall_time < TEN_MINUTES


def test_end_to_end_parameters_are_the_models(run, model):
    assert report_value(run[0], r"Parameters: (\d+)") == model.count_params()


def test_end_to_end_writes_the_figure(task, run):
    assert (run[2] / f"{task}.png").read_bytes().startswith(b"\x89PNG")
    assert f"Charts saved to {task}.png" in run[0]
