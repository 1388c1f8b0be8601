"""Fast Dense: y = x @ W + b with the bias added and the ReLU applied in place on the GEMM's output.

Accelerates `kernels.reference.dense` (followed by `reference.activations.relu`). The trick:
no new array for y + b or for max(y, 0) -- both run in place on the GEMM's result, the ReLU
over wide rows (`elementwise.relu`); the backward pass is the reference one, with dy masked
by y > 0 first when the ReLU was fused.
"""

from strided.kernels.fast import elementwise


def dense_forward(x2, kernel, bias=None, relu=False):
    """y (M, U) = x2 @ kernel (+ bias) (then max(y, 0)), for x2 (M, K)."""
    y = x2 @ kernel
    if bias is not None:
        y += bias
    if relu:
        elementwise.relu(y, y)
    return y


def dense_backward(gy2, x2, kernel, relu_output=None, need_dx=True, need_dkernel=True, need_dbias=True):
    """(dx, dkernel, dbias) for the upstream gradient gy2 (M, U); `relu_output` is the forward's
    y when it applied a ReLU (its mask y > 0 is applied to gy2 first)."""
    g = gy2 if relu_output is None else gy2 * (relu_output > 0)
    dx = g @ kernel.T if need_dx else None
    dk = x2.T @ g if need_dkernel else None
    db = g.sum(axis=0) if need_dbias else None
    return dx, dk, db
