"""How the task scripts do on a dataset.txt of another size: the sweep behind the report's "How it scales".

Usage: python tools/size_sweep.py [--rows N ...] [--runs R] [--output FILE] [TASK ...]
       (default: --rows 500 1000 2000 3000 4800 60000 --runs 1 --output report/size_sweep.json task1 task2)

For each size, a dataset.txt of that many rows comes from the MNIST sample of tools/make_dataset.py without
test.txt's images (sized_lines: 1,000 rows are our dataset.txt; past 4,800 the rows repeat, which measures time and
limits, not accuracy). Each script is copied alone into a folder with it and our test.txt and run headless, R times,
unseeded, each run in a process of this tool's own so that its peak memory (the maximum resident set of the script's
process) is its alone. A run records the numbers of its RESULT line (tools/run_script.py): its report numbers, the
epochs it trained (its max_epochs, or fewer where early stopping ended training) and the epoch whose weights it kept;
then its whole wall time and that peak memory. Beside them, the references fitted on the same file and scored on
test.txt: PCA-256 reconstruction and an RBF SVM on the raw pixels (the SVM not past 4,800 rows, where the rows
repeat).
"""
import argparse
import datetime
import json
import pathlib
import resource
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.svm import SVC

from benchmark import REPO, TEST_SET, load_digits, pca_accuracy, report_numbers, run_task, summary
from make_dataset import sized_lines

OUTPUT = REPO / "report" / "size_sweep.json"
DISTINCT_ROWS = 4800  # the sample's images that are not test.txt's; past them the rows repeat


def write_dataset(folder, rows):
    path = pathlib.Path(folder) / "dataset.txt"
    path.write_text("".join(sized_lines(rows)))
    return path


def one_run(task, rows):
    """Run TASK.py once beside a dataset.txt of `rows` rows and our test.txt; its figures (see the docstring)."""
    with tempfile.TemporaryDirectory() as folder:
        write_dataset(folder, rows)
        (pathlib.Path(folder) / "test.txt").write_text(TEST_SET.read_text())
        result, wall_time = run_task(task, folder)
    numbers = report_numbers(result.stdout)
    if result.returncode != 0 or not numbers:
        sys.exit(f"{task}.py on {rows} rows failed:\n{result.stderr[-3000:]}")
    return {**numbers, "Whole script (s)": wall_time,
            "peak memory (MB)": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}  # Linux: kB


def references(rows):
    """PCA-256's test pixel accuracy and, up to DISTINCT_ROWS rows, an RBF SVM's test classification accuracy."""
    with tempfile.TemporaryDirectory() as folder:
        x_train, y_train = load_digits(write_dataset(folder, rows))
    x_test, y_test = load_digits(TEST_SET)
    figures = {"PCA-256 test pixel accuracy (%)": pca_accuracy(x_train, x_test, 256)}
    if rows <= DISTINCT_ROWS:
        figures["RBF SVM test classification accuracy (%)"] = 100 * np.mean(SVC().fit(x_train, y_train).predict(x_test)
                                                                            == y_test)
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[500, 1000, 2000, 3000, 4800, 60000])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--output", type=pathlib.Path, default=OUTPUT)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)  # TASK ROWS: one run's figures, JSON on stdout
    parser.add_argument("tasks", nargs="*", default=["task1", "task2"])
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(one_run(arguments.child[0], int(arguments.child[1]))))
        return
    sizes = []
    for rows in arguments.rows:
        size = {"rows": rows, "references": references(rows)}
        for task in arguments.tasks:
            runs = []
            for _ in range(arguments.runs):
                child = subprocess.run([sys.executable, __file__, "--child", task, str(rows)], capture_output=True,
                                       text=True)
                if child.returncode != 0:
                    sys.exit(child.stderr[-3000:])
                runs.append(json.loads(child.stdout.splitlines()[-1]))
                print(f"{rows} rows, {task}:", runs[-1], file=sys.stderr, flush=True)
            size[task] = {"runs": runs, "summary": {key: summary([run[key] for run in runs]) for key in runs[0]}}
        sizes.append(size)
    arguments.output.write_text(json.dumps({
        "command": " ".join(["python tools/size_sweep.py", *sys.argv[1:]]),
        "date": datetime.date.today().isoformat(), "runs": arguments.runs, "sizes": sizes}, indent=1) + "\n")
    print(f"wrote {arguments.output}")


if __name__ == "__main__":
    main()
