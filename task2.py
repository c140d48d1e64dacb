"""Task 2: a simple autoencoder whose thought vector also classifies the digit (multi-task)."""
import importlib
import math
import os
import pathlib
import re
import sys
import time
from collections import namedtuple

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # no TensorFlow start-up notices
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # nor oneDNN's, which ignores the log level

# An older library, or none, stops the script here in one line.
OLDEST_VERSIONS = {"numpy": "1.22", "matplotlib": "3.5", "scikit-learn": "1.2",
                   "tensorflow": "2.13"}
for package, oldest in OLDEST_VERSIONS.items():
    try:
        found = importlib.import_module(package.replace("scikit-learn", "sklearn")).__version__
    except ImportError:
        found = "none"
    major_minor = [int(part) for part in re.findall(r"\d+", found)[:2]]  # none: [], below all
    if major_minor < [int(part) for part in oldest.split(".")]:
        sys.exit(f"{pathlib.Path(__file__).name} needs {package} {oldest} or newer, found {found}: "
                 f'pip install --upgrade "{package}>={oldest}"')

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from sklearn.manifold import TSNE
from sklearn.model_selection import train_test_split
from tensorflow import keras

SCRIPT = pathlib.Path(__file__).resolve()
DATASET, TEST_SET = SCRIPT.with_name("dataset.txt"), SCRIPT.with_name("test.txt")
FIGURE = SCRIPT.with_suffix(".png")
SIDE = 28
PIXELS = SIDE * SIDE
DIGITS = 10
LINE = re.compile(r"([0-9]) *\t((?:[01]{28}-){27}[01]{28})")  # a digit, a TAB, 28 rows of pixels
PROGRESS_ROWS = 10

# Hyperparameters, chosen on folds of dataset.txt (tools/fold_experiments.py), never on test.txt.
VALIDATION_FRACTION = 0.1  # of each digit's images, held out for early stopping
THOUGHT_VECTOR_SIZE = 256
DROPOUT_RATE = 0.1  # on the thought vector
MAX_SHIFT = 2  # pixels each way a training image is moved
MAX_ROTATION = 0.03  # of a turn each way a training image is turned
PEAK_LEARNING_RATE = 0.014
CLASSIFIER_HIDDEN_UNITS = 256  # a ReLU layer between the thought vector and the softmax
CLASSIFIER_DROPOUT_RATE = 0.3
CLASSIFICATION_WEIGHT = 0.01  # of the classifier's loss: more costs pixels, less costs digits
LABEL_SMOOTHING = 0.1  # keeps the classifier from an overconfidence that overfits it early
BATCH_SIZE = 192
TRAINING_STEPS = 2400  # for the course's 900 training images or fewer: 600 epochs of them
COURSE_TRAINING_IMAGES = 900
STEPS_GROWTH = 0.4  # more images train longer: steps grow as (images / 900) ** STEPS_GROWTH
CHECKS = 120  # validations in a run; the learning rate warms up over the first
PATIENCE = 10  # checks without a better validation loss before training stops
EARLY_STOPPING_START = 0.5  # of the checks: not while the learning rate is high
MAX_STEPS_PER_CALL = 32  # Keras 3.0-3.6 refuse more
PREFETCHED_BATCHES = 2

Plan = namedtuple("Plan", "steps_per_call steps_per_check checks epochs_per_check")


def load_digits(path, least_of_each_digit=1):
    """(images, labels) of a file in the course's format, or exit with one line on what is wrong."""
    try:
        text = pathlib.Path(path).read_text(encoding="ascii", errors="replace")
    except OSError as error:
        sys.exit(f"{path}: cannot read the file: {error.strerror}")
    if not text.strip():
        sys.exit(f"{path}: the file is empty")
    images, labels = [], []
    for number, line in enumerate(text.rstrip().split("\n"), 1):
        match = LINE.fullmatch(line.strip())  # as the course's reader, white space around is fine
        if match:
            labels.append(int(match[1]))
            images.append(match[2].replace("-", ""))
        elif labels or line.strip():  # blank lines before the first image are skipped
            sys.exit(f"{path}:{number}: expected a digit, a TAB and 28 rows of 28 pixels 0/1 "
                     f"joined by '-', found {line.strip()[:20]!r}...")
    counts = np.bincount(labels, minlength=DIGITS)
    if counts.min() < least_of_each_digit:
        sys.exit(f"{path}: digit {counts.argmin()} has {counts.min()} images; each digit needs "
                 f"at least {least_of_each_digit}")
    bits = np.frombuffer("".join(images).encode(), np.uint8) - ord("0")
    return bits.reshape(len(images), PIXELS).astype(np.float32), np.array(labels)


