"""Crop off the kernel taps of a padded convolution that only ever read the padding.

A speed step before `kernels.fast.conv` (the reference convolution multiplies every tap): the
cropped convolution has the same outputs and gradients, with less work.

A 3x3 convolution with padding 1 on a 1x1 map (ResNet-18's last stage on 32x32 images) reads
the image through its centre tap alone: for every output, the other eight taps multiply zeros
of the padding. Along one axis, tap a of output i reads input row

    r = i*s + a*d - p_before          (s stride, d dilation)

and is *live* when some output i in [0, H') has 0 <= r < H. The live taps lie between a first
and a last one; cropping the kernel to them, and the padding (or the input) to match, gives a
smaller convolution with the same outputs: the GEMMs skip the multiplications by zero (ResNet-18's
1x1-map layers do 1/9 of the work, its stride-2 layer into them 4/9). Its gradients are the
cropped convolution's, with zeros for the dead taps and for input rows no live tap reads.
"""

import functools
import math

from strided.kernels.fast.im2col import conv_output_hw


@functools.lru_cache(maxsize=512)  # called on every forward pass: its Python work done once per geometry
def live_crop(x_shape, kernel_shape, strides, pads, dilation):
    """The crop for a 2-D convolution of an (N, H, W, C) input, or None when every tap is live.

    Returns ((taps_h, taps_w), (rows, cols), new_pads): the live taps and the input rows and
    columns they read, as slices, and the padding of the cropped input. Arguments are tuples.
    """
    if not any(p for pair in pads for p in pair):  # unpadded: every tap reads the input
        return None
    out_hw = conv_output_hw(x_shape, kernel_shape, strides, pads, dilation)
    axes = [_live_axis(x_shape[1 + i], kernel_shape[i], strides[i], dilation[i], pads[i], out_hw[i])
            for i in range(2)]
    if all(taps == slice(0, kernel_shape[i]) for i, (taps, _, _) in enumerate(axes)):
        return None
    taps, inputs, new_pads = zip(*axes)
    return taps, inputs, new_pads


def _live_axis(size, taps, stride, dilation, pads, out_size):
    """(live taps, input rows read, (pad before, pad after)) along one axis."""
    before = pads[0]
    live = [a for a in range(taps) if _reads_input(a, size, stride, dilation, before, out_size)]
    if not live:  # every output reads padding only: keep the convolution as it is
        return slice(0, taps), slice(0, size), tuple(pads)
    first, last = live[0], live[-1]
    start = first * dilation - before  # the first row a live tap reads (negative: padding)
    stop = (out_size - 1) * stride + last * dilation - before + 1  # one past the last
    new_pads = (max(0, -start), max(0, stop - size))
    return slice(first, last + 1), slice(max(0, start), min(size, stop)), new_pads


def _reads_input(tap, size, stride, dilation, before, out_size):
    """Whether tap `tap` reads an input row (not padding) for some output in [0, out_size)."""
    offset = tap * dilation - before  # r = i*stride + offset
    lowest = max(0, math.ceil(-offset / stride))  # the first i with r >= 0
    highest = min(out_size - 1, (size - 1 - offset) // stride)  # the last i with r < size
    return lowest <= highest
