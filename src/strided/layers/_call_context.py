"""Which layer call is running, and in which mode (training or inference).

Keras propagates `training` from the outer call to every inner layer that was called
without it: `model(x, training=True)` makes the Dropout inside a subclassed model's
`call` active even though `call` wrote `self.dropout(x)`. A thread-local stack does that.
"""

import contextlib
import threading

_state = threading.local()


def _stack():
    if not hasattr(_state, "stack"):
        _state.stack = []
    return _state.stack


def current_training():
    """The `training` value of the innermost running layer call (None outside any call)."""
    stack = _stack()
    return stack[-1][1] if stack else None


@contextlib.contextmanager
def scope(layer, training):
    """Mark `layer` as running in mode `training`; yields True for the outermost call."""
    stack = _stack()
    stack.append((layer, training))
    try:
        yield len(stack) == 1
    finally:
        stack.pop()


def note_added_loss():
    """Record that some layer called `add_loss` (so the next outermost call clears losses)."""
    _state.losses_added = True


def take_added_losses():
    """Whether `add_loss` was called since the last check; resets the flag."""
    added = getattr(_state, "losses_added", False)
    _state.losses_added = False
    return added
