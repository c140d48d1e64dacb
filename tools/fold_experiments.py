"""The k-fold experiments behind the task scripts' hyperparameters, on dataset.txt only, rerunnable.

Usage: python tools/fold_experiments.py [--runs N] [--output FILE] [--only TEXT] [TASK ...]
       (default: --runs 1 --output report/fold_experiments.json task1 task2; the output keeps the
       records of the experiments not run, so that one task's, or one experiment's, can be rerun alone)

test.txt is never read. An experiment runs on dataset.txt or, to choose how the training length follows the data,
on a dataset.txt of another size made from the same MNIST sample without test.txt's images (tools/make_dataset.py,
sized_lines). That file is cut into FOLDS stratified folds, unshuffled (fold k holds the k-th FOLDS-th part of each
digit's images, in file order, so every fold holds as many of each digit and every experiment gets the same folds);
each fold in turn is held out and scored while the task's own code (build_model and train from
task1.py or task2.py, its constants changed as the experiment says) trains on the other folds, carving its
validation set from them as main() does. A run's score is the mean over the folds: the percentage of held-out pixels
equal to the input after rounding (the brief's accuracy), for task 2 of held-out digits classified right, and how
well the held-out thought vectors separate the digits (leave-one-out k-NN accuracy in their own space and in their
T-SNE plane, tools/thought_vectors.py), with the steps trained and the epoch training stopped at. An experiment
changes the script's constants or sets the ROWS of the dataset.txt it runs on.
Every run is unseeded; with --runs N the JSON keeps min/median/max over the N runs.
"""
import argparse
import contextlib
import datetime
import importlib
import io
import json
import pathlib
import platform
import sys
import tempfile
import time

import numpy as np

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
import task1  # noqa: E402  (quietens TensorFlow's start-up log lines before keras loads)

# isort: split
from sklearn.model_selection import StratifiedKFold, train_test_split  # noqa: E402
from tensorflow import keras  # noqa: E402

from benchmark import summary  # noqa: E402
from make_dataset import sized_lines  # noqa: E402
from thought_vectors import separation  # noqa: E402

FOLDS = 5
# The precision each score is kept (and shown) with.
DECIMALS = {"epochs": 0, "steps": 0, "training seconds": 1, "pixel accuracy (%)": 3, "classification accuracy (%)": 2,
            "thought-vector k-NN accuracy (%)": 1, "thought-vector T-SNE k-NN accuracy (%)": 1}

# What each constant is called in an experiment's description.
DESCRIPTIONS = {"BATCH_SIZE": "batches of {}", "PEAK_LEARNING_RATE": "peak learning rate {}",
                "MAX_SHIFT": "shifts of up to {} pixels", "DROPOUT_RATE": "thought-vector dropout {}",
                "LABEL_SMOOTHING": "label smoothing {}",
                "CLASSIFIER_HIDDEN_UNITS": "classifier hidden layer of {}",
                "CLASSIFIER_DROPOUT_RATE": "classifier dropout {}", "MAX_ROTATION": "rotations of up to {} turn",
                "TRAINING_STEPS": "{} training steps",
                "STEPS_GROWTH": "steps growing as the images to the power {}", "STEPS_PER_CHECK": "checks of {} steps"}
# (task, the constants it changes from the script's, or the ROWS of the dataset.txt it runs on instead of ours);
# the first of each task is the script.
# Round 6 (issue 32): task 2's thought vector shaped by the classifier. Besides constants, an experiment may change
# the classifier (HEAD: "linear", a softmax on the thought vector; HEAD_READS: "thought vector", before its dropout)
# or the classification weight: CLASSIFICATION_WEIGHT, the same all the run, or WEIGHT_SCHEDULE, (first, last), going
# geometrically from one to the other over the steps as the script's CLASSIFICATION_WEIGHTS do.
# Rounds 1-5: report/exploration_record.json.
EXPERIMENTS = [
    ("task1", {}),
    ("task2", {}),
    ("task2", {"CLASSIFICATION_WEIGHT": 0.01}),
    ("task2", {"CLASSIFICATION_WEIGHT": 0.1}),
    ("task2", {"CLASSIFICATION_WEIGHT": 0.2}),
    ("task2", {"CLASSIFICATION_WEIGHT": 0.1, "HEAD_READS": "thought vector"}),
    ("task2", {"HEAD": "linear", "CLASSIFICATION_WEIGHT": 0.03}),
    ("task2", {"HEAD": "linear", "CLASSIFICATION_WEIGHT": 0.1}),
    ("task2", {"HEAD": "linear", "CLASSIFICATION_WEIGHT": 0.3}),
    ("task2", {"WEIGHT_SCHEDULE": (1.0, 0.001)}),
    ("task2", {"HEAD": "linear", "WEIGHT_SCHEDULE": (1.0, 0.01)}),
    ("task2", {"HEAD": "linear", "WEIGHT_SCHEDULE": (0.01, 1.0)}),
]
# How an experiment's non-constant changes read.
VARIANTS = {"HEAD": "{} classifier head", "HEAD_READS": "the head reading the {} before its dropout",
            "CLASSIFICATION_WEIGHT": "classification weight {}",
            "WEIGHT_SCHEDULE": "classification weight from {0[0]} to {0[1]} over the run"}


