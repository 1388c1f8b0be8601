"""`Functional`: the model `keras.Model(inputs, outputs)` returns (Keras' functional API).

    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    outputs = layers.Dense(10, activation="softmax")(layers.Flatten()(x))
    model = keras.Model(inputs, outputs)            # a Functional

The graph (branches, merges such as Add/Concatenate, several inputs/outputs) lives in
`Graph`; this file adds how the graph is written to and read from a JSON config: each layer
with its config and, for each call ("node"), which tensors it was called on, named by
(layer name, node index, tensor index) as in Keras.
"""

from strided.layers import tensor_operation  # noqa: F401  (registers TensorOperation for loading)
from strided.layers.keras_tensor import KerasTensor, flatten, map_structure
from strided.layers.registry import deserialize, serialize
from strided.models.model import Model

_TENSOR_MARK = "__keras_tensor__"


class Functional(Model):
    """A model defined by symbolic `inputs` and `outputs` (see `Model`).

    Args:
        inputs: a KerasTensor from `keras.Input`, or a list/dict of them.
        outputs: KerasTensor(s) computed from the inputs by calling layers.
        name: default "functional", "functional_1", ...

    Example:
        >>> inputs = Input(shape=(4,))
        >>> model = Model(inputs, layers.Dense(2)(inputs))
        >>> model.predict(np.zeros((3, 4))).shape
        (3, 2)
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(inputs=inputs, outputs=outputs, name=name, trainable=trainable, **kwargs)

    def get_config(self):
        return graph_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        inputs, outputs, _ = rebuild_graph(config, custom_objects)
        return cls(inputs=inputs, outputs=outputs, name=config.get("name"),
                   trainable=config.get("trainable", True))


Model._functional_class = Functional  # what `Model(inputs, outputs)` makes (see Model.__new__)


def graph_config(model):
    """JSON-ready description of `model`'s graph: layers, their calls, inputs and outputs."""
    graph = model._graph
    node_ids = {id(node) for node in graph.all_nodes}
    local_index = {}  # id(node) -> index among that layer's nodes inside this model
    for layer in graph.layers:
        kept = [node for node in layer._inbound_nodes if id(node) in node_ids]
        for index, node in enumerate(kept):
            local_index[id(node)] = index

    def reference(tensor):
        layer, node_index, tensor_index = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        return [layer.name, local_index[id(node)], tensor_index]

    def encode(value):
        if isinstance(value, KerasTensor):
            return {"class_name": _TENSOR_MARK,
                    "config": {"shape": list(value.shape), "dtype": value.dtype,
                               "keras_history": reference(value)}}
        return value

    layer_configs = []
    for layer in graph.layers:
        entry = serialize(layer)
        entry["name"] = layer.name
        nodes = [node for node in layer._inbound_nodes if id(node) in node_ids and not node.is_input]
        entry["inbound_nodes"] = [
            {"args": [map_structure(encode, node.arguments)] + [map_structure(encode, a) for a in node.extra_args],
             "kwargs": {k: map_structure(encode, v) for k, v in node.call_kwargs.items()}}
            for node in nodes
        ]
        layer_configs.append(entry)
    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layer_configs,
        "input_layers": map_structure(reference, graph.inputs),
        "output_layers": map_structure(reference, graph.outputs),
    }


def rebuild_graph(config, custom_objects=None):
    """Recreate the layers of a `graph_config` and replay their calls.

    Returns (inputs, outputs, layers_by_name). Only registered classes are created.
    """
    layers, pending, tensors = {}, [], {}
    for entry in config["layers"]:
        layer = deserialize(entry, custom_objects)
        name = entry.get("name", layer.name)
        layers[name] = layer
        if not entry.get("inbound_nodes"):
            for index, tensor in enumerate(flatten(layer._inbound_nodes[0].outputs) if layer._inbound_nodes else []):
                tensors[(name, 0, index)] = tensor
        pending.append([name, layer, list(entry.get("inbound_nodes", [])), 0])

    def decode(value):
        if isinstance(value, dict) and value.get("class_name") == _TENSOR_MARK:
            return tensors[tuple(value["config"]["keras_history"])]
        return value

    def ready(value):
        if isinstance(value, dict) and value.get("class_name") == _TENSOR_MARK:
            return tuple(value["config"]["keras_history"]) in tensors
        if isinstance(value, dict):
            return all(ready(v) for v in value.values())
        if isinstance(value, (list, tuple)):
            return all(ready(v) for v in value)
        return True

    progress = True
    while progress and any(item[2] for item in pending):
        progress = False
        for item in pending:
            name, layer, nodes, done = item
            while nodes and ready(nodes[0]):
                node = nodes.pop(0)
                args = [_decode_structure(a, decode) for a in node.get("args", [])]
                kwargs = {k: _decode_structure(v, decode) for k, v in node.get("kwargs", {}).items()}
                outputs = layer(*args, **kwargs)
                for index, tensor in enumerate(flatten(outputs)):
                    tensors[(name, done, index)] = tensor
                done += 1
                item[3] = done
                progress = True
    stuck = [item[0] for item in pending if item[2]]
    if stuck:
        raise ValueError(f"Invalid model config: could not reconnect layers {stuck} (missing inputs).")

    def lookup(ref):
        key = tuple(ref)
        if key not in tensors:
            raise ValueError(f"Invalid model config: no tensor {list(key)}.")
        return tensors[key]

    inputs = _map_references(config["input_layers"], lookup)
    outputs = _map_references(config["output_layers"], lookup)
    return inputs, outputs, layers


def _is_reference(value):
    return (isinstance(value, (list, tuple)) and len(value) == 3 and isinstance(value[0], str)
            and isinstance(value[1], int) and isinstance(value[2], int))


def _map_references(structure, fn):
    if _is_reference(structure):
        return fn(structure)
    if isinstance(structure, dict):
        return {k: _map_references(v, fn) for k, v in structure.items()}
    return [_map_references(v, fn) for v in structure]


def _decode_structure(value, decode):
    if isinstance(value, dict) and value.get("class_name") == _TENSOR_MARK:
        return decode(value)
    if isinstance(value, dict):
        return {k: _decode_structure(v, decode) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_structure(v, decode) for v in value]
    return value


__all__ = ["Functional"]
