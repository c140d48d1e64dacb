"""Build assignment2.pdf, its data and charts, and the README's Results block from real runs.

Usage: python tools/make_report.py [--runs N]   run everything, then build (about N + 1 minutes a task)
       python tools/make_report.py --from-json  rebuild the PDF and the README's Results block from the
                                                committed report/results.json and images, in seconds

A full build runs the benchmark (tools/benchmark.py: N unseeded runs of each script, headless, each
after timing the reference epoch) and keeps the figure of each script's first run in docs/. It then
trains each task once more in-process with the script's own code on the script's own split, for the
analysis that the scripts do not print: task 1's worst-reconstructed test digits and task 2's
confusion matrix. The numbers go to report/results.json, beside the held-out-fold experiments of
tools/fold_experiments.py (report/fold_experiments.json); report/assignment2.typ reads them all
from there and the typst package compiles it. No number in the PDF is typed by hand.
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import re
import sys
from importlib.metadata import version

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)
import numpy as np  # noqa: E402
import typst  # noqa: E402

from benchmark import REPO, formatted, markdown_tables, reference_figures, run_once, summary  # noqa: E402

# isort: split
import task1  # noqa: E402  (REPO is on the path once benchmark is imported)
import task2  # noqa: E402

# isort: split
import tensorflow as tf  # noqa: E402  (after task1, which quietens TensorFlow's start-up log lines)
from tensorflow import keras  # noqa: E402

import reference_epoch  # noqa: E402  (for its constants)
from fold_experiments import hyperparameters, train_quietly  # noqa: E402

DOCS = REPO / "docs"
REPORT = REPO / "report"
RESULTS = REPORT / "results.json"
FOLD_EXPERIMENTS = REPORT / "fold_experiments.json"
SOURCE = REPORT / "assignment2.typ"
PDF = REPO / "assignment2.pdf"
README = REPO / "README.md"
RESULTS_BLOCK = re.compile(r"(<!-- results -->\n).*?(<!-- /results -->)", re.DOTALL)
WORST_DIGITS = 10


def machine():
    """What the runs ran on: Python, the packages, the operating system and the CPU."""
    cpuinfo = pathlib.Path("/proc/cpuinfo")  # Linux; elsewhere platform.processor() says what it can
    names = re.findall(r"^model name\s*:\s*(.*)$", cpuinfo.read_text(), re.MULTILINE) if cpuinfo.exists() else []
    packages = {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__,
                "scikit-learn": version("scikit-learn"), "matplotlib": matplotlib.__version__,
                "typst": version("typst")}
    return {"python": platform.python_version(), "system": f"{platform.system()} {platform.machine()}",
            "cpu": names[0] if names else platform.processor(), "cores": os.cpu_count(), "packages": packages}


def rounded(report):
    """Each number at the precision the report shows, so the PDF, the README and the tests agree."""
    return {key: float(formatted(key, value)) for key, value in report.items()}


def rounded_summary(key, values):
    return {name: float(formatted(key, value)) for name, value in summary(values).items()}


def rounded_numbers(numbers):
    """The analysis numbers at the two decimals the report shows."""
    return {key: round(value, 2) if isinstance(value, float) else value for key, value in numbers.items()}


def trained_on_the_split(task):
    """Train the task's model as its main() does (same files, same code); return it and the test set."""
    pixels, labels = task.load_digits(task.DATASET)
    x_test, labels_test = task.load_digits(task.TEST_SET)
    model, _ = train_quietly(task, pixels, labels, np.arange(len(labels)))
    return model, x_test, labels_test


