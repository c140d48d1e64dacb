"""Build assignment2.pdf, its data and charts, and the README's Results block from real runs.

Usage: python tools/make_report.py [--runs N]   run everything, then build (about N + 4 minutes a task)
       python tools/make_report.py --from-json  rebuild the PDF and the README's Results block from the
                                                committed report/results.json and images, in seconds

A full build runs the benchmark (tools/benchmark.py: N unseeded runs of each script, headless, each
after timing the reference epoch) and keeps the figure of each script's first run in docs/. It then
trains each task again in-process with the script's own code on the script's own split, for the
analysis that the scripts do not print: task 1's worst-reconstructed test digits, task 2's confusion
matrix and, over ANALYSIS_RUNS trainings of each, what the test thought vectors hold (tools/thought_vectors.py).
It also charts task 2's round-6 fold experiments on its shared thought vector (report/fold_experiments.json,
docs/trade_off.png) and the size sweep of tools/size_sweep.py (report/size_sweep.json, docs/scaling.png).
The numbers go to report/results.json, beside the held-out-fold experiments of
tools/fold_experiments.py (report/fold_experiments.json), the step timings of tools/step_times.py
(report/step_times.json) and the size sweep, which those tools write and this one copies in;
report/assignment2.typ reads them all from there and the typst package compiles it. No number in the PDF is
typed by hand.
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
from sklearn.linear_model import LogisticRegression  # noqa: E402

from benchmark import REPO, formatted, markdown_tables, reference_figures, run_once, summary  # noqa: E402

# isort: split
import task1  # noqa: E402  (REPO is on the path once benchmark is imported)
import task2  # noqa: E402

# isort: split
import tensorflow as tf  # noqa: E402  (after task1, which quietens TensorFlow's start-up log lines)
from tensorflow import keras  # noqa: E402

import reference_epoch  # noqa: E402  (for its constants)
from fold_experiments import hyperparameters, train_quietly  # noqa: E402
from thought_vectors import NEIGHBOURS, nearest_digits, separation  # noqa: E402

DOCS = REPO / "docs"
REPORT = REPO / "report"
RESULTS = REPORT / "results.json"
FOLD_EXPERIMENTS = REPORT / "fold_experiments.json"
STEP_TIMES = REPORT / "step_times.json"
SIZE_SWEEP = REPORT / "size_sweep.json"
SOURCE = REPORT / "assignment2.typ"
PDF = REPO / "assignment2.pdf"
README = REPO / "README.md"
RESULTS_BLOCK = re.compile(r"(<!-- results -->\n).*?(<!-- /results -->)", re.DOTALL)
WORST_DIGITS = 10
CLUSTER_TARGET, PIXEL_TARGET = 80, 99.7  # issue 32's targets for task 2's held-out folds
ANALYSIS_RUNS = 3  # trainings of each task for the report's "What the thought vectors hold"


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
    """Train the task's model as its main() does (same files, same code); return it and the data."""
    pixels, labels = task.load_digits(task.DATASET)
    x_test, labels_test = task.load_digits(task.TEST_SET)
    model, _, _ = train_quietly(task, pixels, labels, np.arange(len(labels)))
    return model, pixels, labels, x_test, labels_test


def decoded_chart(model, pixels, labels):
    """What task 1's decoder makes of thought vectors that no image gave (docs/decoded.png): each digit's mean
    thought vector over the images of dataset.txt, then evenly spaced points on the straight line from the thought
    vector of its first 3 to that of its first 8."""
    vectors = keras.Model(model.input, model.get_layer("thought_vector").output).predict(pixels, verbose=0)
    means = [vectors[labels == digit].mean(axis=0) for digit in range(task1.DIGITS)]
    three, eight = vectors[labels == 3][0], vectors[labels == 8][0]
    walk = [three + step * (eight - three) for step in np.linspace(0, 1, task1.DIGITS)]
    decoded = np.asarray(model.get_layer("reconstruction")(np.array(means + walk)))
    figure, axes = plt.subplots(2, 1, figsize=(WORST_DIGITS, 2.6), layout="constrained")
    for axis, images, title in zip(axes, np.split(decoded, 2), ("each digit's mean thought vector, 0-9",
                                                               "a straight walk from a 3 to an 8")):
        axis.imshow(np.hstack(images.reshape(-1, task1.SIDE, task1.SIDE)), cmap="gray_r", vmin=0, vmax=1)
        axis.set_title(title, fontsize=10)
        axis.axis("off")
    figure.savefig(DOCS / "decoded.png", dpi=150)
    plt.close(figure)


