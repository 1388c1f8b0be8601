"""`Model`: a layer that can be trained, evaluated, summarised and saved (Keras' `keras.Model`).

Three ways to make one, as in Keras:

* functional: `Model(inputs, outputs)` on symbolic tensors from `keras.Input` (this returns
  a `Functional`, see functional.py);
* `Sequential([...])` (sequential.py);
* subclassing: define the layers in `__init__` and the forward pass in `call`.

Example (subclassing):
    >>> class Net(Model):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = layers.Dense(32, activation="relu")
    ...         self.out = layers.Dense(10, activation="softmax")
    ...     def call(self, x, training=False):
    ...         return self.out(self.hidden(x))
    >>> Net()(np.zeros((2, 784))).shape
    (2, 10)
"""

import json

import numpy as np

from strided.autograd import no_grad
from strided.layers.base import Layer
from strided.layers.keras_tensor import KerasTensor, flatten
from strided.models.graph import Graph
from strided.models.training import Trainer


def _is_functional_call(args, kwargs):
    return ("inputs" in kwargs and "outputs" in kwargs) or (
        len(args) >= 2 and all(isinstance(t, KerasTensor) for t in flatten(list(args[:2])))
    ) or (len(args) == 1 and "outputs" in kwargs)


class Model(Trainer, Layer):
    """A trainable group of layers: `compile`, `fit`, `evaluate`, `predict`, `summary`, `save`.

    Args:
        inputs, outputs: symbolic tensors for the functional API (`Model(inputs, outputs)`).
        name: model name (default "functional", "sequential" or the snake_case class name).
        trainable: whether training updates the weights (False freezes every layer).
    """

    _untracked_attributes = Layer._untracked_attributes | {
        "optimizer", "history", "_graph", "_compile_config", "_loss_entries", "_metric_entries",
        "_loss_tracker", "stop_training", "compiled_loss", "compiled_metrics", "loss",
    }

    # `Model(inputs, outputs)` makes a Functional, as in Keras. models/functional.py, which
    # subclasses Model, names that class here when it is imported (strided.models imports it).
    _functional_class = None

    def __new__(cls, *args, **kwargs):
        if cls is Model and _is_functional_call(args, kwargs) and Model._functional_class is not None:
            return object.__new__(Model._functional_class)
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", args[0] if len(args) > 0 else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        name = kwargs.pop("name", None)
        trainable = kwargs.pop("trainable", True)
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)
        self._init_training_state()
        self._graph = None
        if inputs is not None or outputs is not None:
            self._set_graph(Graph(inputs, outputs, self.name))

    def _set_graph(self, graph):
        self._graph = graph
        self._layers = list(graph.layers)
        self.built = True
        shapes = [t.shape for t in graph.input_tensors]
        self._build_shapes = shapes[0] if len(shapes) == 1 else shapes

    # ------------------------------------------------------------------- forward
    def call(self, inputs, training=None, mask=None):
        if self._graph is None:
            raise NotImplementedError(
                f"Model '{self.name}' ({type(self).__name__}) has no graph and no call(): a "
                "subclassed model must define call(self, inputs, training=False)."
            )
        return self._graph.run(inputs)

    def _maybe_build(self, input_shape):
        if self.built:
            return
        if type(self).build is Model.build:  # sub-layers build themselves during the call
            self.built = True
            self._build_shapes = input_shape
        else:
            Layer._maybe_build(self, input_shape)

    def build(self, input_shape=None):
        """Create the weights by running the model once on zeros of `input_shape`.

        `input_shape` includes the batch axis, e.g. (None, 28, 28, 1).
        """
        if self.built or self._graph is not None:
            self.built = True
            return
        if input_shape is None:
            raise ValueError(f"Model '{self.name}': build() needs an input_shape, e.g. (None, 28, 28, 1).")

        def zeros(shape):
            if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
                return [zeros(s) for s in shape]
            return np.zeros([1 if d is None else d for d in shape], dtype=self.dtype)

        with no_grad():
            self(zeros(input_shape))

    def build_from_config(self, config):
        if config and config.get("input_shape") is not None and not self.built:
            from strided.layers.base import _shape_from_json

            self.build(_shape_from_json(config["input_shape"]))

    def compute_output_shape(self, input_shape):
        if self._graph is None:
            return Layer.compute_output_shape(self, input_shape)
        batch = _batch_size_of(input_shape)
        shapes = [(batch,) + tuple(t.shape[1:]) for t in self._graph.output_tensors]
        from strided.layers.keras_tensor import pack_like

        return pack_like(self._graph.outputs, shapes)

    # ------------------------------------------------------------------- layers
    @property
    def layers(self):
        """The model's direct layers (for a functional model, its InputLayers come first)."""
        return self._flatten_layers(include_self=False, recursive=False)

    def get_layer(self, name=None, index=None):
        """A layer by `name` or by `index` in `layers` (Keras semantics)."""
        if name is not None and index is not None:
            raise ValueError(
                f"Provide only a layer name or a layer index. Received: name={name}, index={index}."
            )
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model '{self.name}' only "
                    f"has {len(layers)} layers."
                )
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"No such layer: {name}. Existing layers are: {[layer.name for layer in layers]}."
            )
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    # ---------------------------------------------------- symbolic inputs/outputs
    def _require_graph(self, attribute):
        if self._graph is None:
            raise AttributeError(
                f"Model '{self.name}' has no {attribute}: it was not built from symbolic inputs. "
                "Give the first layer an input_shape (or start with keras.Input) to define it."
            )
        return self._graph

    @property
    def inputs(self):
        """The model's symbolic inputs, as a list."""
        return list(self._require_graph("inputs").input_tensors)

    @property
    def outputs(self):
        """The model's symbolic outputs, as a list."""
        return list(self._require_graph("outputs").output_tensors)

    @property
    def input(self):
        return self._require_graph("input").inputs

    @property
    def output(self):
        return self._require_graph("output").outputs

    @property
    def input_shape(self):
        shapes = [t.shape for t in self._require_graph("input shape").input_tensors]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self._require_graph("output shape").output_tensors]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_names(self):
        if self._graph is None:
            return ["output"]
        return [t._keras_history[0].name for t in self._graph.output_tensors]

    # --------------------------------------------------------------- reporting
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print Keras' table of layers, output shapes and parameter counts.

        Args:
            line_length: total width (default 88, or 108 with a "Connected to" column).
            positions: relative column boundaries.
            print_fn: called once with the whole text instead of printing it.
            expand_nested: also list the layers of nested models.
            show_trainable: add a "Trainable" column.
            layer_range: (first_name, last_name) regexes to show part of the model.
        """
        from strided.models.summary import print_summary

        if not self.built:
            raise ValueError(
                f"Model '{self.name}' has not yet been built: its weights are created on the "
                "first call. Build it by calling it on data, calling build(input_shape), "
                "passing input_shape= to the first layer, or starting with keras.Input."
            )
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    # --------------------------------------------------------------- config
    def get_config(self):
        """Subclassed models: the base config; override it (and from_config) to save them."""
        return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        try:
            return cls(**config)
        except TypeError as error:
            raise TypeError(
                f"Unable to revive model {cls.__name__} from its config {config}: {error}. "
                "A subclassed model must define get_config() returning its __init__ arguments "
                "(and from_config if they are not plain values)."
            ) from None

    def to_json(self, **kwargs):
        """The architecture as a JSON string (no weights)."""
        from strided.layers.registry import serialize

        return json.dumps(serialize(self), **kwargs)

    # --------------------------------------------------------------- saving
    def save(self, filepath, overwrite=True, **kwargs):
        """Save architecture, weights and optimizer state to one `.keras` file (a zip).

        The file holds JSON and NumPy arrays only (no pickle). The write goes to a
        temporary file renamed at the end, so an interrupted save never destroys an
        existing file. Reload with `strided.models.load_model(filepath)`.
        """
        from strided.saving import save_model

        save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Save only the weights: `.weights.npz` (NumPy) or `.weights.h5` (Keras 3 layout)."""
        from strided.saving import save_weights

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Load weights saved by `save_weights` (or the weights inside a `.keras` file)."""
        from strided.saving import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def export(self, filepath, format="onnx", verbose=True, input_signature=None, **kwargs):
        """Export the model for inference, as Keras 3's `model.export`; strided writes
        format="onnx" (opset 17, batch size free; `strided.onnx.export` has the details).

        input_signature: the input's shape, for a model that does not know it: a shape with
            the batch axis (None, H, W, C) or an object with a `.shape` (Keras' InputSpec).
        """
        if format != "onnx":
            raise ValueError(
                f"Model.export: strided exports format='onnx' only. Received: format={format!r}"
            )
        from strided.onnx import export

        input_shape = None
        if input_signature is not None:
            spec = input_signature[0] if isinstance(input_signature, (list, tuple)) and not all(
                isinstance(n, (int, type(None))) for n in input_signature) else input_signature
            input_shape = tuple(getattr(spec, "shape", spec))[1:]
        path = export(self, filepath, input_shape=input_shape, **kwargs)
        if verbose:
            print(f"Saved '{self.name}' for inference to '{path}' (ONNX): input 'input', "
                  "output 'output', any batch size.")
        return path


def _batch_size_of(input_shape):
    if isinstance(input_shape, dict):
        input_shape = next(iter(input_shape.values()))
    while isinstance(input_shape, (list, tuple)) and input_shape and isinstance(input_shape[0], (list, tuple, dict)):
        input_shape = input_shape[0]
    return input_shape[0] if input_shape else None


__all__ = ["Model"]
