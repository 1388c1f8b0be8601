"""Tools for checking your own ops: `gradcheck` (finite differences in float64).

    >>> from strided.testing import gradcheck
    >>> gradcheck(lambda x, w: strided.ops.conv(x, w, padding="same"), [x, w])
    True
"""

from strided.autograd.gradcheck import gradcheck, numerical_gradient

__all__ = ["gradcheck", "numerical_gradient"]
