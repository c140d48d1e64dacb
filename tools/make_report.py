"""Build assignment2.pdf, its data and charts, and the README's console example and Results block from real runs.

Usage: python tools/make_report.py [--runs N]   run everything, then build (about N + 4 minutes a task)
       python tools/make_report.py --from-json  rebuild the PDF and the README's Results block from the
                                                committed report/results.json and images, in seconds

A full build runs the benchmark (tools/benchmark.py: N unseeded runs of each script, whole and headless, each after
timing the reference epoch) and keeps the three figures of each script's first run in docs/, one PNG a window
(docs/task1-training-progress.png, docs/task1-generated-images.png, docs/task1-thought-vectors.png, and task 2's).
It then runs each script ANALYSIS_RUNS more times whole in this process (runpy, as `python TASK.py` runs it, from a
temporary folder holding copies of dataset.txt and test.txt), and reads the trained model from the globals the
script leaves, for what the scripts do not print: what the test thought vectors hold (tools/thought_vectors.py)
and, from the first of those runs, task 1's worst-reconstructed test digits and its decoder on thought vectors no
image gave, and task 2's confusion matrix. It charts task 2's fold experiments (report/fold_experiments.json,
docs/trade_off.png) and the size sweep (report/size_sweep.json, docs/scaling.png). The hyperparameters in
results.json ("settings") are the lines of the scripts' two hyperparameter sections, read from their text.
The numbers go to report/results.json (with the first runs' consoles, for the README's example, and each chart's
size and smallest text, for the test that it stays legible as placed), beside the held-out-fold experiments of
tools/fold_experiments.py (report/fold_experiments.json) and the size sweep of tools/size_sweep.py, which those
tools write and this one copies in; report/assignment2.typ
reads them all from there (and the record of the earlier rounds, report/exploration_record.json) and the typst
package compiles it. No number in the PDF is typed by hand.
"""
import argparse
import ast
import contextlib
import datetime
import io
import json
import operator
import os
import pathlib
import platform
import re
import shutil
import sys
import tempfile
from importlib.metadata import version

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)
import numpy as np  # noqa: E402
import typst  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from benchmark import (  # noqa: E402
    DATA_FILES,
    DATASET,
    REPO,
    TEST_SET,
    formatted,
    load_digits,
    markdown_tables,
    reference_figures,
    run_once,
    summary,
)
from run_script import run_here, text_sizes  # noqa: E402
from thought_vectors import NEIGHBOURS, nearest_digits, separation  # noqa: E402

DOCS = REPO / "docs"
REPORT = REPO / "report"
RESULTS = REPORT / "results.json"
FOLD_EXPERIMENTS = REPORT / "fold_experiments.json"
SIZE_SWEEP = REPORT / "size_sweep.json"
SOURCE = REPORT / "assignment2.typ"
PDF = REPO / "assignment2.pdf"
README = REPO / "README.md"
RESULTS_BLOCK = re.compile(r"(<!-- results -->\n).*?(<!-- /results -->)", re.DOTALL)
CONSOLE_BLOCK = re.compile(r"(<!-- console -->\n).*?(<!-- /console -->)", re.DOTALL)
CHART_DPI = 200
TASKS = ("task1", "task2")
WINDOWS = ("Training progress", "Generated images", "Thought vectors")  # the scripts' figures, by window title
WORST_DIGITS = 10
DIGITS, SIDE = 10, 28
ANALYSIS_RUNS = 3  # in-process runs of each task for the report's "What the thought vectors hold"
TEXT_WIDTH = 17 / 2.54  # inches: the report's text width, at which docs/scaling.png and the test digits are placed
# The scripts' hyperparameter sections: the lines after "#Set model hyperparameters here" or "#Set training
# hyperparameters here", up to the first empty line; in them, each `name = expression  # comment` line.
HYPERPARAMETER_SECTION = re.compile(r"^#Set (?:model|training) hyperparameters here.*\n((?:.+\n)+)", re.MULTILINE)
HYPERPARAMETER_LINE = re.compile(r"^([a-z_]+) = (.+?)(\s+#.*)?$", re.MULTILINE)
ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
              ast.Pow: operator.pow}


def window_png(task, window):
    """docs/task1-training-progress.png and the like: where a window of a task's first benchmark run is kept."""
    return DOCS / f"{task}-{window.lower().replace(' ', '-')}.png"


