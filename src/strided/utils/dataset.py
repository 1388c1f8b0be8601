"""`Dataset`: the part of `tf.data.Dataset` that Keras programs call, on NumPy arrays.

A dataset is a recipe that makes a fresh iterator of elements each time it is walked (one
walk = one epoch). Elements are arrays or tuples of arrays; each method returns a new
dataset, as tf.data's do:

    ds = Dataset.from_tensor_slices((x, y)).shuffle(100, seed=0).batch(32)
    ds = ds.map(lambda images, labels: (images / 255.0, labels)).cache().prefetch(AUTOTUNE)
    for images, labels in ds.take(1): ...
    model.fit(ds, epochs=3)

Arrays come out as `EagerArray`, a NumPy array with tf's `.numpy()` method, so the
`images[i].numpy().astype("uint8")` lines of tutorials run. `prefetch` and
`num_parallel_calls` are accepted and ignored (everything runs in the calling thread).
`fit`/`evaluate`/`predict` take a dataset as they take any iterable of batches; `len(ds)`
exists when the number of elements is known (the `Sized` subclass), as in tf.data.
"""

import itertools

import numpy as np

AUTOTUNE = -1
INFINITE = -1
UNKNOWN = -2


class EagerArray(np.ndarray):
    """A NumPy array that also answers tf's `.numpy()` (returning a plain ndarray)."""

    def numpy(self):
        return np.asarray(self)


def as_eager(value):
    """Every leaf of (nested tuples/lists/dicts of) arrays or Tensors as an `EagerArray`."""
    if isinstance(value, tuple):
        return tuple(as_eager(v) for v in value)
    if isinstance(value, list):
        return [as_eager(v) for v in value]
    if isinstance(value, dict):
        return {k: as_eager(v) for k, v in value.items()}
    if not isinstance(value, np.ndarray) and hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value).view(EagerArray)


