"""The allreduce microbenchmark of `bench_distributed.py`: seconds to sum a float32 array over ranks.

    MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 mpiexec -n 2 python benchmarks/_distributed_allreduce.py '{"sizes": [1024, 1048576], "seconds": 0.2}'

For each message size (bytes), three ways of summing one array over the ranks:

    mpi4py   comm.Allreduce(send, receive, op=MPI.SUM) on NumPy buffers (the MPI library's own)
    strided  strided.distributed.world().allreduce_sum(array) (rank-ordered sum, same bits on
             every rank), when strided.distributed has it
    gloo     torch.distributed.all_reduce(tensor) with the gloo backend (PyTorch DDP's on CPU)

Each is called repeatedly for about `seconds` after three warm-up calls; the time kept is the
shortest of those calls (each call started together on all ranks by a barrier, so one rank's
late arrival is not timed as the collective's cost; on a machine shared with other work, a rank
that lost its core for a while only ever makes a call slower, so the shortest is the cost). Rank 0 prints `BENCH_RESULT <JSON>`:
{"mpi4py": {size: seconds}, "strided": {...} or an "error", "gloo": {...}}.
"""

import json
import os
import sys
import time

import numpy as np

MARKER = "BENCH_RESULT "


def _shortest_call(call, barrier, agree, seconds, max_calls=2000):
    """The shortest of about `seconds` worth of calls; every rank makes the same number of calls
    (`agree` turns this rank's estimate into the group's), or the collectives would not match."""
    for _ in range(3):
        call()
    start = time.perf_counter()
    call()
    estimate = time.perf_counter() - start
    calls = int(min(max_calls, max(5, seconds / max(agree(estimate), 1e-7))))
    times = []
    for _ in range(calls):
        barrier()
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def _strided_allreduce():
    """strided's allreduce_sum on this MPI world, or the reason it is not available."""
    try:
        from strided import distributed

        world = distributed.world()
    except (ImportError, AttributeError) as error:
        return None, f"strided.distributed.world() not available: {error}"
    if world.size < 2:
        return None, f"strided.distributed.world() has {world.size} rank(s) under mpiexec"
    return world.allreduce_sum, None


def measure(sizes, seconds):
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    rank = comm.rank
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(comm.size))
    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method="env://")
    agree = lambda value: comm.allreduce(value, op=MPI.MAX)
    strided_sum, strided_error = _strided_allreduce()
    results = {"mpi4py": {}, "gloo": {}, "strided": {}}
    for size in sizes:
        array = np.full(size // 4, rank + 1, dtype=np.float32)
        out = np.empty_like(array)
        tensor = torch.zeros(size // 4)  # zeros stay zeros however often they are summed
        results["mpi4py"][size] = _shortest_call(
            lambda a=array, o=out: comm.Allreduce(a, o, op=MPI.SUM), comm.Barrier, agree, seconds)
        assert out[0] == comm.size * (comm.size + 1) / 2
        results["gloo"][size] = _shortest_call(lambda t=tensor: dist.all_reduce(t), dist.barrier, agree, seconds)
        if strided_sum is not None:
            results["strided"][size] = _shortest_call(lambda a=array: strided_sum(a), comm.Barrier, agree, seconds)
    if strided_sum is None:
        results["strided"] = {"error": strided_error}
    dist.destroy_process_group()
    return rank, {"ranks": comm.size, "results": results}


if __name__ == "__main__":
    task = json.loads(sys.argv[1])
    rank, outcome = measure(task["sizes"], task["seconds"])
    if rank == 0:
        sys.stdout.flush()
        print(MARKER + json.dumps(outcome), flush=True)
