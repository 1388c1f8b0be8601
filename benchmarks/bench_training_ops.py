"""The training step of the lessons' PyTorch CNNs, op by op: strided.torch against PyTorch.

    python benchmarks/bench_training_ops.py --threads 1 --rounds 3
    python benchmarks/bench_training_ops.py --threads 2 --rounds 3 --only l4
    python benchmarks/bench_training_ops.py --threads 2 --rounds 5 --models   # whole training steps

Every layer of lesson 004's ConvNet (`l4`: Conv2d 1->16 5x5 pad 2, BatchNorm2d + ReLU,
MaxPool2d 2, Conv2d 16->32 5x5 pad 2, ..., Linear 1568->10, cross_entropy, Adam) and of the
PyTorch MNIST example's Net (`mn`: Conv2d 1->32 3x3, ReLU, Conv2d 32->64 3x3, ReLU,
max_pool2d 2, dropout, Linear 9216->128, ..., nll_loss(log_softmax), Adadelta) at batch 64,
each op's forward and backward timed on its own (or, with `--models`, whole training steps), on the same code run by each framework (the
same module objects the models use: Sequential's BatchNorm2d -> ReLU is one op in both). The
inputs have the memory layout each framework's previous layer leaves (strided: channels-last
memory under an NCHW tensor; PyTorch: contiguous NCHW).

Each framework runs in its own process (`--worker`), the two taking turns for `--rounds`
rounds; each reports, per op, the best of `--repeats` calls of its wall time and of its CPU
time (the process's, all threads). On one thread CPU time is the steadier measure on a shared
machine; on two, wall time is what counts, and PyTorch's OpenMP threads spin (CPU time then
overstates its work). This is a benchmark, not a test: nothing here asserts a time.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

BATCH = 64


def _framework(name):
    if name == "torch":
        import torch

        return torch, torch.nn, torch.nn.functional
    import strided.torch as torch
    import strided.torch.nn as nn
    import strided.torch.nn.functional as F  # noqa: N812

    return torch, nn, F


def _image(torch, name, shape, grad, rng):
    """A float32 (N, C, H, W) input in the layout the framework's previous layer leaves."""
    n, c, h, w = shape
    data = rng.standard_normal((n, h, w, c)).astype(np.float32)
    if name == "torch":
        tensor = torch.from_numpy(np.ascontiguousarray(data.transpose(0, 3, 1, 2)))
    else:
        tensor = torch.from_numpy(data).permute(0, 3, 1, 2)
    return tensor.requires_grad_(grad) if grad else tensor


def cases(name, torch, nn, F, rng):  # noqa: N803
    """{op name: (module or function, its input)} for both models' layers."""
    torch.manual_seed(0)
    flat = lambda shape: torch.from_numpy(rng.standard_normal(shape).astype(np.float32)).requires_grad_(True)  # noqa: E731
    labels = torch.from_numpy(rng.integers(0, 10, BATCH).astype(np.int64))
    image = lambda shape, grad=True: _image(torch, name, shape, grad, rng)  # noqa: E731
    fc_small, fc_large = nn.Linear(1568, 10), nn.Linear(9216, 128)
    return {
        "l4 conv1 (1->16 5x5 p2)": (nn.Conv2d(1, 16, 5, padding=2), image((BATCH, 1, 28, 28), False)),
        "l4 bn1+relu (16x28x28)": (nn.Sequential(nn.BatchNorm2d(16), nn.ReLU()), image((BATCH, 16, 28, 28))),
        "l4 pool1 (16x28x28)": (nn.MaxPool2d(2, 2), image((BATCH, 16, 28, 28))),
        "l4 bn1+relu+pool1 (as the model)": (nn.Sequential(nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2, 2)),
                                             image((BATCH, 16, 28, 28))),
        "l4 conv2 (16->32 5x5 p2)": (nn.Conv2d(16, 32, 5, padding=2), image((BATCH, 16, 14, 14))),
        "l4 bn2+relu (32x14x14)": (nn.Sequential(nn.BatchNorm2d(32), nn.ReLU()), image((BATCH, 32, 14, 14))),
        "l4 pool2 (32x14x14)": (nn.MaxPool2d(2, 2), image((BATCH, 32, 14, 14))),
        "l4 bn2+relu+pool2 (as the model)": (nn.Sequential(nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2, 2)),
                                             image((BATCH, 32, 14, 14))),
        "l4 flatten+fc (1568->10)": (lambda x: fc_small(x.reshape(x.size(0), -1)), image((BATCH, 32, 7, 7))),
        "l4 cross_entropy": (lambda x: F.cross_entropy(x, labels), flat((BATCH, 10))),
        "mn conv1 (1->32 3x3)": (nn.Conv2d(1, 32, 3, 1), image((BATCH, 1, 28, 28), False)),
        "mn relu (32x26x26)": (F.relu, image((BATCH, 32, 26, 26))),
        "mn conv2 (32->64 3x3)": (nn.Conv2d(32, 64, 3, 1), image((BATCH, 32, 26, 26))),
        "mn relu (64x24x24)": (F.relu, image((BATCH, 64, 24, 24))),
        "mn max_pool2d (64x24x24)": (lambda x: F.max_pool2d(x, 2), image((BATCH, 64, 24, 24))),
        "mn dropout (64x12x12)": (nn.Dropout(0.25), image((BATCH, 64, 12, 12))),
        "mn flatten+fc1+relu (9216->128)": (lambda x: F.relu(fc_large(torch.flatten(x, 1))),
                                            image((BATCH, 64, 12, 12))),
    }


