"""Seeded fits that must end with one process's bits under `mpiexec -n N` (tests/distributed).

    python fit_same_bits.py OUT_DIR            # the one-process reference
    mpiexec -n 2 python fit_same_bits.py OUT_DIR

- "float32" and "float64": Conv2D, BatchNormalization, MaxPooling2D, Dropout, an L2 regularizer
  and Dense, 200 samples at batch 44 (the last batch 24 rows), two epochs;
- "clipnorm": SGD with global_clipnorm (it must see the whole batch's summed gradients), with
  dropout and batch norm, in float64, and a last batch of one row (trained whole on each rank);
- "spare": a weight the loss never reaches, under AdamW (no gradient: left alone, not decayed);
- "checkpoint": ModelCheckpoint(save_freq=3) to a .keras file in the middle of the epochs,
  written by rank 0, which loads it back;
- "predicted": predict() of a two-output model on 101 rows at batch 40.

Each rank saves what it got in OUT_DIR/rank<r>.npz (rank 0 alone: the checkpoint's weights).
"""

import os
import sys

import numpy as np

import strided
from strided import callbacks, distributed, layers
from strided.models import Model, Sequential, load_model
from strided.utils import set_random_seed


class Spare(layers.Layer):
    """A layer with a weight the loss never reaches (no gradient for it)."""

    def build(self, input_shape):
        self.spare = self.add_weight(shape=(3,), initializer="ones", name="spare")

    def call(self, inputs):
        return inputs


def images(n, shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.normal(size=(n, *shape)).astype(dtype)
    x[:, 2:5, 2:5, 0] += y[:, None, None]  # learnable
    return x, y


def convnet(shape):
    return Sequential([
        layers.Input(shape),
        layers.Conv2D(6, 3, activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(12, activation="relu", kernel_regularizer="l2"),
        layers.Dense(3, activation="softmax"),
    ])


def seeded_fit(dtype):
    strided.set_floatx(dtype)
    try:
        x, y = images(200, (10, 10, 2), dtype)
        set_random_seed(1)
        model = convnet((10, 10, 2))
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=44, epochs=2, verbose=0)
        return model.get_weights()
    finally:
        strided.set_floatx("float32")


def clipped_fit():
    strided.set_floatx("float64")
    try:
        x, y = images(32 * 4 + 1, (8, 8, 1), "float64")
        set_random_seed(2)
        model = convnet((8, 8, 1))
        model.compile(optimizer=strided.optimizers.SGD(0.5, global_clipnorm=0.01),
                      loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)
        return model.get_weights()
    finally:
        strided.set_floatx("float32")


def spare_fit():
    x, y = images(32 * 4, (8, 8, 1), "float32")
    set_random_seed(3)
    model = Sequential([layers.Input((8, 8, 1)), layers.Flatten(), Spare(), layers.Dense(3, activation="softmax")])
    # AdamW: a zero gradient would still decay the weight; no gradient leaves it alone
    model.compile(optimizer=strided.optimizers.AdamW(weight_decay=0.1), loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    return model.get_weights()


def checkpointed_fit(out_dir):
    """(the final weights, the checkpoint's weights on rank 0, else [])."""
    x, y = images(32 * 6, (8, 8, 1), "float32")
    set_random_seed(4)
    model = Sequential([layers.Input((8, 8, 1)), layers.Flatten(), layers.Dense(8, activation="relu"),
                        layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    path = os.path.join(out_dir, "ckpt.keras")
    model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0,
              callbacks=[callbacks.ModelCheckpoint(path, save_freq=3)])  # after steps 3 and 6 (the last)
    saved = load_model(path).get_weights() if distributed.rank() == 0 else []
    return model.get_weights(), saved


def predicted():
    x, _ = images(101, (10, 10, 1), "float32")
    set_random_seed(5)
    inputs = layers.Input((10, 10, 1))
    features = layers.Flatten()(layers.MaxPooling2D(2)(layers.Conv2D(4, 3, activation="relu")(inputs)))
    model = Model(inputs, [layers.Dense(3, activation="softmax")(features), layers.Dense(2)(features)])
    return model.predict(x, batch_size=40, verbose=0)


def main(out_dir):
    rank = distributed.rank()
    arrays = {}
    for dtype in ("float32", "float64"):
        arrays.update({f"{dtype}_{i}": w for i, w in enumerate(seeded_fit(dtype))})
    arrays.update({f"clipnorm_{i}": w for i, w in enumerate(clipped_fit())})
    arrays.update({f"spare_{i}": w for i, w in enumerate(spare_fit())})
    final, saved = checkpointed_fit(out_dir)
    arrays.update({f"checkpointed_{i}": w for i, w in enumerate(final)})
    arrays.update({f"checkpoint_{i}": w for i, w in enumerate(saved)})
    arrays.update({f"predicted_{i}": w for i, w in enumerate(predicted())})
    np.savez(os.path.join(out_dir, f"rank{rank}.npz"), **arrays)


if __name__ == "__main__":
    main(sys.argv[1])
