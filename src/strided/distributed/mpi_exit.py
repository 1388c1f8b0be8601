"""How a rank of an MPI job leaves: at exit (`end_job`), and without leaving files behind.

`end_job` runs at interpreter exit (atexit, before mpi4py finalises MPI). Every rank says
EXITING to the others; a rank ended by an uncaught exception raised outside any
`collective.guard()` first sends it as a FAULT, as the guard would have. A rank whose collective broke (a fault, a timeout), or that heard of
another rank's fault after its own last operation, then waits -- at most the timeout -- for
every rank that still answers to say EXITING too. If every rank did and no thread of this
process is still inside MPI, MPI finalises normally (each rank has printed its error; the
job's status is the exceptions' exit status, 1). If some rank did not (stopped, deadlocked,
or too slow), or this rank's helper thread is still waiting for an operation the fault
interrupted (a collective cannot be cancelled, and MPI cannot finalise around it), this rank
calls MPI_Abort(1) after every rank that answers has reported: the launcher kills every rank,
a stopped one included, and the job ends non-zero.

MPICH keeps its shared memory in a file /dev/shm/mpich_shm_* that it removes in MPI_Finalize,
so a job that is killed or aborted would leave it behind. Once every rank has attached to it
(after MPI_Init on every rank) its name is no longer needed: `forget_shared_memory_names`
unlinks it then, and the memory is freed with the job's last process, however it ends.
"""

import os
import sys
import time

from strided.distributed.mpi_channel import EXITING
from strided.errors import DistributedError

_SHARED_MEMORY_PREFIXES = ("/dev/shm/mpich_shm_",)  # MPICH's (ch4 and ch3 share the name)


def shared_memory_files():
    """The MPI shared-memory files this process has mapped (from /proc/self/maps; Linux)."""
    try:
        with open("/proc/self/maps") as maps:
            lines = maps.read().splitlines()
    except OSError:
        return []
    return sorted({line.split(None, 5)[5] for line in lines
                   if len(line.split(None, 5)) == 6 and line.split(None, 5)[5].startswith(_SHARED_MEMORY_PREFIXES)
                   and not line.endswith("(deleted)")})


def forget_shared_memory_names():
    """Unlink the names of MPI's shared-memory files this process has mapped (the mappings,
    and the memory, stay until the job's processes end)."""
    for path in shared_memory_files():
        try:
            os.unlink(path)
        except OSError:  # another rank of this machine removed it first
            pass


def end_job(reference):
    """At exit: say so to the other ranks; after a fault, wait for the ranks that still answer
    to leave too (at most the timeout), then let MPI finalise, or abort the job if a rank did
    not answer (the launcher then kills every rank, a stopped one included)."""
    collective = reference()
    if collective is None or collective._MPI.Is_finalized():
        return
    channel = collective._channel
    try:
        channel.poll()
    except Exception:  # noqa: BLE001
        pass
    uncaught = getattr(sys, "last_value", None)  # set when an uncaught exception ends the program
    if collective._broken is None and isinstance(uncaught, BaseException):
        collective._fail(uncaught)  # tell the others: they raise it instead of waiting for this rank
    if collective._broken is None and channel.faults:
        entry = channel.faults[0]
        sys.stderr.write(f"strided.distributed: rank {entry['rank']} raised {entry['type']}: {entry['message']} "
                         f"(after rank {collective.rank}'s last collective operation)\n")
        collective._broken = DistributedError(entry["message"], rank=entry["rank"], type_name=entry["type"])
    channel.send(EXITING, None)
    if collective._broken is None:
        return
    others = set(range(collective.size)) - {collective.rank} - channel.unresponsive
    deadline = time.monotonic() + collective.timeout
    while not others <= channel.exiting and time.monotonic() < deadline:
        try:
            channel.poll()
        except Exception:  # noqa: BLE001
            break
        time.sleep(0.002)
    silent = sorted(set(range(collective.size)) - {collective.rank} - channel.exiting)
    stuck = channel.helper is not None and channel.helper.stuck
    if not silent and not stuck:
        return
    forget_shared_memory_names()
    why = (f"{'rank' if len(silent) == 1 else 'ranks'} {', '.join(map(str, silent))} did not answer" if silent
           else "its wait for an operation the fault interrupted cannot be cancelled")
    sys.stdout.flush()
    sys.stderr.write(f"strided.distributed: rank {collective.rank} ends the job with MPI_Abort: {why}.\n")
    sys.stderr.flush()
    collective._MPI.COMM_WORLD.Abort(1)


__all__ = ["end_job", "forget_shared_memory_names", "shared_memory_files"]
