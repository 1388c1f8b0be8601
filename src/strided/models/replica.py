"""This process's part of data-parallel training: one rank of a `Collective` group.

Every rank runs the same fit/evaluate/predict loop on the same global batches (`batch_size` is
the global batch, as Keras' distribution strategies treat it) and takes its shard of each: rows
[start, stop) of an n-row batch, the first ranks' shards the longest. In a training step, on
every rank (`Trainer.train_step`, the one training step; this object only adds the exchanges):

    y_pred = model(shard);  loss_r = the shard's mean loss                     (forward)
    backward of (n_r / n) * loss_r                                             (its share)
    g = allreduce_sum(the gradients), in buckets, in rank order                (the same bits everywhere)
    the same optimizer update with g on every rank                             (replicated weights)
    allgather each rank's predictions and losses -> every rank's metrics and logs see the whole batch

With the loss averaged over the batch (Keras' default "sum_over_batch_size"), the summed shares
are the gradient of the whole batch's loss, regularization terms included (each share adds them
whole, scaled by n_r / n). Batch norm takes its statistics, and its backward pass's sums, over
all the shards together (`kernels.collective`, joined for the step), and dropout and augmentation
draw each sample's randomness from its place in the epoch (`models.epoch_steps.keyed`): the same
training as on one process, to rounding.

A batch with fewer rows than ranks (the last one, say) is trained whole on every rank: the same
computation everywhere, with no exchange. `whole=True` does that for every batch of a run that
cannot be split (`models.distributed_loop` says why): slower, but the same result on every rank.
"""

import contextlib

import numpy as np

from strided.autograd import Tensor
from strided.kernels import collective as kernel_collective
from strided.layers.keras_tensor import flatten, map_structure

BUCKET_ELEMENTS = 1 << 22  # gradients are summed in buckets of at most this many values


def shard_bounds(n, size):
    """[(start, stop)] of each rank's rows of an n-row batch: as equal as can be, the first
    n % size ranks one row more (none empty when n >= size)."""
    base, extra = divmod(n, size)
    starts = [r * base + min(r, extra) for r in range(size + 1)]
    return list(zip(starts[:-1], starts[1:]))


