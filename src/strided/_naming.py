"""Automatic, unique snake_case names: conv2d, conv2d_1, max_pooling2d, ... (as Keras).

Counters are global per prefix; `strided.utils.clear_session()` resets them so a fresh
script (or test) starts again at `conv2d`.
"""

import collections
import re

_counters = collections.defaultdict(int)


def to_snake_case(name):
    """`"MaxPooling2D"` -> `"max_pooling2d"` (Keras' `to_snake_case`)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def uniquify(name):
    """The first request for `name` returns it unchanged, later ones `name_1`, `name_2`, ..."""
    count = _counters[name]
    _counters[name] += 1
    return name if count == 0 else f"{name}_{count}"


def auto_name(prefix):
    """A fresh unique name from a class name or prefix: `auto_name("Conv2D") -> "conv2d_1"`."""
    return uniquify(to_snake_case(prefix))


def reset_names():
    """Forget every name handed out (used by `clear_session`)."""
    _counters.clear()


def clear_session():
    """Reset automatic names (and nothing else needs resetting: strided keeps no graph).

    >>> clear_session()   # the next Conv2D is called "conv2d" again
    """
    reset_names()


__all__ = ["to_snake_case", "uniquify", "auto_name", "reset_names", "clear_session"]
