"""Which kernels the ops run: the reference forms or the fast ones, chosen in this one place.

    strided.set_kernels("reference")          # every op, every model, from now on
    strided.get_kernels()                     # -> "reference"
    with strided.kernels_used("reference"):   # only inside the block (then the previous set)
        model.fit(x, y)

The two sets (`kernels.fast_set`, the default, and `kernels.reference_set`, the textbook forms
of `kernels.reference`) offer the same names with the same signatures: the ops' kernel
interface. An op asks `kernel_set()` for the set once in its forward pass, keeps it, and runs
its backward pass on the same set, so switching between the two passes is harmless. Fused ops
(conv + ReLU + max pooling, batch norm + ReLU, Dense + ReLU) run, in the reference set, as the
composition of their parts' references. Traced inference replays the ops' forward passes, so
it follows the setting too.

The setting is process-wide (every thread of strided's kernels sees it) and starts as
"fast" at every import: nothing happens at import time.
"""

import contextlib

from strided.kernels import fast_set, reference_set

_SETS = {"fast": fast_set, "reference": reference_set}
_chosen = "fast"


def set_kernels(name):
    """Run every op on the kernels `name`: "fast" (the default) or "reference"."""
    global _chosen
    if name not in _SETS:
        raise ValueError(f"set_kernels: expected one of {sorted(_SETS)}, received {name!r}")
    _chosen = name


def get_kernels():
    """The name of the kernels the ops run on: "fast" or "reference"."""
    return _chosen


@contextlib.contextmanager
def kernels_used(name):
    """Run the block's ops on the kernels `name`, then go back to the previous setting."""
    previous = _chosen
    set_kernels(name)
    try:
        yield
    finally:
        set_kernels(previous)


def kernel_set():
    """The module of the chosen kernels (`kernels.fast_set` or `kernels.reference_set`)."""
    return _SETS[_chosen]
