"""Task 1: a simple autoencoder that regenerates MNIST handwritten digits.

Run this script from any folder: it reads the dataset.txt beside it, trains the model, prints its
report (test accuracy, duration, parameter count) and shows its charts, which it also saves beside
itself as a PNG of the same name: learning curves, a T-SNE map of the thought vectors, some
reconstructions, and digits that the decoder generates from thought vectors no image gave it.
"""
import os
import pathlib
import sys
import time

# Before TensorFlow loads: keep its start-up notices off the console. The oneDNN notice ignores the log
# level, so oneDNN's custom operations are turned off too; for this model that measured no slower.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import matplotlib  # noqa: E402  (imports below the environment settings above)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from sklearn.manifold import TSNE  # noqa: E402
from tensorflow import keras  # noqa: E402

SCRIPT = pathlib.Path(__file__).resolve()
DATASET = SCRIPT.with_name("dataset.txt")  # beside this script, whatever folder it is run from
FIGURE = SCRIPT.with_suffix(".png")  # task1.png beside task1.py
SIDE = 28  # each digit is a SIDE x SIDE bitmap, stored row by row
PIXELS = SIDE * SIDE
DIGITS = 10  # the classes 0-9
ROWS, TEST_ROWS = 5000, 1000  # the last 1,000 rows are the test set
STRIP_LENGTH = 20  # digits per row of the figure's digit strips

# Hyperparameters, chosen on held-out training rows (tools/fold_experiments.py), never on the test set.
VALIDATION_ROWS = 500  # the last 500 training rows; balanced, as rows cycle through the digits
THOUGHT_VECTOR_SIZE = 256
DROPOUT_RATE = 0.1  # on the thought vector: the decoder must not rely on any one unit
MAX_SHIFT = 1  # pixels each way a training image is moved: a cheap, label-preserving augmentation
PEAK_LEARNING_RATE = 0.02
WARMUP_EPOCHS = 5  # of the learning-rate schedule (see build_model)
EPOCHS = 80
BATCH_SIZE = 256
PATIENCE = 20  # epochs without a better validation loss before training stops early
BATCHES_PER_CALL = 50  # steps_per_execution: the epochs are short, the per-call overhead is not


def load_dataset(path):
    """Return (pixels, labels) from dataset.txt, or exit with a one-line error naming the line."""
    try:
        with open(path, encoding="ascii", errors="replace") as file:
            lines = file.read().splitlines()
    except OSError as error:
        sys.exit(f"{path}: cannot read the dataset: {error.strerror}")
    if not lines:
        sys.exit(f"{path}: the file is empty; expected {ROWS} rows")
    for number, line in enumerate(lines, 1):
        label, _, bits = line.partition(" ")
        if number == 1 and label.startswith("\ufffd"):  # undecodable bytes: a UTF-8 byte-order mark, say
            sys.exit(f"{path}:1: starts with bytes that are not ASCII (a byte-order mark?); save it as plain ASCII")
        if label not in [str(digit) for digit in range(DIGITS)]:
            sys.exit(f"{path}:{number}: label {label!r} is not a digit 0-9")
        if len(bits) != PIXELS:
            sys.exit(f"{path}:{number}: expected {PIXELS} pixels, found {len(bits)}")
        bad_pixels = set(bits) - {"0", "1"}
        if bad_pixels:
            sys.exit(f"{path}:{number}: pixels must be 0 or 1, found {sorted(bad_pixels)}")
    if len(lines) != ROWS:
        sys.exit(f"{path}:{len(lines)}: expected {ROWS} rows, found {len(lines)}")
    labels = np.array([int(line[0]) for line in lines])
    # All the pixel characters as one byte string; minus the byte of "0", each "0"/"1" becomes 0/1.
    bits = np.frombuffer("".join(line[2:] for line in lines).encode("ascii"), dtype=np.uint8) - ord("0")
    return bits.reshape(ROWS, PIXELS).astype(np.float32), labels


