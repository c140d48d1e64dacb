"""task2.py: the multi-task autoencoder + classifier, as the brief and the task-2 issue require."""
import numpy as np
import pytest
from tensorflow import keras

from task_checks import (model, report_value, run, test_bad_input,  # noqa: F401
                         test_end_to_end_accuracy_meets_the_brief, test_end_to_end_duration_under_ten_minutes,
                         test_end_to_end_parameters_are_the_models, test_end_to_end_writes_the_figure,
                         test_generator_output_is_784_sigmoid, test_import_runs_nothing, test_no_seeds,
                         test_thought_vector_is_256_tanh)


@pytest.fixture(scope="module")
def task():
    return "task2"


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


def test_end_to_end_classification_accuracy(run):
    assert report_value(run[0], r"Test classification accuracy: (\d+\.\d\d)%") >= 90.0