def save_chart(figure, path, charts):
    """Save one of the report's own charts into docs/ at CHART_DPI, recording its size and smallest text in
    `charts` (as run_script records the windows') for the check that its text stays legible as placed."""
    figure.savefig(path, dpi=CHART_DPI)
    charts[path.relative_to(REPO).as_posix()] = text_sizes(figure, path, CHART_DPI)
    plt.close(figure)


def number(expression, known):
    """The value of an expression made of numbers, + - * / ** and the names in `known`; None for anything else."""
    def value(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.Name) and isinstance(known.get(node.id), (int, float)):
            return known[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC:
            return ARITHMETIC[type(node.op)](value(node.left), value(node.right))
        raise ValueError(expression)
    try:
        return value(ast.parse(expression, mode="eval").body)
    except (SyntaxError, ValueError):
        return None


def script_settings(task):
    """TASK.py's hyperparameter lines, in order: {name: value}, a number where the expression is one (or arithmetic
    on the lines above it: 28 * 28), else the expression's text ('min(225, len(train_imgs))')."""
    settings = {}
    for section in HYPERPARAMETER_SECTION.findall((REPO / f"{task}.py").read_text()):
        for name, expression, _ in HYPERPARAMETER_LINE.findall(section):
            value = number(expression, settings)
            settings[name] = expression if value is None else value
    return settings


def machine():
    """What the runs ran on: Python, the packages, the operating system and the CPU."""
    import tensorflow as tf
    from tensorflow import keras
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


def in_process_run(task):
    """TASK.py run whole in this process, as `python TASK.py` runs it, from a temporary folder holding copies of
    dataset.txt and test.txt: the globals it leaves (model, encoder, train_imgs, val_imgs, test_imgs, test_lbls, ...).
    Its console output is dropped, its figures closed; the working folder, the environment and the warning filters
    it changes are put back."""
    with tempfile.TemporaryDirectory() as folder:
        for data_file in DATA_FILES:
            shutil.copy(data_file, folder)
        with contextlib.redirect_stdout(io.StringIO()):
            return run_here(REPO / f"{task}.py", folder)


def course_size_values(found):
    """What a run at the course's size computed from its hyperparameter lines: the images, the epochs, the batches,
    the warm-up and where early stopping starts."""
    batches = int(found["steps_per_epoch"])
    return {"training images": len(found["train_imgs"]), "validation images": len(found["val_imgs"]),
            "max_epochs": int(found["max_epochs"]), "batch_size": int(found["batch_size"]),
            "batches per epoch": batches, "warm-up epochs": int(found["schedule"].warmup_steps) // batches,
            "early stopping from epoch": int(found["early_stopping"].start_from_epoch)}


def decoded_chart(found, pixels, labels, charts):
    """What task 1's decoder makes of thought vectors that no image gave (docs/decoded.png): each digit's mean
    thought vector over the images of dataset.txt, then evenly spaced points on the straight line from the thought
    vector of its first 3 to that of its first 8."""
    vectors = found["encoder"].predict(pixels, verbose=0)
    means = [vectors[labels == digit].mean(axis=0) for digit in range(DIGITS)]
    three, eight = vectors[labels == 3][0], vectors[labels == 8][0]
    walk = [three + step * (eight - three) for step in np.linspace(0, 1, DIGITS)]
    decoded = np.asarray(found["model"].get_layer("reconstruction")(np.array(means + walk, np.float32)))
    figure, axes = plt.subplots(2, 1, figsize=(TEXT_WIDTH, 1.75), layout="constrained")
    for axis, images, title in zip(axes, np.split(decoded, 2), ("each digit's mean thought vector, 0-9",
                                                               "a straight walk from a 3 to an 8")):
        axis.imshow(np.hstack(images.reshape(-1, SIDE, SIDE)), cmap="gray_r", vmin=0, vmax=1)
        axis.set_title(title, fontsize=8)
        axis.axis("off")
    save_chart(figure, DOCS / "decoded.png", charts)


def worst_reconstructions(found, charts):
    """The WORST_DIGITS test digits task 1 reconstructs worst, over its output (docs/worst_reconstructions.png);
    their numbers."""
    test_imgs = found["test_imgs"]
    reconstructions = found["model"].predict(test_imgs, verbose=0)
    wrong_pixels = np.sum(np.round(reconstructions) != test_imgs, axis=1)
    worst = np.argsort(wrong_pixels)[::-1][:WORST_DIGITS]
    figure, axes = plt.subplots(2, WORST_DIGITS, figsize=(TEXT_WIDTH, 1.65), layout="constrained")
    for column, row in enumerate(worst):
        for axis, image in zip(axes[:, column], (test_imgs[row], reconstructions[row])):
            axis.imshow(image.reshape(SIDE, SIDE), cmap="gray_r", vmin=0, vmax=1)
            axis.set(xticks=[], yticks=[])
        axes[0, column].set_title(f"{wrong_pixels[row]} px", fontsize=8)
    axes[0, 0].set_ylabel("test digit", fontsize=8)
    axes[1, 0].set_ylabel("output", fontsize=8)
    save_chart(figure, DOCS / "worst_reconstructions.png", charts)
    return {"Test accuracy (%)": 100 * float(found["accuracy"]),
            "worst": [{"test row": int(row), "digit": int(found["test_lbls"][row]),
                       "wrong pixels": int(wrong_pixels[row])} for row in worst],
            "Median wrong pixels per test digit": float(np.median(wrong_pixels))}


def confusion_matrix(found):
    """Task 2's test digits: the rows true, the columns the classifier's answers."""
    predicted = np.argmax(found["model"].predict(found["test_imgs"], verbose=0)["digit"], axis=1)
    confusion = np.zeros((DIGITS, DIGITS), dtype=int)
    np.add.at(confusion, (found["test_lbls"], predicted), 1)
    return {"Test accuracy (%)": 100 * float(found["accuracy"]),
            "Test classification accuracy (%)": 100 * float(found["classification"]), "confusion": confusion.tolist()}


def what_vectors_hold(training_vectors, labels, test_vectors, labels_test):
    """How well the test vectors separate the digits (tools/thought_vectors.py), and a linear probe: logistic
    regression fitted on the vectors of dataset.txt's images, scored on test.txt's."""
    numbers = separation(test_vectors, labels_test)
    probe = LogisticRegression(max_iter=1000).fit(training_vectors, labels)
    numbers["linear probe accuracy (%)"] = 100 * probe.score(test_vectors, labels_test)
    return numbers


def measured(runs_numbers):
    """Each measure's min/median/max over the runs (silhouettes at 3 decimals, the rest at 2)."""
    return {key: {name: round(value, 2 if "%" in key else 3)
                  for name, value in summary([numbers[key] for numbers in runs_numbers]).items()}
            for key in runs_numbers[0]}


def analysis(runs, charts):
    """`runs` in-process runs of each task: what the test thought vectors hold in each (raw test pixels beside them;
    T-SNE is random, so the pixels too are measured `runs` times) and the nearest-digit tables summed over the runs;
    from each task's first run, the closer look (task 1's worst digits and decoder, task 2's confusion matrix) and
    what its hyperparameter lines came to at the course's size. Nothing here imports TensorFlow before the first run,
    so that the script imports it after setting its environment, as `python TASK.py` does."""
    pixels, labels = load_digits(DATASET)
    x_test, labels_test = load_digits(TEST_SET)
    numbers = {"raw pixels": [what_vectors_hold(pixels, labels, x_test, labels_test) for _ in range(runs)]}
    nearest = {"raw pixels": nearest_digits(x_test, labels_test) * runs}
    closer_look, course_size = {}, None
    for task in TASKS:
        numbers[task], nearest[task] = [], 0
        for run in range(runs):
            found = in_process_run(task)
            test_vectors = found["encoder"].predict(found["test_imgs"], verbose=0)
            run_numbers = what_vectors_hold(found["encoder"].predict(pixels, verbose=0), labels, test_vectors,
                                            found["test_lbls"])
            if task == "task2":
                run_numbers["own classifier accuracy (%)"] = 100 * float(found["classification"])
            numbers[task].append(run_numbers)
            nearest[task] = nearest[task] + nearest_digits(test_vectors, found["test_lbls"])
            if run == 0:
                course_size = course_size or course_size_values(found)
                if task == "task1":
                    decoded_chart(found, pixels, labels, charts)
                    closer_look[task] = rounded_numbers(worst_reconstructions(found, charts))
                else:
                    closer_look[task] = rounded_numbers(confusion_matrix(found))
            found["keras"].backend.clear_session()
            del found
    thought_vectors = {"runs": runs, "neighbours": NEIGHBOURS,
                       "measures": {source: measured(values) for source, values in numbers.items()},
                       "nearest digits": {source: table.tolist() for source, table in nearest.items()}}
    return closer_look, thought_vectors, course_size


def is_script_setting(experiment, settings):
    """Whether a fold experiment ran task 2 as it is: no change, or its classification weight set to the script's."""
    changes = experiment["changes"]
    return not changes or (set(changes) == {"classification_weight"} and number(
        changes["classification_weight"], {}) == settings["classification_weight"])


def trade_off_chart(folds, settings, charts):
    """Task 2's fold experiments (report/fold_experiments.json) as points of held-out pixel accuracy against how well
    the held-out thought vectors cluster the digits (5-NN in their T-SNE plane), beside task 1's thought vectors; the
    script's setting in red."""
    tsne_key, pixel_key = "thought-vector T-SNE k-NN accuracy (%)", "pixel accuracy (%)"
    experiments = [e for e in folds["experiments"] if e["task"] == "task2"]
    task1_script = next((e for e in folds["experiments"] if e["task"] == "task1" and not e["changes"]), None)
    figure, axis = plt.subplots(figsize=(3.6, 2.5), layout="constrained")
    for e in experiments:
        ours = is_script_setting(e, settings)
        point = (e[tsne_key]["median"], e[pixel_key]["median"])
        axis.scatter(*point, s=36 if ours else 20, color="#d62728" if ours else "#1f77b4", zorder=3)
        label = e["changes"].get("classification_weight") or e["tried"]
        axis.annotate(label if len(label) < 8 else "", point, fontsize=8, xytext=(4, 3), textcoords="offset points")
    if task1_script:
        axis.axvline(task1_script[tsne_key]["median"], color="grey", linestyle="--", label="task 1's thought vectors")
    axis.set_xlabel(f"held-out thought vectors,\n{NEIGHBOURS}-NN in their T-SNE plane (%)", fontsize=8)
    axis.set_ylabel("held-out pixels (%)", fontsize=8)
    axis.tick_params(labelsize=8)
    axis.margins(x=0.15, y=0.15)
    axis.legend(fontsize=8, loc="lower left")
    save_chart(figure, DOCS / "trade_off.png", charts)


def scaling_chart(sweep, charts):
    """Test pixel accuracy and duration against the rows of dataset.txt (report/size_sweep.json): both tasks'
    median runs, and PCA-256 fitted on the same file."""
    rows = [size["rows"] for size in sweep["sizes"]]
    figure, (pixels, seconds) = plt.subplots(1, 2, figsize=(TEXT_WIDTH, 2.6), layout="constrained")
    for task, marker in (("task1", "o"), ("task2", "s")):
        swept = [size for size in sweep["sizes"] if task in size]  # a sweep may leave a task out
        medians = [size[task]["summary"] for size in swept]
        pixels.plot([size["rows"] for size in swept], [m["Test accuracy (%)"]["median"] for m in medians],
                    marker=marker, label=task)
        seconds.plot([size["rows"] for size in swept], [m["Duration (s)"]["median"] for m in medians],
                     marker=marker, label=task)
    pixels.plot(rows, [size["references"]["PCA-256 test pixel accuracy (%)"] for size in sweep["sizes"]],
                color="grey", linestyle="--", marker=".", label="PCA-256 on the same file")
    pixels.set_ylabel("test pixel accuracy (%)", fontsize=8)
    seconds.set_ylabel("duration (s)", fontsize=8)
    for axis in (pixels, seconds):
        axis.set(xscale="log")
        axis.set_xlabel("rows of dataset.txt", fontsize=8)
        axis.tick_params(labelsize=8)
    figure.legend(*pixels.get_legend_handles_labels(), loc="outside upper center", ncols=3, fontsize=8)
    save_chart(figure, DOCS / "scaling.png", charts)


def benchmark(task, runs, charts):
    """`runs` benchmark runs of the task; the first run's three windows kept in docs/ (their sizes in `charts`) and
    its console output returned with the numbers."""
    with tempfile.TemporaryDirectory() as folder:
        folder = pathlib.Path(folder)
        reports = [run_once(task, figures=folder)]
        sizes = json.loads((folder / "figures.json").read_text())
        for window in WINDOWS:
            shutil.copy(folder / f"{window}.png", window_png(task, window))
            charts[window_png(task, window).relative_to(REPO).as_posix()] = sizes[f"{window}.png"]
        console = (folder / "console.txt").read_text()
    reports += [run_once(task) for _ in range(runs - 1)]
    reports = [rounded(report) for report in reports]
    return {"runs": reports, "summary": {key: rounded_summary(key, [report[key] for report in reports])
                                         for key in reports[0]}, "console": console}


def run_everything(runs):
    DOCS.mkdir(exist_ok=True)
    for old in ("task1.png", "task2.png"):  # the single combined figure of the scripts before they were flat
        (DOCS / old).unlink(missing_ok=True)
    settings, charts = {task: script_settings(task) for task in TASKS}, {}
    folds = json.loads(FOLD_EXPERIMENTS.read_text())
    trade_off_chart(folds, settings["task2"], charts)
    size_sweep = json.loads(SIZE_SWEEP.read_text())
    scaling_chart(size_sweep, charts)
    tasks = {task: benchmark(task, runs, charts) for task in TASKS}
    references = {name: round(value, 2) for name, value in reference_figures().items()}
    data = {path.name: {"images": len(labels), "of each digit": np.bincount(labels).tolist()}
            for path in (DATASET, TEST_SET) for _, labels in [load_digits(path)]}
    closer_look, thought_vectors, course_size = analysis(ANALYSIS_RUNS, charts)  # the first import of TensorFlow here
    import reference_epoch  # (for its constants)
    settings["course's size"] = course_size
    settings["reference epoch"] = {name: getattr(reference_epoch, name)
                                   for name in ("ROWS", "WARMUP_EPOCHS", "TIMED_EPOCHS")}
    results = {"date": datetime.date.today().isoformat(), "command": f"python tools/make_report.py --runs {runs}",
               "runs": runs, "machine": machine(), "settings": settings, "data": data, "references": references,
               "tasks": tasks, "analysis": closer_look,
               "thought vectors": thought_vectors, "fold experiments": folds, "size sweep": size_sweep,
               "charts": charts}
    return results


# The README's run numbers: what the scripts print, and how long they train (the PDF's appendix has the timings).
README_KEYS = ("Test accuracy (%)", "Test classification accuracy (%)", "Duration (s)", "Parameters", "Epochs trained",
               "Epoch kept")
README_REFERENCES = ("PCA-256", "RBF SVM")  # the best reference of each task; the PDF has them all


def readme_results(results):
    """The README's Results block: the references and the scripts' numbers, then the windows, from results.json."""
    packages = ", ".join(f"{name} {number}" for name, number in results["machine"]["packages"].items()
                         if name != "typst")
    runs = {task: [{key: run[key] for key in README_KEYS if key in run} for run in data["runs"]]
            for task, data in results["tasks"].items()}
    references = {name: value for name, value in results["references"].items() if name.startswith(README_REFERENCES)}
    charts = "\n\n".join(f"![task {task[-1]}: {window}]({window_png(task, window).relative_to(REPO).as_posix()})"
                         for task in TASKS for window in WINDOWS)
    return (f"`{results['command']}` on {results['date']}: {results['runs']} unseeded runs of each script on "
            f"{results['machine']['cores']} cores of an {results['machine']['cpu']} CPU, Python "
            f"{results['machine']['python']}, {packages}.\n\n{markdown_tables(references, runs)}\n\n"
            f"{charts}\n")


def readme_console(results):
    """The README's console example: what the first benchmark run of task2.py printed."""
    packages = results["machine"]["packages"]
    return (f"The first run of `task2.py` in Results (Python {results['machine']['python']}, TensorFlow "
            f"{packages['tensorflow']}, {results['machine']['cores']} cores):\n\n```\n"
            f"{results['tasks']['task2']['console'].strip()}\n```\n")


def filled(text, results):
    """The README's text with its console and results blocks written from results.json."""
    for block, content in ((CONSOLE_BLOCK, readme_console(results)), (RESULTS_BLOCK, readme_results(results))):
        text = block.sub(lambda match: match.group(1) + content + match.group(2), text)
    return text


def build(results, pdf=PDF, readme=README):
    """Compile the PDF from the report's JSON files and write the README's console and Results blocks."""
    text = readme.read_text()
    for block in (CONSOLE_BLOCK, RESULTS_BLOCK):  # the blocks filled() writes, found as it finds them
        if not block.search(text):
            sys.exit(f"{readme}: no block to fill matching {block.pattern}")
    partial = pdf.with_suffix(".pdf.partial")  # replaces the PDF only once it is complete
    typst.compile(str(SOURCE), output=str(partial), root=str(REPO),
                  timestamp=int(datetime.datetime.fromisoformat(results["date"]).timestamp()))
    partial.replace(pdf)
    readme.write_text(filled(text, results))
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
