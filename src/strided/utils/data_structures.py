"""Keras' helpers for the (x, y, sample_weight) structure of a batch and for the inputs a
symbolic tensor comes from (`keras.utils.pack_x_y_sample_weight`, `unpack_x_y_sample_weight`,
`get_source_inputs`), used by custom `train_step`s and functional-model code."""


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The batch structure `fit` reads: `x`, `(x,)` when x is itself a tuple, `(x, y)` or
    `(x, y, sample_weight)`.

    Example:
        >>> strided.utils.pack_x_y_sample_weight(x, y)
        (x, y)
    """
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """(x, y, sample_weight) from a batch, missing parts as None (the inverse of `pack_...`).

    Raises:
        ValueError: a tuple of more than three parts.

    Example:
        >>> x, y, sample_weight = strided.utils.unpack_x_y_sample_weight(data)
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return (data[0], data[1], data[2])
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                     f"found a tuple of {len(data)} parts: {str(data)[:200]}")


def get_source_inputs(tensor):
    """The `Input` tensors that the symbolic `tensor` is computed from, in first-seen order.

    A tensor with no layer history is returned as it is; an `Input` gives [itself].

    Example:
        >>> inputs = strided.Input((4,)); outputs = strided.layers.Dense(2)(inputs)
        >>> strided.utils.get_source_inputs(outputs) == [inputs]
        True
    """
    history = getattr(tensor, "_keras_history", None)
    if not hasattr(tensor, "_keras_history"):
        return tensor
    if history is None:
        return [tensor]
    layer, node_index, _ = history
    nodes = getattr(layer, "_inbound_nodes", None)
    if not nodes:
        return [tensor]
    node = nodes[node_index]
    if not node.input_tensors:
        return list(node.output_tensors)
    sources = []
    for parent in node.input_tensors:
        for source in get_source_inputs(parent):
            if all(source is not known for known in sources):
                sources.append(source)
    return sources


__all__ = ["pack_x_y_sample_weight", "unpack_x_y_sample_weight", "get_source_inputs"]
