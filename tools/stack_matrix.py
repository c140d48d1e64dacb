"""Run both task scripts on the Python stacks of tools/stacks.json: a grader's own TensorFlow, Keras,
scikit-learn, matplotlib and numpy, from the oldest supported to today's pins, and some below the floor.

Usage: python tools/stack_matrix.py [--only NAME ...] [--epochs N] [--venvs DIR] [--output FILE] [--readme]
       (default: every stack, 20 epochs, venvs in .stack-venvs/, output report/stack_matrix.json)

Each stack gets a venv of its own (made with that Python, the newest pyenv build of it or else pythonX.Y on the
PATH, and kept in DIR for the next call while its packages stay the same). Each script is copied alone into an empty
folder with test.txt and a dataset.txt of ours REPEATS times over (another size than the course's, as a grader's
may be), its `max_epochs = ...` line replaced by `max_epochs = N` (a short run: the matrix checks that the script
runs, not how well it trains), and run headless through tools/run_script.py, its figures saved.
The JSON keeps, for each stack and script, the versions installed, the exit status, the lines on stderr (the last
of them, Python's error where a run failed), the test pixel accuracy and whether the run did what the stack expects:
'runs' (exit 0, an empty stderr, the report numbers and the three figures) or 'fails' (a non-zero exit before
training, no line of the progress table on stdout, and the last line on stderr naming the stack's 'error', the
exception Python raised). --readme writes the README's "Tested with" table from the JSON. The exit status is 1 if
any run did not do what its stack expects.
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

from benchmark import DATASET, PROGRESS_ROW, REPO, TEST_SET, report_numbers, run_task

STACKS = REPO / "tools" / "stacks.json"
OUTPUT = REPO / "report" / "stack_matrix.json"
README = REPO / "README.md"
STACKS_BLOCK = re.compile(r"(<!-- stacks -->\n).*?(<!-- /stacks -->)", re.DOTALL)
TASKS = ["task1", "task2"]
REPEATS = 8  # 8,000 rows: 7,200 training images, 32 batches of 225 an epoch
MAX_EPOCHS = re.compile(r"^max_epochs = .*$", re.MULTILINE)
PROGRESS_HEADER = re.compile(r"^epoch\t", re.MULTILINE)  # the progress table's first line, printed as training starts
WINDOWS = ["Training progress", "Generated images", "Thought vectors"]  # the scripts' figures, by window title
ERROR = re.compile(r"^([A-Za-z_][\w.]*)(?::|$)")  # the exception's name in Python's last line of a traceback
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


def short_run(python, task, epochs):
    """Run a copy of TASK.py with `max_epochs = epochs`, alone in a folder with test.txt and our dataset.txt REPEATS
    times over; return the finished process and the names of the figures it left."""
    script, replaced = MAX_EPOCHS.subn(f"max_epochs = {epochs}", (REPO / f"{task}.py").read_text())
    if replaced != 1:
        sys.exit(f"stack_matrix: {task}.py has {replaced} lines 'max_epochs = ...', not one")
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(TEST_SET, folder)
        (pathlib.Path(folder) / "dataset.txt").write_text(DATASET.read_text() * REPEATS)
        figures = pathlib.Path(folder) / "figures"
        figures.mkdir()
        result, _ = run_task(task, folder, timeout=600, python=python, script=script, figures=figures)
        saved = sorted(path.stem for path in figures.glob("*.png"))
    return result, saved


def error_name(stderr):
    """The exception named by the last line on stderr ('ModuleNotFoundError'), or None."""
    lines = stderr.splitlines()
    match = ERROR.match(lines[-1]) if lines else None
    return match.group(1) if match else None


def as_expected(stack, result, saved):
    if stack["expect"] == "runs":
        return (result.returncode == 0 and result.stderr == "" and saved == sorted(WINDOWS)
                and "Test accuracy (%)" in report_numbers(result.stdout))
    # "fails": before training, Python's own error last
    return (result.returncode != 0 and not PROGRESS_HEADER.search(result.stdout)
            and not PROGRESS_ROW.search(result.stdout) and report_numbers(result.stdout) == {}
            and error_name(result.stderr) == stack["error"])


def run_stack(stack, venvs, epochs):
    python = str(venv(stack, venvs) / "bin" / "python")
    versions = json.loads(subprocess.run([python, "-c", VERSIONS], capture_output=True, text=True,
                                         check=True).stdout)
    runs = {}
    for task in TASKS:
        result, saved = short_run(python, task, epochs)
        numbers = report_numbers(result.stdout)
        stderr = result.stderr.splitlines()
        runs[task] = {"exit status": result.returncode, "stderr lines": stderr[-20:],
                      "last stderr line": stderr[-1] if stderr else None, "error": error_name(result.stderr),
                      "progress rows": len(PROGRESS_ROW.findall(result.stdout)), "figures": saved,
                      "test pixel accuracy (%)": numbers.get("Test accuracy (%)"),
                      "epochs trained": numbers.get("Epochs trained"),
                      "as expected": as_expected(stack, result, saved)}
        print(f"{stack['name']}: {task} exit {result.returncode}"
              f"{', ' + stderr[-1] if stderr else ''}, "
              f"{'as expected' if runs[task]['as expected'] else 'NOT AS EXPECTED'}", file=sys.stderr, flush=True)
    return {"name": stack["name"], "expect": stack["expect"], "versions": versions, "runs": runs}


def readme_cell(run):
    """A run in a few words: 'runs, 98.3%', 'runs, 98.3%, writes to stderr' or 'fails: ModuleNotFoundError'."""
    if run["exit status"] == 0:
        accuracy = run["test pixel accuracy (%)"]
        return ("runs" + (f", {accuracy:.1f}%" if accuracy is not None else ", no report numbers")
                + (", writes to stderr" if run["stderr lines"] else ""))
    return f"fails: {run['error']}" if run["error"] else f"exit {run['exit status']}"


def readme_table(matrix):
    """The README's "Tested with" block: a row per stack, from the JSON, then the last stderr line of each run that
    wrote any (Python's error, where a run failed)."""
    lines = [f"`{matrix['command']}` on {matrix['date']}: a short run of each script ({matrix['epochs']} epochs) on a "
             f"dataset.txt of {matrix['rows']:,} rows, ours {REPEATS} times over:",
             "", "| stack | Python | TensorFlow | Keras | scikit-learn | matplotlib | numpy | task1 | task2 |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    notes = []
    for stack in matrix["stacks"]:
        versions = stack["versions"]
        tensorflow = versions.get("tensorflow-cpu", versions.get("tensorflow", "none"))
        keras = versions.get("keras", "")
        if tensorflow != "none" and keras.startswith("2."):
            keras += " (bundled)"
        lines.append(f"| {stack['name']} | {versions['python']} | {tensorflow} | {keras or '-'} | "
                     f"{versions.get('scikit-learn', '-')} | {versions.get('matplotlib', '-')} | "
                     f"{versions.get('numpy', '-')} | " + " | ".join(map(readme_cell, stack["runs"].values())) + " |")
        last_lines = {task: run["last stderr line"] for task, run in stack["runs"].items() if run["last stderr line"]}
        if len(set(last_lines.values())) == 1 and len(last_lines) == len(stack["runs"]):
            notes.append(f"{stack['name']}, both scripts: `{next(iter(last_lines.values()))}`")
        else:
            notes += [f"{stack['name']}, {task}: `{line}`" for task, line in last_lines.items()]
    if notes:
        lines += ["", "The last line on stderr: " + "; ".join(notes) + "."]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="run only the stack of this name (repeatable)")
    parser.add_argument("--epochs", type=int, default=20, help="the short run's max_epochs")
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
    command = "python tools/stack_matrix.py" + "".join(f" --only '{name}'" for name in arguments.only or [])
    if arguments.epochs != parser.get_default("epochs"):
        command += f" --epochs {arguments.epochs}"
    matrix = {"command": command, "date": datetime.date.today().isoformat(), "epochs": arguments.epochs,
              "rows": REPEATS * len(DATASET.read_text().splitlines()),
              "stacks": [run_stack(stack, arguments.venvs, arguments.epochs) for stack in stacks]}
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
