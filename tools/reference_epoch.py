"""Print the reference epoch: the median wall time, in seconds, of one epoch of a plain Keras autoencoder.

Usage: python tools/reference_epoch.py     (tools/benchmark.py runs it right before each task run)

The model is Dense(256, tanh) -> Dense(784, sigmoid), Adam, binary cross-entropy, batch 256, on 3,500
rows of random 0/1 pixels, a cached tf.data pipeline and steps_per_execution=50; the epochs are timed
after 3 warm-up epochs. It runs as a fresh process with TensorFlow's default settings, like a task
run, so that neither the benchmark's own history nor the task scripts' settings move the yardstick.
"""
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's log lines only; its other defaults stay

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow import keras  # noqa: E402

ROWS, WARMUP_EPOCHS, TIMED_EPOCHS = 3500, 3, 10


def reference_epoch():
    images = np.random.default_rng().integers(0, 2, size=(ROWS, 784)).astype(np.float32)
    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(256, activation="tanh"),
                              keras.layers.Dense(784, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(), loss="binary_crossentropy", steps_per_execution=50)
    data = tf.data.Dataset.from_tensor_slices((images, images)).cache().shuffle(len(images)).batch(256)
    starts, ends = [], []
    timer = keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: starts.append(time.perf_counter()),
                                           on_epoch_end=lambda epoch, logs: ends.append(time.perf_counter()))
    model.fit(data, epochs=WARMUP_EPOCHS + TIMED_EPOCHS, callbacks=[timer], verbose=0, shuffle=False)
    return statistics.median(end - start for start, end in list(zip(starts, ends))[WARMUP_EPOCHS:])


if __name__ == "__main__":
    print(reference_epoch())
