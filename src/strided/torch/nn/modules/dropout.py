"""Dropout, Dropout1d, Dropout2d, AlphaDropout: active in train(), the identity in eval()."""

from strided.torch.nn import functional as F
from strided.torch.nn.modules.module import Module


class _DropoutNd(Module):
    function = None

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):  # noqa: A002
        return type(self).function(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability p in training and scale the rest by 1 / (1 - p)."""

    function = staticmethod(F.dropout)


class Dropout1d(_DropoutNd):
    function = staticmethod(F.dropout1d)


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) with probability p in training."""

    function = staticmethod(F.dropout2d)


class AlphaDropout(_DropoutNd):
    function = staticmethod(F.alpha_dropout)


__all__ = [name for name, value in list(globals().items())
           if isinstance(value, type) and value.__module__ == __name__ and not name.startswith("_")]
