"""A cap on how many weight values layers may create while a model is rebuilt from a file.

A `.keras` file of 9 KB can declare `Dense(units=2**26)`; building it would allocate
gigabytes before the weights are even compared with the file's. `load_model` therefore builds
inside `weight_budget(values, source)`: the number of values the file actually stores plus a
margin. `Layer.add_weight` calls `charge` before allocating; going over the budget raises
FileFormatError naming the file, the layer and the weight. Outside a budget `charge` does
nothing, so ordinary model building is unchanged.
"""

import contextlib
import threading

from strided.errors import file_format_error

_state = threading.local()


@contextlib.contextmanager
def weight_budget(stored, source, margin=0):
    """Within the block, layers may create at most `stored + margin` weight values in all.

    Args:
        stored: how many weight values the file `source` holds.
        margin: how many more the model may create (weights a file need not store).

    Example:
        >>> with weight_budget(1000, "small.keras"):
        ...     Dense(10**6).build((None, 10))  # raises FileFormatError  # doctest: +SKIP
    """
    previous = getattr(_state, "budget", None)
    _state.budget = {"left": int(stored) + int(margin), "stored": int(stored), "margin": int(margin),
                     "source": source}
    try:
        yield
    finally:
        _state.budget = previous


def charge(layer, shape, name):
    """Count a new weight of `shape` against the active budget (if any) before it exists."""
    budget = getattr(_state, "budget", None)
    if budget is None:
        return
    count = 1
    for dim in shape:
        count *= int(dim)
    if count < 0 or count > budget["left"]:
        raise file_format_error(
            budget["source"], f"layer '{layer.name}' ({type(layer).__name__}) in config.json",
            f"its config asks for weight '{name}' of shape {tuple(shape)} ({count:,} values), but the "
            f"file stores only {budget['stored']:,} weight values in all (a model may create "
            f"{budget['margin']:,} more); refused before allocating it (a damaged or crafted config)")
    budget["left"] -= count


__all__ = ["charge", "weight_budget"]
