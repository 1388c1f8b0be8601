"""`Linear`: PyTorch's y = x W^T + b as one Function, with W kept in PyTorch's (out, in) layout.

The engine's Dense op (`ops.dense_bias_activation`) takes Keras' kernel (in, out). Handing it
PyTorch's weight as a transposed view gives the right y, but its gradient comes back as the
transposed view of a (in, out) array, and the tape stores it as a Fortran-ordered copy: the
optimizer then cannot update the weight block by block (`optim/_blocks.py`), and every reader
of `weight.grad` sees a transposed layout. This Function computes the same GEMMs so that each
gradient comes out in its parameter's own layout:

    y = x W^T + b          dx = dy W          dW = dy^T x          db = sum of dy over rows

(with `relu`, y = max(y, 0) in place and dy masked by y > 0 first: `nn.Sequential`'s
Linear -> ReLU). The kernels are `kernel_set().linear_forward` / `linear_backward`: the fast
ones (`kernels.fast.linear`) run on the batch's leaves (sums along its halving tree, as every
kernel: the same bits on any number of threads or processes) and on strided's threads, so
that OpenBLAS's own threads, left spinning after a product, do not slow the convolutions.
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
        self.kernels = kernel_set()  # the same set for both passes
        self.x2 = x.reshape(-1, x.shape[-1])
        self.images = x.shape[0] if x.ndim > 1 else None  # samples: the batch's leaves are whole samples
        y = self.kernels.linear_forward(self.x2, weight, bias, self.relu, self.images)
        self.y = y if self.relu else None
        return y.reshape(*x.shape[:-1], weight.shape[0])

    def backward(self, gy):
        need = self.needs_input_grad
        g = gy.reshape(-1, self.weight.shape[0])
        dx, dw, db = self.kernels.linear_backward(g, self.x2, self.weight, self.y, need[0], need[1],
                                                  self.has_bias and need[2], self.images)
        dx = dx.reshape(self.x_shape) if dx is not None else None
        if not self.has_bias:
            return dx, dw
        return dx, dw, np.asarray(db) if db is not None else None


def linear_node(x, weight, bias=None, relu=False):
    """The engine tensor of relu?(x W^T + b) for engine tensors x (..., in), W (out, in), b (out,)."""
    extra = () if bias is None else (bias,)
    return Linear.apply(x, weight, *extra, relu=relu)
