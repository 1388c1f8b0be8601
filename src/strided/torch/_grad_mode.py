"""`no_grad`, `enable_grad`, `inference_mode`, `set_grad_enabled`: PyTorch's grad-mode
switches over strided's one recording flag (`strided.autograd.grad_mode`).

Each is a context manager and a decorator (`@torch.no_grad()` and `@torch.no_grad`), as in
PyTorch; `set_grad_enabled(False)` also works as a plain call.
"""

import functools

from strided.autograd import grad_mode


class _GradMode:
    """Set the recording flag to `self.enabled` inside the block; restore it after."""

    enabled = None

    def __new__(cls, *args):
        if args and callable(args[0]) and not isinstance(args[0], bool):  # bare decorator
            return cls()(args[0])
        instance = object.__new__(cls)
        instance._previous = []
        return instance

    def __enter__(self):
        self._previous.append(grad_mode.is_grad_enabled())
        grad_mode.set_grad_enabled(self.enabled)
        return self

    def __exit__(self, *exc):
        grad_mode.set_grad_enabled(self._previous.pop())
        return False

    def __call__(self, function):
        enabled = self.enabled

        @functools.wraps(function)
        def run(*args, **kwargs):
            switch = object.__new__(_GradMode)
            switch._previous, switch.enabled = [], enabled
            with switch:
                return function(*args, **kwargs)
        return run


class no_grad(_GradMode):  # noqa: N801 - PyTorch's name
    """Run without recording operations (inference, optimizer updates)."""

    enabled = False


class enable_grad(_GradMode):  # noqa: N801
    """Record operations again inside a `no_grad` block."""

    enabled = True


class inference_mode(_GradMode):  # noqa: N801
    """Like `no_grad` (strided has no separate inference tensors); `inference_mode(False)` records."""

    def __init__(self, mode=True):
        self.enabled = not mode


class set_grad_enabled(_GradMode):  # noqa: N801
    """Turn recording on or off: as a call it takes effect at once; as a context it is undone on exit."""

    def __init__(self, mode):
        self.enabled = bool(mode)
        self._previous.append(grad_mode.is_grad_enabled())
        grad_mode.set_grad_enabled(self.enabled)

    def __enter__(self):
        return self


def is_grad_enabled():
    return grad_mode.is_grad_enabled()


def is_inference_mode_enabled():
    return False
