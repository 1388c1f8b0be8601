"""`Linear`: PyTorch's y = x W^T + b as one Function, with W kept in PyTorch's (out, in) layout.

The engine's Dense op (`ops.dense_bias_activation`) takes Keras' kernel (in, out). Handing it
PyTorch's weight as a transposed view gives the right y, but its gradient comes back as the
transposed view of a (in, out) array, and the tape stores it as a Fortran-ordered copy: the
optimizer then cannot update the weight block by block (`optim/_blocks.py`), and every reader
of `weight.grad` sees a transposed layout. This Function computes the same GEMMs so that each
gradient comes out in its parameter's own layout:

    y = x W^T + b          dx = dy W          dW = dy^T x          db = sum of dy over rows

(with `relu`, y = max(y, 0) in place and dy masked by y > 0 first: `nn.Sequential`'s
Linear -> ReLU). The forward GEMM is the fast Dense kernel's (`kernel_set().dense_forward`).
"""

import numpy as np

from strided.autograd import Function
from strided.kernels.dispatch import kernel_set


class Linear(Function):
    """y = x @ W.T (+ b) (then max(y, 0)) on x viewed as (rows, in_features); W is (out, in)."""

    def __init__(self, relu=False):
        self.relu = relu

    def forward(self, x, weight, bias=None):
        self.x_shape, self.weight, self.has_bias = x.shape, weight, bias is not None
        self.x2 = x.reshape(-1, x.shape[-1])
        y = kernel_set().dense_forward(self.x2, weight.T, bias, self.relu)
        self.y = y if self.relu else None
        return y.reshape(*x.shape[:-1], weight.shape[0])

    def backward(self, gy):
        need = self.needs_input_grad
        g = gy.reshape(-1, self.weight.shape[0])
        if self.y is not None:
            g = g * (self.y > 0)
        dx = (g @ self.weight).reshape(self.x_shape) if need[0] else None
        dw = g.T @ self.x2 if need[1] else None
        if not self.has_bias:
            return dx, dw
        db = g.sum(axis=0) if need[2] else None
        return dx, dw, np.asarray(db) if db is not None else None


def linear_node(x, weight, bias=None, relu=False):
    """The engine tensor of relu?(x W^T + b) for engine tensors x (..., in), W (out, in), b (out,)."""
    extra = () if bias is None else (bias,)
    return Linear.apply(x, weight, *extra, relu=relu)
