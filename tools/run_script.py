"""Run a task script whole, as `python TASK.py` runs it, then print one line of what it left behind.

Usage: python tools/run_script.py TASK.py [FOLDER]     (run from the folder holding dataset.txt and test.txt)

The script runs unchanged (runpy, as __main__) in this process, so that its stdout and stderr are its own; with
MPLBACKEND=Agg its windows are figures in memory and its closing plt.show() returns at once. Then this prints a last
line, RESULT and a JSON object: the script's report numbers (the globals it computes them in: accuracy, duration,
num_params and, from task 2, classification), its max_epochs, the epochs it trained and the epoch whose weights it
kept. With FOLDER, each of its figures is saved there as "<window title>.png", and the test images' thought vectors as
thought_vectors.npy (for tools/fold_experiments.py and tools/make_report.py).
"""
import json
import os
import pathlib
import runpy
import sys
import warnings

import matplotlib.pyplot as plt
import numpy as np

RESULT = "RESULT "


def run_here(script, folder):
    """Run `script` unchanged, as __main__, in this process from `folder` (which holds the data files); its globals.
    The working folder, the environment and the warning filters it changes are put back and its figures closed."""
    working_folder, environment = os.getcwd(), dict(os.environ)
    plt.close("all")
    try:
        os.chdir(folder)
        with warnings.catch_warnings():
            return runpy.run_path(str(script), run_name="__main__")
    finally:
        os.chdir(working_folder)
        os.environ.clear()
        os.environ.update(environment)
        plt.close("all")


def main():
    found = runpy.run_path(sys.argv[1], run_name="__main__")
    if len(sys.argv) > 2:
        folder = pathlib.Path(sys.argv[2])
        for number in plt.get_fignums():
            figure = plt.figure(number)
            figure.savefig(folder / f"{figure.get_label()}.png")
        np.save(folder / "thought_vectors.npy", found["encoder"].predict(found["test_imgs"], verbose=0))
    result = {"Test accuracy (%)": 100 * float(found["accuracy"]), "Duration (s)": float(found["duration"]),
              "Parameters": int(found["num_params"]), "Max epochs": int(found["max_epochs"]),
              "Epochs trained": len(found["train_errors"]),
              "Epoch kept": int(found["early_stopping"].best_epoch) + 1}
    if "classification" in found:
        result["Test classification accuracy (%)"] = 100 * float(found["classification"])
    print(RESULT + json.dumps(result))


if __name__ == "__main__":
    main()
