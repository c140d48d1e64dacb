"""Where a training step's time goes, for task1.py as it is and as it was at an earlier commit.

Usage: python tools/step_times.py [--runs N] [--epochs E] [--before REV] [--output FILE]
       (default: --runs 5 --epochs 150 --before e6b177b, output report/step_times.json)

Each run is a fresh process that loads one version of task1.py, reads dataset.txt, carves the validation set
as main() does and times, at that version's batch size:
- the arithmetic: the step's six matrix products (forward and back through both layers) in numpy;
- the model step: the script's model fitted on fixed, cached batches (no augmentation, no validation);
- the augmentation: the script's own preprocessing layers on batches in tf.data, without the model;
- the training: the script's own train() for E epochs, per step, from the start of fit to the last epoch's end
  (tracing included), and the seconds fit then takes to return (the pipeline's teardown).
The runs of the two versions alternate, so both see the same machine. The JSON keeps each run and
min/median/max of every figure.
"""
import argparse
import contextlib
import importlib.util
import io
import json
import math
import pathlib
import subprocess
import sys
import tempfile
import time

from benchmark import DATASET, REPO, summary  # (imports task1, which quietens TensorFlow's start-up log lines)
from fold_experiments import planned_checks

# isort: split
import numpy as np
import tensorflow as tf
from sklearn.model_selection import train_test_split
from tensorflow import keras

OUTPUT = REPO / "report" / "step_times.json"
TIMED_STEPS = 300


