"""Each recorded strided op as ONNX nodes (opset 17): one small function per op family.

A translation reads the op's parameters, the ONNX names of its inputs (`b.value(source)`) and
the shapes the recorded run saw (`shapes[slot]`), and appends nodes that compute the op's
output under the name `out`. Images stay in the model's own layout (NHWC for Keras models):
ONNX's Conv and pooling work on NCHW, so those ops are wrapped in two Transposes, which ONNX
Runtime's optimiser cancels between neighbouring ops.
"""

import math

import numpy as np

NCHW, NHWC = [0, 3, 1, 2], [0, 2, 3, 1]
SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805


class UnsupportedOp(ValueError):
    """An op (or an argument of one) that has no ONNX translation here."""


def _const(op, index):
    kind, payload = op.inputs[index]
    return payload if kind == "constant" else None


def _channels_first(op):
    return op.params.get("data_format") == "channels_first"


def _spatial(b, name, op, convert):
    """Run `convert(nchw_name) -> nchw_name` on a channels-last or channels-first image."""
    if _channels_first(op):
        return convert(name)
    return b.node("Transpose", [convert(b.node("Transpose", [name], perm=NCHW))], perm=NHWC)


def _finish(b, name, out):
    b.node("Identity", [name], [out])


# ----------------------------------------------------------------------------- convolutions
def conv2d(op, b, out, shapes):
    p = op.params
    kernel = _const(op, 1)
    if kernel is not None:
        weight = b.constant(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)), "kernel")
    else:
        weight = b.node("Transpose", [b.value(op.inputs[1])], perm=[3, 2, 0, 1])
    inputs = [weight] + ([b.value(op.inputs[2])] if len(op.inputs) > 2 else [])
    (top, bottom), (left, right) = p["pads"]

    def convert(x):
        y = b.node("Conv", [x, *inputs], strides=list(p["strides"]), dilations=list(p["dilation"]),
                   pads=[top, left, bottom, right], group=int(p["groups"]))
        return b.node("Relu", [y]) if p.get("activation") == "relu" else y

    _finish(b, _spatial(b, b.value(op.inputs[0]), op, convert), out)


def conv_transpose2d(op, b, out, shapes):
    p = op.params
    kernel = _const(op, 1)
    if kernel is None:
        raise UnsupportedOp("ConvTranspose2D with a kernel computed from the input")
    weight = b.constant(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)), "kernel")
    (top, bottom), (left, right) = p["crops"]
    extra = [max(-bottom, 0), max(-right, 0)]

    def convert(x):
        return b.node("ConvTranspose", [x, weight], strides=list(p["strides"]),
                      dilations=list(p["dilation"]), output_padding=extra,
                      pads=[top, left, max(bottom, 0), max(right, 0)])

    _finish(b, _spatial(b, b.value(op.inputs[0]), op, convert), out)


# ----------------------------------------------------------------------------------- pooling
def pool(op, b, out, shapes):
    p = op.params
    (top, bottom), (left, right) = p["pads"]
    attributes = dict(kernel_shape=list(p["pool_size"]), strides=list(p["strides"]),
                      pads=[top, left, bottom, right])
    kind = {"MaxPool": "MaxPool", "AveragePool": "AveragePool", "LpPool": "LpPool"}[op.name]
    if kind == "AveragePool":
        attributes["count_include_pad"] = int(bool(p["count_include_pad"]))
    if kind == "LpPool":
        if float(p["p"]) != int(p["p"]):
            raise UnsupportedOp(f"LpPool with a non-integer p={p['p']}")
        attributes["p"] = int(p["p"])
    x = b.value(op.inputs[0])
    if p["one_d"]:  # (N, L, C) -> (N, 1, L, C); channels first (N, C, L) -> (N, C, 1, L)
        x = b.node("Unsqueeze", [x, b.int64s([2 if _channels_first(op) else 1])])
    y = _spatial(b, x, op, lambda v: b.node(kind, [v], **attributes))
    if p["one_d"]:
        y = b.node("Squeeze", [y, b.int64s([2 if _channels_first(op) else 1])])
    _finish(b, y, out)


def global_average(op, b, out, shapes):
    b.node("ReduceMean", [b.value(op.inputs[0])], [out], axes=list(op.params["axes"]),
           keepdims=int(bool(op.params["keepdims"])))


def global_max(op, b, out, shapes):
    rank = len(shapes[op.inputs[0][1]])
    axes = list(range(2, rank)) if op.params["channels_first"] else list(range(1, rank - 1))
    b.node("ReduceMax", [b.value(op.inputs[0])], [out], axes=axes,
           keepdims=int(bool(op.params["keepdims"])))