def analysis():
    """Task 1's worst-reconstructed test digits and its decoder on thought vectors no image gave (saved as
    pictures), and task 2's confusion matrix."""
    model, pixels, labels, x_test, labels_test = trained_on_the_split(task1)
    decoded_chart(model, pixels, labels)
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

    model, _, _, x_test, labels_test = trained_on_the_split(task2)
    predictions = model.predict(x_test, verbose=0)
    predicted = np.argmax(predictions["digit"], axis=1)
    confusion = np.zeros((task2.DIGITS, task2.DIGITS), dtype=int)
    np.add.at(confusion, (labels_test, predicted), 1)
    task2_numbers = {"Test accuracy (%)": 100 * np.mean(np.round(predictions["reconstruction"]) == x_test),
                     "Test classification accuracy (%)": 100 * np.mean(predicted == labels_test),
                     "confusion": confusion.tolist()}
    return {"task1": rounded_numbers(task1_numbers), "task2": rounded_numbers(task2_numbers)}


def what_vectors_hold(training_vectors, labels, test_vectors, labels_test):
    """How well the test vectors separate the digits (tools/thought_vectors.py), and a linear probe: logistic
    regression fitted on the vectors of dataset.txt's images, scored on test.txt's."""
    numbers = separation(test_vectors, labels_test)
    probe = LogisticRegression(max_iter=1000).fit(training_vectors, labels)
    numbers["linear probe accuracy (%)"] = 100 * probe.score(test_vectors, labels_test)
    return numbers


def thought_vector_analysis(task, runs):
    """`runs` trainings of the task as its main() does: what its test thought vectors hold in each (task 2's own
    classifier beside them), and the nearest-digit table summed over the runs."""
    numbers, nearest = [], 0
    for _ in range(runs):
        model, pixels, labels, x_test, labels_test = trained_on_the_split(task)
        encoder = keras.Model(model.input, model.get_layer("thought_vector").output)
        test_vectors = encoder.predict(x_test, verbose=0)
        run = what_vectors_hold(encoder.predict(pixels, verbose=0), labels, test_vectors, labels_test)
        if task is task2:
            predicted = np.argmax(model.predict(x_test, verbose=0)["digit"], axis=1)
            run["own classifier accuracy (%)"] = 100 * np.mean(predicted == labels_test)
        numbers.append(run)
        nearest = nearest + nearest_digits(test_vectors, labels_test)
    return numbers, nearest


def thought_vectors(runs):
    """Raw test pixels, task 1's and task 2's test thought vectors side by side: each measure's min/median/max
    over `runs` (T-SNE is random, so the pixels too are measured `runs` times), and the nearest-digit tables."""
    pixels, labels = task1.load_digits(task1.DATASET)
    x_test, labels_test = task1.load_digits(task1.TEST_SET)
    sources = {"raw pixels": ([what_vectors_hold(pixels, labels, x_test, labels_test) for _ in range(runs)],
                              nearest_digits(x_test, labels_test) * runs),
               "task1": thought_vector_analysis(task1, runs), "task2": thought_vector_analysis(task2, runs)}
    return {"runs": runs, "neighbours": NEIGHBOURS,
            "measures": {source: {key: {name: round(value, 2 if "%" in key else 3)  # silhouettes: 3 decimals
                                        for name, value in summary([run[key] for run in numbers]).items()}
                                  for key in numbers[0]} for source, (numbers, _) in sources.items()},
            "nearest digits": {source: nearest.tolist() for source, (_, nearest) in sources.items()}}


