"""`torch.backends.cuda`: not built (strided runs on the CPU); `matmul.allow_tf32` is accepted."""

from types import SimpleNamespace

matmul = SimpleNamespace(allow_tf32=False)


def is_built():
    return False
