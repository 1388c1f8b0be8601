"""`model.summary()`: Keras 3's table of layers, output shapes and parameter counts.

The layout is Keras 3's (`keras/src/utils/summary_utils.py`, drawn there with `rich`):
column boundaries at 45% / 80% of 88 characters ("Connected to" added, 108 wide, for
non-sequential graphs), a heavy header box, a rule between rows, then

     Total params: 243,786 (952.29 KB)
     Trainable params: 243,786 (952.29 KB)
     Non-trainable params: 0 (0.00 B)

Counts are honest: each weight is counted once even if shared, unbuilt layers are marked
"0 (unbuilt)", BatchNormalization's moving statistics are non-trainable, and a compiled
model whose optimizer has state adds "Optimizer params".
"""

import re
import shutil
import sys

import numpy as np

# rich's HEAVY_HEAD box: top, header row, header rule, body row, row rule, bottom.
_TOP, _HEAD, _HEAD_RULE = "┏━┳┓", "┃┃┃", "┡━╇┩"
_ROW, _RULE, _BOTTOM = "│││", "├─┼┤", "└─┴┘"


def count_params(weights):
    """Number of scalars in `weights`, each (shared) weight counted once."""
    unique = {id(w): w for w in weights}.values()
    return int(sum(int(np.prod(w.shape)) for w in unique))


def weight_memory_size(weights):
    """Bytes taken by `weights` (each counted once), from their dtypes."""
    unique = {id(w): w for w in weights}.values()
    return sum(int(np.prod(np.shape(w))) * np.dtype(getattr(w, "dtype", np.float32)).itemsize for w in unique)


def readable_memory_size(size):
    """952.29 KB style, powers of 1024, as Keras."""
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def format_shape(shape):
    return "(" + ", ".join(str(d) for d in shape) + ")"


def format_layer_shape(layer, model_nodes=None):
    """The output shape shown for `layer`: from its graph node, else from its build shape."""
    nodes = [n for n in layer._inbound_nodes if model_nodes is None or id(n) in model_nodes]
    nodes = nodes or layer._inbound_nodes
    if nodes:
        shapes = [format_shape(t.shape) for t in nodes[-1].output_tensors]
    elif layer.built and layer._build_shapes is not None:
        try:
            output = layer.compute_output_shape(layer._build_shapes)
        except Exception:
            return "?"
        shapes = [format_shape(s) for s in _shape_leaves(output)]
    else:
        return "?"
    return shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]"


def _shape_leaves(shape):
    if isinstance(shape, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in shape):
        return [tuple(shape)]
    values = shape.values() if isinstance(shape, dict) else shape
    return [leaf for item in values for leaf in _shape_leaves(item)]


