"""Global settings, with Keras' names: the float type, the fuzz factor and the image layout;
and strided's own: whether models fuse Conv2D(relu) + MaxPooling2D into one op, whether
inference replays traced ops, whether training flushes subnormal floats to zero, and how many
threads the kernels use."""

import os

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_FUSION = True
_TRACED_INFERENCE = True
_TRACE_GENERATION = 0
_NUM_THREADS = None  # None: one per usable core
_FLUSH_DENORMAL = True


def floatx():
    """The default float type of tensors and weights ("float32")."""
    return _FLOATX


def set_floatx(value):
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError(f"Unknown floatx type: {value!r}. Expected 'float16', 'float32' or 'float64'.")
    _FLOATX = value


def epsilon():
    """The small constant added to denominators and logs (1e-7, as Keras)."""
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = float(value)


def image_data_format():
    """The default layout of images: "channels_last" (N, H, W, C) or "channels_first" (N, C, H, W)."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    global _IMAGE_DATA_FORMAT
    _IMAGE_DATA_FORMAT = standardize_data_format(data_format)


def standardize_data_format(data_format):
    """Return "channels_last" or "channels_first"; None means the global default."""
    if data_format is None:
        return _IMAGE_DATA_FORMAT
    value = str(data_format).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            f"The `data_format` argument must be 'channels_last' or 'channels_first'. "
            f"Received: data_format={data_format!r}"
        )
    return value


def fusion_enabled():
    """Whether models run a Conv2D(relu) + MaxPooling2D pair as one op (see strided.models.fusion)."""
    return _FUSION


def set_fusion(enabled):
    """Turn layer fusion on (the default) or off; the numbers are the same either way."""
    global _FUSION
    _FUSION = bool(enabled)


def traced_inference_enabled():
    """Whether inference replays a trace of the model's ops (see strided.models.traced_inference)."""
    return _TRACED_INFERENCE


def set_traced_inference(enabled):
    """Turn traced inference on (the default) or off; the numbers are the same either way.

    Every call also drops the traces models have kept (a model also drops its own when a
    layer's attribute is rebound: see strided.models.traced_inference).
    """
    global _TRACED_INFERENCE, _TRACE_GENERATION
    _TRACED_INFERENCE = bool(enabled)
    _TRACE_GENERATION += 1


def trace_generation():
    """How many times `set_traced_inference` was called: traces older than that are dropped."""
    return _TRACE_GENERATION


def flush_denormal():
    """Whether training flushes subnormal floats to zero (see strided._subnormals)."""
    return _FLUSH_DENORMAL


def set_flush_denormal(enabled):
    """Record the setting; `strided.set_flush_denormal` (strided.runtime) also says whether
    this machine supports it."""
    global _FLUSH_DENORMAL
    _FLUSH_DENORMAL = bool(enabled)


def num_threads():
    """How many threads strided's chunked kernels use: the setting, else one per usable core."""
    return _NUM_THREADS if _NUM_THREADS is not None else _USABLE_CORES


def _usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_USABLE_CORES = _usable_cores()


def thread_setting():
    """The thread count set with set_num_threads, or None (one per usable core)."""
    return _NUM_THREADS


def restore_thread_setting(setting):
    """Put back what `thread_setting()` returned (None: one thread per usable core)."""
    global _NUM_THREADS
    _NUM_THREADS = setting


def set_num_threads(threads):
    """Set `num_threads()`; strided.set_num_threads also sets OpenBLAS's count."""
    global _NUM_THREADS
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"set_num_threads: expected a positive int, received {threads!r}")
    _NUM_THREADS = threads
