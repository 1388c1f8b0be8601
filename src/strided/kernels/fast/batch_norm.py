"""Batch norm's passes over channels-last data viewed as (M, C), on plain arrays.

Accelerates `kernels.reference.batch_norm`. The trick: as few passes over memory as the math
allows -- the statistics in one read (chunk moments combined), y = x * scale + shift in one,
the backward's sums in one and dx in one -- each split over the kernel threads by rows.

Statistics: each chunk's mean and sum of squared deviations, computed while the chunk is in
cache (`chunk_moments`), combined by Chan, Golub and LeVeque's formula (`combine_moments`):

    mean = sum_c m_c mean_c / M        M2 = sum_c M2_c + sum_c m_c (mean_c - mean)^2

as precise as two passes (no E[x^2] - E[x]^2 cancellation), with one read of x. In
data-parallel training each process pools its own chunks, then all processes' parts the same
way (`kernels.collective`): the statistics of the whole batch, as one process would take them.

Normalisation, as PyTorch's CPU kernel: with inv_std = 1 / sqrt(var + eps),
y = x * scale + shift, scale = gamma * inv_std, shift = beta - mean * scale (then max(y, 0)
with `relu`). Backward, for the upstream gradient dy (masked by y > 0 first with `relu`):

    dbeta = sum(dy)    dgamma = sum(dy * xhat) = inv_std * (sum(dy * x) - mean * dbeta)
    dx = scale * dy + slope * x + offset       (slope, offset per channel: `input_gradient_pass`)

the textbook dx = gamma * inv_std * (dy - dbeta/M - xhat * dgamma/M) with its terms gathered
per channel (rounding like the forward's, about eps * |mean| / std), M the whole batch's rows
(and dx takes the whole batch's sums in data-parallel training). Every pass is split over
`kernels.parallel`'s threads by rows.
"""

import numpy as np

from strided.kernels import collective
from strided.kernels.fast import elementwise, tuning
from strided.kernels.fast.elementwise import ChannelVector, column_dots, column_sums, per_channel
from strided.kernels.parallel import chunk_size, for_each_chunk, for_each_sample_chunk


def chunk_moments(part, scratch):
    """(rows, mean, M2) of an (m, C) block: its mean and sum of squared deviations per channel."""
    mean = column_sums(part) / part.shape[0]
    centered = scratch.buffer("centered", part.shape, part.dtype)
    per_channel(np.subtract, part, ChannelVector(mean), centered)
    return part.shape[0], mean, column_dots(centered, centered, centered)


def combine_moments(parts):
    """(rows, mean, M2) in float64 of the blocks whose `chunk_moments` are `parts` (in order)."""
    counts, means, squares = (np.array(values, np.float64) for values in zip(*parts))
    rows = counts.sum()
    mean = counts @ means / rows
    return rows, mean, squares.sum(axis=0) + counts @ (means - mean) ** 2


def moments(x2, images=None):
    """(mean, biased var, rows) of an (M, C) array over its rows (and over the other processes'
    rows in data-parallel training): one pass over memory, shared by threads. The rows are
    `images` (default M) images' rows one after the other; each chunk of images has its
    moments, combined pairwise along the batch's halving tree (`parallel.tree_combine`), and
    the processes' the same way (`collective.tree_combine`): the same bits on any number of
    threads or processes."""
    def chunk(start, stop, scratch):
        scratch.add("moments", _Moments(chunk_moments(x2[start:stop], scratch)))

    parts = for_each_sample_chunk(chunk, x2.shape[0], images, rows_per_chunk(x2), smallest(x2))
    rows, mean, squares = parts["moments"].value
    if collective.active():
        channels = x2.shape[1]
        gathered = collective.all_gather(np.concatenate([[rows], mean, squares]))
        rows, mean, squares = collective.tree_combine(
            [(g[0], g[1:channels + 1], g[channels + 1:]) for g in gathered],
            lambda a, b: combine_moments([a, b]))
    return mean.astype(x2.dtype), (squares / rows).astype(x2.dtype), int(rows)


class _Moments:
    """Chunk moments that `Scratch.add` and the tree add with Chan's pairwise formula."""

    def __init__(self, value):
        self.value = value

    def copy(self):
        return self

    def __add__(self, other):
        return _Moments(combine_moments([self.value, other.value]))


