"""Every collective operation of `strided.distributed.world()` under mpiexec, reported per rank
(tests/distributed/test_collective_mpi.py launches it and checks the reports).

The inputs come from `inputs(case, rank)`, which the test calls too, so it can add the ranks'
arrays in rank order in one process and compare bits.
"""

import hashlib
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from collective_launch import report  # noqa: E402

# name: (shape, dtype); "spread" values span many magnitudes, so the order of addition shows
CASES = {
    "small float64": ((5,), np.float64),
    "float16": ((7,), np.float16),
    "large complex64": ((20001,), np.complex64),
    "scalar float64": ((), np.float64),
    "empty float32": ((0, 4), np.float32),
    "int64": ((1000,), np.int64),
    "large float32": ((100003,), np.float32),
    "large float64 2-D": ((300, 301), np.float64),
}


def inputs(case, rank):
    """Rank `rank`'s array for `case` (the same on every machine)."""
    shape, dtype = CASES[case]
    generator = np.random.default_rng([sorted(CASES).index(case), rank])
    if np.dtype(dtype).kind == "i":
        return np.asarray(generator.integers(-10**12, 10**12, shape), dtype)
    spread = generator.standard_normal(shape) * 10.0 ** generator.integers(-6, 7, shape)
    if np.dtype(dtype).kind == "c":
        spread = spread + 1j * generator.standard_normal(shape)
    if np.dtype(dtype) == np.float16:
        spread = generator.standard_normal(shape) * 100
    return np.asarray(spread, dtype)


def digest(array):
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest() + f" {array.dtype} {array.shape}"


def main():
    import strided.distributed as distributed

    collective = distributed.world()
    rank = collective.rank
    report(rank, kind="world", type=type(collective).__name__, size=distributed.size(),
           rank_function=distributed.rank(), primary=distributed.is_primary(), timeout=distributed.timeout(),
           waits_on_helper_thread=collective._channel.helper is not None, pid=os.getpid())
    for case in CASES:
        mine = inputs(case, rank)
        before = mine.copy()
        total = collective.allreduce_sum(mine)
        out = np.full_like(mine, 7)
        written = collective.allreduce_sum(mine, out=out)
        in_place = mine.copy()
        collective.allreduce_sum(in_place, out=in_place)
        report(rank, kind="allreduce", case=case, digest=digest(total), out_digest=digest(out),
               in_place_digest=digest(in_place), out_is_out=written is out,
               input_unchanged=bool(np.array_equal(before, mine)))
    # started sums: every case in flight at once, an allgather made meanwhile, then the results
    started = {case: collective.start_allreduce_sum(inputs(case, rank), slot=case) for case in CASES}
    meanwhile = collective.allgather(np.full((1, 2), rank, np.int64))
    for pending in started.values():
        pending.advance()
    for case, pending in started.items():
        report(rank, kind="started", case=case, digest=digest(pending.result()),
               meanwhile=[int(a[0, 0]) for a in meanwhile])
    # allgather: first dimensions differ by rank (rank 0 sends none), values say whose they are
    mine = np.arange(rank * 2 * 3, dtype=np.float32).reshape(rank * 2, 3) + 1000 * rank
    gathered = collective.allgather(mine)
    report(rank, kind="allgather", shapes=[list(a.shape) for a in gathered],
           values=[a.ravel().tolist() for a in gathered], dtypes=[str(a.dtype) for a in gathered])
    try:  # the last rank sends another dtype: every rank raises the same error
        collective.allgather(np.zeros((1, 3), np.int32 if rank == collective.size - 1 else np.float32))
        report(rank, kind="allgather mismatch", error=None)
    except ValueError as error:
        report(rank, kind="allgather mismatch", error=str(error))
    # broadcast: an array from rank 1, a dict from the last rank, an unpicklable value from rank 0
    array = collective.broadcast(np.arange(6, dtype=np.float32).reshape(2, 3) * 1.5 if rank == 1 else None, root=1)
    value = collective.broadcast({"from": rank, "list": [1, 2.5, "x"]} if rank == collective.size - 1 else "ignored",
                                 root=collective.size - 1)
    try:
        collective.broadcast(lambda: None, root=0)
        unsendable = None
    except TypeError as error:
        unsendable = str(error)
    report(rank, kind="broadcast", array=array.tolist(), dtype=str(array.dtype), value=value, unsendable=unsendable)
    collective.barrier()
    report(rank, kind="done")


if __name__ == "__main__":
    main()
