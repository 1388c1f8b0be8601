"""Saving what `compile()` was given, and the optimizer's state, so training can resume.

Losses and metrics are stored as their Keras names ("sparse_categorical_crossentropy",
"accuracy") or as {"class_name", "config"} for objects; a plain Python function is stored
by name and must resolve again by name (or through custom_objects) when loading.
"""

import warnings

import numpy as np

from strided.errors import file_format_error
from strided.saving.weight_checks import check_numeric_dtype
from strided.utils.object_registration import (
    GLOBAL_CUSTOM_NAMES,
    get_registered_name,
    get_registered_object,
)

_OPTIMIZER_PREFIX = "optimizer/"


def _serialize_entry(value, module):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {k: _serialize_entry(v, module) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_serialize_entry(v, module) for v in value]
    if hasattr(value, "get_config"):
        try:
            entry = {"class_name": type(value).__name__, "config": value.get_config()}
        except NotImplementedError:
            pass
        else:
            if type(value) in GLOBAL_CUSTOM_NAMES:  # registered: found again by "package>Name"
                entry["registered_name"] = GLOBAL_CUSTOM_NAMES[type(value)]
            return entry
    name = get_registered_name(value) if hasattr(value, "__name__") else None
    if name:
        return name
    warnings.warn(f"Cannot save the compile argument {value!r} of type {type(value).__name__}; "
                  "the loaded model must be compiled again.", stacklevel=4)
    raise _Unserializable


class _Unserializable(Exception):
    pass


def compile_config(model):
    """JSON-ready compile arguments of `model`, or None if it is not compiled."""
    if not getattr(model, "compiled", False) or model.optimizer is None:
        return None
    from strided import optimizers

    arguments = dict(getattr(model, "_compile_config", None) or {})
    try:
        return {
            "optimizer": optimizers.serialize(model.optimizer),
            "loss": _serialize_entry(arguments.get("loss"), "losses"),
            "loss_weights": _serialize_entry(arguments.get("loss_weights"), None),
            "metrics": _serialize_entry(arguments.get("metrics"), "metrics"),
            "weighted_metrics": _serialize_entry(arguments.get("weighted_metrics"), "metrics"),
        }
    except _Unserializable:
        return None


def optimizer_arrays(model):
    """{"optimizer/<key>": array} from `optimizer.get_state()` (empty if not compiled)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "get_state"):
        return {}
    return {_OPTIMIZER_PREFIX + key: np.asarray(value) for key, value in optimizer.get_state().items()}


def _custom(entry):
    """A registered or scoped object named by `entry`: a name, or Keras' {"class_name":
    "function", "config": name} form of a function."""
    from strided.layers.registry import lookup_custom_object

    if isinstance(entry, dict) and entry.get("class_name") == "function":
        entry = entry.get("config")
    if not isinstance(entry, str):
        return None
    found = lookup_custom_object(entry)
    return found if found is not None else get_registered_object(entry)


def _deserialize_loss(entry):
    from strided import losses

    if _custom(entry) is not None:
        return _custom(entry)
    if isinstance(entry, dict) and "class_name" in entry:
        return _from_registry_or(losses.get, entry)
    if isinstance(entry, dict):
        return {k: _deserialize_loss(v) for k, v in entry.items()}
    if isinstance(entry, list):
        return [_deserialize_loss(v) for v in entry]
    return entry


def _deserialize_metric(entry):
    from strided import metrics

    if _custom(entry) is not None:
        return _custom(entry)
    if isinstance(entry, dict) and "class_name" in entry:
        return _from_registry_or(metrics.get, entry)
    if isinstance(entry, dict):
        return {k: _deserialize_metric(v) for k, v in entry.items()}
    if isinstance(entry, list):
        return [_deserialize_metric(v) for v in entry]
    return entry


def _from_registry_or(getter, entry):
    from strided.layers.registry import get_registered_class

    cls = get_registered_object(entry.get("registered_name") or "") or get_registered_class(entry["class_name"])
    if cls is not None and hasattr(cls, "from_config"):
        return cls.from_config(entry.get("config", {}))
    return getter(entry)


def restore_compile(model, config, arrays, source):
    """Compile `model` as saved and load the optimizer state from `arrays`."""
    from strided import optimizers

    try:
        optimizer = optimizers.get(config["optimizer"])
        model.compile(
            optimizer=optimizer,
            loss=_deserialize_loss(config.get("loss")),
            loss_weights=config.get("loss_weights"),
            metrics=_deserialize_metric(config.get("metrics")),
            weighted_metrics=_deserialize_metric(config.get("weighted_metrics")),
        )
    except Exception as error:  # noqa: BLE001 - a config from a file may be anything
        warnings.warn(f"'{source}': could not restore the compile settings ({type(error).__name__}: "
                      f"{str(error)[:300]}); the model is loaded uncompiled. Call compile() before training.",
                      stacklevel=3)
        return
    state = {key[len(_OPTIMIZER_PREFIX):]: value for key, value in arrays.items()
             if key.startswith(_OPTIMIZER_PREFIX)}
    for key, value in state.items():
        check_numeric_dtype(np.asarray(value).dtype, source, f"optimizer state '{key}'")
    if state and hasattr(model.optimizer, "set_state"):
        try:
            model.optimizer.set_state(state)
        except Exception as error:  # noqa: BLE001 - shapes or values that do not fit the optimizer
            raise file_format_error(source, "optimizer state", f"it does not fit the model's optimizer "
                                    f"({type(error).__name__}: {str(error)[:300]})") from None


__all__ = ["compile_config", "optimizer_arrays", "restore_compile"]