def shift(images):
    """Move each image of a batch by up to MAX_SHIFT pixels each way; zeros come in at the edges."""
    padded = tf.pad(tf.reshape(images, [-1, SIDE, SIDE]), [[0, 0], [MAX_SHIFT, MAX_SHIFT], [MAX_SHIFT, MAX_SHIFT]])
    # Each image's window into its padded copy starts at a random row and column in [0, 2 * MAX_SHIFT].
    starts = tf.random.uniform([2, tf.shape(images)[0], 1], 0, 2 * MAX_SHIFT + 1, dtype=tf.int32)
    rows, columns = starts[0] + tf.range(SIDE), starts[1] + tf.range(SIDE)
    moved = tf.gather(tf.gather(padded, rows, batch_dims=1), columns, axis=2, batch_dims=1)
    return tf.reshape(moved, [-1, PIXELS])


def training_pair(images):
    """The moved image is both the input and the target to reconstruct."""
    moved = shift(images)
    return moved, moved


def build_model(pixel_mean, steps_per_epoch):
    """The autoencoder: 784 pixels -> 256-unit tanh thought vector -> 784 sigmoid pixels."""
    image = keras.Input(shape=(PIXELS,), name="image")
    # Subtract the training mean image (a fixed shift, no parameters): the tanh units start
    # unsaturated. Normalization with unit variance does exactly that subtraction.
    centred = keras.layers.Normalization(mean=pixel_mean, variance=np.ones(PIXELS))(image)
    thought_vector = keras.layers.Dense(THOUGHT_VECTOR_SIZE, activation="tanh", name="thought_vector")(centred)
    thought_vector_dropout = keras.layers.Dropout(DROPOUT_RATE)(thought_vector)
    reconstruction = keras.layers.Dense(PIXELS, activation="sigmoid", name="reconstruction")(thought_vector_dropout)
    model = keras.Model(image, reconstruction)
    # The learning rate rises linearly from 0 to its peak, then follows a cosine down to 0 at the last epoch.
    learning_rate = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0, decay_steps=(EPOCHS - WARMUP_EPOCHS) * steps_per_epoch,
        warmup_target=PEAK_LEARNING_RATE, warmup_steps=WARMUP_EPOCHS * steps_per_epoch)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy",
                  steps_per_execution=BATCHES_PER_CALL)
    return model


def train(model, x_train, x_validation):
    """Fit on moved training images, stopping early on the validation loss; return (history, seconds)."""
    # Training rows are cached before batching, so that every epoch reshuffles them into new batches;
    # the validation rows are one fixed batch, cached whole.
    training_data = (tf.data.Dataset.from_tensor_slices(x_train)
                     .cache().shuffle(len(x_train)).batch(BATCH_SIZE).map(training_pair))
    validation_data = (tf.data.Dataset.from_tensor_slices((x_validation, x_validation))
                       .batch(len(x_validation)).cache())
    # Keep the weights of the epoch with the lowest validation loss.
    early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=PATIENCE,
                                                   restore_best_weights=True)
    start = time.perf_counter()
    # shuffle=False: the pipeline above already reshuffles the training rows every epoch.
    history = model.fit(training_data, validation_data=validation_data, epochs=EPOCHS,
                        callbacks=[early_stopping], verbose=2, shuffle=False).history
    return history, time.perf_counter() - start


def image_strip(images):
    """The first STRIP_LENGTH images side by side, as one SIDE-pixel-high picture."""
    return np.hstack([image.reshape(SIDE, SIDE) for image in images[:STRIP_LENGTH]])


