"""The k-fold experiments behind the task scripts' hyperparameters, on dataset.txt only, rerunnable.

Usage: python tools/fold_experiments.py [--runs N] [--output FILE] [--only TEXT ...] [TASK ...]
       (default: --runs 1 --output report/fold_experiments.json task1 task2; the output keeps the
       records of the experiments not run, so that one task's, or one experiment's, can be rerun alone)

test.txt is never read. dataset.txt is cut into FOLDS folds stratified by digit, unshuffled (fold k holds the k-th
FOLDS-th part of each digit's images, in file order, so every experiment gets the same folds). Each fold in turn is
held out: the task script, unchanged but for the experiment's lines, is run whole (tools/run_script.py) in a
temporary folder whose dataset.txt holds the other folds and whose test.txt holds the held-out fold, so the script
carves its validation set from the training folds and scores the held-out fold exactly as it scores test.txt.
A run's score is the mean over the folds of: the held-out pixel accuracy (the brief's accuracy), for task 2 the
held-out digits classified right, how well the held-out thought vectors separate the digits (leave-one-out 5-NN
accuracy in their own space and in a T-SNE plane, tools/thought_vectors.py), the epochs trained and the epoch whose
weights were kept. An experiment changes hyperparameter lines of the script: each `name = expression` line named
is replaced by `name = <the experiment's expression>` (its comment dropped); a change named "replace" is a list of
[old text, new text] pairs, each old text found once in the script, for a change of more than a line (its "name"
describes it).
Every run is unseeded; with --runs N the JSON keeps min/median/max over the N runs.
"""
import argparse
import datetime
import json
import pathlib
import platform
import re
import sys
import tempfile

import numpy as np
from sklearn.model_selection import StratifiedKFold

from benchmark import DATASET, REPO, load_digits, report_numbers, run_task, summary
from thought_vectors import separation

FOLDS = 5
OUTPUT = REPO / "report" / "fold_experiments.json"
# The precision each score is kept (and shown) with.
DECIMALS = {"epochs trained": 0, "epoch kept": 0, "pixel accuracy (%)": 3, "classification accuracy (%)": 2,
            "thought-vector k-NN accuracy (%)": 1, "thought-vector T-SNE k-NN accuracy (%)": 1}
# Task 1 with a plateau schedule instead of the cosine: the learning rate halves when the validation error stalls, and
# early stopping, from the first epoch, ends the training (max_epochs a cap).
PLATEAU = [
    ["""schedule = keras.optimizers.schedules.CosineDecay(0.0, (max_epochs - 5) * steps_per_epoch,
                                                  warmup_target=learning_rate,
                                                  warmup_steps=5 * steps_per_epoch)
model.compile(optimizer=keras.optimizers.Adam(schedule),""",
     "model.compile(optimizer=keras.optimizers.Adam(learning_rate),"],
    ["patience=patience, start_from_epoch=max_epochs // 2, restore_best_weights=True)",
     "patience=patience, restore_best_weights=True)"],
    ["callbacks=[early_stopping,",
     "callbacks=[keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=15), early_stopping,"]]
# (task, {hyperparameter: the expression it is set to}); {} is the script as it is.
EXPERIMENTS = [
    ("task1", {}),
    ("task1", {"batch_size": "min(180, len(train_imgs))"}),
    ("task1", {"learning_rate": "0.01"}),
    ("task1", {"learning_rate": "0.02"}),
    ("task1", {"dropout_rate": "0.05"}),
    ("task1", {"dropout_rate": "0.2"}),
    ("task1", {"max_epochs": "round(450 * (900 / len(train_imgs)) ** 0.6)"}),
    ("task1", {"max_epochs": "round(800 * (900 / len(train_imgs)) ** 0.6)"}),
    ("task2", {"classification_weight": "0.01"}),
    ("task2", {"classification_weight": "0.02"}),
    ("task2", {"classification_weight": "0.03"}),
    ("task2", {"classification_weight": "0.04"}),
    ("task2", {"classification_weight": "0.05"}),
    ("task2", {"classification_weight": "0.1"}),
    ("task1", {"name": "plateau: Adam at 0.014, halved after 15 epochs without a lower validation error; early "
                       "stopping from the start", "replace": PLATEAU}),
    ("task1", {"name": "plateau: Adam at 0.005, halved after 15 epochs without a lower validation error; early "
                       "stopping from the start", "replace": PLATEAU, "learning_rate": "0.005"}),
]


