"""The small collective interface every data-parallel backend implements.

The trainer (`strided.models.training`) is written once, against this interface; a backend
(MPI across processes and machines, `distributed.mpi`; one process, `SingleProcess`) only moves
arrays between the ranks that train together. Four operations, as in torch.distributed and MPI:

    allreduce_sum(array)  the element-wise sum over the ranks, the same bits on every rank
                          (also started and finished later: start_allreduce_sum)
    allgather(array)      every rank's array (first dimensions may differ), in rank order
    broadcast(value)      root's array or picklable value, on every rank
    barrier()             wait until every rank is here

Every wait ends: after `timeout` seconds without the other ranks, a backend raises
`strided.errors.DistributedTimeoutError` (a `DistributedError`) naming what it waited for and
which ranks had not arrived (it never hangs). Work that must fail on every rank together runs
inside `with collective.guard():` -- an exception raised there on one rank is raised on every
rank, as the same type with the same message and a note naming the rank. A collective is used
from one thread at a time, and every rank calls the same operations in the same order.
"""

import contextlib

import numpy as np


class Collective:
    """A group of `size` ranks training together; this process is rank `rank` (0 leads)."""

    rank = 0
    size = 1
    timeout = 30.0

    @property
    def is_primary(self):
        """Whether this rank writes files and prints (rank 0)."""
        return self.rank == 0

    def allreduce_sum(self, array, out=None):
        """The sum of `array` over the ranks, added along the ranks' halving tree
        (`kernels.collective.tree_combine`): the same bits on every rank. Every rank passes the
        same shape and dtype; `out`, if given, is a C-contiguous array of that shape and dtype
        the sum is written into (and returned); it may be `array` itself."""
        raise NotImplementedError

    def start_allreduce_sum(self, array):
        """Begin `allreduce_sum(array)` and return at once: a `PendingSum` whose `advance()`
        lets the exchange go on between other work (it never waits) and whose `result()`
        waits for the sum. Meanwhile this rank may make other collective calls; every rank
        starts the same sums in the same order. `array` must not change until `result()`.
        A backend that cannot overlap sums at once (this default)."""
        return PendingSum(self.allreduce_sum(array))

    def allgather(self, array):
        """[rank 0's array, rank 1's, ...]: every rank's array (same trailing shape)."""
        raise NotImplementedError

    def broadcast(self, value, root=0):
        """Rank `root`'s `value` (an array, or any picklable value), on every rank."""
        raise NotImplementedError

    def barrier(self):
        """Return once every rank has called barrier()."""
        raise NotImplementedError

    def guard(self):
        """A context manager around distributed work: an exception raised inside it on this rank
        is raised on every rank (at their next wait), as itself, naming this rank."""
        return contextlib.nullcontext(self)


class PendingSum:
    """A sum `start_allreduce_sum` began; this one is already done."""

    def __init__(self, total):
        self._total = total

    def advance(self):
        """Let the exchange go on, without waiting."""

    def result(self):
        """The sum, once every rank's part has arrived (waits at most the timeout)."""
        return self._total


class SingleProcess(Collective):
    """The group of one: every operation is the identity (no copies beyond what it says)."""

    def allreduce_sum(self, array, out=None):
        if out is None:
            return np.array(array, copy=True)
        np.copyto(out, array)
        return out

    def allgather(self, array):
        return [np.asarray(array)]

    def broadcast(self, value, root=0):
        return value

    def barrier(self):
        return None
