"""`torch.backends.cudnn`: there is no cuDNN on strided (it runs on the CPU); its flags are accepted
and change nothing (`cudnn.benchmark = True` is a no-op)."""

enabled = False
deterministic = False
benchmark = False
allow_tf32 = False


def is_available():
    return False


def version():
    return None
