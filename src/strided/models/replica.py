"""This process's part of data-parallel training: one rank of a `Collective` group.

Every rank runs the same fit/evaluate/predict loop on the same global batches (`batch_size` is
the global batch, as Keras' distribution strategies treat it) and takes its shard of each
(`shard_bounds`: the batch's halves, quarters, ...). In a training step, on every rank
(`Trainer.train_step` and `_train_shard`; this object only adds the exchanges):

    y_pred = model(shard);  loss_r = sum of the shard's losses / n             (forward, n: the whole batch)
    backward of loss_r                                                         (the shard's part)
    g = allreduce_sum(the gradients), added along the ranks' tree              (the same bits everywhere)
    g += the regularization terms' gradients                                   (once)
    the same optimizer update with g on every rank                             (replicated weights)
    allgather each rank's predictions and losses -> every rank's metrics and logs see the whole batch

The same bits as one process. One process adds every sum over a batch (a loss, a weight's
gradient, batch norm's statistics) along the batch's halving tree, leaf by leaf
(`kernels.parallel.batch_leaves`), and gives every matrix product over the batch's rows one
leaf at a time (a BLAS product's rounding depends on how many rows it gets). A rank's shard is a
subtree of that tree, so its sums are the subtree's, bit for bit, and the ranks' sums are added
along the top of the tree (`kernels.collective.tree_combine`, in MPI's `sum_rows` too). Batch
norm takes its statistics, and its backward pass's sums, over all the shards that way
(`kernels.collective`, joined for the step); dropout and augmentation draw each sample's
randomness from its place in the epoch (`models.epoch_steps.keyed`). Layers whose kernels do not
take the batch leaf by leaf (docs/distributed.md lists them) train the same to rounding.

Bit for bit whenever every block the ranks split holds more than a leaf (`exactly_splittable`:
up to 8 ranks at any batch of 16 rows per rank or more). Up to 8 ranks, a batch too small for
that (a small last batch) is trained whole on every rank: the same computation everywhere, with
no exchange; with more ranks it is split anyway, and equals one process's result to rounding.
A batch with fewer rows than ranks is always trained whole. `whole=True` does that for every
batch of a run that cannot be split (`models.distributed_loop` says why): slower, but the same
result on every rank.
"""

import contextlib
import socket

import numpy as np

from strided.autograd import Tensor
from strided.kernels import collective as kernel_collective
from strided.kernels.parallel import BATCH_LEAVES, leaf_limit
from strided.layers.keras_tensor import flatten, map_structure

BUCKET_ELEMENTS = 1 << 22  # gradients are summed in buckets of at most this many values


def shard_bounds(n, size):
    """[(start, stop)] of each rank's rows of an n-row batch: the first ceil(size / 2) ranks
    share the batch's first ceil(n / 2) rows, the others the rest, each half split again the
    same way -- the halving tree along which one process adds a batch's sums
    (`kernels.parallel.batch_leaves`), so that every rank's sums are whole subtrees of it.
    Even for a power-of-two number of ranks; otherwise some ranks take up to twice the rows
    of others. None are empty when n >= size."""
    if size == 1:
        return [(0, n)]
    ranks, rows = (size + 1) // 2, (n + 1) // 2
    left = shard_bounds(rows, ranks)
    right = shard_bounds(n - rows, size - ranks)
    return left + [(start + rows, stop + rows) for start, stop in right]


def exactly_splittable(n, size, whole=None):
    """Whether `size` ranks can share an n-row batch as `shard_bounds` splits it and each still
    compute whole subtrees of the batch's halving tree: every block split between ranks holds
    more than `kernels.parallel.leaf_limit(n)` rows (a smaller one is a leaf, which one process
    computes in one piece)."""
    whole = n if whole is None else whole
    if size == 1:
        return n >= 1
    if n <= leaf_limit(whole):
        return False
    rows, ranks = (n + 1) // 2, (size + 1) // 2
    return exactly_splittable(rows, ranks, whole) and exactly_splittable(n - rows, size - ranks, whole)


