"""`Layer`: the building block of every model (Keras 3's `keras.layers.Layer` contract).

A layer holds weights and maps input tensors to output tensors:

* `__init__` validates its configuration ("Received: filters=0"),
* `build(input_shape)` creates the weights with `add_weight` once the input shape is known,
* `call(inputs, training=None)` is the pure computation, one line into `strided.ops`,
* `__call__` glues them: it builds on the first call, runs `call` on real tensors, or, on
  symbolic `KerasTensor`s (the functional API), records a graph `Node` and returns new
  KerasTensors with the output shape.

Sub-layers assigned as attributes (directly or inside lists/dicts) are found automatically,
so a subclassed model's `weights` include its layers' weights.

Example:
    >>> class Scale(Layer):
    ...     def build(self, input_shape):
    ...         self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones")
    ...     def call(self, x):
    ...         return x * self.scale
    >>> Scale()(np.ones((2, 3))).shape
    (2, 3)
"""

import inspect

import numpy as np

from strided import _config, ops
from strided.autograd import Tensor, Variable
from strided.layers import _call_context, weight_budget
from strided.layers.keras_tensor import KerasTensor, Node, flatten, map_structure
from strided.layers.naming import auto_name
from strided.layers.registry import register_class
from strided.layers.shapes import (
    _keras_tensors_for,
    _probe_output_shape,
    _shape_from_json,
    _shape_to_json,
    _shapes_of,
)
from strided.layers.tracking import _WEIGHT_LISTS, _leaves_of

_SHAPE_KWARGS = ("input_shape", "batch_input_shape", "input_dim", "batch_size")
_IGNORED_KWARGS = ("autocast",)


