"""The fast kernels' choices between two ways of computing the same thing, measured side by side.

    python benchmarks/bench_kernel_choices.py [--repeat 30]

Each row times the two methods a fast kernel chooses between (`strided/kernels/fast/tuning.py`
holds the thresholds) on one thread, on the shapes the choice was made for, and prints the
best time of each in microseconds. docs/speed.md ("Why the fast kernels choose as they do")
quotes its output. A benchmark, not a test: nothing here asserts a time.
"""

import argparse
import time

import numpy as np
from numpy.lib.stride_tricks import as_strided
from threadpoolctl import threadpool_limits

from strided.kernels.fast import elementwise
from strided.kernels.fast.conv import weight_gradient
from strided.kernels.fast.im2col import (
    fill_im2col,
    fill_im2col_transposed,
    im2col,
    pad_spatial,
    strided_view,
)
from strided.kernels.fast.input_gradient import (
    add_input_gradient,
    flipped_kernel,
    input_gradient_by_correlation,
)
from strided.kernels.parallel import Scratch


def best_us(fn, repeat):
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1e6


def rows():
    """(choice, shape, (name, fn), (name, fn)) for every measured choice."""
    rng = np.random.default_rng(0)
    f32 = np.float32

    def patches_of(shape, pads=((1, 1), (1, 1))):
        return im2col(pad_spatial(rng.standard_normal(shape).astype(f32), pads), (3, 3))

    small = np.zeros((1, 30, 30, 32), f32)
    view_shape, view_strides = (1, 28, 28, 3, 3, 32), small.strides[:3] + small.strides[1:]
    yield ("patches view", "one 28x28x32 image",
           ("as_strided", lambda: as_strided(small, view_shape, view_strides, writeable=False)),
           ("strided_view", lambda: strided_view(small, view_shape, view_strides)))

    mnist = patches_of((64, 28, 28, 1), ((0, 0), (0, 0)))
    rows_layout = np.empty((*mnist.shape[:3], 9), f32)
    transposed = np.empty((9, *mnist.shape[:3]), f32)
    yield ("im2col of few channels", "64 MNIST digits, 3x3x1",
           ("rows (fill_im2col)", lambda: fill_im2col(rows_layout, mnist)),
           ("transposed", lambda: fill_im2col_transposed(transposed, mnist)))

    cifar = patches_of((64, 32, 32, 3))
    target = np.empty(cifar.shape, f32)

    def slabs(target=target, patches=cifar):
        for a in range(3):
            for b in range(3):
                target[..., a, b, :] = patches[..., a, b, :]

    yield ("im2col copy", "64 CIFAR images, 3x3x3",
           ("whole view", lambda: np.copyto(target, cifar)), ("slab per offset", slabs))

    cols = rng.standard_normal((64 * 26 * 26, 9)).astype(f32)
    gy2 = rng.standard_normal((64 * 26 * 26, 32)).astype(f32)
    yield ("dK of a narrow im2col matrix", "(43264, 9)^T @ (43264, 32)",
           ("cols.T @ dY", lambda: cols.T @ gy2), ("(dY.T @ cols).T", lambda: weight_gradient(cols, gy2)))

    for label, x_shape, out_channels, pads in [
        ("'same' 16x16x32 -> 32, batch 32", (32, 16, 16, 32), 32, ((1, 1), (1, 1))),
        ("'valid' 13x13x32 -> 64, batch 32", (32, 13, 13, 32), 64, ((0, 0), (0, 0))),
    ]:
        kernel = rng.standard_normal((3, 3, x_shape[-1], out_channels)).astype(f32)
        out_hw = (x_shape[1] + sum(pads[0]) - 2, x_shape[2] + sum(pads[1]) - 2)
        gy = rng.standard_normal((x_shape[0], *out_hw, out_channels)).astype(f32)
        padded = np.empty((x_shape[0], x_shape[1] + sum(pads[0]), x_shape[2] + sum(pads[1]), x_shape[3]), f32)
        slab = np.empty((gy.size // out_channels, x_shape[3]), f32)
        dx = np.empty(x_shape, f32)
        flipped, scratch = flipped_kernel(kernel), Scratch()

        def offsets(padded=padded, gy=gy, kernel=kernel, slab=slab):
            padded.fill(0)
            add_input_gradient(padded, gy, kernel, slab=slab)

        yield ("convolution dX", label, ("by kernel offsets", offsets),
               ("by correlation", lambda dx=dx, gy=gy, flipped=flipped, pads=pads, scratch=scratch:
                input_gradient_by_correlation(dx, gy, flipped, (3, 3), pads, scratch)))

    x = rng.standard_normal((128 * 1024 // 32, 32)).astype(f32)
    out = np.empty_like(x)
    scale = rng.standard_normal(32).astype(f32)
    channels = elementwise.ChannelVector(scale)
    channels.wide  # noqa: B018  (made once per op, not per call)
    yield ("ReLU", "128K floats", ("np.maximum(x, 0)", lambda: np.maximum(x, 0, out=out)),
           ("wide rows", lambda: elementwise.relu(x, out)))
    yield ("per-channel scale", "(4096, 32) * (32,)", ("broadcast", lambda: np.multiply(x, scale, out=out)),
           ("wide rows", lambda: elementwise.per_channel(np.multiply, x, channels, out)))
    yield ("column sums", "(4096, 32)", ("x.sum(axis=0)", lambda: x.sum(axis=0)),
           ("ones @ x (GEMV)", lambda: elementwise.column_sums(x)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="runs of each method; the best is kept")
    args = parser.parse_args()
    print("| choice | shape | method A | us | method B | us |")
    print("|---|---|---|---:|---|---:|")
    with threadpool_limits(1):
        for choice, shape, (name_a, a), (name_b, b) in rows():
            print(f"| {choice} | {shape} | {name_a} | {best_us(a, args.repeat):.1f} | {name_b} | "
                  f"{best_us(b, args.repeat):.1f} |", flush=True)


if __name__ == "__main__":
    main()
