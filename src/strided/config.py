"""`keras.config`: global settings by Keras' names (float type, epsilon, image layout, ...).

    import strided as keras
    keras.config.set_floatx("float64")
    keras.config.image_data_format()        # "channels_last"
    keras.config.backend()                  # "numpy": strided computes with NumPy

The values live in `strided._config` (which strided's own settings share); this module only
gives them their Keras 3 names. Settings that have no meaning here (flash attention, traceback
filtering, the NNX switch) are accepted and remembered, so Keras programs that set them run.
"""

from strided._config import (
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)

_STATE = {
    "unsafe_deserialization": False,
    "interactive_logging": True,
    "traceback_filtering": True,
    "flash_attention": None,
    "max_epochs": None,
    "max_steps_per_epoch": None,
    "dtype_policy": None,
}


def backend():
    """The name of the computing backend: "numpy" (strided's kernels are NumPy)."""
    return "numpy"


def set_backend(backend):
    """Only "numpy" is available; any other name raises ValueError."""
    if backend != "numpy":
        raise ValueError(f"strided computes with NumPy only; cannot switch to backend {backend!r}.")


def enable_unsafe_deserialization():
    """Accepted for Keras programs: strided's model files never hold code (no lambdas or pickles),
    so loading is always safe; the flag is only remembered (`is_unsafe_deserialization_enabled`)."""
    _STATE["unsafe_deserialization"] = True


def is_unsafe_deserialization_enabled():
    return _STATE["unsafe_deserialization"]


def enable_interactive_logging():
    _STATE["interactive_logging"] = True


def disable_interactive_logging():
    _STATE["interactive_logging"] = False


def is_interactive_logging_enabled():
    return _STATE["interactive_logging"]


def enable_traceback_filtering():
    _STATE["traceback_filtering"] = True


def disable_traceback_filtering():
    _STATE["traceback_filtering"] = False


def is_traceback_filtering_enabled():
    return _STATE["traceback_filtering"]


def enable_flash_attention():
    _STATE["flash_attention"] = True


def disable_flash_attention():
    _STATE["flash_attention"] = False


def is_flash_attention_enabled():
    return _STATE["flash_attention"]


def is_nnx_enabled():
    return False


def set_max_epochs(max_epochs):
    """Remembered for Keras programs (strided's fit does not read it)."""
    _STATE["max_epochs"] = max_epochs


def max_epochs():
    return _STATE["max_epochs"]


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Remembered for Keras programs (strided's fit does not read it)."""
    _STATE["max_steps_per_epoch"] = max_steps_per_epoch


def max_steps_per_epoch():
    return _STATE["max_steps_per_epoch"]


def set_dtype_policy(policy):
    """Only float32/float64/float16 policies are meaningful: the name sets floatx."""
    name = getattr(policy, "name", policy)
    if name not in ("float32", "float64", "float16"):
        raise ValueError(f"strided supports the dtype policies 'float32', 'float64' and 'float16'; received {name!r}.")
    _STATE["dtype_policy"] = name
    set_floatx(name)


def dtype_policy():
    return _STATE["dtype_policy"] or floatx()


__all__ = [
    "backend", "set_backend", "floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format",
    "set_image_data_format", "enable_unsafe_deserialization", "is_unsafe_deserialization_enabled",
    "enable_interactive_logging", "disable_interactive_logging", "is_interactive_logging_enabled",
    "enable_traceback_filtering", "disable_traceback_filtering", "is_traceback_filtering_enabled",
    "enable_flash_attention", "disable_flash_attention", "is_flash_attention_enabled", "is_nnx_enabled",
    "set_max_epochs", "max_epochs", "set_max_steps_per_epoch", "max_steps_per_epoch", "set_dtype_policy",
    "dtype_policy",
]
