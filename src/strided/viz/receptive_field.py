"""Receptive fields: which input pixels can change one unit of a layer's output.

Lesson 003's recurrence, per spatial axis, for a layer with kernel k, stride s, dilation d
and padding p (before) on top of a field of size R, jump J (product of the strides before)
and first-field edge F (input coordinate of the first output unit's top/left edge):

    k_eff = d * (k - 1) + 1              (a dilated kernel spans this many positions)
    R_L   = R_{L-1} + (k_eff - 1) * J_{L-1}      (= the lesson's R_{L-1} + (k_L - 1) * prod s_i)
    J_L   = J_{L-1} * s_L
    F_L   = F_{L-1} - p_L * J_{L-1}
    start_L = F_L + (R_L - 1) / 2        (centre of output unit 0's field, in input pixels)

starting from the input itself: R_0 = 1, J_0 = 1, F_0 = 0. Output unit i of layer L sees
input pixels F_L + i * J_L ... F_L + i * J_L + R_L - 1. Near the borders part of that is
padding, or pixels a strided layer never reached; `table.field` traces the box back layer by
layer and clips it to each layer's input, giving exactly the pixels that matter. With dilation the field is the bounding box: a lone dilated kernel skips pixels
inside it. Max pooling passes gradient to one pixel per window, so for a given input only
part of the field is used; the field is every pixel that *can* matter.

    table = receptive_field(model)        # or receptive_field([(3, 1), (5, 2)]): (kernel, stride)
    print(table)                          # one row per layer
    table.field((5, 7))                   # ((top, bottom), (left, right)) of the last layer's unit
"""

from strided.kernels.fast.im2col import same_padding
from strided.viz.receptive_field_table import FieldRow, ReceptiveFieldTable

# Layers that compute each output position from the same input position only.
_PASS_THROUGH = {
    "InputLayer", "Activation", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax", "Identity",
    "BatchNormalization", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
    "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Rescaling",
    "Normalization", "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation",
    "RandomContrast", "RandomBrightness",
}


def _class_names(layer):
    return {cls.__name__ for cls in type(layer).__mro__}


def _tuple(value, rank):
    if isinstance(value, (tuple, list)):
        return tuple(int(v) for v in value)
    return (int(value),) * rank


def _pads(padding, rank):
    """"valid" | "same" | "causal" | int | (p_h, p_w) | ((top, bottom), (left, right))."""
    if isinstance(padding, str):
        return padding.lower()
    if isinstance(padding, int):
        return ((padding, padding),) * rank
    pairs = tuple((p, p) if isinstance(p, int) else (int(p[0]), int(p[1])) for p in padding)
    if len(pairs) == 1 and rank > 1:
        pairs = pairs * rank
    return pairs


def _geometry(layer, rank):
    """(kernel, strides, dilation, padding) of a layer or spec, or None if it ends the table."""
    if isinstance(layer, (tuple, list)):  # (kernel, stride[, padding[, dilation]])
        kernel, stride, padding, dilation = (list(layer) + ["valid", 1][len(layer) - 2:])[:4]
        return _tuple(kernel, rank), _tuple(stride, rank), _tuple(dilation, rank), _pads(padding, rank)
    if isinstance(layer, dict):
        get = layer.get
        kernel = get("kernel_size", get("pool_size", 1))
        return (_tuple(kernel, rank), _tuple(get("strides", 1), rank),
                _tuple(get("dilation_rate", 1), rank), _pads(get("padding", "valid"), rank))
    names = _class_names(layer)
    if names & _PASS_THROUGH:
        return (1,) * rank, (1,) * rank, (1,) * rank, "valid"
    if any(n.startswith("ZeroPadding") for n in names):
        return (1,) * rank, (1,) * rank, (1,) * rank, _pads(layer.padding, rank)
    if any(n.startswith("Cropping") for n in names):
        crops = _pads(layer.cropping, rank)
        return (1,) * rank, (1,) * rank, (1,) * rank, tuple((-b, -a) for b, a in crops)
    if any("Transpose" in n for n in names) or not hasattr(layer, "strides"):
        return None
    kernel = getattr(layer, "pool_size", None) or getattr(layer, "kernel_size", None)
    if kernel is None or not hasattr(layer, "padding"):
        return None
    return (_tuple(kernel, rank), _tuple(layer.strides, rank),
            _tuple(getattr(layer, "dilation_rate", 1), rank), _pads(layer.padding, rank))


def _resolve(padding, size, kernel, stride, dilation, axis):
    """(before, after) padding on one axis; "same" needs the size (or assumes a multiple of s)."""
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return dilation * (kernel - 1), 0
    if padding == "same":
        if size is None:
            total = max(dilation * (kernel - 1) + 1 - stride, 0)
            return total // 2, total - total // 2
        return same_padding(size, kernel, stride, dilation)
    return padding[axis]


def _flatten(model):
    """The layers of a model in order, opening nested models (a pretrained base, say)."""
    if isinstance(model, (list, tuple)):
        layers = list(model)
    else:
        layers = list(getattr(model, "layers", None) or [model])
    for layer in layers:
        if not _is_spec(layer) and getattr(layer, "layers", None):
            yield from _flatten(layer)
        else:
            yield layer


