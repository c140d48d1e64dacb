"""Benchmark the task scripts: run each N times as a whole process and tabulate the report.

Usage: python tools/benchmark.py [--runs N] [--against REV] [TASK ...]     (default: --runs 3 task1 task2)

Each run copies TASK.py, dataset.txt and test.txt into a fresh temporary folder and runs it there,
headless. Right before each run, tools/reference_epoch.py times the *reference epoch* in a process of
its own: one epoch of a plain Keras autoencoder (see that file); and a bare `python -c "import
tensorflow, sklearn.manifold, matplotlib.pyplot"` is timed, the imports every run pays before its
work starts. Seconds on a shared machine vary up to 2x between runs; durations in reference epochs
compare across machines and runs. The table gives min / median / max over the runs of every number in
the report lines, the durations in both units, the whole-script wall time and what the script adds
besides its measured duration and those imports (charts, T-SNE, saving). The reference figures come
first, fitted on dataset.txt and scored on test.txt: PCA reconstruction accuracy for the pixels, and
scikit-learn's defaults for classifying the digits from the raw pixels. With --against REV, each run of a task
is preceded by a run of that task as it was at git revision REV, so that both see the same machine, and the
tables come in pairs: "TASK at REV", then "TASK".
"""
import argparse
import json
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

from run_script import RESULT

REPO = pathlib.Path(__file__).resolve().parent.parent
DATASET, TEST_SET = REPO / "dataset.txt", REPO / "test.txt"
DATA_FILES = [DATASET, TEST_SET]
RUN_SCRIPT = REPO / "tools" / "run_script.py"
PROGRESS_ROW = re.compile(r"^(\d+)\t\d+\.\d+\t\d+\.\d+$", re.MULTILINE)  # epoch, training and validation error
BARE_IMPORTS = "import tensorflow, sklearn.manifold, matplotlib.pyplot"


def load_digits(path):
    """(images, labels) of a file in the course's format, read as the course's reader reads it."""
    lines = [line.strip().split("\t") for line in pathlib.Path(path).read_text().strip().split("\n")]
    images = np.array([[float(pixel) for pixel in image.replace("-", "")] for _, image in lines], np.float32)
    return images, np.array([int(label) for label, _ in lines])


def report_numbers(stdout):
    """{'Test accuracy (%)': 99.8, 'Duration (s)': 12.3, 'Parameters': 402448, ...}: the RESULT line that
    tools/run_script.py prints after the script's own output."""
    lines = [line for line in stdout.splitlines() if line.startswith(RESULT)]
    return json.loads(lines[-1][len(RESULT):]) if lines else {}


def script_output(stdout):
    """What the script itself printed: stdout without run_script's RESULT line."""
    return "".join(line for line in stdout.splitlines(keepends=True) if not line.startswith(RESULT))


def run_task(task, folder, timeout=None, python=sys.executable, script=None, figures=None, plain=False):
    """Copy TASK.py (or write `script` as TASK.py) into `folder`, which holds the data files to read, and run it
    there headless, whole, through tools/run_script.py (its figures and test thought vectors saved into `figures`,
    if given), or with `plain` as `python TASK.py`. Returns the finished process and its wall time in seconds."""
    script = script or (REPO / f"{task}.py").read_text()
    (pathlib.Path(folder) / f"{task}.py").write_text(script)
    command = [python, f"{task}.py"] if plain else [python, str(RUN_SCRIPT), f"{task}.py", *(
        [str(figures)] if figures else [])]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=folder, env=dict(os.environ, MPLBACKEND="Agg"), capture_output=True,
                            text=True, timeout=timeout)
    return result, time.perf_counter() - start


def reference_epoch():
    """Seconds of one reference epoch, timed by tools/reference_epoch.py in a fresh process."""
    result = subprocess.run([sys.executable, str(REPO / "tools" / "reference_epoch.py")], capture_output=True,
                            text=True, check=True)
    return float(result.stdout)