class Layer:
    """Base class of all layers; subclass it and define `build` and `call`.

    Args:
        name: unique name; defaults to the snake_case class name (conv2d, conv2d_1, ...).
        trainable: whether the layer's weights are updated by training.
        dtype: the float type of weights and computations (default `floatx()`).
        input_shape / batch_input_shape / input_dim: the expected input shape, without /
            with the batch axis; only meaningful on the first layer of a `Sequential`.
    """

    # Attributes never searched for sub-layers or variables (graph bookkeeping, optimizer).
    _untracked_attributes = frozenset({"_inbound_nodes", "_outbound_nodes"})
    # True when `call` in inference applies the same ops, with the same parameters, to every
    # input of one shape (and computes nothing outside ops): then models may replay a trace
    # of it (strided.models.traced_inference). Only the class that defines `call` can say so;
    # a subclass with its own `call` is not traced unless it sets this too.
    _traceable_inference = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        register_class(cls)

    def __init__(self, name=None, trainable=True, dtype=None, **kwargs):
        unknown = [k for k in kwargs if k not in _SHAPE_KWARGS + _IGNORED_KWARGS]
        if unknown:
            raise TypeError(
                f"{type(self).__name__}: unrecognized keyword argument(s) "
                f"{', '.join(repr(k) for k in unknown)} passed to the constructor."
            )
        self.name = name if name is not None else auto_name(type(self).__name__)
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"{type(self).__name__}: `name` must be a non-empty string. Received: name={name!r}")
        self._dtype = _standardize_dtype(dtype)
        self._trainable = bool(trainable)
        self.built = False
        self._trainable_weights = []
        self._non_trainable_weights = []
        self._losses = []
        self._inbound_nodes = []
        self._outbound_nodes = []
        self._build_shapes = None
        self._batch_input_shape = _batch_input_shape_from(kwargs)
        self.supports_masking = False

    # ------------------------------------------------------------------ to override
    def build(self, input_shape):
        """Create the weights for inputs of `input_shape` (tuple with the batch axis first)."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        """The computation. Override it; the default returns the inputs unchanged."""
        return inputs

    def compute_output_shape(self, input_shape):
        """Output shape for `input_shape` (None = unknown size).

        The default runs `call` on zeros (no gradients recorded) and reads the result's
        shape; layers override it when they can compute it directly.
        """
        return _probe_output_shape(self, input_shape)

    def get_config(self):
        """A JSON-serialisable dict of the constructor arguments (`from_config` inverts it)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self._dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    # ------------------------------------------------------------------- weights
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation=None, name=None):
        """Create a weight (a `Variable`) owned by this layer, as Keras' `add_weight`.

        Args:
            shape: tuple of ints (default scalar).
            initializer: a Keras name ("glorot_uniform", "zeros", "he_normal", ...), an
                initializer object or any callable `(shape, dtype) -> array`.
                Default "glorot_uniform" for floats, "zeros" otherwise.
            dtype: defaults to the layer's dtype.
            trainable: whether optimizers update it.
            regularizer: name or callable `(variable) -> scalar Tensor`, added to `losses`.
            constraint: callable `(array) -> array` applied after each optimizer update.
            name: e.g. "kernel".

        Returns:
            the new `Variable`.
        """
        shape = () if shape is None else tuple(int(d) for d in shape)
        weight_budget.charge(self, shape, name)  # only active while load_model builds from a file
        dtype = _standardize_dtype(dtype or self._dtype)
        if initializer is None:
            initializer = "glorot_uniform" if np.dtype(dtype).kind == "f" else "zeros"
        value = _initial_value(self, initializer, shape, dtype, name)
        variable = Variable(value, trainable=trainable, name=name, dtype=dtype)
        variable.path = f"{self.name}/{name}" if name else self.name
        variable.regularizer = _get_regularizer(regularizer)
        variable.constraint = constraint
        if trainable:
            self._trainable_weights.append(variable)
        else:
            self._non_trainable_weights.append(variable)
        if trainable and not self.trainable:
            variable.trainable = False
        return variable

    def add_loss(self, loss):
        """Add a scalar loss term (e.g. an activity penalty) computed inside `call`."""
        self._losses.append(loss)
        _call_context.note_added_loss()

    @property
    def weights(self):
        """Own trainable, own non-trainable, then every tracked sub-layer's, without repeats."""
        result, seen = [], set()
        for layer in self._flatten_layers(include_self=True, recursive=True):
            for variable in layer._own_variables():
                if id(variable) not in seen:
                    seen.add(id(variable))
                    result.append(variable)
        return result

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [v for v in self.weights if v.trainable]

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return [v for v in self.weights if not v.trainable]

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def losses(self):
        """Regularization terms of the trainable weights plus losses added with `add_loss`."""
        result = []
        for layer in self._flatten_layers(include_self=True, recursive=True):
            result.extend(layer._losses)
        for variable in self.trainable_weights:
            regularizer = getattr(variable, "regularizer", None)
            if regularizer is not None:
                result.append(regularizer(variable))
        return result

    def get_weights(self):
        """Copies of the weights as NumPy arrays, in `weights` order (Keras layouts)."""
        return [np.array(v.data, copy=True) for v in self.weights]

    def set_weights(self, weights):
        """Overwrite the weights with a list of arrays in `weights` order.

        Raises ValueError naming the layer and the weight when the count or a shape differs.
        """
        variables = self.weights
        weights = list(weights)
        if len(weights) != len(variables):
            names = ", ".join(f"{v.name} {v.shape}" for v in variables) or "none"
            hint = "" if self.built else " The layer is not built yet: call it on data first."
            raise ValueError(
                f"Layer '{self.name}' has {len(variables)} weights ({names}), but "
                f"set_weights() received {len(weights)} arrays.{hint}"
            )
        arrays = []
        for variable, value in zip(variables, weights):
            value = np.asarray(value.data if isinstance(value, Tensor) else value)
            if value.shape != variable.shape:
                raise ValueError(
                    f"Layer '{self.name}': weight '{variable.name}' has shape {variable.shape}, "
                    f"but the array given to set_weights() has shape {value.shape}."
                )
            arrays.append(value)
        for variable, value in zip(variables, arrays):
            variable.assign(value)

    def count_params(self):
        """Number of scalars in the weights (each shared weight counted once)."""
        if not self.built:
            raise ValueError(
                f"You tried to call count_params() on layer '{self.name}', but the layer isn't "
                "built. Call it on data or call build(input_shape) first."
            )
        return int(sum(v.size for v in self.weights))

    # ------------------------------------------------------------------- trainable
    @property
    def trainable(self):
        return self.__dict__.get("_trainable", True)

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        self._trainable = value
        for variable in self.__dict__.get("_trainable_weights", ()):
            variable.trainable = value
        for layer in self._tracked_layers():
            layer.trainable = value

    @property
    def dtype(self):
        return self._dtype

    compute_dtype = dtype
    variable_dtype = dtype

    # -------------------------------------------------------------------- calling
    def __call__(self, inputs, *args, **kwargs):
        if "_inbound_nodes" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}.__init__ must call super().__init__() before the layer is used."
            )
        training = kwargs.pop("training", None)
        symbolic = isinstance(inputs, KerasTensor)
        if not symbolic and (args or kwargs or not isinstance(inputs, (Tensor, np.ndarray))):
            symbolic = any(isinstance(t, KerasTensor) for t in flatten([inputs, list(args), kwargs]))
        if symbolic:
            return self._symbolic_call(inputs, args, kwargs, training)
        inputs = self._convert_inputs(inputs)
        if training is None:
            training = _call_context.current_training()
        try:
            if not self.built:
                self._maybe_build(_shapes_of(inputs))
            if training is not None and self._call_accepts("training"):
                kwargs["training"] = training
            with _call_context.scope(self, training) as outermost:
                if outermost and _call_context.take_added_losses():
                    for layer in self._flatten_layers(include_self=True, recursive=True):
                        layer._losses = []
                return self.call(inputs, *args, **kwargs)
        except Exception as error:  # add the layer's name and input shapes, once
            raise _call_context.with_layer_context(error, self, inputs) from None

    def _symbolic_call(self, inputs, args, kwargs, training):
        input_shapes = _shapes_of(inputs)
        try:
            self._maybe_build(input_shapes)
            output_shapes = self.compute_output_shape(input_shapes)
        except Exception as error:
            raise _call_context.with_layer_context(error, self, inputs) from None
        outputs = _keras_tensors_for(output_shapes, self._dtype)
        call_kwargs = dict(kwargs)
        if training is not None:
            call_kwargs["training"] = training
        Node(self, inputs, call_kwargs, outputs, extra_args=args)
        return outputs

    def _maybe_build(self, input_shape):
        if not self.built:
            self.build(input_shape)
            self.built = True
            self._build_shapes = input_shape

    def _convert_inputs(self, inputs):
        dtype = self._dtype
        if type(inputs) is np.ndarray and inputs.dtype == dtype:  # the common case, quickly
            return Tensor(inputs, _copy=False)

        def convert(x):
            if isinstance(x, Tensor):
                if x.dtype.kind == "f" and x.dtype != dtype:
                    return ops.cast(x, dtype)  # autocast float inputs, as Keras layers do
                return x
            if x is None:
                return x
            if isinstance(x, (np.ndarray, np.generic, int, float, bool)):
                array = np.asarray(x)
                if array.dtype.kind in "fiub" and array.dtype != dtype:
                    array = array.astype(dtype)
                return Tensor(array, _copy=False)
            return x

        return map_structure(convert, inputs)

    def _call_accepts(self, argument):
        cls = type(self)
        cache = cls.__dict__.get("_accepted_call_args")
        if cache is None:
            parameters = inspect.signature(cls.call).parameters
            cache = {
                "names": set(parameters),
                "var_kwargs": any(p.kind is p.VAR_KEYWORD for p in parameters.values()),
            }
            cls._accepted_call_args = cache
        return argument in cache["names"] or cache["var_kwargs"]

    # ------------------------------------------------------------- sub-layers
    def _tracked_layers(self):
        """Layers held directly by this one (attributes, lists, tuples, dicts), in order."""
        found, seen = [], {id(self)}
        for key, value in self.__dict__.items():
            if key in self._untracked_attributes:
                continue
            for item in _leaves_of(value, Layer):
                if id(item) not in seen:
                    seen.add(id(item))
                    found.append(item)
        return found

    def _own_variables(self):
        listed_trainable = list(self.__dict__.get("_trainable_weights", ()))
        listed_frozen = list(self.__dict__.get("_non_trainable_weights", ()))
        known = {id(v) for v in listed_trainable + listed_frozen}
        extra = []  # Variables assigned directly as attributes (self.w = Variable(...))
        for key, value in self.__dict__.items():
            if key in self._untracked_attributes or key in _WEIGHT_LISTS:
                continue
            for item in _leaves_of(value, Variable):
                if id(item) not in known:
                    known.add(id(item))
                    extra.append(item)
        return (listed_trainable + [v for v in extra if v.trainable]
                + listed_frozen + [v for v in extra if not v.trainable])

    def _flatten_layers(self, include_self=True, recursive=True):
        """This layer (optionally) and its sub-layers, depth-first, each once."""
        result, seen = [], set()
        stack = [self]
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            if layer is not self or include_self:
                result.append(layer)
            if recursive or layer is self:
                stack.extend(reversed(layer._tracked_layers()))
        return result

    # ------------------------------------------------------- graph attributes
    def _first_node(self, attribute):
        if not self.__dict__.get("_inbound_nodes"):
            raise AttributeError(
                f"Layer '{self.name}' has never been called on a symbolic input and thus has no "
                f"defined {attribute}. Build the model with an Input (or input_shape=) first."
            )
        return self._inbound_nodes[0]

    @property
    def input(self):
        """The symbolic input(s) of the layer's first call."""
        return self._first_node("input").arguments

    @property
    def output(self):
        """The symbolic output(s) of the layer's first call (e.g. for feature-map models)."""
        return self._first_node("output").outputs

    @property
    def input_shape(self):
        return _shapes_of(self._first_node("input shape").arguments)

    @property
    def output_shape(self):
        return _shapes_of(self._first_node("output shape").outputs)

    def get_build_config(self):
        if self._build_shapes is None:
            return None
        return {"input_shape": _shape_to_json(self._build_shapes)}

    def build_from_config(self, config):
        if config and config.get("input_shape") is not None and not self.built:
            self._maybe_build(_shape_from_json(config["input_shape"]))

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