def adaptive_pool(op, b, out, shapes):
    size = op.params["output_size"]
    if tuple(np.atleast_1d(size)) not in ((1,), (1, 1)):
        raise UnsupportedOp(f"{op.name} to an output size other than 1 (got {size})")
    rank = len(shapes[op.inputs[0][1]])
    axes = list(range(2, rank)) if _channels_first(op) else list(range(1, rank - 1))
    kind = "ReduceMean" if op.name == "AdaptiveAveragePool" else "ReduceMax"
    b.node(kind, [b.value(op.inputs[0])], [out], axes=axes, keepdims=1)


# ----------------------------------------------------------------------------- dense, norms
def dense(op, b, out, shapes):
    y = b.node("MatMul", [b.value(op.inputs[0]), b.value(op.inputs[1])])
    if len(op.inputs) > 2:
        y = b.node("Add", [y, b.value(op.inputs[2])])
    _finish(b, b.node("Relu", [y]) if op.params.get("relu") else y, out)


def _scale_shift(b, x, scale, shift, relu, out):
    y = b.node("Add", [b.node("Mul", [x, b.constant(scale, "scale")]), b.constant(shift, "shift")])
    _finish(b, b.node("Relu", [y]) if relu else y, out)


def batch_norm(op, b, out, shapes):
    """Inference batch norm: y = x * scale + shift with scale = gamma / sqrt(var + eps)."""
    p = op.params
    stats = [_const(op, i) for i in range(1, len(op.inputs))]
    if any(s is None for s in stats):
        raise UnsupportedOp("batch normalisation with statistics computed from the input")
    mean, variance, *params = stats
    gamma = params[-1] if p["has_scale"] else 1.0
    beta = params[0] if p["has_offset"] else 0.0
    dtype = shapes["dtype"]
    scale = (np.asarray(gamma) / np.sqrt(np.asarray(variance) + p["epsilon"])).astype(dtype)
    shift = (np.asarray(beta) - np.asarray(mean) * scale).astype(dtype)
    _scale_shift(b, b.value(op.inputs[0]), scale.reshape(p["bshape"]), shift.reshape(p["bshape"]),
                 False, out)


def channels_last_batch_norm(op, b, out, shapes):
    p = op.params
    gamma, beta = _const(op, 1), _const(op, 2)
    if p.get("mean") is None or gamma is None or beta is None:
        raise UnsupportedOp("batch normalisation with batch statistics (training mode)")
    dtype = shapes["dtype"]
    scale = (gamma / np.sqrt(p["var"] + p["epsilon"])).astype(dtype)
    shift = (beta - p["mean"] * scale).astype(dtype)
    _scale_shift(b, b.value(op.inputs[0]), scale, shift, p.get("relu"), out)


def standardize(op, b, out, shapes):
    """Layer / group / batch normalisation: normalise a view of x over `axes`, scale, shift."""
    p = op.params
    x_shape = shapes[op.inputs[0][1]]
    view = [0 if i == 0 and n == x_shape[0] else n for i, n in enumerate(p["view_shape"])]
    x = b.node("Reshape", [b.value(op.inputs[0]), b.int64s(view)])
    if p.get("mean") is not None:
        mean, var = b.constant(p["mean"].astype(shapes["dtype"])), b.constant(
            p["var"].astype(shapes["dtype"]))
    else:
        mean = b.node("ReduceMean", [x], axes=list(p["axes"]), keepdims=1)
    centered = b.node("Sub", [x, mean])
    if p.get("mean") is None:
        var = b.node("ReduceMean", [b.node("Mul", [centered, centered])], axes=list(p["axes"]),
                     keepdims=1)
    epsilon = b.constant(np.asarray(p["epsilon"], shapes["dtype"]))
    y = b.node("Div", [centered, b.node("Sqrt", [b.node("Add", [var, epsilon])])])
    index = 1
    for flag, kind in ((p["scale"], "Mul"), (p["center"], "Add")):
        if flag:
            param = _const(op, index)
            name = (b.constant(param.reshape(p["param_shape"]).astype(shapes["dtype"]))
                    if param is not None else
                    b.node("Reshape", [b.value(op.inputs[index]), b.int64s(p["param_shape"])]))
            y = b.node(kind, [y, name])
            index += 1
    back = [0 if i == 0 else n for i, n in enumerate(x_shape)]
    b.node("Reshape", [y, b.int64s(back)], [out])


