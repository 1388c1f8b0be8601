"""The reference kernels: the lessons' textbook forms, written to be read, not to be fast.

Each file holds one idea with its forward and backward side by side, and the formula in the
docstring. Plain NumPy, ndarray in, ndarray out, channels-last (N, H, W, C) as the rest of
strided (the lesson writes NCHW; only the axis order differs). Read them in this order:

    im2col.py          the output-size formula, padding, im2col with `as_strided`, col2im
    conv.py            conv2d: im2col, one GEMM, col2im (and grouped convolution)
    depthwise.py       each channel filtered on its own
    conv_transpose.py  the convolution's backward-data pass run forward
    pooling.py         max and average pooling over the same window views
    dense.py           y = x @ W + b
    batch_norm.py      normalise with the batch's statistics
    normalization.py   layer and group norm: normalise each sample's values (and any view)
    global_pooling.py  global average and max pooling: one value per sample and channel
    activations.py     relu, sigmoid, tanh, gelu, silu, elu, leaky relu, softmax, ...
    losses.py          softmax cross-entropy
    ctc.py             CTC loss: the forward-backward (alpha/beta) recursion in log space
    ctc_decode.py      CTC decoding: greedy, and TensorFlow's prefix beam search

`strided.set_kernels("reference")` makes every op run on these (see `kernels.dispatch`); the
fast kernels compute the same numbers (to float rounding), and the tests check that they do.
"""
