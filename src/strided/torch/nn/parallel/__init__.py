"""`torch.nn.parallel`: `DistributedDataParallel`, data-parallel training over MPI ranks,
`SyncBatchNorm` and `DataParallel` (re-exported as `nn.SyncBatchNorm` and `nn.DataParallel`,
PyTorch's names).

    from strided.torch.nn.parallel import DistributedDataParallel as DDP
"""

from strided.torch.nn.parallel.data_parallel import DataParallel
from strided.torch.nn.parallel.distributed import DistributedDataParallel
from strided.torch.nn.parallel.sync_batchnorm import SyncBatchNorm

__all__ = ["DataParallel", "DistributedDataParallel", "SyncBatchNorm"]
