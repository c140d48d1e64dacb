"""The held-out-fold experiments behind the task scripts' hyperparameters, rerunnable.

Usage: python tools/fold_experiments.py [--runs N] [--output FILE] [TASK ...]
       (default: --runs 3 --output report/fold_experiments.json task1 task2; the output keeps the
       records of the tasks not named, so that one task's experiments can be rerun alone)

The test rows (the last 1,000) are never touched. Each experiment trains the task's own model with
the task's own code (build_model and train from task1.py or task2.py), its constants changed as the
experiment says, on rows 0-2999, stops early on rows 3000-3499, and scores rows 3500-3999: the
percentage of pixels equal to the input after rounding (the brief's accuracy) and, for task 2, the
percentage of digits classified right. Every run is unseeded; the JSON keeps min/median/max.
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

import numpy as np

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
import task1  # noqa: E402  (quietens TensorFlow's start-up log lines before keras loads)

# isort: split
from tensorflow import keras  # noqa: E402

from benchmark import summary  # noqa: E402

FIT_ROWS, STOP_ROWS, SCORE_ROWS = range(0, 3000), range(3000, 3500), range(3500, 4000)
# The precision each score is kept (and shown) with.
DECIMALS = {"epochs": 0, "training seconds": 1, "pixel accuracy (%)": 3, "classification accuracy (%)": 1}

# (task, what is tried, the constants it changes); the first of each task is the setting in the script.
EXPERIMENTS = [
    ("task1", "as in task1.py", {}),
    ("task1", "no shift augmentation", {"MAX_SHIFT": 0}),
    ("task1", "shifts of up to 2 pixels", {"MAX_SHIFT": 2}),
    ("task1", "no thought-vector dropout", {"DROPOUT_RATE": 0.0}),
    ("task1", "thought-vector dropout 0.2", {"DROPOUT_RATE": 0.2}),
    ("task1", "peak learning rate 0.01", {"PEAK_LEARNING_RATE": 0.01}),
    ("task1", "peak learning rate 0.03", {"PEAK_LEARNING_RATE": 0.03}),
    ("task1", "60 epochs", {"EPOCHS": 60}),
    ("task1", "100 epochs", {"EPOCHS": 100}),
    ("task1", "batches of 128", {"BATCH_SIZE": 128}),
    ("task2", "as in task2.py", {}),
    ("task2", "no shift augmentation", {"MAX_SHIFT": 0}),
    ("task2", "classifier hidden layer of 128", {"CLASSIFIER_HIDDEN_UNITS": 128}),
    ("task2", "classification weight 0.01", {"CLASSIFICATION_WEIGHT": 0.01}),
    ("task2", "classification weight 0.1", {"CLASSIFICATION_WEIGHT": 0.1}),
    ("task2", "no label smoothing", {"LABEL_SMOOTHING": 0.0}),
    ("task2", "thought-vector dropout 0.2", {"DROPOUT_RATE": 0.2}),
    ("task2", "100 epochs", {"EPOCHS": 100}),
]


def train_quietly(task, pixels, labels, train_rows, validation_rows):
    """Build and train the task's model with its own code on the given rows; return it and its history."""
    x_train, x_validation = pixels[train_rows], pixels[validation_rows]
    model = task.build_model(x_train.mean(axis=0), steps_per_epoch=-(-len(x_train) // task.BATCH_SIZE))
    with contextlib.redirect_stdout(io.StringIO()):  # the per-epoch lines
        if task.__name__ == "task1":
            history, duration = task.train(model, x_train, x_validation)
        else:
            digits = keras.utils.to_categorical(labels, task.DIGITS)
            history, duration = task.train(model, x_train, digits[train_rows], x_validation, digits[validation_rows])
    return model, history, duration


def fold_run(task, pixels, labels):
    """Train the task's model once on the fold; return its scores on the held-out rows."""
    model, history, duration = train_quietly(task, pixels, labels, list(FIT_ROWS), list(STOP_ROWS))
    x_score = pixels[list(SCORE_ROWS)]
    predictions = model.predict(x_score, verbose=0)
    scores = {"epochs": len(history["loss"]), "training seconds": duration}
    if task.__name__ == "task1":
        scores["pixel accuracy (%)"] = 100 * np.mean(np.round(predictions) == x_score)
    else:
        scores["pixel accuracy (%)"] = 100 * np.mean(np.round(predictions["reconstruction"]) == x_score)
        scores["classification accuracy (%)"] = 100 * np.mean(
            np.argmax(predictions["digit"], axis=1) == labels[list(SCORE_ROWS)])
    return scores


def experiment(task, changes, runs, pixels, labels):
    """Run one experiment `runs` times with the task's constants changed; min/median/max of each score."""
    saved = {name: getattr(task, name) for name in changes}
    for name, value in changes.items():
        assert hasattr(task, name), f"{task.__name__} has no constant {name}"
        setattr(task, name, value)
    try:
        results = [fold_run(task, pixels, labels) for _ in range(runs)]
    finally:
        for name, value in saved.items():
            setattr(task, name, value)
    scores = {key: summary([result[key] for result in results]) for key in results[0]}
    return {key: {name: round(value, DECIMALS[key]) for name, value in values.items()}
            for key, values in scores.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--output", type=pathlib.Path, default=REPO / "report" / "fold_experiments.json")
    parser.add_argument("tasks", nargs="*", default=["task1", "task2"])
    arguments = parser.parse_args()
    pixels, labels = task1.load_dataset(task1.DATASET)
    kept = json.loads(arguments.output.read_text())["experiments"] if arguments.output.exists() else []
    records = [record for record in kept if record["task"] not in arguments.tasks]
    for task_name, tried, changes in EXPERIMENTS:
        if task_name in arguments.tasks:
            scores = experiment(importlib.import_module(task_name), changes, arguments.runs, pixels, labels)
            records.append({"task": task_name, "tried": tried, "changes": changes, "runs": arguments.runs,
                            "date": datetime.date.today().isoformat(), "python": platform.python_version(),
                            **scores})
            print(task_name, tried, {key: round(value["median"], 3) for key, value in scores.items()}, flush=True)
    arguments.output.parent.mkdir(exist_ok=True)
    arguments.output.write_text(json.dumps({
        "command": "python tools/fold_experiments.py",
        "fit rows": "0-2999", "early-stopping rows": "3000-3499", "scored rows": "3500-3999",
        "experiments": records}, indent=1) + "\n")
    print(f"wrote {arguments.output}")


if __name__ == "__main__":
    main()
