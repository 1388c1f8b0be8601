"""The collective interface over MPI (mpi4py): ranks in processes on one or many machines.

Arrays move as buffers (upper-case mpi4py calls: no pickling of array data); any other value
is pickled by `broadcast`. Every operation starts non-blocking (Ialltoallv, Iallgather(v),
Ibcast, Ibarrier) and is then waited for with a deadline (`mpi_channel.FaultChannel.wait`: in
MPI_Waitall on a helper thread, while this thread watches the clock and the fault notices),
so no wait outlasts the timeout (`strided.distributed.set_timeout`, 30 s by default).

allreduce_sum is deterministic: each rank owns one contiguous segment of the array; a single
Ialltoallv hands every rank the others' parts of its segment, it adds them along the ranks'
halving tree ((rank 0 + rank 1) + (rank 2 + rank 3) for four: `mpi_buffers.sum_rows`, the
order in which one process adds the parts of a batch the ranks share), and Iallgatherv gives
every rank every summed segment. Each element is added by exactly one rank in one order, so
every rank holds the same bits. It moves as many bytes as a ring allreduce (2 (n-1)/n of the
array per rank). Small arrays take one Iallgather instead (one round trip), then every rank
adds the rows the same way: the same bits again.

What happens on a fault:

- A rank raises inside `with collective.guard():` -- it tells every other rank on a separate
  duplicated communicator (a FAULT notice), adds a note naming itself, and re-raises. Every
  other rank raises the same exception type with the same message at its next wait (or when it
  leaves its own guard), with a note naming the failing rank and holding its traceback; a type
  that cannot be rebuilt arrives as `strided.errors.DistributedError`.
- A rank does not arrive within the timeout (stopped with SIGSTOP, deadlocked, or gone): the
  waiting ranks ask every rank which operation it is at (a roll call, half a second), raise
  `strided.errors.DistributedTimeoutError` naming the operation, the wait and the ranks that
  had not arrived, and tell the others.
- A rank ended by an exception raised outside any guard: its exit handler sends it as the
  guard would have, and the other ranks raise it at their next wait.
- A rank killed outright (SIGKILL, a crash): the launcher (Hydra's mpiexec, srun, mpirun)
  sees it and kills every rank at once; mpiexec prints which rank was killed and exits non-zero.
- After a fault, this collective is unusable (every further operation raises
  `DistributedError` at once). When the process exits, it tells the other ranks it is leaving
  and waits (at most the timeout) for every rank that still answers to leave too, so every
  rank has printed its error. Then, if every rank left and no wait of this rank is still
  inside MPI, MPI finalises normally and the job ends with the exception's exit status (1).
  Otherwise -- a rank did not answer (stopped, deadlocked), or this rank's helper thread still
  waits for an operation the fault interrupted (MPI cannot cancel a collective) -- the exit
  handler calls MPI_Abort(1): the launcher kills every rank, a stopped one included, and
  mpiexec exits non-zero. No process is left, and no file in /dev/shm: MPICH's shared-memory
  file is unlinked as soon as every rank has attached to it (`mpi_exit`).

Time to the end of a job after a fault: a raise, the next wait of the other ranks plus their
exit; a stopped or deadlocked rank, the timeout plus half a second of roll call plus the exit.
"""

import atexit
import pickle
import time
import weakref

import numpy as np

from strided.distributed import faults, mpi_buffers, settings
from strided.distributed.collective import Collective, PendingSum
from strided.distributed.mpi_buffers import (
    DESCRIPTION_SLOTS,
    HEADER_SLOTS,
    PICKLED,
    UNSENDABLE,
    sum_rows,
)
from strided.distributed.mpi_channel import FaultChannel
from strided.distributed.mpi_exit import end_job, forget_shared_memory_names
from strided.errors import DistributedError, DistributedTimeoutError

SMALL_BYTES = 65536  # allreduce_sum gathers whole arrays when size * array bytes fit in this


