"""Core layers: Dense (the fully connected layer), Activation, Lambda and Identity."""

from strided import activations, ops
from strided.errors import FileFormatError
from strided.layers import _layer_utils as U
from strided.layers.base import Layer


class Dense(Layer):
    """Fully connected layer: `output = activation(inputs @ kernel + bias)`.

    Every output unit is connected to every input feature; on an input with more than two
    axes the product is taken over the last one (the same kernel for every position).

    Args:
        units: positive int, the number of output features.
        activation: name ("relu", "softmax", ...), callable, or None (linear).
        use_bias: whether to add a bias vector.
        kernel_initializer / bias_initializer: "glorot_uniform" / "zeros" by default.
        kernel_regularizer / bias_regularizer / activity_regularizer: e.g. "l2" or L2(1e-4).
        kernel_constraint / bias_constraint: callables applied after each update, or None.

    Weights: kernel (input_dim, units), then bias (units,)  ->  input_dim * units + units params.

    Shape: (batch, ..., input_dim) -> (batch, ..., units).

    Example:
        >>> Dense(10, activation="softmax")(np.zeros((2, 1152))).shape   # 11,530 parameters
        (2, 10)
    """

    _traceable_inference = True

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.units = U.check_positive_int(type(self).__name__, "units", units)
        U.set_weight_arguments(
            self, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
        )

    def build(self, input_shape):
        input_dim = input_shape[-1] if len(input_shape) else None
        if input_dim is None:
            raise ValueError(
                f"Dense: the last axis of the input must be known to create the kernel. Received input shape "
                f"{tuple(input_shape)}."
            )
        self.kernel = U.add_configured_weight(self, "kernel", (input_dim, self.units))
        self.bias = U.add_bias(self, self.units)
        self.built = True

    def call(self, inputs):
        if inputs.shape[-1] != self.kernel.shape[0]:
            raise ValueError(
                f"Dense: expected the last axis of the input to have size {self.kernel.shape[0]} (the layer was "
                f"built for it), received input shape {inputs.shape}."
            )
        # One op for x @ kernel + bias (+ ReLU), as the conv layers do.
        fused = "relu" if self.activation is activations.relu else None
        outputs = ops.dense_bias_activation(inputs, self.kernel, self.bias, fused)
        if not fused:
            outputs = self.activation(outputs)
        return U.add_activity_penalty(self, outputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(U.config_of(
            self, "units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
            "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
            "bias_constraint",
        ))
        return config


class Activation(Layer):
    """Apply an activation function to the input.

    Args:
        activation: name ("relu", "softmax", ...) or callable.

    Shape: unchanged.

    Example:
        >>> Activation("relu")(np.array([[-1.0, 2.0]])).numpy()
        array([[0., 2.]], dtype=float32)
    """

    _traceable_inference = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["activation"] = U.serialize_activation(self.activation)
        return config


class Identity(Layer):
    """Return the input unchanged (a placeholder, e.g. to switch a block off)."""

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


def _check_public_name(name):
    """A function name from a config may only be a plain public name of strided.activations /
    strided.ops: never a dunder (`__class__`, `__setattr__`), private or dotted attribute."""
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
        raise FileFormatError(
            f"Lambda: the function name {name!r} in the config is not a plain public name; only "
            "functions of strided.activations / strided.ops (or custom_objects) can be restored."
        )


class Lambda(Layer):
    """Wrap an arbitrary function of tensors as a layer: `Lambda(lambda x: x / 255.0)`.

    Args:
        function: callable `(inputs, **arguments) -> outputs`, built from `strided.ops`.
        output_shape: optional output shape (without the batch axis) or a callable
            `input_shape -> output_shape`; by default found by running the function.
        arguments: optional dict of keyword arguments passed to `function`.

    Saving: like Keras' safe mode, the function's code is never stored. The config keeps its
    name, and loading resolves it from `strided.activations` / `strided.ops` or from the
    `custom_objects` passed to `from_config` / `load_model`.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable. Received: function={function!r}")
        if mask is not None:
            raise NotImplementedError("Lambda: `mask` is not supported by strided (there is no masking).")
        self.function = function
        self._output_shape = output_shape
        self.arguments = dict(arguments or {})

    def call(self, inputs, training=None):
        return self.function(inputs, **self.arguments)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        return (input_shape[0] if not isinstance(input_shape, list) else input_shape[0][0],) + tuple(
            self._output_shape
        )

    def get_config(self):
        config = super().get_config()
        name = getattr(self.function, "__name__", None)
        config.update(
            function=name,
            output_shape=list(self._output_shape) if isinstance(self._output_shape, (tuple, list)) else None,
            arguments=self.arguments,
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        name = config.pop("function", None)
        function = (custom_objects or {}).get(name) if isinstance(name, str) else None
        if function is None:
            _check_public_name(name)
            function = getattr(activations, name, None) or getattr(ops, name, None)
        if not callable(function):
            raise ValueError(  # noqa: TRY004 (a missing name, as Keras)
                f"Lambda: cannot restore the function {name!r}: strided never stores code in a model file. "
                f"Pass it when loading, e.g. custom_objects={{{name!r}: my_function}}."
            )
        return cls(function, **config)


__all__ = ["Activation", "Dense", "Identity", "Lambda"]
