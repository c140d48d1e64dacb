"""Benchmark the task scripts: run each N times as a whole process and tabulate the report.

Usage: python tools/benchmark.py [--runs N] [TASK ...]     (default: --runs 3 task1 task2)

Each run is `python TASK.py`, headless, in a fresh temporary folder holding a copy of
dataset.txt. The table gives min / median / max over the runs of every number in the report
lines, and the whole-script wall time. The reference figures on the same split (fitted on the
first 4,000 rows only, scored on the last 1,000) come first: PCA-256 reconstruction accuracy
for the pixels, and scikit-learn's defaults for classifying the digits from the raw pixels.
"""
import argparse
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from task1 import TEST_ROWS, load_dataset  # noqa: E402  (the tasks' own loader and split)

REPORT_LINE = re.compile(r"^([A-Z][A-Za-z ]+): ([\d.]+)(%| s)?$")
UNITS = {"%": " (%)", " s": " (s)", None: ""}


def reference_figures():
    pixels, labels = load_dataset(REPO / "dataset.txt")
    x_train, y_train, x_test, y_test = pixels[:-TEST_ROWS], labels[:-TEST_ROWS], pixels[-TEST_ROWS:], labels[-TEST_ROWS:]
    pca = PCA(n_components=256).fit(x_train)
    reconstruction = np.clip(pca.inverse_transform(pca.transform(x_test)), 0, 1)
    figures = {"PCA-256 reconstruction, test pixel accuracy": 100 * np.mean(np.round(reconstruction) == x_test)}
    for name, classifier in [("RBF SVM", SVC()), ("3-NN", KNeighborsClassifier(n_neighbors=3)),
                             ("logistic regression", LogisticRegression(max_iter=1000))]:
        accuracy = 100 * np.mean(classifier.fit(x_train, y_train).predict(x_test) == y_test)
        figures[f"{name} on raw pixels, test classification accuracy"] = accuracy
    return figures


def run_once(task, figure_to=None):
    """Run TASK.py once; return its report numbers and the whole-script wall time.
    With figure_to, keep the run's figure there."""
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(REPO / "dataset.txt", folder)
        start = time.time()
        result = subprocess.run([sys.executable, str(REPO / f"{task}.py")], cwd=folder,
                                env=dict(os.environ, MPLBACKEND="Agg"), capture_output=True, text=True)
        wall_time = time.time() - start
        if result.returncode != 0:
            sys.exit(f"{task}.py failed:\n{result.stderr[-3000:]}")
        if figure_to:
            shutil.copy(pathlib.Path(folder) / f"{task}.png", figure_to)
    report = {}
    for line in result.stdout.splitlines()[-5:]:
        match = REPORT_LINE.match(line)
        if match:
            report[match.group(1) + UNITS[match.group(3)]] = float(match.group(2))
    report["Whole script (s)"] = wall_time
    print(f"{task}: " + ", ".join(f"{key} {value:.6g}" for key, value in report.items()), file=sys.stderr, flush=True)
    return report


def formatted(key, value):
    return f"{value:.{2 if '%' in key else 1 if '(s)' in key else 0}f}"


def markdown_tables(references, results):
    """The reference figures, then a min/median/max table for each task's runs."""
    lines = ["| reference on the same split | value |", "| --- | --- |"]
    lines += [f"| {name} | {value:.2f}% |" for name, value in references.items()]
    for task, runs in results.items():
        lines += ["", f"| {task}, {len(runs)} runs | min | median | max |", "| --- | --- | --- | --- |"]
        for key in runs[0]:
            values = [run[key] for run in runs]
            summary = (min(values), statistics.median(values), max(values))
            lines.append(f"| {key} | " + " | ".join(formatted(key, value) for value in summary) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("tasks", nargs="*", default=["task1", "task2"])
    arguments = parser.parse_args()
    results = {task: [run_once(task) for _ in range(arguments.runs)] for task in arguments.tasks}
    print(markdown_tables(reference_figures(), results))


if __name__ == "__main__":
    main()
