"""`nn.Parameter`: a leaf Tensor that a Module registers as a trainable weight."""

import numpy as np

from strided.autograd import Tensor as Node
from strided.torch._tensor import Tensor, as_array


class Parameter(Tensor):
    """A Tensor that is a module's weight: `requires_grad=True` and listed by `parameters()`.

    Args:
        data: the initial values (a Tensor or array; float32 by default). Shared, not copied,
            when it is a Tensor, as in PyTorch.
        requires_grad: whether optimizers should update it.

    Example:
        >>> w = Parameter(torch.zeros(3, 2))
        >>> w.requires_grad
        True
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            array = np.zeros((0,), np.float32)
        else:
            array = as_array(data)
            if not isinstance(data, (Tensor, np.ndarray)):
                array = np.array(array, copy=True)
        self._node = Node(array, requires_grad=False, _copy=False)
        if requires_grad:
            self.requires_grad_(True)

    def __deepcopy__(self, memo):
        copied = Parameter(np.array(self._node.data, copy=True), self.requires_grad)
        if self._node.grad is not None:
            copied._node.grad = np.array(self._node.grad, copy=True)
        memo[id(self)] = copied
        return copied

    def __reduce_ex__(self, protocol):
        return (Parameter, (np.array(self._node.data), self.requires_grad))


class Buffer(Tensor):
    """`nn.Buffer(tensor)`: marks a tensor to be registered as a buffer when set on a Module."""

    def __init__(self, data, persistent=True):
        self._node = Node(as_array(data), _copy=False)
        self.persistent = persistent