def description(task, changes):
    """'as in task1.py', or the lines changed: 'batch_size = min(180, len(train_imgs))', or the change's name."""
    lines = "; ".join(f"{name} = {value}" for name, value in changes.items())
    return changes.get("name") or lines or f"as in {task}.py"


def changed_script(task, changes):
    """The task script's text with each named hyperparameter line set to the experiment's expression."""
    script = (REPO / f"{task}.py").read_text()
    for old, new in changes.get("replace", []):
        assert script.count(old) == 1, f"{task}.py does not hold this once: {old}"
        script = script.replace(old, new)
    for name, value in changes.items():
        if name in ("name", "replace"):
            continue
        script, replaced = re.subn(rf"^{name} = .*$", f"{name} = {value}", script, flags=re.MULTILINE)
        assert replaced == 1, f"{task}.py has no single '{name} = ' line"
    return script


def fold_run(task, script, lines, labels, training_rows, held_out_rows):
    """Run the script with the training rows as dataset.txt and the held-out rows as test.txt; its scores."""
    with tempfile.TemporaryDirectory() as folder:
        folder = pathlib.Path(folder)
        (folder / "dataset.txt").write_text("".join(lines[row] for row in training_rows))
        (folder / "test.txt").write_text("".join(lines[row] for row in held_out_rows))
        result, _ = run_task(task, folder, script=script, figures=folder)
        if result.returncode != 0:
            sys.exit(f"{task}.py failed on a fold:\n{result.stderr[-3000:]}")
        report = report_numbers(result.stdout)
        vectors = np.load(folder / "thought_vectors.npy")
    measures = separation(vectors, labels[held_out_rows])
    scores = {"epochs trained": report["Epochs trained"], "epoch kept": report["Epoch kept"],
              "pixel accuracy (%)": report["Test accuracy (%)"],
              "thought-vector k-NN accuracy (%)": measures["k-NN accuracy (%)"],
              "thought-vector T-SNE k-NN accuracy (%)": measures["T-SNE k-NN accuracy (%)"]}
    if "Test classification accuracy (%)" in report:
        scores["classification accuracy (%)"] = report["Test classification accuracy (%)"]
    return scores


def cross_validation_run(task, script):
    """One run of all the folds; the mean of each score over the folds."""
    lines = DATASET.read_text().strip().split("\n")
    lines = [line + "\n" for line in lines]
    _, labels = load_digits(DATASET)
    folds = StratifiedKFold(n_splits=FOLDS).split(np.zeros(len(labels)), labels)
    results = [fold_run(task, script, lines, labels, training_rows, held_out_rows)
               for training_rows, held_out_rows in folds]
    return {key: float(np.mean([result[key] for result in results])) for key in results[0]}


def experiment(task, changes, runs):
    """Run one experiment `runs` times; min/median/max of each score."""
    script = changed_script(task, changes)
    results = [cross_validation_run(task, script) for _ in range(runs)]
    return {key: {name: round(value, DECIMALS[key]) for name, value in summary([r[key] for r in results]).items()}
            for key in results[0]}


def write(output, records):
    """The records in the order of EXPERIMENTS; records of experiments no longer listed are dropped."""
    ordered = [records[task, description(task, changes)] for task, changes in EXPERIMENTS
               if (task, description(task, changes)) in records]
    output.parent.mkdir(exist_ok=True)
    output.write_text(json.dumps({"command": "python tools/fold_experiments.py", "folds": FOLDS,
                                  "experiments": ordered}, indent=1) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--output", type=pathlib.Path, default=OUTPUT)
    parser.add_argument("--only", action="append", help="run only the experiments described so (repeatable)")
    parser.add_argument("tasks", nargs="*", default=["task1", "task2"])
    arguments = parser.parse_args()
    chosen = [(task, changes) for task, changes in EXPERIMENTS
              if task in arguments.tasks and (not arguments.only or description(task, changes) in arguments.only)]
    kept = json.loads(arguments.output.read_text())["experiments"] if arguments.output.exists() else []
    records = {(record["task"], record["tried"]): record for record in kept}
    for task, changes in chosen:
        scores = experiment(task, changes, arguments.runs)
        tried = description(task, changes)
        records[task, tried] = {"task": task, "tried": tried, "changes": changes, "runs": arguments.runs,
                                "date": datetime.date.today().isoformat(), "python": platform.python_version(),
                                **scores}
        print(task, tried, {key: value["median"] for key, value in scores.items()}, flush=True)
        write(arguments.output, records)  # after each experiment: an interrupted run keeps what it finished


if __name__ == "__main__":
    main()
