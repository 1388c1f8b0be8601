"""A seeded float64 fit/evaluate/predict, run alone or under `mpiexec -n N` (tests/distributed).

    python fit_same_answer.py OUT_DIR            # the one-process reference
    mpiexec -n 3 python fit_same_answer.py OUT_DIR

The model has Dropout and BatchNormalization, the data an uneven last batch (50 samples at
batch 64: 64, 36), validation data, ModelCheckpoint and CSVLogger (rank 0 writes them)
and the progress bar (rank 0 prints it). A second model trains on a Python generator of
batches (rank 0 draws it); another has layer and group norm, depthwise, separable, transposed
and 3-D convolutions and a layer whose weights are broadcast by generic ops (their gradients summed by the ops
themselves); another keeps a batch norm on its moving statistics (training=False) after a
convolution that trains; a third has two inputs (a dict) and two outputs with their own
losses, loss weights, metrics and sample weights. Each rank saves what it got in
OUT_DIR/rank<r>.npz.
"""

import os
import sys

import numpy as np

import strided
from strided import callbacks, distributed, layers, ops
from strided.models import Sequential
from strided.utils import set_random_seed


def model():
    return Sequential([
        layers.Input((6, 6, 2)),
        layers.Conv2D(4, 3, activation="relu"),
        layers.BatchNormalization(),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(8, activation="relu", kernel_regularizer="l2"),
        layers.Dense(3, activation="softmax"),
    ])


class ScaleShift(layers.Layer):
    """x * scale + shift by broadcasting ops (`ops.multiply`, `ops.add`): the weights'
    gradients are the ops' own sums over the batch (`ops._base.unbroadcast`)."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")
        self.shift = self.add_weight(shape=(1, 1, input_shape[-1]), initializer="zeros", name="shift")
        self.built = True

    def call(self, x):
        return ops.add(ops.multiply(x, self.scale), self.shift)


def more_layers():
    return Sequential([layers.Input((6, 6, 2)), layers.Conv2D(4, 3, activation="relu"), ScaleShift(),
                       layers.LayerNormalization(), layers.GroupNormalization(2),
                       layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2),
                       layers.SeparableConv2D(4, 3, padding="same", activation="relu"),
                       layers.Conv2DTranspose(3, 3, strides=2, padding="same"),
                       layers.Reshape((8, 8, 3, 1)), layers.Conv3D(2, 3, padding="same", activation="relu"),
                       layers.Conv3DTranspose(1, 3, padding="same"),
                       layers.Flatten(), layers.Dense(3, activation="softmax")])


def frozen_statistics():
    """Transfer learning's batch norm: kept on its moving statistics (training=False) after a
    convolution that trains."""
    inputs = layers.Input((6, 6, 2))
    x = layers.Conv2D(4, 3)(inputs)
    x = layers.BatchNormalization()(x, training=False)
    x = layers.ReLU()(x)
    x = layers.GlobalAveragePooling2D()(x)
    return strided.models.Model(inputs, layers.Dense(3, activation="softmax")(x))


def two_outputs():
    a, b = layers.Input((5,), name="a"), layers.Input((3,), name="b")
    hidden = layers.Dense(8, activation="relu")(layers.Concatenate()([a, b]))
    return strided.models.Model([a, b], [layers.Dense(3, activation="softmax", name="classes")(hidden),
                                         layers.Dense(2, name="values")(hidden)])


def data(n=100):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, n)
    x = rng.normal(size=(n, 6, 6, 2))
    x[:, 1:3, 1:3, 0] += y[:, None, None]  # learnable
    return x, y


def batches(x, y, size):
    """A generator of (x, y) batches (one pass)."""
    for start in range(0, len(x), size):
        yield x[start:start + size], y[start:start + size]


def main(out_dir):
    strided.set_floatx("float64")
    rank = distributed.rank()
    x, y = data()
    set_random_seed(1)
    net = model()
    net.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    writers = [callbacks.ModelCheckpoint(os.path.join(out_dir, "best.weights.h5"), save_weights_only=True,
                                         save_best_only=True, monitor="val_loss"),
               callbacks.CSVLogger(os.path.join(out_dir, "log.csv"), append=True)]  # a second writer would add rows
    threads = []  # the kernels' thread count during fit (the cores shared among the ranks)
    writers.append(callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: threads.append(strided.get_num_threads())))
    history = net.fit(x, y, batch_size=64, epochs=3, validation_data=(x[:20], y[:20]),
                      callbacks=writers, verbose=2)
    with open(os.path.join(out_dir, f"threads{rank}.txt"), "w") as handle:
        handle.write(f"{threads[0]} {strided.get_num_threads()} {len(os.sched_getaffinity(0))}")
    evaluated = net.evaluate(x, y, batch_size=64, verbose=0)
    predicted = net.predict(x, batch_size=64, verbose=0)

    set_random_seed(2)
    streamed = model()
    streamed.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    streamed.fit(batches(x, y, 24), epochs=1, steps_per_epoch=5, verbose=0)

    set_random_seed(4)
    broadcast = more_layers()
    broadcast.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    broadcast.fit(x, y, batch_size=64, epochs=2, verbose=0)

    set_random_seed(5)
    frozen = frozen_statistics()
    frozen.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    frozen.fit(x, y, batch_size=64, epochs=2, verbose=0)
    frozen_predicted = frozen.predict(x, batch_size=64, verbose=0)

    set_random_seed(3)
    rng = np.random.default_rng(3)
    inputs = {"a": rng.normal(size=(90, 5)), "b": rng.normal(size=(90, 3))}
    labels, targets, weights = rng.integers(0, 3, 90), rng.normal(size=(90, 2)), rng.random(90)
    branched = two_outputs()
    branched.compile("adam", ["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5],
                     metrics=[["accuracy"], ["mae"]])
    branched_history = branched.fit(inputs, [labels, targets], sample_weight=weights, batch_size=40,
                                    epochs=2, verbose=0)
    branched_evaluated = branched.evaluate(inputs, [labels, targets], batch_size=40, verbose=0)
    branched_predicted = branched.predict(inputs, batch_size=40, verbose=0)

    arrays = {f"weight{i}": w for i, w in enumerate(net.get_weights())}
    arrays.update({f"branched{i}": w for i, w in enumerate(branched.get_weights() + branched_predicted)})
    arrays.update({f"branched_history_{k}": np.array(v) for k, v in branched_history.history.items()})
    arrays["branched_evaluated"] = np.array(branched_evaluated)
    arrays.update({f"streamed{i}": w for i, w in enumerate(streamed.get_weights())})
    arrays.update({f"broadcast{i}": w for i, w in enumerate(broadcast.get_weights())})
    arrays.update({f"frozen{i}": w for i, w in enumerate(frozen.get_weights() + [frozen_predicted])})
    arrays.update({f"history_{k}": np.array(v) for k, v in history.history.items()})
    np.savez(os.path.join(out_dir, f"rank{rank}.npz"), evaluated=np.array(evaluated),
             predicted=predicted, **arrays)


if __name__ == "__main__":
    main(sys.argv[1])