def bare_imports():
    """Seconds of a fresh Python that only imports what the task scripts import that costs time."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", BARE_IMPORTS], env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
                   capture_output=True, check=True)
    return time.perf_counter() - start


def pca_accuracy(x_train, x_test, components):
    """Test pixel accuracy (%) of a PCA of `components` fitted on x_train, its reconstruction rounded."""
    pca = PCA(n_components=components).fit(x_train)
    return 100 * np.mean(np.round(np.clip(pca.inverse_transform(pca.transform(x_test)), 0, 1)) == x_test)


def reference_figures():
    """Test-set figures of classical methods fitted on dataset.txt."""
    (x_train, y_train), (x_test, y_test) = load_digits(DATASET), load_digits(TEST_SET)
    figures = {"All-zero output, test pixel accuracy": 100 * np.mean(x_test == 0)}
    for components in (64, 128, 256):
        figures[f"PCA-{components} reconstruction, test pixel accuracy"] = pca_accuracy(x_train, x_test, components)
    for name, classifier in [("Logistic regression", LogisticRegression(max_iter=1000)),
                             ("3-NN", KNeighborsClassifier(n_neighbors=3)), ("RBF SVM", SVC())]:
        accuracy = 100 * np.mean(classifier.fit(x_train, y_train).predict(x_test) == y_test)
        figures[f"{name} on raw pixels, test classification accuracy"] = accuracy
    return figures


# The report lines of the scripts before they were flat (issue 39), which --against REV reads from an old revision's
# console: "Accuracy: 99.12%", "Duration: 0.3min (17.9 s)", "Params: 402448", "Classification: 91.50%".
OLD_REPORT_LINE = re.compile(r"^(Accuracy|Classification|Duration|Params): (?:\d+\.\dmin \()?(\d+(?:\.\d+)?)(%| s\))?$",
                             re.MULTILINE)
OLD_NAMES = {"Accuracy": "Test accuracy (%)", "Classification": "Test classification accuracy (%)",
             "Duration": "Duration (s)", "Params": "Parameters"}


def run_once(task, figures=None, revision=None):
    """Time the reference epoch and the bare imports, then run TASK.py once (as it was at git `revision`, if
    given, plain, its report read from its console); return its report numbers and timings."""
    script = None
    if revision:
        script = subprocess.run(["git", "-C", str(REPO), "show", f"{revision}:{task}.py"], capture_output=True,
                                text=True, check=True).stdout
    epoch, imports = reference_epoch(), bare_imports()
    with tempfile.TemporaryDirectory() as folder:
        for data_file in DATA_FILES:
            shutil.copy(data_file, folder)
        result, wall_time = run_task(task, folder, script=script, figures=figures, plain=bool(revision))
        if result.returncode != 0:
            sys.exit(f"{task}.py failed:\n{result.stderr[-3000:]}")
        if figures:  # beside the windows, what the run printed
            (pathlib.Path(figures) / "console.txt").write_text(script_output(result.stdout))
    if revision:
        report = {OLD_NAMES[name]: float(number) for name, number, _ in OLD_REPORT_LINE.findall(result.stdout)}
    else:
        report = report_numbers(result.stdout)
    report["Duration (reference epochs)"] = report["Duration (s)"] / epoch
    report["Whole script (s)"] = wall_time
    report["Bare imports (s)"] = imports
    report["Whole script minus duration and bare imports (reference epochs)"] = (
        wall_time - report["Duration (s)"] - imports) / epoch
    report["Reference epoch (s)"] = epoch
    name = f"{task} at {revision}" if revision else task
    print(f"{name}: " + ", ".join(f"{key} {value:.6g}" for key, value in report.items()), file=sys.stderr, flush=True)
    return report


def formatted(key, value):
    digits = 2 if "%" in key else 3 if "Reference epoch" in key else 1 if "(s)" in key or "epochs)" in key else 0
    return f"{value:.{digits}f}"


def summary(values):
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def markdown_tables(references, results):
    """The reference figures, then a min/median/max table for each task's runs."""
    lines = ["| reference (fitted on dataset.txt, scored on test.txt) | value |", "| --- | --- |"]
    lines += [f"| {name} | {value:.2f}% |" for name, value in references.items()]
    for task, runs in results.items():
        lines += ["", f"| {task}, {len(runs)} runs | min | median | max |", "| --- | --- | --- | --- |"]
        for key in runs[0]:
            lines.append(f"| {key} | " + " | ".join(formatted(key, value)
                                                    for value in summary([run[key] for run in runs]).values()) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--against", metavar="REV", help="alternate each run with one of the task at revision REV")
    parser.add_argument("tasks", nargs="*", default=["task1", "task2"])
    arguments = parser.parse_args()
    results = {}
    for _ in range(arguments.runs):
        for task in arguments.tasks:
            if arguments.against:
                before = run_once(task, revision=arguments.against)
                results.setdefault(f"{task} at {arguments.against}", []).append(before)
            results.setdefault(task, []).append(run_once(task))
    print(markdown_tables(reference_figures(), results))


if __name__ == "__main__":
    main()
