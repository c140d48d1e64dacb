"""task1.py: the autoencoder, as the brief and the task-1 issue require."""
import pytest

from task_checks import (model, run, test_bad_input, test_end_to_end_accuracy_meets_the_brief,  # noqa: F401
                         test_end_to_end_duration_under_ten_minutes, test_end_to_end_parameters_are_the_models,
                         test_end_to_end_writes_the_figure, test_generator_output_is_784_sigmoid,
                         test_import_runs_nothing, test_no_seeds, test_thought_vector_is_256_tanh)


@pytest.fixture(scope="module")
def task():
    return "task1"


def test_the_reconstruction_is_the_only_output(model):
    assert model.outputs == [model.get_layer("reconstruction").output]
