"""`clone_model`: the same architecture with new weights (Keras' `keras.models.clone_model`).

Each layer is rebuilt from its config (`layer.__class__.from_config(layer.get_config())`),
or by your `clone_function(layer)`; a Sequential model is re-stacked, a functional model
re-wired by calling the new layers in the original graph's order. Names and configs are
kept; weights are freshly initialised (copy them with `clone.set_weights(model.get_weights())`).
A compiled model's clone is compiled the same way, with a fresh optimizer.
"""

from strided.layers.input_layer import Input, InputLayer
from strided.layers.keras_tensor import KerasTensor, flatten, map_structure
from strided.models.functional import Functional
from strided.models.sequential import Sequential


def _default_clone(layer):
    return layer.__class__.from_config(layer.get_config())


def _wrap(clone_function, recursive, cache):
    clone_function = clone_function or _default_clone
    if not callable(clone_function):
        raise ValueError(f"Expected `clone_function` argument to be a callable. Received: clone_function={clone_function}")

    def clone(layer):
        if id(layer) not in cache:
            if recursive and isinstance(layer, (Sequential, Functional)):
                cache[id(layer)] = clone_model(layer, clone_function=clone_function, recursive=True, cache=cache)
            else:
                cache[id(layer)] = clone_function(layer)
        return cache[id(layer)]
    return clone


def _copy_compile(model, clone):
    if getattr(model, "compiled", False):
        from strided.saving.compile_config import compile_config, restore_compile

        config = compile_config(model)
        if config is not None:
            restore_compile(clone, config, {}, f"clone_model({model.name})")


def _clone_sequential(model, clone, input_tensors):
    layers = [clone(layer) for layer in model.layers]
    first = model._layers[0] if model._layers else None
    user_input = isinstance(first, InputLayer) and not getattr(model, "_input_from_build", False)
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError("Argument `input_tensors` must contain a single tensor.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor):
            raise ValueError(f"Argument `input_tensors` must be a KerasTensor. Received invalid value: input_tensors={input_tensors}")
        layers = [input_tensors] + layers
    elif user_input:
        layers = [Input(batch_shape=first.batch_shape, dtype=first.dtype, name=first.name)] + layers
    cloned = Sequential(layers, name=model.name, trainable=model.trainable)
    if isinstance(first, InputLayer) and not user_input and input_tensors is None:
        cloned.build(first.batch_shape)  # built from data: build the clone the same way
    return cloned


def _clone_functional(model, clone, input_tensors):
    graph = model._graph
    if input_tensors is None:
        input_tensors = map_structure(
            lambda t: Input(batch_shape=t.shape, dtype=t.dtype, name=t._keras_history[0].name), graph.inputs)
    elif not all(isinstance(t, KerasTensor) for t in flatten(input_tensors)):
        raise ValueError(f"All entries in `input_tensors` must be KerasTensors. Received invalid values: inputs_tensors={input_tensors}")
    new_inputs = flatten(input_tensors)
    if len(new_inputs) != len(graph.input_tensors):
        raise ValueError(f"`input_tensors` must have the same structure as model.input ({len(graph.input_tensors)} tensors).")
    values = {id(old): new for old, new in zip(graph.input_tensors, new_inputs)}

    def value_of(x):
        return values[id(x)] if isinstance(x, KerasTensor) else x

    for node in graph.nodes:
        layer = clone(node.layer)
        arguments = map_structure(value_of, node.arguments)
        extra = [map_structure(value_of, a) for a in node.extra_args]
        kwargs = {k: map_structure(value_of, v) for k, v in node.call_kwargs.items()}
        result = layer(arguments, *extra, **kwargs)
        for old, new in zip(node.output_tensors, flatten(result)):
            values[id(old)] = new
    outputs = map_structure(value_of, graph.outputs)
    return Functional(input_tensors, outputs, name=model.name)


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False, **kwargs):
    """A new model with the architecture of `model` and freshly initialised weights.

    Args:
        model: a Sequential, functional or subclassed model (the last needs get_config/from_config).
        input_tensors: new `keras.Input` tensor(s) to build the clone on.
        clone_function: `f(layer) -> new layer` (default: rebuild from the layer's config);
            e.g. `lambda layer: layer` shares a layer, or change a config before rebuilding.
        recursive: also clone the layers inside nested Sequential/functional models through it.

    Example:
        >>> clone = clone_model(model)
        >>> clone.get_config() == model.get_config()
        True
    """
    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs)}")
    if call_function is not None:
        raise NotImplementedError("clone_model: `call_function` is not supported by strided.")
    clone = _wrap(clone_function, recursive, {} if cache is None else cache)
    if isinstance(model, Sequential):
        cloned = _clone_sequential(model, clone, input_tensors)
    elif isinstance(model, Functional) or getattr(model, "_graph", None) is not None and type(model).get_config is Functional.get_config:
        cloned = _clone_functional(model, clone, input_tensors)
    else:
        if clone_function is not None or input_tensors is not None:
            raise ValueError(
                "Arguments `clone_function` and `input_tensors` are only supported for Sequential "
                f"models or Functional models. Received model of type '{type(model).__name__}', with "
                f"clone_function={clone_function} and input_tensors={input_tensors}"
            )
        cloned = type(model).from_config(model.get_config())
    _copy_compile(model, cloned)
    return cloned


__all__ = ["clone_model"]