def augmentation():
    """Keras layers that move and turn each training image anew, zeros coming in at the edges."""
    return [keras.layers.RandomTranslation(MAX_SHIFT / SIDE, MAX_SHIFT / SIDE, fill_mode="constant",
                                           interpolation="nearest"),
            keras.layers.RandomRotation(MAX_ROTATION, fill_mode="constant")]


def training_plan(training_images, validation_images):
    """TRAINING_STEPS steps, more for more images (but fewer epochs), in checks of whole Keras
    calls of an epoch at most and of as many steps as the validation set has batches."""
    steps_per_epoch = max(1, training_images // BATCH_SIZE)
    steps = TRAINING_STEPS * max(1, training_images / COURSE_TRAINING_IMAGES) ** STEPS_GROWTH
    validation_batch = math.ceil(validation_images / min(steps_per_epoch, MAX_STEPS_PER_CALL))
    steps_per_call = math.ceil(validation_images / validation_batch)
    steps_per_check = steps_per_call * max(1, round(steps / CHECKS / steps_per_call))
    checks = round(steps / steps_per_check)
    return Plan(steps_per_call, steps_per_check, checks, steps_per_check / steps_per_epoch)


def build_model(pixel_mean, plan):
    """784 pixels -> 256 tanh thought vector -> 784 sigmoid pixels and -> 256 ReLU -> 10 digits."""
    image = keras.Input(shape=(PIXELS,), name="image")
    # Less the mean training image (unit variance), so that the tanh units start unsaturated.
    centred = keras.layers.Normalization(mean=pixel_mean, variance=np.ones(PIXELS))(image)
    thought_vector = keras.layers.Dense(THOUGHT_VECTOR_SIZE, "tanh", name="thought_vector")(centred)
    dropped_out = keras.layers.Dropout(DROPOUT_RATE)(thought_vector)
    reconstruction = keras.layers.Dense(PIXELS, "sigmoid", name="reconstruction")(dropped_out)
    hidden = keras.layers.Dense(CLASSIFIER_HIDDEN_UNITS, "relu")(dropped_out)
    dropped_out_hidden = keras.layers.Dropout(CLASSIFIER_DROPOUT_RATE)(hidden)
    digit = keras.layers.Dense(DIGITS, "softmax", name="digit")(dropped_out_hidden)
    model = keras.Model(image, {"reconstruction": reconstruction, "digit": digit})
    # Up from 0 to the peak over the first check, then a cosine down to 0 at the last.
    learning_rate = keras.optimizers.schedules.CosineDecay(
        0.0, (plan.checks - 1) * plan.steps_per_check, warmup_target=PEAK_LEARNING_RATE,
        warmup_steps=plan.steps_per_check)
    digit_loss = keras.losses.CategoricalCrossentropy(label_smoothing=LABEL_SMOOTHING)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss={"reconstruction": "binary_crossentropy", "digit": digit_loss},
                  loss_weights={"reconstruction": 1.0, "digit": CLASSIFICATION_WEIGHT},
                  metrics={"digit": ["accuracy"]},
                  steps_per_execution=plan.steps_per_call)
    return model


