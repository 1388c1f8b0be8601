"""`torch.backends`: `mps` and `cuda` report unavailable; `cudnn` flags are accepted and ignored.

Each backend is a module, as in PyTorch, so `import torch.backends.cudnn as cudnn` works too.
"""

from strided.torch.backends import cuda, cudnn, mkldnn, mps

__all__ = ["cuda", "cudnn", "mkldnn", "mps"]