class Replica:
    """Rank `collective.rank` of `collective.size` ranks training one model together."""

    def __init__(self, collective):
        self.collective = collective
        self.rank, self.size = collective.rank, collective.size
        self.verdicts = {}  # "fit"/"evaluate"/"predict" -> whether its batches are computed whole
        self.verbose = 1
        # every rank runs the loop and its callbacks (MPI); False: rank 0 alone, which stops the
        # others itself (the forked helpers)
        self.runs_loop = True
        self._batch = None  # the current global batch: (y, sample_weight, n, bounds) or None

    @property
    def is_primary(self):
        return self.rank == 0

    # ---------------------------------------------------------------- batches
    @contextlib.contextmanager
    def sharded(self, batch, positions=None, whole=False):
        """The block computes this rank's shard of the global `batch` (x, y, sample_weight):
        yields (shard, its positions); batch norm gathers over the ranks meanwhile. A batch
        with fewer rows than ranks, or any batch when `whole`, is yielded whole."""
        x, y, sample_weight = batch
        n = _rows(x)
        if whole or n is None or n < self.size:
            self._batch = None
            yield batch, positions
            return
        bounds = shard_bounds(n, self.size)
        start, stop = bounds[self.rank]
        self._batch = (y, sample_weight, n, bounds)
        shard = tuple(None if part is None else map_structure(lambda a: a[start:stop], part)
                      for part in batch)
        try:
            with kernel_collective.joined(_BatchNormGroup(self.collective)):
                yield shard, None if positions is None else positions[start:stop]
        finally:
            self._batch = None

    @property
    def splitting(self):
        """Whether the current batch is split over the ranks (inside `sharded`)."""
        return self._batch is not None

    def stop_agreed(self, stop):
        """Rank 0's `stop_training`, on every rank: a stop that only some ranks saw (a signal, a
        callback acting on rank 0 alone) ends the run after the same step everywhere."""
        if not self.runs_loop:
            return stop
        return bool(self.collective.broadcast(bool(stop)))

    # --------------------------------------------------------------- training
    def share_of(self, loss):
        """The shard's part of the whole batch's mean loss: (n_r / n) * loss_r."""
        if not self.splitting:
            return loss
        _, _, n, bounds = self._batch
        start, stop = bounds[self.rank]
        return loss * ((stop - start) / n)

    def sum_gradients(self, grads):
        """Every rank's gradients (of their `share_of` losses) summed, in buckets; a variable
        without gradient on every rank (no path from the loss to it) stays None."""
        if not self.splitting:
            return grads
        result = list(grads)
        by_dtype = {}
        for index, grad in enumerate(grads):
            if grad is not None:
                by_dtype.setdefault(np.asarray(grad).dtype, []).append(index)
        for dtype, indices in by_dtype.items():
            for bucket in _buckets(indices, [np.size(grads[i]) for i in indices]):
                flat = np.concatenate([np.ravel(grads[i]) for i in bucket]).astype(dtype, copy=False)
                summed = self.collective.allreduce_sum(flat)
                offset = 0
                for i in bucket:
                    size = np.size(grads[i])
                    result[i] = summed[offset:offset + size].reshape(np.shape(grads[i]))
                    offset += size
        return result

    # ---------------------------------------------------------------- metrics
    def update_metrics(self, state, loss, y, y_pred, sample_weight, batch_size):
        """Accumulate the whole global batch into the running loss and metrics (`state`, a
        `CompileState`), on every rank alike: each rank's predictions and losses gathered (the
        targets and sample weights of the whole batch every rank has already)."""
        if not self.splitting:
            state.update(loss, y, y_pred, sample_weight, batch_size)
            return
        whole_y, whole_weight, n, bounds = self._batch
        values = [loss] + list(state.last_output_losses)
        vector = np.array([np.nan if v is None else float(np.asarray(getattr(v, "data", v))) for v in values])
        leaves = [np.asarray(getattr(p, "data", p)) for p in flatten(y_pred)]
        gathered, outputs = self._gather_step(vector, leaves)
        fractions = np.array([(stop - start) / n for start, stop in bounds])
        combined = fractions @ gathered  # each value of the whole batch: sum_r (n_r / n) * value_r
        loss = None if values[0] is None else Tensor(np.float64(combined[0]))
        state.last_output_losses = [None if v is None else Tensor(np.float64(c))
                                    for v, c in zip(values[1:], combined[1:])]
        state.update(loss, whole_y, outputs, whole_weight, n)

    def _gather_step(self, vector, leaves):
        """(ranks, len(vector)) array of every rank's `vector`, and each of `leaves` with every
        rank's rows: in one allgather when the leaves are real numbers (a float64 block per rank:
        the vector in its first row, the rows' outputs side by side below), else one per array."""
        if not all(leaf.ndim and (leaf.dtype.kind == "f" and leaf.dtype.itemsize <= 8
                                  or leaf.dtype.kind in "iub" and leaf.dtype.itemsize <= 4) for leaf in leaves):
            gathered = np.stack([np.asarray(g, np.float64).reshape(-1)
                                 for g in self.collective.allgather(vector[None])])
            return gathered, [np.concatenate(self.collective.allgather(leaf), axis=0) for leaf in leaves]
        rows = leaves[0].shape[0] if leaves else 0
        widths = [int(np.prod(leaf.shape[1:], dtype=np.int64)) for leaf in leaves]
        block = np.zeros((1 + rows, max(sum(widths), len(vector))))
        block[0, :len(vector)] = vector
        if leaves:
            block[1:, :sum(widths)] = np.concatenate([leaf.reshape(rows, -1) for leaf in leaves], axis=1)
        blocks = [np.asarray(b, np.float64) for b in self.collective.allgather(block)]
        gathered = np.stack([b[0, :len(vector)] for b in blocks])
        body = np.concatenate([b[1:] for b in blocks], axis=0)
        outputs, offset = [], 0
        for leaf, width in zip(leaves, widths):
            part = body[:, offset:offset + width].reshape(body.shape[0], *leaf.shape[1:])
            outputs.append(part.astype(leaf.dtype, copy=False))  # exact: float64 holds each value
            offset += width
        return gathered, outputs

    def gather_rows(self, leaves):
        """Every rank's rows of each array of `leaves`, concatenated in rank order."""
        if not self.splitting:
            return leaves
        return [np.concatenate(self.collective.allgather(np.asarray(leaf)), axis=0) for leaf in leaves]


class _BatchNormGroup:
    """The ranks as `kernels.collective` sees them: `all_gather(vector)` -> (ranks, len)."""

    def __init__(self, collective):
        self.collective = collective

    def all_gather(self, vector):
        parts = self.collective.allgather(np.asarray(vector, np.float64)[None])
        return np.concatenate([np.asarray(p, np.float64).reshape(1, -1) for p in parts], axis=0)


def _buckets(indices, sizes):
    """`indices` in order, grouped so that a group holds at most BUCKET_ELEMENTS values (a
    larger single gradient is a bucket of its own)."""
    groups, current, filled = [], [], 0
    for index, size in zip(indices, sizes):
        if current and filled + size > BUCKET_ELEMENTS:
            groups.append(current)
            current, filled = [], 0
        current.append(index)
        filled += size
    if current:
        groups.append(current)
    return groups


def _rows(x):
    """The number of rows of a (nested) batch x, or None for one without a batch axis."""
    for leaf in (flatten(x) if not isinstance(x, dict) else [x[k] for k in sorted(x)]):
        shape = np.shape(getattr(leaf, "data", leaf))
        if len(shape):
            return int(shape[0])
    return None


__all__ = ["Replica", "shard_bounds", "BUCKET_ELEMENTS"]
