"""Write assignment2.pdf, docs/task1.png, docs/task2.png and the README's results from a real run.

Usage: python tools/make_report.py [--runs N]     (default 3; takes about N minutes a task)

Runs the benchmark (tools/benchmark.py) on both task scripts, headless; the figure and the
reported numbers shown for each task come from its first run, the table from all of them.
"""
import argparse
import pathlib
import platform
import re
import sys
import textwrap
from importlib.metadata import version

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["pdf.fonttype"] = 42  # TrueType: the PDF's text can be searched and copied
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402

from benchmark import REPO, formatted, markdown_tables, reference_figures, run_once  # noqa: E402

DOCS = REPO / "docs"
PDF = REPO / "assignment2.pdf"
README = REPO / "README.md"
RESULTS_BLOCK = re.compile(r"(<!-- results -->\n).*?(<!-- /results -->)", re.DOTALL)
A4 = (8.27, 11.69)
WRAP = 100

DESIGN = {
    "task1": """\
Architecture. 784 binary pixels -> Dense(256, tanh) named thought_vector -> Dropout(0.2) -> \
Dense(784, sigmoid): the smallest dense untied autoencoder with the brief's thought vector, \
402,448 parameters. Before the encoder, a Normalization layer with the training-pixel mean \
and unit variance subtracts the mean image; it is a fixed shift with no parameters.

Loss and optimiser. Binary cross-entropy (pixels are 0/1, the output is a sigmoid), Adam with \
learning rate 0.005, batches of 256, at most 300 epochs.

Validation and early stopping. The first 4,000 rows are the training data; its last 500 rows \
are the validation set (balanced: rows cycle through the digits). Training stops after 10 \
epochs without a lower validation loss and keeps the best epoch's weights. The test rows (the \
last 1,000) are only used for the final accuracy and the charts.

How the hyperparameters were chosen (validation pixel accuracy, one run each). Without \
centring, a plain autoencoder reached 99.07% with 100.00% on its training pixels: the problem is \
overfitting. Regularisers tried on it: dropout on the input image 98.93% (rate 0.2) and 97.72% \
(0.5), L2 1e-5 98.72%, AdamW weight decay 0.05 99.28%, and tying the decoder to the encoder's \
transposed weights (201,744 parameters, with thought-vector dropout) 97.58%. Subtracting the mean \
image lifted it to 99.49%: the tanh units start unsaturated and Adam is better conditioned, though \
in exact arithmetic the shift could be absorbed into the encoder's bias. Dropout on the thought \
vector added to that: 99.63% at batch 64 (rate 0.1: 99.60%, 0.2: 99.60%, 0.3: 99.52% at batch \
128); Gaussian noise 0.3 on the thought vector instead gave 99.36%. Batch 256 with learning rate \
0.005 kept 99.60% in 37 s of training where batch 64 took 56 s; learning rate 0.01 dropped to \
99.42%.

Speed. One epoch is a few GFLOP, so the time goes to framework overhead. A cached tf.data \
pipeline and steps_per_execution=50 (50 batches per call into TensorFlow) cut an epoch from \
0.225 s (NumPy arrays) to 0.155 s on the 2-core test machine; the same pipeline with one batch \
per call took 0.218 s.

Interesting ideas. Mean-centring as a parameter-free layer inside the model (the model still \
takes raw pixels); dropout on the thought vector as the regulariser that closes most of the gap \
between a plain autoencoder and PCA-256 (99.80% on the same split).""",
    "task2": """\
Architecture. Task 1's autoencoder unchanged, plus a classifier that starts from the thought \
vector (after its dropout) and ends in Dense(10, softmax). The classifier has no other input: \
everything it knows about the image comes through the 256 tanh units, which both tasks share. \
405,018 parameters: the classifier adds 2,570.

Loss and optimiser. Binary cross-entropy on the pixels plus 0.3 x categorical cross-entropy on \
the digit with label smoothing 0.1; Adam, learning rate 0.005, batches of 256.

Augmentation. Each training batch is moved by -1, 0 or +1 pixel along each axis (tf.roll), and \
the moved image is both the input and the reconstruction target. It is a transformation of the \
data in memory; the dataset is not modified and validation and test images are not moved.

Validation and early stopping. As in task 1: the last 500 of the first 4,000 rows validate; \
training stops after 10 epochs without a lower total validation loss, keeping the best weights.

How the hyperparameters were chosen (validation pixel / classification accuracy). Without \
augmentation the classifier is the weak part whatever the weighting: classifier weight 0.1 gave \
99.14% / 88.2%, 0.3 gave 98.37% / 88.8%, 1.0 gave 96.01% / 90.4% (equal weights push pixels \
below the brief's 97%); a hidden ReLU layer of 256 with dropout 0.5 in the head (stopping on the \
reconstruction loss) gave 99.10% / 90.4%. The classifier alone, with no reconstruction loss, reached 90.8%, and 97.0% when trained \
on images shifted by up to 2 pixels: augmentation is the lever, not the head. With shifts of \
up to 1 pixel and label smoothing 0.1, three runs each: weight 0.3 gave 99.13-99.31% / \
96.0-97.0% (chosen); weight 0.5 gave 98.78-99.09% / 96.0-97.0%; weight 0.3 with thought-vector \
dropout 0.3 gave 98.91-99.12% / 95.6-96.4%; shifts of up to 2 pixels gave 98.80-99.11% / \
96.0-97.2%. Without label smoothing (weight 0.2, per-image shifts) three runs gave 98.72-98.90% \
/ 94.8-95.2%, stopping earlier because the classification loss overfits first.

A second check: trained on the first 3,000 rows only, the chosen settings scored 99.18-99.32% \
/ 96.6-97.8% on rows 3,000-3,500, held out from both training and validation (three runs). The \
test set classifies lower (see the benchmark page), about level with an RBF SVM on the raw \
pixels (94.6%). The settings were not changed after seeing the test figures, which would let \
the test set steer the model.

Interesting ideas. Shift augmentation that keeps the autoencoder honest (the target moves with \
the input); label smoothing so that the classifier's overconfidence does not end training \
early; one loss-weighted early-stopping criterion for both tasks. The T-SNE map shows the digit \
clusters that the shared thought vector gains from the classifier.""",
}