class Replica:
    """Rank `collective.rank` of `collective.size` ranks training one model together."""

    def __init__(self, collective):
        self.collective = collective
        self.rank, self.size = collective.rank, collective.size
        self.verdicts = {}  # "fit"/"evaluate"/"predict" -> whether its batches are computed whole
        self.verbose = 1
        self._batch = None  # the current global batch: (y, sample_weight, n, bounds) or None
        self._local_ranks = None  # ranks on this machine (`ranks_on_this_machine`)
        self._told_too_small = False  # `_say_too_small` said it (once)
        self._split_before = False  # a batch was split over the ranks

    @property
    def is_primary(self):
        return self.rank == 0

    # ---------------------------------------------------------------- batches
    @contextlib.contextmanager
    def sharded(self, batch, positions=None, whole=False):
        """The block computes this rank's shard of the global `batch` (x, y, sample_weight):
        yields (shard, its positions); batch norm gathers over the ranks meanwhile. A batch
        with fewer rows than ranks, one that up to 8 ranks cannot split exactly (a small last
        batch), and any batch when `whole`, is yielded whole."""
        x, y, sample_weight = batch
        n = _rows(x)
        too_small = n is not None and self.size <= BATCH_LEAVES and not exactly_splittable(n, self.size)
        if too_small and not whole and n >= self.size:
            self._say_too_small(n)
        if whole or n is None or n < self.size or too_small:
            self._batch = None
            yield batch, positions
            return
        bounds = shard_bounds(n, self.size)
        start, stop = bounds[self.rank]
        self._batch = (y, sample_weight, n, bounds)
        self._split_before = True
        shard = tuple(None if part is None else map_structure(lambda a: a[start:stop], part)
                      for part in batch)
        try:
            with kernel_collective.joined(_BatchNormGroup(self.collective), (stop - start, n)):
                yield shard, None if positions is None else positions[start:stop]
        finally:
            self._batch = None

    def _say_too_small(self, n):
        """Say once (rank 0, verbose >= 1) that batches this small are computed whole on every
        rank -- unless batches were split before (then it is a small last batch)."""
        first = not self._told_too_small and not self._split_before
        self._told_too_small = True
        if first and self.is_primary and self.verbose:
            print(f"strided: batches of {n} rows are too small to split over {self.size} ranks with one "
                  f"process's exact result (each rank's share must not cut a leaf of "
                  f"{leaf_limit(n)} rows): every rank computes them whole. Batches of "
                  f"{self.size * leaf_limit(n)} rows or more split.", flush=True)

    @property
    def splitting(self):
        """Whether the current batch is split over the ranks (inside `sharded`)."""
        return self._batch is not None

    def stop_agreed(self, stop):
        """Rank 0's `stop_training`, on every rank: a stop that only some ranks saw (a signal, a
        callback acting on rank 0 alone) ends the run after the same step everywhere."""
        return bool(self.collective.broadcast(bool(stop)))

    # --------------------------------------------------------------- training
    def backward_and_sum(self, loss, variables):
        """Run `loss.backward()` and return the variables' gradients summed over the ranks (as
        `sum_gradients`). When the sums overlap the backward pass (`strided.distributed.overlap`),
        a bucket's sum starts as soon as the backward pass has made its gradients (the last
        layers' first) and goes on while it makes the rest: the same bits either way."""
        if not self.splitting or not self._overlapping():
            loss.backward()
            return self.sum_gradients([v.grad for v in variables])
        sums = _OverlappedSums(self.collective, variables)
        loss.backward(hooks=sums)
        return sums.finish()

    def _overlapping(self):
        from strided.distributed import settings

        mode = settings.overlap()
        if mode == "auto":
            return self.ranks_on_this_machine() < self.size
        return bool(mode)

    def ranks_on_this_machine(self):
        """How many of the ranks run on this machine (their host names compared; asked once,
        a collective call every rank makes at the same point)."""
        if self._local_ranks is None:
            name = np.zeros(256, np.uint8)
            encoded = socket.gethostname().encode("utf-8")[:256]
            name[:len(encoded)] = np.frombuffer(encoded, np.uint8)
            names = self.collective.allgather(name[None])
            self._local_ranks = max(1, sum(bool(np.array_equal(np.asarray(n).reshape(-1), name)) for n in names))
        return self._local_ranks

    def sum_gradients(self, grads):
        """Every rank's gradients (of their shards' parts of the loss) summed, in buckets; a variable
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
                summed = self.collective.allreduce_sum(_packed([grads[i] for i in bucket], dtype))
                for i, part in zip(bucket, _unpacked(summed, [np.shape(grads[i]) for i in bucket])):
                    result[i] = part
        return result

    # ---------------------------------------------------------------- metrics
    def update_metrics(self, state, loss, y, y_pred, sample_weight, batch_size, extra=None):
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
        combined = kernel_collective.tree_combine(list(gathered), np.add)  # each value: the shards' parts added
        if extra is not None:
            combined[0] += extra  # the regularization terms, once
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
        self.rank = collective.rank

    def all_gather(self, vector):
        parts = self.collective.allgather(np.asarray(vector, np.float64)[None])
        return np.concatenate([np.asarray(p, np.float64).reshape(1, -1) for p in parts], axis=0)


class _OverlappedSums:
    """The backward pass's hooks (`Tensor.backward(hooks=...)`) that sum each bucket of
    gradients over the ranks as soon as all of its gradients are made.

    The buckets hold the variables in reverse order (the backward pass makes the last layers'
    gradients first), at most BUCKET_ELEMENTS values of one dtype each; every rank makes them
    alike, so every rank starts the same sums in the same order. A bucket whose variables are
    not all reached starts when the backward pass ends; a variable it did not reach keeps no
    gradient (zeros travel in its place)."""

    def __init__(self, collective, variables):
        self.collective, self.variables = collective, list(variables)
        by_dtype = {}
        for index in reversed(range(len(self.variables))):
            by_dtype.setdefault(np.dtype(self.variables[index].dtype), []).append(index)
        self.buckets = []
        for indices in by_dtype.values():
            self.buckets += _buckets(indices, [int(np.size(self.variables[i].data)) for i in indices])
        self.missing = [len(bucket) for bucket in self.buckets]
        self.bucket_of = {id(self.variables[i]): b for b, bucket in enumerate(self.buckets) for i in bucket}
        self.pending = [None] * len(self.buckets)  # bucket -> its sum in flight

    def leaf_ready(self, tensor):
        bucket = self.bucket_of.get(id(tensor))
        if bucket is not None:
            self.missing[bucket] -= 1
            if self.missing[bucket] == 0:
                self._start(bucket)

    def step(self):
        for pending in self.pending:
            if pending is not None:
                pending.advance()

    def _start(self, bucket):
        variables = [self.variables[i] for i in self.buckets[bucket]]
        values = [np.zeros(v.data.shape, v.dtype) if v.grad is None else v.grad for v in variables]
        flat = _packed(values, variables[0].dtype)
        self.pending[bucket] = self.collective.start_allreduce_sum(flat, slot=f"bucket{bucket}")

    def finish(self):
        """The summed gradients, in the variables' order (None where this rank had none)."""
        for bucket, pending in enumerate(self.pending):  # in bucket order on every rank
            if pending is None:
                self._start(bucket)
        result = [None] * len(self.variables)
        for bucket, indices in enumerate(self.buckets):
            parts = _unpacked(self.pending[bucket].result(), [self.variables[i].data.shape for i in indices])
            for i, part in zip(indices, parts):
                if self.variables[i].grad is not None:
                    result[i] = part
        return result


def _packed(arrays, dtype):
    """The arrays laid one after the other in one flat vector of `dtype` (one message)."""
    return np.concatenate([np.ravel(a) for a in arrays]).astype(dtype, copy=False)


def _unpacked(flat, shapes):
    """The arrays of `shapes` that `_packed` laid one after the other in `flat` (views)."""
    parts, offset = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        parts.append(flat[offset:offset + size].reshape(shape))
        offset += size
    return parts


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
