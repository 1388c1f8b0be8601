"""A job whose rank 1 fails at step 3 of a loop of allreduce_sum inside `collective.guard()`
(tests/distributed/test_collective_faults.py launches it).

    python collective_faults.py raise   rank 1 raises ValueError
    python collective_faults.py outside rank 1 raises ValueError, with no guard around the loop
    python collective_faults.py stop    rank 1 stops itself (SIGSTOP)
    python collective_faults.py kill    rank 1 kills itself (SIGKILL)

Each rank first reports its pid and the MPI shared-memory files it mapped; a rank that catches
an exception reports its type, message and notes, then raises it again (the job fails).
"""

import contextlib
import os
import signal
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from collective_launch import mapped_shared_memory_names, report  # noqa: E402


def main(mode):
    import strided.distributed as distributed

    collective = distributed.world()
    rank = collective.rank
    report(rank, kind="started", pid=os.getpid(), shared_memory=mapped_shared_memory_names())
    try:
        with collective.guard() if mode != "outside" else contextlib.nullcontext():
            for step in range(200):
                if step == 3 and rank == 1:
                    if mode in ("raise", "outside"):
                        raise ValueError("bad batch 17: labels out of range")
                    os.kill(os.getpid(), signal.SIGSTOP if mode == "stop" else signal.SIGKILL)
                collective.allreduce_sum(np.full(10, float(rank)))
                time.sleep(0.01)
    except BaseException as error:
        report(rank, kind="raised", type=type(error).__name__, message=str(error),
               notes=list(getattr(error, "__notes__", [])), missing=getattr(error, "missing", None))
        if collective.broken is not None:  # (not on the rank that raised outside any guard)
            try:  # the collective cannot be used any more: every operation says so at once
                collective.barrier()
                report(rank, kind="afterwards", error=None)
            except distributed.DistributedError as later:
                report(rank, kind="afterwards", error=str(later))
        raise
    report(rank, kind="finished")


if __name__ == "__main__":
    main(sys.argv[1])
