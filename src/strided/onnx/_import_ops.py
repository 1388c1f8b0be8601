"""Each ONNX node as strided ops: the other direction of `_ops`, one function per op type.

A node's inputs arrive as Tensors (values that depend on the model's input, or weights) or as
NumPy arrays (constants and shape arithmetic, such as PyTorch's `x.view(x.size(0), -1)`,
which exports as Shape -> Gather -> Concat -> Reshape). A node whose inputs are all arrays is
computed with NumPy (`NUMPY`); any other runs on strided's ops (`OPS`), so gradients flow to
the weights and an imported model can be fine-tuned. Images stay NCHW, as ONNX has them.
"""

import numpy as np

from strided import ops
from strided.autograd import Tensor


class UnsupportedNode(ValueError):
    """An ONNX node (or an attribute of one) strided cannot run."""


def _pairs(pads):
    """ONNX pads [x1_begin, x2_begin, x1_end, x2_end] -> ((x1_begin, x1_end), (x2_begin, x2_end))."""
    half = len(pads) // 2
    return tuple((int(pads[i]), int(pads[i + half])) for i in range(half))


def _same_pads(spatial, kernel, strides, dilations, upper):
    pads = []
    for size, k, s, d in zip(spatial, kernel, strides, dilations):
        out = -(-size // s)
        total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
        small = total // 2
        pads.append((small, total - small) if upper else (total - small, small))
    return tuple(pads)


def _window_pads(node, x_shape, kernel, strides, dilations=None):
    spatial = x_shape[2:]
    dilations = dilations or [1] * len(kernel)
    auto = node.attrs.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        return _same_pads(spatial, kernel, strides, dilations, auto == "SAME_UPPER")
    if auto == "VALID":
        return tuple((0, 0) for _ in spatial)
    return _pairs(node.attrs.get("pads", [0] * (2 * len(spatial))))


def conv(node, x, weight, bias=None):
    rank = len(x.shape) - 2
    if rank not in (1, 2):
        raise UnsupportedNode(f"Conv on {rank}-D images")
    kernel_shape = list(weight.shape[2:])
    strides = node.attrs.get("strides", [1] * rank)
    dilations = node.attrs.get("dilations", [1] * rank)
    pads = _window_pads(node, x.shape, kernel_shape, strides, dilations)
    order = (2, 3, 1, 0) if rank == 2 else (2, 1, 0)  # (O, I/g, kh, kw) -> (kh, kw, I/g, O)
    y = ops.conv(x, ops.transpose(weight, order), strides=tuple(strides), padding=pads,
                 data_format="channels_first", dilation_rate=tuple(dilations))
    if bias is not None:
        y = ops.add(y, ops.reshape(bias, (1, -1) + (1,) * rank))
    return y


def conv_transpose(node, x, weight, bias=None):
    if len(x.shape) != 4 or node.attrs.get("group", 1) != 1:
        raise UnsupportedNode("ConvTranspose other than 2-D with one group")
    strides = node.attrs.get("strides", [1, 1])
    pads = _pairs(node.attrs.get("pads", [0, 0, 0, 0]))
    if any(before != after for before, after in pads) or node.attrs.get("auto_pad", "NOTSET") != "NOTSET":
        raise UnsupportedNode("ConvTranspose with uneven or automatic padding")
    output_padding = node.attrs.get("output_padding")
    y = ops.conv_transpose(x, ops.transpose(weight, (2, 3, 1, 0)), strides=tuple(strides),
                           padding=tuple(p for p, _ in pads),
                           output_padding=tuple(output_padding) if output_padding else None,
                           data_format="channels_first",
                           dilation_rate=tuple(node.attrs.get("dilations", [1, 1])))
    if bias is not None:
        y = ops.add(y, ops.reshape(bias, (1, -1, 1, 1)))
    return y


def _pool(node, x, op):
    kernel = node.attrs["kernel_shape"]
    strides = node.attrs.get("strides", [1] * len(kernel))
    pads = _window_pads(node, x.shape, kernel, strides)
    if node.attrs.get("ceil_mode", 0):
        pads = tuple(
            (before, after + (-(size + before + after - k) % s))
            for (before, after), size, k, s in zip(pads, x.shape[2:], kernel, strides)
        )
    if len(kernel) != 2:
        raise UnsupportedNode(f"{node.op_type} over {len(kernel)}-D windows")
    if op == "max":
        return ops.max_pool(x, tuple(kernel), tuple(strides), padding=pads,
                            data_format="channels_first")
    include = bool(node.attrs.get("count_include_pad", 0))
    return ops.average_pool(x, tuple(kernel), tuple(strides), padding=pads,
                            data_format="channels_first", count_include_pad=include)


def batch_norm(node, x, scale, bias, mean, var):
    shape = (1, -1) + (1,) * (len(x.shape) - 2)
    epsilon = node.attrs.get("epsilon", 1e-5)
    inverse = ops.divide(scale, ops.sqrt(ops.add(var, epsilon)))
    centered = ops.subtract(x, ops.reshape(mean, shape))
    return ops.add(ops.multiply(centered, ops.reshape(inverse, shape)), ops.reshape(bias, shape))


def gemm(node, a, b, c=None):
    if node.attrs.get("transA", 0):
        a = ops.transpose(a)
    if node.attrs.get("transB", 0):
        b = ops.transpose(b)
    y = ops.matmul(a, b)
    alpha, beta = node.attrs.get("alpha", 1.0), node.attrs.get("beta", 1.0)
    if alpha != 1.0:
        y = ops.multiply(y, alpha)
    if c is not None:
        y = ops.add(y, c if beta == 1.0 else ops.multiply(c, beta))
    return y


def _axes(node, given, rank):
    axes = given if given is not None else node.attrs.get("axes")
    return None if axes is None else tuple(int(a) % rank for a in np.atleast_1d(axes))


def reduce(node, x, axes=None):
    axes = _axes(node, axes, len(x.shape))
    keep = bool(node.attrs.get("keepdims", 1))
    if axes is None and node.attrs.get("noop_with_empty_axes", 0):
        return x
    function = {"ReduceMean": ops.mean, "ReduceMax": ops.max, "ReduceSum": ops.sum,
                "ReduceMin": ops.min}[node.op_type]
    return function(x, axis=axes, keepdims=keep)


def reshape(node, x, shape):
    shape = [int(n) for n in np.asarray(shape)]
    shape = [x.shape[i] if n == 0 and not node.attrs.get("allowzero", 0) else n
             for i, n in enumerate(shape)]
    return ops.reshape(x, tuple(shape))


def flatten(node, x):
    axis = node.attrs.get("axis", 1) % len(x.shape) if len(x.shape) else 0
    outer = int(np.prod(x.shape[:axis])) if axis else 1
    return ops.reshape(x, (outer, -1))


def squeeze(node, x, axes=None):
    axes = _axes(node, axes, len(x.shape))
    return ops.squeeze(x, axis=axes)


def unsqueeze(node, x, axes=None):
    axes = sorted(int(a) % (len(x.shape) + len(np.atleast_1d(axes if axes is not None else node.attrs["axes"])))
                  for a in np.atleast_1d(axes if axes is not None else node.attrs["axes"]))
    for axis in axes:
        x = ops.expand_dims(x, axis)
    return x


def pad(node, x, pads=None, value=None, axes=None):
    if axes is not None:
        raise UnsupportedNode("Pad with explicit axes")
    mode = node.attrs.get("mode", "constant")
    pads = node.attrs.get("pads") if pads is None else pads
    widths = _pairs(np.asarray(pads))
    if mode == "constant":
        fill = 0.0 if value is None or np.size(value) == 0 else float(np.asarray(value))
        return ops.pad(x, widths, mode="constant", constant_values=fill)
    return ops.pad(x, widths, mode={"reflect": "reflect", "edge": "edge"}[mode])


def clip(node, x, low=None, high=None):
    low = node.attrs.get("min") if low is None else low
    high = node.attrs.get("max") if high is None else high
    low = None if low is None or np.size(low) == 0 else float(np.asarray(low))
    high = None if high is None or np.size(high) == 0 else float(np.asarray(high))
    return ops.clip(x, low, high)


def resize(node, x, roi=None, scales=None, sizes=None):
    if node.attrs.get("mode", "nearest") != "nearest":
        raise UnsupportedNode(f"Resize in mode {node.attrs.get('mode')!r} (nearest only)")
    if sizes is not None and np.size(sizes):
        factors = np.asarray(sizes, np.float64) / np.asarray(x.shape, np.float64)
    else:
        factors = np.asarray(scales, np.float64)
    if len(factors) != 4 or factors[0] != 1 or factors[1] != 1 or np.any(factors % 1):
        raise UnsupportedNode(f"Resize by factors {factors.tolist()} (whole spatial factors only)")
    from strided.ops.upsampling import upsample

    return upsample(x, size=(int(factors[2]), int(factors[3])), data_format="channels_first")


def _unary(function):
    return lambda node, x: function(x)


OPS = {
    "Conv": conv, "ConvTranspose": conv_transpose,
    "MaxPool": lambda node, x: _pool(node, x, "max"),
    "AveragePool": lambda node, x: _pool(node, x, "average"),
    "GlobalAveragePool": lambda node, x: ops.mean(x, axis=tuple(range(2, len(x.shape))), keepdims=True),
    "GlobalMaxPool": lambda node, x: ops.max(x, axis=tuple(range(2, len(x.shape))), keepdims=True),
    "BatchNormalization": batch_norm, "Gemm": gemm,
    "MatMul": lambda node, a, b: ops.matmul(a, b),
    "Add": lambda node, a, b: ops.add(a, b), "Sub": lambda node, a, b: ops.subtract(a, b),
    "Mul": lambda node, a, b: ops.multiply(a, b), "Div": lambda node, a, b: ops.divide(a, b),
    "Pow": lambda node, a, b: ops.power(a, float(np.asarray(b))),
    "Max": lambda node, a, b: ops.maximum(a, b), "Min": lambda node, a, b: ops.minimum(a, b),
    "Relu": _unary(ops.relu), "Sigmoid": _unary(ops.sigmoid), "Tanh": _unary(ops.tanh),
    "Softplus": _unary(ops.softplus), "Softsign": _unary(ops.softsign),
    "Exp": _unary(ops.exp), "Log": _unary(ops.log), "Sqrt": _unary(ops.sqrt),
    "Abs": _unary(ops.abs), "Neg": _unary(ops.negative), "Erf": _unary(ops.erf),
    "HardSwish": _unary(ops.hard_silu), "Selu": _unary(ops.selu),
    "Identity": _unary(lambda x: x), "Dropout": lambda node, x, *rest: x,
    "LeakyRelu": lambda node, x: ops.leaky_relu(x, node.attrs.get("alpha", 0.01)),
    "Elu": lambda node, x: ops.elu(x, node.attrs.get("alpha", 1.0)),
    "HardSigmoid": lambda node, x: ops.clip(ops.add(ops.multiply(x, node.attrs.get("alpha", 0.2)),
                                                     node.attrs.get("beta", 0.5)), 0.0, 1.0),
    "Gelu": lambda node, x: ops.gelu(x, approximate=node.attrs.get("approximate", "none") == "tanh"),
    "Softmax": lambda node, x: ops.softmax(x, axis=node.attrs.get("axis", -1)),
    "LogSoftmax": lambda node, x: ops.log_softmax(x, axis=node.attrs.get("axis", -1)),
    "Clip": clip, "Flatten": flatten, "Reshape": reshape, "Squeeze": squeeze,
    "Unsqueeze": unsqueeze, "Pad": pad, "Resize": resize,
    "Transpose": lambda node, x: ops.transpose(x, node.attrs.get("perm")),
    "Concat": lambda node, *xs: ops.concatenate(list(xs), axis=node.attrs["axis"]),
    "ReduceMean": reduce, "ReduceMax": reduce, "ReduceSum": reduce, "ReduceMin": reduce,
    "Where": lambda node, c, a, b: ops.where(np.asarray(c.data if isinstance(c, Tensor) else c), a, b),
    "Cast": lambda node, x: ops.cast(x, _numpy_dtype(node.attrs["to"])),
}


def _numpy_dtype(onnx_type):
    from onnx import helper

    return helper.tensor_dtype_to_np_dtype(onnx_type)


# --- shape arithmetic on plain arrays (PyTorch's exports compute reshape targets this way)
def _gather(node, data, indices):
    return np.take(data, np.asarray(indices, np.int64), axis=node.attrs.get("axis", 0))


def _slice(node, data, starts, ends, axes=None, steps=None):
    index = [slice(None)] * data.ndim
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    for start, end, axis, step in zip(starts, ends, axes, steps):
        index[int(axis)] = slice(int(start), int(max(min(end, 2 ** 62), -(2 ** 62))), int(step))
    return data[tuple(index)]


NUMPY = {
    "Shape": lambda node, x: np.asarray(x.shape, np.int64),
    "Gather": _gather, "Slice": _slice,
    "Concat": lambda node, *xs: np.concatenate([np.atleast_1d(x) for x in xs], axis=node.attrs["axis"]),
    "Unsqueeze": lambda node, x, axes=None: np.expand_dims(x, tuple(np.atleast_1d(
        axes if axes is not None else node.attrs["axes"]).tolist())),
    "Squeeze": lambda node, x, axes=None: np.squeeze(x, axis=None if axes is None and "axes" not in node.attrs
                                                     else tuple(np.atleast_1d(axes if axes is not None else node.attrs["axes"]).tolist())),
    "Cast": lambda node, x: np.asarray(x).astype(_numpy_dtype(node.attrs["to"])),
    "Mul": lambda node, a, b: np.multiply(a, b), "Add": lambda node, a, b: np.add(a, b),
    "Sub": lambda node, a, b: np.subtract(a, b), "Div": lambda node, a, b: np.asarray(a) // np.asarray(b)
    if np.asarray(a).dtype.kind in "iu" else np.divide(a, b),
    "Identity": lambda node, x: x,
    "Reshape": lambda node, x, shape: np.reshape(x, [x.shape[i] if n == 0 else int(n) for i, n in enumerate(shape)]),
    "ConstantOfShape": lambda node, shape: np.full(tuple(int(n) for n in shape), node.attrs.get("value", np.zeros(1, np.float32)).reshape(-1)[0]),
    "Range": lambda node, start, limit, delta: np.arange(start, limit, delta),
    "Equal": lambda node, a, b: np.equal(a, b), "Where": lambda node, c, a, b: np.where(c, a, b),
    "Transpose": lambda node, x: np.transpose(x, node.attrs.get("perm")),
}
