"""Weight initializers with Keras 3 names: how a layer's weights start before training.

An initializer is called as `initializer(shape, dtype=None)` and returns a NumPy array.
Layers accept a name ("glorot_uniform", "he_normal", "zeros", ...), a class, an instance,
a config dict or any callable `(shape, dtype) -> array` (see `get`).

The variance-scaling family (Glorot, He, LeCun) scales the spread by the number of inputs
and outputs of a unit, computed as Keras does: for a conv kernel (kh, kw, cin, cout),
fan_in = kh * kw * cin and fan_out = kh * kw * cout (`compute_fans`).

Randomness: `seed=<int>` gives the same values on every call (Keras 3 semantics); without a
seed the values come from the shared generator of `strided.utils.random`, so
`strided.utils.set_random_seed(s)` makes weight initialisation repeatable.
"""

from strided.initializers.base import Initializer, compute_fans
from strided.initializers.constant import Constant, Identity, Ones, Zeros
from strided.initializers.random import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    OrthogonalInitializer,
    RandomInitializer,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
)

_CLASSES = (
    Zeros, Ones, Constant, Identity, RandomNormal, TruncatedNormal, RandomUniform, VarianceScaling,
    GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal,
)


def _snake_case(name):
    out = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
    return out


_REGISTRY = {cls.__name__: cls for cls in _CLASSES}
_REGISTRY.update({_snake_case(cls.__name__): cls for cls in _CLASSES})
_REGISTRY.update({"uniform": RandomUniform, "normal": RandomNormal, "one": Ones, "zero": Zeros,
                  "OrthogonalInitializer": Orthogonal})

# Keras' lowercase aliases: keras.initializers.glorot_uniform is the class itself.
zeros, ones, constant, identity = Zeros, Ones, Constant, Identity
random_normal, truncated_normal, random_uniform = RandomNormal, TruncatedNormal, RandomUniform
variance_scaling, orthogonal = VarianceScaling, Orthogonal
glorot_uniform, glorot_normal, he_normal, he_uniform = GlorotUniform, GlorotNormal, HeNormal, HeUniform
lecun_normal, lecun_uniform = LecunNormal, LecunUniform


def serialize(initializer):
    """A JSON-serialisable description: {"class_name": "GlorotUniform", "config": {"seed": None}}."""
    if initializer is None:
        return None
    if isinstance(initializer, Initializer):
        return {"class_name": type(initializer).__name__, "config": initializer.get_config()}
    name = getattr(initializer, "__name__", None)
    if name is None:
        raise ValueError(f"Cannot serialize initializer {initializer!r}: it has no name and no get_config().")
    return name


def deserialize(config, custom_objects=None):
    """The inverse of `serialize` (also accepts a plain name)."""
    registry = {**_REGISTRY, **(custom_objects or {})}
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret initializer identifier: {config!r}")
    cls = registry.get(config["class_name"])
    if cls is None:
        raise ValueError(
            f"Unknown initializer: {config['class_name']!r}. Expected one of "
            f"{sorted(k for k in _REGISTRY if k.islower())} (or a class, instance or callable)."
        )
    if isinstance(cls, type) and hasattr(cls, "from_config"):
        return cls.from_config(config.get("config") or {})
    return cls


def get(identifier):
    """An initializer from a name ("he_normal", "HeNormal"), config dict, class, instance or callable.

    >>> get("glorot_uniform")
    GlorotUniform(seed=None)
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        obj = deserialize(identifier)
    else:
        obj = identifier
    if isinstance(obj, type):
        obj = obj()
    if callable(obj):
        return obj
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")


__all__ = [
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "OrthogonalInitializer",
    "RandomInitializer",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "compute_fans",
    "constant",
    "deserialize",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "identity",
    "lecun_normal",
    "lecun_uniform",
    "ones",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "serialize",
    "truncated_normal",
    "variance_scaling",
    "zeros",
]