def import_mpi():
    """mpi4py's MPI module (initialising MPI), or a clear error naming the extra to install."""
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise ModuleNotFoundError(
            "strided.distributed needs mpi4py to train across MPI ranks: pip install strided[mpi] "
            "(or pip install mpi4py; on a cluster, built against the cluster's MPI).", name="mpi4py") from error
    return MPI


class MPICollective(Collective):
    """The ranks of an MPI communicator (default: every rank of the job, MPI.COMM_WORLD).

    Args:
        comm: an mpi4py communicator; it is duplicated twice (data, fault notices), so the
            caller's own messages never mix with strided's.
        timeout: seconds every wait lasts at most; None follows `strided.distributed.timeout()`.

    Example (run with `mpiexec -n 2 python example.py`):
        >>> collective = MPICollective()  # doctest: +SKIP
        >>> with collective.guard():  # doctest: +SKIP
        ...     total = collective.allreduce_sum(np.ones(3) * collective.rank)
    """

    def __init__(self, comm=None, timeout=None):
        self._MPI = MPI = import_mpi()
        self.timeout = timeout
        base = MPI.COMM_WORLD if comm is None else comm
        (self._comm, data), (channel, notices) = base.Idup(), base.Idup()
        _wait_for_every_rank([data, notices], base, self.timeout, MPI)
        self._channel = FaultChannel(channel, MPI)
        self.rank = self._comm.Get_rank()
        self.size = self._comm.Get_size()
        self._broken = None  # the exception after which this collective cannot go on
        self._buffers = {}  # work memory kept between calls (`_scratch`)
        forget_shared_memory_names()  # every rank has attached (Dup needed them all)
        atexit.register(end_job, weakref.ref(self))

    @property
    def timeout(self):
        return self._timeout if self._timeout is not None else settings.timeout()

    @timeout.setter
    def timeout(self, seconds):
        self._timeout = None if seconds is None else settings._seconds(seconds, "MPICollective(timeout=...)")

    def __repr__(self):
        return f"MPICollective(rank={self.rank}, size={self.size}, timeout={self.timeout:g})"

    # the four operations ----------------------------------------------------------------
    def allreduce_sum(self, array, out=None):
        array = np.asarray(array)
        total = _output(out, array)
        return self._start_sum(array, total, "").result()

    def start_allreduce_sum(self, array, slot="overlapped"):
        """`allreduce_sum` begun now and finished by the returned object's `result()`; its
        `advance()` moves it from the first exchange to the second when the first is done.
        `slot` names the work memory it keeps between calls (one per sum in flight)."""
        array = np.asarray(array)
        return self._start_sum(array, np.empty(array.shape, array.dtype), slot)

    def _start_sum(self, array, total, slot):
        if array.dtype.kind not in "iufc":
            raise TypeError(f"allreduce_sum: expected an array of numbers. Received: dtype {array.dtype}")
        self._begin("allreduce_sum")
        return _MPIPendingSum(self, np.ascontiguousarray(array).reshape(-1), total, slot)

    def allgather(self, array):
        array = np.ascontiguousarray(array)
        self._begin("allgather")
        descriptions = np.empty((self.size, DESCRIPTION_SLOTS), np.int64)
        self._wait([self._comm.Iallgather(mpi_buffers.describe(array), descriptions)], "allgather")
        shapes, dtype = self._agreed(descriptions, "allgather")
        counts = [int(np.prod(shape, dtype=np.int64)) * dtype.itemsize for shape in shapes]
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        received = np.empty(sum(counts), np.uint8)
        self._wait([self._comm.Iallgatherv(
            [array.reshape(-1).view(np.uint8), self._MPI.BYTE],
            [received, (counts, offsets), self._MPI.BYTE])], "allgather")
        return [received[offset: offset + count].view(dtype).reshape(shape)
                for shape, offset, count in zip(shapes, offsets, counts)]

    def broadcast(self, value, root=0):
        if isinstance(root, bool) or not isinstance(root, (int, np.integer)) or not 0 <= root < self.size:
            raise ValueError(f"broadcast: expected root to be a rank from 0 to {self.size - 1}. Received: {root!r}")
        self._begin("broadcast")
        header = np.zeros(HEADER_SLOTS, np.int64)
        payload = None
        if self.rank == root:
            header, payload = mpi_buffers.packed(value, header)
        self._wait([self._comm.Ibcast(header, root=root)], "broadcast")
        kind, length = int(header[0]), int(header[1])
        if self.rank != root:
            payload = np.empty(length, np.uint8)
        if length:
            self._wait([self._comm.Ibcast([payload, self._MPI.BYTE], root=root)], "broadcast")
        if kind == UNSENDABLE:
            raise _on_every_rank(TypeError(f"broadcast: rank {root}'s value cannot be sent: "
                                           f"{pickle.loads(payload.tobytes())}"))
        if self.rank == root:
            return value
        if kind == PICKLED:
            return pickle.loads(payload.tobytes())  # sent by a rank of this same job
        shapes, dtype = self._agreed(header[2:][None, :], "broadcast")
        return payload.view(dtype).reshape(shapes[0])

    def barrier(self):
        self._begin("barrier")
        self._wait([self._comm.Ibarrier()], "barrier")

    # faults -----------------------------------------------------------------------------
    def guard(self):
        """`with collective.guard():` around distributed work: an exception raised inside it
        here is raised on every rank (see this module's docstring); leaving it normally raises
        a fault another rank sent meanwhile."""
        return _Guard(self)

    @property
    def broken(self):
        """The exception after which this collective cannot be used any more, or None."""
        return self._broken

    def _scratch(self, name, shape, dtype):
        """A work array of `shape` and `dtype`, kept between calls: MPI moves data into memory
        it has touched before several times faster than into freshly mapped pages."""
        nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
        memory = self._buffers.get(name)
        if memory is None or memory.nbytes < nbytes:
            memory = self._buffers[name] = np.empty(max(nbytes, 64), np.uint8)
        return memory[:nbytes].view(dtype).reshape(shape)

    @staticmethod
    def _agreed(descriptions, operation):
        try:
            return mpi_buffers.agreed(descriptions, operation)
        except (TypeError, ValueError) as error:
            raise _on_every_rank(error) from None

    def _begin(self, operation):
        if self._broken is not None:
            raise DistributedError(
                f"{operation} on rank {self.rank} of {self.size}: the collective cannot be used after "
                f"{faults.type_name(self._broken)}: {self._broken}", rank=self.rank)
        self._channel.operations += 1
        self._channel.doing = operation

    def _wait(self, requests, operation):
        try:
            self._channel.wait(requests, operation, self.timeout)
        except BaseException as error:
            self._fail(error)
            raise

    def _fail(self, error):
        """Remember that `error` ended this collective's use and, if it was raised here, tell
        every other rank (once)."""
        first = self._broken is None
        if first:
            self._broken = error
        if first and not getattr(error, faults.SHARED, False):
            self._channel.announce(error)
            told = ("the ranks that still answer were told and raise it too" if self._channel.unresponsive
                    else "every other rank was told and raises it too")
            faults.add_note(error, f"(raised on rank {self.rank} of {self.size}; {told})")

    def _check_faults(self):
        try:
            self._channel.raise_fault()
        except BaseException as error:
            self._fail(error)
            raise