def _optimizer_cases(torch, nn, which):
    """(model, optimizer) whose `step()` is timed, on gradients of ones."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from _torch_api_worker import lesson_004_convnet, pytorch_mnist_example

    if which == "l4":
        model = lesson_004_convnet(nn)
        return model, torch.optim.Adam(model.parameters(), lr=1e-3)
    model = pytorch_mnist_example(nn)
    return model, torch.optim.Adadelta(model.parameters(), lr=1.0)


def _best(fn, repeats, before=None):
    wall = cpu = float("inf")
    for _ in range(repeats):
        if before is not None:
            before()
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = min(wall, time.perf_counter() - w), min(cpu, time.process_time() - c)
    return wall, cpu


def model_steps(torch, nn, F, repeats, only):  # noqa: N803
    """{model: [wall, cpu, 0, 0]}: the best of `repeats` whole training steps (zero_grad, forward,
    loss, backward, optimizer step) of each model as its program trains it, at batch 64."""
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.random((BATCH, 1, 28, 28)).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, 10, BATCH).astype(np.int64))
    results = {}
    for which, loss in (("l4", lambda out: F.cross_entropy(out, y)), ("mn", lambda out: F.nll_loss(out, y))):
        if only and not only.startswith(which):
            continue
        model, optimizer = _optimizer_cases(torch, nn, which)

        def step(model=model, optimizer=optimizer, loss=loss):
            optimizer.zero_grad()
            loss(model(x)).backward()
            optimizer.step()

        for _ in range(5):
            step()
        wall, cpu = _best(step, repeats)
        results[f"{which} training step (whole model)"] = [wall, cpu, 0.0, 0.0]
    return results


def worker(name, threads, repeats, only, models):
    torch, nn, F = _framework(name)  # noqa: N806
    if name == "torch":
        torch.set_num_threads(threads)
    else:
        import strided

        strided.set_num_threads(threads)
    if models:
        print("RESULT " + json.dumps(model_steps(torch, nn, F, repeats, only)))
        return
    rng = np.random.default_rng(0)
    results = {}
    for op, (fn, x) in cases(name, torch, nn, F, rng).items():
        if only and not op.startswith(only):
            continue
        if hasattr(fn, "train"):
            fn.train()
        state = {}

        def forward(fn=fn, x=x, state=state):
            state["y"] = fn(x)

        def backward(state=state):
            state["y"].backward(state["g"])

        def fresh_forward(fn=fn, x=x, state=state):
            x.grad = None
            forward(fn, x, state)
            if "g" not in state:
                state["g"] = torch.from_numpy(rng.standard_normal(tuple(state["y"].shape)).astype(np.float32))

        for _ in range(3):
            fresh_forward()
            backward()
        wall_f, cpu_f = _best(forward, repeats)
        wall_b, cpu_b = _best(backward, repeats, before=fresh_forward)
        results[op] = [wall_f, cpu_f, wall_b, cpu_b]
    for which in ("l4", "mn"):
        if only and not only.startswith(which):
            continue
        model, optimizer = _optimizer_cases(torch, nn, which)
        for p in model.parameters():
            p.grad = torch.ones_like(p) * 1e-3
        for _ in range(3):
            optimizer.step()
        wall, cpu = _best(optimizer.step, repeats)
        results[f"{which} optimizer step ({type(optimizer).__name__})"] = [wall, cpu, 0.0, 0.0]
    print("RESULT " + json.dumps(results))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--only", default="", help="ops whose name starts with this (e.g. 'l4', 'mn conv')")
    parser.add_argument("--frameworks", default="strided,torch")
    parser.add_argument("--models", action="store_true", help="time whole training steps instead of ops")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.threads, args.repeats, args.only, args.models)
        return
    best = {}
    names = args.frameworks.split(",")
    for _ in range(args.rounds):
        for name in names:
            out = subprocess.run([sys.executable, __file__, "--worker", name, "--threads", str(args.threads),
                                  "--repeats", str(args.repeats), "--only", args.only]
                                 + (["--models"] if args.models else []),
                                 capture_output=True, text=True, check=True).stdout
            line = next(line for line in out.splitlines() if line.startswith("RESULT "))
            for op, times in json.loads(line[len("RESULT "):]).items():
                mine = best.setdefault(op, {}).setdefault(name, times)
                best[op][name] = [min(a, b) for a, b in zip(mine, times)]
    measure = "CPU" if args.threads == 1 else "wall"
    column = 1 if args.threads == 1 else 0
    print(f"{args.threads} thread(s), batch {BATCH}, best of {args.rounds} x {args.repeats}, {measure} ms"
          " (forward | backward; ratio strided / PyTorch)")
    print(f"{'op':34s} {'strided':>15s} {'PyTorch':>15s} {'ratio':>11s}")
    if os.environ.get("PYTHONPATH"):
        print(f"(strided from PYTHONPATH={os.environ['PYTHONPATH']})")
    for op, by in best.items():
        cells = []
        for name in names:
            times = by.get(name)
            forward, backward = times[column] * 1e3, times[column + 2] * 1e3
            cells.append(f"{forward:6.2f} | {backward:6.2f}")
        ratio = ""
        if len(names) == 2 and by.get(names[1]):
            s, t = by[names[0]], by[names[1]]
            ratio = f"{s[column] / t[column]:4.2f} | " + (f"{s[column + 2] / t[column + 2]:4.2f}" if t[column + 2] else "  - ")
        print(f"{op[:34]:34s} " + " ".join(f"{c:>15s}" for c in cells) + f" {ratio:>11s}")


if __name__ == "__main__":
    main()
