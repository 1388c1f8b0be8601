"""Which layout a channels-last depthwise pass runs on, chosen by an estimate of its cost.

`depthwise` has two ways to make a width-strided tap's window a long contiguous run:
* column phases (`depthwise_phases`): the input rows copied split by column position modulo
  s; kh*kw multiply-adds per output, but the split is a strided copy, one NumPy inner loop of
  only C floats per input pixel;
* column groups (`depthwise_pairs`): a plain copy of the rows, read as vectors of s pixels;
  kh*ceil-ish(kw*d/s)*s multiply-adds per output (zeros in the slots), and a fold of the s
  parts, one inner loop per output pixel.
With s = 1 both are the same plain copy. The estimate counts, per output pixel (per input
pixel for dX), the floats each pass touches and the inner-loop calls it makes, weighted by
the relative costs below (one float's multiply-add in an `np.einsum` pass being 1); the
cheaper layout wins. Nothing here depends on a shape anyone measured: only on C, the kernel,
the strides and the dilation.
"""

from strided.kernels.fast.depthwise_pairs import pair_slots

MULTIPLY_ADD = 1.0  # one float of an in-cache np.einsum multiply-add pass
COPY = 0.6  # one float copied in a long contiguous run
CALL = 20.0  # one NumPy inner loop started (per pixel, in a strided copy or the fold)
FOLD = 0.75  # one float read by the fold (an add of the s parts, one inner loop per pixel)
SPLIT = 2.0  # one float moved by a column-phase split or scatter, beyond a plain copy's: runs
#             of only C floats, read from (or written to) memory, defeat the prefetcher


def forward_method(channels, kernel_size, strides, dilation):
    """'phases' or 'pairs' for the forward pass (`windowed_sum` or `pairs_windowed_sum`)."""
    return _cheaper(channels, kernel_size, strides, dilation, sw_fold=True)


def kernel_gradient_method(channels, kernel_size, strides, dilation):
    """'phases' or 'pairs' for dK (`windowed_products_sum` or `pairs_products_sum`): the same
    windows, no fold per pixel (dY is repeated instead)."""
    return _cheaper(channels, kernel_size, strides, dilation, sw_fold=False)


def input_gradient_method(channels, kernel_size, strides, dilation):
    """'phases' (`depthwise_gradient`, one stride phase of dX at a time, scattered into dX)
    or 'pairs' (`depthwise_pairs.pairs_input_gradient`), for strides above 1; per dX pixel."""
    (kh, kw), (sh, sw) = kernel_size, strides
    if sw == 1:
        return "phases"
    _, count, _ = pair_slots(kw, sw, dilation[1])
    phases = kh * kw * channels / (sh * sw) * MULTIPLY_ADD + channels * SPLIT + CALL
    pairs = kh * count * channels / sh * MULTIPLY_ADD + channels * COPY  # dY repeated into the cache
    return "pairs" if pairs < phases else "phases"


def _cheaper(channels, kernel_size, strides, dilation, sw_fold):
    """The cheaper layout for a pass over the windows, by its cost per output pixel."""
    (kh, kw), (sh, sw) = kernel_size, strides
    if sw == 1:
        return "phases"  # the same plain copy, and no fold
    _, count, _ = pair_slots(kw, sw, dilation[1])
    inputs = sh * sw  # input pixels copied per output pixel (the plain copy is common to both)
    phases = kh * kw * channels * MULTIPLY_ADD + inputs * (channels * SPLIT + CALL)
    pairs = kh * count * sw * channels * MULTIPLY_ADD
    pairs += sw * channels * FOLD + CALL if sw_fold else sw * channels * COPY
    return "pairs" if pairs < phases else "phases"