def trade_off_chart(folds):
    """Task 2's round-6 experiments (report/fold_experiments.json) as points of held-out pixel accuracy against how
    well the held-out thought vectors cluster the digits, beside task 1's code and the issue's two targets."""
    tsne_key = "thought-vector T-SNE k-NN accuracy (%)"
    experiments = [e for e in folds["experiments"] if e["task"] == "task2"]
    task1_tsne = next(e for e in folds["experiments"] if e["task"] == "task1" and not e["changes"])[tsne_key]["median"]
    figure, axis = plt.subplots(figsize=(6, 3.3), layout="constrained")
    for number, e in enumerate(experiments, 1):
        chosen = e["tried"] == "as in task2.py"
        axis.scatter(e[tsne_key]["median"], e["pixel accuracy (%)"]["median"], s=40 if chosen else 20,
                     color="#d62728" if chosen else "#1f77b4", zorder=3)
        axis.annotate(str(number), (e[tsne_key]["median"], e["pixel accuracy (%)"]["median"]), fontsize=9,
                      xytext=(4, 3), textcoords="offset points")
    axis.axvline(task1_tsne, color="grey", linestyle="--", label="task 1's thought vectors")
    axis.axvline(CLUSTER_TARGET, color="grey", linestyle=":", label=f"{CLUSTER_TARGET}%: the clusters' target")
    axis.axhline(PIXEL_TARGET, color="grey", linestyle="-.", label=f"{PIXEL_TARGET}%: the pixels' target")
    axis.set(xlabel=f"held-out thought vectors, {NEIGHBOURS}-NN accuracy in their T-SNE plane (%)",
             ylabel="held-out pixel accuracy (%)")
    axis.legend(fontsize=9, loc="lower left")
    figure.savefig(DOCS / "trade_off.png", dpi=150)
    plt.close(figure)


def scaling_chart(sweep):
    """Test pixel accuracy and duration against the rows of dataset.txt (report/size_sweep.json): both tasks'
    median runs, and PCA-256 fitted on the same file."""
    rows = [size["rows"] for size in sweep["sizes"]]
    figure, (pixels, seconds) = plt.subplots(1, 2, figsize=(10, 2.8), layout="constrained")
    for task, marker in (("task1", "o"), ("task2", "s")):
        medians = [size[task]["summary"] for size in sweep["sizes"]]
        pixels.plot(rows, [m["Test accuracy (%)"]["median"] for m in medians], marker=marker, label=task)
        seconds.plot(rows, [m["Duration (s)"]["median"] for m in medians], marker=marker, label=task)
    pixels.plot(rows, [size["references"]["PCA-256 test pixel accuracy (%)"] for size in sweep["sizes"]],
                color="grey", linestyle="--", marker=".", label="PCA-256 on the same file")
    pixels.set(ylabel="test pixel accuracy (%)")
    seconds.set(ylabel="duration (s)")
    for axis in (pixels, seconds):
        axis.set(xscale="log", xlabel="rows of dataset.txt")
        axis.legend(fontsize=8)
    figure.savefig(DOCS / "scaling.png", dpi=150)
    plt.close(figure)


def run_everything(runs):
    DOCS.mkdir(exist_ok=True)
    trade_off_chart(json.loads(FOLD_EXPERIMENTS.read_text()))
    size_sweep = json.loads(SIZE_SWEEP.read_text())
    scaling_chart(size_sweep)
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
            "targets": {"clusters (%)": CLUSTER_TARGET, "pixels (%)": PIXEL_TARGET},
            "analysis": analysis(), "thought vectors": thought_vectors(ANALYSIS_RUNS),
            "fold experiments": json.loads(FOLD_EXPERIMENTS.read_text()),
            "step times": json.loads(STEP_TIMES.read_text()), "size sweep": size_sweep}


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
