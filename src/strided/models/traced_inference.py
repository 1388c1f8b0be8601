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

Like a `tf.function`, a trace does not see Python-side changes made after its first call at a
shape: replacing a layer's attribute (`layer.activation = ...`) or a weight object (rather
than its values, which `set_weights`, `load_weights` and the optimizers all change in place).
After such surgery, call `strided.set_traced_inference(True)`: it drops every trace kept.
"""

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


def _traceable_node(node):
    layer = node.layer
    owner = next(c for c in type(layer).__mro__ if "call" in c.__dict__)
    return (
        "_traceable_inference" in owner.__dict__ and layer._traceable_inference
        and node.is_plain_call and not node.call_kwargs.get("training")
        and getattr(layer, "activity_regularizer", None) is None
        and id(getattr(layer, "activation", activations.linear)) in _STOCK_ACTIVATIONS
    )