# ------------------------------------------------------------------------------ activations
def pointwise(op, b, out, shapes):
    x, p, name = b.value(op.inputs[0]), op.params, op.name
    dtype = shapes["dtype"]

    def c(value):
        return b.constant(np.asarray(value, dtype))

    simple = {"Relu": "Relu", "Sigmoid": "Sigmoid", "Tanh": "Tanh", "Softplus": "Softplus",
              "Softsign": "Softsign", "HardSilu": "HardSwish"}
    if name in simple:
        return b.node(simple[name], [x], [out])
    if name == "Relu6":
        return b.node("Clip", [x, c(0.0), c(6.0)], [out])
    if name == "GeneralRelu":
        above = b.node("Min", [x, c(p["upper"])]) if np.isfinite(p["upper"]) else x
        below = b.node("Mul", [c(p["slope"]), b.node("Sub", [x, c(p["threshold"])])])
        return b.node("Where", [b.node("Greater", [x, c(p["threshold"])]), above, below], [out])
    if name == "LeakyRelu":
        return b.node("LeakyRelu", [x], [out], alpha=float(p["slope"]))
    if name == "Elu":
        return b.node("Elu", [x], [out], alpha=float(p["alpha"]))
    if name == "Selu":
        return b.node("Selu", [x], [out], alpha=SELU_ALPHA, gamma=SELU_SCALE)
    if name == "LogSigmoid":
        return b.node("Neg", [b.node("Softplus", [b.node("Neg", [x])])], [out])
    if name == "Silu":
        return b.node("Mul", [x, b.node("Sigmoid", [x])], [out])
    if name == "HardSigmoid":
        return b.node("HardSigmoid", [x], [out], alpha=1.0 / 6.0, beta=0.5)
    if name == "Gelu":
        if p["approximate"]:
            cube = b.node("Mul", [c(0.044715), b.node("Mul", [x, b.node("Mul", [x, x])])])
            inner = b.node("Mul", [c(math.sqrt(2.0 / math.pi)), b.node("Add", [x, cube])])
            gate = b.node("Add", [c(1.0), b.node("Tanh", [inner])])
        else:
            gate = b.node("Add", [c(1.0), b.node("Erf", [b.node("Div", [x, c(math.sqrt(2.0))])])])
        return b.node("Mul", [b.node("Mul", [x, c(0.5)]), gate], [out])
    if name in ("Softmax", "LogSoftmax"):
        axis = p["axis"]
        if not isinstance(axis, (int, np.integer)):
            raise UnsupportedOp(f"{name} over several axes {axis}")
        return b.node(name, [x], [out], axis=int(axis))
    raise UnsupportedOp(f"the activation {name}")


# ---------------------------------------------------------------------------- elementwise
_BINARY = {"Add": "Add", "Subtract": "Sub", "Multiply": "Mul", "Divide": "Div",
           "MatMul": "MatMul"}
_UNARY = {"Negative": "Neg", "Exp": "Exp", "Log": "Log", "Sqrt": "Sqrt", "Abs": "Abs",
          "Erf": "Erf"}


def _typed(b, op, index, dtype):
    kind, payload = op.inputs[index]
    if kind == "constant" and np.asarray(payload).dtype.kind == "f":
        return b.constant(np.asarray(payload, dtype))
    return b.value(op.inputs[index])


def binary(op, b, out, shapes):
    dtype = shapes["dtype"]
    b.node(_BINARY[op.name], [_typed(b, op, 0, dtype), _typed(b, op, 1, dtype)], [out])


def unary(op, b, out, shapes):
    b.node(_UNARY[op.name], [b.value(op.inputs[0])], [out])


def square(op, b, out, shapes):
    x = b.value(op.inputs[0])
    b.node("Mul", [x, x], [out])


def power(op, b, out, shapes):
    b.node("Pow", [b.value(op.inputs[0]), b.constant(np.asarray(op.params["exponent"],
                                                                 shapes["dtype"]))], [out])


def clip(op, b, out, shapes):
    dtype = shapes["dtype"]
    bounds = ["" if v is None else b.constant(np.asarray(v, dtype))
              for v in (op.params["low"], op.params["high"])]
    b.node("Clip", [b.value(op.inputs[0]), *bounds], [out])


def extremum(op, b, out, shapes):
    dtype = shapes["dtype"]
    b.node("Max" if op.params["larger"] else "Min",
           [_typed(b, op, 0, dtype), _typed(b, op, 1, dtype)], [out])


def select(op, b, out, shapes):
    dtype = shapes["dtype"]
    condition = b.constant(np.asarray(op.params["condition"], bool))
    b.node("Where", [condition, _typed(b, op, 0, dtype), _typed(b, op, 1, dtype)], [out])