def description(task, changes):
    """'as in task1.py', or the changes in words: '4,800 rows: steps growing as the images to the power 0.25'."""
    changes = dict(changes)
    rows = f"{changes.pop('ROWS'):,} rows: " if "ROWS" in changes else ""
    return rows + (", ".join({**DESCRIPTIONS, **VARIANTS}[name].format(value) for name, value in changes.items())
                   or f"as in {task}.py")


def dataset(rows=None):
    """(pixels, labels) of dataset.txt, or of a dataset.txt of `rows` rows from the same sample."""
    if rows is None:
        return task1.load_digits(task1.DATASET)
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "dataset.txt"
        path.write_text("".join(sized_lines(rows)))
        return task1.load_digits(path)


def planned_checks(task, training_images):
    """The checks (Keras epochs of STEPS_PER_CHECK steps) that the task's main() trains for on that many images."""
    return round(task.TRAINING_STEPS * max(1, training_images / 900) ** task.STEPS_GROWTH / task.STEPS_PER_CHECK)


def train_quietly(task, pixels, labels, training_rows):
    """Build and train the task's model with its own code on the given rows, carving its validation set from
    them as main() does; return the model, its history and the epoch each check ended at."""
    fit_rows, validation_rows = train_test_split(training_rows, test_size=task.VALIDATION_FRACTION,
                                                 stratify=labels[training_rows])
    x_train, x_validation = pixels[fit_rows], pixels[validation_rows]
    checks = planned_checks(task, len(x_train))
    model = task.build_model(x_train, checks)
    with contextlib.redirect_stdout(io.StringIO()):  # the progress table
        if task.__name__ == "task1":
            history, epochs, _ = task.train(model, x_train, x_validation, checks)
        else:
            history, epochs, _ = task.train(model, x_train, labels[fit_rows], x_validation, labels[validation_rows],
                                            checks)
    return model, history, epochs


def fold_run(task, pixels, labels, training_rows, held_out_rows):
    """Train the task's model on one fold's training rows, as main() does; return its held-out scores."""
    start = time.perf_counter()
    model, history, epochs = train_quietly(task, pixels, labels, training_rows)
    scores = {"epochs": epochs[-1], "steps": task.STEPS_PER_CHECK * len(history["loss"]),
              "training seconds": time.perf_counter() - start}
    x_held_out = pixels[held_out_rows]
    predictions = model.predict(x_held_out, verbose=0)
    encoder = keras.Model(model.input, model.get_layer("thought_vector").output)
    measures = separation(encoder.predict(x_held_out, verbose=0), labels[held_out_rows])
    scores["thought-vector k-NN accuracy (%)"] = measures["k-NN accuracy (%)"]
    scores["thought-vector T-SNE k-NN accuracy (%)"] = measures["T-SNE k-NN accuracy (%)"]
    if task.__name__ == "task1":
        scores["pixel accuracy (%)"] = 100 * np.mean(np.round(predictions) == x_held_out)
    else:
        scores["pixel accuracy (%)"] = 100 * np.mean(np.round(predictions["reconstruction"]) == x_held_out)
        scores["classification accuracy (%)"] = 100 * np.mean(
            np.argmax(predictions["digit"], axis=1) == labels[held_out_rows])
    return scores


