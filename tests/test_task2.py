"""task2.py: the multi-task autoencoder + classifier, as the brief and the task-2 issue require."""
import shutil

import numpy as np
import pytest
from tensorflow import keras

from task_checks import (BAD_INPUTS, REPO, TEN_MINUTES, check_bad_input, check_import_runs_nothing,
                         check_no_seeds, report_value, run_task)

import task2  # pytest.ini puts the repository on the import path


@pytest.fixture(scope="module")
def model():
    return task2.build_model(np.full(784, 0.5, dtype=np.float32))


def test_thought_vector_is_256_tanh(model):
    layer = model.get_layer("thought_vector")
    assert layer.units == 256
    assert layer.get_config()["activation"] == "tanh"


def test_generator_output_is_784_sigmoid(model):
    layer = model.get_layer("reconstruction")
    assert layer.units == 784
    assert layer.get_config()["activation"] == "sigmoid"


def test_classifier_output_is_10_softmax(model):
    layer = model.get_layer("digit")
    assert layer.units == 10
    assert layer.get_config()["activation"] == "softmax"


def test_classifier_sees_the_image_only_through_the_thought_vector(model):
    # Cut the model at the thought vector: a model from the thought vector alone must give
    # the classifier's exact output, so no other path from the image can reach it.
    thought_vector = keras.Input(shape=(256,))
    head = thought_vector
    for layer in model.layers[model.layers.index(model.get_layer("thought_vector")) + 1:]:
        if layer.name != "reconstruction":
            head = layer(head)
    classifier_from_thought_vector = keras.Model(thought_vector, head)
    images = np.random.default_rng().integers(0, 2, size=(16, 784)).astype(np.float32)
    encoder = keras.Model(model.input, model.get_layer("thought_vector").output)
    _, digits = model.predict(images, verbose=0)
    np.testing.assert_allclose(classifier_from_thought_vector.predict(encoder.predict(images, verbose=0), verbose=0),
                               digits, rtol=1e-5, atol=1e-6)


def test_no_seeds():
    check_no_seeds("task2")


def test_import_runs_nothing(tmp_path):
    check_import_runs_nothing("task2", tmp_path)


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input(tmp_path, case):
    check_bad_input("task2", case, tmp_path)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("task2")
    shutil.copy(REPO / "dataset.txt", folder)
    result, wall_time = run_task("task2", folder)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout, wall_time, folder


def test_end_to_end_accuracy_meets_the_brief(run):
    assert report_value(run[0], r"Test accuracy: (\d+\.\d\d)%") >= 97.0


def test_end_to_end_classification_accuracy(run):
    assert report_value(run[0], r"Test classification accuracy: (\d+\.\d\d)%") >= 90.0


def test_end_to_end_duration_under_ten_minutes(run):
    stdout, wall_time, _ = run
    assert 0 < report_value(stdout, r"Duration: (\d+\.\d) s") < TEN_MINUTES
    assert wall_time < TEN_MINUTES


def test_end_to_end_parameters_are_the_models(run, model):
    assert report_value(run[0], r"Parameters: (\d+)") == model.count_params()


def test_end_to_end_writes_the_figure(run):
    figure = run[2] / "task2.png"
    assert figure.read_bytes().startswith(b"\x89PNG")
    assert "Charts saved to task2.png" in run[0]
