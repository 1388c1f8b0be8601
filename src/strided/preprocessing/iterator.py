"""NumpyArrayIterator: what `ImageDataGenerator.flow` returns -- endless augmented batches."""

import math

import numpy as np

from strided.utils.random import make_rng


class NumpyArrayIterator:
    """Endless (x_batch, y_batch) batches of augmented images, reshuffled every epoch.

    Behaves like Keras' iterator: `next(it)` gives the next batch (a new epoch starts after
    `len(it)` batches), `it[i]` gives batch i of the current order (the Sequence interface), and
    `len(it)` is the number of batches per epoch, so `model.fit(it, epochs=...)` knows the
    steps per epoch. Images are converted to float one batch at a time (x may stay uint8).

    Args:
        x: images (N, H, W, C) (or (N, C, H, W) with a channels_first generator).
        y: labels with N rows, or None (then batches are x only).
        image_data_generator: the ImageDataGenerator that augments and standardizes.
        batch_size, shuffle, seed: batching; `seed` makes the order and augmentations repeatable.
        sample_weight: optional per-sample weights, yielded third.
        subset: None, "training" or "validation" (uses the generator's validation_split).
    """

    def __init__(
        self,
        x,
        y,
        image_data_generator,
        batch_size=32,
        shuffle=False,
        sample_weight=None,
        seed=None,
        subset=None,
    ):
        x = np.asarray(x)
        if x.ndim != 4:
            hint = (
                " Add a channel axis with x[..., None] (e.g. (60000, 28, 28) -> (60000, 28, 28, 1))."
                if x.ndim == 3
                else ""
            )
            raise ValueError(
                f"ImageDataGenerator.flow: expected images of rank 4 (samples, height, width, channels), "
                f"received shape {x.shape}.{hint}"
            )
        if y is not None and len(y) != len(x):
            raise ValueError(
                f"ImageDataGenerator.flow: x and y must have the same length; "
                f"received x: {x.shape}, y: {np.shape(y)}."
            )
        if sample_weight is not None and len(sample_weight) != len(x):
            raise ValueError(
                f"ImageDataGenerator.flow: sample_weight has {len(sample_weight)} entries for {len(x)} images."
            )
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(
                f"ImageDataGenerator.flow: batch_size must be a positive int. Received: {batch_size!r}"
            )
        if subset not in (None, "training", "validation"):
            raise ValueError(
                f"ImageDataGenerator.flow: subset must be None, 'training' or 'validation'. Received: {subset!r}"
            )
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        if subset is not None:
            split = int(len(x) * image_data_generator.validation_split)
            part = slice(None, split) if subset == "validation" else slice(split, None)
            x = x[part]
            self.y = None if self.y is None else self.y[part]
            self.sample_weight = None if self.sample_weight is None else self.sample_weight[part]
        self.x = x
        self.n = len(x)
        self.image_data_generator = image_data_generator
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.rng = make_rng(seed)
        self.batch_index = 0
        self.total_batches_seen = 0
        self.index_array = None

    def __len__(self):
        return math.ceil(self.n / self.batch_size)

    def on_epoch_end(self):
        """Draw a new order (called automatically when an epoch's batches are used up)."""
        self.index_array = self.rng.permutation(self.n) if self.shuffle else np.arange(self.n)
        self.batch_index = 0

    def _batch(self, index):
        x = self.image_data_generator.transform_batch(self.x[index], rng=self.rng)
        out = (x,) + tuple(a[index] for a in (self.y, self.sample_weight) if a is not None)
        return out[0] if len(out) == 1 else out

    def __getitem__(self, i):
        if not 0 <= i < len(self):
            raise IndexError(
                f"Asked to retrieve batch {i}, but the iterator has {len(self)} batches."
            )
        if self.index_array is None:
            self.on_epoch_end()
        return self._batch(self.index_array[i * self.batch_size : (i + 1) * self.batch_size])

    def __iter__(self):
        return self

    def __next__(self):
        if self.index_array is None or self.batch_index >= len(self):
            self.on_epoch_end()
        i = self.batch_index
        self.batch_index += 1
        self.total_batches_seen += 1
        return self._batch(self.index_array[i * self.batch_size : (i + 1) * self.batch_size])

    def __repr__(self):
        return f"NumpyArrayIterator(samples={self.n}, batch_size={self.batch_size}, batches_per_epoch={len(self)})"


__all__ = ["NumpyArrayIterator"]
