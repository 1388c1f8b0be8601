"""Winograd F(2x2, 3x3) against im2col, kernel by kernel, and what the cost model chooses.

    python benchmarks/bench_winograd.py                  # the default shapes, one thread
    python benchmarks/bench_winograd.py --threads 2 --repeat 9
    python benchmarks/bench_winograd.py --shapes 16x32x64x64,1x14x512x512
    python benchmarks/bench_winograd.py --layers-without-winograd --threads 1 --only conv --repeat 5

The last form is the "before" column of docs/speed.md: `bench_layers.py` with its arguments,
the fast Conv2D routed to im2col (`kernels.fast.conv`) as before Winograd.

For each (batch, size, in channels, out channels), a 3x3 'same' convolution with bias and ReLU:
the forward pass (inference) and the backward pass (dX, dK and db) by `kernels.fast.conv`
(im2col) and by `kernels.fast.winograd`, measured in turn (best of --repeat), and the choice of
`kernels.fast.conv_methods.prefers_winograd` for each pass. The constants of that cost model
(`kernels.fast.tuning`, WINOGRAD_*) were fitted to this script's output. This is a benchmark:
nothing here asserts a time.
"""

import argparse
import os
import runpy
import sys
import time

import numpy as np

import strided
from strided.kernels.fast import conv, conv_methods, winograd

SHAPES = (
    "16x32x16x16,16x32x24x24,16x32x32x32,16x32x48x48,16x32x64x64,8x16x128x128,32x16x256x256,"
    "32x8x256x256,8x56x64x64,1x56x64x64,1x28x128x128,1x14x256x256,1x14x512x512,8x14x512x512,"
    "1x7x512x512,4x7x512x512,32x4x256x256"
)
SAME = ((1, 1), (1, 1))


def best_pair(first, second, repeat):
    """Best times (ms) of two functions, run in turn so that a busy machine slows both alike."""
    best = [float("inf")] * 2
    for _ in range(repeat):
        for index, fn in enumerate((first, second)):
            start = time.perf_counter()
            fn()
            best[index] = min(best[index], time.perf_counter() - start)
    return best[0] * 1e3, best[1] * 1e3


def measure(n, size, channels, out_channels, repeat):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, size, size, channels), dtype=np.float32)
    kernel = rng.standard_normal((3, 3, channels, out_channels), dtype=np.float32) * 0.1
    bias = np.zeros(out_channels, np.float32)
    forward = best_pair(
        lambda: conv.conv2d_forward(x, kernel, pads=SAME, bias=bias, relu=True, training=False),
        lambda: winograd.winograd_conv2d_forward(x, kernel, SAME, bias, relu=True, training=False),
        repeat,
    )
    y, saved = conv.conv2d_forward(x, kernel, pads=SAME, bias=bias, relu=True)
    gy = rng.standard_normal(y.shape, dtype=np.float32)
    backward = best_pair(
        lambda: conv.conv2d_backward(
            gy, saved, x.shape, kernel, pads=SAME, need_dbias=True, relu_output=y
        ),
        lambda: winograd.winograd_conv2d_backward(
            gy, saved, x.shape, kernel, SAME, True, True, True, y
        ),
        repeat,
    )
    choice = [
        conv_methods.prefers_winograd(x.shape, kernel.shape, (1, 1), SAME, (1, 1), 1, *need)
        for need in ((False, False), (True, True))
    ]
    return forward, backward, choice


def layers_without_winograd(arguments):
    """Run bench_layers.py with `arguments`, the fast kernels' Conv2D on im2col only."""
    from strided.kernels import fast_set

    fast_set.conv2d_forward, fast_set.conv2d_backward = conv.conv2d_forward, conv.conv2d_backward
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    sys.argv = [os.path.join(here, "bench_layers.py"), *arguments]
    runpy.run_path(sys.argv[0], run_name="__main__")


def main():
    if "--layers-without-winograd" in sys.argv[1:]:
        return layers_without_winograd(
            [a for a in sys.argv[1:] if a != "--layers-without-winograd"]
        )
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--shapes", default=SHAPES, help="comma-separated NxSIZExCINxCOUT")
    args = parser.parse_args()
    strided.set_num_threads(args.threads)
    print(f"{args.threads} thread(s), best of {args.repeat}, load average {os.getloadavg()[0]:.2f}")
    print(
        f"{'N x size x C -> O':22s} {'forward im2col':>15s} {'Winograd':>9s} {'model':>9s}"
        f" {'backward im2col':>16s} {'Winograd':>9s} {'model':>9s}"
    )
    for shape in args.shapes.split(","):
        n, size, channels, out_channels = (int(part) for part in shape.split("x"))
        (fi, fw), (bi, bw), (forward_choice, backward_choice) = measure(
            n, size, channels, out_channels, args.repeat
        )
        names = {True: "Winograd", False: "im2col"}
        print(
            f"{shape:22s} {fi:15.2f} {fw:9.2f} {names[forward_choice]:>9s} {bi:16.2f} {bw:9.2f}"
            f" {names[backward_choice]:>9s}",
            flush=True,
        )


if __name__ == "__main__":
    main()
