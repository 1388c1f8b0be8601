"""Analytic FLOP counts of a model's training step, and the machine's float32 matmul peak.

Convention (the usual one for CNN papers, made explicit):

* one multiply-add is 2 FLOPs; only the matrix products are counted:
  Conv2D `2 * H' * W' * kh * kw * Cin * Cout` per image (H', W' the output size),
  Dense `2 * in * out` per image (times the positions, for a Dense on a >2-D input);
  biases, activations, pooling, BatchNormalization, dropout and the optimizer are left out
  (they are a few percent of the total for these models);
* a training step costs 3x the forward product of every weighted layer (forward, gradient of
  the weights, gradient of the input) except the FIRST weighted layer, which costs 2x: its input
  is the data, whose gradient nobody needs (strided, PyTorch and TensorFlow all skip it).

    >>> from strided.applications import fashion_cnn
    >>> count_flops(fashion_cnn()).training / 1e6     # MFLOP per image
    29.557248
"""

import time
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FlopCount:
    """FLOPs per image: `forward` (inference) and `training` (forward + backward)."""

    forward: int
    training: int


def _layer_forward_flops(layer):
    """Forward FLOPs per image of one layer (0 for layers without a matrix product)."""
    kind = type(layer).__name__
    if kind in ("Conv2D", "Conv1D", "Conv3D"):
        kernel = layer.kernel.shape                         # (kh, kw, cin, cout)
        positions = int(np.prod(layer.output_shape[1:-1]))  # H' * W' (channels-last)
        return 2 * positions * int(np.prod(kernel))
    if kind == "Dense":
        kernel = layer.kernel.shape                         # (in, out)
        positions = int(np.prod(layer.output_shape[1:-1] or (1,)))
        return 2 * positions * int(np.prod(kernel))
    if hasattr(layer, "layers"):                            # a nested model
        return sum(_layer_forward_flops(inner) for inner in layer.layers)
    if hasattr(layer, "kernel"):                            # a layer this counter does not know
        raise ValueError(f"count_flops: no FLOP formula for {kind} '{layer.name}'.")
    return 0


def count_flops(model):
    """FLOPs per image of a built strided model (see the module docstring for the convention).

    Returns:
        FlopCount(forward=..., training=...), integers, per image.
    """
    forward = training = 0
    first = True
    for layer in model.layers:
        flops = _layer_forward_flops(layer)
        if flops:
            forward += flops
            training += flops * (2 if first else 3)
            first = False
    return FlopCount(forward, training)


MATMUL_SHAPES = ((43264, 576, 64), (7744, 576, 64), (2048, 2048, 2048))


def matmul_peak(repeats=5, shapes=MATMUL_SHAPES):
    """Best float32 GFLOP/s of NumPy's matmul over a few conv-shaped products (m, k, n).

    Run it inside the benchmark's thread limit. Returns (best GFLOP/s, {shape: GFLOP/s}).
    """
    rng = np.random.default_rng(0)
    results = {}
    for m, k, n in shapes:
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        out = np.empty((m, n), np.float32)
        np.matmul(a, b, out=out)  # warm-up
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            np.matmul(a, b, out=out)
            best = min(best, time.perf_counter() - start)
        results[f"({m}, {k}) @ ({k}, {n})"] = 2 * m * k * n / best / 1e9
    return max(results.values()), results
