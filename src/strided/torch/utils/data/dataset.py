"""Datasets: PyTorch's `Dataset`, `IterableDataset`, `TensorDataset`, `Subset`, `ConcatDataset`, `random_split`.

A map-style dataset answers `len(ds)` and `ds[i]`; an iterable one only `iter(ds)`. The
DataLoader reads either kind. `random_split` and `Subset` select items by index without copying.
"""

import bisect
import math
import numbers
import warnings

from strided.torch.utils.data._random import permutation


class Dataset:
    """Base class of map-style datasets: subclasses define `__getitem__` (and `__len__`).

    Example:
        >>> class Squares(Dataset):
        ...     def __len__(self):
        ...         return 4
        ...     def __getitem__(self, i):
        ...         return i * i
        >>> [Squares()[i] for i in range(4)]
        [0, 1, 4, 9]
    """

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Base class of datasets read as a stream: subclasses define `__iter__`."""

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Items are tuples `(tensors[0][i], tensors[1][i], ...)` of tensors sharing their first dimension.

    Example:
        >>> import strided.torch as torch
        >>> ds = TensorDataset(torch.arange(6).reshape(3, 2), torch.tensor([0, 1, 0]))
        >>> len(ds), ds[1][1].item()
        (3, 1)
    """

    def __init__(self, *tensors):
        sizes = [tensor.size(0) for tensor in tensors]
        if len(set(sizes)) > 1:
            raise ValueError(
                f"TensorDataset: size mismatch between tensors: their first dimensions are {sizes}; "
                "every tensor needs one entry per sample."
            )
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self):
        return self.tensors[0].size(0) if self.tensors else 0


class StackDataset(Dataset):
    """Items of several datasets of equal length side by side, as a tuple (positional) or dict (keywords)."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("StackDataset: pass datasets either as positional or as keyword arguments, not both.")
        self.datasets = args or kwargs
        lengths = {len(d) for d in (args or kwargs.values())}
        if len(lengths) != 1:
            raise ValueError(f"StackDataset: size mismatch between datasets: lengths {sorted(lengths)}.")
        self._length = lengths.pop()

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {key: dataset[index] for key, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)

    def __len__(self):
        return self._length


class ConcatDataset(Dataset):
    """Several map-style datasets read one after the other.

    Example:
        >>> ds = ConcatDataset([[1, 2], [3]])
        >>> len(ds), ds[2], ds[-1]
        (3, 3, 3)
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable.")
        for dataset in self.datasets:
            if isinstance(dataset, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset; use ChainDataset.")
        self.cumulative_sizes = []
        total = 0
        for dataset in self.datasets:
            total += len(dataset)
            self.cumulative_sizes.append(total)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index = len(self) + index
        which = bisect.bisect_right(self.cumulative_sizes, index)
        if which >= len(self.datasets):
            raise IndexError(f"ConcatDataset: index {index} is out of range for {len(self)} items.")
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


class ChainDataset(IterableDataset):
    """Several iterable datasets read one after the other."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for dataset in self.datasets:
            if not isinstance(dataset, IterableDataset):
                raise TypeError("ChainDataset only supports IterableDataset")
            yield from dataset

    def __len__(self):
        return sum(len(dataset) for dataset in self.datasets)


class Subset(Dataset):
    """The items of `dataset` at `indices`, in that order (no copy).

    Example:
        >>> Subset(["a", "b", "c", "d"], [3, 0])[0]
        'd'
    """

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices):
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)


def _lengths_from_fractions(fractions, total):
    """floor(total * f) for each fraction, the remainder added one by one from the first (PyTorch's rule)."""
    lengths = [int(math.floor(total * f)) for f in fractions]
    for i in range(total - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, length in enumerate(lengths):
        if length == 0:
            warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.", stacklevel=3)
    return lengths


def random_split(dataset, lengths, generator=None):
    """Split a dataset into non-overlapping random Subsets of the given lengths or fractions.

    Args:
        dataset: a map-style dataset.
        lengths: ints summing to len(dataset), or fractions summing to 1 (rounded down, the
            remainder given one by one to the first splits, as PyTorch does).
        generator: a `torch.Generator` (default: the default generator, `torch.manual_seed`).

    Example:
        >>> import strided.torch as torch
        >>> train, val = random_split(range(10), [0.8, 0.2], generator=torch.Generator().manual_seed(0))
        >>> len(train), len(val), sorted(list(train) + list(val)) == list(range(10))
        (8, 2, True)
    """
    lengths = list(lengths)
    total = len(dataset)
    if any(not isinstance(x, numbers.Real) or isinstance(x, bool) for x in lengths):
        raise TypeError(f"random_split: lengths must be numbers, got {lengths}.")
    if lengths and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:  # PyTorch's test for fractions
        if any(not 0 <= x <= 1 for x in lengths):
            raise ValueError(f"random_split: fraction at index {[not 0 <= x <= 1 for x in lengths].index(True)} "
                             f"is not between 0 and 1: {lengths}.")
        lengths = _lengths_from_fractions(lengths, total)
    if any(not isinstance(x, numbers.Integral) or x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative ints or fractions summing to 1, got {lengths}.")
    if sum(lengths) != total:
        raise ValueError(
            f"random_split: sum of input lengths ({sum(lengths)}) does not equal the length of the input dataset ({total})!"
        )
    if generator is None:
        import strided.torch

        generator = strided.torch.default_generator
    indices = permutation(total, generator)
    subsets, offset = [], 0
    for length in lengths:
        subsets.append(Subset(dataset, indices[offset : offset + length]))
        offset += length
    return subsets


__all__ = [
    "ChainDataset",
    "ConcatDataset",
    "Dataset",
    "IterableDataset",
    "StackDataset",
    "Subset",
    "TensorDataset",
    "random_split",
]
