"""`PyDataset` (and its old name `Sequence`): batches produced by Python code, indexed by step.

Subclass it, return the number of batches from `__len__` and batch `index` from
`__getitem__`; `fit`/`evaluate`/`predict` take the object as they take any indexable batch
source, and call `on_epoch_end()` after every epoch (Keras' contract):

    class CIFARDataset(keras.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size = x, y, batch_size
        def __len__(self):
            return math.ceil(len(self.x) / self.batch_size)
        def __getitem__(self, idx):
            low = idx * self.batch_size
            return self.x[low:low + self.batch_size], self.y[low:low + self.batch_size]

`workers`, `use_multiprocessing` and `max_queue_size` are accepted and kept for Keras code;
batches are produced in the calling thread, in order.
"""


class PyDataset:
    """Base class of a dataset of batches indexed 0 .. len - 1 (keras.utils.PyDataset).

    Args:
        workers, use_multiprocessing, max_queue_size: accepted for compatibility (batches are
            made one after the other in the training thread).
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    @property
    def workers(self):
        return getattr(self, "_workers", 1)

    @property
    def use_multiprocessing(self):
        return getattr(self, "_use_multiprocessing", False)

    @property
    def max_queue_size(self):
        return getattr(self, "_max_queue_size", 10)

    def __getitem__(self, index):
        """Batch `index`: `x`, `(x, y)` or `(x, y, sample_weight)`."""
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(self, index) returning one batch.")

    @property
    def num_batches(self):
        """The number of batches (None when unknown); by default `len(self)`."""
        if type(self).__len__ is not PyDataset.__len__:
            return len(self)
        return None

    def __len__(self):
        count = type(self).num_batches.fget(self) if type(self).num_batches is not PyDataset.num_batches else None
        if count is None:
            raise NotImplementedError(
                f"{type(self).__name__} must define __len__(self) (or the num_batches property) "
                "returning the number of batches per epoch."
            )
        return int(count)

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]

    def on_epoch_begin(self):
        """Called at the start of each epoch (override to prepare it)."""

    def on_epoch_end(self):
        """Called at the end of each epoch (override e.g. to reshuffle)."""


Sequence = PyDataset

__all__ = ["PyDataset", "Sequence"]
