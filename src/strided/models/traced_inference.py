"""Inference by replaying a trace: the model's kernels without the framework around them.

`predict`, `predict_on_batch` and `model(x)` under `no_grad()` call every layer in turn, and
each layer call checks its input, wraps arrays in Tensors and applies its ops: for one small
image that costs as much as the convolutions themselves. So the first inference call at a new
input shape runs layer by layer as always (checking everything, with clear errors) while an
`autograd.trace.Trace` records the ops applied; later calls at that shape replay the ops'
kernels on arrays (`Trace.replay`). This is what `tf.function` does for Keras' `predict`.

A replay reads the weights' current values, so it stays right while a model trains. It is
used only when nothing could tell the difference:
- no gradient is recorded (`no_grad()`, as in predict) and the call is not in training mode;
- every layer is a stock strided layer whose inference is the same ops for every input of a
  given shape (its class says so: `Layer._traceable_inference`), with no `call` patched on the
  instance (as `strided.viz` does to capture feature maps), no activity regularizer and a
  built-in activation;
- every layer is called with its inputs alone (and `training=False` at most).
`strided.set_traced_inference(False)` turns it off.

A trace is never stale: each call first checks, by identity, every attribute of the model's
layers (`LayerAttributes`, a few microseconds): when one was rebound since the last run
(`layer.activation = ...`, `layer.trainable = False`, a weight replaced by a new Variable),
the traces are dropped, and the graph's fused runs with them (`models.graph`). Adding layers
makes a new graph. Values changed in place (`set_weights`, `load_weights`, the optimizers,
`variable.assign`) need no check: a replay reads the weights' current arrays.
`strided.set_traced_inference(True)` also drops every trace kept.
"""

import operator
import threading

from strided import _config, activations
from strided.autograd import Tensor, is_grad_enabled
from strided.autograd.trace import Trace
from strided.layers import _call_context

MAX_SIGNATURES = 8  # input shapes remembered per model (a predict has at most two batch sizes)
_STOCK_ACTIVATIONS = {id(f) for f in vars(activations).values() if callable(f)}


class TracedInference:
    """The traces of one model graph (its `nodes`, in run order), by input shapes and dtypes."""

    def __init__(self, nodes):
        self.layers = [node.layer for node in nodes]
        self.traceable = all(_traceable_node(node) for node in nodes)
        self.traces = {}  # signature -> Trace, or None when the run could not be traced
        self.generation = _config.trace_generation()
        self._lock = threading.Lock()

    def applies(self):
        """Whether this call may use a trace (see the module's docstring)."""
        return (
            self.traceable and _config.traced_inference_enabled() and not is_grad_enabled()
            and not _call_context.current_training()
            and not any("call" in layer.__dict__ for layer in self.layers)
        )

    def run(self, tensors, run_layers):
        """Outputs (flat list of Tensors) for the flat input `tensors`.

        `run_layers()` is the graph's own layer-by-layer run; it runs (recorded) the first
        time a signature is seen, and whenever that signature could not be traced.
        """
        if self.generation != _config.trace_generation():  # set_traced_inference was called
            self.traces, self.generation = {}, _config.trace_generation()
        signature = (_config.fusion_enabled(),) + tuple((t.shape, t.dtype) for t in tensors)
        trace = self.traces.get(signature, False)
        if trace is False:
            return self._trace(signature, tensors, run_layers)
        if trace is None:
            return run_layers()
        return [Tensor(a, _copy=False) for a in trace.replay([t.data for t in tensors])]

    def _trace(self, signature, tensors, run_layers):
        if len(self.traces) >= MAX_SIGNATURES or not self._lock.acquire(blocking=False):
            return run_layers()  # another thread is tracing, or too many shapes seen
        try:
            trace = Trace()
            with trace.recording(*tensors):
                outputs = run_layers()
            self.traces[signature] = trace if trace.finish(*outputs) else None
            return outputs
        finally:
            self._lock.release()


class LayerAttributes:
    """Notices when an attribute of any of `layers` is rebound (compared by identity).

    `changed()` says whether anything was rebound since the last `remember()` (or since
    this was made); a run of the layers themselves calls `remember()` after it, so that what
    layers set while building or calling is not taken for the user's change.
    """

    def __init__(self, layers):
        self.layers = list(layers)
        self.remember()

    def _values(self):
        return [value for layer in self.layers for value in vars(layer).values()]

    def remember(self):
        self.values = self._values()

    def changed(self):
        values = self._values()
        return len(values) != len(self.values) or not all(map(operator.is_, values, self.values))


def _traceable_node(node):
    layer = node.layer
    owner = next(c for c in type(layer).__mro__ if "call" in c.__dict__)
    return (
        "_traceable_inference" in owner.__dict__ and layer._traceable_inference
        and node.is_plain_call and not node.call_kwargs.get("training")
        and getattr(layer, "activity_regularizer", None) is None
        and id(getattr(layer, "activation", activations.linear)) in _STOCK_ACTIVATIONS
    )
