"""Arithmetic on symbolic tensors: `x = inputs / 255.0` inside a functional model.

Keras 3 lets `+ - * / ** @` and unary minus act on KerasTensors. Each such expression
becomes a small `TensorOperation` layer in the graph, so the model records it, replays it
on real data, and saves it (the operator's name and a JSON constant, never code).
"""

import numpy as np

from strided import ops
from strided.layers.base import Layer
from strided.layers.keras_tensor import KerasTensor, set_operation_handler
from strided.layers.naming import auto_name

_FUNCTIONS = {
    "add": ops.add, "subtract": ops.subtract, "multiply": ops.multiply, "divide": ops.divide,
    "power": ops.power, "matmul": ops.matmul,
}


class TensorOperation(Layer):
    """`op(x, operand)` (or `op(operand, x)` when `reverse`) as a layer; no weights.

    Args:
        op: "add", "subtract", "multiply", "divide", "power", "matmul" or "negative".
        operand: a number or nested list used as the other argument; None when the other
            argument is a second input tensor.
        reverse: put the operand first (`255.0 - x`).

    Example:
        >>> inputs = Input(shape=(28, 28, 1))
        >>> scaled = inputs / 255.0          # a TensorOperation("divide", 255.0) node
    """

    def __init__(self, op, operand=None, reverse=False, **kwargs):
        if kwargs.get("name") is None and op in _FUNCTIONS.keys() | {"negative"}:
            kwargs["name"] = auto_name(op)
        super().__init__(**kwargs)
        if op not in _FUNCTIONS and op != "negative":
            raise ValueError(f"TensorOperation: unknown op {op!r}. Expected one of {sorted(_FUNCTIONS)} or 'negative'.")
        self.op, self.reverse = op, bool(reverse)
        self.operand = operand.tolist() if isinstance(operand, np.ndarray) else operand

    def call(self, inputs):
        if self.op == "negative":
            return ops.negative(inputs)
        if self.operand is None:
            first, second = inputs
        else:
            first = inputs
            second = np.asarray(self.operand, dtype=inputs.dtype)
        if self.reverse:
            first, second = second, first
        return _FUNCTIONS[self.op](first, second)

    def get_config(self):
        return {**super().get_config(), "op": self.op, "operand": self.operand, "reverse": self.reverse}


def apply_operation(op, tensor, other=None, reverse=False):
    """The KerasTensor for `tensor <op> other` (other: a KerasTensor, a number or an array)."""
    if op == "negative":
        return TensorOperation("negative")(tensor)
    if isinstance(other, KerasTensor):
        pair = [other, tensor] if reverse else [tensor, other]
        return TensorOperation(op)(pair)
    if isinstance(other, (int, float, np.integer, np.floating, list, np.ndarray)):
        return TensorOperation(op, operand=np.asarray(other).tolist(), reverse=reverse)(tensor)
    return NotImplemented


set_operation_handler(apply_operation)

__all__ = ["TensorOperation", "apply_operation"]