class Normalization:
    """y = x * scale + shift (+ ReLU) for given batch statistics, and its backward passes."""

    def __init__(self, mean, var, gamma, beta, epsilon, relu=False, rows=None, images=None):
        self.mean, self.gamma, self.relu, self.rows, self.images = mean, gamma, relu, rows, images
        self.inv_std = (1 / np.sqrt(var + epsilon)).astype(mean.dtype, copy=False)
        self.scale = self.inv_std * gamma
        self.shift = beta - mean * self.scale
        self.y = None

    def normalize(self, x2):
        """y for x (M, C) (kept for the ReLU's mask in backward)."""
        y = np.empty_like(x2)
        scale, shift = ChannelVector(self.scale), ChannelVector(self.shift)

        def chunk(start, stop, scratch):
            out = per_channel(np.multiply, x2[start:stop], scale, y[start:stop])
            per_channel(np.add, out, shift, out)
            if self.relu:
                elementwise.relu(out, out)

        for_each_chunk(chunk, x2.shape[0], rows_per_chunk(x2), smallest(x2))
        if self.relu:
            self.y = y
        return y

    def gradient_sums(self, g2, x2):
        """(dy, dbeta, dgamma) for the upstream gradient g2 (M, C): dy is g2 masked by y > 0
        (a new array) with `relu`, else g2 itself."""
        masked = np.empty_like(g2) if self.relu else g2

        def chunk(start, stop, scratch):
            part = g2[start:stop]
            if self.relu:
                part = np.multiply(part, self.y[start:stop] > 0, out=masked[start:stop])
            scratch.add("dbeta", column_sums(part))
            product = scratch.buffer("product", part.shape, part.dtype)
            scratch.add("dot", column_dots(part, x2[start:stop], product))

        totals = for_each_sample_chunk(chunk, g2.shape[0], self.images, rows_per_chunk(g2), smallest(g2))
        dbeta, dot = totals["dbeta"], totals["dot"]
        share = 1
        if collective.active():  # the whole batch's sums, added along the ranks' tree
            channels = g2.shape[1]
            gathered = collective.all_gather(np.concatenate([dbeta, dot]).astype(np.float64))
            summed = collective.tree_combine(list(gathered), np.add).astype(g2.dtype)
            dbeta, dot = summed[:channels], summed[channels:]
            share = 1 if collective.first() else 0  # the gradients of gamma and beta, counted once
        dgamma = ((dot - self.mean * dbeta) * self.inv_std).astype(g2.dtype, copy=False)  # sum(dy * xhat)
        self.whole_sums = dbeta, dgamma
        return masked, dbeta * share, dgamma * share

    def input_gradient_pass(self, dy2, x2, dbeta, dgamma):
        """dx (M, C) for the masked upstream gradient dy2 from `gradient_sums`:
        dx = scale * dy + slope * x + offset, with per-channel slope and offset.

        In data-parallel training dx takes the whole batch's sums, which `gradient_sums` gathered
        (it gives gamma's and beta's gradients on the first process only, the others' zero)."""
        if collective.active():
            dbeta, dgamma = self.whole_sums
        rows = self.rows or dy2.shape[0]
        slope = -self.scale * self.inv_std * dgamma / rows
        offset = -self.scale * dbeta / rows - slope * self.mean
        scale, slope, offset = ChannelVector(self.scale), ChannelVector(slope), ChannelVector(offset)
        dx = np.empty_like(dy2)

        def chunk(start, stop, scratch):
            out = per_channel(np.multiply, x2[start:stop], slope, dx[start:stop])
            per_channel(np.add, out, offset, out)
            scaled = scratch.buffer("scaled", out.shape, out.dtype)
            np.add(out, per_channel(np.multiply, dy2[start:stop], scale, scaled), out=out)

        for_each_chunk(chunk, dy2.shape[0], rows_per_chunk(dy2), smallest(dy2))
        return dx


def rows_per_chunk(x2):
    return chunk_size(x2.shape[1])


def smallest(x2):
    """Rows worth a thread (`tuning.BATCH_NORM_THREADED_FLOATS`; smaller arrays stay on one thread)."""
    return max(1, tuning.BATCH_NORM_THREADED_FLOATS // x2.shape[1])
