"""The no-seed check of task_checks.py finds seeding calls and nothing else."""
import pytest

from task_checks import SEEDING


@pytest.mark.parametrize("call", ["tf.random.set_seed(1)", "np.random.seed(0)", "keras.utils.set_random_seed(7)",
                                  "TSNE(n_components=2, random_state=0)", "np.random.default_rng(42)",
                                  "random.seed(3)", "tf.random.uniform([2], seed=1)"])
def test_seeding_pattern_finds_seeding_calls(call):
    assert SEEDING.search(call)


@pytest.mark.parametrize("text", ["# unseeded on purpose", '"""no random-number-generator seeds"""',
                                  "np.random.default_rng()", "tf.random.uniform([2, 3], 0, 3)"])
def test_seeding_pattern_ignores_innocent_text(text):
    assert not SEEDING.search(text)
