"""Task 1: a simple autoencoder that regenerates MNIST handwritten digits.

Run this script from any folder: it reads the dataset.txt (training) and test.txt (test) beside it,
trains the model, prints its report and shows the course's charts, "Training progress", "Generated
images" (with the report beside them) and "Thought vectors" (T-SNE), plus digits the decoder generates
from thought vectors that no image gave it. The figure is also saved beside the script as a PNG of the
same name.
"""
import collections
import importlib
import math
import os
import pathlib
import re
import sys
import time

# Before TensorFlow loads: keep its start-up notices off the console. The oneDNN notice ignores the log
# level, so oneDNN's custom operations are turned off too; for this model that measured no slower.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

# The oldest versions this script runs on (README, "Tested with"). With an older one, or none, it stops here, in
# one line saying what to install, rather than with a traceback after the training.
OLDEST_VERSIONS = {"numpy": "1.22", "matplotlib": "3.5", "scikit-learn": "1.2", "tensorflow": "2.13"}
for package, oldest in OLDEST_VERSIONS.items():
    try:
        found = importlib.import_module(package.replace("scikit-learn", "sklearn")).__version__
    except ImportError:
        found = "none"
    major_minor = [int(part) for part in re.findall(r"\d+", found)[:2]]  # [] for none: older than any
    if major_minor < [int(part) for part in oldest.split(".")]:
        sys.exit(f'{pathlib.Path(__file__).name} needs {package} {oldest} or newer, found {found}: '
                 f'pip install --upgrade "{package}>={oldest}"')

import matplotlib  # noqa: E402  (imports below the environment settings and version check above)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from sklearn.manifold import TSNE  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from tensorflow import keras  # noqa: E402

SCRIPT = pathlib.Path(__file__).resolve()
DATASET = SCRIPT.with_name("dataset.txt")  # beside this script, whatever folder it is run from
TEST_SET = SCRIPT.with_name("test.txt")
FIGURE = SCRIPT.with_suffix(".png")  # the figure, beside the script and named after it
SIDE = 28  # each digit is a SIDE x SIDE bitmap
PIXELS = SIDE * SIDE
DIGITS = 10  # the classes 0-9
PROGRESS_ROWS = 10  # rows of the training progress table printed while training

# Hyperparameters, chosen on folds of dataset.txt (tools/fold_experiments.py), never on the test set.
VALIDATION_FRACTION = 0.1  # of each digit's images in dataset.txt, held out for early stopping
THOUGHT_VECTOR_SIZE = 256
DROPOUT_RATE = 0.1  # on the thought vector: the decoder must not rely on any one unit
MAX_SHIFT = 2  # pixels each way a training image is moved (see augmentation)
MAX_ROTATION = 0.03  # of a full turn each way a training image is turned: about 11 degrees
PEAK_LEARNING_RATE = 0.014
BATCH_SIZE = 192  # half the steps of 96 for the same epochs: the per-step overhead dominates
# The training length follows the data (see training_plan): TRAINING_STEPS steps at the course's size or below
# (600 epochs of its 900 training images), more above it, growing as the images to the power STEPS_GROWTH.
TRAINING_STEPS = 2400
COURSE_TRAINING_IMAGES = 900
STEPS_GROWTH = 0.5
CHECKS = 120  # validations in a run; the learning rate warms up over the first
PATIENCE = 10  # checks without a better validation loss before training stops early
EARLY_STOPPING_START = 0.5  # of the checks: no early stop while the learning rate is still high
MAX_STEPS_PER_CALL = 32  # Keras 3.0-3.6 unroll a call's steps and refuse more than 32
PREFETCHED_BATCHES = 2  # changed while the model trains on the one before


