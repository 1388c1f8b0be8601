"""Adaptive 3-D pooling over (N, D, H, W, C): a fixed (out_d, out_h, out_w) grid for any input
size, forward and backward side by side.

Output cell i of an axis of size L pools the bin [floor(i*L/out), ceil((i+1)*L/out)) (PyTorch's
and Keras 3's bins; neighbouring bins share an element when out does not divide L).

    average:  y = A_d x A_h x A_w applied to x, A_axis[i, l] = 1/len(bin i) on bin i
              (three matrix products; the gradient applies the transposes)
    max:      y = the maximum of each bin; the gradient goes to the bin's first maximum
"""

import numpy as np


def adaptive_bins(size, out):
    """(starts, ends) of the `out` bins of an axis of `size`."""
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def average_matrix(size, out, dtype):
    """(out, size): row i averages bin i."""
    starts, ends = adaptive_bins(size, out)
    position = np.arange(size)
    inside = (position >= starts[:, None]) & (position < ends[:, None])
    return (inside / (ends - starts)[:, None]).astype(dtype)


def adaptive_average_pool3d(x, output_size):
    matrices = [average_matrix(size, out, x.dtype) for size, out in zip(x.shape[1:4], output_size)]
    return np.einsum("id,jh,kw,ndhwc->nijkc", *matrices, x, optimize=True)


def adaptive_average_pool3d_backward(gy, x_shape):
    matrices = [average_matrix(size, out, gy.dtype) for size, out in zip(x_shape[1:4], gy.shape[1:4])]
    return np.einsum("id,jh,kw,nijkc->ndhwc", *matrices, gy, optimize=True)


def _bins(x_shape, output_size):
    """Every output cell (i, j, k) with the slices of its bin."""
    edges = [adaptive_bins(size, out) for size, out in zip(x_shape[1:4], output_size)]
    for cell in np.ndindex(*output_size):
        yield cell, tuple(slice(int(edges[a][0][c]), int(edges[a][1][c])) for a, c in enumerate(cell))


def adaptive_max_pool3d(x, output_size):
    """Returns (y, winners): winners[cell] is the flat index of the first maximum inside its bin."""
    n, channels = x.shape[0], x.shape[4]
    y = np.empty((n, *output_size, channels), x.dtype)
    winners = {}
    for cell, bin_slices in _bins(x.shape, output_size):
        window = x[(slice(None), *bin_slices)].reshape(n, -1, channels)
        winners[cell] = window.argmax(axis=1)  # (N, C)
        y[(slice(None), *cell)] = np.take_along_axis(window, winners[cell][:, None], axis=1)[:, 0]
    return y, winners


def adaptive_max_pool3d_backward(gy, winners, x_shape):
    gx = np.zeros(x_shape, gy.dtype)
    n, channels = x_shape[0], x_shape[4]
    for cell, bin_slices in _bins(x_shape, gy.shape[1:4]):
        view = gx[(slice(None), *bin_slices)]
        flat = np.zeros((n, view[0, ..., 0].size, channels), gy.dtype)
        np.put_along_axis(flat, winners[cell][:, None], gy[(slice(None), *cell)][:, None], axis=1)
        view += flat.reshape(view.shape)  # bins may share voxels: add
    return gx
