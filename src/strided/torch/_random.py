"""Random numbers: `torch.manual_seed`, `torch.Generator` and the default generator.

strided draws from NumPy's PCG64, not PyTorch's Mersenne Twister, so a seed gives the same
numbers on every run of strided but not the same numbers as PyTorch with that seed (compare
models by copying a state_dict, not by seeding).
"""

import numpy as np


class Generator:
    """A seedable source of random numbers (`torch.Generator`); `.rng` is its NumPy Generator.

    Example:
        >>> g = Generator().manual_seed(0)
        >>> g.initial_seed()
        0
    """

    def __init__(self, device="cpu"):
        self._seed = int(np.random.SeedSequence().entropy % (2**63))
        self.rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed % (2**64))
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        return self.manual_seed(int(np.random.SeedSequence().entropy % (2**63)))._seed

    def get_state(self):
        return self.rng.bit_generator.state

    def set_state(self, state):
        self.rng.bit_generator.state = state
        return self

    @property
    def device(self):
        from strided.torch._device import cpu_device

        return cpu_device


default_generator = Generator().manual_seed(0)


def manual_seed(seed):
    """Seed the default generator (used by rand/randn/init/dropout/shuffling)."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def rng(generator=None):
    """The NumPy Generator to draw from: `generator`'s, or the default one's."""
    return (generator or default_generator).rng
