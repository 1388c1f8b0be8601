"""`Function`: one differentiable operation, its forward and its backward side by side.

A Function works on plain NumPy arrays. `forward(*arrays)` computes the result and keeps
only what `backward` will need (Chainer's `retain_inputs`, tinygrad's `save_for_backward`);
`backward(grad_output)` returns the vector-Jacobian product, one gradient per input, and
may return None for an input nobody asked a gradient of (see `self.needs_input_grad`).

`Function.apply(*inputs, **params)` runs it on Tensors and, when gradients are being
recorded, links the result to its inputs: that link is the tape. (While a `trace.Trace`
records, it also notes the call, to replay it later on new arrays.)
"""

import numpy as np

from strided.autograd import trace
from strided.autograd.grad_mode import is_grad_enabled
from strided.autograd.tensor import Tensor


class Function:
    """Base class of every differentiable op; subclasses define `forward` and `backward`."""

    needs_input_grad = ()
    inputs = ()

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, grad_output):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **params):
        function = cls(**params) if params else cls()
        tensors = [x if isinstance(x, Tensor) else Tensor(x) for x in inputs]
        arrays = [t.data for t in tensors]
        function.needs_input_grad = tuple(t.requires_grad for t in tensors)
        record = is_grad_enabled() and any(function.needs_input_grad)
        output = function.forward(*arrays)
        if not isinstance(output, np.ndarray):
            output = np.asarray(output)
        result = Tensor(output, requires_grad=record, _copy=False)
        if record:
            function.inputs = tensors
            result._creator = function
        recording = trace.active()
        if recording is not None:
            recording.record(cls, params, tensors, result)
        return result

    @property
    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<Function {self.name}>"
