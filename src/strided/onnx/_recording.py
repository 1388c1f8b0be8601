"""What a model computes, as a list of ops: one inference run recorded op by op.

ONNX export works like `torch.onnx.export`: run the model once on an example input and record
every `Function` it applies (`strided.autograd.trace`), then translate each recorded op into
ONNX nodes. Whatever builds the model (Sequential, functional, subclassed, `strided.torch`
modules) the ops are the same few dozen, so one translation table covers every model whose
ops it knows.

The run uses the plain ops: fusion and traced inference are switched off for its duration,
so a Conv2D + ReLU + MaxPooling2D block is recorded as its three ops.
"""

import contextlib

import numpy as np

from strided import _config
from strided.autograd import Tensor, no_grad
from strided.autograd.trace import Trace
from strided.autograd.variable import Variable


class RecordedOp:
    """One recorded op: its Function class, keyword parameters, inputs and output slot.

    Each input is ("slot", n) for a value computed from the model's input, or
    ("constant", array) for a weight, a scalar or anything computed from weights alone.
    """

    def __init__(self, function, params, inputs, slot):
        self.function, self.params, self.inputs, self.slot = function, params, inputs, slot

    @property
    def name(self):
        return self.function.__name__


@contextlib.contextmanager
def plain_ops():
    """Fusion and traced inference off inside the block (restored afterwards)."""
    fusion, traced = _config.fusion_enabled(), _config.traced_inference_enabled()
    _config.set_fusion(False)
    _config.set_traced_inference(False)
    try:
        yield
    finally:
        _config.set_fusion(fusion)
        _config.set_traced_inference(traced)


class _ShapeTrace(Trace):
    """A Trace that also notes the shape of every value it records."""

    def __init__(self):
        super().__init__()
        self.shapes = {}

    def record(self, cls, params, tensors, result):
        super().record(cls, params, tensors, result)
        self.shapes[self.input_count + len(self.steps) - 1] = tuple(result.shape)

    def slot_of(self, tensor):
        return self._slots.get(id(tensor))


def record(run, example):
    """Run `run(Tensor(example))` (a model's inference) and return (ops, output slots, output
    arrays, shapes by slot).

    Ops whose inputs are all constants (a depthwise kernel reshaped, a weight transposed) are
    evaluated here and become constants themselves: the exported graph only holds the ops
    that depend on the input.
    """
    trace = _ShapeTrace()
    x = Tensor(example)
    with plain_ops(), no_grad(), trace.recording(x):
        output = run(x)
    outputs = output if isinstance(output, (list, tuple)) else [output]
    slots = [trace.slot_of(t) for t in outputs]
    if any(slot is None for slot in slots):
        raise ValueError(
            "ONNX export: the model's output was not computed by strided ops from its input "
            "(a model returning its input unchanged, or a value made outside strided.ops)."
        )
    trace.shapes[0] = tuple(example.shape)
    ops = _fold_constants(trace)
    computed = {0} | {op.slot for op in ops}
    if any(slot not in computed for slot in slots):
        raise ValueError("ONNX export: the model's output does not depend on its input.")
    return ops, slots, [np.asarray(t.data) for t in outputs], trace.shapes


def _fold_constants(trace):
    constants = {}
    ops = []
    for index, (function, params, sources) in enumerate(trace.steps):
        slot = trace.input_count + index
        inputs = []
        for source in sources:
            if type(source) is int:
                inputs.append(("constant", constants[source]) if source in constants
                              else ("slot", source))
            else:
                array = source.data if isinstance(source, (Tensor, Variable)) else source
                inputs.append(("constant", np.asarray(array)))
        if all(kind == "constant" for kind, _ in inputs):
            op = function(**params) if params else function()
            op.needs_input_grad = (False,) * len(inputs)
            constants[slot] = np.asarray(op.forward(*[value for _, value in inputs]))
            continue
        ops.append(RecordedOp(function, params, inputs, slot))
    return ops
