"""Reading (and cutting) the outputs of chosen layers while a model runs.

Works for every kind of model (Sequential, functional, subclassed, unbuilt), because every
layer is run through `Layer.__call__`, which calls `self.call`: for the duration of a `with`
block we put a recording wrapper in front of the chosen layers' `call` (on the instances only,
removed afterwards, even on errors).

With `cut=True` each recorded output is replaced by a fresh leaf Tensor that requires grad, so
after `score.backward()` its `.grad` holds d(score)/d(layer output) — what Grad-CAM needs.
"""

import contextlib
import functools

import numpy as np

from strided.autograd import Tensor


def all_layers(model):
    """The model's layers in order, with those of nested models (a pretrained base) opened."""
    for layer in getattr(model, "layers", []):
        if getattr(layer, "layers", None):
            yield from all_layers(layer)
        else:
            yield layer


def resolve_layers(model, layers, default):
    """Layer objects from names, indices, layer objects or layer classes (as lesson 002's
    LAYERS_TO_VIZUALIZE = [Conv2D, MaxPooling2D]); `default(layer)` picks them when None.
    Names and classes also find layers inside nested models; indices count `model.layers`."""
    available = list(all_layers(model))
    if layers is None:
        chosen = [layer for layer in available if default(layer)]
        if not chosen:
            raise ValueError(
                f"no Conv2D or pooling layer found in model '{getattr(model, 'name', model)}'; "
                f"its layers are {[layer.name for layer in available]}. Pass layers=[...]."
            )
        return chosen
    if isinstance(layers, (str, int)) or not isinstance(layers, (list, tuple)):
        layers = [layers]
    chosen = []
    for item in layers:
        if isinstance(item, type):
            chosen += [layer for layer in available if isinstance(layer, item)]
        elif isinstance(item, str):
            chosen.append(get_layer(model, item))
        elif isinstance(item, (int, np.integer)):
            chosen.append(list(model.layers)[item])
        else:
            chosen.append(item)
    if not chosen:
        raise ValueError(f"no layer of model '{getattr(model, 'name', model)}' matches {layers!r}.")
    return chosen


def get_layer(model, name):
    """The layer called `name` (nested models searched too), or an error listing the names."""
    for layer in getattr(model, "layers", []):
        if layer.name == name:
            return layer
    for layer in all_layers(model):
        if layer.name == name:
            return layer
    names = [layer.name for layer in all_layers(model)]
    raise ValueError(f"no layer named {name!r} in model '{getattr(model, 'name', model)}'; "
                     f"its layers are {names}.")


@contextlib.contextmanager
def capture(layers, cut=False):
    """Yield a dict filled with {id(layer): output Tensor} as the model runs inside the block."""
    records = {}
    patched = []
    try:
        for layer in layers:
            if "call" in vars(layer):
                raise RuntimeError(f"layer '{layer.name}' is already being captured.")
            layer.call = _recorder(layer, layer.call, records, cut)
            patched.append(layer)
        yield records
    finally:
        for layer in patched:
            vars(layer).pop("call", None)


def _recorder(layer, call, records, cut):
    @functools.wraps(call)
    def recording_call(*args, **kwargs):
        output = call(*args, **kwargs)
        if cut:
            output = Tensor(np.asarray(output.data), requires_grad=True)
        records[id(layer)] = output
        return output

    return recording_call


@contextlib.contextmanager
def keep_weight_grads(model):
    """Restore every weight's `.grad` afterwards (backward here must not disturb training)."""
    weights = list(getattr(model, "weights", []))
    saved = [w.grad for w in weights]
    try:
        yield
    finally:
        for weight, grad in zip(weights, saved):
            weight.grad = grad


def channels_last(array, layer):
    """Move the channel axis last when `layer` works channels first."""
    if getattr(layer, "data_format", "channels_last") == "channels_first" and array.ndim >= 3:
        return np.moveaxis(array, 1, -1)
    return array


__all__ = []
