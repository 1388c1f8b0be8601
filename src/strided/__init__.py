"""strided: a readable convolutional-neural-network framework on NumPy.

Keras tutorial code runs with only the import changed:

    import strided as keras
    from strided import layers

    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=5)

This file only re-exports; each name lives in the module listed in STYLE.md's architecture.
"""

import importlib

from strided._allocator import keep_freed_memory
from strided._blas_threads import get_num_threads, set_num_threads, sleep_idle_blas_threads

keep_freed_memory()  # reuse freed arrays across training steps (see strided/_allocator.py)
sleep_idle_blas_threads()  # no spinning BLAS threads between GEMMs (see strided/_blas_threads.py)

from strided import (  # noqa: E402
    activations,
    callbacks,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    regularizers,
    signal,
    utils,
)
from strided._config import (
    data_parallel_enabled,
    epsilon,
    floatx,
    flush_denormal,
    fusion_enabled,
    image_data_format,
    set_data_parallel,
    set_epsilon,
    set_floatx,
    set_flush_denormal,
    set_fusion,
    set_image_data_format,
    set_traced_inference,
    traced_inference_enabled,
)
from strided.autograd import Tensor, Variable, enable_grad, gradcheck, no_grad
from strided.layers import Input, InputLayer, Layer
from strided.models import Model, Sequential, load_model

__version__ = "0.1.0"

# Heavier or optional parts load on first use: `strided.datasets`, `strided.viz`, ...
_LAZY = ("applications", "data", "datasets", "preprocessing", "saving", "testing", "viz")


def __getattr__(name):
    if name in _LAZY:
        module = importlib.import_module(f"strided.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'strided' has no attribute {name!r}")


__all__ = [
    "Input", "InputLayer", "Layer", "Model", "Sequential", "Tensor", "Variable", "load_model",
    "no_grad", "enable_grad", "gradcheck", "activations", "callbacks", "initializers", "layers",
    "losses", "metrics", "models", "ops", "optimizers", "regularizers", "signal", "utils",
    "floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format", "set_image_data_format",
    "fusion_enabled", "set_fusion", "traced_inference_enabled", "set_traced_inference", "flush_denormal", "set_flush_denormal",
    "data_parallel_enabled", "set_data_parallel",
    "get_num_threads", "set_num_threads", *_LAZY,
]
