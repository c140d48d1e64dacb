"""Task 1: a simple autoencoder that regenerates MNIST handwritten digits."""
import math
import os
import pathlib
import re
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # no TensorFlow notices
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # nor oneDNN's, which ignores that
try:
    import tensorflow as tf
    if tuple(map(int, tf.__version__.split(".")[:2])) < (2, 13):
        raise ImportError
except ImportError:
    sys.exit(f'{os.path.basename(__file__)} needs TensorFlow 2.13 or newer: '
             'pip install --upgrade "tensorflow>=2.13"')

import matplotlib.pyplot as plt
import numpy as np
from sklearn.manifold import TSNE
from sklearn.model_selection import train_test_split
from tensorflow import keras

SCRIPT = pathlib.Path(__file__).resolve()
DATASET, TEST_SET = SCRIPT.with_name("dataset.txt"), SCRIPT.with_name("test.txt")
SIDE, PIXELS, DIGITS = 28, 784, 10
LINE = re.compile(r"([0-9]) *\t((?:[01]{28}-){27}[01]{28})")  # digit, TAB, 28 rows of 28 pixels

# Set model hyperparameters here (chosen by 5-fold cross-validation on dataset.txt).
VALIDATION_FRACTION = 0.1  # of each digit, for early stopping
THOUGHT_VECTOR_SIZE = 256
DROPOUT_RATE = 0.1
MAX_SHIFT = 2  # pixels each way
MAX_ROTATION = 0.03  # of a turn each way (11 degrees)
PEAK_LEARNING_RATE = 0.014
BATCH_SIZE = 192
TRAINING_STEPS = 2400  # 600 epochs of 4 batches of the course's 900 images
STEPS_GROWTH = 0.4  # more images: (images / 900) ** 0.4 times the steps
STEPS_PER_CHECK = 20  # a Keras call (3.0-3.6 refuse over 32), then a validation
PATIENCE = 10  # checks


def load_digits(path, least_of_each_digit=1):
    """(images, labels) of a file in the course's format; a bad file exits in one line."""
    try:
        text = pathlib.Path(path).read_text(encoding="ascii", errors="replace")
    except OSError as error:
        sys.exit(f"{path}: cannot read the file: {error.strerror}")
    images, labels = [], []
    for number, line in enumerate(text.rstrip().split("\n"), 1):
        match = LINE.fullmatch(line.strip())  # as the course's reader
        if match:
            labels.append(int(match[1]))
            images.append(match[2].replace("-", ""))
        elif labels or line.strip():  # blank lines before the first are fine
            sys.exit(f"{path}:{number}: expected a digit, a TAB and 28 rows of 28 pixels 0/1 "
                     f"joined by '-', found {line.strip()[:20]!r}...")
    counts = np.bincount(labels, minlength=DIGITS)
    if counts.min() < least_of_each_digit:
        sys.exit(f"{path}: digit {counts.argmin()} has {counts.min()} images; each digit needs "
                 f"at least {least_of_each_digit}")
    bits = np.frombuffer("".join(images).encode(), np.uint8) - ord("0")
    return bits.reshape(len(images), PIXELS).astype(np.float32), np.array(labels)


def build_model(x_train, checks):
    """784 pixels -> 256 tanh thought vector -> 784 sigmoid pixels."""
    image = keras.Input(shape=(PIXELS,))
    # Less the mean image: the tanh units start unsaturated.
    centred = keras.layers.Normalization(mean=x_train.mean(axis=0), variance=np.ones(PIXELS))(image)
    thought_vector = keras.layers.Dense(THOUGHT_VECTOR_SIZE, "tanh", name="thought_vector")(centred)
    dropped_out = keras.layers.Dropout(DROPOUT_RATE)(thought_vector)
    reconstruction = keras.layers.Dense(PIXELS, "sigmoid", name="reconstruction")(dropped_out)
    model = keras.Model(image, reconstruction)
    learning_rate = keras.optimizers.schedules.CosineDecay(  # up over a check, then down to 0
        0.0, (checks - 1) * STEPS_PER_CHECK, warmup_target=PEAK_LEARNING_RATE,
        warmup_steps=STEPS_PER_CHECK)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="binary_crossentropy",
                  steps_per_execution=STEPS_PER_CHECK)
    return model


