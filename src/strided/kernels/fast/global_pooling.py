"""Global average and max pooling on x3 (N, S, C) channels-last or (N, C, S) channels-first.

Accelerates `kernels.reference.global_pooling`. The trick: reduce along contiguous memory.

* average: sums as matrix products, 1 (1, S) @ x_n (S, C) channels-last, x2 (N * C, S) @ 1
  channels-first; dX is dy / S broadcast (a read-only view: nothing is written).
* max, channels-last: pairwise maxima of halves, max(x[:, :S/2], x[:, S/2:]), then of the
  halves' halves, ...: every pass runs along whole contiguous runs of a sample (S/2 * C
  floats), where NumPy's max(axis=1) runs one short inner loop per position; chosen by a cost
  model (`by_halves`: many positions of few channels favour the halves). Backward: the
  positions where x == y (one comparison pass against y tiled wide,
  `broadcasts.per_sample_channel`, then np.flatnonzero, in memory order) are one per channel
  except where values tie (the first is kept) or are NaN (argmax finds the first NaN);
  dY is scattered there into zeros.
* max, channels-first: one row per (sample, channel): np.maximum.reduceat over the rows for
  inference, argmax along the rows in training (the winners make dX a scatter into zeros).

Work is split over `kernels.parallel`'s threads by whole samples; nothing is summed across
samples, so the results are the same on any number of threads.
"""

import numpy as np

from strided.kernels.fast import tuning
from strided.kernels.fast.broadcasts import per_sample_channel
from strided.kernels.parallel import for_each_sample_chunk


def _for_samples(work, x3):
    n = x3.shape[0]
    per_sample = max(1, x3.size // max(n, 1))
    for_each_sample_chunk(work, n, n, max(1, tuning.GLOBAL_POOL_CHUNK_FLOATS // per_sample),
                          max(1, tuning.NORM_THREADED_FLOATS // per_sample))


def global_average_pool_forward(x3, channels_first=False):
    """y (N, C): the mean of each sample's channel."""
    n, a, b = x3.shape
    positions, channels = (b, a) if channels_first else (a, b)
    y = np.empty((n, channels), x3.dtype)
    inverse = x3.dtype.type(1 / positions) if positions else x3.dtype.type(np.nan)
    ones = np.ones(positions, x3.dtype)

    def chunk(start, stop, scratch):
        if channels_first:
            sums = x3[start:stop].reshape(-1, positions) @ ones
        else:
            sums = np.matmul(ones[None], x3[start:stop])[:, 0]
        np.multiply(sums.reshape(stop - start, channels), inverse, out=y[start:stop])

    _for_samples(chunk, x3)
    return y


def global_average_pool_backward(gy, x_shape, channels_first=False):
    """dx of x_shape: dy / S at every position, as a read-only broadcast view."""
    axis = 2 if channels_first else 1
    return np.broadcast_to(np.expand_dims(gy / gy.dtype.type(x_shape[axis]), axis), x_shape)


def by_halves(samples, positions, channels):
    """Whether the maxima of halves cost less than NumPy's max over the positions (a cost
    model in floats read, `tuning.GLOBAL_MAX_*`)."""
    values = samples * positions * channels
    by_positions = values + samples * positions * tuning.GLOBAL_MAX_RUN_FLOATS
    rounds = max(1, int(positions - 1).bit_length())
    return 1.5 * values + rounds * tuning.GLOBAL_MAX_ROUND_FLOATS < by_positions


def _max_by_halves(xc, out, scratch):
    """out (k, C) = the maximum of xc (k, S, C) over S, by pairwise maxima of halves."""
    size = xc.shape[1]
    if size == 1:
        out[...] = xc[:, 0]
        return out
    half, rest = size // 2, size - size // 2
    current = scratch.buffer("halves", (xc.shape[0], rest, xc.shape[2]), xc.dtype)
    np.maximum(xc[:, :half], xc[:, rest:], out=current[:, :half])
    if rest > half:
        current[:, half] = xc[:, half]  # the middle position of an odd length waits a round
    size = rest
    while size > 2:
        half, rest = size // 2, size - size // 2
        np.maximum(current[:, :half], current[:, rest:size], out=current[:, :half])
        size = rest
    if size == 2:
        return np.maximum(current[:, 0], current[:, 1], out=out)
    out[...] = current[:, 0]
    return out


def global_max_pool_forward(x3, channels_first=False, training=True):
    """(y (N, C), saved): saved is what `global_max_pool_backward` needs (None for inference)."""
    n, a, b = x3.shape
    positions, channels = (b, a) if channels_first else (a, b)
    y = np.empty((n, channels), x3.dtype)
    winners = np.empty((n, channels), np.intp) if channels_first and training else None

    def chunk(start, stop, scratch):
        if start == stop:
            return
        if not channels_first:
            if by_halves(stop - start, positions, channels):
                _max_by_halves(x3[start:stop], y[start:stop], scratch)
            else:
                np.max(x3[start:stop], axis=1, out=y[start:stop])
            return
        rows = x3[start:stop].reshape(-1, positions)
        if training:
            winner = winners[start:stop].reshape(-1)
            np.argmax(rows, axis=1, out=winner)
            y[start:stop] = np.take_along_axis(rows, winner[:, None], axis=1).reshape(stop - start, channels)
        else:
            starts = np.arange(0, rows.size, positions)
            y[start:stop] = np.maximum.reduceat(rows.reshape(-1), starts).reshape(stop - start, channels)

    _for_samples(chunk, x3)
    if not training:
        return y, None
    return y, (winners if channels_first else (x3, y))


def global_max_pool_backward(gy, saved, x_shape, channels_first=False):
    """dx of x_shape: each channel's dy at its first maximum, 0 elsewhere."""
    n, a, b = x_shape
    if channels_first:
        dx = np.zeros(n * a * b, gy.dtype)
        dx[np.arange(n * a) * b + saved.reshape(-1)] = gy.reshape(-1)
        return dx.reshape(x_shape)
    x3, y = saved
    dx = np.zeros(n * a * b, gy.dtype)
    per_sample = a * b

    def chunk(start, stop, scratch):
        if start == stop:
            return
        xc = x3[start:stop]
        equal = per_sample_channel(np.equal, xc, y[start:stop], scratch.buffer("equal", xc.shape, np.bool_))
        positions = np.flatnonzero(equal)  # in order: a channel's first maximum comes first
        channels = positions // per_sample * b + positions % b  # (sample, channel) of each
        counts = np.bincount(channels, minlength=(stop - start) * b)
        if not (counts == 1).all():  # ties (keep the first) or NaN (no position equals it)
            kept, first = np.unique(channels, return_index=True)
            positions, channels = positions[first], kept
            missing = np.flatnonzero(counts == 0)
            if missing.size:
                samples, channel = missing // b, missing % b
                winners = xc[samples, :, channel].argmax(axis=1)  # the first NaN
                positions = np.concatenate([positions, samples * per_sample + winners * b + channel])
                channels = np.concatenate([channels, missing])
        dx[start * per_sample + positions] = gy[start:stop].reshape(-1)[channels]

    _for_samples(chunk, x3)
    return dx.reshape(x_shape)
