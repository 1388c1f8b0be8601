"""`torch.utils`: the data-loading tools of PyTorch's front end (`strided.torch.utils.data`)."""

from strided.torch.utils import data

__all__ = ["data"]
