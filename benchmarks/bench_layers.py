"""Forward + backward time of the lessons' CNN layers: strided vs PyTorch CPU, same process, same threads.

    python benchmarks/bench_layers.py [--threads 2] [--batch 64] [--repeat 20]

Prints one row per layer: strided ms, PyTorch ms, ratio (strided / PyTorch; below 1 is faster).
This is a benchmark, not a test: nothing here asserts a time.
"""

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F
from threadpoolctl import threadpool_limits

import strided
from strided import ops
from strided.autograd import Tensor


def best_time(fn, repeat):
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def strided_step(fn, arrays):
    def run():
        tensors = [Tensor(a, requires_grad=True) for a in arrays]
        y = fn(*tensors)
        y.backward(np.ones(y.shape, np.float32))
    return run


def torch_step(fn, arrays):
    def run():
        tensors = [torch.from_numpy(a).requires_grad_() for a in arrays]
        y = fn(*tensors)
        y.backward(torch.ones_like(y))
    return run


def cases(batch, rng):
    """(name, strided fn, torch fn, strided arrays (NHWC), torch arrays (NCHW))."""
    def conv_case(name, h, cin, cout, k, padding=0):
        x = rng.standard_normal((batch, h, h, cin)).astype(np.float32)
        w = (rng.standard_normal((k, k, cin, cout)) * 0.1).astype(np.float32)
        return (
            name,
            lambda a, b: ops.conv(a, b, padding=padding),
            lambda a, b: F.conv2d(a, b, padding=padding),
            [x, w],
            [np.ascontiguousarray(x.transpose(0, 3, 1, 2)), np.ascontiguousarray(w.transpose(3, 2, 0, 1))],
        )

    rows = [
        conv_case("Conv2D 32 3x3 on 28x28x1", 28, 1, 32, 3),
        conv_case("Conv2D 64 3x3 on 13x13x32", 13, 32, 64, 3),
        conv_case("Conv2D 64 3x3 on 26x26x64", 26, 64, 64, 3),
        conv_case("Conv2D 128 3x3 on 5x5x64", 5, 64, 128, 3),
        conv_case("Conv2D 32 3x3 'same' on 32x32x3", 32, 3, 32, 3, padding=1),
    ]
    if hasattr(ops, "max_pool"):
        x = rng.standard_normal((batch, 26, 26, 64)).astype(np.float32)
        rows.append((
            "MaxPooling2D 2x2 on 26x26x64",
            lambda a: ops.max_pool(a, 2),
            lambda a: F.max_pool2d(a, 2),
            [x],
            [np.ascontiguousarray(x.transpose(0, 3, 1, 2))],
        ))
    for h, cin in ((28, 1), (13, 64)):  # the lessons' Conv2D(64, relu) + MaxPooling2D blocks
        x = rng.standard_normal((batch, h, h, cin)).astype(np.float32)
        w = (rng.standard_normal((3, 3, cin, 64)) * 0.1).astype(np.float32)
        b = (rng.standard_normal(64) * 0.1).astype(np.float32)
        rows.append((
            f"Conv2D 64 relu + MaxPool on {h}x{h}x{cin}",
            lambda a, k, bias: ops.conv_relu_max_pool(a, k, bias, pool_size=2),
            lambda a, k, bias: F.max_pool2d(F.relu(F.conv2d(a, k, bias)), 2),
            [x, w, b],
            [np.ascontiguousarray(x.transpose(0, 3, 1, 2)), np.ascontiguousarray(w.transpose(3, 2, 0, 1)), b],
        ))
    x = rng.standard_normal((batch, 1600)).astype(np.float32)
    w = (rng.standard_normal((1600, 128)) * 0.05).astype(np.float32)
    b = np.zeros(128, np.float32)
    rows.append(("Dense 1600 -> 128 (+ bias, relu)", lambda a, k, bias: ops.dense_bias_activation(a, k, bias, "relu"),
                 lambda a, k, bias: F.relu(a @ k + bias), [x, w, b], [x, w, b]))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    strided.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    print(f"batch {args.batch}, {args.threads} threads, forward + backward, best of {args.repeat}")
    print(f"{'layer':36s} {'strided ms':>11s} {'torch ms':>9s} {'ratio':>6s}")
    with threadpool_limits(limits=args.threads):
        for name, s_fn, t_fn, s_arrays, t_arrays in cases(args.batch, rng):
            s = best_time(strided_step(s_fn, s_arrays), args.repeat)
            t = best_time(torch_step(t_fn, t_arrays), args.repeat)
            print(f"{name:36s} {s * 1e3:11.2f} {t * 1e3:9.2f} {s / t:6.2f}")


if __name__ == "__main__":
    main()
