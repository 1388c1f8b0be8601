"""DataLoader: mini-batches of arrays, shuffled with a seed, optionally augmented on the fly."""

import math
import numbers

import numpy as np

from strided.utils.random import make_rng


class DataLoader:
    """Iterate over arrays in mini-batches, like PyTorch's DataLoader for in-memory NumPy data.

    Each pass (`for batch in loader`) is one epoch. With `shuffle=True` every epoch uses a new
    order drawn from a generator seeded once with `seed`, so a run is repeatable from start to end.

    Args:
        x: an array, or a tuple/list of arrays (several inputs), with samples on the first axis.
        y: labels (same length) or None.
        batch_size: samples per batch.
        shuffle: reshuffle at the start of every epoch.
        seed: seed of the shuffling and augmentation generator (None: follows strided.utils.set_random_seed).
        drop_last: skip the last batch if it is smaller than batch_size.
        augment: applied to each input batch: an `ImageDataGenerator` (its random transform plus
            rescale/standardisation are applied) or any callable `f(x_batch) -> x_batch`.
        sample_weight: per-sample weights (same length), yielded as a third item.

    Yields:
        (x_batch, y_batch), or x_batch when y is None, or (x_batch, y_batch, w_batch).
        Batches hold min(batch_size, remaining) samples; len(loader) = ceil(N / batch_size)
        (floor with drop_last).

    Example:
        >>> loader = DataLoader(np.zeros((100, 28, 28)), np.arange(100), batch_size=32, shuffle=True, seed=0)
        >>> len(loader), [len(xb) for xb, yb in loader]
        (4, [32, 32, 32, 4])
    """

    def __init__(
        self,
        x,
        y=None,
        batch_size=32,
        shuffle=False,
        seed=None,
        drop_last=False,
        augment=None,
        sample_weight=None,
    ):
        if (
            not isinstance(batch_size, numbers.Integral)
            or isinstance(batch_size, bool)
            or batch_size < 1
        ):
            raise ValueError(
                f"DataLoader: batch_size must be a positive int. Received: batch_size={batch_size!r}"
            )
        if (
            augment is not None
            and not callable(augment)
            and not hasattr(augment, "transform_batch")
        ):
            raise TypeError(
                f"DataLoader: augment must be callable or an ImageDataGenerator. Received: {augment!r}"
            )
        self.multi_input = isinstance(x, (tuple, list))
        if augment is not None and self.multi_input:
            raise ValueError(
                "DataLoader: augment works with a single input array, not a tuple of inputs."
            )
        self.x = [np.asarray(a) for a in x] if self.multi_input else [np.asarray(x)]
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        lengths = {f"x[{i}]" if self.multi_input else "x": len(a) for i, a in enumerate(self.x)}
        if self.y is not None:
            lengths["y"] = len(self.y)
        if self.sample_weight is not None:
            lengths["sample_weight"] = len(self.sample_weight)
        if len(set(lengths.values())) != 1:
            raise ValueError(
                f"DataLoader: all arrays need the same number of samples; received {lengths}."
            )
        self.num_samples = len(self.x[0])
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.augment = augment
        self.rng = make_rng(seed)

    def __len__(self):
        if self.drop_last:
            return self.num_samples // self.batch_size
        return math.ceil(self.num_samples / self.batch_size)

    def _augment(self, batch):
        if self.augment is None:
            return batch
        if hasattr(self.augment, "transform_batch"):
            return self.augment.transform_batch(batch, rng=self.rng)
        return self.augment(batch)

    def __iter__(self):
        order = (
            self.rng.permutation(self.num_samples) if self.shuffle else np.arange(self.num_samples)
        )
        for step in range(len(self)):
            index = order[step * self.batch_size : (step + 1) * self.batch_size]
            if self.multi_input:
                x_batch = tuple(a[index] for a in self.x)
            else:
                x_batch = self._augment(self.x[0][index])
            if self.y is None:
                yield x_batch
            elif self.sample_weight is None:
                yield x_batch, self.y[index]
            else:
                yield x_batch, self.y[index], self.sample_weight[index]

    def __repr__(self):
        return (
            f"DataLoader(samples={self.num_samples}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
            f"drop_last={self.drop_last}, batches={len(self)})"
        )


__all__ = ["DataLoader"]