def versions():
    packages = ", ".join(f"{name} {version(name)}" for name in ("tensorflow", "numpy", "scikit-learn", "matplotlib"))
    return f"Python {platform.python_version()} on {platform.system()} {platform.machine()}; {packages}"


def text_page(pdf, title, paragraphs):
    figure = plt.figure(figsize=A4)
    figure.text(0.08, 0.95, title, fontsize=16, weight="bold", va="top")
    lines = []
    for paragraph in paragraphs:
        lines += textwrap.wrap(paragraph, WRAP) + [""]
    figure.text(0.08, 0.91, "\n".join(lines), fontsize=9, va="top", linespacing=1.45)
    pdf.savefig(figure)
    plt.close(figure)


def figure_page(pdf, title, image, caption):
    figure = plt.figure(figsize=A4)
    figure.text(0.08, 0.95, title, fontsize=16, weight="bold", va="top")
    pixels = plt.imread(image)
    height = 0.96 * pixels.shape[0] / pixels.shape[1] * A4[0] / A4[1]  # full width, true aspect
    axes = figure.add_axes([0.02, 0.91 - height, 0.96, height])
    axes.imshow(pixels)
    axes.axis("off")
    figure.text(0.08, 0.89 - height, caption, fontsize=10, va="top", family="monospace", linespacing=1.5)
    pdf.savefig(figure)
    plt.close(figure)


def table_page(pdf, title, markdown):
    rows = [line.strip("|").split("|") for line in markdown.splitlines() if "---" not in line]
    figure = plt.figure(figsize=A4)
    figure.text(0.08, 0.95, title, fontsize=16, weight="bold", va="top")
    text = "\n".join("" if len(row) == 1 else f"{row[0].strip():<68}" + "".join(f"{cell.strip():>9}" for cell in row[1:])
                     for row in rows)
    figure.text(0.05, 0.90, text, fontsize=8, va="top", family="monospace", linespacing=1.6)
    pdf.savefig(figure)
    plt.close(figure)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    readme = README.read_text()
    if not RESULTS_BLOCK.search(readme):
        sys.exit(f"{README}: no '<!-- results -->' ... '<!-- /results -->' block to fill")
    DOCS.mkdir(exist_ok=True)
    results = {task: [run_once(task, figure_to=DOCS / f"{task}.png")] + [run_once(task) for _ in range(runs - 1)]
               for task in ("task1", "task2")}
    table = markdown_tables(reference_figures(), results)

    partial = PDF.with_suffix(".pdf.partial")  # replaces the PDF only once it is complete
    with PdfPages(partial) as pdf:
        text_page(pdf, "Assignment 2: Autoencoders", [
            "Task 1 (task1.py): a simple dense autoencoder for MNIST digits with a 256-unit tanh thought "
            "vector and a sigmoid output. Task 2 (task2.py): the same autoencoder plus a softmax digit "
            "classifier that reads only the thought vector. Both train from scratch with Adam, with no "
            "random seeds, on dataset.txt: 5,000 binarised MNIST digits, the last 1,000 of which are the "
            "test set and never influence training.",
            "How to run: pip install -r requirements.txt, then python task1.py and python task2.py in the "
            "folder that holds dataset.txt. Each prints its test accuracy (the percentage of test pixels "
            "equal to the input after rounding), the training duration and the parameter count, and shows "
            "its charts.",
            f"Machine of this run: {versions()}; a 2-core CPU, no GPU.",
            f"This document: python tools/make_report.py. The charts and the numbers under them come from "
            f"the first of {runs} unseeded runs of each script; the last page tabulates all of them.",
        ])
        for task, title in (("task1", "Task 1: Autoencoder"), ("task2", "Task 2: Multi-task learning")):
            report = "\n".join(f"{key}: {formatted(key, value)}" for key, value in results[task][0].items())
            figure_page(pdf, f"{title}: charts", DOCS / f"{task}.png", f"{task}.py, run 1 of {runs}:\n{report}")
            text_page(pdf, f"{title}: design", DESIGN[task].split("\n\n"))
        table_page(pdf, f"Benchmark: {runs} unseeded runs of each script", table)
    partial.replace(PDF)

    results_markdown = (f"`python tools/make_report.py` ({runs} unseeded runs of each script on a 2-core CPU; "
                        f"{versions()}):\n\n{table}\n\n![task 1 charts](docs/task1.png)\n\n"
                        "![task 2 charts](docs/task2.png)\n")
    README.write_text(RESULTS_BLOCK.sub(lambda match: match.group(1) + results_markdown + match.group(2), readme))
    print(table)
    print(f"wrote {PDF}, {DOCS / 'task1.png'}, {DOCS / 'task2.png'} and the results in {README}")


if __name__ == "__main__":
    main()
