"""`load("model.onnx")`: an ONNX CNN as a strided model, for inference and fine-tuning.

The graph's nodes are run in order on strided's ops (`_import_ops`), so the result is an
ordinary `strided.Model`: `predict`, `evaluate`, `compile` + `fit` (its float initializers
are trainable weights; batch norm keeps its stored statistics), `summary`, `save_weights`.
Inputs keep ONNX's layout (NCHW for images exported from PyTorch).

The file is untrusted input: nothing outside it is read (external-data tensors are refused),
every tensor's declared size is checked against the file's size before it is allocated, and
any problem raises `strided.errors.FileFormatError` naming the file and the part.
"""

import functools
import os

import numpy as np

from strided.autograd import Tensor
from strided.errors import file_format_error
from strided.layers.registry import get_registered_class
from strided.onnx._import_ops import NUMPY, OPS, UnsupportedNode
from strided.onnx.export import require_onnx

# Node inputs that are weights a fine-tuning run should update (the rest stay constants).
_STATISTICS = {"BatchNormalization": (3, 4)}


class _Node:
    def __init__(self, op_type, inputs, outputs, attrs, name):
        self.op_type, self.inputs, self.outputs = op_type, inputs, outputs
        self.attrs, self.name = attrs, name


@functools.cache
def onnx_model_class():
    """`OnnxModel`, a subclass of `strided.Model` made on first use: `Model` comes from the
    class registry (as `strided.saving` rebuilds models), because `strided.models` imports
    this package for `Model.export` and may not be imported from here."""
    model_class = get_registered_class("Model")
    body = {k: v for k, v in vars(_OnnxGraph).items() if k not in ("__dict__", "__weakref__")}
    return type("OnnxModel", (model_class,), body)


class _OnnxGraph:
    """The body of `OnnxModel`: a model running an ONNX graph's nodes on strided's ops."""

    def __init__(self, nodes, constants, weights, input_name, output_names, name="onnx_model"):
        super(onnx_model_class(), self).__init__(name=name)
        self._nodes, self._constants = nodes, constants
        self._input_name, self._output_names = input_name, output_names
        self._weight_names = []
        for weight_name, (array, trainable) in weights.items():
            variable = self.add_weight(shape=array.shape, dtype=array.dtype, trainable=trainable,
                                       initializer=lambda shape, dtype, a=array: a,
                                       name=weight_name.replace("/", "_"))
            self._weight_names.append((weight_name, variable))
        self.built = True

    def call(self, inputs, training=None):
        values = dict(self._constants)
        values.update(self._weight_names)
        values[self._input_name] = inputs
        for node in self._nodes:
            args = [values.get(name) if name else None for name in node.inputs]
            if any(name and name not in values for name in node.inputs):
                missing = [name for name in node.inputs if name and name not in values]
                raise ValueError(f"ONNX node '{node.name}' ({node.op_type}) reads {missing}, "
                                 "which no earlier node computes.")
            while args and args[-1] is None:
                args.pop()
            plain = node.op_type == "Shape" or all(not isinstance(a, Tensor) for a in args)
            table = NUMPY if plain and node.op_type in NUMPY else OPS
            if node.op_type not in table:
                raise ValueError(f"ONNX node '{node.name}': strided cannot run op type "
                                 f"{node.op_type!r} yet.")
            try:
                result = table[node.op_type](node, *args)
            except UnsupportedNode as error:
                raise ValueError(f"ONNX node '{node.name}': {error} is not supported.") from None
            values[node.outputs[0]] = result
        outputs = [values[name] for name in self._output_names]
        return outputs[0] if len(outputs) == 1 else outputs


def _attributes(node, helper, numpy_helper):
    attrs = {}
    for attribute in node.attribute:
        value = helper.get_attribute_value(attribute)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        elif attribute.type == attribute.TENSOR:
            value = numpy_helper.to_array(value)
        elif isinstance(value, (list, tuple)):
            value = list(value)
        attrs[attribute.name] = value
    return attrs


