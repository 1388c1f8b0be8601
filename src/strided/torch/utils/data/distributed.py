"""`DistributedSampler`: each rank of a data-parallel job reads its own share of a dataset.

Exactly PyTorch's index assignment, so a job gives every rank the same samples as PyTorch's
sampler would (and a run can move between the two):

    num_samples = ceil(len / replicas)                 (drop_last=False: pad by repeating
                  ceil((len - replicas) / replicas)     the first indices; drop_last=True and
                                                        len not divisible: drop the tail)
    total_size  = num_samples * replicas
    indices     = randperm(len) with seed + epoch, or range(len) when shuffle=False
    this rank   = indices[rank : total_size : replicas]

The permutation is PyTorch's CPU `torch.randperm` itself: a Fisher-Yates shuffle driven by
MT19937 seeded with `seed + epoch` (swap i with i + r % (n - i), r one 32-bit draw), which
NumPy's legacy `RandomState` reproduces draw for draw. Every rank computes the same
permutation from the same seed, so the shares never overlap; call `set_epoch(epoch)` before
each epoch to reshuffle.
"""

import math

import numpy as np

from strided.torch.utils.data.sampler import Sampler

# PyTorch draws one 32-bit number per swap below this length (64-bit ones above it).
_TORCH_RANDPERM_32BIT_LIMIT = (2**32 - 1) // 20


def torch_randperm(n, seed):
    """PyTorch's `torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()`.

    Args:
        n: the length of the permutation.
        seed: the generator's seed (PyTorch keeps its low 32 bits for MT19937).

    Example:
        >>> torch_randperm(5, 0)
        [4, 0, 1, 3, 2]
    """
    n = int(n)
    if n >= _TORCH_RANDPERM_32BIT_LIMIT:
        raise ValueError(f"DistributedSampler: datasets of {n} samples are too large (at most "
                         f"{_TORCH_RANDPERM_32BIT_LIMIT - 1})")
    indices = list(range(n))
    if n <= 1:
        return indices
    draws = np.random.RandomState(int(seed) & 0xFFFFFFFF).randint(0, 2**32, size=n - 1, dtype=np.uint32)
    offsets = draws.astype(np.int64) % (n - np.arange(n - 1, dtype=np.int64))
    for i, offset in enumerate(offsets.tolist()):
        j = i + offset
        indices[i], indices[j] = indices[j], indices[i]
    return indices


def _default_group_fact(name):
    from strided.torch import distributed

    if not distributed.is_available():
        raise RuntimeError("Requires distributed package to be available")
    return distributed.get_world_size() if name == "num_replicas" else distributed.get_rank()


class DistributedSampler(Sampler):
    """Yields this rank's share of a dataset's indices, as PyTorch's DistributedSampler.

    Args:
        dataset: the dataset to sample (only its `len()` is used).
        num_replicas: the number of ranks sharing it; default `dist.get_world_size()`.
        rank: this process's rank; default `dist.get_rank()`.
        shuffle: a new random order every epoch (after `set_epoch`); else 0, 1, 2, ...
        seed: the shuffling seed; must be the same on every rank.
        drop_last: drop the tail so the dataset divides evenly; else repeat the first
            indices to pad it (every rank gets `len(sampler)` indices either way).

    Example:
        >>> sampler = DistributedSampler(dataset, num_replicas=2, rank=0, shuffle=False)
        >>> loader = DataLoader(dataset, batch_size=32, sampler=sampler)
        >>> for epoch in range(3):
        ...     sampler.set_epoch(epoch)
        ...     for x, y in loader: ...
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None:
            num_replicas = _default_group_fact("num_replicas")
        if rank is None:
            rank = _default_group_fact("rank")
        if not isinstance(num_replicas, (int, np.integer)) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas should be a positive integer, got {num_replicas!r}")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        try:
            length = len(dataset)
        except TypeError:
            raise TypeError(f"DistributedSampler needs a dataset with a length (len(dataset)); "
                            f"got {type(dataset).__name__}") from None
        self.dataset = dataset
        self.num_replicas = int(num_replicas)
        self.rank = int(rank)
        self.epoch = 0
        self.drop_last = drop_last
        if drop_last and length % self.num_replicas != 0:
            self.num_samples = math.ceil((length - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(length / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        length = len(self.dataset)
        indices = torch_randperm(length, self.seed + self.epoch) if self.shuffle else list(range(length))
        if not self.drop_last:
            padding_size = self.total_size - len(indices)
            if padding_size <= len(indices):
                indices += indices[:padding_size]
            elif indices:
                indices += (indices * math.ceil(padding_size / len(indices)))[:padding_size]
        else:
            indices = indices[: self.total_size]
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Shuffle differently in the next iteration (call it at the start of every epoch)."""
        self.epoch = epoch


__all__ = ["DistributedSampler"]
