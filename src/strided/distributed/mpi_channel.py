"""The side channel that lets a fault reach every rank of an MPI job, and waits that end.

`MPICollective` (`distributed.mpi`) moves data on one duplicate of the job's communicator and
keeps a second duplicate, this channel, for small pickled notices between ranks:

    FAULT       "I raised this exception" (`faults.record`), sent to every other rank
    ROLL_CALL   "which operation are you at?", sent by a rank whose wait timed out
    HERE        the answer: the number of collective operations the rank has started
    EXITING     "I am leaving", sent from the exit handler of a rank whose job has failed

`wait(requests, operation)` returns when the operation's requests complete, raises a FAULT
that arrived (as the original exception), or raises after the timeout (then a roll call finds
the ranks that had not arrived, and a `DistributedTimeoutError` names them). A small
operation is done after a few MPI_Test calls. A longer one is handed to a helper thread that
waits in MPI_Waitall (`Helper`), while this thread looks at the channel and the clock every
`LOOK_SECONDS`: MPICH moves a transfer along several times faster inside MPI_Waitall than
between repeated MPI_Test (or MPI_Waitsome) calls. A helper still waiting when a fault or the
timeout ends the wait stays blocked (a collective cannot be cancelled); the exit handler then
ends the job with MPI_Abort (`mpi_exit`). Without MPI_THREAD_MULTIPLE the wait tests in a loop
instead, spinning first, then sleeping a little longer each time, up to `_LONGEST_SLEEP`.
"""

import pickle
import queue
import threading
import time

from strided.distributed import faults
from strided.errors import DistributedError, DistributedTimeoutError

FAULT, ROLL_CALL, HERE, EXITING = 11, 12, 13, 14
LOOK_SECONDS = 0.002  # a wait handed to the helper looks at the channel and the clock this often
_QUICK_SECONDS = 0.0002  # test this long before handing a wait to the helper thread
_SPIN_SECONDS = 0.05  # test without sleeping this long at the start of a wait (MPI's own waits spin)
_TESTS_PER_CHECK = 32  # tests of the requests between two looks at the fault channel and the clock
_LONGEST_SLEEP = 0.001  # then sleep at most this long between tests
_ROLL_CALL_SECONDS = 0.5  # how long a rank that timed out waits for the others' answers
_TIMEOUT_TYPE = faults.type_name(DistributedTimeoutError(""))


