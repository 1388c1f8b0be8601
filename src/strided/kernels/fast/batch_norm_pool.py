"""Batch norm -> ReLU -> max pooling in training, as one kernel: the normalised map is never stored.

Accelerates the composition of batch norm (`kernels.fast.batch_norm.Normalization`, whose
reference is `kernels.reference.batch_norm`), ReLU and max pooling with stride == window and
no padding (`kernels.fast.pool`, reference `kernels.reference.pooling`): lesson 004's
`BatchNorm2d -> ReLU -> MaxPool2d`. The idea: these passes are limited by memory traffic, not
arithmetic, so each chunk of images is normalised into a small scratch buffer that stays in
the core's cache and pooled right there; only the pooled map (a quarter of the size for 2x2)
and each window's winner are written. Backward rebuilds each chunk's gradient of the
normalised map in cache from the pooled gradient, twice (once for the sums, once for dx),
instead of writing and reading it back.

With z = x * scale + shift (batch norm, as `Normalization`) and relu monotonic,

    max over a window of relu(z) = relu(max over the window of z)

so the window's maximum is taken on z (first maximum on ties, as PyTorch) and the ReLU on the
pooled value. The gradient reaches only each window's winner, through the ReLU's mask there:

    dz[winner] = gp * (pooled > 0),  0 elsewhere

(where max z <= 0 every relu(z) of the window is 0 and the reference's winner -- the first
zero -- gets gradient 0 as well: the same numbers). Then batch norm's backward as in
`Normalization`: dbeta = sum(dz), sum(dz * x), dx = scale * dz + slope * x + offset.
Sums over the batch go along its halving tree (`kernels.parallel`): the same bits on any
number of threads or processes.
"""

import numpy as np

from strided.kernels import collective
from strided.kernels.fast import elementwise, tuning
from strided.kernels.fast.batch_norm import Normalization
from strided.kernels.fast.elementwise import ChannelVector, column_dots, column_sums, per_channel
from strided.kernels.fast.pool import offset_slices, pool_output_shape, route_to_winners, window_max
from strided.kernels.parallel import for_each_chunk, for_each_sample_chunk


