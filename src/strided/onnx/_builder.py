"""A small helper that collects ONNX nodes and constants while ops are translated."""

import numpy as np


class GraphBuilder:
    """Nodes in order, constants as initializers, fresh value names.

    `value(input)` gives the ONNX name of a recorded op input: the slot's value, or a new
    initializer for a constant array.
    """

    def __init__(self, helper, numpy_helper):
        self.helper, self.numpy_helper = helper, numpy_helper
        self.nodes, self.initializers = [], []
        self._count = 0

    def fresh(self, hint="t"):
        self._count += 1
        return f"{hint}_{self._count}"

    def constant(self, array, hint="const"):
        name = self.fresh(hint)
        self.initializers.append(self.numpy_helper.from_array(np.asarray(array), name))
        return name

    def value(self, source):
        kind, payload = source
        return f"v{payload}" if kind == "slot" else self.constant(payload)

    def node(self, op_type, inputs, outputs=None, **attributes):
        """Append one node; returns its (first) output name."""
        outputs = outputs or [self.fresh(op_type.lower())]
        self.nodes.append(self.helper.make_node(op_type, list(inputs), list(outputs),
                                                **attributes))
        return outputs[0]

    def int64s(self, values):
        return self.constant(np.asarray(values, dtype=np.int64), "shape")
