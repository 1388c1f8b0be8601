"""`export(model, "model.onnx")`: a strided model as an ONNX file (opset 17).

Any model strided can run (Sequential, functional, subclassed) is exported by recording the
ops one inference run applies (`_recording`) and translating each into ONNX nodes (`_ops`).
The batch dimension stays free: the file takes any number of images. Keras models keep their
channels-last layout at the edges (input (batch, H, W, C)), as `keras.Model.export` does.

Needs the optional `onnx` package (`pip install strided[onnx]`); `onnxruntime` runs the file.
"""

import os

import numpy as np

from strided import _config
from strided.onnx._builder import GraphBuilder
from strided.onnx._ops import TRANSLATIONS, UnsupportedOp
from strided.onnx._recording import record
from strided.utils.atomic_files import atomic_write

OPSET = 17


def require_onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError(
            "ONNX export needs the `onnx` package: pip install 'strided[onnx]' "
            "(and onnxruntime to run the exported file)."
        ) from None
    return onnx


def input_shape_of(model, input_shape):
    """(None, H, W, C): from `input_shape` (without the batch) or the model's known input."""
    if input_shape is not None:
        return (None, *tuple(int(n) for n in input_shape))
    shape = None
    try:
        shape = model.input_shape
    except (AttributeError, ValueError):
        shape = getattr(model, "_build_shapes", None)
    if isinstance(shape, list):
        raise ValueError("ONNX export: models with several inputs are not supported yet.")
    if shape is None or any(n is None for n in shape[1:]):
        raise ValueError(
            f"ONNX export: the input shape of model '{getattr(model, 'name', model)}' is not "
            f"known (got {shape}); pass input_shape=(height, width, channels)."
        )
    return tuple(shape)


def export(model, filepath, input_shape=None, opset=OPSET, input_name="input",
           output_name="output"):
    """Write `model` to `filepath` as an ONNX model; returns the path.

    Args:
        model: a strided model (any kind) or a callable running strided ops.
        filepath: where to write (atomically: a reader never sees half a file).
        input_shape: the input's shape without the batch axis, when the model does not know it.
        opset: the ONNX opset (17 by default; 17 or newer).
        input_name, output_name: the graph's input and output names.

    Raises:
        ValueError: an op ONNX export does not translate (the message names it).

    Example:
        >>> export(model, "fashion.onnx")            # doctest: +SKIP
        >>> import onnxruntime as ort                  # doctest: +SKIP
        >>> ort.InferenceSession("fashion.onnx").run(None, {"input": x_test[:8]})
    """
    shape = input_shape_of(model, input_shape)
    dtype = np.dtype(_config.floatx())
    example = np.random.default_rng(0).standard_normal((2, *shape[1:])).astype(dtype)
    return export_run(lambda x: model(x, training=False), example, filepath, opset, input_name,
                      output_name, getattr(model, "name", None))


def export_run(run, example, filepath, opset=OPSET, input_name="input", output_name="output",
               graph_name=None):
    """Export what `run(x)` computes from a strided Tensor x, traced on `example` (an array
    whose first axis is the batch, left free in the file): the common path of `export` and
    of the PyTorch-style front end's `torch.onnx.export`."""
    onnx = require_onnx()
    from onnx import helper, numpy_helper

    if opset < OPSET:
        raise ValueError(f"ONNX export: opset must be {OPSET} or newer. Received: opset={opset}")
    example = np.asarray(example)
    dtype = example.dtype
    ops, output_slots, outputs, shapes = record(run, example)
    shapes["dtype"] = dtype
    builder = GraphBuilder(helper, numpy_helper)
    builder.node("Identity", [input_name], ["v0"])
    for op in ops:
        translate = TRANSLATIONS.get(op.name)
        if translate is None:
            raise ValueError(f"ONNX export: strided's op {op.name} has no ONNX translation yet.")
        try:
            translate(op, builder, f"v{op.slot}", shapes)
        except UnsupportedOp as error:
            raise ValueError(f"ONNX export: {error} cannot be exported.") from None
    names = [output_name] if len(outputs) == 1 else [f"{output_name}_{i}" for i in range(len(outputs))]
    for slot, name in zip(output_slots, names):
        builder.node("Identity", [f"v{slot}"], [name])
    element = helper.np_dtype_to_tensor_dtype(dtype)
    graph = helper.make_graph(
        builder.nodes, graph_name or "strided_model",
        [helper.make_tensor_value_info(input_name, element, ["batch", *example.shape[1:]])],
        [helper.make_tensor_value_info(name, element, ["batch", *array.shape[1:]])
         for name, array in zip(names, outputs)],
        builder.initializers,
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="strided")
    onnx.checker.check_model(proto, full_check=False)
    return _write_atomically(proto.SerializeToString(), filepath)


def _write_atomically(data, filepath):
    filepath = os.fspath(filepath)
    os.makedirs(os.path.dirname(os.path.abspath(filepath)), exist_ok=True)
    with atomic_write(filepath) as stream:
        stream.write(data)
    return filepath


__all__ = ["export", "export_run"]
