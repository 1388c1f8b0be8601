"""Sane bounds on the sizes a model config read from a file may declare.

The weight budget (`strided.layers.weight_budget`) stops a config from creating more weight
values than its file stores; this check stops what is not a weight: an input of 10^12 values
per sample, a pooling window or stride of a million, which would make the first forward pass
(or the shape probe that runs while the model is rebuilt) allocate without bound. It walks
the JSON once and names the path of the first value out of range.
"""

from strided.errors import file_format_error

MAX_SAMPLE_VALUES = 1 << 26  # values in one sample of any declared shape (a 4096x4096x4 image)
MAX_WINDOW = 4096  # kernel, pool, stride, dilation, upsampling sizes
MAX_UNITS = 1 << 24  # units, filters, embedding sizes
_WINDOW_KEYS = {"kernel_size", "pool_size", "strides", "dilation_rate", "size", "depth_multiplier",
                "cropping", "padding"}
_UNIT_KEYS = {"units", "filters", "input_dim", "output_dim", "num_classes", "groups"}


def _ints(value):
    """The ints in a number or a (nested) list of numbers; None if it holds anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return [value]
    if isinstance(value, list):
        found = []
        for item in value:
            inner = [] if item is None else _ints(item)
            if inner is None:
                return None
            found.extend(inner)
        return found
    return None


def _check_shape(value, file, where):
    """A shape (list of ints/None) or a list of shapes: each sample's size bounded."""
    if isinstance(value, list) and value and all(isinstance(v, list) or v is None for v in value):
        for index, item in enumerate(value):
            if item is not None:
                _check_shape(item, file, f"{where}[{index}]")
        return
    dims = _ints(value) if isinstance(value, list) else None
    if dims is None:
        return
    size = 1
    for dim in dims:
        if dim < 0:
            raise file_format_error(file, f"config.json {where}", f"a shape holds the negative size {dim}")
        size *= dim
    if size > MAX_SAMPLE_VALUES:
        raise file_format_error(file, f"config.json {where}", f"the shape {value} holds {size:,} values per "
                                f"sample; at most {MAX_SAMPLE_VALUES:,} are accepted from a file")


def check_config_bounds(config, file):
    """Raise FileFormatError naming `file` and the JSON path of the first size out of bounds."""
    stack = [(config, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                where = f"{path}/{key}"
                if "shape" in str(key):
                    _check_shape(value, file, where)
                elif key in _WINDOW_KEYS or key in _UNIT_KEYS:
                    limit = MAX_WINDOW if key in _WINDOW_KEYS else MAX_UNITS
                    values = _ints(value) or []
                    if any(abs(v) > limit for v in values):
                        raise file_format_error(file, f"config.json {where}", f"{key}={value} is out of range; "
                                                f"at most {limit:,} is accepted from a file")
                stack.append((value, where))
        elif isinstance(node, list):
            stack.extend((item, f"{path}[{index}]") for index, item in enumerate(node))


__all__ = ["MAX_SAMPLE_VALUES", "MAX_UNITS", "MAX_WINDOW", "check_config_bounds"]
