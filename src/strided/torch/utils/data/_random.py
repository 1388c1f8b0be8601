"""Where the samplers' random numbers come from: a seeded `torch.Generator`, else a fresh one.

As PyTorch does, a sampler given no generator seeds a new one from the default generator
(`torch.manual_seed`) each time it is iterated, so runs are reproducible after
`torch.manual_seed(s)`. The numbers come from strided's generator (NumPy's PCG64), not from
PyTorch's Mersenne Twister: the same seed gives the same order on every run of strided, but a
different order than PyTorch with that seed.
"""

import numpy as np


def _torch():
    import strided.torch

    return strided.torch


def generator_or_fresh(generator):
    """`generator`, or a new Generator seeded by one draw from the default generator."""
    if generator is not None:
        return generator
    torch = _torch()
    seed = int(torch.randint(0, 2**62, (1,)).item())
    return torch.Generator().manual_seed(seed)


def permutation(n, generator):
    """A random permutation of range(n) as a list of ints (`torch.randperm(n).tolist()`)."""
    return _torch().randperm(int(n), generator=generator).tolist()


def integers(high, count, generator):
    """`count` ints drawn uniformly from [0, high) (`torch.randint(high, (count,)).tolist()`)."""
    return _torch().randint(0, int(high), (int(count),), generator=generator).tolist()


def multinomial(weights, count, replacement, generator):
    """`torch.multinomial(weights, count, replacement)`: indices drawn in proportion to weights."""
    probabilities = np.asarray(weights, dtype=np.float64)
    probabilities = probabilities / probabilities.sum()
    rng = generator.rng
    return rng.choice(len(probabilities), size=int(count), replace=bool(replacement), p=probabilities).tolist()


__all__ = ["generator_or_fresh", "integers", "multinomial", "permutation"]
