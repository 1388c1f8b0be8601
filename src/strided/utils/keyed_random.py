"""Counter-based randomness for training: draws keyed by (seed, epoch, sample), as JAX's keys.

Why: a generator that advances with every draw gives results that depend on who draws first.
Split a batch over two processes and each process's dropout masks come from its own stream;
kill a run and restart it and the stream starts again from the seed. A counter-based generator
maps a key and a counter straight to random bits (Salmon et al. 2011, "Parallel random numbers:
as easy as 1, 2, 3"), so draws can be addressed instead of replayed:

    shuffle of epoch e                   Philox(key=(seed, e)).permutation(n)
    value j of draw d for sample i       mix(row_key(seed, e, i, d) + (j + 1) * GOLDEN)
      (rows of ROW_STREAM_SIZE values or more: Philox(key=(seed, e), counter=(0, d, i, 2)))
    draw of the whole batch at step s    Philox(key=(seed, e), counter=(0, 0, s, 1)), in turn

`i` is the sample's position in the epoch (its step's first position plus its row), `d`
counts the draws of the step (dropout layer 1, dropout layer 2, ...), and `mix` is SplitMix64's
finaliser (Steele et al. 2014), applied to whole arrays at once. The same sample gets the same
mask whichever process computes it, and a run resumed at step s draws what the uninterrupted
run drew there.

`SampleKeyedGenerator` is a `numpy.random.Generator` for one training step: `random`,
`uniform`, `normal`, `standard_normal` and `integers` draws whose first axis is the step's
samples (`random((n, 128))`, `uniform(0, 1, n)`) take each row from its sample's key; any
other draw comes from the step's batch stream (the same in every process). `keep_mask` gives
dropout its mask from 32 bits a value, as fast as an ordinary generator's `random(shape) < keep`.
"""

import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
# Values per sample from which a row is drawn from its own Philox stream instead of hashed
# value by value: the hash costs per value, a stream per row (a fixed size: the draws must not
# depend on the machine)
ROW_STREAM_SIZE = 1024
_MIX_1, _MIX_2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_MASK = (1 << 64) - 1


def mix(x):
    """SplitMix64's finaliser on a uint64 array, in place: each input bit flips about half of
    the output bits. Returns x."""
    x ^= x >> np.uint64(30)
    x *= _MIX_1
    x ^= x >> np.uint64(27)
    x *= _MIX_2
    x ^= x >> np.uint64(31)
    return x


def _key(seed, epoch):
    return np.array([int(seed) & _MASK, int(epoch) & _MASK], dtype=np.uint64)


def epoch_permutation(seed, epoch, n):
    """The order of n samples in `epoch` (a permutation of range(n)), the same on every call."""
    return np.random.Generator(np.random.Philox(key=_key(seed, epoch))).permutation(n)


def sample_bits(seed, epoch, positions, draw, count):
    """(len(positions), count) uint64: random bits for `count` values of each sample."""
    key = _key(seed, epoch)  # (arrays throughout: NumPy wraps uint64 arrays silently, not scalars)
    rows = np.asarray(positions, dtype=np.uint64) * GOLDEN + np.array([draw], dtype=np.uint64) * _MIX_1
    rows = mix(mix(rows ^ key[:1]) ^ key[1:])
    bits = rows[:, None] + np.arange(1, count + 1, dtype=np.uint64) * GOLDEN
    return mix(bits)


