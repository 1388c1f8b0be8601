"""Keras 3's object (de)serialization: `serialize_keras_object` / `deserialize_keras_object`,
and the custom-object registry (`register_keras_serializable`, `custom_object_scope`, ...).

The registry itself lives in `strided.utils.object_registration` (a leaf every package can
read); this module adds what needs the packages above it:

- `CustomObjectScope` also opens the layer registry's scope, so a layer, loss or metric named
  in a file resolves through the scope and the registered objects ("my_package>Scale") alike;
- `serialize_keras_object(obj)` writes Keras' JSON form: {"module", "class_name", "config",
  "registered_name"} for objects, {"class_name": "function", "config": name} for functions;
- `deserialize_keras_object(config)` reads it back.

A config can only name objects that strided defines (looked up in each package's own registry,
never by importing the module a config names) or that the program registered or passed in
`custom_objects`; nothing from a file is imported or run.
"""

import inspect

import numpy as np

from strided.layers import registry as layer_registry
from strided.utils import object_registration as _registry
from strided.utils.object_registration import (
    GLOBAL_CUSTOM_NAMES,
    GLOBAL_CUSTOM_OBJECTS,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    scoped_objects,
)


class CustomObjectScope(_registry.CustomObjectScope):
    """Within the `with` block, names in `custom_objects` resolve to the given objects, for
    layers, models, losses, metrics, activations and every other saved object.

    Args:
        custom_objects: dict {name: class or function}.

    Example:
        >>> with strided.saving.custom_object_scope({"Scale": Scale, "my_loss": my_loss}):
        ...     model = strided.models.load_model("model.keras")
    """

    def __enter__(self):
        super().__enter__()
        # The layer registry checks its scopes before its own classes, as Keras checks the
        # registered objects before its own: give it both, the scopes winning.
        self._layer_scope = layer_registry.custom_object_scope({**GLOBAL_CUSTOM_OBJECTS, **scoped_objects()})
        self._layer_scope.__enter__()
        return self

    def __exit__(self, *exc_info):
        self._layer_scope.__exit__(*exc_info)
        return super().__exit__(*exc_info)


custom_object_scope = CustomObjectScope

_KERAS_MODULES = ("activations", "constraints", "initializers", "layers", "losses", "metrics",
                  "optimizers", "regularizers")


def _keras_module(obj):
    module = type(obj).__module__
    if not module.startswith("strided."):
        return None if type(obj) in GLOBAL_CUSTOM_NAMES else module
    package = module.split(".")[1]
    if package == "models":
        return "keras"
    return f"keras.{package}" if package in _KERAS_MODULES else "keras"


def serialize_keras_object(obj):
    """The JSON-ready form of `obj` that Keras 3 writes (and `deserialize_keras_object` reads).

    Example:
        >>> strided.saving.serialize_keras_object(strided.activations.relu)
        {'module': 'builtins', 'class_name': 'function', 'config': 'relu', 'registered_name': 'function'}
    """
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(), "dtype": str(obj.dtype)}}
    if isinstance(obj, (list, tuple)):
        return type(obj)(serialize_keras_object(item) for item in obj)
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return {"module": "builtins", "class_name": "function", "config": get_registered_name(obj),
                "registered_name": "function"}
    if isinstance(obj, type):
        return {"module": "builtins", "class_name": "type", "config": get_registered_name(obj),
                "registered_name": "type"}
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r} of type {type(obj).__name__}: it is neither a "
                        "plain value, a function nor an object with get_config().")
    from strided.layers.base import Layer

    if isinstance(obj, Layer):
        entry = layer_registry.serialize(obj)
        entry["config"] = serialize_keras_object(entry["config"])
    else:
        entry = {"class_name": type(obj).__name__, "config": serialize_keras_object(obj.get_config())}
    entry["module"] = _keras_module(obj)
    entry["registered_name"] = GLOBAL_CUSTOM_NAMES.get(type(obj), entry.get("registered_name"))
    return {key: entry[key] for key in ("module", "class_name", "config", "registered_name", "build_config")
            if key in entry}


