"""`Sequential`: a plain stack of layers, each feeding the next (Keras' `keras.Sequential`).

    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),          # or input_shape=(28, 28, 1) on the first layer
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D(2, 2),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])

When the input shape is known (an `Input`, or `input_shape=` on the first layer) the stack
is built at once as a functional graph, so `model.inputs`, `layer.output` and `summary()`
work before any data is seen, and `Model(model.inputs, [l.output for l in model.layers])`
cuts feature-map models out of it. Without an input shape it builds on the first data;
as in Keras, that first shape does not freeze the model: a later call on images of another
size runs the layers one after the other (`Sequential([layers.Resizing(180, 180)])` takes
any image size), and only a layer whose weights need the old shape objects.
"""

from strided.layers.base import Layer
from strided.layers.input_layer import InputLayer
from strided.layers.keras_tensor import KerasTensor
from strided.layers.registry import deserialize, serialize
from strided.models.graph import Graph
from strided.models.model import Model


class Sequential(Model):
    """A linear stack of layers.

    Args:
        layers: list of layers (a `keras.Input(...)` tensor may come first).
        trainable: whether training updates the weights.
        name: default "sequential", "sequential_1", ...

    Example:
        >>> model = Sequential([layers.Dense(8, activation="relu", input_shape=(4,)), layers.Dense(1)])
        >>> model.output_shape
        (None, 1)
    """

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._layers = []
        self._chain = []  # symbolic output of each connected non-input layer
        self._input_from_build = False  # True when build() (not the user) made the InputLayer
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    @property
    def layers(self):
        """The added layers, without the automatic InputLayer."""
        if self._layers and isinstance(self._layers[0], InputLayer):
            return self._layers[1:]
        return list(self._layers)

    def add(self, layer, rebuild=True):
        """Append a layer (or a `keras.Input(...)` tensor as the very first element)."""
        if isinstance(layer, KerasTensor) and layer._keras_history is not None:
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise ValueError(
                "Only instances of `keras.Layer` can be added to a Sequential model. "
                f"Received: {layer!r} (of type {type(layer).__name__})"
            )
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError(
                    f"Sequential model '{self.name}': an InputLayer (keras.Input) can only be the "
                    "first layer."
                )
        elif not self._layers and layer._batch_input_shape is not None:
            self._layers.append(InputLayer(batch_shape=layer._batch_input_shape))
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(
                f"All layers added to a Sequential model should have unique names. Name "
                f"'{layer.name}' is already the name of a layer in model '{self.name}'."
            )
        self._layers.append(layer)
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Remove and return the last layer."""
        if not self.layers:
            raise TypeError(f"Sequential model '{self.name}': there are no layers to pop.")
        layer = self._layers.pop()
        if self._graph is not None and len(self._chain) > len(self.layers):
            output = self._chain.pop()
            node = output._keras_history[0]._inbound_nodes[output._keras_history[1]]
            if layer._inbound_nodes and layer._inbound_nodes[-1] is node:
                layer._inbound_nodes.pop()
            for parent in node.parent_nodes:
                if node in parent.layer._outbound_nodes:
                    parent.layer._outbound_nodes.remove(node)
            if self._chain:
                self._set_graph(Graph(self._layers[0].output, self._chain[-1], self.name))
            else:
                self._graph = None
        return layer

    def _set_graph(self, graph):
        layers = self._layers
        super()._set_graph(graph)
        self._layers = layers

    def _maybe_rebuild(self):
        if self._layers and isinstance(self._layers[0], InputLayer) and len(self._layers) > 1:
            self._connect()
        elif self._graph is None and self._layers and getattr(self._layers[0], "_graph", None) is not None:
            first = self._layers[0]
            if len(first._graph.input_tensors) == 1:  # a functional model with a known input
                self._layers.insert(0, InputLayer(batch_shape=first.input_shape))
                self._connect()

    def _connect(self):
        """Call the not-yet-connected layers on symbolic tensors, extending the graph."""
        x = self._chain[-1] if self._chain else self._layers[0].output
        for layer in self.layers[len(self._chain):]:
            try:
                x = layer(x)
            except NotImplementedError:  # a layer that cannot infer shapes: stay eager
                return
            if not isinstance(x, KerasTensor):
                raise ValueError(
                    f"Sequential model '{self.name}': layer '{layer.name}' returned several "
                    "outputs; every layer of a Sequential model must return a single tensor. "
                    "Use the functional API for multi-output layers."
                )
            self._chain.append(x)
        self._set_graph(Graph(self._layers[0].output, x, self.name))

    def _maybe_build(self, input_shape):
        if self.built:
            return
        if isinstance(input_shape, tuple) and all(d is None or isinstance(d, int) for d in input_shape):
            self.build((None,) + tuple(input_shape[1:]))
        else:
            self.built = True
            self._build_shapes = input_shape

    def build(self, input_shape=None):
        """Build the stack for inputs of `input_shape` (batch axis included, e.g. (None, 784))."""
        if self._graph is not None:
            self.built = True
            return
        if not (self._layers and isinstance(self._layers[0], InputLayer)):
            if input_shape is None:
                raise ValueError(
                    f"Sequential model '{self.name}': build() needs an input_shape such as "
                    "(None, 28, 28, 1), or give the first layer input_shape=."
                )
            self._layers.insert(0, InputLayer(batch_shape=tuple(input_shape)))
            self._input_from_build = True
        if len(self._layers) > 1:
            self._connect()
        self.built = True
        if self._build_shapes is None:
            self._build_shapes = self._layers[0].batch_shape

    def call(self, inputs, training=None, mask=None):
        if self._graph is not None and not self._runs_eagerly_for(inputs):
            return self._graph.run(inputs)
        x = inputs
        for layer in self.layers:
            x = layer(x)
        return x

    def _runs_eagerly_for(self, inputs):
        """True for a model built from its first data when `inputs` have another shape."""
        if not self._input_from_build or not hasattr(inputs, "shape"):
            return False
        expected = self._layers[0].batch_shape
        shape = tuple(inputs.shape)
        return len(shape) != len(expected) or any(
            want is not None and want != got for want, got in zip(expected[1:], shape[1:]))

    def compute_output_shape(self, input_shape):
        if self._input_from_build and isinstance(input_shape, tuple):
            shape = input_shape
            for layer in self.layers:
                shape = layer.compute_output_shape(shape)
            return shape
        return super().compute_output_shape(input_shape)

    def _check_inputs(self, adapter, method):
        if self._input_from_build:  # the shape of the first data is not a contract (Keras)
            return
        super()._check_inputs(adapter, method)

    def get_config(self):
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "layers": [serialize(layer) for layer in self._layers],
        }
        if self._build_shapes is not None and not isinstance(self._build_shapes, dict):
            config["build_input_shape"] = list(self._build_shapes)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        layers = [deserialize(entry, custom_objects) for entry in config.get("layers", [])]
        model = cls(layers=layers, name=config.get("name"), trainable=config.get("trainable", True))
        shape = config.get("build_input_shape")
        if not model.built and shape is not None and all(d is None or isinstance(d, int) for d in shape):
            model.build(tuple(shape))
        return model


__all__ = ["Sequential"]
