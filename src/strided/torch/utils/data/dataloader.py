"""`DataLoader`: batches of a dataset, in PyTorch's order, with PyTorch's arguments.

    loader = DataLoader(dataset, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0))
    for images, labels in loader: ...

How a batch is made (as in PyTorch): a sampler yields indices (SequentialSampler, or
RandomSampler when shuffle=True), a BatchSampler groups them, the dataset is read at those
indices (`dataset.__getitems__(indices)` when defined, else one `dataset[i]` each), and
`collate_fn` (default_collate) stacks the samples (a TensorDataset's batch, collated by
default, is read with one gather per tensor: the same batch, without a tensor per sample).
`batch_size=None` turns batching off: each sample passes through `default_convert` alone.

Loading runs in the calling process: `num_workers`, `pin_memory`, `persistent_workers`,
`prefetch_factor`, `timeout` and `multiprocessing_context` are accepted (and checked as PyTorch
checks them) but start no processes, so `worker_init_fn` is not called and
`get_worker_info()` returns None; batches are exactly those of `num_workers=0`.
"""

import numbers

import numpy as np

from strided.torch._tensor import Tensor, wrap_array
from strided.torch.utils.data._collate import default_collate, default_convert
from strided.torch.utils.data.dataset import IterableDataset, TensorDataset
from strided.torch.utils.data.sampler import BatchSampler, RandomSampler, SequentialSampler


def get_worker_info():
    """None: strided loads data in the main process (PyTorch returns None there too)."""
    return None


def _check_options(dataset, batch_size, shuffle, sampler, batch_sampler, drop_last, num_workers,
                   timeout, prefetch_factor, persistent_workers):
    """PyTorch's argument checks, with its messages."""
    if not isinstance(num_workers, numbers.Integral) or num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError(
            "prefetch_factor option could only be specified in multiprocessing."
            "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
        )
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    if isinstance(dataset, IterableDataset):
        for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
            if value is not None and value is not False:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified {name} option, but got {name}={value}"
                )
    if sampler is not None and shuffle:
        raise ValueError("sampler option is mutually exclusive with shuffle")
    if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
        raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last")
    if batch_size is None and drop_last:
        raise ValueError(
            "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"
        )


class DataLoader:
    """Iterate over a dataset in batches.

    Args:
        dataset: a map-style Dataset (`len` and `[i]`) or an IterableDataset.
        batch_size: samples per batch (None: no batching, samples one by one).
        shuffle: a new random order every epoch (a RandomSampler).
        sampler: an iterable of indices (excludes shuffle).
        batch_sampler: an iterable of index lists (excludes batch_size, shuffle, sampler, drop_last).
        num_workers, pin_memory, timeout, worker_init_fn, multiprocessing_context,
            prefetch_factor, persistent_workers, pin_memory_device, in_order: accepted for
            PyTorch compatibility; loading runs in this process.
        collate_fn: list of samples -> batch (default_collate; default_convert when batch_size=None).
        drop_last: drop the last, incomplete batch.
        generator: a `torch.Generator` for shuffling; seeded, it fixes the order of every epoch
            (strided's random stream, not PyTorch's: the same seed gives other permutations).

    Example:
        >>> import strided.torch as torch
        >>> from strided.torch.utils.data import TensorDataset
        >>> ds = TensorDataset(torch.arange(10.0).reshape(5, 2), torch.arange(5))
        >>> [labels.tolist() for _, labels in DataLoader(ds, batch_size=2)]
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None,
                 persistent_workers=False, pin_memory_device="", in_order=True):
        _check_options(dataset, batch_size, shuffle, sampler, batch_sampler, drop_last, num_workers,
                       timeout, prefetch_factor, persistent_workers)
        self.dataset = dataset
        self.num_workers, self.pin_memory, self.timeout = num_workers, pin_memory, timeout
        self.worker_init_fn, self.multiprocessing_context = worker_init_fn, multiprocessing_context
        self.prefetch_factor, self.persistent_workers = prefetch_factor, persistent_workers
        self.pin_memory_device, self.in_order = pin_memory_device, in_order
        self.generator = generator
        self._iterable = isinstance(dataset, IterableDataset)
        if batch_sampler is not None:
            batch_size, drop_last = None, False
        elif sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        if batch_size is not None and self._iterable:
            BatchSampler(range(1), batch_size, drop_last)  # the same argument checks
        self.batch_size, self.drop_last = batch_size, drop_last
        self.sampler, self.batch_sampler = sampler, batch_sampler
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None or (self._iterable and self.batch_size is not None)

    def _fetch(self, indices):
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems(indices)
        return [self.dataset[i] for i in indices]

    def __iter__(self):
        if self._iterable:
            return self._iterate_stream()
        if self.batch_sampler is not None:
            if self._gathers_tensors():
                return self._gathered_batches()
            return (self.collate_fn(self._fetch(indices)) for indices in self.batch_sampler)
        return (self.collate_fn(self.dataset[i]) for i in self.sampler)

    def _gathers_tensors(self):
        """Whether a batch can be read with one gather per tensor: a TensorDataset (the stock
        class) of tensors without gradients, collated by default_collate."""
        dataset = self.dataset
        return (type(dataset) is TensorDataset and self.collate_fn is default_collate and dataset.tensors
                and all(isinstance(t, Tensor) and not t.requires_grad for t in dataset.tensors))

    def _gathered_batches(self):
        """The batches of a TensorDataset as default_collate makes them ([X, Y, ...], a list, as
        PyTorch), each tensor read at the batch's indices at once instead of one sample at a time
        (a batch of anything but integer indices is read and collated sample by sample)."""
        arrays = [tensor._node.data for tensor in self.dataset.tensors]
        for indices in self.batch_sampler:
            rows = np.asarray(indices) if isinstance(indices, (list, tuple, range, np.ndarray)) else None
            if rows is None or rows.ndim != 1 or rows.dtype.kind not in "iu":
                yield self.collate_fn(self._fetch(indices))
                continue
            yield [wrap_array(array[rows]) for array in arrays]

    def _iterate_stream(self):
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self):
        if self._iterable:
            length = len(self.dataset)
            if self.batch_size is not None:
                full, rest = divmod(length, self.batch_size)
                length = full if self.drop_last or not rest else full + 1
            return length
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)


__all__ = ["DataLoader", "get_worker_info"]
