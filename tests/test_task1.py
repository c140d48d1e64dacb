"""task1.py: the autoencoder, as the brief and the task-1 issue require."""
import shutil

import numpy as np
import pytest

from task_checks import (BAD_INPUTS, REPO, TEN_MINUTES, check_bad_input, check_import_runs_nothing,
                         check_no_seeds, report_value, run_task)

import task1  # pytest.ini puts the repository on the import path


@pytest.fixture(scope="module")
def model():
    return task1.build_model(np.full(784, 0.5, dtype=np.float32))


def test_thought_vector_is_256_tanh(model):
    layer = model.get_layer("thought_vector")
    assert layer.units == 256
    assert layer.get_config()["activation"] == "tanh"


def test_output_is_784_sigmoid(model):
    assert model.output.shape[-1] == 784
    assert model.layers[-1].get_config()["activation"] == "sigmoid"


def test_no_seeds():
    check_no_seeds("task1")


def test_import_runs_nothing(tmp_path):
    check_import_runs_nothing("task1", tmp_path)


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input(tmp_path, case):
    check_bad_input("task1", case, tmp_path)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("task1")
    shutil.copy(REPO / "dataset.txt", folder)
    result, wall_time = run_task("task1", folder)
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


def test_end_to_end_writes_the_figure(run):
    figure = run[2] / "task1.png"
    assert figure.read_bytes().startswith(b"\x89PNG")
    assert "Charts saved to task1.png" in run[0]