def load(path):
    """The task1 module from `path`."""
    spec = importlib.util.spec_from_file_location("task1_version", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_model(task, x_train, plan):
    """The version's model: from issue 31 on, build_model takes the training images, before it their mean."""
    if hasattr(task, "STEPS_PER_CHECK"):
        return task.build_model(x_train, plan)
    return task.build_model(x_train.mean(axis=0), plan)


def augmentation(task):
    """The version's augmentation layers: from issue 31 on, train() builds them inside from these constants."""
    if hasattr(task, "augmentation"):
        return task.augmentation()
    return [keras.layers.RandomTranslation(task.MAX_SHIFT / task.SIDE, task.MAX_SHIFT / task.SIDE,
                                           fill_mode="constant", interpolation="nearest"),
            keras.layers.RandomRotation(task.MAX_ROTATION, fill_mode="constant")]


def timed(function, repeats):
    """Milliseconds per call of `function`, after one warm-up call."""
    function()
    start = time.perf_counter()
    for _ in range(repeats):
        function()
    return 1000 * (time.perf_counter() - start) / repeats


def measure(path, epochs):
    """The figures of one run of the task1.py at `path` (see the docstring)."""
    task = load(path)
    pixels, labels = task.load_digits(DATASET)
    x_train, x_validation = train_test_split(pixels, test_size=task.VALIDATION_FRACTION, stratify=labels)
    batch, steps_per_epoch = task.BATCH_SIZE, max(1, len(x_train) // task.BATCH_SIZE)
    # A task1.py from issue 31 on takes the checks of STEPS_PER_CHECK steps to train for; from the size rule on, a
    # training plan; before it, epochs.
    if hasattr(task, "STEPS_PER_CHECK"):
        task.TRAINING_STEPS = epochs * steps_per_epoch
        plan = planned_checks(task, len(x_train))
    elif hasattr(task, "training_plan"):
        task.TRAINING_STEPS = epochs * steps_per_epoch
        plan = task.training_plan(len(x_train), len(x_validation))
    else:
        task.EPOCHS, plan = epochs, steps_per_epoch
    figures = {"batch size": batch}

    images, weights = x_train[:batch], np.random.default_rng().random((task.PIXELS, task.THOUGHT_VECTOR_SIZE),
                                                                        dtype=np.float32)
    gradient = np.ones((batch, task.THOUGHT_VECTOR_SIZE), dtype=np.float32)

    def products():
        thought_vector = images @ weights
        output = thought_vector @ weights.T
        images.T @ gradient, gradient @ weights.T, output.T @ thought_vector, output @ weights
    figures["arithmetic (ms/step)"] = timed(products, TIMED_STEPS)

    model = build_model(task, x_train, plan)
    fixed = tf.data.Dataset.from_tensor_slices((x_train, x_train)).batch(batch, drop_remainder=True).cache().repeat()
    model.fit(fixed, epochs=1, steps_per_epoch=steps_per_epoch, verbose=0)  # tracing
    # Whole calls: with endless data, Keras runs steps_per_execution steps in the last call too.
    steps = math.ceil(TIMED_STEPS / model.steps_per_execution) * model.steps_per_execution
    start = time.perf_counter()
    model.fit(fixed, epochs=1, steps_per_epoch=steps, verbose=0)
    figures["model step (ms/step)"] = 1000 * (time.perf_counter() - start) / steps

    augment = keras.Sequential([keras.layers.Reshape((task.SIDE, task.SIDE, 1)), *augmentation(task),
                                keras.layers.Reshape((task.PIXELS,))])
    batches = iter(tf.data.Dataset.from_tensor_slices(x_train).batch(batch, drop_remainder=True).repeat().map(augment))
    figures["augmentation (ms/step)"] = timed(lambda: next(batches), TIMED_STEPS)

    marks = {}
    fit = keras.Model.fit

    def timed_fit(self, *arguments, **keywords):  # the script's own fit, with a clock at its edges
        clock = keras.callbacks.LambdaCallback(
            on_train_begin=lambda logs: marks.setdefault("begin", time.perf_counter()),
            on_train_end=lambda logs: marks.setdefault("end", time.perf_counter()))
        keywords["callbacks"] = [*keywords["callbacks"], clock]
        history = fit(self, *arguments, **keywords)
        marks["returned"] = time.perf_counter()
        return history
    keras.Model.fit = timed_fit
    model = build_model(task, x_train, plan)
    with contextlib.redirect_stdout(io.StringIO()):  # the progress table
        history = task.train(model, x_train, x_validation, plan)
    if isinstance(history, tuple):  # from issue 31 on: (history, epochs, the epoch whose weights were kept)
        history = history[0]
    if hasattr(task, "STEPS_PER_CHECK"):
        steps_per_check = task.STEPS_PER_CHECK
    else:
        steps_per_check = plan.steps_per_check if hasattr(task, "training_plan") else task.EPOCHS_PER_CHECK * plan
    steps = steps_per_check * len(history["loss"])
    figures["training (ms/step)"] = 1000 * (marks["end"] - marks["begin"]) / steps
    figures["fit's return after training (s)"] = marks["returned"] - marks["end"]
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--before", default="e6b177b", help="the commit whose task1.py is 'before'")
    parser.add_argument("--output", type=pathlib.Path, default=OUTPUT)
    parser.add_argument("--child", help=argparse.SUPPRESS)  # one run's figures, as JSON on stdout
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(measure(arguments.child, arguments.epochs)))
        return
    with tempfile.TemporaryDirectory() as folder:
        before = pathlib.Path(folder) / "task1.py"
        before.write_text(subprocess.run(["git", "-C", str(REPO), "show", f"{arguments.before}:task1.py"],
                                         capture_output=True, text=True, check=True).stdout)
        versions = {f"task1.py at {arguments.before}": before, "task1.py now": REPO / "task1.py"}
        runs = {name: [] for name in versions}
        for _ in range(arguments.runs):
            for name, path in versions.items():
                child = subprocess.run([sys.executable, __file__, "--epochs", str(arguments.epochs), "--child",
                                        str(path)], capture_output=True, text=True, check=True)
                runs[name].append(json.loads(child.stdout.splitlines()[-1]))
                print(name, runs[name][-1], file=sys.stderr, flush=True)
    results = {"command": f"python tools/step_times.py --runs {arguments.runs} --epochs {arguments.epochs} "
                          f"--before {arguments.before}", "epochs": arguments.epochs,
               "versions": {name: {"runs": version_runs,
                                   "summary": {key: summary([run[key] for run in version_runs])
                                               for key in version_runs[0]}}
                            for name, version_runs in runs.items()}}
    arguments.output.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {arguments.output}")


if __name__ == "__main__":
    main()