def _check_tensor(tensor, path, budget, part, helper):
    if tensor.data_location == tensor.EXTERNAL or len(tensor.external_data):
        raise file_format_error(path, part, "its data lives in another file (ONNX external "
                                "data); strided reads only the given file")
    count = int(np.prod(tensor.dims, dtype=np.float64)) if len(tensor.dims) else 1
    try:
        itemsize = np.dtype(helper.tensor_dtype_to_np_dtype(tensor.data_type)).itemsize
    except (KeyError, TypeError, ValueError):
        raise file_format_error(path, part, f"unknown tensor data type {tensor.data_type}") from None
    if any(d < 0 for d in tensor.dims) or count * itemsize > budget:
        raise file_format_error(path, part, f"declares shape {list(tensor.dims)}, more data "
                                f"than the {budget:,}-byte file can hold")


def load(filepath, name=None):
    """Read an ONNX file into a strided `Model`.

    Args:
        filepath: the `.onnx` file.
        name: the model's name (default: the graph's name).

    Returns:
        An `OnnxModel` (a `strided.Model`): call it, `predict`, or `compile` and `fit` it to
        fine-tune.

    Raises:
        FileFormatError: not an ONNX model, external data, sizes beyond the file, more than
            one input.

    Example:
        >>> model = strided.onnx.load("resnet18.onnx")            # doctest: +SKIP
        >>> model.predict(images_nchw).argmax(axis=1)             # doctest: +SKIP
    """
    onnx = require_onnx()
    from onnx import helper, numpy_helper

    path = os.fspath(filepath)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"ONNX model not found: '{path}'")
    budget = os.path.getsize(path) + 1024
    try:
        proto = onnx.load(path, load_external_data=False)
    except Exception as error:  # protobuf raises several types for a damaged file
        raise file_format_error(path, None, f"not an ONNX model ({type(error).__name__}: "
                                f"{str(error)[:200]})") from None
    graph = proto.graph
    for tensor in graph.initializer:
        _check_tensor(tensor, path, budget, f"initializer {tensor.name!r}", helper)
    weight_roles = {}
    for node in graph.node:
        for index, input_name in enumerate(node.input):
            statistic = index in _STATISTICS.get(node.op_type, ())
            weight_roles[input_name] = weight_roles.get(input_name, True) and not statistic
    constants, weights = {}, {}
    for tensor in graph.initializer:
        try:
            array = numpy_helper.to_array(tensor)
        except Exception as error:  # data shorter than its shape, a bad type
            raise file_format_error(path, f"initializer {tensor.name!r}",
                                    f"unreadable tensor ({error})") from None
        if array.dtype.kind == "f" and array.size > 1:
            weights[tensor.name] = (array, weight_roles.get(tensor.name, True))
        else:
            constants[tensor.name] = array
    nodes = []
    for node in graph.node:
        attrs = _attributes(node, helper, numpy_helper)
        if node.op_type == "Constant":
            value = attrs.get("value")
            if value is None:
                value = next((np.asarray(v) for k, v in attrs.items() if k.startswith("value")), None)
            constants[node.output[0]] = np.asarray(value)
            continue
        nodes.append(_Node(node.op_type, list(node.input), list(node.output), attrs,
                           node.name or node.op_type))
    inputs = [i.name for i in graph.input if i.name not in weights and i.name not in constants]
    if len(inputs) != 1:
        raise file_format_error(path, "graph inputs", f"expected one input, found {inputs}")
    unknown = sorted({n.op_type for n in nodes if n.op_type not in OPS and n.op_type not in NUMPY})
    if unknown:
        raise file_format_error(path, "nodes", f"op types strided cannot run yet: {unknown}")
    return onnx_model_class()(nodes, constants, weights, inputs[0], [o.name for o in graph.output],
                              name=name or graph.name or "onnx_model")


__all__ = ["load", "onnx_model_class"]
