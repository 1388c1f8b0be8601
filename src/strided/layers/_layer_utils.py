"""Helpers shared by the concrete layers: argument checks, output-size formulas, config pieces.

The output-size formulas work on shapes with None (unknown batch or spatial size):

    convolution  H' = floor((H + p_before + p_after - d*(k - 1) - 1) / s) + 1
    "same"       H' = ceil(H / s)
    transposed   H' = (H - 1)*s + d*(k - 1) + 1 - p_before - p_after + output_padding
"""

import math
import numbers

from strided import _config, activations, initializers, ops, regularizers


def check_positive_int(layer, name, value):
    """`value` as an int > 0, or ValueError "Conv2D: ... Received: filters=0"."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(
            f"{layer}: invalid value for argument `{name}`. Expected a strictly positive integer. "
            f"Received: {name}={value!r}"
        )
    return int(value)


def check_rate(layer, rate):
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate <= 1:
        raise ValueError(
            f"{layer}: invalid value received for argument `rate`. Expected a float value between 0 and 1. "
            f"Received: rate={rate!r}"
        )
    return float(rate)


def get_constraint(layer, name, value):
    """A weight constraint applied after each update: None, a callable `(array) -> array`, a
    name ("max_norm") or a config dict (from a saved model), resolved by `strided.constraints`."""
    from strided import constraints  # (a package below the layers; imported on first use)

    try:
        return constraints.get(value)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{layer}: `{name}` must be None, a constraint, a callable (array -> array) "
                         f"or a constraint's name. Received: {name}={value!r} ({error})") from None


def set_weight_arguments(layer, **arguments):
    """Store a layer's weight arguments on it, each resolved by its name (the inverse of
    `config_of`): `activation` by name or callable, `use_bias` as a bool, `*_initializer` and
    `*_regularizer` (activity_regularizer too) through their registries, `*_constraint` checked
    to be None or a callable. Resolved in the order given, so the first bad one is reported.

    Example: `set_weight_arguments(self, activation=activation, kernel_initializer="he_normal")`
    sets `self.activation` and `self.kernel_initializer`.
    """
    layer_name = type(layer).__name__
    for name, value in arguments.items():
        if name == "activation":
            value = activations.get(value)
        elif name == "use_bias":
            value = bool(value)
        elif name.endswith("_initializer"):
            value = initializers.get(value)
        elif name.endswith("_regularizer"):
            value = regularizers.get(value)
        elif name.endswith("_constraint"):
            value = get_constraint(layer_name, name, value)
        else:
            raise TypeError(f"set_weight_arguments: {name!r} is not a weight argument")
        setattr(layer, name, value)


def add_configured_weight(layer, weight, shape, name=None):
    """`layer.add_weight` for `weight` ("kernel", "bias", "depthwise", ...), with the layer's
    `<weight>_initializer`, `<weight>_regularizer` and `<weight>_constraint`; named `name`
    (default `weight`)."""
    return layer.add_weight(
        shape=shape, initializer=getattr(layer, f"{weight}_initializer"), name=name or weight,
        regularizer=getattr(layer, f"{weight}_regularizer"), constraint=getattr(layer, f"{weight}_constraint"),
    )


def add_bias(layer, size):
    """The layer's (size,) bias from its bias_* arguments, or None when `use_bias` is off."""
    return add_configured_weight(layer, "bias", (size,)) if layer.use_bias else None


def serialize_constraint(value):
    if value is None:
        return None
    if hasattr(value, "get_config"):
        return {"class_name": type(value).__name__, "config": value.get_config()}
    return getattr(value, "__name__", repr(value))


def add_activity_penalty(layer, outputs):
    """Add `activity_regularizer(outputs) / batch_size` to the layer's losses (Keras' rule)."""
    regularizer = getattr(layer, "activity_regularizer", None)
    if regularizer is not None:
        batch = outputs.shape[0] if outputs.ndim else 1
        layer.add_loss(ops.divide(regularizer(outputs), float(batch)))
    return outputs