def load_digits(path, least_of_each_digit=1):
    """Return (images, labels) from a file of the course's format, or exit with a one-line error naming
    the file and line. Each line: the digit, a TAB, then 28 rows of 28 pixels 0/1 joined by '-'. As the
    course's own reader does, white space around the whole text and around each line is ignored."""
    try:
        with open(path, encoding="ascii", errors="replace") as file:  # any line ending: \n or \r\n
            text = file.read()
    except OSError as error:
        sys.exit(f"{path}: cannot read the file: {error.strerror}")
    if not text.strip():
        sys.exit(f"{path}: the file is empty")
    if text.lstrip().startswith("\ufffd"):  # undecodable bytes: a UTF-8 byte-order mark, say
        sys.exit(f"{path}:1: starts with bytes that are not ASCII (a byte-order mark?); save it as plain ASCII")
    lines = [line.strip() for line in text.split("\n")]
    first = next(number for number, line in enumerate(lines) if line)  # blank lines at either end are skipped
    last = max(number for number, line in enumerate(lines) if line)
    labels, images = [], []
    for number, line in enumerate(lines[first:last + 1], first + 1):
        if not line:
            sys.exit(f"{path}:{number}: a blank line between the images")
        label, tab, image = line.partition("\t")
        if not tab:
            sys.exit(f"{path}:{number}: no TAB between the digit and the image: {line[:20]!r}...")
        if label.strip() not in [str(digit) for digit in range(DIGITS)]:
            sys.exit(f"{path}:{number}: label {label[:20]!r} is not a digit 0-9")
        rows = image.split("-")
        if len(rows) != SIDE:
            sys.exit(f"{path}:{number}: expected {SIDE} image rows joined by '-', found {len(rows)}")
        for row_number, row in enumerate(rows, 1):
            if len(row) != SIDE:
                sys.exit(f"{path}:{number}: image row {row_number} has {len(row)} pixels, expected {SIDE}")
        bad_pixels = set(image) - {"0", "1", "-"}
        if bad_pixels:
            sys.exit(f"{path}:{number}: pixels must be 0 or 1, found {sorted(bad_pixels)[:5]}")
        labels.append(int(label))
        images.append(image.replace("-", ""))
    counts = np.bincount(labels, minlength=DIGITS)
    if counts.min() == 0:
        missing = ", ".join(map(str, np.flatnonzero(counts == 0)))
        sys.exit(f"{path}: no image of digit {missing}; every digit 0-9 must be there")
    if counts.min() < least_of_each_digit:
        sys.exit(f"{path}: digit {counts.argmin()} has {counts.min()} images; each needs at least "
                 f"{least_of_each_digit} (one in {least_of_each_digit} is held out for validation)")
    # All the pixel characters as one byte string; minus the byte of "0", each "0"/"1" becomes 0/1.
    bits = np.frombuffer("".join(images).encode("ascii"), dtype=np.uint8)
    return (bits - ord("0")).reshape(len(images), PIXELS).astype(np.float32), np.array(labels)


def augmentation():
    """The label-preserving changes of a training image, drawn anew for each image in each epoch: Keras's own
    preprocessing layers for a batch of SIDE x SIDE images, zeros coming in at the edges. The move takes the
    nearest pixel, so it moves by whole pixels; the turn interpolates, and training_pair rounds it back."""
    return [keras.layers.RandomTranslation(MAX_SHIFT / SIDE, MAX_SHIFT / SIDE, fill_mode="constant",
                                           interpolation="nearest"),
            keras.layers.RandomRotation(MAX_ROTATION, fill_mode="constant")]


def training_pair(images):
    """The changed image, rounded back to 0/1 pixels, is both the input and the target to reconstruct."""
    changed = tf.round(images)
    return changed, changed


Plan = collections.namedtuple("Plan", "steps_per_call steps_per_check checks validation_batch epochs_per_check")


def training_plan(training_images, validation_images):
    """How the training is cut up: TRAINING_STEPS steps of BATCH_SIZE images at the course's size or below, more
    steps (but fewer epochs) for more images; a check every steps_per_check steps, validating in one Keras call."""
    steps_per_epoch = max(1, training_images // BATCH_SIZE)  # whole batches (see train)
    steps = TRAINING_STEPS * max(1, training_images / COURSE_TRAINING_IMAGES) ** STEPS_GROWTH
    # An epoch's steps in one call, at most MAX_STEPS_PER_CALL; as many validation batches as a call has steps.
    validation_batch = math.ceil(validation_images / min(steps_per_epoch, MAX_STEPS_PER_CALL))
    steps_per_call = math.ceil(validation_images / validation_batch)
    steps_per_check = steps_per_call * max(1, round(steps / CHECKS / steps_per_call))  # whole calls
    return Plan(steps_per_call, steps_per_check, max(1, round(steps / steps_per_check)), validation_batch,
                steps_per_check / steps_per_epoch)


def build_model(pixel_mean, plan):
    """The autoencoder: 784 pixels -> 256-unit tanh thought vector -> 784 sigmoid pixels, the thought vector
    being the only way from the image to its reconstruction."""
    image = keras.Input(shape=(PIXELS,), name="image")
    # Subtract the training mean image (a fixed shift, no parameters): the tanh units start
    # unsaturated. Normalization with unit variance does exactly that subtraction.
    centred = keras.layers.Normalization(mean=pixel_mean, variance=np.ones(PIXELS))(image)
    thought_vector = keras.layers.Dense(THOUGHT_VECTOR_SIZE, activation="tanh", name="thought_vector")(centred)
    thought_vector_dropout = keras.layers.Dropout(DROPOUT_RATE)(thought_vector)
    reconstruction = keras.layers.Dense(PIXELS, activation="sigmoid", name="reconstruction")(thought_vector_dropout)
    model = keras.Model(image, reconstruction)
    # The learning rate rises linearly from 0 to its peak over the first check, then follows a cosine down to 0
    # at the last.
    learning_rate = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0, decay_steps=max(1, plan.checks - 1) * plan.steps_per_check,
        warmup_target=PEAK_LEARNING_RATE, warmup_steps=plan.steps_per_check)
    # Many steps in one call: the steps are short, the per-call overhead is not.
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy",
                  steps_per_execution=plan.steps_per_call)
    return model


