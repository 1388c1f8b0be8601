"""Weight penalties with Keras 3 names: L1, L2 and L1L2.

A regularizer is called on a weight and returns a scalar Tensor that the training loop
adds to the loss (through `layer.losses`):

    L1:   l1 * sum(|w|)       (pushes weights to exactly zero)
    L2:   l2 * sum(w ** 2)    (weight decay: keeps weights small)

Layers take `kernel_regularizer="l2"` (factor 0.01), an instance such as `L2(1e-4)`, a config
dict or any callable `weight -> scalar Tensor`.

>>> L2(0.5)(Tensor(np.ones((5, 5))))    # 0.5 * 25
Tensor(12.5, dtype=float32)
"""

import math

from strided import ops


def _validate_factor(value, name):
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or math.isinf(value)
        or math.isnan(value)
        or value < 0
    ):
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float. Received: {name}={value!r}"
        )
    return float(value)


class Regularizer:
    """Base class: subclasses define `__call__(weight) -> scalar Tensor` and `get_config()`."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        raise NotImplementedError(f"{self} does not implement get_config()")

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _l1_penalty(factor, x):
    return ops.multiply(ops.sum(ops.abs(x)), factor)


def _l2_penalty(factor, x):
    return ops.multiply(ops.sum(ops.square(x)), factor)


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x ** 2). Both factors default to 0 (the string "l1_l2" uses 0.01)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _validate_factor(0.0 if l1 is None else l1, "l1")
        self.l2 = _validate_factor(0.0 if l2 is None else l2, "l2")

    def __call__(self, x):
        penalty = None
        if self.l1:
            penalty = _l1_penalty(self.l1, x)
        if self.l2:
            term = _l2_penalty(self.l2, x)
            penalty = term if penalty is None else ops.add(penalty, term)
        if penalty is None:
            penalty = ops.multiply(ops.sum(x), 0.0)
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """l1 * sum(|x|); default l1=0.01."""

    def __init__(self, l1=0.01):
        self.l1 = _validate_factor(0.01 if l1 is None else l1, "l1")

    def __call__(self, x):
        return _l1_penalty(self.l1, x)

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """l2 * sum(x ** 2); default l2=0.01."""

    def __init__(self, l2=0.01):
        self.l2 = _validate_factor(0.01 if l2 is None else l2, "l2")

    def __call__(self, x):
        return _l2_penalty(self.l2, x)

    def get_config(self):
        return {"l2": self.l2}


def l1_l2(l1=0.01, l2=0.01):
    """L1L2 with Keras' functional defaults (0.01 each)."""
    return L1L2(l1=l1, l2=l2)


l1, l2 = L1, L2

_REGISTRY = {"L1": L1, "L2": L2, "L1L2": L1L2, "l1": L1, "l2": L2, "l1_l2": l1_l2, "Regularizer": Regularizer}


def serialize(regularizer):
    """{"class_name": "L2", "config": {"l2": 0.01}} (None stays None)."""
    if regularizer is None:
        return None
    if isinstance(regularizer, Regularizer):
        return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}
    name = getattr(regularizer, "__name__", None)
    if name is None:
        raise ValueError(f"Cannot serialize regularizer {regularizer!r}: it has no name and no get_config().")
    return name


def deserialize(config, custom_objects=None):
    """The inverse of `serialize`; also accepts a plain name ("l2")."""
    registry = {**_REGISTRY, **(custom_objects or {})}
    if isinstance(config, str):
        if config not in registry:
            raise ValueError(f"Unknown regularizer: {config!r}. Expected one of 'l1', 'l2', 'l1_l2'.")
        obj = registry[config]
        return obj() if isinstance(obj, type) or obj is l1_l2 else obj
    if not isinstance(config, dict) or config.get("class_name") not in registry:
        raise ValueError(f"Could not interpret regularizer identifier: {config!r}")
    obj = registry[config["class_name"]]
    if isinstance(obj, type):
        return obj.from_config(config.get("config") or {})
    return obj(**(config.get("config") or {}))


def get(identifier):
    """A regularizer from None, a name ("l1", "l2", "l1_l2"), a config dict, an instance or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Regularizer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")


__all__ = ["L1", "L1L2", "L2", "Regularizer", "deserialize", "get", "l1", "l1_l2", "l2", "serialize"]
