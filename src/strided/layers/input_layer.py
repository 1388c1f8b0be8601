"""`Input` and `InputLayer`: where a functional model starts.

`keras.Input(shape=(28, 28, 1))` makes an `InputLayer` and returns its symbolic output, a
`KerasTensor` of shape (None, 28, 28, 1): `None` is the batch size, unknown until data
arrives. Calling layers on it records the graph that `keras.Model(inputs, outputs)` reads.
"""

from strided.layers.base import Layer, _standardize_dtype
from strided.layers.keras_tensor import KerasTensor, Node


class InputLayer(Layer):
    """The entry point of a model: holds the expected input shape and dtype, no weights.

    Args:
        shape: shape of one sample, without the batch axis, e.g. (28, 28, 1).
        batch_size: fixed batch size (default None: any).
        dtype: input dtype (default `floatx()`).
        batch_shape: full shape including the batch axis (instead of shape/batch_size).
        name: layer name (default "input_layer", "input_layer_1", ...).

    Shape:
        output: `(batch_size, *shape)`, the batch axis None unless fixed.

    Example:
        >>> InputLayer(shape=(28, 28, 1)).output.shape
        (None, 28, 28, 1)
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, **kwargs):
        if "input_shape" in kwargs and shape is None and batch_shape is None:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs and shape is None and batch_shape is None:
            batch_shape = kwargs.pop("batch_input_shape")
        kwargs.pop("trainable", None)
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError(f"InputLayer '{self.name}': sparse inputs are not supported.")
        if shape is not None and batch_shape is not None:
            raise ValueError(
                f"InputLayer '{self.name}': pass either `shape` or `batch_shape`, not both. "
                f"Received: shape={shape}, batch_shape={batch_shape}"
            )
        if input_tensor is not None:
            batch_shape = input_tensor.shape
        elif batch_shape is None:
            if shape is None:
                raise ValueError(
                    f"InputLayer '{self.name}': the `shape` argument is required, e.g. "
                    "keras.Input(shape=(28, 28, 1)) for 28x28 grayscale images."
                )
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        for d in self.batch_shape:
            if d is not None and d < 0:
                raise ValueError(f"InputLayer '{self.name}': negative size in shape {self.batch_shape}.")
        self.built = True
        self._build_shapes = self.batch_shape
        tensor = input_tensor if input_tensor is not None else KerasTensor(self.batch_shape, self._dtype)
        Node(self, [], {}, tensor)
        self._input_tensor = tensor

    @property
    def shape(self):
        return self.batch_shape

    def compute_output_shape(self, input_shape):
        return self.batch_shape

    def get_config(self):
        return {
            "batch_shape": list(self.batch_shape),
            "dtype": self._dtype,
            "sparse": False,
            "name": self.name,
        }


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """A symbolic input for the functional API (Keras' `keras.Input`).

    Args:
        shape: shape of one sample without the batch axis, e.g. (28, 28, 1).
        batch_size, dtype, batch_shape, name: as `InputLayer`.

    Returns:
        a `KerasTensor` of shape `(batch_size, *shape)`.

    Example:
        >>> inputs = Input(shape=(28, 28, 1))
        >>> x = layers.Conv2D(32, 3, activation="relu")(inputs)   # (None, 26, 26, 32)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=_standardize_dtype(dtype),
                       sparse=sparse, batch_shape=batch_shape, name=name, input_tensor=tensor,
                       optional=optional)
    return layer.output


__all__ = ["Input", "InputLayer"]