def train(model, x_train, x_validation, checks):
    """Fit on moved and turned training images; keep the best check's weights."""
    augment = keras.Sequential([
        keras.layers.Reshape((SIDE, SIDE, 1)),
        keras.layers.RandomTranslation(MAX_SHIFT / SIDE, MAX_SHIFT / SIDE, fill_mode="constant",
                                       interpolation="nearest"),
        keras.layers.RandomRotation(MAX_ROTATION, fill_mode="constant"),
        keras.layers.Reshape((PIXELS,))])

    def training_pair(images):  # rotated pixels rounded back to 0/1
        changed = tf.round(augment(images))
        return changed, changed
    # Whole batches (a partial one is a full, noisy step), reshuffled each epoch.
    batch_size = min(BATCH_SIZE, len(x_train))
    without_autotuning = tf.data.Options()
    without_autotuning.autotune.enabled = False  # on (or no cache), runs took 1.5-2x as long
    training_data = (tf.data.Dataset.from_tensor_slices(x_train).cache()
                     .shuffle(len(x_train)).batch(batch_size, drop_remainder=True)
                     .map(training_pair).repeat().prefetch(2).with_options(without_autotuning))
    # Cached (0.17 s a check faster), a batch a step of the call (Keras 3.0-3.6 warn on fewer).
    validation_data = tf.data.Dataset.from_tensor_slices((x_validation, x_validation)).batch(
        math.ceil(len(x_validation) / STEPS_PER_CHECK)).cache()
    epochs_per_check = STEPS_PER_CHECK / (len(x_train) // batch_size)

    def print_progress(check, logs):
        if (check + 1) % max(1, checks // 10) == 0 or check + 1 == checks or model.stop_training:
            epoch = (check + 1) * epochs_per_check
            print(f"{epoch:5.0f}{logs['loss']:16.4f}{logs['val_loss']:18.4f}")
    print("epoch  training error  validation error")
    early_stopping = keras.callbacks.EarlyStopping(  # not in the high-rate first half
        patience=PATIENCE, restore_best_weights=True, start_from_epoch=checks // 2)
    history = model.fit(
        training_data, epochs=checks, steps_per_epoch=STEPS_PER_CHECK, verbose=0, shuffle=False,
        validation_data=validation_data,
        callbacks=[early_stopping, keras.callbacks.LambdaCallback(on_epoch_end=print_progress)])
    model.set_weights(early_stopping.best_weights)  # Keras 2 only restores on an early stop
    epochs = epochs_per_check * np.arange(1, len(history.history["loss"]) + 1)
    return history.history, epochs, epochs[early_stopping.best_epoch]


def main():
    start = time.perf_counter()  # the course's duration: data, training, test predictions
    pixels, labels = load_digits(DATASET, least_of_each_digit=round(1 / VALIDATION_FRACTION))
    x_test, labels_test = load_digits(TEST_SET)
    x_train, x_validation = train_test_split(pixels, test_size=VALIDATION_FRACTION, stratify=labels)
    checks = round(TRAINING_STEPS * max(1, len(x_train) / 900) ** STEPS_GROWTH / STEPS_PER_CHECK)
    model = build_model(x_train, checks)
    history, epochs, best = train(model, x_train, x_validation, checks)

    reconstructions = model.predict(x_test, verbose=0)
    accuracy = 100 * np.mean(np.round(reconstructions) == x_test)
    duration = time.perf_counter() - start

    params = model.count_params()
    report = f"Accuracy: {accuracy:.2f}%\nDuration: {duration / 60:.1f}min\nParams: {params}"
    print(report.replace("min", f"min ({duration:.1f} s)"))
    encoder = keras.Model(model.input, model.get_layer("thought_vector").output)
    tsne_points = TSNE(n_components=2).fit_transform(encoder.predict(x_test, verbose=0))
    # The course's three charts, in a window fitting a laptop screen.
    figure = plt.figure(SCRIPT.name, figsize=(13, 5.6), layout="constrained")
    progress_panel, images_panel, tsne_panel = figure.subfigures(1, 3, width_ratios=[4, 6.6, 3.6])
    progress = progress_panel.subplots()
    progress.plot(epochs, history["loss"], label="training (changed images)")
    progress.plot(epochs, history["val_loss"], label="validation")
    stop = "stopped early" if len(epochs) < checks else "no early stop"
    progress.axvline(best, color="grey", ls="--", label=f"weights kept: epoch {best:.0f}\n({stop})")
    progress.set(xlabel="epoch", ylabel="pixel error (binary cross-entropy)", yscale="log")
    progress.legend()
    progress_panel.suptitle("Training progress", fontweight="bold")

    grid_panel, report_panel = images_panel.subfigures(1, 2, width_ratios=[5, 2.1])
    grid = grid_panel.subplots(4, 5)
    for digit in range(DIGITS):  # first test image over output: 0-4, then 5-9
        row, top, column = np.flatnonzero(labels_test == digit)[0], 2 * (digit // 5), digit % 5
        for axis, image in zip(grid[top:top + 2, column], (x_test[row], reconstructions[row])):
            axis.imshow(image.reshape(SIDE, SIDE), cmap="gray", vmin=0, vmax=1)
            axis.axis("off")
    report_panel.text(0, 0.5, report, fontsize=11, va="center")
    images_panel.suptitle("Generated images", fontweight="bold")

    tsne = tsne_panel.subplots()
    dots = tsne.scatter(*tsne_points.T, s=10, c=labels_test, cmap="tab10")
    tsne.set(xticks=[], yticks=[])
    tsne.legend(*dots.legend_elements(), title="digit", loc="center left", bbox_to_anchor=(1, 0.5))
    tsne_panel.suptitle("Thought vectors", fontweight="bold")
    figure.savefig(SCRIPT.with_suffix(".png"))
    print("Charts saved to", SCRIPT.with_suffix(".png"))
    if plt.get_backend().lower() != "agg":  # headless: file only
        plt.show()


if __name__ == "__main__":
    main()
