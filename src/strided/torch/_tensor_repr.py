"""How a tensor prints: PyTorch's number formats (`tensor([1.0000e-05, 1.0000e+00])`) and `grad_fn`."""

import math

import numpy as np

# The engine's op names in PyTorch's spelling (`z.grad_fn` prints <AddBackward0 ...>, as PyTorch's)
_TORCH_OP_NAMES = {"Multiply": "Mul", "Subtract": "Sub", "Divide": "Div", "Negative": "Neg", "MatMul": "Mm",
                   "Concatenate": "Cat", "Reshape": "View", "GetItem": "Index", "Power": "Pow",
                   "Absolute": "Abs", "Linear": "Addmm", "Maximum": "Maximum", "Minimum": "Minimum", "Transpose": "Permute"}


def grad_fn_name(function):
    """PyTorch's name for the backward of the engine Function `function` ("AddBackward0")."""
    name = type(function).__name__
    if name == "GetItem" and getattr(function, "basic", False):
        return _indexing_op(function.key) + "Backward0"
    return _TORCH_OP_NAMES.get(name, name) + "Backward0"


def _indexing_op(key):
    """PyTorch's last view op for a basic index: x[0] selects, x[:2] slices, x[None] unsqueezes
    (whole-dimension slices and ... are no-ops, as in PyTorch's indexing)."""
    last = "Alias"
    for part in key if isinstance(key, tuple) else (key,):
        if part is None:
            last = "Unsqueeze"
        elif isinstance(part, slice):
            if not (part.start in (None, 0) and part.stop is None and part.step in (None, 1)):
                last = "Slice"
        elif part is not Ellipsis:
            last = "Select"
    return last


class GradFn:
    """A read-only view of the engine Function that made a tensor (PyTorch's `tensor.grad_fn`)."""

    def __init__(self, function):
        self.function = function

    def name(self):
        return grad_fn_name(self.function)

    @property
    def next_functions(self):
        """((GradFn or None, 0), ...) for each input, as PyTorch's (None for a leaf)."""
        return tuple((GradFn(t._creator) if t._creator is not None else None, 0) for t in self.function.inputs)

    def __eq__(self, other):
        return isinstance(other, GradFn) and other.function is self.function

    def __hash__(self):
        return id(self.function)

    def __repr__(self):
        return f"<{self.name()} object at {id(self.function):#x}>"


_THRESHOLD, _EDGEITEMS, _LINEWIDTH, _PRECISION = 1000, 3, 80, 4  # PyTorch's default print options


def format_values(data, indent=7):  # len("tensor(")
    """PyTorch's layout of the values (torch/_tensor_str.py): one format for all elements chosen from
    the values shown (the first and last 3 along each dim once there are over 1000 elements), right-
    aligned to one width, 80-column lines."""
    if data.size == 0:
        return "[]"  # the size follows as a suffix
    if data.dtype == np.float16:
        data = data.astype(np.float32)
    summarize = data.size > _THRESHOLD
    formatter = _Formatter(_summarized(data) if summarize else data)
    return _nested(data, indent, summarize, formatter)


class _Formatter:
    """How every element prints: integer-valued floats as `3.`, else 4 decimals, or scientific
    notation when the values span over 1000x or are below 1e-4 or above 1e8 (PyTorch's rules)."""

    def __init__(self, data):
        self.floating = data.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.max_width = True, False, 1
        values = data.reshape(-1)
        if not self.floating:
            for value in values.tolist():
                self.max_width = max(self.max_width, len(f"{value}"))
            return
        shown = values[np.isfinite(values) & (values != 0)].astype(np.float64)
        if shown.size == 0:
            return
        magnitudes = np.abs(shown)
        low, high = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        if self.int_mode:
            self.sci_mode = high / low > 1000.0 or high > 1.0e8
            pattern, extra = (f"{{:.{_PRECISION}e}}", 0) if self.sci_mode else ("{:.0f}", 1)
        else:
            self.sci_mode = high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4
            pattern, extra = (f"{{:.{_PRECISION}e}}" if self.sci_mode else f"{{:.{_PRECISION}f}}"), 0
        for value in shown.tolist():
            self.max_width = max(self.max_width, len(pattern.format(value)) + extra)

    def width(self):
        return self.max_width

    def format(self, value):
        if not self.floating:
            text = f"{value}"
        elif self.sci_mode:
            text = f"{{:{self.max_width}.{_PRECISION}e}}".format(value)
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{{:.{_PRECISION}f}}".format(value)
        return (self.max_width - len(text)) * " " + text


def _summarized(data):
    """The elements a summarized print shows: the first and last 3 along every dimension."""
    if data.ndim == 0:
        return data
    if data.ndim == 1:
        if data.shape[0] > 2 * _EDGEITEMS:
            return np.concatenate((data[:_EDGEITEMS], data[-_EDGEITEMS:]))
        return data
    rows = list(range(_EDGEITEMS)) + list(range(len(data) - _EDGEITEMS, len(data))) \
        if data.shape[0] > 2 * _EDGEITEMS else range(len(data))
    return np.stack([_summarized(data[i]) for i in rows])


def _nested(data, indent, summarize, formatter):
    if data.ndim == 0:
        return formatter.format(data.item())
    if data.ndim == 1:
        return _vector(data, indent, summarize, formatter)
    if summarize and data.shape[0] > 2 * _EDGEITEMS:
        slices = ([_nested(data[i], indent + 1, summarize, formatter) for i in range(_EDGEITEMS)] + ["..."]
                  + [_nested(data[i], indent + 1, summarize, formatter)
                     for i in range(len(data) - _EDGEITEMS, len(data))])
    else:
        slices = [_nested(data[i], indent + 1, summarize, formatter) for i in range(len(data))]
    return "[" + ("," + "\n" * (data.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _vector(data, indent, summarize, formatter):
    per_line = max(1, int(math.floor((_LINEWIDTH - indent) / (formatter.width() + 2))))
    if summarize and data.shape[0] > 2 * _EDGEITEMS:
        items = ([formatter.format(v) for v in data[:_EDGEITEMS].tolist()] + [" ..."]
                 + [formatter.format(v) for v in data[-_EDGEITEMS:].tolist()])
    else:
        items = [formatter.format(v) for v in data.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def with_suffixes(text, suffixes, indent=7):
    """`text` + ", suffix" for each (dtype=..., grad_fn=...) + ")", a suffix moving to its own line
    when it would pass 80 columns (PyTorch's _add_suffixes)."""
    parts = [text]
    line_length = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line_length + len(suffix) + 2 > _LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            line_length = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            line_length += len(suffix) + 2
    return "".join(parts) + ")"