def _is_spec(layer):
    return isinstance(layer, (tuple, list, dict))


def _input_size(model, layers, data_format):
    """The spatial size of the model's input when it is known, else None."""
    inputs = getattr(model, "inputs", None)
    shape = getattr(inputs[0], "shape", None) if inputs else None
    if shape is None and layers and not _is_spec(layers[0]):
        shape = getattr(layers[0], "_build_shapes", None)  # an unbuilt-graph model after a call
    if not isinstance(shape, (tuple, list)) or len(shape) < 3:
        return None
    spatial = shape[2:] if data_format == "channels_first" else shape[1:-1]
    return None if any(s is None for s in spatial) else tuple(int(s) for s in spatial)


def _rank(layers):
    """Number of spatial axes: from the first kernel given as a tuple, else 2 (images)."""
    for layer in layers:
        if isinstance(layer, (tuple, list)):
            value = layer[0]
        elif isinstance(layer, dict):
            value = layer.get("kernel_size", layer.get("pool_size"))
        else:
            value = getattr(layer, "pool_size", None) or getattr(layer, "kernel_size", None)
        if isinstance(value, (tuple, list)):
            return len(value)
    return 2


def receptive_field(model, input_size=None):
    """Per-layer receptive field size, jump (cumulative stride) and start, per spatial axis.

    Args:
        model: a model (its `.layers`, nested models opened), a list of layers, or a list of
            specs `(kernel, stride, padding="valid", dilation=1)` / dicts with Keras argument
            names (`kernel_size` or `pool_size`, `strides`, `padding`, `dilation_rate`).
            Conv1D/2D (also depthwise/separable), Max/Average/LP pooling, ZeroPadding,
            Cropping and layers that keep positions (activations, BatchNormalization,
            Dropout, ...) are followed; the first other layer (Flatten, Dense, global
            pooling, Conv2DTranspose, ...) ends the table and is named in `table.stopped_at`.
        input_size: spatial size (H, W) of the input, an int for square images; taken from the
            model's input when omitted. Needed only to place "same" padding exactly when a
            stride does not divide the size (otherwise a multiple of the stride is assumed)
            and to report output sizes and clip fields to the image.

    Returns:
        A `ReceptiveFieldTable` (a list of `FieldRow`, one per layer followed: `size`, `jump`,
        `start`, `first` (edge of unit 0's field), `output_size`), printable as a table, with
        `table.field(position, layer=None)` giving the input box one unit sees and
        `table.support(position, layer=None)` the exact input rows/columns per axis.

    Example:
        >>> table = receptive_field([(3, 1), (5, 2)])     # lesson 003's worked example
        >>> table[-1].size
        (7, 7)
    """
    layers = list(_flatten(model))
    data_format = next((getattr(l, "data_format", None) for l in layers
                        if getattr(l, "data_format", None)), "channels_last")
    if input_size is None:
        input_size = _input_size(model, layers, data_format)
    elif isinstance(input_size, int):
        input_size = (input_size,) * _rank(layers)
    else:
        input_size = tuple(int(n) for n in input_size)
    rank = len(input_size) if input_size is not None else _rank(layers)
    size, jump, first = [1] * rank, [1] * rank, [0] * rank
    current = list(input_size) if input_size is not None else None
    table = ReceptiveFieldTable(input_size=input_size)
    for index, layer in enumerate(layers):
        if not _is_spec(layer) and "InputLayer" in _class_names(layer):
            continue
        geometry = _geometry(layer, rank)
        name = _layer_name(layer, index)
        if geometry is None:
            table.stopped_at = (name, type(layer).__name__)
            break
        kernel, strides, dilation, padding = geometry
        if not len(kernel) == len(strides) == len(dilation) == rank:
            raise ValueError(
                f"receptive_field: layer '{name}' works on {len(kernel)} spatial axes, but the "
                f"input has {rank} (input size {input_size})."
            )
        pads = []
        for a in range(rank):
            before, after = _resolve(padding, None if current is None else current[a],
                                     kernel[a], strides[a], dilation[a], a)
            pads.append((before, after))
            effective = dilation[a] * (kernel[a] - 1) + 1
            first[a] -= before * jump[a]
            size[a] += (effective - 1) * jump[a]
            jump[a] *= strides[a]
            if current is not None:
                current[a] = (current[a] + before + after - effective) // strides[a] + 1
        table.append(FieldRow(
            name=name, layer_type=_layer_type(layer), kernel=kernel, strides=strides,
            dilation=dilation, padding=tuple(p[0] for p in pads), size=tuple(size),
            jump=tuple(jump), first=tuple(first),
            output_size=None if current is None else tuple(current),
        ))
    return table


def _layer_name(layer, index):
    if isinstance(layer, dict) and "name" in layer:
        return str(layer["name"])
    if isinstance(layer, (tuple, list, dict)):
        return f"layer_{index + 1}"
    return str(getattr(layer, "name", type(layer).__name__))


def _layer_type(layer):
    return "spec" if isinstance(layer, (tuple, list, dict)) else type(layer).__name__


__all__ = ["FieldRow", "ReceptiveFieldTable", "receptive_field"]
