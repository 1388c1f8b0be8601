"""Activation functions with Keras 3 names, and `get`, the registry layers use for `activation=`.

Each function takes a Tensor (or array) and returns a Tensor, differentiably, by calling the
engine in `strided.ops`:

    >>> activations.relu(Tensor([-10.0, -5.0, 0.0, 5.0, 10.0]), max_value=5.0)
    Tensor([0., 0., 0., 5., 5.], dtype=float32)

`get("relu")`, `get(None)` (= linear) and `get(callable)` give the function a layer applies;
`serialize(fn)` gives back its name for a layer's JSON config.
"""


from strided import ops
from strided.ops._base import as_tensor
from strided.utils.object_registration import get_registered_name, get_registered_object


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit: max(x, 0), with Keras' optional variations.

    Args:
        negative_slope: slope below `threshold` (0 gives plain ReLU).
        max_value: saturation value (the largest output), or None.
        threshold: values below it are damped (set to 0, or scaled by `negative_slope`).

    f(x) = max_value            if x >= max_value
           x                    if threshold < x < max_value
           negative_slope * (x - threshold)   otherwise
    """
    x = as_tensor(x)
    if max_value is None and threshold == 0:
        return ops.relu(x) if negative_slope == 0 else ops.leaky_relu(x, negative_slope=negative_slope)
    if negative_slope == 0 and threshold == 0 and max_value == 6:
        return ops.relu6(x)
    return ops.general_relu(x, negative_slope, max_value, threshold)


def leaky_relu(x, negative_slope=0.2):
    """x if x > 0 else negative_slope * x (the function's default slope is 0.2, the layer's 0.3)."""
    return ops.leaky_relu(as_tensor(x), negative_slope=negative_slope)


def relu6(x):
    """min(max(x, 0), 6)."""
    return ops.relu6(as_tensor(x))


def _remember_logits(output, x):
    # Losses can undo a final softmax/sigmoid for numerical stability, as Keras does.
    output._keras_logits = x
    return output


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`: a probability distribution over classes."""
    x = as_tensor(x)
    return _remember_logits(ops.softmax(x, axis=axis), x)


def log_softmax(x, axis=-1):
    """log(softmax(x)), computed stably."""
    return ops.log_softmax(as_tensor(x), axis=axis)


def sigmoid(x):
    """1 / (1 + exp(-x)), between 0 and 1."""
    x = as_tensor(x)
    return _remember_logits(ops.sigmoid(x), x)


def tanh(x):
    """Hyperbolic tangent, between -1 and 1."""
    return ops.tanh(as_tensor(x))


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return ops.elu(as_tensor(x), alpha=alpha)


def selu(x):
    """scale * elu(x, alpha) with alpha=1.67326324, scale=1.05070098 (self-normalising)."""
    return ops.selu(as_tensor(x))


def softplus(x):
    """log(exp(x) + 1), a smooth ReLU."""
    return ops.softplus(as_tensor(x))


def softsign(x):
    """x / (|x| + 1)."""
    return ops.softsign(as_tensor(x))


def silu(x):
    """Swish / SiLU: x * sigmoid(x)."""
    return ops.silu(as_tensor(x))


def gelu(x, approximate=False):
    """Gaussian error linear unit: x * P(X <= x), X ~ N(0, 1) (tanh approximation if `approximate`)."""
    return ops.gelu(as_tensor(x), approximate=approximate)


def exponential(x):
    """exp(x)."""
    return ops.exp(as_tensor(x))


def hard_sigmoid(x):
    """Piecewise-linear sigmoid: 0 below -3, 1 above 3, x/6 + 0.5 between."""
    return ops.hard_sigmoid(as_tensor(x))


def hard_silu(x):
    """Hard swish: x * hard_sigmoid(x) (0 below -3, x above 3)."""
    return ops.hard_silu(as_tensor(x))


def mish(x):
    """x * tanh(softplus(x))."""
    x = as_tensor(x)
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


def linear(x):
    """The identity (what `activation=None` means)."""
    return x


swish = silu
hard_swish = hard_silu
log_sigmoid = ops.log_sigmoid
# The rest of Keras 3's activations, made of differentiable ops (strided.ops.more_activations).
celu, glu, hard_shrink, hard_tanh = ops.celu, ops.glu, ops.hard_shrink, ops.hard_tanh
soft_shrink, sparse_plus, sparse_sigmoid, sparsemax = ops.soft_shrink, ops.sparse_plus, ops.sparse_sigmoid, ops.sparsemax
squareplus, tanh_shrink, threshold = ops.squareplus, ops.tanh_shrink, ops.threshold

_FUNCTIONS = (
    relu, leaky_relu, relu6, softmax, log_softmax, sigmoid, tanh, elu, selu, softplus, softsign,
    silu, gelu, exponential, hard_sigmoid, hard_silu, mish, linear,
    celu, glu, hard_shrink, hard_tanh, log_sigmoid, soft_shrink, sparse_plus, sparse_sigmoid, sparsemax,
    squareplus, tanh_shrink, threshold,
)
_REGISTRY = {fn.__name__: fn for fn in _FUNCTIONS}
_REGISTRY.update({"swish": silu, "hard_swish": hard_silu})


def serialize(activation):
    """The JSON form of an activation: its registered name ("relu"), or an object's config dict."""
    if activation is None:
        return "linear"
    for name, fn in _REGISTRY.items():
        if activation is fn:
            return name
    registered = get_registered_name(activation) if hasattr(activation, "__name__") else None
    if registered and registered != activation.__name__:  # register_keras_serializable: "package>name"
        return registered
    if hasattr(activation, "get_config"):
        return {"class_name": type(activation).__name__, "config": activation.get_config()}
    name = getattr(activation, "__name__", None)
    if name and name != "<lambda>":  # a named function is saved by name, as Keras does; loading
        return name                  # finds it through custom_objects or custom_object_scope
    raise ValueError(
        f"Unknown activation function {activation!r} cannot be serialized: use a named function decorated "
        "with @strided.saving.register_keras_serializable(), or one of strided's activations "
        f"({', '.join(sorted(_REGISTRY))})."
    )


def deserialize(config, custom_objects=None):
    """The inverse of `serialize`."""
    registry = {**_REGISTRY, **(custom_objects or {})}
    if isinstance(config, dict):
        obj = registry.get(config.get("class_name"))
        if isinstance(obj, type):
            return obj(**(config.get("config") or {}))
        if obj is None:
            config = config.get("config")
        else:
            return obj
    if isinstance(config, str) and config in registry:
        return registry[config]
    custom = get_registered_object(config) if isinstance(config, str) else None
    if custom is not None:  # registered, or in a custom_object_scope
        return custom
    raise ValueError(
        f"Unknown activation function: {config!r}. Expected one of {', '.join(sorted(_REGISTRY))}, "
        f"None or a callable."
    )


def get(identifier):
    """The activation function for `identifier`: None -> linear, a name, a config dict or a callable.

    >>> get("relu") is relu
    True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


__all__ = [fn.__name__ for fn in _FUNCTIONS] + ["swish", "hard_swish", "serialize", "deserialize", "get"]
