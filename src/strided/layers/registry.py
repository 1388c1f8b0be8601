"""Class-name registry used to rebuild layers and models from a saved JSON config.

Every `Layer` subclass registers itself when its class is defined (`Layer.__init_subclass__`),
so `get_registered_class("Conv2D")` finds it without any pickle: a model file names classes,
it never contains code. strided's own classes win over user classes of the same name; a
user class can also be given explicitly with `custom_objects={"Name": cls}` or registered
with `register_keras_serializable`.
"""

_builtin = {}
_custom = {}


def register_class(cls, name=None):
    """Record `cls` under `name` (default: its class name)."""
    name = name or cls.__name__
    if cls.__module__.startswith("strided."):
        _builtin.setdefault(name, cls)
    else:
        _custom[name] = cls
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


def get_registered_class(name, custom_objects=None):
    """The class registered under `name`, or None. `custom_objects` takes precedence."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in _builtin:
        return _builtin[name]
    return _custom.get(name)


__all__ = ["register_class", "register_keras_serializable", "get_registered_class"]