class PooledNormalization(Normalization):
    """y = max_pool(relu(x * scale + shift)) for given batch statistics, and its backward.

    `shape` is x's (N, H, W, C); `window` the pooling window (its stride), no padding.
    """

    def __init__(self, mean, var, gamma, beta, epsilon, shape, window, rows=None):
        super().__init__(mean, var, gamma, beta, epsilon, relu=True, rows=rows, images=shape[0])
        self.shape, self.window = tuple(shape), tuple(window)
        self.pooled_shape = pool_output_shape(self.shape, self.window, self.window, ((0, 0), (0, 0)))
        self.pooled = self.argmax = None
        per_image = max(int(np.prod(self.shape[1:])), 1)
        self.images_per_chunk = max(1, tuning.BATCH_NORM_POOL_CHUNK_FLOATS // per_image)
        self.smallest = max(1, tuning.BATCH_NORM_THREADED_FLOATS // per_image)  # images worth a thread

    def _slices(self):
        return list(offset_slices(self.window, self.window, self.pooled_shape[1:3]))

    def _normalized(self, x, start, stop, scratch):
        """z = x * scale + shift of images start:stop, in the calling thread's buffer."""
        z = scratch.buffer("z", (stop - start, *self.shape[1:]), x.dtype)
        per_channel(np.multiply, x[start:stop], self.scale_vector, z)
        return per_channel(np.add, z, self.shift_vector, z)

    def normalize_pool(self, x):
        """The pooled map (N, H', W', C) of x (N, H, W, C); keeps it and the winners for backward."""
        self.scale_vector, self.shift_vector = ChannelVector(self.scale), ChannelVector(self.shift)
        pooled = np.empty(self.pooled_shape, x.dtype)
        argmax = np.empty(self.pooled_shape, np.min_scalar_type(self.window[0] * self.window[1] - 1))
        slices = self._slices()

        def chunk(start, stop, scratch):
            z = self._normalized(x, start, stop, scratch)
            best = pooled[start:stop]
            window_max([z[:, rows, columns, :] for _, rows, columns in slices], best, argmax[start:stop])
            elementwise.relu(best, best)

        for_each_chunk(chunk, self.shape[0], self.images_per_chunk, self.smallest, batch=False)
        self.pooled, self.argmax = pooled, argmax
        return pooled

    def _gradient_image(self, gp, start, stop, scratch):
        """dz of images start:stop (full size, in the calling thread's buffer) for the pooled
        gradient gp: gp * (pooled > 0) at each window's winner, zero elsewhere."""
        masked = scratch.buffer("masked", gp[start:stop].shape, gp.dtype)
        np.multiply(gp[start:stop], self.pooled[start:stop] > 0, out=masked)
        image = scratch.buffer("dz", (stop - start, *self.shape[1:]), gp.dtype)
        covered = self.pooled_shape[1] * self.window[0] == self.shape[1] and \
            self.pooled_shape[2] * self.window[1] == self.shape[2]
        if not covered:  # rows or columns no window reads (floor mode): zero gradient there
            image.fill(0)
        route_to_winners(image, masked, self.argmax[start:stop], self._slices(), overlapping=False)
        return image, masked

    def pooled_gradient_sums(self, gp, x):
        """(dbeta, dgamma) for the pooled upstream gradient gp (N, H', W', C) and the input x."""
        channels = self.shape[-1]
        per_image = int(np.prod(self.shape[1:3]))

        def chunk(first_row, last_row, scratch):
            start, stop = first_row // per_image, last_row // per_image
            image, masked = self._gradient_image(gp, start, stop, scratch)
            scratch.add("dbeta", column_sums(masked.reshape(-1, channels)))
            product = scratch.buffer("product", (image.size // channels, channels), gp.dtype)
            scratch.add("dot", column_dots(image.reshape(-1, channels), x[start:stop].reshape(-1, channels), product))

        rows = self.shape[0] * per_image
        totals = for_each_sample_chunk(chunk, rows, self.shape[0], self.images_per_chunk * per_image,
                                       self.smallest * per_image)
        return self._whole_sums(totals["dbeta"], totals["dot"], gp.dtype)

    def pooled_input_gradient(self, gp, x, dbeta, dgamma):
        """dx (N, H, W, C) = scale * dz + slope * x + offset (`Normalization.input_gradient_pass`)."""
        scale, slope, offset = self._input_gradient_vectors(dbeta, dgamma, x.dtype)
        dx = np.empty(self.shape, gp.dtype)

        def chunk(start, stop, scratch):
            image, _ = self._gradient_image(gp, start, stop, scratch)
            out = per_channel(np.multiply, x[start:stop], slope, dx[start:stop])
            per_channel(np.add, out, offset, out)
            np.add(out, per_channel(np.multiply, image, scale, image), out=out)

        for_each_chunk(chunk, self.shape[0], self.images_per_chunk, self.smallest, batch=False)
        return dx

    def _whole_sums(self, dbeta, dot, dtype):
        """(dbeta, dgamma) from the sums over the batch (and the processes', as `gradient_sums`)."""
        share = 1
        if collective.active():  # the whole batch's sums, added along the ranks' tree
            channels = dbeta.shape[0]
            gathered = collective.all_gather(np.concatenate([dbeta, dot]).astype(np.float64))
            summed = collective.tree_combine(list(gathered), np.add).astype(dtype)
            dbeta, dot = summed[:channels], summed[channels:]
            share = 1 if collective.first() else 0
        dgamma = ((dot - self.mean * dbeta) * self.inv_std).astype(dtype, copy=False)
        self.whole_sums = dbeta, dgamma
        return dbeta * share, dgamma * share

    def _input_gradient_vectors(self, dbeta, dgamma, dtype):
        if collective.active():
            dbeta, dgamma = self.whole_sums
        rows = self.rows or int(np.prod(self.shape[:3]))
        slope = -self.scale * self.inv_std * dgamma / rows
        offset = -self.scale * dbeta / rows - slope * self.mean
        return ChannelVector(self.scale), ChannelVector(slope.astype(dtype, copy=False)), \
            ChannelVector(offset.astype(dtype, copy=False))
