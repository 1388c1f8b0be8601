"""`Variable`: a named, trainable leaf Tensor — a layer's weight or an optimizer's state."""

import numpy as np

from strided import _config
from strided.autograd.tensor import Tensor


class Variable(Tensor):
    """A weight: a leaf Tensor with a name and a `trainable` flag, updated in place.

    Args:
        value: initial array.
        trainable: whether optimizers update it (and whether it requires grad).
        name: e.g. "kernel", "bias", "moving_mean".

    Example:
        >>> v = Variable(np.zeros(3), name="bias")
        >>> v.assign([1.0, 2.0, 3.0])
        >>> v.numpy()
        array([1., 2., 3.], dtype=float32)
    """

    def __init__(self, value, trainable=True, name=None, dtype=None):
        if dtype is None and np.asarray(getattr(value, "data", value)).dtype.kind == "f":
            dtype = _config.floatx()  # weights are float32 unless asked otherwise, as in Keras
        super().__init__(value, requires_grad=trainable, dtype=dtype, name=name)
        if not self.data.flags.writeable or not self.data.flags.owndata:
            self.data = np.array(self.data, copy=True)
        self._trainable = bool(trainable)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        self.requires_grad = self._trainable

    def assign(self, value):
        """Overwrite the values in place, keeping shape and dtype (Keras' `Variable.assign`)."""
        value = np.asarray(value.data if isinstance(value, Tensor) else value)
        if value.shape != self.data.shape:
            raise ValueError(
                f"Variable '{self.name}': cannot assign a value of shape {value.shape} to a "
                f"variable of shape {self.data.shape}"
            )
        self.data[...] = value

    def __repr__(self):
        return f"<Variable '{self.name}' shape={self.shape} dtype={self.dtype} trainable={self.trainable}>"
