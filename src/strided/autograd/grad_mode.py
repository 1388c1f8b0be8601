"""Whether operations record themselves on the tape (`no_grad` turns recording off)."""

import contextlib
import threading

_state = threading.local()


def is_grad_enabled():
    """True while new operations record how to differentiate themselves."""
    return getattr(_state, "enabled", True)


def set_grad_enabled(enabled):
    _state.enabled = bool(enabled)


@contextlib.contextmanager
def no_grad():
    """Run a block without recording: faster inference and no graph kept in memory.

    >>> with no_grad():
    ...     y = model(x)          # y.requires_grad is False
    """
    previous = is_grad_enabled()
    set_grad_enabled(False)
    try:
        yield
    finally:
        set_grad_enabled(previous)


@contextlib.contextmanager
def enable_grad():
    """Turn recording back on inside a `no_grad` block."""
    previous = is_grad_enabled()
    set_grad_enabled(True)
    try:
        yield
    finally:
        set_grad_enabled(previous)