def draw_figure(model, history, x_train, labels_train, x_test, labels_test, reconstructions):
    """Learning curves, T-SNE of the test thought vectors, test digits over their reconstructions,
    and digits that the decoder generates from thought vectors that no single image produced."""
    encoder = keras.Model(model.input, model.get_layer("thought_vector").output)
    thought_vectors_2d = TSNE(n_components=2, max_iter=500).fit_transform(encoder.predict(x_test, verbose=0))
    # Generated from training rows only: each digit's mean thought vector, then a walk from a 3 to an 8.
    training_thought_vectors = encoder.predict(x_train, verbose=0)
    means = [training_thought_vectors[labels_train == digit].mean(axis=0) for digit in range(DIGITS)]
    three, eight = training_thought_vectors[labels_train == 3][0], training_thought_vectors[labels_train == 8][0]
    walk = [three + step * (eight - three) for step in np.linspace(0, 1, STRIP_LENGTH - DIGITS)]
    generated = keras.ops.convert_to_numpy(model.get_layer("reconstruction")(np.array(means + walk)))

    figure, axes = plt.subplot_mosaic([["loss", "tsne"], ["digits", "digits"], ["generated", "generated"]],
                                      figsize=(12, 10), height_ratios=[3, 1, 0.5], layout="constrained")
    best_epoch = int(np.argmin(history["val_loss"])) + 1
    epochs = range(1, len(history["loss"]) + 1)
    axes["loss"].plot(epochs, history["loss"], label="training (moved images, dropout on)")
    axes["loss"].plot(epochs, history["val_loss"], label="validation")
    axes["loss"].axvline(best_epoch, color="grey", linestyle="--", label=f"best epoch ({best_epoch})")
    axes["loss"].set(title="Learning curves", xlabel="epoch", ylabel="binary cross-entropy", yscale="log")
    axes["loss"].legend()
    for digit in range(DIGITS):
        points = thought_vectors_2d[labels_test == digit]
        axes["tsne"].scatter(points[:, 0], points[:, 1], s=8, color=plt.cm.tab10(digit), label=str(digit))
    axes["tsne"].set(title="T-SNE of the test thought vectors", xticks=[], yticks=[])
    axes["tsne"].legend(title="digit", markerscale=2, loc="center left", bbox_to_anchor=(1, 0.5))
    axes["digits"].imshow(np.vstack([image_strip(x_test), image_strip(reconstructions)]), cmap="gray_r")
    axes["digits"].set(title="Test digits (top) and their reconstructions (bottom)", xticks=[], yticks=[])
    axes["generated"].imshow(image_strip(generated), cmap="gray_r")
    axes["generated"].set(title="Generated: the decoder on each digit's mean training thought vector (0-9), "
                                "then on a straight walk from a training 3 to a training 8", xticks=[], yticks=[])
    figure.savefig(FIGURE)
    print(f"Charts saved to {FIGURE}")


def main():
    # Data: rows cycle through the digits, so each of these contiguous blocks is balanced.
    pixels, labels = load_dataset(DATASET)
    train_rows, validation_rows, test_rows = np.split(np.arange(ROWS), [ROWS - TEST_ROWS - VALIDATION_ROWS,
                                                                        ROWS - TEST_ROWS])
    x_train, x_validation, x_test = pixels[train_rows], pixels[validation_rows], pixels[test_rows]
    labels_train, labels_test = labels[train_rows], labels[test_rows]

    # Model and training; the test rows are used only after training, for the evaluation and the charts.
    model = build_model(x_train.mean(axis=0), steps_per_epoch=-(-len(x_train) // BATCH_SIZE))
    model.summary()
    history, duration = train(model, x_train, x_validation)

    # Evaluation: percentage of test pixels whose rounded output equals the input pixel.
    reconstructions = model.predict(x_test, verbose=0)
    test_accuracy = 100 * np.mean(np.round(reconstructions) == x_test)

    draw_figure(model, history, x_train, labels_train, x_test, labels_test, reconstructions)
    print(f"Test accuracy: {test_accuracy:.2f}%")
    print(f"Duration: {duration:.1f} s")
    print(f"Parameters: {model.count_params()}")
    if matplotlib.get_backend().lower() != "agg":  # headless (Agg): the figure is in the file only
        plt.show()


if __name__ == "__main__":
    main()