def _is_sequential(model):
    """Whether `model` is a Sequential (or a subclass), found by class name as Keras' summary
    does: this file sits below models/sequential.py, which imports Model."""
    return any(
        cls.__name__ == "Sequential" and cls.__module__ == "strided.models.sequential"
        for cls in type(model).__mro__
    )


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """Render `model`'s summary and print it (or pass the whole text to `print_fn`)."""
    graph = getattr(model, "_graph", None)
    model_nodes = None
    if _is_sequential(model) or graph is None:
        sequential_like, layers = True, model.layers
        if graph is not None:
            model_nodes = {id(n) for n in graph.all_nodes}
    else:
        layers = graph.layers
        sequential_like = graph.is_sequential_like()
        model_nodes = {id(n) for n in graph.all_nodes}

    if sequential_like:
        default_length, positions = 88, positions or [0.45, 0.80, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
        alignment = ["left", "left", "right"]
    else:
        default_length, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        alignment = ["left", "left", "right", "left"]
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        alignment.append("center")
    default_length = min(default_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_length
    widths, current = [], 0
    for position in positions:
        width = int(position * line_length) - current if position <= 1 else int(position) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width

    def fields(layer, prefix=""):
        name = f"{prefix}{layer.name} ({type(layer).__name__})"
        if not layer.built:
            params = "0 (unbuilt)"
        else:
            params = f"{layer.count_params():,}"
        row = [name, format_layer_shape(layer, model_nodes), params]
        if not sequential_like:
            row.append(_connections(layer, model_nodes))
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        return row

    def rows_for(layer, level=0):
        prefix = "   " * level + "└ " if level else ""
        rows = [fields(layer, prefix)]
        if expand_nested and hasattr(layer, "layers") and layer.layers:
            for inner in layer.layers:
                rows.extend(rows_for(inner, level + 1))
        return rows

    first, last = layer_index_range(layers, layer_range)
    rows = [row for layer in layers[first:last] for row in rows_for(layer)]
    table = render_table(header, alignment, widths, rows, line_length)

    trainable = model.trainable_weights
    frozen = model.non_trainable_weights
    trainable_count, frozen_count = count_params(trainable), count_params(frozen)
    trainable_size, frozen_size = weight_memory_size(trainable), weight_memory_size(frozen)
    optimizer = getattr(model, "optimizer", None)
    optimizer_arrays = []
    if getattr(model, "compiled", False) and optimizer is not None and getattr(optimizer, "built", False):
        optimizer_arrays = [np.asarray(v) for v in optimizer.variables]
        optimizer_arrays += _learning_rate_variable(optimizer)
    optimizer_count = sum(a.size for a in optimizer_arrays)
    optimizer_size = sum(a.nbytes for a in optimizer_arrays)
    total_count = trainable_count + frozen_count + optimizer_count
    total_size = trainable_size + frozen_size + optimizer_size

    lines = [f'Model: "{model.name}"', *table,
             f" Total params: {total_count:,} ({readable_memory_size(total_size)})",
             f" Trainable params: {trainable_count:,} ({readable_memory_size(trainable_size)})",
             f" Non-trainable params: {frozen_count:,} ({readable_memory_size(frozen_size)})"]
    if optimizer_arrays:
        lines.append(f" Optimizer params: {optimizer_count:,} ({readable_memory_size(optimizer_size)})")
    text = "\n".join(lines) + "\n"
    if print_fn is not None:
        print_fn(text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _connections(layer, model_nodes):
    parts = []
    for node in layer._inbound_nodes:
        if model_nodes is not None and id(node) not in model_nodes:
            continue
        for tensor in node.input_tensors:
            inbound, node_index, tensor_index = tensor._keras_history
            parts.append(f"{inbound.name}[{node_index}][{tensor_index}]")
    return ", ".join(parts) if parts else "-"


def layer_index_range(layers, layer_range=None):
    """[first, last + 1] of the layers whose names match `layer_range` (two regexes)."""
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2 or not all(isinstance(p, str) for p in layer_range):
        raise ValueError(f"layer_range must be a list or tuple of 2 strings. Received: {layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError(f"Passed layer_names do not match the layer names in the model. Received: {layer_range}")
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


# ----------------------------------------------------------------------- the table
def render_table(header, alignment, widths, rows, line_length):
    """Lines of a box table like rich's `Table(width=line_length, show_lines=True)`."""
    cells = [w + 2 for w in widths]  # each cell has one space of padding on both sides
    available = line_length - (len(cells) + 1)
    if sum(cells) > available:
        cells = _ratio_reduce(sum(cells) - available, cells)
    inner = [max(c - 2, 1) for c in cells]

    def rule(chars):
        left, fill, middle, right = chars
        return left + middle.join(fill * c for c in cells) + right

    def row_lines(values, verticals):
        wrapped = [_wrap(str(v), w) for v, w in zip(values, inner)]
        height = max(len(w) for w in wrapped)
        lines = []
        for i in range(height):
            parts = []
            for lines_of_cell, width, align in zip(wrapped, inner, alignment):
                text = lines_of_cell[i] if i < len(lines_of_cell) else ""
                parts.append(" " + _justify(text, width, align) + " ")
            lines.append(verticals[0] + verticals[1].join(parts) + verticals[2])
        return lines

    lines = [rule(_TOP), *row_lines(header, _HEAD), rule(_HEAD_RULE)]
    for index, row in enumerate(rows):
        if index:
            lines.append(rule(_RULE))
        lines.extend(row_lines(row, _ROW))
    lines.append(rule(_BOTTOM))
    return lines


def _ratio_reduce(excess, values):
    """rich's `ratio_reduce` with equal ratios: take `excess` evenly (rounding as rich)."""
    remaining_ratio, remaining = len(values), excess
    result = []
    for value in values:
        taken = min(value, round(remaining / remaining_ratio))
        result.append(value - taken)
        remaining -= taken
        remaining_ratio -= 1
    return result


def _justify(text, width, align):
    if align == "right":
        return text.rjust(width)
    if align == "center":
        return text.center(width)
    return text.ljust(width)


def _wrap(text, width):
    """Word-wrap `text` to `width`; a word too long for a line is cut with an ellipsis."""
    lines, current = [], ""
    for word in text.split(" "):
        candidate = word if not current else current + " " + word
        if len(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word if len(word) <= width else word[: width - 1] + "…"
    lines.append(current)
    return lines


def _learning_rate_variable(optimizer):
    """Keras keeps a float learning rate in a float32 variable (not a schedule) and counts it
    among the "Optimizer params"; strided keeps a Python float, so it is counted here."""
    if isinstance(getattr(optimizer, "_learning_rate", None), (int, float)):
        return [np.zeros((), dtype=np.float32)]
    return []


__all__ = ["print_summary", "count_params", "weight_memory_size", "readable_memory_size"]
