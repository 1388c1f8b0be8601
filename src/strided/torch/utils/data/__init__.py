"""`torch.utils.data`: datasets, samplers and the DataLoader, as PyTorch names them.

    from strided.torch.utils.data import DataLoader, TensorDataset, random_split
"""

from strided.torch.utils.data._collate import default_collate, default_convert
from strided.torch.utils.data.dataloader import DataLoader, get_worker_info
from strided.torch.utils.data.dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from strided.torch.utils.data.distributed import DistributedSampler
from strided.torch.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "DistributedSampler",
    "Dataset",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "StackDataset",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]
