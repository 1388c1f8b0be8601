"""`strided.keras`: the `tf.keras` namespace, so TensorFlow-style programs run on strided.

    import strided as tf
    from strided import keras
    from strided.keras import layers

    model = tf.keras.Sequential([tf.keras.layers.Conv2D(32, 3, activation="relu"), ...])
    train_ds = tf.keras.utils.image_dataset_from_directory("flower_photos", ...)

Every name is strided's own object, found on first use (nothing is copied or imported
eagerly): `strided.keras.layers is strided.layers`, `strided.keras.Sequential is
strided.Sequential`. Sub-module imports work too (`from strided.keras.layers import Dense`,
`import strided.keras.preprocessing.image`): a small import hook maps `strided.keras.X` to
`strided.X` (see `_ALIASES`). docs/keras.md lists what each Keras module covers.
"""

import importlib
import importlib.abc
import importlib.util
import sys
import types

# Keras module -> the strided module that implements it.
MODULES = {
    "activations": "strided.activations",
    "applications": "strided.applications",
    "backend": "strided.backend",
    "callbacks": "strided.callbacks",
    "config": "strided.config",
    "constraints": "strided.constraints",
    "datasets": "strided.datasets",
    "initializers": "strided.initializers",
    "layers": "strided.layers",
    "losses": "strided.losses",
    "metrics": "strided.metrics",
    "models": "strided.models",
    "ops": "strided.ops",
    "optimizers": "strided.optimizers",
    "preprocessing": "strided.preprocessing",
    "random": "strided.random",
    "regularizers": "strided.regularizers",
    "saving": "strided.saving",
    "utils": "strided.utils",
}

# Names at the top of `keras` -> (strided module, attribute).
NAMES = {
    "Sequential": ("strided.models", "Sequential"),
    "Model": ("strided.models", "Model"),
    "Input": ("strided.layers", "Input"),
    "InputLayer": ("strided.layers", "InputLayer"),
    "Layer": ("strided.layers", "Layer"),
    "Variable": ("strided.autograd", "Variable"),
    "load_model": ("strided.models", "load_model"),
    "clone_model": ("strided.models", "clone_model"),
    "__version__": ("strided", "__version__"),
}


def _target(fullname):
    """'strided.keras.layers.core' -> 'strided.layers.core' (None when not an aliased name)."""
    prefix = __name__ + "."
    if not fullname.startswith(prefix):
        return None
    first, _, rest = fullname[len(prefix):].partition(".")
    if first not in MODULES:
        return None
    return MODULES[first] + ("." + rest if rest else "")


class _AliasLoader(importlib.abc.Loader):
    """Puts the strided module itself in sys.modules under the `strided.keras...` name."""

    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        return types.ModuleType(spec.name)  # a placeholder, replaced in exec_module

    def exec_module(self, module):
        sys.modules[module.__name__] = importlib.import_module(self.target)


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        aliased = _target(fullname)
        if aliased is None or importlib.util.find_spec(aliased) is None:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(aliased))


if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
    sys.meta_path.insert(0, _AliasFinder())


def __getattr__(name):
    if name in MODULES:
        module = importlib.import_module(MODULES[name])
    elif name in NAMES:
        module_name, attribute = NAMES[name]
        module = getattr(importlib.import_module(module_name), attribute)
    else:
        raise AttributeError(
            f"module 'strided.keras' has no attribute {name!r}. strided provides the Keras modules "
            f"{sorted(MODULES)} and {sorted(n for n in NAMES if not n.startswith('_'))}; see docs/keras.md."
        )
    globals()[name] = module
    return module


def __dir__():
    return sorted(set(globals()) | set(MODULES) | set(NAMES))


__all__ = sorted(set(MODULES) | {n for n in NAMES if not n.startswith("_")})