# ---------------------------------------------------------------------- helpers
def _standardize_dtype(dtype):
    if dtype is None:
        return _config.floatx()
    if isinstance(dtype, dict):  # a Keras DTypePolicy config
        dtype = dtype.get("config", {}).get("name", _config.floatx())
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        return _config.floatx()
    try:
        return np.dtype(dtype).name
    except TypeError:
        raise ValueError(f"Invalid dtype: {dtype!r}. Expected e.g. 'float32' or 'float64'.") from None


def _batch_input_shape_from(kwargs):
    if kwargs.get("batch_input_shape") is not None:
        return tuple(None if d is None else int(d) for d in kwargs["batch_input_shape"])
    if kwargs.get("input_shape") is not None:
        shape = kwargs["input_shape"]
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        return (kwargs.get("batch_size"),) + tuple(None if d is None else int(d) for d in shape)
    if kwargs.get("input_dim") is not None:
        return (kwargs.get("batch_size"), int(kwargs["input_dim"]))
    return None


def _initial_value(layer, initializer, shape, dtype, name):
    if isinstance(initializer, (str, dict)):
        from strided import initializers  # imported here: initializers sit beside layers

        initializer = initializers.get(initializer)
    elif not callable(initializer):  # a constant value
        value = np.asarray(initializer, dtype=dtype)
        return np.broadcast_to(value, shape).copy()
    value = initializer(shape, dtype=dtype)
    value = np.asarray(value.data if isinstance(value, Tensor) else value, dtype=dtype)
    if value.shape != shape:
        raise ValueError(
            f"Layer '{layer.name}': the initializer of weight '{name}' returned shape "
            f"{value.shape}, expected {shape}."
        )
    return value


def _get_regularizer(regularizer):
    if regularizer is None or callable(regularizer) and not isinstance(regularizer, (str, dict)):
        return regularizer
    from strided import regularizers

    return regularizers.get(regularizer)


__all__ = ["Layer"]
