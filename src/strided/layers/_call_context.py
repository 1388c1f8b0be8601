"""Which layer call is running, and in which mode (training or inference).

Keras propagates `training` from the outer call to every inner layer that was called
without it: `model(x, training=True)` makes the Dropout inside a subclassed model's
`call` active even though `call` wrote `self.dropout(x)`. A thread-local stack does that.
"""

import threading

from strided.layers.keras_tensor import flatten

_state = threading.local()


def _stack():
    if not hasattr(_state, "stack"):
        _state.stack = []
    return _state.stack


def current_training():
    """The `training` value of the innermost running layer call (None outside any call)."""
    stack = _stack()
    return stack[-1][1] if stack else None


class scope:  # noqa: N801 (used as a function: `with scope(layer, training) as outermost`)
    """Mark `layer` as running in mode `training`; `as` gives True for the outermost call.

    A class rather than a generator-based context manager: it runs at every layer call.
    """

    __slots__ = ("entry",)

    def __init__(self, layer, training):
        self.entry = (layer, training)

    def __enter__(self):
        stack = _stack()
        stack.append(self.entry)
        return len(stack) == 1

    def __exit__(self, *exc):
        _stack().pop()


def note_added_loss():
    """Record that some layer called `add_loss` (so the next outermost call clears losses)."""
    _state.losses_added = True


def take_added_losses():
    """Whether `add_loss` was called since the last check; resets the flag."""
    added = getattr(_state, "losses_added", False)
    _state.losses_added = False
    return added


def describe_inputs(inputs):
    tensors = [t for t in flatten(inputs) if hasattr(t, "shape")]
    if len(tensors) == 1:
        return f"input shape {tuple(tensors[0].shape)}, {tensors[0].dtype}"
    shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
    dtypes = sorted({str(t.dtype) for t in tensors})
    return f"input shapes [{shapes}], {'/'.join(dtypes)}"


def with_layer_context(error, layer, inputs):
    """The same exception type, its message prefixed once with the layer and its inputs."""
    if getattr(error, "_strided_layer_context", False):
        return error
    message = f"Error in {type(layer).__name__} '{layer.name}' ({describe_inputs(inputs)}): {error}"
    try:
        new_error = type(error)(message)
    except Exception:
        error.add_note(message)
        error._strided_layer_context = True
        return error
    new_error._strided_layer_context = True
    return new_error.with_traceback(error.__traceback__)
