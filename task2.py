import os
import timeit
import warnings

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"  # TensorFlow's log: errors only
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"  # or TF 2.21 logs a oneDNN notice
warnings.filterwarnings("ignore")
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from sklearn.manifold import TSNE
from sklearn.model_selection import train_test_split
from tensorflow import keras

start_time = timeit.default_timer()

###################################

with open("dataset.txt", "r", encoding="utf-8") as f:
    data = [line.strip().split("\t") for line in f.read().strip().split("\n")]
train_imgs = np.array([[float(px) for px in img.replace("-", "")] for lbl, img in data], np.float32)
train_lbls = np.array([int(lbl) for lbl, img in data], np.int32)

with open("test.txt", "r", encoding="utf-8") as f:
    data = [line.strip().split("\t") for line in f.read().strip().split("\n")]
test_imgs = np.array([[float(px) for px in img.replace("-", "")] for lbl, img in data], np.float32)
test_lbls = np.array([int(lbl) for lbl, img in data], np.int32)

(train_imgs, val_imgs, train_lbls, val_lbls) = train_test_split(
    train_imgs, train_lbls, test_size=0.1, stratify=train_lbls)

###################################

#Set model hyperparameters here (sizes from the brief; the rest chosen on 5 folds of dataset.txt)
input_size = 28 * 28
gen_output_size = input_size
thought_vector_size = 256
dropout_rate = 0.1  # on the thought vector
max_shift = 2  # pixels each way a training image is moved
max_turn = 0.03  # of a full turn each way (11 degrees) it is rotated
learning_rate = 0.014  # Adam's peak; 5 epochs' warm-up, then a cosine down to 0
classification_weight = 0.02  # of the digit error: small, so pixels stay accurate

#Define model here
images = keras.Input(shape=(input_size,))
centred = keras.layers.Normalization(  # less the mean image: tanh starts unsaturated
    mean=train_imgs.mean(axis=0), variance=np.ones(input_size))(images)
thought_vectors = keras.layers.Dense(thought_vector_size, "tanh")(centred)
dropped_out = keras.layers.Dropout(dropout_rate)(thought_vectors)
out_images = keras.layers.Dense(gen_output_size, "sigmoid", name="reconstruction")(dropped_out)
# A softmax on the (dropped-out) thought vector: it must separate the digits.
out_digits = keras.layers.Dense(10, "softmax", name="digit")(dropped_out)
model = keras.Model(images, {"reconstruction": out_images, "digit": out_digits})
encoder = keras.Model(images, thought_vectors)
augment = keras.Sequential([
    keras.layers.Reshape((28, 28, 1)),
    keras.layers.RandomTranslation(max_shift / 28, max_shift / 28, fill_mode="constant",
                                   interpolation="nearest"),
    keras.layers.RandomRotation(max_turn, fill_mode="constant"),
    keras.layers.Reshape((input_size,))])

###################################

#Set training hyperparameters here
max_epochs = round(600 * (900 / len(train_imgs)) ** 0.6)  # 600 at 900 images, fewer on more data
batch_size = min(225, len(train_imgs))  # 4 batches an epoch of 900 images
patience = 50  # epochs without a lower validation error

(fig, ax) = plt.subplots(num="Training progress")
[train_error_plot] = ax.plot([], [], color="red", label="train (moved images, dropout on)")
[val_error_plot] = ax.plot([], [], color="blue", label="validation")
ax.set_xlim(0, max_epochs)
ax.set_xlabel("epoch")
ax.set_yscale("log")
ax.set_ylim(0.001, 1)
ax.set_ylabel("Error")
ax.grid(True)
ax.set_title("Error progress")
ax.legend()
fig.tight_layout()
fig.show()

###################################

def training_pair(imgs, lbls):  # moved and turned images, rounded to 0/1, in and out
    moved = tf.round(augment(imgs, training=True))
    return (moved, {"reconstruction": moved, "digit": lbls})


train_data = (tf.data.Dataset.from_tensor_slices((train_imgs, train_lbls)).cache()
              .shuffle(len(train_imgs)).batch(batch_size, drop_remainder=True)
              .map(training_pair).repeat().prefetch(2))  # cache, prefetch: 13% faster here
