"""strided.torch against real PyTorch on the same PyTorch code: lesson 004's ConvNet and the
PyTorch MNIST example's Net, a training step (Adam, batch 64) and prediction (batch 256), on
Fashion-MNIST-shaped random data, with the same thread count for both.

    python benchmarks/bench_torch_frontend.py --threads 1 --steps 20

The two frameworks take turns (one step of each, repeatedly) so a busy machine slows both alike;
the report gives each one's median and best time per step and the ratios strided / PyTorch of
the medians and of the bests (on a shared machine the bests are the steadier).
This is a benchmark, not a test: nothing here asserts a time.
"""

import argparse
import time

import numpy as np
from _torch_api_worker import lesson_004_convnet, pytorch_mnist_example


def frameworks():
    import torch
    import torch.nn as tnn
    import torch.nn.functional as TF

    import strided.torch as storch
    import strided.torch.nn as snn
    import strided.torch.nn.functional as SF

    return {"strided": (storch, snn, SF), "torch": (torch, tnn, TF)}


def make_step(torch, nn, F, model_name, kind, batch, seed):
    rng = np.random.default_rng(seed)
    model = (lesson_004_convnet if model_name == "convnet" else pytorch_mnist_example)(nn)
    x = torch.from_numpy(rng.standard_normal((batch, 1, 28, 28)).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, 10, batch))
    if kind == "predict":
        model.eval()

        def step():
            with torch.no_grad():
                model(x)
        return step
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    return step


def measure(libs, model_name, kind, batch, steps):
    """{framework: [seconds per step]}: one step of each framework in turn, `steps` times, after
    3 untimed rounds (so that a busy machine slows both alike)."""
    runs = {name: make_step(*lib, model_name, kind, batch, 0) for name, lib in libs.items()}
    times = {name: [] for name in runs}
    for index in range(steps + 3):
        for name, step in runs.items():
            start = time.perf_counter()
            step()
            if index >= 3:
                times[name].append(time.perf_counter() - start)
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--only", default="", help="comma-separated models: convnet, mnist-example")
    args = parser.parse_args(argv)
    import torch

    import strided

    torch.set_num_threads(args.threads)
    strided.set_num_threads(args.threads)
    libs = frameworks()
    models = [m for m in ("convnet", "mnist-example") if not args.only or m in args.only.split(",")]
    print(f"threads: {args.threads}, timed steps: {args.steps} (after 3 untimed)")
    print("| model | task | strided.torch median (best) ms | PyTorch median (best) ms | ratio (median) | "
          "ratio (best) |")
    print("|---|---|---|---|---|---|")
    for model_name in models:
        for kind, batch in (("train", 64), ("predict", 256)):
            times = measure(libs, model_name, kind, batch, args.steps)
            ours, theirs = (np.array(times[n]) * 1e3 for n in ("strided", "torch"))
            print(f"| {model_name} | {kind} b{batch} | {np.median(ours):.1f} ({ours.min():.1f}) | "
                  f"{np.median(theirs):.1f} ({theirs.min():.1f}) | {np.median(ours) / np.median(theirs):.2f} | "
                  f"{ours.min() / theirs.min():.2f} |", flush=True)


if __name__ == "__main__":
    main()