def _builtin_function(name):
    """A function strided defines under `name` (activation, loss or metric), or None."""
    from strided import activations, losses, metrics

    for module in (activations, losses, metrics):
        candidate = getattr(module, name, None) if name.isidentifier() and not name.startswith("_") else None
        if inspect.isfunction(candidate) and candidate.__module__.startswith("strided."):
            return candidate
    return None


def _package_deserializer(module):
    """The `deserialize` of the strided package a Keras module name ("keras.losses") means."""
    import importlib

    if module == "keras.optimizers.schedules":
        return importlib.import_module("strided.optimizers.schedules").deserialize
    package = (module or "").split(".")[1] if (module or "").startswith("keras.") else None
    if package not in _KERAS_MODULES or package == "layers":
        return None
    return importlib.import_module(f"strided.{package}").deserialize


def _unknown(what, config):
    return ValueError(
        f"Could not locate {what}. Make sure custom classes and functions are decorated with "
        "`@strided.saving.register_keras_serializable()` (and imported before loading), or pass "
        f"them in custom_objects. Full object config: {str(config)[:300]}"
    )


def _as_strided_layer(config):
    """A layer config written by Keras with its newer options, at neutral values, dropped (as
    when loading Keras' own .keras files)."""
    from strided.saving.legacy_h5_config import model_config

    return model_config(config, "<deserialize_keras_object>", "config")


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object `serialize_keras_object` (strided's or Keras') described.

    Args:
        config: a plain value, a name, or a dict {"module", "class_name", "config", ...}.
        custom_objects: {name: class or function} for objects not registered.
        safe_mode: accepted for Keras compatibility; nothing from a config is ever run.

    Raises:
        ValueError: the config names a class or function strided does not know.
    """
    custom_objects = dict(custom_objects or {})
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        found = get_registered_object(config, custom_objects)
        return config if found is None else found
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(item, custom_objects) for item in config]
    if not isinstance(config, dict):
        raise TypeError(f"deserialize_keras_object: cannot read a config of type {type(config).__name__}")
    if "class_name" not in config or "config" not in config:
        return {key: deserialize_keras_object(value, custom_objects) for key, value in config.items()}
    class_name, inner, module = config["class_name"], config["config"], config.get("module")
    if class_name == "__numpy__":
        dtype = np.dtype(str(inner.get("dtype", "float32")))
        if dtype.kind not in "biuf":
            raise ValueError(f"deserialize_keras_object: a __numpy__ value must be numeric, got dtype {dtype}")
        return np.asarray(inner.get("value"), dtype=dtype)
    if class_name == "__tuple__":
        return tuple(deserialize_keras_object(item, custom_objects) for item in inner.get("value", ()))
    if class_name in ("function", "type") and isinstance(inner, str):
        found = get_registered_object(inner, custom_objects)
        found = found if found is not None or class_name == "type" else _builtin_function(inner)
        if found is None:
            raise _unknown(f"{class_name} {inner!r}", config)
        return found
    with CustomObjectScope(custom_objects):
        cls = (get_registered_object(config.get("registered_name") or "", custom_objects)
               or get_registered_object(class_name, custom_objects))
        if cls is not None:
            from strided.layers.base import Layer

            if not inspect.isclass(cls):
                return cls
            if issubclass(cls, Layer):
                return layer_registry.deserialize(_as_strided_layer(config), {**custom_objects, class_name: cls})
            return cls.from_config(inner) if hasattr(cls, "from_config") else cls(**dict(inner))
        package_deserialize = _package_deserializer(module)
        if package_deserialize is not None:
            return package_deserialize({"class_name": class_name, "config": inner}, custom_objects)
        if layer_registry.get_registered_class(class_name, custom_objects, module) is not None:
            return layer_registry.deserialize(_as_strided_layer(config), custom_objects)
    raise _unknown(f"class {class_name!r}", config)


__all__ = ["CustomObjectScope", "custom_object_scope", "get_custom_objects", "register_keras_serializable",
           "get_registered_name", "get_registered_object", "serialize_keras_object", "deserialize_keras_object"]
