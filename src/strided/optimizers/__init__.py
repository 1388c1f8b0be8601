"""Optimizers with Keras 3 names, defaults and formulas: SGD, RMSprop, Adam, AdamW, Adagrad, Nadam,
Adamax, Adadelta, Lion, Ftrl, Lamb, Adafactor.

    model.compile(optimizer="adam", ...)
    model.compile(optimizer=strided.optimizers.SGD(learning_rate=0.01, momentum=0.9), ...)
"""

from strided.optimizers import schedules
from strided.optimizers.adadelta import Adadelta
from strided.optimizers.adafactor import Adafactor
from strided.optimizers.adagrad import Adagrad
from strided.optimizers.adam import Adam, AdamW
from strided.optimizers.adam_variants import Adamax, Nadam
from strided.optimizers.base import Optimizer
from strided.optimizers.ftrl import Ftrl
from strided.optimizers.lamb import Lamb
from strided.optimizers.lion import Lion
from strided.optimizers.rmsprop import RMSprop
from strided.optimizers.sgd import SGD

_OPTIMIZERS = {cls.__name__.lower(): cls for cls in (SGD, RMSprop, Adam, AdamW, Adagrad, Nadam, Adamax,
                                                     Adadelta, Lion, Ftrl, Lamb, Adafactor)}


def serialize(optimizer):
    """{"class_name", "config"} describing an optimizer (its state is not included)."""
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """The optimizer described by `serialize()` output (also accepts Keras 3 configs)."""
    name = str(config.get("class_name", ""))
    custom = {k.lower(): v for k, v in (custom_objects or {}).items()}
    cls = custom.get(name.lower()) or _OPTIMIZERS.get(name.lower())
    if cls is None:
        raise ValueError(
            f"Unknown optimizer: {name!r}. Known optimizers: {sorted(_OPTIMIZERS)}."
        )
    return cls.from_config(config.get("config", {}))


def get(identifier):
    """An optimizer from a name ("adam", "sgd", "rmsprop", "adamw", "adagrad"), a config dict
    or an instance (returned unchanged).

    Example:
        >>> strided.optimizers.get("adam").learning_rate
        0.001
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _OPTIMIZERS.get(identifier.lower())
        if cls is not None:
            return cls()
    raise ValueError(
        f"Could not interpret optimizer identifier: {identifier!r}. Expected one of "
        f"{sorted(_OPTIMIZERS)}, a config dict or an Optimizer instance."
    )


__all__ = [
    "Adadelta", "Adafactor", "Adamax", "Ftrl", "Lamb", "Lion", "Nadam",
    "SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "deserialize", "get", "schedules",
    "serialize"
]