def analysis():
    """Task 1's worst-reconstructed test digits (saved as a picture) and task 2's confusion matrix."""
    model, x_test, labels_test = trained_on_the_split(task1)
    reconstructions = model.predict(x_test, verbose=0)
    wrong_pixels = np.sum(np.round(reconstructions) != x_test, axis=1)
    worst = np.argsort(wrong_pixels)[::-1][:WORST_DIGITS]
    figure, axes = plt.subplots(2, WORST_DIGITS, figsize=(WORST_DIGITS, 2.3), layout="constrained")
    for column, row in enumerate(worst):
        for axis, image in zip(axes[:, column], (x_test[row], reconstructions[row])):
            axis.imshow(image.reshape(task1.SIDE, task1.SIDE), cmap="gray_r", vmin=0, vmax=1)
            axis.set(xticks=[], yticks=[])
        axes[0, column].set_title(f"{wrong_pixels[row]} px", fontsize=9)
    axes[0, 0].set_ylabel("test digit")
    axes[1, 0].set_ylabel("output")
    figure.savefig(DOCS / "worst_reconstructions.png", dpi=150)
    plt.close(figure)
    task1_numbers = {"Test accuracy (%)": 100 * np.mean(np.round(reconstructions) == x_test),
                     "worst": [{"test row": int(row), "digit": int(labels_test[row]),
                                "wrong pixels": int(wrong_pixels[row])} for row in worst],
                     "Median wrong pixels per test digit": float(np.median(wrong_pixels))}

    model, x_test, labels_test = trained_on_the_split(task2)
    predictions = model.predict(x_test, verbose=0)
    predicted = np.argmax(predictions["digit"], axis=1)
    confusion = np.zeros((task2.DIGITS, task2.DIGITS), dtype=int)
    np.add.at(confusion, (labels_test, predicted), 1)
    task2_numbers = {"Test accuracy (%)": 100 * np.mean(np.round(predictions["reconstruction"]) == x_test),
                     "Test classification accuracy (%)": 100 * np.mean(predicted == labels_test),
                     "confusion": confusion.tolist()}
    return {"task1": rounded_numbers(task1_numbers), "task2": rounded_numbers(task2_numbers)}


def run_everything(runs):
    DOCS.mkdir(exist_ok=True)
    tasks = {}
    for task in ("task1", "task2"):
        reports = [run_once(task, figure_to=DOCS / f"{task}.png")] + [run_once(task) for _ in range(runs - 1)]
        reports = [rounded(report) for report in reports]
        tasks[task] = {"runs": reports, "summary": {key: rounded_summary(key, [report[key] for report in reports])
                                                    for key in reports[0]}}
    references = {name: round(value, 2) for name, value in reference_figures().items()}
    data = {path.name: {"images": len(labels), "of each digit": np.bincount(labels).tolist()}
            for path in (task1.DATASET, task1.TEST_SET) for _, labels in [task1.load_digits(path)]}
    return {"date": datetime.date.today().isoformat(), "command": f"python tools/make_report.py --runs {runs}",
            "runs": runs, "machine": machine(),
            "settings": {"task1": hyperparameters(task1), "task2": hyperparameters(task2),
                         "reference epoch": hyperparameters(reference_epoch)},
            "data": data, "references": references, "tasks": tasks,
            "analysis": analysis(), "fold experiments": json.loads(FOLD_EXPERIMENTS.read_text())}


def readme_results(results):
    """The README's Results block: the benchmark tables and the charts, from results.json."""
    packages = ", ".join(f"{name} {number}" for name, number in results["machine"]["packages"].items())
    tables = markdown_tables(results["references"], {task: data["runs"] for task, data in results["tasks"].items()})
    return (f"`{results['command']}` on {results['date']}: {results['runs']} unseeded runs of each script on "
            f"{results['machine']['cores']} cores of an {results['machine']['cpu']} CPU; Python "
            f"{results['machine']['python']} on {results['machine']['system']}; {packages}. Durations also in "
            f"reference epochs (see `tools/benchmark.py`).\n\n{tables}\n\n"
            "![task 1 charts](docs/task1.png)\n\n![task 2 charts](docs/task2.png)\n")


def build(results, pdf=PDF, readme=README):
    """Compile the PDF from the report's JSON files and write the README's Results block."""
    text = readme.read_text()
    if not RESULTS_BLOCK.search(text):
        sys.exit(f"{readme}: no '<!-- results -->' ... '<!-- /results -->' block to fill")
    partial = pdf.with_suffix(".pdf.partial")  # replaces the PDF only once it is complete
    typst.compile(str(SOURCE), output=str(partial), root=str(REPO),
                  timestamp=int(datetime.datetime.fromisoformat(results["date"]).timestamp()))
    partial.replace(pdf)
    readme.write_text(RESULTS_BLOCK.sub(lambda match: match.group(1) + readme_results(results) + match.group(2), text))
    print(f"wrote {pdf} and the results in {readme}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--from-json", action="store_true", help="rebuild from report/results.json, no training")
    arguments = parser.parse_args()
    if not arguments.from_json:
        results = run_everything(arguments.runs)
        RESULTS.write_text(json.dumps(results, indent=1) + "\n")
        print(f"wrote {RESULTS}")
    build(json.loads(RESULTS.read_text()))


if __name__ == "__main__":
    main()
