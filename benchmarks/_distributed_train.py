"""One scaling measurement of `bench_distributed.py`, in its own process (or its own mpiexec job).

    python benchmarks/_distributed_train.py '<task as JSON>'
    mpiexec -n 2 python benchmarks/_distributed_train.py '<task as JSON>'   (modes mpi, ddp)

A task names a model ("fashion_cnn" and "mnist_cnn" on Fashion-MNIST, "cifar_cnn" and "resnet18"
on random 32x32x3 images, "resnet50" (strided modes only) on random 224x224x3 ones), the
global batch, the images per epoch, the repeats and one way of training:

    strided-1        strided, one process, one thread (the baseline of strided's rows)
    strided-threads  strided, one process, `threads` kernel threads
    strided-mpi      strided under `mpiexec -n N`: each rank trains on its share of every batch
    torch-1          PyTorch, one process, one thread (the baseline of PyTorch's rows)
    torch-threads    PyTorch, one process, `threads` intra-op threads
    torch-ddp        PyTorch DistributedDataParallel, gloo, under `mpiexec -n N` (env init)

Every rank runs the same untimed warm-up, then `repeats` epochs, each between two barriers;
rank 0 keeps the shortest and prints `BENCH_RESULT <JSON>` as the last line.
"""

import json
import os
import sys
import time

import _data
from _keraslike_runner import _warmup_count

MARKER = "BENCH_RESULT "


def _train_data(model, count):
    """The benchmark's images (`_data`), or random ImageNet-sized ones for ResNet-50."""
    if model != "resnet50":
        return _data.train_data(model, count)
    import numpy as np

    rng = np.random.default_rng(0)
    return rng.random((count, 224, 224, 3), dtype=np.float32), rng.integers(0, 1000, count)


def _mpi_rank_size():
    """(rank, size) from the launcher's environment (MPICH/Hydra, Open MPI, Slurm), else (0, 1)."""
    for rank_key, size_key in (("PMI_RANK", "PMI_SIZE"), ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
                               ("PMIX_RANK", "PMIX_SIZE"), ("SLURM_PROCID", "SLURM_NTASKS")):
        if rank_key in os.environ and size_key in os.environ:
            return int(os.environ[rank_key]), int(os.environ[size_key])
    return 0, 1


def _timed_epochs(run, repeats, barrier):
    """The shortest of `repeats` calls of run(), each started and ended on every rank together."""
    best = float("inf")
    for _ in range(max(1, repeats)):
        barrier()
        start = time.perf_counter()
        run()
        barrier()
        best = min(best, time.perf_counter() - start)
    return best


def strided_task(task):
    from threadpoolctl import threadpool_limits

    import strided

    mode = task["mode"]
    threads = 1 if mode in ("strided-1", "strided-mpi") else task["threads"]
    strided.set_num_threads(threads)
    limits = threadpool_limits(limits=threads)  # noqa: F841 -- kept for the process
    barrier = lambda: None
    if mode == "strided-mpi":
        from mpi4py import MPI

        barrier = MPI.COMM_WORLD.Barrier
    strided.utils.set_random_seed(0)
    if task["model"] == "resnet18":
        model = strided.applications.ResNet18(weights=None, input_shape=(32, 32, 3), classes=10)
    elif task["model"] == "resnet50":
        model = strided.applications.ResNet50(weights=None)
    else:
        model = getattr(strided.applications, task["model"])()
    model.compile(optimizer=strided.optimizers.Adam(), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x, y = _train_data(task["model"], task["images"])
    batch = task["batch"]
    fit = lambda xs, ys: model.fit(xs, ys, batch_size=batch, epochs=1, verbose=0, shuffle=True)
    warm = _warmup_count(task["images"], batch)
    fit(x[:warm], y[:warm])
    seconds = _timed_epochs(lambda: fit(x, y), task["repeats"], barrier)
    processes = _mpi_rank_size()[1] if mode == "strided-mpi" else 1
    return {"seconds": seconds, "processes": processes, "version": f"strided {strided.__version__}"}


def _torch_epoch(model, optimizer, x, y, batch, rank, size, epoch):
    """One epoch: every rank draws the same permutation and takes its slice of each global batch
    (DistributedSampler's sharding, on tensors already in memory as the 1-process loop slices them)."""
    import torch
    import torch.nn.functional as F

    model.train()
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(epoch))
    for start in range(0, len(x), batch):
        index = order[start:start + batch]
        share = -(-len(index) // size)
        index = index[rank * share:(rank + 1) * share]
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x[index]), y[index])
        loss.backward()
        optimizer.step()
        loss.item()  # what a loop that logs its loss waits for


def torch_task(task):
    import _torch_models
    import numpy as np
    import torch
    from threadpoolctl import threadpool_limits

    mode = task["mode"]
    threads = task["threads"] if mode == "torch-threads" else 1
    torch.set_num_threads(threads)
    limits = threadpool_limits(limits=threads)  # noqa: F841
    rank, size = _mpi_rank_size() if mode == "torch-ddp" else (0, 1)
    model = _torch_models.build(task["model"])
    barrier = lambda: None
    if mode == "torch-ddp":
        import torch.distributed as dist

        os.environ.update(RANK=str(rank), WORLD_SIZE=str(size))
        dist.init_process_group("gloo", init_method="env://")
        model = torch.nn.parallel.DistributedDataParallel(model)
        barrier = dist.barrier
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    x, y = _data.train_data(task["model"], task["images"])
    x = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    y = torch.from_numpy(y)
    batch = task["batch"]
    warm = _warmup_count(task["images"], batch)
    _torch_epoch(model, optimizer, x[:warm], y[:warm], batch, rank, size, 0)
    epochs = iter(range(1, 1000))
    run = lambda: _torch_epoch(model, optimizer, x, y, batch, rank, size, next(epochs))
    seconds = _timed_epochs(run, task["repeats"], barrier)
    if mode == "torch-ddp":
        torch.distributed.destroy_process_group()
    return {"seconds": seconds, "processes": size, "version": f"torch {torch.__version__}"}


def run_task(task):
    return strided_task(task) if task["mode"].startswith("strided") else torch_task(task)


if __name__ == "__main__":
    outcome = run_task(json.loads(sys.argv[1]))
    if _mpi_rank_size()[0] == 0:
        sys.stdout.flush()
        print(MARKER + json.dumps(outcome), flush=True)