class _MPIPendingSum(PendingSum):
    """One deterministic allreduce_sum in flight (the module docstring has the method): a
    small array in one Iallgather; a larger one in an Ialltoallv of segments, each rank's sum
    of its segment, then an Iallgatherv of the sums."""

    def __init__(self, collective, flat, total, slot):
        self.collective, self.flat, self.total = collective, flat, total
        MPI, comm, size = collective._MPI, collective._comm, collective.size
        if size * flat.nbytes <= SMALL_BYTES:
            self.rows = collective._scratch("rows" + slot, (size, flat.size), flat.dtype)
            self.requests = [comm.Iallgather([flat, MPI.BYTE], [self.rows, MPI.BYTE])]
            self.phase = "gather rows"
            return
        item = flat.itemsize
        bounds = np.array([flat.size * rank // size for rank in range(size + 1)], np.int64)
        self.lengths, self.offsets = np.diff(bounds) * item, bounds[:-1] * item
        mine = int(np.diff(bounds)[collective.rank])
        self.parts = collective._scratch("parts" + slot, (size, mine), flat.dtype)
        self.segment = collective._scratch("segment" + slot, (mine,), flat.dtype)
        self.requests = [comm.Ialltoallv(
            [flat, (self.lengths, self.offsets), MPI.BYTE],
            [self.parts, ([mine * item] * size, [rank * mine * item for rank in range(size)]), MPI.BYTE])]
        self.phase = "scatter"

    def advance(self):
        if self.phase == "scatter" and self.collective._MPI.Request.Testall(self.requests):
            self._gather_sums()

    def _gather_sums(self):
        sum_rows(self.parts, out=self.segment)
        MPI = self.collective._MPI
        self.requests = [self.collective._comm.Iallgatherv(
            [self.segment, MPI.BYTE], [self.total.reshape(-1), (self.lengths, self.offsets), MPI.BYTE])]
        self.phase = "gather sums"

    def result(self):
        if self.phase == "scatter":
            self.collective._wait(self.requests, "allreduce_sum")
            self._gather_sums()
        if self.phase != "done":
            self.collective._wait(self.requests, "allreduce_sum")
            if self.phase == "gather rows":
                sum_rows(self.rows, out=self.total.reshape(-1))
            self.phase = "done"
        return self.total


def _wait_for_every_rank(requests, comm, timeout, MPI):
    """Wait (at most `timeout` s) for the communicators being duplicated: every rank must make
    its collective. Past the timeout: DistributedTimeoutError, and MPI_Abort when this process
    exits (the job cannot end normally)."""
    start = time.monotonic()
    while not MPI.Request.Testall(requests):
        if time.monotonic() - start > timeout:
            atexit.register(comm.Abort, 1)
            raise DistributedTimeoutError(
                f"strided.distributed.world() on rank {comm.Get_rank()} of {comm.Get_size()} waited "
                f"{timeout:g} s, the timeout, for the other ranks to make their collective too: every rank "
                "must call strided.distributed.world() (or init()). The job ends with MPI_Abort when "
                "this process exits.", operation="world", seconds=timeout, rank=comm.Get_rank())
        time.sleep(0.001)


def _output(out, array):
    """Where allreduce_sum writes: `out` (checked: a writable C-contiguous array of the same
    shape and dtype as `array`), or a new array."""
    if out is None:
        return np.empty(array.shape, array.dtype)
    if not isinstance(out, np.ndarray) or out.shape != array.shape or out.dtype != array.dtype \
            or not out.flags.c_contiguous or not out.flags.writeable:
        described = (f"shape {out.shape}, dtype {out.dtype}, contiguous={out.flags.c_contiguous}"
                     if isinstance(out, np.ndarray) else type(out).__name__)
        raise ValueError(f"allreduce_sum: expected out to be a writable C-contiguous array of shape "
                         f"{array.shape} and dtype {array.dtype}. Received: {described}")
    return out


def _on_every_rank(error):
    """`error`, marked as raised on every rank at once (so no rank announces it)."""
    setattr(error, faults.SHARED, True)
    return error


class _Guard:
    def __init__(self, collective):
        self.collective = collective

    def __enter__(self):
        return self.collective

    def __exit__(self, kind, error, trace):
        if error is None:
            if self.collective._broken is None:
                self.collective._check_faults()
        elif not isinstance(error, GeneratorExit):
            self.collective._fail(error)
        return False


__all__ = ["MPICollective", "import_mpi", "SMALL_BYTES"]
