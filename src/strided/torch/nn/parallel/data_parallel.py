"""`nn.DataParallel`: PyTorch's single-process multi-GPU wrapper, which on the CPU runs the module.

PyTorch's DataParallel splits a batch over the visible GPUs of one process; with no GPU (always
the case in strided) it calls the wrapped module unchanged, and so does this one. Programs that
wrap their model "if torch.cuda.device_count() > 1" or unconditionally keep working, with the
same state-dict keys ("module.<name>"). For training on several cores or machines, use
`DistributedDataParallel` under `mpiexec`.
"""

from strided.torch.nn.modules.module import Module


class DataParallel(Module):
    """Wraps `module`; calling it calls `module` (strided has no GPUs to split the batch over).

    Args:
        module: the model, reachable again as `.module`.
        device_ids, output_device: must be None or empty (strided runs on the CPU).
        dim: the batch dimension (accepted; nothing is split).

    Example:
        >>> model = nn.DataParallel(ConvNet())
        >>> list(model.state_dict())[0]
        'module.layer1.0.weight'
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: module should be an nn.Module, got {type(module).__name__}")
        if device_ids or output_device is not None:
            raise ValueError(f"DataParallel(device_ids={device_ids}, output_device={output_device}): strided runs "
                             f"on the CPU; leave device_ids and output_device unset")
        self.module = module
        self.device_ids = []
        self.output_device = None
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
