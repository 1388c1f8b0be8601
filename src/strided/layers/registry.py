"""Class-name registry used to rebuild layers and models from a saved JSON config.

Every `Layer` subclass registers itself when its class is defined (`Layer.__init_subclass__`),
so `get_registered_class("Conv2D")` finds it without any pickle: a model file names classes,
it never contains code. strided's own classes win over user classes of the same name; a
user class can also be given explicitly with `custom_objects={"Name": cls}` or registered
with `register_keras_serializable`.
"""

import contextlib
import threading

from strided.utils.object_registration import GLOBAL_CUSTOM_NAMES

_builtin = {}
_custom = {}
_qualified = {}  # "module.ClassName" -> class, for user classes that share a name
_scopes = threading.local()


def register_class(cls, name=None):
    """Record `cls` under `name` (default: its class name)."""
    name = name or cls.__name__
    if cls.__module__.startswith("strided."):
        _builtin.setdefault(name, cls)
    else:
        _custom[name] = cls
        _qualified[f"{cls.__module__}.{name}"] = cls
    return cls


def register_keras_serializable(package="Custom", name=None):
    """Decorator registering a custom layer/model class for loading, as Keras'.

    >>> @register_keras_serializable()
    ... class Scale(Layer): ...
    """

    def decorator(cls):
        registered = name or cls.__name__
        _custom[registered] = cls
        _custom[f"{package}>{registered}"] = cls
        return cls

    return decorator


def get_registered_class(name, custom_objects=None, module=None):
    """The class registered under `name`, or None. `custom_objects` takes precedence, then
    a user class defined in `module` (two user classes may share a name)."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    for scope in reversed(getattr(_scopes, "stack", [])):
        if name in scope:
            return scope[name]
    if module and f"{module}.{name}" in _qualified:
        return _qualified[f"{module}.{name}"]
    if name in _builtin:
        return _builtin[name]
    return _custom.get(name)





def lookup_custom_object(name):
    """The object registered as `name` in an active `custom_object_scope`, or None."""
    for scope in reversed(getattr(_scopes, "stack", [])):
        if name in scope:
            return scope[name]
    return None


@contextlib.contextmanager
def custom_object_scope(custom_objects):
    """Within the block, `custom_objects` ({"Name": cls}) resolve class names (Keras' scope).

    >>> with custom_object_scope({"Scale": Scale}):
    ...     model = load_model("m.keras")
    """
    stack = getattr(_scopes, "stack", None)
    if stack is None:
        stack = _scopes.stack = []
    stack.append(dict(custom_objects or {}))
    try:
        yield
    finally:
        stack.pop()


def serialize(layer):
    """A JSON-ready dict describing `layer` (Keras 3's `keras.layers.serialize` format).

    >>> serialize(Dense(10))["class_name"]
    'Dense'
    """
    module = type(layer).__module__
    entry = {
        "module": "keras.layers" if module.startswith("strided.") else module,
        "class_name": type(layer).__name__,
        "config": layer.get_config(),
        "registered_name": GLOBAL_CUSTOM_NAMES.get(type(layer), type(layer).__name__),  # "package>Name"
    }
    build_config = layer.get_build_config() if hasattr(layer, "get_build_config") else None
    if build_config:
        entry["build_config"] = build_config
    return entry


def deserialize(config, custom_objects=None):
    """The layer described by `serialize()` output; unknown class names raise ValueError.

    Only registered classes can be created, so a config can never run arbitrary code.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Invalid layer config: expected a dict with 'class_name', received {config!r:.200}")
    name = config["class_name"]
    cls = get_registered_class(name, custom_objects, config.get("module")) or get_registered_class(
        config.get("registered_name") or "", custom_objects
    )
    if cls is None:
        raise ValueError(
            f"Unknown layer class {name!r}. If it is a custom layer, define (import) its class "
            f"before loading, or pass custom_objects={{{name!r}: {name}}}."
        )
    with custom_object_scope(custom_objects):
        layer = cls.from_config(dict(config.get("config", {})))
        build_config = config.get("build_config")
        if build_config and not getattr(layer, "built", False) and hasattr(layer, "build_from_config"):
            layer.build_from_config(build_config)
    return layer

__all__ = ["register_class", "register_keras_serializable", "get_registered_class", "serialize", "deserialize",
           "custom_object_scope", "lookup_custom_object"]
