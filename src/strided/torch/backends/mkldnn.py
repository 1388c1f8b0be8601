"""`torch.backends.mkldnn`: not available (strided's kernels are its own); `enabled` is accepted."""

enabled = False


def is_available():
    return False
