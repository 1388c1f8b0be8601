"""Time the Fashion-MNIST CNN's training step (or inference) for one convolution chunk budget.

`kernels.parallel.WORKING_SET_FLOATS` sizes a convolution's chunks while training,
`INFERENCE_WORKING_SET_FLOATS` for inference; this runs `train_on_batch` (or `predict_on_batch`)
with a given budget and thread count, in one process, and prints
the best and the 25th percentile of 30, in wall time, and in the calling thread's CPU time (the
figure to read on one thread of a busy machine).

    python benchmarks/bench_chunk_budget.py --threads 1 --budget-floats 524288 --mode train
    python benchmarks/bench_chunk_budget.py --threads 1 --budget-floats 131072 --mode predict
"""

import argparse
import pathlib
import sys
import time

import numpy as np

import strided
from strided.kernels import parallel

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "models"))
from lesson_models import fashion_mnist_model  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=strided.get_num_threads())
    parser.add_argument("--budget-floats", type=int, default=None,
                        help="the mode's budget in floats (default: the current constant)")
    parser.add_argument("--mode", choices=["train", "predict"], default="train")
    parser.add_argument("--batch", type=int, default=None, help="32 for train, 500 for predict")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    strided.set_num_threads(args.threads)
    name = "WORKING_SET_FLOATS" if args.mode == "train" else "INFERENCE_WORKING_SET_FLOATS"
    budget = args.budget_floats or getattr(parallel, name)
    setattr(parallel, name, budget)
    strided.utils.set_random_seed(0)
    model = fashion_mnist_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    batch = args.batch or (32 if args.mode == "train" else 500)
    x = rng.random((batch, 28, 28, 1), np.float32)
    y = rng.integers(0, 10, batch)
    step = (lambda: model.train_on_batch(x, y)) if args.mode == "train" else (lambda: model.predict_on_batch(x))
    with strided.runtime.speed_settings():
        for _ in range(3):
            step()
        times, cpu = [], []
        for _ in range(args.repeats):
            start, start_cpu = time.perf_counter(), time.thread_time()
            step()
            times.append(time.perf_counter() - start)
            cpu.append(time.thread_time() - start_cpu)
    for label, values in (("wall", times), ("calling thread's CPU", cpu)):
        print(f"threads={args.threads} budget={budget * 4 / 2**20:g} MB {args.mode} batch={batch} {label}: "
              f"best {min(values) * 1e3:.2f} ms, 25th percentile {np.percentile(values, 25) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
