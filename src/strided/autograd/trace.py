"""Record the Functions a computation applies, then replay them on new arrays.

Running a model layer by layer costs more than its kernels when the batch is small: every
layer call checks its arguments, wraps arrays in Tensors and goes through `Function.apply`
(one 28x28 image through the lessons' CNN: about 90 microseconds of that, for 110 of
kernels). A `Trace` records what such a run did, one entry per `Function.apply`:

    (the Function's class, its parameters, where each input came from)

where an input is one of the run's inputs, the output of an earlier entry, a weight (a
Variable) or a scalar constant. `replay(arrays)` then calls `forward` of each entry in turn
on plain arrays: the same kernels, with none of the framework around them.

Like tinygrad's TinyJit or `torch.jit.trace`, a trace sees new values of the weights (it
reads them at each replay) but not other choices made in Python: a replay is valid only for
inputs of the shapes and dtypes traced, and only for code that would apply the same
Functions with the same parameters to every such input. `strided.models` traces only the
layers it knows to be like that (see `Layer._traceable_inference`), and only for inference.
As a safety net, a run that gives an op an array parameter or a constant array other than a
weight or a scalar (a mask computed from the data, say) is not replayed.
"""

import threading

import numpy as np

from strided.autograd.tensor import Tensor
from strided.autograd.variable import Variable

_recording = threading.local()  # .trace: the Trace recording in this thread, if any


def active():
    """The Trace recording in this thread, or None."""
    return getattr(_recording, "trace", None)


class Trace:
    """The Functions applied inside `recording(*inputs)`, in order; `finish(*outputs)` ends it.

    Example:
        >>> trace = Trace()
        >>> with trace.recording(x):                 # x: a Tensor
        ...     y = ops.relu(x * w)                    # w: a Variable
        >>> trace.finish(y)
        >>> trace.replay([new_x])                  # [relu(new_x * w.data)], as arrays
    """

    def __init__(self):
        self.steps = []  # (Function class, params, inputs: slot numbers or held Tensors)
        self.outputs = ()  # slot numbers of the results
        self.input_count = 0
        self.replayable = True
        self._slots = {}  # id(Tensor) -> slot number, while recording
        self._seen = []  # every Tensor recorded, so that no id is reused meanwhile

    def recording(self, *inputs):
        """Context manager: record the Functions applied in this thread; `inputs` are slots 0..."""
        self.input_count = len(inputs)
        for tensor in inputs:
            self._slot_for(tensor, len(self._slots))
        return _Recording(self)

    def record(self, cls, params, tensors, result):
        """One `Function.apply`: cls(**params).forward on `tensors` gave `result` (called by it)."""
        sources = [self._slots.get(id(t), t) for t in tensors]
        if any(not _may_hold(s) for s in sources) or any(
            isinstance(value, (np.ndarray, Tensor)) for value in params.values()
        ):
            self.replayable = False
        self._seen.extend(tensors)
        self.steps.append((cls, params, sources))
        self._slot_for(result, self.input_count + len(self.steps) - 1)

    def finish(self, *outputs):
        """Name the results; False (and nothing to replay) when the run cannot be replayed:
        a result not made by the recorded ops, or an op given an array that may have been
        computed from the data outside any op (see `_may_hold`)."""
        slots = [self._slots.get(id(t)) for t in outputs]
        self._slots, self._seen = {}, []
        if not self.replayable or any(slot is None for slot in slots):
            self.steps = []
            return False
        self.outputs = tuple(slots)
        self._plan = [((False,) * len(sources), done)
                      for (_, _, sources), done in zip(self.steps, self._last_uses())]
        return True

    def replay(self, arrays):
        """The outputs for new input arrays (same shapes and dtypes as traced), as arrays.

        Each step's `forward` runs on a fresh Function that needs no gradient (it keeps
        nothing for a backward pass); a held tensor's current `.data` is read now; an
        intermediate array is released after its last use.
        """
        values = list(arrays) + [None] * len(self.steps)
        slot = self.input_count
        for (cls, params, sources), (no_gradient, done) in zip(self.steps, self._plan):
            function = cls(**params) if params else cls()
            function.needs_input_grad = no_gradient
            output = function.forward(
                *[values[s] if type(s) is int else s.data for s in sources]
            )
            values[slot] = output if isinstance(output, np.ndarray) else np.asarray(output)
            for used in done:
                values[used] = None
            slot += 1
        return [values[s] for s in self.outputs]

    def _last_uses(self):
        """For each step, the slots (not results) it is the last to read: freed right after it."""
        last = {}
        for index, (_, _, sources) in enumerate(self.steps):
            for source in sources:
                if type(source) is int:
                    last[source] = index
        done = [[] for _ in self.steps]
        for source, index in last.items():
            if source not in self.outputs:
                done[index].append(source)
        return done

    def _slot_for(self, tensor, slot):
        self._seen.append(tensor)
        self._slots[id(tensor)] = slot


def _may_hold(source):
    """Whether a replay may use this op input as recorded: a slot, a weight (whose current
    value is read), or a scalar constant. Any other array (a mask, a statistic) may have
    been computed from the traced input outside the ops, and would be stale."""
    return type(source) is int or isinstance(source, Variable) or source.data.ndim == 0


class _Recording:
    def __init__(self, trace):
        self.trace = trace

    def __enter__(self):
        if active() is not None:
            raise RuntimeError("A Trace is already recording in this thread.")
        _recording.trace = self.trace
        return self.trace

    def __exit__(self, *exc):
        _recording.trace = None


