"""Shape structures of layer inputs/outputs: probing, JSON round trips, symbolic outputs.

A "shape" is a tuple of ints and None (unknown size, the batch axis first); layers with
several inputs or outputs use lists (or dicts) of shapes.
"""

import numpy as np

from strided.autograd import Tensor, no_grad
from strided.layers.keras_tensor import KerasTensor, flatten, map_structure, pack_like


def _is_shape(value):
    return isinstance(value, (tuple, list)) and all(
        d is None or isinstance(d, (int, np.integer)) for d in value
    )


def _shapes_of(structure):
    """Shape tuple of one tensor, or the same nesting of shape tuples for several."""
    return map_structure(lambda t: tuple(t.shape) if hasattr(t, "shape") else np.shape(t), structure)


def _flatten_shapes(shapes):
    if _is_shape(shapes):
        return [tuple(shapes)]
    values = shapes.values() if isinstance(shapes, dict) else shapes
    return [s for item in values for s in _flatten_shapes(item)]


def _keras_tensors_for(output_shapes, dtype):
    if _is_shape(output_shapes):
        return KerasTensor(output_shapes, dtype)
    if isinstance(output_shapes, dict):
        return {k: _keras_tensors_for(v, dtype) for k, v in output_shapes.items()}
    return type(output_shapes)(_keras_tensors_for(s, dtype) for s in output_shapes) if isinstance(
        output_shapes, tuple
    ) else [_keras_tensors_for(s, dtype) for s in output_shapes]


def _probe_output_shape(layer, input_shape, sizes=(32, 33)):
    """Run `layer.call` on zeros to read its output shape; unknown sizes become None.

    The batch axis is probed with 1; other unknown axes with two sizes, and an output axis
    that changes between the two runs is unknown (None) too.
    """
    def zeros(shapes, size):
        if _is_shape(shapes):
            concrete = tuple(
                (1 if i == 0 else size) if d is None else d for i, d in enumerate(shapes)
            )
            return Tensor(np.zeros(concrete, dtype=layer.dtype), _copy=False)
        if isinstance(shapes, dict):
            return {k: zeros(v, size) for k, v in shapes.items()}
        return [zeros(s, size) for s in shapes]

    flat_inputs = _flatten_shapes(input_shape)
    unknown_inner = any(d is None for s in flat_inputs for d in s[1:])
    batch_unknown = bool(flat_inputs) and bool(flat_inputs[0]) and flat_inputs[0][0] is None
    runs = []
    for size in sizes if unknown_inner else sizes[:1]:
        with no_grad():
            outputs = layer.call(zeros(input_shape, size))
        runs.append([tuple(t.shape) for t in flatten(outputs)])
    merged = []
    for index, shape in enumerate(runs[0]):
        dims = [d if all(run[index][i] == d for run in runs) else None for i, d in enumerate(shape)]
        if dims and batch_unknown:
            dims[0] = None
        merged.append(tuple(dims))
    return pack_like(outputs, merged)


def _shape_to_json(shape):
    if _is_shape(shape):
        return [None if d is None else int(d) for d in shape]
    if isinstance(shape, dict):
        return {k: _shape_to_json(v) for k, v in shape.items()}
    return [_shape_to_json(s) for s in shape]


def _shape_from_json(shape):
    if _is_shape(shape):
        return tuple(shape)
    if isinstance(shape, dict):
        return {k: _shape_from_json(v) for k, v in shape.items()}
    return [_shape_from_json(s) for s in shape]


__all__ = []
