"""Saving what `compile()` was given, and the optimizer's state, so training can resume.

Losses and metrics are stored as their Keras names ("sparse_categorical_crossentropy",
"accuracy") or as {"class_name", "config"} for objects; a plain Python function is stored
by name and must resolve again by name (or through custom_objects) when loading.
"""

import warnings

import numpy as np

from strided.errors import file_format_error
from strided.saving.weight_checks import check_numeric_dtype

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
            return {"class_name": type(value).__name__, "config": value.get_config()}
        except NotImplementedError:
            pass
    name = getattr(value, "__name__", None)
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
    from strided.layers.registry import lookup_custom_object

    return lookup_custom_object(entry) if isinstance(entry, str) else None


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

    cls = get_registered_class(entry["class_name"])
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