def train(model, x_train, labels_train, x_validation, labels_validation, plan):
    """Fit on changed training images, validating at each check and stopping early; the history."""
    augment = keras.Sequential([keras.layers.Reshape((SIDE, SIDE, 1)), *augmentation(),
                                keras.layers.Reshape((PIXELS,))])
    batch_size = min(BATCH_SIZE, len(x_train))  # all the images if they are fewer
    without_autotuning = tf.data.Options()
    without_autotuning.autotune.enabled = False  # its thread could hold up fit's return for seconds

    def training_pair(images, labels):  # the changed images, rounded back to 0/1 pixels
        changed = tf.round(augment(images))
        return changed, {"reconstruction": changed, "digit": tf.one_hot(labels, DIGITS)}
    # Whole batches, reshuffled here each epoch (not by fit): a last few images would take a full,
    # noisy Adam step.
    training_data = (tf.data.Dataset.from_tensor_slices((x_train, labels_train)).cache()
                     .shuffle(len(x_train)).batch(batch_size, drop_remainder=True)
                     .map(training_pair).repeat().prefetch(PREFETCHED_BATCHES)
                     .with_options(without_autotuning))
    targets = {"reconstruction": x_validation, "digit": tf.one_hot(labels_validation, DIGITS)}
    validation_data = (tf.data.Dataset.from_tensor_slices((x_validation, targets))
                       .batch(math.ceil(len(x_validation) / plan.steps_per_call)).cache())
    early_stopping = keras.callbacks.EarlyStopping(
        patience=PATIENCE, restore_best_weights=True,
        start_from_epoch=round(EARLY_STOPPING_START * plan.checks))
    rows_apart = max(1, plan.checks // PROGRESS_ROWS)

    def print_progress(check, logs):  # the first check, every rows_apart-th to the last, a stop
        if check == 0 or (plan.checks - 1 - check) % rows_apart == 0 or model.stop_training:
            print(f"{(check + 1) * plan.epochs_per_check:>5.0f}  {logs['loss']:>14.4f}  "
                  f"{logs['val_loss']:>16.4f}  {logs['val_digit_accuracy']:>17.1%}")
    print("epoch  training error  validation error  validation digits  (weighted total loss)")
    return model.fit(training_data, validation_data=validation_data, epochs=plan.checks,
                     steps_per_epoch=plan.steps_per_check, verbose=0, shuffle=False,
                     callbacks=[early_stopping, keras.callbacks.LambdaCallback(
                         on_epoch_end=print_progress)]).history


def draw_figure(model, history, plan, x_train, labels_train, x_test, labels_test, reconstructions,
                predicted, report):
    """The course's three charts, and digits decoded from thought vectors that no image gave."""
    encoder = keras.Model(model.input, model.get_layer("thought_vector").output)
    tsne_points = TSNE(n_components=2).fit_transform(encoder.predict(x_test, verbose=0))
    # Each digit's mean training thought vector, then a walk from a training 3 to a training 8.
    training_vectors = encoder.predict(x_train, verbose=0)
    means = [training_vectors[labels_train == digit].mean(axis=0) for digit in range(DIGITS)]
    three, eight = training_vectors[labels_train == 3][0], training_vectors[labels_train == 8][0]
    walk = [three + step * (eight - three) for step in np.linspace(0, 1, DIGITS)]
    generated = np.asarray(model.get_layer("reconstruction")(np.array(means + walk)))

    figure = plt.figure(figsize=(13, 10), layout="constrained")
    (progress_panel, tsne_panel), (images_panel, generated_panel) = figure.subfigures(2, 2)
    progress, accuracy = progress_panel.subplots(2, 1, sharex=True)
    epochs = plan.epochs_per_check * np.arange(1, len(history["loss"]) + 1)
    best_epoch = round(epochs[np.argmin(history["val_loss"])])
    progress.plot(epochs, history["loss"], label="training (changed images, dropout on)")
    progress.plot(epochs, history["val_loss"], label="validation")
    progress.axvline(best_epoch, color="grey", linestyle="--", label=f"best epoch ({best_epoch})")
    progress.set(ylabel="weighted total loss", yscale="log")
    progress.legend()
    accuracy.plot(epochs, history["digit_accuracy"], epochs, history["val_digit_accuracy"])
    accuracy.axvline(best_epoch, color="grey", linestyle="--")
    accuracy.set(xlabel="epoch", ylabel="digits classified right", ylim=(0.5, 1))
    progress_panel.suptitle("Training progress", fontweight="bold")

    # The first test image of each digit over its output, digits 0-4 then 5-9.
    grid_panel, report_panel = images_panel.subfigures(1, 2, width_ratios=[5, 2])
    grid = grid_panel.subplots(4, 5)
    for digit in range(DIGITS):
        row, top, column = np.flatnonzero(labels_test == digit)[0], 2 * (digit // 5), digit % 5
        for axis, image in zip(grid[top:top + 2, column], (x_test[row], reconstructions[row])):
            axis.imshow(image.reshape(SIDE, SIDE), cmap="gray", vmin=0, vmax=1)
            axis.axis("off")
        grid[top + 1, column].set_title(predicted[row], color="green" if predicted[row] == digit
                                        else "red")  # the classifier's answer
    report_panel.text(0.05, 0.5, report, fontsize=12, va="center")
    images_panel.suptitle("Generated images", fontweight="bold")

    tsne = tsne_panel.subplots()
    for digit in range(DIGITS):
        points = tsne_points[labels_test == digit]
        tsne.scatter(points[:, 0], points[:, 1], s=10, color=plt.cm.tab10(digit), label=str(digit))
    tsne.set(xticks=[], yticks=[])
    tsne.legend(title="digit", markerscale=2, loc="center left", bbox_to_anchor=(1, 0.5))
    tsne_panel.suptitle("Thought vectors", fontweight="bold")

    titles = ("each digit's mean training thought vector, 0-9",
              "a straight walk from a training 3 to a training 8")
    for axis, images, title in zip(generated_panel.subplots(2, 1), np.split(generated, 2), titles):
        axis.imshow(np.hstack(images.reshape(-1, SIDE, SIDE)), cmap="gray", vmin=0, vmax=1)
        axis.set_title(title, fontsize=10)
        axis.axis("off")
    generated_panel.suptitle("Decoded from thought vectors no image gave", fontweight="bold")
    figure.savefig(FIGURE)
    print(f"Charts saved to {FIGURE}")


def main():
    start = time.perf_counter()  # the course's duration: loading, training, predicting the test set
    pixels, labels = load_digits(DATASET, least_of_each_digit=round(1 / VALIDATION_FRACTION))
    x_test, labels_test = load_digits(TEST_SET)
    # Stratified: the files are sorted by digit.
    x_train, x_validation, labels_train, labels_validation = train_test_split(
        pixels, labels, test_size=VALIDATION_FRACTION, stratify=labels)
    plan = training_plan(len(x_train), len(x_validation))
    model = build_model(x_train.mean(axis=0), plan)
    history = train(model, x_train, labels_train, x_validation, labels_validation, plan)

    # The share of test pixels whose rounded output equals the input pixel.
    predictions = model.predict(x_test, verbose=0)
    reconstructions = predictions["reconstruction"]
    test_accuracy = 100 * np.mean(np.round(reconstructions) == x_test)
    predicted = np.argmax(predictions["digit"], axis=1)
    test_classification_accuracy = 100 * np.mean(predicted == labels_test)
    duration = time.perf_counter() - start

    report = (f"Accuracy: {test_accuracy:.2f}%\nDuration: {duration / 60:.1f}min\n"
              f"Params: {model.count_params()}")
    report += f"\nClassification: {test_classification_accuracy:.2f}%"  # below the course's three
    draw_figure(model, history, plan, x_train, labels_train, x_test, labels_test, reconstructions,
                predicted, report)
    print(f"Test accuracy: {test_accuracy:.2f}%")
    print(f"Test classification accuracy: {test_classification_accuracy:.2f}%")
    print(f"Duration: {duration / 60:.1f} min ({duration:.1f} s)")
    print(f"Parameters: {model.count_params()}")
    if matplotlib.get_backend().lower() != "agg":  # headless: the figure is in the file only
        plt.show()


if __name__ == "__main__":
    main()
