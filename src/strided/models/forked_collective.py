"""The collective interface (`strided.distributed.collective`) between forked processes of one
machine, in shared memory: the backend of data-parallel fit without a launcher
(`models.data_parallel`), beside MPI's (`strided.distributed`) with a launcher.

The group is made before the fork (`ForkedGroup`): two areas of `capacity` bytes per process,
in one anonymous shared mapping, and two semaphores per helper. Each process then takes its
member (`group.member(p)`), a `Collective` of rank p. Every operation is one exchange:

    write this rank's array into its part of area (calls % 2)
    exchange: each helper posts `ready` and waits for `go`; process 0 waits for every
              `ready`, then posts every `go`                     -> every part is written
    read the parts (allreduce_sum adds them along the ranks' tree: the same bits in every process)

The areas alternate, so a part is rewritten only after every process has passed the next
exchange, that is, finished reading it. Process 0 ends the group (`close`): a helper waiting
in an exchange then raises `Stopped` and exits quietly. Faults never hang: a helper's exception
is raised by process 0 as itself (`helper_faults`), a helper silent for `helper_timeout()`
seconds is killed and named, and a helper whose parent is gone stops.
"""

import os
import pickle

import numpy as np

from strided.distributed.collective import Collective
from strided.kernels.collective import tree_combine
from strided.models import forked

_GO, _STOP = 1, 0


class Stopped(Exception):
    """Raised in a helper that process 0 told to stop (or whose parent is gone)."""


class ForkedGroup:
    """The shared memory and semaphores of `processes` processes, made before the fork."""

    def __init__(self, processes, capacity):
        import multiprocessing

        self.processes, self.capacity = processes, int(capacity)
        shared = forked.Shared([((2, processes, self.capacity), np.uint8), ((2, processes, 8), np.int64),
                                ((1,), np.int64), ((processes, forked.ERROR_BYTES), np.uint8),
                                ((processes,), np.int64)])
        self.areas, self.headers, self.verdict, self.errors, self.private = shared.arrays
        self.verdict[0] = _GO
        context = multiprocessing.get_context("fork")
        self.ready = [context.Semaphore(0) for _ in range(processes)]  # helper p -> process 0
        self.go = [context.Semaphore(0) for _ in range(processes)]     # process 0 -> helper p
        self.pids = [None] * processes
        self.parent = os.getpid()

    def member(self, p):
        return _Member(self, p)

    # ---------------------------------------------------------------- process 0
    def fork(self, run):
        """Fork helpers 1.., each calling run(p) then exiting (an error written for process 0)."""
        for p in range(1, self.processes):
            self.pids[p] = forked.fork_helper(lambda p=p: self._helper(run, p), self.errors[p], (Stopped,))

    def _helper(self, run, p):
        try:
            try:
                run(p)
            finally:  # also when stopped: process 0's stop can overtake the last step's `go`
                self.private[p] = forked.private_bytes()
        except Stopped:
            raise
        except BaseException:
            forked.write_error(self.errors[p])  # before process 0 is woken to read it
            self.ready[p].release()
            raise

    def helper_memory(self):
        """The helpers' private resident memory at their end, in bytes (after `close`)."""
        return int(self.private[1:].sum())

    def close(self):
        """Stop the helpers (those waiting in an exchange, now or at their next) and reap them;
        one that does not end in time is killed."""
        self.verdict[0] = _STOP
        for p in range(1, self.processes):
            self.go[p].release()
        for p in range(1, self.processes):
            if self.pids[p] is not None:
                forked.end(self.pids[p], forked.helper_timeout())
                self.pids[p] = None

    def _wait_for(self, p):
        """Acquire helper p's `ready`; raise its error, or if it died or does not answer."""
        pid = self.pids[p]
        got = forked.acquire(self.ready[p], lambda: forked.child_alive(pid))
        if got is None:
            self.pids[p] = None
            raise forked.stalled("data-parallel training", p, pid)
        error = forked.helper_error(self.errors[p], f"data-parallel helper process {p} (pid {pid})")
        if error is not None:
            raise error
        if not got:
            self.pids[p] = None
            raise RuntimeError(f"data-parallel training: helper process {p} (pid {pid}) ended "
                               "unexpectedly (killed?) without reporting an error.")

    # ---------------------------------------------------------------- every process
    def exchange(self, p):
        """Return once every process has called exchange() (see the module)."""
        if p == 0:
            for helper in range(1, self.processes):
                self._wait_for(helper)
            for helper in range(1, self.processes):
                self.go[helper].release()
            return
        self.ready[p].release()
        # (waiting twice as long as process 0 does for a helper: process 0 reports first)
        parent_alive = lambda: os.getppid() == self.parent  # noqa: E731
        if not forked.acquire(self.go[p], parent_alive, 2 * forked.helper_timeout()) or self.verdict[0] == _STOP:
            raise Stopped


class _Member(Collective):
    """Process p's view of a `ForkedGroup`: rank p of `processes`."""

    def __init__(self, group, p):
        self.group, self.rank, self.size = group, p, group.processes
        self.timeout = forked.helper_timeout()
        self.calls = 0

    def _share(self, array):
        """Write `array` into this rank's part, exchange; the area index."""
        area = self.calls % 2
        self.calls += 1
        array = np.ascontiguousarray(array)
        if array.nbytes > self.group.capacity or array.ndim > 6:
            raise RuntimeError(f"data-parallel training: {array.nbytes} bytes of {array.shape} to exchange, "
                               f"room for {self.group.capacity}")
        self.group.headers[area, self.rank, :] = [array.nbytes, array.ndim, *array.shape, *[0] * (6 - array.ndim)]
        self.group.areas[area, self.rank, :array.nbytes] = array.reshape(-1).view(np.uint8)
        self.group.exchange(self.rank)
        return area

    def _part(self, area, q, dtype):
        nbytes, ndim, *shape = (int(v) for v in self.group.headers[area, q])
        return self.group.areas[area, q, :nbytes].view(dtype).reshape(shape[:ndim])

    def allgather(self, array):
        array = np.asarray(array)
        area = self._share(array)
        return [self._part(area, q, array.dtype).copy() for q in range(self.size)]

    def allreduce_sum(self, array):
        array = np.asarray(array)
        area = self._share(array)
        parts = [self._part(area, q, array.dtype) for q in range(self.size)]
        return np.array(tree_combine(parts, np.add), copy=True)  # the ranks' tree, as MPI's

    def broadcast(self, value, root=0):
        data = np.frombuffer(pickle.dumps(value), np.uint8) if self.rank == root else np.zeros(0, np.uint8)
        area = self._share(data)
        return pickle.loads(self._part(area, root, np.uint8).tobytes())  # written by our own fork

    def barrier(self):
        self.group.exchange(self.rank)


__all__ = ["ForkedGroup", "Stopped"]
