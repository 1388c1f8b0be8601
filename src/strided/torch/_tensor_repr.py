"""How a tensor prints: PyTorch's number formats (`tensor([1.0000e-05, 1.0000e+00])`) and `grad_fn`."""

import numpy as np


class GradFn:
    """A read-only view of the engine Function that made a tensor (PyTorch's `tensor.grad_fn`)."""

    def __init__(self, function):
        self.function = function

    def name(self):
        return type(self.function).__name__ + "Backward"

    @property
    def next_functions(self):
        """((GradFn or None, 0), ...) for each input, as PyTorch's (None for a leaf)."""
        return tuple((GradFn(t._creator) if t._creator is not None else None, 0) for t in self.function.inputs)

    def __eq__(self, other):
        return isinstance(other, GradFn) and other.function is self.function

    def __hash__(self):
        return id(self.function)

    def __repr__(self):
        return f"<{self.name()} object at {id(self.function):#x}>"


def format_values(data):
    """PyTorch's layout of the values: one format for all elements, right-aligned to one width."""
    if data.size == 0:
        return "[]" if data.ndim <= 1 else f"size={tuple(data.shape)}"
    if data.dtype.kind == "f":
        finite = np.abs(data[np.isfinite(data)])
        nonzero = finite[finite != 0]
        if nonzero.size and (nonzero.max() >= 1e8 or nonzero.min() < 1e-4):
            text = lambda v: f"{v:.4e}"  # noqa: E731
        elif finite.size == 0 or np.all(finite == np.round(finite)):
            text = lambda v: f"{v:.0f}." if np.isfinite(v) else str(v)  # noqa: E731
        else:
            text = lambda v: f"{v:.4f}"  # noqa: E731
    elif data.dtype.kind == "b":
        text = str
    else:
        text = lambda v: str(int(v)) if data.dtype.kind in "iu" else str(v)  # noqa: E731
    flat = data.reshape(-1)
    width = max(len(text(v)) for v in (flat if flat.size <= 1000 else flat[:1000]))
    return np.array2string(data, separator=", ", prefix="tensor(", threshold=1000,
                           formatter={"all": lambda v: f"{text(v):>{width}}"})
