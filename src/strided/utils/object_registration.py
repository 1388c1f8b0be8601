"""Custom objects by name, as Keras 3's `keras.saving` registry (`keras.utils` exposes it too).

A saved file names the objects it needs ("my_package>Scale", "pk>my_loss"); loading resolves
each name here and never imports anything a file asks for. So a file can only refer to objects
that strided defines or that the running program registered:

    @strided.saving.register_keras_serializable(package="my_package")
    class Scale(strided.layers.Layer): ...          # saved and found as "my_package>Scale"

    with strided.saving.custom_object_scope({"my_loss": my_loss}):
        model = strided.models.load_model("model.keras")

The lookup order is Keras': the innermost `custom_object_scope`, then the registered objects
(`get_custom_objects()`, a live dict), then the `custom_objects` argument, then the module's
own objects. This module is a leaf (stdlib only), so activations, losses and the rest can
look names up here without importing the layers or saving packages above them.
"""

import inspect
import threading

GLOBAL_CUSTOM_OBJECTS = {}   # "package>name" -> class or function
GLOBAL_CUSTOM_NAMES = {}     # class or function -> "package>name"
_scopes = threading.local()


def _scope_stack():
    stack = getattr(_scopes, "stack", None)
    if stack is None:
        stack = _scopes.stack = []
    return stack


def scoped_objects():
    """{name: object} of every active `custom_object_scope`, inner scopes winning."""
    merged = {}
    for scope in _scope_stack():
        merged.update(scope)
    return merged


class CustomObjectScope:
    """Within the `with` block, names in `custom_objects` resolve to the given objects.

    Args:
        custom_objects: dict {name: class or function}; several dicts may be given (as in
            Keras 2), later ones winning.

    Example:
        >>> with strided.utils.custom_object_scope({"Scale": Scale}):
        ...     model = strided.models.load_model("model.keras")
    """

    def __init__(self, *custom_objects):
        merged = {}
        for objects in custom_objects:
            if objects is None:
                continue
            if not isinstance(objects, dict):
                raise TypeError("custom_object_scope expects dicts {name: class or function}. "
                                f"Received: {type(objects).__name__}")
            merged.update(objects)
        self.custom_objects = merged

    def __enter__(self):
        _scope_stack().append(dict(self.custom_objects))
        return self

    def __exit__(self, *exc_info):
        _scope_stack().pop()
        return False


custom_object_scope = CustomObjectScope


def get_custom_objects():
    """The live dict of registered objects: changes to it register or forget objects.

    >>> strided.utils.get_custom_objects()["my_loss"] = my_loss
    """
    return GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package="Custom", name=None):
    """Decorator registering a class or function under "package>name" for saving and loading.

    Args:
        package: the first part of the registered name. Defaults to "Custom".
        name: the second part; defaults to the object's `__name__`.

    Raises:
        ValueError: a class without `get_config()` (it could not be saved).

    Example:
        >>> @strided.saving.register_keras_serializable("my_package")
        ... def my_loss(y_true, y_pred): ...
        >>> strided.saving.get_registered_name(my_loss)
        'my_package>my_loss'
    """

    def decorator(obj):
        registered_name = f"{package}>{name if name is not None else obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method. "
                             f"Received: {obj.__name__}")
        GLOBAL_CUSTOM_OBJECTS[registered_name] = obj
        GLOBAL_CUSTOM_NAMES[obj] = registered_name
        return obj

    return decorator


def get_registered_name(obj):
    """The name `obj` is saved under: its registered "package>name", else its `__name__`."""
    try:
        if obj in GLOBAL_CUSTOM_NAMES:
            return GLOBAL_CUSTOM_NAMES[obj]
    except TypeError:  # unhashable objects are never registered
        pass
    return obj.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object named `name`: from the active scopes, the registered objects,
    `custom_objects`, then `module_objects` (in that order); None when none has it."""
    if not isinstance(name, str):
        return None
    for scope in reversed(_scope_stack()):
        if name in scope:
            return scope[name]
    if name in GLOBAL_CUSTOM_OBJECTS:
        return GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


__all__ = ["CustomObjectScope", "custom_object_scope", "get_custom_objects", "register_keras_serializable",
           "get_registered_name", "get_registered_object", "scoped_objects"]