class FaultChannel:
    """Notices between the ranks of `comm` (a communicator of its own, from Dup)."""

    def __init__(self, comm, MPI):
        self.comm = comm
        self.MPI = MPI
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()
        self.operations = 0  # collective operations started on this rank
        self.doing = "no collective operation"
        self.answers = {}  # rank -> its operation count (answers to a roll call)
        self.exiting = set()  # ranks that said EXITING
        self.unresponsive = set()  # ranks known not to answer (a roll call, or another rank's fault)
        self.faults = []  # FAULT records received and not yet raised
        self._sending = []  # isend requests in flight (kept alive until complete)
        self.helper = Helper(MPI) if MPI.Query_thread() == MPI.THREAD_MULTIPLE else None

    # sending ----------------------------------------------------------------------------
    def send(self, tag, payload, ranks=None):
        """Send `payload` (picklable) to `ranks` (default: every other rank) without waiting."""
        data = pickle.dumps(payload)
        for rank in range(self.size) if ranks is None else ranks:
            if rank == self.rank:
                continue
            try:
                self._sending.append(self.comm.Isend([data, self.MPI.BYTE], dest=rank, tag=tag))
            except Exception:  # noqa: BLE001  (a dead rank: nothing more can be done for it)
                pass
        self._sending = [request for request in self._sending if not _done(request)]

    def announce(self, error):
        """Tell every other rank that `error` was raised here (once)."""
        if getattr(error, faults.SHARED, False):
            return
        setattr(error, faults.SHARED, True)
        self.send(FAULT, faults.record(error, self.rank, self.unresponsive))

    # receiving --------------------------------------------------------------------------
    def poll(self):
        """Receive every notice that has arrived; answer roll calls; keep faults in `faults`."""
        status = self.MPI.Status()
        while self.comm.Iprobe(source=self.MPI.ANY_SOURCE, tag=self.MPI.ANY_TAG, status=status):
            source, tag = status.Get_source(), status.Get_tag()
            data = bytearray(status.Get_count(self.MPI.BYTE))
            self.comm.Recv([data, self.MPI.BYTE], source=source, tag=tag)
            payload = pickle.loads(data)  # sent by a rank of this same job
            if tag == FAULT:
                self.unresponsive.update(set(payload.get("unresponsive", ())) - {self.rank})
                self.faults.append(payload)
            elif tag == ROLL_CALL:
                self.send(HERE, self.operations, ranks=[source])
            elif tag == HERE:
                self.answers[source] = payload
            elif tag == EXITING:
                self.exiting.add(source)

    def raise_fault(self):
        """Raise the first fault another rank sent, as itself, if one has arrived."""
        self.poll()
        if self.faults:
            raise faults.rebuilt(self.faults.pop(0), self.size, self.rank, self.doing)

    # waiting ----------------------------------------------------------------------------
    def wait(self, requests, operation, timeout):
        """Return once every request in `requests` completed; raise another rank's fault, an
        MPI failure as `DistributedError`, or `DistributedTimeoutError` after `timeout` s."""
        try:
            if self.helper is not None:
                self._wait_with_helper(requests, operation, timeout)
            else:
                self._wait_testing(requests, operation, timeout)
        except self.MPI.Exception as error:
            raise DistributedError(f"{operation} on rank {self.rank} of {self.size} failed in MPI: "
                                   f"{error}", rank=self.rank) from error

    def _wait_with_helper(self, requests, operation, timeout):
        start = time.monotonic()
        while time.monotonic() - start < _QUICK_SECONDS:
            if self.MPI.Request.Testall(requests):
                return
        job = self.helper.wait_all(requests)
        while not job.done.wait(LOOK_SECONDS):
            self.raise_fault()
            waited = time.monotonic() - start
            if waited >= timeout:
                raise self._timed_out(operation, waited)
        if job.error is not None:
            raise job.error

    def _wait_testing(self, requests, operation, timeout):
        start = time.monotonic()
        pause = 0.0
        test_all = self.MPI.Request.Testall
        while True:
            for _ in range(_TESTS_PER_CHECK):
                if test_all(requests):
                    return
            self.raise_fault()
            waited = time.monotonic() - start
            if waited >= timeout:
                raise self._timed_out(operation, waited)
            if waited >= _SPIN_SECONDS:
                time.sleep(pause)
                pause = min(_LONGEST_SLEEP, pause * 2 or 0.00002)

    def _timed_out(self, operation, waited):
        """The DistributedTimeoutError for `operation` (after a roll call), or a fault another
        rank sent meanwhile (more telling than the timeout it caused)."""
        self.answers = {}
        self.send(ROLL_CALL, self.operations)
        deadline = time.monotonic() + _ROLL_CALL_SECONDS
        others = set(range(self.size)) - {self.rank}
        while time.monotonic() < deadline and set(self.answers) < others:
            self.poll()
            time.sleep(0.002)
        for entry in self.faults:
            if entry["type"] != _TIMEOUT_TYPE:
                self.faults.remove(entry)
                return faults.rebuilt(entry, self.size, self.rank, operation)
        missing = sorted(rank for rank in others if self.answers.get(rank, -1) < self.operations)
        self.unresponsive.update(missing)
        where = f"{operation} (collective operation {self.operations}) on rank {self.rank} of {self.size}"
        left = [rank for rank in missing if rank in self.exiting]
        if left:
            ranks = ", ".join(map(str, left))
            why = (f"{'rank' if len(left) == 1 else 'ranks'} {ranks} had left the job (the process ended "
                   "without this operation; an exception outside `collective.guard()`?)")
        elif missing:
            ranks = ", ".join(map(str, missing))
            why = (f"{'rank' if len(missing) == 1 else 'ranks'} {ranks} had not arrived: stopped, killed, "
                   "deadlocked or far slower than the others")
        else:
            why = ("every rank had arrived at this operation's number, yet it did not complete: the "
                   "ranks called different operations, or arrays of different sizes")
        return DistributedTimeoutError(
            f"{where} waited {waited:.1f} s, the timeout, and {why}. The job ends on every rank. "
            "If a rank is only slow, wait longer with strided.distributed.set_timeout(seconds) or "
            "the environment's STRIDED_DISTRIBUTED_TIMEOUT.",
            operation=operation, seconds=waited, missing=missing, rank=self.rank)


class _Job:
    def __init__(self, requests):
        self.requests = requests
        self.done = threading.Event()
        self.error = None


class Helper:
    """A daemon thread that waits in MPI_Waitall for the requests it is given, one set at a
    time (`wait_all` returns a job whose `done` event is set when they completed)."""

    def __init__(self, MPI):
        self.MPI = MPI
        self.jobs = queue.SimpleQueue()
        self.thread = None
        self.current = None  # the job being waited for, if any

    @property
    def stuck(self):
        """Whether the helper is still inside MPI_Waitall (for requests a fault abandoned)."""
        return self.current is not None and not self.current.done.is_set()

    def wait_all(self, requests):
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="strided-distributed-wait", daemon=True)
            self.thread.start()
        job = self.current = _Job(requests)
        self.jobs.put(job)
        return job

    def _run(self):
        while True:
            job = self.jobs.get()
            try:
                self.MPI.Request.Waitall(job.requests)
            except Exception as error:  # noqa: BLE001  (raised by the waiting thread)
                job.error = error
            job.done.set()


def _done(request):
    try:
        return request.Test()
    except Exception:  # noqa: BLE001
        return True


__all__ = ["FaultChannel", "Helper", "FAULT", "ROLL_CALL", "HERE", "EXITING", "LOOK_SECONDS"]
