"""Turning what users pass to fit/evaluate/predict into batches (Keras' data adapters).

Two kinds of input, as in Keras:

* arrays — `x` an ndarray (or a list/dict of them, for several inputs), `y` and
  `sample_weight` alike: cut into batches of `batch_size`, reshuffled every epoch with
  strided's seeded generator (so `set_random_seed` makes runs repeat);
* a generator, iterator or dataset-like object yielding `(x, y)` or `(x, y, sample_weight)`
  batches (e.g. `ImageDataGenerator.flow(...)`, a PyTorch-style DataLoader): an epoch is
  `steps_per_epoch` batches, or `len(data)` when it has a length, or until it runs out.

`class_weight={class: weight}` becomes per-sample weights looked up from the labels.
"""

import math
import warnings

import numpy as np

from strided.autograd import Tensor
from strided.layers.keras_tensor import flatten, map_structure
from strided.utils.random import epoch_permutation, get_rng


def is_array_like(x):
    """True for ndarrays, Tensors, numbers, nested lists of numbers and lists/dicts of arrays."""
    if isinstance(x, (np.ndarray, Tensor, int, float, np.generic)):
        return True
    if isinstance(x, dict):
        return all(is_array_like(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        return all(is_array_like(v) for v in x)
    return False


def to_arrays(structure):
    """The same nesting with every leaf an ndarray (a list of numbers becomes one array)."""
    if isinstance(structure, (list, tuple)) and structure and not any(
        isinstance(v, (np.ndarray, Tensor, list, tuple, dict)) for v in structure
    ):
        return np.asarray(structure)
    if isinstance(structure, (list, tuple)) and structure and all(
        isinstance(v, (list, tuple)) and not any(isinstance(w, (np.ndarray, Tensor, dict)) for w in flatten(v))
        for v in structure
    ):
        return np.asarray(structure)  # nested lists of numbers: one array
    return map_structure(lambda v: v.data if isinstance(v, Tensor) else np.asarray(v), structure)


def unpack_batch(batch):
    """(x, y, sample_weight) from a batch that is `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`."""
    if isinstance(batch, tuple):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch
        raise ValueError(
            f"Data batches must be x, (x,), (x, y) or (x, y, sample_weight); received a tuple of {len(batch)} items."
        )
    if isinstance(batch, list) and len(batch) in (2, 3) and all(hasattr(b, "shape") for b in batch):
        return unpack_batch(tuple(batch))  # DataLoader-style [x, y]
    return batch, None, None


def rows_of(structure, start, stop):
    """Rows start:stop of every array of a (nested) x, y or sample_weight."""
    return map_structure(lambda array: array[start:stop], structure)


def class_weight_to_sample_weight(y, class_weight):
    """Per-sample weights `class_weight[label]` (labels as ints, (N, 1) or one-hot)."""
    if not isinstance(class_weight, dict):
        raise ValueError(f"`class_weight` must be a dict {{class_index: weight}}. Received: {class_weight!r}")
    if y is None or isinstance(y, (list, dict)):
        raise ValueError("`class_weight` is only supported for a model with a single output and integer or one-hot labels.")
    labels = np.asarray(getattr(y, "data", y))
    if labels.ndim == 2 and labels.shape[1] > 1:
        labels = labels.argmax(axis=1)
    labels = labels.reshape(len(labels), -1)[:, 0] if labels.ndim > 1 else labels
    labels = labels.astype(np.int64)
    top = max(int(labels.max(initial=0)), max(class_weight)) + 1
    table = np.ones(top, dtype=np.float32)
    for cls, weight in class_weight.items():
        table[int(cls)] = weight
    return table[labels]


class ArrayAdapter:
    """Batches of in-memory arrays."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                 class_weight=None):
        self.x = to_arrays(x)
        self.y = None if y is None else to_arrays(y)
        self.sample_weight = None if sample_weight is None else np.asarray(getattr(sample_weight, "data", sample_weight))
        if class_weight is not None:
            weights = class_weight_to_sample_weight(self.y, class_weight)
            self.sample_weight = weights if self.sample_weight is None else self.sample_weight * weights
        sizes = {}
        for label, value in (("x", self.x), ("y", self.y), ("sample_weight", self.sample_weight)):
            if value is not None:
                sizes[label] = [len(a) if np.ndim(a) else 1 for a in flatten(value)]
        distinct = {n for ns in sizes.values() for n in ns}
        if len(distinct) > 1:
            detail = ", ".join(f"{k} sizes: {', '.join(str(n) for n in v)}" for k, v in sizes.items())
            raise ValueError(
                f"Data cardinality is ambiguous: {detail}. Make sure all arrays contain the same "
                "number of samples."
            )
        self.num_samples = distinct.pop() if distinct else 0
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
            raise ValueError(f"`batch_size` must be a positive int. Received: batch_size={batch_size!r}")
        self.batch_size = int(batch_size or 32)
        full_steps = math.ceil(self.num_samples / self.batch_size)
        self.steps = full_steps if steps is None else int(steps)
        self.shuffle = shuffle

    def batches(self):
        """One epoch of (x, y, sample_weight) batches."""
        for index in self.epoch_plan():
            yield self.take(index)

    def epoch_plan(self, seed=None, epoch=0):
        """The rows of each of the epoch's batches (a slice or an index array), shuffled now:
        in an order keyed by (seed, epoch) when `seed` is given (the same order whenever asked:
        fit's, see `models.epoch_steps`), else drawn from strided's shared generator."""
        n, size = self.num_samples, self.batch_size
        order = None

        def permutation(count):
            if seed is None:
                return get_rng().permutation(count)
            return epoch_permutation(seed, epoch, count)

        if self.shuffle == "batch":
            starts = permutation(math.ceil(n / size)) * size
        elif self.shuffle:
            order = permutation(n)
            starts = range(0, n, size)
        else:
            starts = range(0, n, size)
        starts = list(starts)[: self.steps]
        return [order[start:start + size] if order is not None else slice(start, start + size)
                for start in starts]

    def batch_length(self, index):
        """How many rows the batch `index` (from `epoch_plan`) has."""
        return len(range(self.num_samples)[index]) if isinstance(index, slice) else len(index)

    def take(self, index):
        """The batch (x, y, sample_weight) of the rows `index` (from `epoch_plan`)."""
        return tuple(None if part is None else map_structure(lambda array: array[index], part)
                     for part in (self.x, self.y, self.sample_weight))

    def first_x(self):
        return self.x


class GeneratorAdapter:
    """Batches drawn from a generator, iterator, DataLoader-like iterable or indexable dataset."""

    def __init__(self, data, steps=None, class_weight=None):
        self.data = data
        self.class_weight = class_weight
        self.indexable = hasattr(data, "__getitem__") and hasattr(data, "__len__")
        length = len(data) if hasattr(data, "__len__") else None
        self.steps = int(steps) if steps is not None else length
        self.exhausted = False
        self._iterator = None
        self._peeked = None

    def _draw(self):
        if self.indexable:
            for index in range(self.steps):
                yield self.data[index % len(self.data)]
            if hasattr(self.data, "on_epoch_end"):
                self.data.on_epoch_end()
            return
        if self._iterator is None or iter(self.data) is not self.data:
            self._iterator = iter(self.data)
        count = 0
        while self.steps is None or count < self.steps:
            if self._peeked is not None:
                item, self._peeked = self._peeked, None
            else:
                try:
                    item = next(self._iterator)
                except StopIteration:
                    if self.steps is not None:
                        self.exhausted = True
                        warnings.warn(
                            "Your input ran out of data; interrupting training. Make sure the "
                            f"generator can produce at least steps_per_epoch * epochs batches "
                            f"({self.steps} per epoch here).", stacklevel=3)
                    elif count == 0:
                        self.exhausted = True
                    return
            count += 1
            yield item

    def batches(self):
        for item in self._draw():
            x, y, sample_weight = unpack_batch(item)
            x = to_arrays(x)
            y = None if y is None else to_arrays(y)
            if sample_weight is not None:
                sample_weight = np.asarray(getattr(sample_weight, "data", sample_weight))
            if self.class_weight is not None:
                weights = class_weight_to_sample_weight(y, self.class_weight)
                sample_weight = weights if sample_weight is None else sample_weight * weights
            yield x, y, sample_weight

    def first_x(self):
        """The x of the first batch, without consuming it (for shape checks)."""
        if self.indexable:
            return to_arrays(unpack_batch(self.data[0])[0]) if len(self.data) else None
        if iter(self.data) is self.data:  # a one-shot iterator: keep the batch for later
            if self._peeked is None:
                try:
                    self._peeked = next(self.data)
                except StopIteration:
                    return None
                self._iterator = self.data
            return to_arrays(unpack_batch(self._peeked)[0])
        return None


def make_adapter(x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                 class_weight=None, method="fit"):
    """An adapter for arrays or for a generator/dataset, with Keras' argument checks."""
    if x is None:
        raise ValueError(f"{method}() needs input data `x`. Received: x=None")
    if is_array_like(x):
        adapter = ArrayAdapter(x, y, sample_weight, batch_size, steps, shuffle, class_weight)
        if adapter.num_samples == 0:
            shapes = ", ".join(str(np.shape(a)) for a in flatten(adapter.x))
            raise ValueError(
                f"{method}(): the input data is empty: x has 0 samples (shape {shapes}). "
                "Expected at least one sample."
            )
        return adapter
    if isinstance(x, str) or not (hasattr(x, "__iter__") or hasattr(x, "__getitem__")):
        raise TypeError(
            f"{method}(): unrecognized data type x={x!r:.80} (of type {type(x).__name__}). Expected "
            "a NumPy array, a list/dict of arrays, or a generator/iterator/dataset of batches."
        )
    if y is not None:
        raise ValueError(
            f"{method}(): the `y` argument is not supported when `x` is a generator or dataset "
            "(it must yield (x, y) batches itself)."
        )
    if sample_weight is not None:
        raise ValueError(
            f"{method}(): `sample_weight` is not supported when `x` is a generator or dataset; "
            "yield (x, y, sample_weight) batches instead."
        )
    if batch_size is not None:
        warnings.warn(f"{method}(): `batch_size` is ignored when `x` is a generator or dataset.", stacklevel=3)
    return GeneratorAdapter(x, steps=steps, class_weight=class_weight)


def split_for_validation(x, y, sample_weight, validation_split):
    """Keras' `validation_split`: the LAST fraction of the arrays, taken before shuffling."""
    if not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1. Received: {validation_split}")
    if not is_array_like(x):
        raise ValueError(
            "`validation_split` is only supported for arrays, not generators or datasets; pass "
            "validation_data= instead."
        )
    x = to_arrays(x)
    y = None if y is None else to_arrays(y)
    n = len(flatten(x)[0])
    cut = int(n * (1.0 - validation_split))
    if cut == 0 or cut == n:
        raise ValueError(
            f"validation_split={validation_split} leaves no samples for "
            f"{'training' if cut == 0 else 'validation'} ({n} samples in total)."
        )

    def head(a):
        return a[:cut]

    def tail(a):
        return a[cut:]

    sw = None if sample_weight is None else np.asarray(sample_weight)
    train = (map_structure(head, x), None if y is None else map_structure(head, y), None if sw is None else sw[:cut])
    val = (map_structure(tail, x), None if y is None else map_structure(tail, y), None if sw is None else sw[cut:])
    return train, val


__all__ = ["make_adapter", "ArrayAdapter", "GeneratorAdapter", "split_for_validation",
           "unpack_batch", "class_weight_to_sample_weight", "is_array_like"]
