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

This file only re-exports; the layers below it, from the kernels up, are described in the
documentation's "The engine, readable" page (docs/engine.md).
Importing it changes nothing in the process: the settings that speed strided up are applied
only while strided trains (see `strided.runtime`).
"""

import importlib

from strided import (
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
    runtime,
    signal,
    utils,
)
from strided._config import (
    epsilon,
    floatx,
    fusion_enabled,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_fusion,
    set_image_data_format,
    set_traced_inference,
    traced_inference_enabled,
)
from strided._version import __version__  # noqa: F401  (strided.__version__, as every package)
from strided.autograd import Tensor, Variable, enable_grad, gradcheck, no_grad
from strided.kernels.dispatch import get_kernels, kernels_used, set_kernels
from strided.layers import Input, InputLayer, Layer
from strided.models import Model, Sequential, load_model
from strided.runtime import flush_denormal, get_num_threads, set_flush_denormal, set_num_threads

# Heavier or optional parts load on first use: `strided.datasets`, `strided.viz`, ...
_LAZY = ("applications", "data", "datasets", "preprocessing", "saving", "testing", "viz",
         "backend", "config", "keras", "random", "constraints")  # keras.backend/config/random; tf.keras


def __getattr__(name):
    if name in _LAZY:
        module = importlib.import_module(f"strided.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'strided' has no attribute {name!r}")


__all__ = [
    "Input", "InputLayer", "Layer", "Model", "Sequential", "Tensor", "Variable", "load_model",
    "no_grad", "enable_grad", "gradcheck", "activations", "callbacks", "initializers", "layers",
    "losses", "metrics", "models", "ops", "optimizers", "regularizers", "runtime", "signal", "utils",
    "floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format", "set_image_data_format",
    "fusion_enabled", "set_fusion", "traced_inference_enabled", "set_traced_inference", "flush_denormal", "set_flush_denormal",
    "get_num_threads", "set_num_threads", "get_kernels", "set_kernels", "kernels_used", *_LAZY,
]