def normalize_padding(layer, padding, rank, allow_causal=False):
    """"valid" | "same" (| "causal" for 1-D) | int | tuple of ints or (before, after) pairs.

    Returns the lowercase string, or a tuple of (before, after) pairs, one per spatial axis.
    """
    if isinstance(padding, str):
        value = padding.lower()
        allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
        if value not in allowed:
            raise ValueError(
                f"{layer}: the `padding` argument must be one of {', '.join(map(repr, allowed))}, an int or a "
                f"tuple of ints. Received: padding={padding!r}"
            )
        return value
    items = (padding,) * rank if isinstance(padding, numbers.Integral) else padding
    try:
        items = tuple(items)
    except TypeError:
        raise TypeError(f"{layer}: the `padding` argument must be a string, an int or a tuple. Received: padding={padding!r}") from None
    pairs = []
    for item in items:
        pair = (item, item) if isinstance(item, numbers.Integral) else tuple(item)
        if len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0 for v in pair):
            pairs = None
            break
        pairs.append((int(pair[0]), int(pair[1])))
    if pairs is None or len(pairs) != rank:
        raise ValueError(
            f"{layer}: an explicit `padding` needs {rank} non-negative int(s) or (before, after) pair(s), one per "
            f"spatial axis. Received: padding={padding!r}"
        )
    return tuple(pairs)


def padding_for_op(padding, kernel_size, dilation_rate):
    """What to hand to `ops.conv`: strings pass through, "causal" becomes left-only padding."""
    if padding == "causal":
        return tuple((d * (k - 1), 0) for k, d in zip(kernel_size, dilation_rate))
    return padding


def padding_to_config(padding):
    return padding if isinstance(padding, str) else tuple(tuple(pair) for pair in padding)


def conv_output_length(size, kernel, stride, padding, dilation=1):
    """Output size of one spatial axis of a convolution or pooling (None stays None)."""
    if size is None:
        return None
    if padding == "same":
        return math.ceil(size / stride)
    effective = dilation * (kernel - 1) + 1
    if padding == "valid":
        before = after = 0
    elif padding == "causal":
        before, after = effective - 1, 0
    else:
        before, after = padding
    return (size + before + after - effective) // stride + 1


def conv_transpose_output_length(size, kernel, stride, padding, output_padding=None, dilation=1):
    """Output size of one axis of a transposed convolution (Keras' `deconv_output_length`)."""
    if size is None:
        return None
    effective = dilation * (kernel - 1) + 1
    if output_padding is None:
        if padding == "valid":
            return size * stride + max(effective - stride, 0)
        if padding == "same":
            return size * stride
        output_padding = 0
    if padding == "same":
        pad_total = 2 * (effective // 2)
    elif padding == "valid":
        pad_total = 0
    else:
        pad_total = sum(padding)
    return (size - 1) * stride + effective - pad_total + output_padding


def spatial_axes(data_format, ndim):
    """Indices of the spatial axes of an (N, ..., C) or (N, C, ...) shape of `ndim` axes."""
    return tuple(range(1, ndim - 1)) if data_format == "channels_last" else tuple(range(2, ndim))


def channel_axis(data_format):
    return -1 if data_format == "channels_last" else 1


def check_input_rank(layer, input_shape, rank, data_format=None):
    """A clear error when an input does not have batch + `rank` spatial axes + channels."""
    expected = rank + 2
    if len(input_shape) != expected:
        fmt = data_format or _config.image_data_format()
        layout = {1: "(batch, steps, channels)", 2: "(batch, height, width, channels)"}.get(rank, "")
        if fmt == "channels_first":
            layout = {1: "(batch, channels, steps)", 2: "(batch, channels, height, width)"}.get(rank, "")
        hint = " Add a batch axis (x[None]) or a channel axis (x[..., None])." if len(input_shape) == expected - 1 else ""
        raise ValueError(
            f"{layer}: expected an input with {expected} dimensions {layout}, received shape "
            f"{tuple(input_shape)}.{hint}"
        )


# --------------------------------------------------------------------- config pieces
def serialize_activation(fn):
    return activations.serialize(fn)


def serialize_initializer(init):
    return initializers.serialize(init)


def serialize_regularizer(reg):
    return regularizers.serialize(reg)


_SERIALIZERS = (
    ("activation", serialize_activation),
    ("_initializer", serialize_initializer),
    ("_regularizer", serialize_regularizer),
    ("_constraint", serialize_constraint),
)


def config_of(layer, *names):
    """{name: value} for the given attributes: activations, initializers, regularizers and
    constraints serialised by name; tuples stay tuples, as Keras' get_config returns them
    (JSON writes them as lists, and every constructor accepts both)."""
    config = {}
    for name in names:
        value = getattr(layer, name)
        for suffix, serializer in _SERIALIZERS:
            if name.endswith(suffix):
                value = serializer(value)
                break
        else:
            if name == "padding":
                value = padding_to_config(value)
        config[name] = value
    return config


__all__ = []
