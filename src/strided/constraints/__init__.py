"""Weight constraints with Keras 3's names, formulas and configs (`keras.constraints`).

A constraint is a projection applied to a weight after every optimizer step (the trainer
calls `variable.constraint(variable.data)` and stores the result):

    layers.Dense(64, kernel_constraint=strided.constraints.MaxNorm(3.0))
    layers.Conv2D(32, 3, kernel_constraint="unit_norm", bias_constraint="non_neg")

Names resolve as in Keras: the class name ("MaxNorm") or its snake_case alias ("max_norm").
"""

from strided.constraints.constraints import Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm
from strided.utils.object_registration import get_registered_object

max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm

_CLASSES = (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
_BY_NAME = {cls.__name__: cls for cls in _CLASSES}
_BY_NAME.update({"max_norm": MaxNorm, "min_max_norm": MinMaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
                 "constraint": Constraint})


def serialize(constraint):
    """Keras' JSON form {"module", "class_name", "config", "registered_name"} of a constraint."""
    if constraint is None:
        return None
    return {"module": "keras.constraints", "class_name": type(constraint).__name__,
            "config": constraint.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """The constraint `serialize()` described; only strided's, registered or custom classes.

    Raises:
        ValueError: an unknown class name.
    """
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"Could not interpret constraint config: {config!r:.200}. Expected a dict "
                         "with 'class_name' and 'config'.")
    name = config["class_name"]
    cls = (get_registered_object(config.get("registered_name") or "", custom_objects)
           or get_registered_object(name, custom_objects) or _BY_NAME.get(name))
    if cls is None:
        raise ValueError(f"Unknown constraint: {name!r}. Known: {sorted(_BY_NAME)}; pass custom classes "
                         "in custom_objects or register them with register_keras_serializable.")
    inner = config.get("config") or {}
    return cls.from_config(inner) if hasattr(cls, "from_config") else cls(**inner)


def get(identifier):
    """A constraint from None, a name ("max_norm", "MaxNorm"), a config dict or a callable.

    Example:
        >>> strided.constraints.get("non_neg")(np.array([-1.0, 2.0]))
        array([0., 2.])
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier) or get_registered_object(identifier)
        if cls is None:
            raise ValueError(f"Could not interpret constraint identifier: {identifier!r}. "
                             f"Known names: {sorted(_BY_NAME)}.")
        return cls() if isinstance(cls, type) else cls
    if callable(identifier):
        return identifier() if isinstance(identifier, type) else identifier
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r}")


__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm", "min_max_norm", "non_neg",
           "unit_norm", "serialize", "deserialize", "get"]
