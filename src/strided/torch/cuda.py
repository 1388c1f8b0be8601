"""`torch.cuda`: strided runs on the CPU, so no CUDA device is ever available."""


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def manual_seed(seed):
    """Accepted and ignored (there is no CUDA generator), as PyTorch does without CUDA."""


def manual_seed_all(seed):
    """Accepted and ignored."""


def synchronize(device=None):
    """Nothing to wait for on the CPU."""


def empty_cache():
    """Nothing to free."""