def _stack(elements):
    first = elements[0]
    if isinstance(first, tuple):
        return tuple(_stack([e[i] for e in elements]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _stack([e[k] for e in elements]) for k in first}
    return np.stack([np.asarray(e) for e in elements]).view(EagerArray)


def _rows(batch):
    """The elements of a batched element, one per row."""
    if isinstance(batch, tuple):
        return zip(*[list(_rows(part)) for part in batch])
    if isinstance(batch, dict):
        keys = list(batch)
        return ({k: v for k, v in zip(keys, row)} for row in zip(*[list(_rows(batch[k])) for k in keys]))
    return (row for row in np.asarray(batch).view(EagerArray))


def _first_dim(structure):
    if isinstance(structure, (tuple, list)):
        return _first_dim(structure[0])
    if isinstance(structure, dict):
        return _first_dim(next(iter(structure.values())))
    return len(structure)


def _slice(structure, index):
    if isinstance(structure, (tuple, list)):
        return tuple(_slice(s, index) for s in structure)
    if isinstance(structure, dict):
        return {k: _slice(v, index) for k, v in structure.items()}
    return structure[index]


class Dataset:
    """A re-iterable pipeline of elements (tf.data.Dataset's commonly used methods).

    Build one with `Dataset.from_tensor_slices(...)` (or get one from
    `image_dataset_from_directory`), then chain `map`, `shuffle`, `batch`, `take`, ...
    """

    def __init__(self, make_iterator, cardinality=UNKNOWN):
        self._make_iterator = make_iterator
        self._cardinality = int(cardinality)

    @staticmethod
    def _new(make_iterator, cardinality, like=None):
        cls = SizedDataset if cardinality >= 0 else Dataset
        dataset = cls(make_iterator, cardinality)
        for attribute in ("class_names", "file_paths"):
            if like is not None and hasattr(like, attribute):
                setattr(dataset, attribute, getattr(like, attribute))
        return dataset

    # ------------------------------------------------------------------ sources
    @staticmethod
    def from_tensor_slices(tensors):
        """One element per row of `tensors` (an array, or a tuple/dict of same-length arrays)."""
        tensors = as_eager(tensors if isinstance(tensors, (tuple, dict)) else tensors)
        count = _first_dim(tensors)
        return Dataset._new(lambda: (_slice(tensors, i) for i in range(count)), count)

    @staticmethod
    def from_tensors(tensors):
        """A dataset of one element: `tensors` itself."""
        tensors = as_eager(tensors)
        return Dataset._new(lambda: iter([tensors]), 1)

    @staticmethod
    def range(*args):
        """Elements start, start + step, ... below stop (int64), as `tf.data.Dataset.range`."""
        values = np.arange(*args, dtype=np.int64)
        return Dataset._new(lambda: (np.asarray(v).view(EagerArray) for v in values), len(values))

    # ------------------------------------------------------------------ walking
    def __iter__(self):
        return iter(self._make_iterator())

    def as_numpy_iterator(self):
        """The elements with plain ndarrays."""
        def plain(value):
            if isinstance(value, tuple):
                return tuple(plain(v) for v in value)
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            return np.asarray(value)
        return (plain(element) for element in self)

    def cardinality(self):
        """The number of elements; -1 (INFINITE) or -2 (UNKNOWN) as tf.data."""
        return np.asarray(self._cardinality, dtype=np.int64).view(EagerArray)

    @property
    def element_spec(self):
        element = next(iter(self), None)
        return None if element is None else _spec_of(element)

    # ------------------------------------------------------------------ transforms
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Apply `map_func` to each element (a tuple element is passed as separate arguments)."""
        def run():
            for element in self:
                result = map_func(*element) if isinstance(element, tuple) else map_func(element)
                yield as_eager(result)
        return Dataset._new(run, self._cardinality, self)

    def filter(self, predicate, name=None):
        def run():
            for element in self:
                keep = predicate(*element) if isinstance(element, tuple) else predicate(element)
                if bool(np.asarray(keep)):
                    yield element
        return Dataset._new(run, UNKNOWN if self._cardinality != INFINITE else INFINITE, self)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None, name=None):
        """Stack `batch_size` consecutive elements into one (the last may be smaller)."""
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"Dataset.batch: batch_size must be a positive int. Received: batch_size={batch_size!r}")

        def run():
            iterator = iter(self)
            while True:
                chunk = list(itertools.islice(iterator, batch_size))
                if not chunk or (drop_remainder and len(chunk) < batch_size):
                    return
                yield _stack(chunk)
        count = self._cardinality
        if count >= 0:
            count = count // batch_size if drop_remainder else -(-count // batch_size)
        return Dataset._new(run, count, self)

    def unbatch(self, name=None):
        """Split each element along its first axis into rows (the inverse of `batch`)."""
        def run():
            for element in self:
                yield from _rows(element)
        return Dataset._new(run, UNKNOWN if self._cardinality != INFINITE else INFINITE, self)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True, name=None):
        """Shuffle through a buffer of `buffer_size` elements, as tf.data (a new order each epoch)."""
        if not isinstance(buffer_size, (int, np.integer)) or (buffer_size < 1 and buffer_size != AUTOTUNE):
            raise ValueError(f"Dataset.shuffle: buffer_size must be a positive int. Received: buffer_size={buffer_size!r}")
        from strided.utils.random import make_rng

        base = make_rng(seed)
        first_seed = int(base.integers(2**63 - 1))
        epochs = itertools.count()

        def run():
            epoch = next(epochs) if reshuffle_each_iteration else 0
            rng = np.random.default_rng([first_seed, epoch])
            buffer = []
            for element in self:
                buffer.append(element)
                if len(buffer) >= buffer_size:
                    index = int(rng.integers(len(buffer)))
                    buffer[index], buffer[-1] = buffer[-1], buffer[index]
                    yield buffer.pop()
            order = rng.permutation(len(buffer))
            for index in order:
                yield buffer[index]
        return Dataset._new(run, self._cardinality, self)

    def take(self, count, name=None):
        """The first `count` elements (all of them for count=-1)."""
        count = int(count)
        if count < 0:
            return self
        known = self._cardinality
        new = count if known == INFINITE else (min(count, known) if known >= 0 else UNKNOWN)
        return Dataset._new(lambda: itertools.islice(iter(self), count), new, self)

    def skip(self, count, name=None):
        count = int(count)
        known = self._cardinality
        new = max(known - count, 0) if known >= 0 else known
        return Dataset._new(lambda: itertools.islice(iter(self), count, None), new, self)

    def repeat(self, count=None, name=None):
        """Walk the dataset `count` times (forever for None or -1)."""
        forever = count is None or count == -1

        def run():
            for _ in itertools.count() if forever else range(int(count)):
                yield from self
        known = self._cardinality
        new = INFINITE if forever and known != 0 else (known * int(count) if known >= 0 else known)
        return Dataset._new(run, new, self)

    def cache(self, filename="", name=None):
        """Keep the elements in memory after the first complete walk (`filename` is ignored)."""
        store = {}

        def run():
            if "elements" in store:
                yield from store["elements"]
                return
            elements = []
            for element in self:
                elements.append(element)
                yield element
            store["elements"] = elements
        return Dataset._new(run, self._cardinality, self)

    def prefetch(self, buffer_size=None, name=None):
        """Accepted for compatibility; elements are produced on demand in the calling thread."""
        return self

    def enumerate(self, start=0, name=None):
        def run():
            for index, element in enumerate(self, start):
                yield np.asarray(index, dtype=np.int64).view(EagerArray), element
        return Dataset._new(run, self._cardinality, self)

    def concatenate(self, dataset, name=None):
        known = (self._cardinality + dataset._cardinality
                 if self._cardinality >= 0 and dataset._cardinality >= 0 else UNKNOWN)
        return Dataset._new(lambda: itertools.chain(iter(self), iter(dataset)), known, self)

    @staticmethod
    def zip(*datasets, name=None):
        if len(datasets) == 1 and isinstance(datasets[0], tuple):
            datasets = datasets[0]
        counts = [d._cardinality for d in datasets]
        known = min(counts) if all(c >= 0 for c in counts) else UNKNOWN
        return Dataset._new(lambda: zip(*[iter(d) for d in datasets]), known)

    def apply(self, transformation_func):
        return transformation_func(self)

    def __repr__(self):
        count = {INFINITE: "infinite", UNKNOWN: "unknown"}.get(self._cardinality, self._cardinality)
        return f"<{type(self).__name__} elements={count}>"


class SizedDataset(Dataset):
    """A `Dataset` whose number of elements is known: `len(ds)` works (fit uses it as the steps)."""

    def __len__(self):
        return self._cardinality


def _spec_of(element):
    if isinstance(element, tuple):
        return tuple(_spec_of(e) for e in element)
    if isinstance(element, dict):
        return {k: _spec_of(v) for k, v in element.items()}
    array = np.asarray(element)
    return (array.shape, array.dtype)


__all__ = ["AUTOTUNE", "Dataset", "SizedDataset", "EagerArray", "as_eager"]
