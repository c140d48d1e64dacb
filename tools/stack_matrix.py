"""Run both task scripts on the Python stacks of tools/stacks.json: a grader's own TensorFlow, Keras,
scikit-learn, matplotlib and numpy, from the oldest supported to today's pins, and some below the floor.

Usage: python tools/stack_matrix.py [--only NAME ...] [--steps N] [--venvs DIR] [--output FILE] [--readme]
       (default: every stack, 80 steps, venvs in .stack-venvs/, output report/stack_matrix.json)

Each stack gets a venv of its own (made with that Python, the newest pyenv build of it or else pythonX.Y on the
PATH, and kept in DIR for the next call while its packages stay the same). Each script is copied alone into an empty
folder with test.txt and a dataset.txt of ours REPEATS times over, its TRAINING_STEPS set to N (a short run: the
matrix checks that the script runs, not how well it trains), and run headless. The repeated dataset.txt has more
batches an epoch (37) than the scripts run in one Keras call (20), so every stack runs calls across epochs.
The JSON keeps, for each stack and script, the versions installed, the exit status, the lines on stderr, the test
pixel accuracy and whether the run did what the stack expects ('runs': exit 0 and an empty stderr; 'refused': exit 1
and exactly the stack's one line). --readme writes the README's "Tested with"
table from the JSON. The exit status is 1 if any run did not do what its stack expects.
"""
import argparse
import datetime
import glob
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

from benchmark import DATASET, REPO, TEST_SET, report_numbers, run_task

STACKS = REPO / "tools" / "stacks.json"
OUTPUT = REPO / "report" / "stack_matrix.json"
README = REPO / "README.md"
STACKS_BLOCK = re.compile(r"(<!-- stacks -->\n).*?(<!-- /stacks -->)", re.DOTALL)
TASKS = ["task1", "task2"]
REPEATS = 8  # 8,000 rows: 7,200 training images, 37 batches of 192 an epoch
# The distributions whose versions are recorded; TensorFlow is one of the first two.
PACKAGES = ["tensorflow", "tensorflow-cpu", "keras", "scikit-learn", "matplotlib", "numpy"]
VERSIONS = ("import importlib.metadata as m, json, platform\n"
            "found = {'python': platform.python_version()}\n"
            f"for name in {PACKAGES!r}:\n"
            "    try:\n        found[name] = m.version(name)\n    except m.PackageNotFoundError:\n        pass\n"
            "print(json.dumps(found))")


def interpreter(version):
    """The path of Python `version` ('3.9'): the newest pyenv build of it (pyenv's own pythonX.Y on the PATH is a
    shim that works only for the versions pyenv has selected), else pythonX.Y on the PATH."""
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    builds = sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python"),
                    key=lambda path: [int(part) for part in re.findall(r"\d+", path.split("/versions/")[1])[:3]])
    if builds:
        return builds[-1]
    on_path = shutil.which(f"python{version}")
    if on_path:
        return on_path
    sys.exit(f"stack_matrix: no Python {version}: install it (pyenv install {version}) or put python{version} "
             "on the PATH")


def venv(stack, venvs):
    """The stack's venv, made and installed unless DIR already holds one with the same packages."""
    folder = venvs / re.sub(r"[^a-z0-9.]+", "-", stack["name"].lower())
    packages = (["-r", str(REPO / stack["requirements"])] if "requirements" in stack else stack["packages"])
    wanted = json.dumps({"python": stack["python"], "packages": packages,
                         "requirements": (REPO / stack["requirements"]).read_text() if "requirements" in stack
                         else None})
    marker = folder / "stack.json"
    if marker.exists() and marker.read_text() == wanted:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([interpreter(stack["python"]), "-m", "venv", str(folder)], check=True)
    python = str(folder / "bin" / "python")
    installed = subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                *packages], capture_output=True, text=True)
    if installed.returncode != 0:
        sys.exit(f"stack_matrix: pip could not install {stack['name']!r}:\n{installed.stderr[-2000:]}")
    marker.write_text(wanted)
    return folder


def short_run(python, task, steps):
    """Run a copy of TASK.py with TRAINING_STEPS set to `steps`, alone in a folder with test.txt and our dataset.txt
    REPEATS times over."""
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(TEST_SET, folder)
        (pathlib.Path(folder) / "dataset.txt").write_text(DATASET.read_text() * REPEATS)
        result, _ = run_task(task, folder, timeout=600, python=python, steps=steps)
        wrote_figure = (pathlib.Path(folder) / f"{task}.png").exists()
    return result, wrote_figure


