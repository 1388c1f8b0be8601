"""fit of the lessons' Fashion-MNIST CNN on this machine's cores: one process on threads vs MPI.

    python benchmarks/bench_fit_backends.py                     # every backend, best of 3 epochs
    python benchmarks/bench_fit_backends.py --images 3200 --batch 64 --epochs 3

Rows: one process on one thread; one process on two threads; MPI (`mpiexec -n 2`, one thread per
rank, `strided.distributed`). (A third backend, one process forking a helper per thread, was
removed: it was not measurably faster than MPI's two ranks, docs/distributed.md.) PyTorch DDP
is in bench_distributed.py. Each row runs in its own process (MPI: its own job), trains one
untimed epoch, then times `--epochs` epochs and keeps the fastest, and the median and shortest
of their steps (process 0's time from one step's end to the next's: robust to a busy machine). Random images of Fashion-MNIST's
shape (timing does not depend on their values). Prints images/s per backend; this is a
benchmark, nothing asserts a time.
"""

import argparse
import json
import os
import subprocess
import sys
import time

BACKENDS = {  # name -> (launcher prefix, threads per process)
    "1 process, 1 thread": ([], 1),
    "1 process, 2 threads": ([], 2),
    "mpi, 2 ranks": (["mpiexec", "-n", "2"], 1),
}


def run_one(images, batch, epochs, threads):
    """In the worker process: the best epoch's seconds, as JSON on stdout (rank 0)."""
    import numpy as np

    import strided
    from strided.applications import fashion_cnn

    strided.set_num_threads(threads)
    strided.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((images, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, images)
    model = fashion_cnn()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)  # warm-up
    best, steps = float("inf"), []

    class Clock(strided.callbacks.Callback):
        def on_train_batch_end(self, step, logs=None):
            steps.append(time.perf_counter())

    clock = Clock()
    durations = []
    for _ in range(epochs):
        start = time.perf_counter()
        steps.clear()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, callbacks=[clock])
        best = min(best, time.perf_counter() - start)
        durations.extend(np.diff(steps))  # from one step's end to the next's
    ranks = int(os.environ.get("PMI_SIZE", 1))  # under mpiexec (MPICH's Hydra)
    if int(os.environ.get("PMI_RANK", 0)) == 0:
        print(json.dumps({"seconds": best, "processes": ranks, "step_median": float(np.median(durations)),
                          "step_best": float(np.min(durations))}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=3200)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--only", default="", help="a backend name's start, e.g. 'mpi'")
    parser.add_argument("--worker", type=int, metavar="THREADS", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run_one(args.images, args.batch, args.epochs, args.worker)
        return
    print(f"Fashion-MNIST CNN, fit of {args.images} images at batch {args.batch}, best of {args.epochs} epochs")
    for name, (launcher, threads) in BACKENDS.items():
        if args.only and not name.startswith(args.only):
            continue
        command = launcher + [sys.executable, os.path.abspath(__file__), "--images", str(args.images),
                              "--batch", str(args.batch), "--epochs", str(args.epochs),
                              "--worker", str(threads)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=900)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode or not lines:
            print(f"{name:24s} failed: {done.stderr.strip()[-400:]}")
            continue
        result = json.loads(lines[-1])
        seconds = result["seconds"]
        print(f"{name:24s} [{result['processes']} process(es)] {seconds:7.3f} s/epoch  {args.images / seconds:8.0f} images/s  "
              f"steps: median {1000 * result['step_median']:6.1f} ms, best {1000 * result['step_best']:6.1f} ms")


if __name__ == "__main__":
    main()
