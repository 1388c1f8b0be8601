"""Elementwise arithmetic with NumPy broadcasting, and matrix multiplication.

Broadcasting stretches an operand; its gradient is summed back over the stretched axes
(`unbroadcast`), so a bias of shape (C,) added to (N, H, W, C) gets a (C,) gradient.
"""

import numpy as np

from strided.autograd import Function, Tensor
from strided.ops._base import as_tensor, check_broadcastable, unbroadcast


class Add(Function):
    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a + b

    def backward(self, gy):
        return unbroadcast(gy, self.shapes[0]), unbroadcast(gy, self.shapes[1])


class Subtract(Function):
    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a - b

    def backward(self, gy):
        return unbroadcast(gy, self.shapes[0]), unbroadcast(-gy, self.shapes[1])


class Multiply(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, gy):
        ga = unbroadcast(gy * self.b, self.a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(gy * self.a, self.b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Divide(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, gy):
        ga = unbroadcast(gy / self.b, self.a.shape) if self.needs_input_grad[0] else None
        gb = (
            unbroadcast(-gy * self.a / (self.b * self.b), self.b.shape)
            if self.needs_input_grad[1]
            else None
        )
        return ga, gb


class Negative(Function):
    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class Power(Function):
    """x ** p for a constant exponent p."""

    def __init__(self, exponent):
        self.exponent = exponent

    def forward(self, x):
        self.x = x
        return x**self.exponent

    def backward(self, gy):
        p = self.exponent
        return gy * (p * self.x ** (p - 1)).astype(self.x.dtype, copy=False)


class MatMul(Function):
    """a @ b for 2-D (or batched) matrices: da = gy @ b^T, db = a^T @ gy."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a @ b

    def backward(self, gy):
        a, b = self.a, self.b
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = gy @ np.swapaxes(b, -1, -2) if b.ndim > 1 else np.multiply.outer(gy, b)
            ga = unbroadcast(ga, a.shape)
        if self.needs_input_grad[1]:
            if a.ndim == 1:
                gb = np.multiply.outer(a, gy)
            else:
                gb = np.swapaxes(a, -1, -2) @ gy if gy.ndim > 1 else np.multiply.outer(a.T, gy)
                gb = unbroadcast(gb, b.shape)
        return ga, gb


def _binary(function, name, a, b):
    a = as_tensor(a, like=b if isinstance(b, Tensor) else None)
    b = as_tensor(b, like=a)
    check_broadcastable(name, a, b)
    return function.apply(a, b)


def add(x1, x2):
    """x1 + x2 with broadcasting."""
    return _binary(Add, "add", x1, x2)


def subtract(x1, x2):
    """x1 - x2 with broadcasting."""
    return _binary(Subtract, "subtract", x1, x2)


def multiply(x1, x2):
    """x1 * x2 (elementwise) with broadcasting."""
    return _binary(Multiply, "multiply", x1, x2)


def divide(x1, x2):
    """x1 / x2 (elementwise) with broadcasting."""
    return _binary(Divide, "divide", x1, x2)


def negative(x):
    return Negative.apply(as_tensor(x))


def power(x, exponent):
    """x ** exponent for a constant (Python number) exponent."""
    if not np.isscalar(exponent):
        raise TypeError(f"power: the exponent must be a Python number. Received: {type(exponent).__name__}")
    return Power.apply(as_tensor(x), exponent=exponent)


def matmul(x1, x2):
    """Matrix product x1 @ x2 (the Dense layer's GEMM); shapes (..., n, k) @ (k, m)."""
    a, b = as_tensor(x1), as_tensor(x2)
    a = as_tensor(a, like=b)
    b = as_tensor(b, like=a)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: inputs must have at least 1 dimension. Received shapes {a.shape} and {b.shape}")
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise ValueError(
            f"matmul: the last axis of the first input ({inner_a}) must equal the "
            f"{'only' if b.ndim == 1 else 'second-to-last'} axis of the second ({inner_b}). "
            f"Received shapes {a.shape} and {b.shape}"
        )
    return MatMul.apply(a, b)


__all__ = ["add", "subtract", "multiply", "divide", "negative", "power", "matmul"]