def _uniform(bits, dtype):
    """Floats in [0, 1) from random bits (24 bits for float32, 53 for float64)."""
    if np.dtype(dtype) == np.float32:
        return (bits >> np.uint64(40)).astype(np.float32) * np.float32(2.0 ** -24)
    return (bits >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


class SampleKeyedGenerator(np.random.Generator):
    """The generator of one training step (see the module): per-sample rows, a batch stream.

    Args:
        seed: the run's training seed (an int).
        epoch: the epoch, counted from 0.
        step: the step in the epoch.
        positions: each row's position in the epoch (ints), in the rows' order.
    """

    def __init__(self, seed, epoch, step, positions):
        super().__init__(np.random.Philox(key=_key(seed, epoch), counter=np.array([0, 0, step, 1], dtype=np.uint64)))
        self._seed, self._epoch = seed, epoch
        self._positions = np.asarray(positions, dtype=np.int64).reshape(-1)
        self._draws = 0

    def _rows(self, size):
        """The draw's shape if its first axis is the samples, else None (a batch draw)."""
        if size is None:
            return None
        shape = (int(size),) if isinstance(size, (int, np.integer)) else tuple(int(s) for s in size)
        n = len(self._positions)
        return shape if n and shape and shape[0] == n else None

    def _bits(self, count):
        """(samples, count) uint64 random bits for the next draw, each row from its sample's key:
        hashed value by value for short rows, from a Philox stream per sample for long ones."""
        draw, self._draws = self._draws, self._draws + 1
        if count < ROW_STREAM_SIZE:
            return sample_bits(self._seed, self._epoch, self._positions, draw, count)
        bits = np.empty((len(self._positions), count), dtype=np.uint64)
        bit_generator = np.random.Philox(key=_key(self._seed, self._epoch))
        state = bit_generator.state
        for row, position in enumerate(self._positions):  # one generator, re-keyed row by row
            state["state"]["counter"] = np.array([0, draw, position, 2], dtype=np.uint64)
            state.update(buffer_pos=4, has_uint32=0, uinteger=0)
            bit_generator.state = state
            bits[row] = bit_generator.random_raw(count)
        return bits

    def _uniforms(self, shape, dtype=np.float64, lanes=1):
        """`lanes` arrays of uniform floats of `shape`, each row from its sample's key."""
        count = int(np.prod(shape[1:], dtype=np.int64))
        values = _uniform(self._bits(count * lanes), dtype)
        return [values[:, lane * count:(lane + 1) * count].reshape(shape) for lane in range(lanes)]

    def keep_mask(self, shape, keep):
        """A boolean array of `shape`, each value True with probability `keep`: dropout's mask,
        compared on 32 random bits a value (two values from each 64 bits: half the work of
        `random(shape) < keep`)."""
        rows = self._rows(shape)
        if rows is None:
            return self._batch("random", shape, np.float32) < keep
        count = int(np.prod(rows[1:], dtype=np.int64))
        half = (count + 1) // 2
        bits = self._bits(half)
        threshold = np.uint64(min(int(keep * 2.0 ** 32), 2 ** 32))
        mask = np.empty((len(self._positions), 2 * half), dtype=bool)
        np.less(bits >> np.uint64(32), threshold, out=mask[:, :half])
        bits &= np.uint64(0xFFFFFFFF)
        np.less(bits, threshold, out=mask[:, half:])
        return mask[:, :count].reshape(rows)

    def _batch(self, name, *args, **kwargs):
        self._draws += 1
        return getattr(np.random.Generator, name)(self, *args, **kwargs)

    def random(self, size=None, dtype=np.float64, out=None):
        shape = self._rows(size)
        if shape is None or out is not None:
            return self._batch("random", size, dtype, out)
        return self._uniforms(shape, dtype)[0]

    def uniform(self, low=0.0, high=1.0, size=None):
        shape = self._rows(size)
        if shape is None:
            return self._batch("uniform", low, high, size)
        low, high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
        return low + (high - low) * self._uniforms(shape)[0]

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        shape = self._rows(size)
        if shape is None or out is not None:
            return self._batch("standard_normal", size, dtype, out)
        first, second = self._uniforms(shape, lanes=2)  # Box-Muller
        return (np.sqrt(-2.0 * np.log1p(-first)) * np.cos(2.0 * np.pi * second)).astype(dtype, copy=False)

    def normal(self, loc=0.0, scale=1.0, size=None):
        shape = self._rows(size)
        if shape is None:
            return self._batch("normal", loc, scale, size)
        return np.asarray(loc, dtype=np.float64) + np.asarray(scale, dtype=np.float64) * self.standard_normal(shape)

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        shape = self._rows(size)
        if shape is None:
            return self._batch("integers", low, high, size, dtype, endpoint)
        if high is None:
            low, high = 0, low
        low, high = np.asarray(low, dtype=np.int64), np.asarray(high, dtype=np.int64) + (1 if endpoint else 0)
        values = low + np.floor(self._uniforms(shape)[0] * (high - low)).astype(np.int64)
        return np.minimum(values, high - 1).astype(dtype, copy=False)


__all__ = ["SampleKeyedGenerator", "epoch_permutation", "sample_bits", "mix"]