def variant_build_model(task, head="hidden", reads="dropped-out thought vector", schedule=None):
    """task2's build_model with its classifier changed as a round-6 experiment says: the script's model for the
    autoencoder and its layers, a new head, compiled as the script compiles it, the digit loss weighted from the
    schedule's first value to its last, geometrically over the run's steps (by default the script's weights)."""
    script_build_model = task.build_model

    def build_model(x_train, checks):
        script_model = script_build_model(x_train, checks)
        source = script_model.get_layer("thought_vector" if reads == "thought vector" else "reconstruction")
        source = source.output if reads == "thought vector" else source.input
        if head == "linear":
            digit = keras.layers.Dense(task.DIGITS, "softmax", name="digit")(source)
        else:
            hidden = keras.layers.Dense(task.CLASSIFIER_HIDDEN_UNITS, "relu")(source)
            digit = keras.layers.Dense(task.DIGITS, "softmax", name="digit")(
                keras.layers.Dropout(task.CLASSIFIER_DROPOUT_RATE)(hidden))
        model = keras.Model(script_model.input, {"reconstruction": script_model.get_layer("reconstruction").output,
                                                 "digit": digit})
        learning_rate = keras.optimizers.schedules.CosineDecay(
            0.0, (checks - 1) * task.STEPS_PER_CHECK, warmup_target=task.PEAK_LEARNING_RATE,
            warmup_steps=task.STEPS_PER_CHECK)
        optimizer = keras.optimizers.Adam(learning_rate)
        crossentropy = keras.losses.CategoricalCrossentropy(label_smoothing=task.LABEL_SMOOTHING)
        first, last = schedule or task.CLASSIFICATION_WEIGHTS

        def digit_loss(digits, predicted):
            done = keras.ops.cast(optimizer.iterations, "float32") / (checks * task.STEPS_PER_CHECK)
            return first * (last / first) ** done * crossentropy(digits, predicted)
        model.compile(optimizer=optimizer, loss={"reconstruction": "binary_crossentropy", "digit": digit_loss},
                      metrics={"digit": ["accuracy"]}, steps_per_execution=task.STEPS_PER_CHECK)
        return model
    return build_model


def cross_validation_run(task, pixels, labels):
    """One run of all the folds; the mean of each score over the folds."""
    folds = StratifiedKFold(n_splits=FOLDS).split(pixels, labels)
    results = [fold_run(task, pixels, labels, training_rows, held_out_rows) for training_rows, held_out_rows in folds]
    return {key: float(np.mean([result[key] for result in results])) for key in results[0]}


def experiment(task, changes, runs):
    """Run one experiment `runs` times with the task's constants changed; min/median/max of each score."""
    changes = dict(changes)
    pixels, labels = dataset(changes.pop("ROWS", None))
    variant = {name: changes.pop(name) for name in VARIANTS if name in changes}
    if variant:
        weight = variant.get("CLASSIFICATION_WEIGHT")
        changes["build_model"] = variant_build_model(task, variant.get("HEAD", "hidden"), variant.get(
            "HEAD_READS", "dropped-out thought vector"), (weight, weight) if weight else variant.get("WEIGHT_SCHEDULE"))
    saved = {name: getattr(task, name) for name in changes}
    for name, value in changes.items():
        assert hasattr(task, name), f"{task.__name__} has no constant {name}"
        setattr(task, name, value)
    try:
        results = [cross_validation_run(task, pixels, labels) for _ in range(runs)]
    finally:
        for name, value in saved.items():
            setattr(task, name, value)
    scores = {key: summary([result[key] for result in results]) for key in results[0]}
    return {key: {name: round(value, DECIMALS[key]) for name, value in values.items()}
            for key, values in scores.items()}


def hyperparameters(task):
    """The task's constants that are numbers, or tuples of numbers: its hyperparameters and sizes."""
    def number(value):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return {name: value for name, value in vars(task).items()
            if name.isupper() and (number(value) or isinstance(value, tuple) and all(map(number, value)))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--output", type=pathlib.Path, default=REPO / "report" / "fold_experiments.json")
    parser.add_argument("--only", action="append", help="run only the experiments described so (repeatable)")
    parser.add_argument("tasks", nargs="*", default=["task1", "task2"])
    arguments = parser.parse_args()
    chosen = [(task, description(task, changes), changes) for task, changes in EXPERIMENTS
              if task in arguments.tasks and (not arguments.only or description(task, changes) in arguments.only)]
    kept = json.loads(arguments.output.read_text())["experiments"] if arguments.output.exists() else []
    records = {(record["task"], record["tried"]): record for record in kept}
    tasks = {name: importlib.import_module(name) for name in arguments.tasks}  # as they are now, for the whole run
    for task_name, tried, changes in chosen:
        task = tasks[task_name]
        scores = experiment(task, changes, arguments.runs)
        records[task_name, tried] = {"task": task_name, "tried": tried, "changes": changes,
                                     "settings": {**hyperparameters(task), **changes}, "runs": arguments.runs,
                                     "date": datetime.date.today().isoformat(),
                                     "python": platform.python_version(), **scores}
        print(task_name, tried, {key: value["median"] for key, value in scores.items()}, flush=True)
        write(arguments.output, records)  # after each experiment: an interrupted run keeps what it finished


def write(output, records):
    """The records in the order of EXPERIMENTS; records of experiments no longer listed are dropped."""
    ordered = [records[task, description(task, changes)] for task, changes in EXPERIMENTS
               if (task, description(task, changes)) in records]
    output.parent.mkdir(exist_ok=True)
    output.write_text(json.dumps({"command": "python tools/fold_experiments.py", "folds": FOLDS,
                                  "experiments": ordered}, indent=1) + "\n")

if __name__ == "__main__":
    main()