def train(model, x_train, x_validation, plan):
    """Fit on changed training images, checking the validation loss every plan.steps_per_check steps and
    stopping early on it; return the history, one entry per check."""
    # Training rows are cached before batching, so that every epoch reshuffles them into new batches; a
    # last batch of a few rows would take a full-sized, noisy Adam step, so it is left to a later epoch.
    # Repeated without end, so that Keras keeps one iterator for the whole run; prefetched, so that the
    # next batches are changed while the model trains. tf.data's autotuning is off: in about half the runs its
    # thread held up the pipeline's teardown, so fit took up to seconds to return after the last epoch.
    # The validation rows are cached in as many batches as a call of Keras has steps (see training_plan), so that
    # a check is one call over them all: Keras 3.0-3.6 warn when a call runs out of data.
    # The changes work on images: each row of pixels goes through them as a SIDE x SIDE image.
    augment = keras.Sequential([keras.layers.Reshape((SIDE, SIDE, 1)), *augmentation(),
                                keras.layers.Reshape((PIXELS,))])
    without_autotuning = tf.data.Options()
    without_autotuning.autotune.enabled = False
    training_data = (tf.data.Dataset.from_tensor_slices(x_train)
                     .cache().shuffle(len(x_train)).batch(min(BATCH_SIZE, len(x_train)), drop_remainder=True)
                     .map(augment).map(training_pair)
                     .repeat().prefetch(PREFETCHED_BATCHES).with_options(without_autotuning))
    validation_data = (tf.data.Dataset.from_tensor_slices((x_validation, x_validation))
                       .batch(plan.validation_batch).cache())
    # Keep the weights of the check with the lowest validation loss.
    early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=PATIENCE, restore_best_weights=True,
                                                   start_from_epoch=round(EARLY_STOPPING_START * plan.checks))

    def print_progress(check, logs):
        """A row of the progress table after the first check, every PROGRESS_ROWS-th of the run to the last, and
        the check training stops at."""
        rows_apart = max(1, plan.checks // PROGRESS_ROWS)
        if check == 0 or (plan.checks - 1 - check) % rows_apart == 0 or model.stop_training:
            print(f"{(check + 1) * plan.epochs_per_check:>5.0f}  {logs['loss']:>14.4f}  {logs['val_loss']:>16.4f}")
    print("epoch  training error  validation error  (binary cross-entropy)")
    # shuffle=False: the pipeline above already reshuffles the training rows every epoch.
    return model.fit(training_data, validation_data=validation_data, epochs=plan.checks,
                     steps_per_epoch=plan.steps_per_check, verbose=0, shuffle=False,
                     callbacks=[early_stopping, keras.callbacks.LambdaCallback(on_epoch_end=print_progress)]).history


def first_of_each_digit(labels):
    """The row of the first image of each digit 0-9."""
    return [int(np.flatnonzero(labels == digit)[0]) for digit in range(DIGITS)]


def draw_figure(model, history, epochs_per_check, x_train, labels_train, x_test, labels_test, reconstructions,
                report):
    """The course's three charts, "Training progress", "Generated images" (with the report beside them) and
    "Thought vectors", plus digits that the decoder generates from thought vectors no image produced."""
    encoder = keras.Model(model.input, model.get_layer("thought_vector").output)
    thought_vectors_2d = TSNE(n_components=2).fit_transform(encoder.predict(x_test, verbose=0))
    # Generated from training images only: each digit's mean thought vector, then a walk from a 3 to an 8.
    training_thought_vectors = encoder.predict(x_train, verbose=0)
    means = [training_thought_vectors[labels_train == digit].mean(axis=0) for digit in range(DIGITS)]
    three, eight = training_thought_vectors[labels_train == 3][0], training_thought_vectors[labels_train == 8][0]
    walk = [three + step * (eight - three) for step in np.linspace(0, 1, DIGITS)]
    generated = np.asarray(model.get_layer("reconstruction")(np.array(means + walk)))

    figure = plt.figure(figsize=(13, 10), layout="constrained")
    (progress_panel, tsne_panel), (images_panel, generated_panel) = figure.subfigures(2, 2, width_ratios=[1, 1])
    progress = progress_panel.subplots()
    epochs = epochs_per_check * np.arange(1, len(history["loss"]) + 1)  # the epoch of each check
    best_epoch = round(epochs[np.argmin(history["val_loss"])])
    progress.plot(epochs, history["loss"], label="training (changed images, dropout on)")
    progress.plot(epochs, history["val_loss"], label="validation")
    progress.axvline(best_epoch, color="grey", linestyle="--", label=f"best epoch ({best_epoch})")
    progress.set(xlabel="epoch", ylabel="binary cross-entropy", yscale="log")
    progress.legend()
    progress_panel.suptitle("Training progress", fontweight="bold")

    # The course's grid: the first test image of each digit over its output, digits 0-4 then 5-9.
    grid_panel, report_panel = images_panel.subfigures(1, 2, width_ratios=[5, 2])
    grid = grid_panel.subplots(4, 5)
    for digit, row in enumerate(first_of_each_digit(labels_test)):
        top, column = 2 * (digit // 5), digit % 5
        for axis, image in ((grid[top, column], x_test[row]), (grid[top + 1, column], reconstructions[row])):
            axis.imshow(image.reshape(SIDE, SIDE), cmap="gray", vmin=0, vmax=1)
            axis.axis("off")
    report_panel.text(0.05, 0.5, report, fontsize=12, va="center")
    images_panel.suptitle("Generated images", fontweight="bold")

    tsne = tsne_panel.subplots()
    for digit in range(DIGITS):
        points = thought_vectors_2d[labels_test == digit]
        tsne.scatter(points[:, 0], points[:, 1], s=10, color=plt.cm.tab10(digit), label=str(digit))
    tsne.set(xticks=[], yticks=[])
    tsne.legend(title="digit", markerscale=2, loc="center left", bbox_to_anchor=(1, 0.5))
    tsne_panel.suptitle("Thought vectors", fontweight="bold")

    strips = generated_panel.subplots(2, 1)
    for axis, images, title in zip(strips, (generated[:DIGITS], generated[DIGITS:]),
                                   ("each digit's mean training thought vector, 0-9",
                                    "a straight walk from a training 3 to a training 8")):
        axis.imshow(np.hstack([image.reshape(SIDE, SIDE) for image in images]), cmap="gray", vmin=0, vmax=1)
        axis.set_title(title, fontsize=10)
        axis.axis("off")
    generated_panel.suptitle("Decoded from thought vectors no image gave", fontweight="bold")
    figure.savefig(FIGURE)
    print(f"Charts saved to {FIGURE}")


def main():
    start = time.perf_counter()  # the course's duration: loading, training and predicting the test set
    # Data: the files are sorted by digit, so the validation images are drawn from each digit alike.
    pixels, labels = load_digits(DATASET, least_of_each_digit=round(1 / VALIDATION_FRACTION))
    x_test, labels_test = load_digits(TEST_SET)
    x_train, x_validation, labels_train, _ = train_test_split(pixels, labels, test_size=VALIDATION_FRACTION,
                                                              stratify=labels)

    # Model and training; the test images are used only after training, for the evaluation and the charts.
    plan = training_plan(len(x_train), len(x_validation))
    model = build_model(x_train.mean(axis=0), plan)
    history = train(model, x_train, x_validation, plan)

    # Evaluation: percentage of test pixels whose rounded output equals the input pixel.
    reconstructions = model.predict(x_test, verbose=0)
    test_accuracy = 100 * np.mean(np.round(reconstructions) == x_test)
    duration = time.perf_counter() - start

    report = f"Accuracy: {test_accuracy:.2f}%\nDuration: {duration / 60:.1f}min\nParams: {model.count_params()}"
    draw_figure(model, history, plan.epochs_per_check, x_train, labels_train, x_test, labels_test, reconstructions,
                report)
    print(f"Test accuracy: {test_accuracy:.2f}%")
    print(f"Duration: {duration / 60:.1f} min ({duration:.1f} s)")
    print(f"Parameters: {model.count_params()}")
    if matplotlib.get_backend().lower() != "agg":  # headless (Agg): the figure is in the file only
        plt.show()


if __name__ == "__main__":
    main()