# ---------------------------------------------------------------------------- shape ops
def _batch_free(shape, batch):
    """A target shape whose leading batch size becomes 0 ("as the input"): any batch works."""
    shape = [int(n) for n in shape]
    return [0, *shape[1:]] if shape and shape[0] == batch else shape


def reshape(op, b, out, shapes):
    batch = shapes[op.inputs[0][1]][0]
    b.node("Reshape", [b.value(op.inputs[0]), b.int64s(_batch_free(op.params["shape"], batch))],
           [out])


def transpose(op, b, out, shapes):
    b.node("Transpose", [b.value(op.inputs[0])], [out], perm=[int(a) for a in op.params["axes"]])


def cast(op, b, out, shapes):
    from onnx import helper

    dtype = np.dtype(op.params["dtype"])
    b.node("Cast", [b.value(op.inputs[0])], [out], to=helper.np_dtype_to_tensor_dtype(dtype))


def concatenate(op, b, out, shapes):
    dtype = shapes["dtype"]
    b.node("Concat", [_typed(b, op, i, dtype) for i in range(len(op.inputs))], [out],
           axis=int(op.params["axis"]))


def stack(op, b, out, shapes):
    axis = b.int64s([op.params["axis"]])
    parts = [b.node("Unsqueeze", [b.value(source), axis]) for source in op.inputs]
    b.node("Concat", parts, [out], axis=int(op.params["axis"]))


def repeat(op, b, out, shapes):
    """np.repeat(x, r, axis) = tile a new axis after `axis` r times, then merge the two."""
    repeats, axis = op.params["repeats"], int(op.params["axis"])
    if np.ndim(repeats) != 0:
        raise UnsupportedOp("repeat with a different count per element")
    shape = shapes[op.inputs[0][1]]
    x = b.node("Unsqueeze", [b.value(op.inputs[0]), b.int64s([axis + 1])])
    reps = [1] * (len(shape) + 1)
    reps[axis + 1] = int(repeats)
    tiled = b.node("Tile", [x, b.int64s(reps)])
    merged = [n * int(repeats) if i == axis else n for i, n in enumerate(shape)]
    b.node("Reshape", [tiled, b.int64s(_batch_free(merged, shape[0]) if axis else merged)], [out])


def tile(op, b, out, shapes):
    b.node("Tile", [b.value(op.inputs[0]), b.int64s(op.params["reps"])], [out])


def pad(op, b, out, shapes):
    p = op.params
    mode = {"constant": "constant", "reflect": "reflect", "edge": "edge"}.get(p["mode"])
    if mode is None:
        raise UnsupportedOp(f"padding mode {p['mode']!r}")
    widths = [tuple(w) for w in p["widths"]]
    pads = b.int64s([w[0] for w in widths] + [w[1] for w in widths])
    inputs = [b.value(op.inputs[0]), pads]
    if mode == "constant":
        inputs.append(b.constant(np.asarray(p["constant_values"] or 0, shapes["dtype"])))
    b.node("Pad", inputs, [out], mode=mode)


def get_item(op, b, out, shapes):
    key = op.params["key"]
    key = key if isinstance(key, tuple) else (key,)
    if not op.params["basic"] or any(k is None or k is Ellipsis for k in key):
        raise UnsupportedOp(f"indexing with {op.params['key']!r} (only ints and slices)")
    shape = shapes[op.inputs[0][1]]
    starts, ends, axes, steps, squeeze = [], [], [], [], []
    for axis, part in enumerate(key):
        if isinstance(part, slice):
            start, stop, step = part.indices(shape[axis])
            if (start, stop, step) == (0, shape[axis], 1):
                continue  # the whole axis (the batch, say): any size passes
            if step < 0 and stop < 0:
                stop = -(2 ** 62)
        else:
            start = int(part) % shape[axis]
            stop, step = start + 1, 1
            squeeze.append(axis)
        starts.append(start)
        ends.append(stop)
        axes.append(axis)
        steps.append(step)
    y = b.node("Slice", [b.value(op.inputs[0]), b.int64s(starts), b.int64s(ends), b.int64s(axes),
                         b.int64s(steps)])
    if squeeze:
        y = b.node("Squeeze", [y, b.int64s(squeeze)])
    _finish(b, y, out)


