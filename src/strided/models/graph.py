"""The graph of a functional model: found from its outputs, replayed on real data.

`Graph(inputs, outputs)` walks back from each output `KerasTensor` through the `Node`s
recorded when layers were called on symbolic tensors, until it reaches the given inputs.
The result is the list of nodes in topological order; `run(values)` calls each node's layer
on real tensors in that order (a Conv2D(relu) feeding only a MaxPooling2D, or a Conv2D feeding
only a BatchNormalization, runs together with it as one op: `strided.models.fusion`). Inputs may be any symbolic tensors, so a model can be cut
out of another one: `Model(model.inputs, [layer.output for layer in model.layers])`.
"""

from strided import _config
from strided.autograd import Tensor
from strided.layers.input_layer import InputLayer
from strided.layers.keras_tensor import KerasTensor, flatten, map_structure, pack_like
from strided.models import fusion
from strided.models.input_shapes import adjust_input
from strided.models.traced_inference import LayerAttributes, TracedInference


class Graph:
    """Nodes between `inputs` and `outputs` (KerasTensors or nested lists/dicts of them)."""

    def __init__(self, inputs, outputs, model_name="model"):
        self.model_name = model_name
        self.inputs = _check_keras_tensors(inputs, "inputs", model_name)
        self.outputs = _check_keras_tensors(outputs, "outputs", model_name)
        self.input_tensors = flatten(self.inputs)
        self.output_tensors = flatten(self.outputs)
        if len({id(t) for t in self.input_tensors}) != len(self.input_tensors):
            raise ValueError(f"Model '{model_name}': the same tensor appears twice in `inputs`.")
        self.nodes = self._nodes_in_order()
        self.depths = self._node_depths()
        self.layers = self._ordered_layers()
        self._groups = {}  # fusion on/off -> fused runs of layers (see `_fused_groups`)
        self._traced = TracedInference(self.nodes)
        self._attributes = LayerAttributes([node.layer for node in self.nodes])

    # ------------------------------------------------------------------- discovery
    def _nodes_in_order(self):
        input_ids = {id(t) for t in self.input_tensors}
        order, done, on_path = [], set(), set()
        for output in self.output_tensors:
            stack = [(output, False)]
            while stack:
                tensor, expanded = stack.pop()
                if id(tensor) in input_ids:
                    continue
                node = _node_of(tensor)
                if expanded:
                    on_path.discard(id(node))
                    if id(node) not in done:
                        done.add(id(node))
                        order.append(node)
                    continue
                if id(node) in done:
                    continue
                if node.is_input:
                    raise ValueError(self._disconnected_message(tensor, node, order))
                if id(node) in on_path:
                    raise ValueError(f"Model '{self.model_name}': the layer graph has a cycle at '{node.layer.name}'.")
                on_path.add(id(node))
                stack.append((tensor, True))
                for parent in reversed(node.input_tensors):
                    stack.append((parent, False))
        return order

    def _disconnected_message(self, tensor, node, order):
        known = sorted({n.layer.name for n in order})
        inputs = ", ".join(t.name for t in self.input_tensors)
        return (
            f"Graph disconnected in model '{self.model_name}': cannot obtain the value of tensor "
            f"{tensor.name} (shape {tensor.shape}) from input layer '{node.layer.name}', which is "
            f"not one of the model's inputs [{inputs}]. Pass it in `inputs=`, or build the model "
            f"from the Input it was computed from. Layers reached without issue: {known}."
        )

    def _node_depths(self):
        """Keras' depth: output nodes 0, each parent at least one deeper than its children."""
        depths = {}
        input_nodes = [_node_of(t) for t in self.input_tensors]
        for node in reversed(self.nodes):
            depth = depths.setdefault(id(node), 0)
            for parent in node.parent_nodes:
                depths[id(parent)] = max(depth + 1, depths.get(id(parent), 0))
        for node in input_nodes:
            depths.setdefault(id(node), max(depths.values(), default=-1) + 1)
        return depths

    def _ordered_layers(self):
        input_nodes = [_node_of(t) for t in self.input_tensors]
        position = {id(n): i for i, n in enumerate(input_nodes + self.nodes)}
        ranked = sorted(input_nodes + self.nodes, key=lambda n: (-self.depths[id(n)], position[id(n)]))
        layers, seen = [], set()
        for node in ranked:
            if id(node.layer) not in seen:
                seen.add(id(node.layer))
                layers.append(node.layer)
        return layers

    @property
    def all_nodes(self):
        """Input nodes first, then every computing node, in run order."""
        return [_node_of(t) for t in self.input_tensors] + self.nodes

    def is_sequential_like(self):
        """A single chain with no merges or shared layers (summary then omits 'Connected to')."""
        per_depth = {}
        for node in self.all_nodes:
            per_depth.setdefault(self.depths[id(node)], []).append(node)
        if any(len(v) > 1 or len(v[0].input_tensors) > 1 for v in per_depth.values()):
            return False
        layers = [n.layer for n in self.all_nodes]
        return len({id(layer) for layer in layers}) == len(layers)

    # ------------------------------------------------------------------------ running
    def run(self, inputs):
        """Values of the outputs for real `inputs` (same nesting as the model's inputs).

        For inference, calls after the first at a given input shape replay the ops it applied
        (`strided.models.traced_inference`): the same numbers, much less Python per layer.
        """
        tensors = self._match_inputs(inputs)
        if self._attributes.changed():  # a layer's attribute rebound since the last run: the
            self._groups, self._traced = {}, TracedInference(self.nodes)  # fusions and traces go
        if self._traced.applies() and all(isinstance(t, Tensor) for t in tensors):
            outputs = self._traced.run(tensors, lambda: self._run_layers(tensors))
        else:
            outputs = self._run_layers(tensors)
        if isinstance(self.outputs, KerasTensor):
            return outputs[0]
        return pack_like(self.outputs, outputs)

    def _run_layers(self, tensors):
        """The flat outputs, each node's layer called in turn (fused runs as one op)."""
        try:
            return self._call_layers(tensors)
        finally:  # what the layers set on themselves (building, say) is not a change to react to
            self._attributes.remember()

    def _call_layers(self, tensors):
        values = {id(tensor): value for tensor, value in zip(self.input_tensors, tensors)}
        groups = self._fused_groups()
        skipped = {id(node) for group in groups.values() for node in group[:-1]}
        for node in self.nodes:
            def value_of(x):
                return values[id(x)] if isinstance(x, KerasTensor) else x

            if id(node) in skipped:  # computed together with the last layer of its run, below
                continue
            if id(node) in groups:
                group = groups[id(node)]
                values[id(node.output_tensors[0])] = fusion.run_group(group, value_of(group[0].arguments))
                continue
            arguments = map_structure(value_of, node.arguments)
            extra = [map_structure(value_of, a) for a in node.extra_args]
            kwargs = {k: map_structure(value_of, v) for k, v in node.call_kwargs.items()}
            result = node.layer(arguments, *extra, **kwargs)
            flat = flatten(result)
            if len(flat) != len(node.output_tensors):
                raise ValueError(
                    f"Layer '{node.layer.name}' returned {len(flat)} outputs, but returned "
                    f"{len(node.output_tensors)} when the model was defined."
                )
            for tensor, value in zip(node.output_tensors, flat):
                values[id(tensor)] = value
        return [values[id(t)] for t in self.output_tensors]

    def _fused_groups(self):
        enabled = _config.fusion_enabled()
        if enabled not in self._groups:
            self._groups[enabled] = fusion.fused_groups(self.nodes, self.output_tensors)
        return fusion.unpatched(self._groups[enabled])

    def _match_inputs(self, inputs):
        if len(self.input_tensors) == 1 and isinstance(inputs, Tensor):  # the common case
            expected = self.input_tensors[0]
            if inputs.shape[1:] == expected.shape[1:] and inputs.ndim == len(expected.shape):
                return [inputs]
            return [adjust_input(inputs, expected, 0, self.model_name)]
        if isinstance(inputs, dict) and not isinstance(self.inputs, dict):
            by_name = {_input_name(t): t for t in self.input_tensors}
            missing = [name for name in by_name if name not in inputs]
            if missing:
                raise ValueError(
                    f"Model '{self.model_name}': missing input(s) {missing} in the dict of "
                    f"inputs (keys: {sorted(inputs)})."
                )
            flat = [inputs[_input_name(t)] for t in self.input_tensors]
        else:
            if isinstance(inputs, (list, tuple)) and len(self.input_tensors) == 1 and not isinstance(
                self.inputs, (list, tuple)
            ) and len(inputs) == 1:
                inputs = inputs[0]
            flat = flatten(inputs)
        if len(flat) != len(self.input_tensors):
            raise ValueError(
                f"Model '{self.model_name}' expects {len(self.input_tensors)} input(s) "
                f"{[t.shape for t in self.input_tensors]}, but received {len(flat)} array(s)."
            )
        return [adjust_input(value, t, i, self.model_name) for i, (value, t) in enumerate(zip(flat, self.input_tensors))]


def _node_of(tensor):
    layer, node_index, _ = tensor._keras_history
    return layer._inbound_nodes[node_index]


def _input_name(tensor):
    layer = tensor._keras_history[0]
    return layer.name if isinstance(layer, InputLayer) else tensor.name


def _check_keras_tensors(structure, argument, model_name):
    for item in flatten(structure):
        if not isinstance(item, KerasTensor) or item._keras_history is None:
            raise TypeError(
                f"Model '{model_name}': all `{argument}` must be symbolic tensors made with "
                f"keras.Input(...) and layer calls. Received {argument} containing {item!r:.100} "
                f"of type {type(item).__name__}."
            )
    if isinstance(structure, tuple):
        structure = list(structure)
    return structure


__all__ = ["Graph"]
