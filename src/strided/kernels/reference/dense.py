"""The fully connected (Dense) layer: every output a weighted sum of every input.

Shapes: x (M, K), W (K, U), b (U,), y (M, U).

    y = x @ W + b
    dx = dy @ W^T          dW = x^T @ dy          db = sum of dy over the rows
"""


def dense(x2, kernel, bias=None):
    y = x2 @ kernel
    return y if bias is None else y + bias


def dense_backward(dy2, x2, kernel):
    """(dx, dkernel, dbias) of dense for the upstream gradient dy2 (M, U)."""
    return dy2 @ kernel.T, x2.T @ dy2, dy2.sum(axis=0)