val_data = tf.data.Dataset.from_tensor_slices(
    (val_imgs, {"reconstruction": val_imgs, "digit": val_lbls})).batch(len(val_imgs)).cache()
steps_per_epoch = len(train_imgs) // batch_size
schedule = keras.optimizers.schedules.CosineDecay(0.0, (max_epochs - 5) * steps_per_epoch,
                                                  warmup_target=learning_rate,
                                                  warmup_steps=5 * steps_per_epoch)
model.compile(optimizer=keras.optimizers.Adam(schedule),
              loss={"reconstruction": "binary_crossentropy",
                    "digit": "sparse_categorical_crossentropy"},
              loss_weights={"reconstruction": 1.0, "digit": classification_weight},
              metrics={"reconstruction": ["binary_crossentropy"]})  # the pixel error alone

train_errors, val_errors = [], []


def end_of_epoch(epoch, logs):
    train_errors.append(logs["reconstruction_binary_crossentropy"])
    val_errors.append(logs["val_reconstruction_binary_crossentropy"])
    if (epoch + 1) % 100 == 0 or epoch + 1 == max_epochs or model.stop_training:
        print(epoch + 1, f"{train_errors[-1]:.4f}", f"{val_errors[-1]:.4f}", sep="\t")
        train_error_plot.set_data(range(1, epoch + 2), train_errors)
        val_error_plot.set_data(range(1, epoch + 2), val_errors)
        plt.draw()
        fig.canvas.flush_events()


print("epoch", "train error", "validation error", sep="\t")
early_stopping = keras.callbacks.EarlyStopping(  # a guard; keeps the best epoch's weights
    "val_reconstruction_binary_crossentropy", mode="min", patience=patience,
    start_from_epoch=max_epochs // 2, restore_best_weights=True)
#Optimisation per epoch here: fit runs all epochs
model.fit(train_data, epochs=max_epochs, steps_per_epoch=steps_per_epoch, validation_data=val_data,
          callbacks=[early_stopping, keras.callbacks.LambdaCallback(on_epoch_end=end_of_epoch)],
          verbose=0)
model.set_weights(early_stopping.best_weights)  # Keras 2 restores only on an early stop
ax.axvline(early_stopping.best_epoch + 1, color="grey", linestyle="--", label="weights kept")
ax.legend()
print()

###################################

out_test = model.predict(test_imgs, verbose=0)
(out_imgs, out_lbls) = (out_test["reconstruction"], out_test["digit"].argmax(axis=1))
accuracy = np.sum(np.round(out_imgs) == test_imgs) / test_imgs.size
duration = timeit.default_timer() - start_time
num_params = model.count_params()
report = f"Accuracy: {accuracy:.2%}\nDuration: {duration / 60:.1f}min\nParams: {num_params}"
classification = np.mean(out_lbls == test_lbls)
report += f"\nClassification: {classification:.2%}"
print(report)

(fig, axs) = plt.subplots(4, 5, num="Generated images")
for digit in range(10):  # each digit's first test image over its output
    (row, col, first) = (2 * (digit // 5), digit % 5, np.flatnonzero(test_lbls == digit)[0])
    for (axis, image) in ((axs[row, col], test_imgs[first]), (axs[row + 1, col], out_imgs[first])):
        axis.set_axis_off()
        axis.imshow(image.reshape(28, 28), vmin=0.0, vmax=1.0, cmap="gray")
    axs[row + 1, col].set_title(out_lbls[first],
                                color="green" if out_lbls[first] == digit else "red")
axs[1, 4].text(1.1, 0.5, report, fontsize=10, va="center", transform=axs[1, 4].transAxes)
fig.tight_layout()
fig.show()

(fig, ax) = plt.subplots(num="Thought vectors")
points_2d = TSNE(n_components=2).fit_transform(encoder.predict(test_imgs, verbose=0))
for digit in range(10):
    ax.plot(*points_2d[test_lbls == digit].T, linestyle="", marker="o", markersize=5, label=digit)
ax.legend()
fig.tight_layout()
fig.show()

plt.show()