def as_expected(stack, task, result, wrote_figure):
    if stack["expect"] == "runs":
        return result.returncode == 0 and result.stderr == "" and wrote_figure
    if stack["expect"] == "warns":  # runs to the end, its stderr only the library's warnings, each a two-line pair
        lines = result.stderr.splitlines()
        return (result.returncode == 0 and wrote_figure and lines != [] and len(lines) % 2 == 0
                and all(stack["warning"] in line for line in lines[::2]))
    return (result.returncode == 1 and result.stdout == "" and not wrote_figure
            and result.stderr == stack["line"].format(task=f"{task}.py") + "\n")


def run_stack(stack, venvs, steps):
    python = str(venv(stack, venvs) / "bin" / "python")
    versions = json.loads(subprocess.run([python, "-c", VERSIONS], capture_output=True, text=True,
                                         check=True).stdout)
    runs = {}
    for task in TASKS:
        result, wrote_figure = short_run(python, task, steps)
        runs[task] = {"exit status": result.returncode, "stderr lines": result.stderr.splitlines()[-20:],
                      "test pixel accuracy (%)": report_numbers(result.stdout).get("Test accuracy (%)"),
                      "as expected": as_expected(stack, task, result, wrote_figure)}
        print(f"{stack['name']}: {task} exit {result.returncode}, "
              f"{'as expected' if runs[task]['as expected'] else 'NOT AS EXPECTED'}", file=sys.stderr, flush=True)
    return {"name": stack["name"], "expect": stack["expect"], "versions": versions, "runs": runs}


def readme_table(matrix):
    """The README's "Tested with" block: a row per stack, from the JSON."""
    lines = [f"`{matrix['command']}` on {matrix['date']}: a short run of each script ({matrix['steps']} training steps "
             f"at the course's size) on a dataset.txt of {matrix['rows']:,} rows, ours {REPEATS} times over:",
             "", "| stack | Python | TensorFlow | Keras | scikit-learn | matplotlib | numpy | task1 | task2 |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for stack in matrix["stacks"]:
        versions = stack["versions"]
        tensorflow = versions.get("tensorflow-cpu", versions.get("tensorflow", "none"))
        keras = versions.get("keras", "")
        if tensorflow != "none" and keras.startswith("2."):
            keras += " (bundled)"
        cells = []
        for run in stack["runs"].values():
            if run["exit status"] == 0 and not run["stderr lines"]:
                cells.append(f"runs, {run['test pixel accuracy (%)']:.2f}%")
            elif run["exit status"] == 0:
                warnings = [line.split(": ", 1)[1] for line in run["stderr lines"] if "Warning: " in line]
                cells.append(f"runs, {run['test pixel accuracy (%)']:.2f}%, and warns: " +
                             " / ".join(f"`{warning}`" for warning in warnings))
            else:
                cells.append(f"exit {run['exit status']}: `{' / '.join(run['stderr lines'])}`")
        lines.append(f"| {stack['name']} | {versions['python']} | {tensorflow} | {keras or '-'} | "
                     f"{versions.get('scikit-learn', '-')} | {versions.get('matplotlib', '-')} | "
                     f"{versions.get('numpy', '-')} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="run only the stack of this name (repeatable)")
    parser.add_argument("--steps", type=int, default=80)
    parser.add_argument("--venvs", type=pathlib.Path, default=REPO / ".stack-venvs")
    parser.add_argument("--output", type=pathlib.Path, default=OUTPUT)
    parser.add_argument("--readme", action="store_true", help="write the README's table from the output JSON")
    arguments = parser.parse_args()
    stacks = [stack for stack in json.loads(STACKS.read_text())["stacks"]
              if not arguments.only or stack["name"] in arguments.only]
    unknown = set(arguments.only or []) - {stack["name"] for stack in stacks}
    if unknown:
        sys.exit(f"stack_matrix: no stack named {sorted(unknown)} in {STACKS}")
    arguments.venvs.mkdir(parents=True, exist_ok=True)
    matrix = {"command": "python tools/stack_matrix.py" + "".join(f" --only '{name}'" for name in arguments.only or []),
              "date": datetime.date.today().isoformat(), "steps": arguments.steps,
              "rows": REPEATS * len(DATASET.read_text().splitlines()),
              "stacks": [run_stack(stack, arguments.venvs, arguments.steps) for stack in stacks]}
    arguments.output.write_text(json.dumps(matrix, indent=1) + "\n")
    print(f"wrote {arguments.output}")
    if arguments.readme:
        text = README.read_text()
        if not STACKS_BLOCK.search(text):
            sys.exit(f"{README}: no '<!-- stacks -->' ... '<!-- /stacks -->' block to fill")
        README.write_text(STACKS_BLOCK.sub(lambda match: match.group(1) + readme_table(matrix) + match.group(2), text))
        print(f"wrote the table in {README}")
    failed = [f"{stack['name']}: {task}" for stack in matrix["stacks"] for task, run in stack["runs"].items()
              if not run["as expected"]]
    if failed:
        sys.exit(f"stack_matrix: not as expected: {', '.join(failed)}")


if __name__ == "__main__":
    main()
