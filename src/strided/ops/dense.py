"""`dense_bias_activation`: the Dense layer's y = activation(x @ kernel + bias) as one op.

The same numbers as `ops.relu(ops.matmul(x, kernel) + bias)`, with one Function on the tape
instead of three: the bias is added and the ReLU applied in place on the GEMM's output, and
the backward pass is the textbook one,

    dx = dy @ W^T      dW = x^T @ dy      db = sum of dy over the rows

(dy masked by y > 0 first when the ReLU was fused). x may have any rank; its last axis is
the one multiplied, as in Keras' Dense.
"""


from strided.autograd import Function
from strided.kernels.dispatch import kernel_set
from strided.ops._base import as_tensor


class Dense(Function):
    """y = x @ kernel (+ bias) (then max(y, 0)), on x viewed as (rows, in_features)."""

    def __init__(self, relu):
        self.relu = relu

    def forward(self, x, kernel, bias=None):
        self.x_shape, self.x2, self.kernel = x.shape, x.reshape(-1, x.shape[-1]), kernel
        self.has_bias = bias is not None
        self.kernels = kernel_set()  # fast or reference (`kernels.dispatch`), for both passes
        self.images = x.shape[0] if x.ndim > 1 else None
        y = self.kernels.dense_forward(self.x2, kernel, bias, self.relu, images=self.images)
        self.y = y if self.relu else None
        return y.reshape(*x.shape[:-1], kernel.shape[-1])

    def backward(self, gy):
        need = self.needs_input_grad
        dx, dk, db = self.kernels.dense_backward(
            gy.reshape(-1, self.kernel.shape[-1]), self.x2, self.kernel, self.y, need[0], need[1],
            self.has_bias and need[2], images=self.images,
        )
        dx = None if dx is None else dx.reshape(self.x_shape)
        return (dx, dk, db) if self.has_bias else (dx, dk)


def dense_bias_activation(inputs, kernel, bias=None, activation=None):
    """`activation(inputs @ kernel + bias)` as one op (the Dense layer's fast path).

    Args:
        inputs: (..., in_features). kernel: (in_features, units). bias: (units,) or None.
        activation: None or "relu" (other activations are applied after, by the caller).

    Example:
        >>> dense_bias_activation(np.ones((2, 3)), np.ones((3, 4)), np.zeros(4), "relu").shape
        (2, 4)
    """
    kernel = as_tensor(kernel)
    x = as_tensor(inputs, like=kernel)
    if kernel.ndim != 2 or x.ndim < 1 or x.shape[-1] != kernel.shape[0]:
        raise ValueError(
            f"dense_bias_activation: expected inputs (..., {kernel.shape[0] if kernel.ndim == 2 else 'k'}) "
            f"and a 2-D kernel (k, units); received inputs {x.shape} and kernel {kernel.shape}."
        )
    if activation not in (None, "relu"):
        raise ValueError(f"dense_bias_activation: activation must be None or 'relu', received {activation!r}")
    extra = ()
    if bias is not None:
        bias = as_tensor(bias, like=x)
        if bias.shape != (kernel.shape[1],):
            raise ValueError(
                f"dense_bias_activation: the bias must have shape ({kernel.shape[1]},); received {bias.shape}"
            )
        extra = (bias,)
    return Dense.apply(x, kernel, *extra, relu=activation == "relu")


__all__ = ["dense_bias_activation"]
