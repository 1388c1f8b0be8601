"""Symbolic tensors and graph nodes: how the functional API remembers `y = layer(x)`.

`keras.Input(shape=(28, 28, 1))` returns a `KerasTensor`: a shape with `None` for the batch
and a dtype, but no values. Calling a layer on it records a `Node` (the layer, the symbolic
inputs and outputs) and returns new KerasTensors; `Model(inputs, outputs)` then walks the
nodes back from the outputs to find the graph. Each KerasTensor remembers which layer and
node made it (`_keras_history`), exactly as in Keras.

The small `flatten` / `pack_like` / `map_structure` helpers handle the nested inputs layers
accept (one tensor, a list/tuple of tensors, a dict of tensors).
"""

import numpy as np

from strided.layers.naming import auto_name


class KerasTensor:
    """A symbolic placeholder: shape (with None for unknown sizes) and dtype, no values.

    Args:
        shape: tuple of ints or None, batch axis first, e.g. (None, 28, 28, 1).
        dtype: a NumPy dtype name ("float32").
        name: defaults to a unique "keras_tensor", "keras_tensor_1", ...

    Example:
        >>> x = Input(shape=(28, 28, 1))
        >>> x.shape
        (None, 28, 28, 1)
    """

    def __init__(self, shape, dtype="float32", name=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = np.dtype(dtype).name
        self.name = name or auto_name("keras_tensor")
        self._keras_history = None  # (layer, node_index, tensor_index)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def sparse(self):
        return False

    def __repr__(self):
        return (
            f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse=False, "
            f"name={self.name}>"
        )

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"KerasTensor '{self.name}' (shape {self.shape}) is symbolic: it has no values. "
            "It stands for a layer's output while a model is being defined; build a "
            "keras.Model(inputs, outputs) and call model.predict(x) to get values."
        )

    def __bool__(self):
        raise TypeError(
            f"KerasTensor '{self.name}' is symbolic and has no truth value; do not use it "
            "in `if` or `and`/`or` while defining a model."
        )

    __hash__ = object.__hash__
    __array_ufunc__ = None  # `ndarray + KerasTensor` defers to KerasTensor.__radd__

    # Arithmetic records a TensorOperation layer in the graph (Keras 3 allows `inputs / 255.0`):
    # `layers.tensor_operation` installs the function that does it (`set_operation_handler`),
    # as the layer it adds sits above this file.
    _apply_operation = None

    def _operation(self, op, other=None, reverse=False):
        if KerasTensor._apply_operation is None:
            raise TypeError(
                f"Arithmetic on KerasTensor '{self.name}' needs strided.layers (import strided.layers)."
            )
        return KerasTensor._apply_operation(op, self, other, reverse)

    def __add__(self, other):
        return self._operation("add", other)

    def __radd__(self, other):
        return self._operation("add", other, reverse=True)

    def __sub__(self, other):
        return self._operation("subtract", other)

    def __rsub__(self, other):
        return self._operation("subtract", other, reverse=True)

    def __mul__(self, other):
        return self._operation("multiply", other)

    def __rmul__(self, other):
        return self._operation("multiply", other, reverse=True)

    def __truediv__(self, other):
        return self._operation("divide", other)

    def __rtruediv__(self, other):
        return self._operation("divide", other, reverse=True)

    def __pow__(self, other):
        return self._operation("power", other)

    def __matmul__(self, other):
        return self._operation("matmul", other)

    def __neg__(self):
        return self._operation("negative")


def set_operation_handler(function):
    """Make `KerasTensor` arithmetic call `function(op, tensor, other, reverse)`."""
    KerasTensor._apply_operation = staticmethod(function)


class Node:
    """One call `outputs = layer(inputs, **kwargs)` recorded on symbolic tensors.

    Attributes:
        layer: the layer that was called.
        arguments: the first argument exactly as passed (a tensor, list, tuple or dict).
        extra_args: further positional arguments (rare), replayed as given.
        call_kwargs: keyword arguments (e.g. `training=False`), replayed later.
        input_tensors / output_tensors: flat lists of KerasTensors.
        outputs: the outputs as returned (a tensor or a structure).
    """

    def __init__(self, layer, arguments, call_kwargs, outputs, extra_args=()):
        self.layer = layer
        self.arguments = arguments
        self.extra_args = tuple(extra_args)
        self.call_kwargs = dict(call_kwargs)
        everything = [arguments, list(self.extra_args), self.call_kwargs]
        self.input_tensors = [t for t in flatten(everything) if isinstance(t, KerasTensor)]
        self.outputs = outputs
        self.output_tensors = flatten(outputs)
        node_index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for index, tensor in enumerate(self.output_tensors):
            tensor._keras_history = (layer, node_index, index)
        for tensor in self.input_tensors:
            if tensor._keras_history is not None:
                tensor._keras_history[0]._outbound_nodes.append(self)

    @property
    def parent_nodes(self):
        """The nodes that produced this node's inputs."""
        parents = []
        for tensor in self.input_tensors:
            if tensor._keras_history is not None:
                layer, node_index, _ = tensor._keras_history
                parents.append(layer._inbound_nodes[node_index])
        return parents

    @property
    def is_input(self):
        return not self.input_tensors

    @property
    def is_plain_call(self):
        """Whether the layer was called on its inputs alone (`training=` at most): nothing
        else decides what it computes (model fusion and traced inference rely on this)."""
        return not self.extra_args and set(self.call_kwargs) <= {"training"}

    def __repr__(self):
        return f"<Node {self.layer.name}: {len(self.input_tensors)} in, {len(self.output_tensors)} out>"


def is_leaf(x):
    return not isinstance(x, (list, tuple, dict))


def flatten(structure):
    """Leaves of a nested list/tuple/dict, in order (dict values by sorted key, as Keras)."""
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def pack_like(structure, leaves):
    """Rebuild `structure`'s nesting from a flat list of leaves (inverse of `flatten`)."""
    leaves = list(leaves)
    result, used = _pack(structure, leaves, 0)
    if used != len(leaves):
        raise ValueError(f"pack_like: structure has {used} leaves, received {len(leaves)}")
    return result


def _pack(structure, leaves, start):
    if isinstance(structure, dict):
        packed = {}
        for key in sorted(structure):
            packed[key], start = _pack(structure[key], leaves, start)
        return {key: packed[key] for key in structure}, start
    if isinstance(structure, (list, tuple)):
        items = []
        for item in structure:
            value, start = _pack(item, leaves, start)
            items.append(value)
        return (tuple(items) if isinstance(structure, tuple) else items), start
    return leaves[start], start + 1


def map_structure(fn, structure):
    """Apply `fn` to every leaf, keeping the nesting."""
    if is_leaf(structure):  # the common case: one tensor
        return fn(structure)
    return pack_like(structure, [fn(leaf) for leaf in flatten(structure)])


__all__ = ["KerasTensor", "Node", "flatten", "pack_like", "map_structure"]
