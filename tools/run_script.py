"""Run a task script whole, as `python TASK.py` runs it, then print one line of what it left behind.

Usage: python tools/run_script.py TASK.py [FOLDER]     (run from the folder holding dataset.txt and test.txt)

The script runs unchanged (runpy, as __main__) in this process, so that its stdout and stderr are its own; with
MPLBACKEND=Agg its windows are figures in memory and its closing plt.show() returns at once. Then this prints a last
line, RESULT and a JSON object: the script's report numbers (the globals it computes them in: accuracy, duration,
num_params and, from task 2, classification), its max_epochs, the epochs it trained and the epoch whose weights it
kept. With FOLDER, each of its figures is saved there as "<window title>.png", with its size and its smallest text in
figures.json (for the report's check that text stays legible as placed), and the test images' thought vectors as
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
from matplotlib.text import Text

RESULT = "RESULT "


def png_width(png):
    """A PNG file's width in pixels, from its header."""
    return int.from_bytes(png.read_bytes()[16:20], "big")


def text_sizes(figure, png, dpi):
    """What a figure saved as `png` at `dpi` is, for checking its text as placed: the PNG's width in pixels, the dpi
    and the size in points of the figure's smallest visible text."""
    sizes = [text.get_fontsize() for text in figure.findobj(Text) if text.get_visible() and text.get_text().strip()]
    return {"width (px)": png_width(png), "dpi": dpi, "smallest text (pt)": min(sizes)}


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
        sizes = {}
        for number in plt.get_fignums():
            figure = plt.figure(number)
            png = folder / f"{figure.get_label()}.png"
            figure.savefig(png)
            sizes[png.name] = text_sizes(figure, png, figure.dpi)
        (folder / "figures.json").write_text(json.dumps(sizes))
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
