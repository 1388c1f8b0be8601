"""The base of the transform classes and the random draws they share (from strided.torch's default generator)."""

import numbers
from collections.abc import Sequence


def torch_module():
    import strided.torch

    return strided.torch


def uniform(low, high):
    """One float drawn uniformly from [low, high) (torch.empty(1).uniform_(low, high))."""
    return float(low + (high - low) * torch_module().rand(1).item())


def randint(low, high):
    return int(torch_module().randint(low, high, (1,)).item())


def setup_size(size, error_msg):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(error_msg)
    return size


class Transform:
    """Base: calling the transform runs `forward` (torchvision's transforms are nn.Modules)."""

    def __call__(self, img):
        return self.forward(img)

    def forward(self, img):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


__all__ = ["Transform", "randint", "setup_size", "torch_module", "uniform"]