# -------------------------------------------------------------------------------- reductions
def reduce(op, b, out, shapes):
    p, x = op.params, b.value(op.inputs[0])
    axes, keep = [int(a) for a in p["axes"]], int(bool(p["keepdims"]))
    if op.name == "Sum":
        return b.node("ReduceSum", [x, b.int64s(axes)], [out], keepdims=keep)
    if op.name == "Mean":
        return b.node("ReduceMean", [x], [out], axes=axes, keepdims=keep)
    if op.name == "LogSumExp":
        return b.node("ReduceLogSumExp", [x], [out], axes=axes, keepdims=keep)
    if op.name == "Extreme":
        kind = {"amax": "ReduceMax", "max": "ReduceMax", "amin": "ReduceMin", "min": "ReduceMin"}
        reducer = kind.get(getattr(p["reducer"], "__name__", ""))
        if reducer is None:
            raise UnsupportedOp(f"the reduction {p['reducer']!r}")
        return b.node(reducer, [x], [out], axes=axes, keepdims=keep)
    mean = b.node("ReduceMean", [x], axes=axes, keepdims=1)
    centered = b.node("Sub", [x, mean])
    variance = b.node("ReduceMean", [b.node("Mul", [centered, centered])], axes=axes,
                      keepdims=keep)
    if op.name == "StandardDeviation":
        return b.node("Sqrt", [variance], [out])
    return b.node("Identity", [variance], [out])


# -------------------------------------------------------------------------------- resizing
def upsample_nearest(op, b, out, shapes):
    sh, sw = op.params["size"]
    scales = b.constant(np.asarray([1, 1, sh, sw], np.float32), "scales")
    convert = lambda v: b.node("Resize", [v, "", scales], mode="nearest")  # noqa: E731
    x = b.value(op.inputs[0])
    y = convert(x) if op.params["channels_first"] else b.node(
        "Transpose", [convert(b.node("Transpose", [x], perm=NCHW))], perm=NHWC)
    _finish(b, y, out)


def resize(op, b, out, shapes):
    p = op.params
    channels_first, batched = p["channels_first"], p["batched"]
    if not batched:
        raise UnsupportedOp("resizing a single unbatched image")
    mode = {"bilinear": "linear", "nearest": "nearest"}.get(p["interpolation"])
    if mode is None:
        raise UnsupportedOp(f"{p['interpolation']!r} resizing")
    x = b.value(op.inputs[0])
    # sizes = (the input's batch and channels, as they come) + the new height and width
    sizes = b.node("Concat", [b.node("Slice", [b.node("Shape", [x if channels_first else
                                                                 b.node("Transpose", [x], perm=NCHW)]),
                                               b.int64s([0]), b.int64s([2])]),
                              b.int64s(p["out_size"])], axis=0)
    extra = {"nearest_mode": "floor", "coordinate_transformation_mode": "asymmetric"} \
        if mode == "nearest" else {"coordinate_transformation_mode": "half_pixel"}
    convert = lambda v: b.node("Resize", [v, "", "", sizes], mode=mode, **extra)  # noqa: E731
    y = convert(x) if channels_first else b.node(
        "Transpose", [convert(b.node("Transpose", [x], perm=NCHW))], perm=NHWC)
    _finish(b, y, out)


def identity(op, b, out, shapes):
    b.node("Identity", [b.value(op.inputs[0])], [out])


TRANSLATIONS = {
    "Conv2D": conv2d, "ConvTranspose2D": conv_transpose2d,
    "MaxPool": pool, "AveragePool": pool, "LpPool": pool,
    "GlobalAveragePool": global_average, "GlobalMaxPool": global_max,
    "AdaptiveAveragePool": adaptive_pool, "AdaptiveMaxPool": adaptive_pool,
    "Dense": dense, "BatchNormalization": batch_norm,
    "ChannelsLastBatchNorm": channels_last_batch_norm, "Standardize": standardize,
    "Add": binary, "Subtract": binary, "Multiply": binary, "Divide": binary, "MatMul": binary,
    "Negative": unary, "Exp": unary, "Log": unary, "Sqrt": unary, "Abs": unary, "Erf": unary,
    "Square": square, "Power": power, "Clip": clip, "Extremum": extremum, "Select": select,
    "Reshape": reshape, "Transpose": transpose, "Cast": cast, "Concatenate": concatenate,
    "Stack": stack, "Tile": tile, "Repeat": repeat, "Pad": pad, "GetItem": get_item,
    "Sum": reduce, "Mean": reduce, "Extreme": reduce, "Variance": reduce,
    "StandardDeviation": reduce, "LogSumExp": reduce,
    "UpsampleNearest": upsample_nearest, "Resize": resize, "Dropout": identity,
}
POINTWISE = ("Relu", "Relu6", "GeneralRelu", "LeakyRelu", "Elu", "Selu", "Sigmoid", "Tanh",
             "Softplus", "LogSigmoid", "Softsign", "Silu", "HardSigmoid", "HardSilu", "Gelu",
             "Softmax", "LogSoftmax")
TRANSLATIONS.update({name: pointwise for name in POINTWISE})
