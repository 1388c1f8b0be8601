"""Every fast kernel computes what its reference computes, forward and backward.

Both kernel sets are called through the ops' kernel interface (`kernels.fast_set`,
`kernels.reference_set`), on hypothesis-generated shapes, strides, padding, dilation, groups
and dtypes (float32 and float64). The fast paths' thresholds are covered on the way: few and
many input channels (the kept im2col matrix below 8), 'same'-like padding on maps of 64 pixels
or more (dX by correlation), stride 2 and dilation 2 (by kernel offsets), overlapping pools.
"""

import numpy as np
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from strided.kernels import fast_set, reference_set
from strided.kernels.fast.im2col import conv_output_size

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True)
FLOATS = st.sampled_from([np.float32, np.float64])


def tolerance(dtype):
    return {"rtol": 2e-4, "atol": 2e-4} if dtype == np.float32 else {"rtol": 1e-9, "atol": 1e-9}


def close(fast, reference, dtype, what):
    if fast is None or reference is None:
        assert fast is None and reference is None, what
        return
    assert fast.shape == reference.shape, f"{what}: {fast.shape} != {reference.shape}"
    assert fast.dtype == reference.dtype or what.startswith("d"), f"{what}: {fast.dtype} != {reference.dtype}"
    np.testing.assert_allclose(fast, reference, err_msg=what, **tolerance(dtype))


def random(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


@st.composite
def convolutions(draw):
    """(x shape, kernel shape, strides, pads, dilation, groups), the output at least 1x1."""
    groups = draw(st.sampled_from([1, 1, 1, 2]))
    per_group = draw(st.integers(1, 10))
    channels = per_group * groups
    out_channels = draw(st.integers(1, 4)) * groups
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    strides = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    pads = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(2))
    n, h, w = draw(st.integers(1, 3)), draw(st.integers(1, 11)), draw(st.integers(1, 11))
    for size, k, s, d, pair in zip((h, w), (kh, kw), strides, dilation, pads):
        assume(conv_output_size(size, k, s, sum(pair), d) >= 1)
    return (n, h, w, channels), (kh, kw, per_group, out_channels), strides, pads, dilation, groups


# The fast paths' thresholds, for sure: the correlation's dX (>= 8 channels, >= 64 output
# pixels, stride 1), the kept transposed im2col matrix (< 8 channels), strides and dilation.
THRESHOLD_CASES = [
    ((2, 10, 10, 9), (3, 3, 9, 4), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),
    ((2, 9, 9, 3), (3, 3, 3, 5), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),
    ((2, 11, 11, 12), (3, 3, 12, 3), (2, 2), ((1, 0), (0, 1)), (1, 1), 1),
    ((1, 12, 12, 8), (3, 3, 8, 2), (1, 1), ((2, 2), (2, 2)), (2, 2), 1),
]


@SETTINGS
@given(convolutions(), FLOATS, st.booleans(), st.booleans(), st.booleans(), st.integers(0, 2**16))
@example(THRESHOLD_CASES[0], np.float32, True, True, True, 1)
@example(THRESHOLD_CASES[1], np.float32, True, False, True, 2)
@example(THRESHOLD_CASES[2], np.float64, False, True, True, 3)
@example(THRESHOLD_CASES[3], np.float32, True, True, True, 4)
@example(THRESHOLD_CASES[0], np.float64, True, True, False, 5)
def test_conv2d(geometry, dtype, with_bias, relu, training, seed):
    x_shape, kernel_shape, strides, pads, dilation, groups = geometry
    rng = np.random.default_rng(seed)
    x, kernel = random(rng, x_shape, dtype), random(rng, kernel_shape, dtype)
    bias = random(rng, kernel_shape[-1:], dtype) if with_bias else None
    outputs = {}
    for kernels in (fast_set, reference_set):
        y, saved = kernels.conv2d_forward(x, kernel, strides, pads, dilation, groups, bias, relu, training)
        gy = random(np.random.default_rng(seed + 1), y.shape, dtype)
        grads = kernels.conv2d_backward(gy, saved, x.shape, kernel, strides, pads, dilation, groups,
                                        True, True, with_bias, y if relu else None)
        outputs[kernels.NAME] = (y.copy(), *grads)
    for what, fast, reference in zip(("y", "dx", "dkernel", "dbias"), outputs["fast"], outputs["reference"]):
        close(fast, reference, dtype, what)


@SETTINGS
@given(convolutions(), FLOATS, st.integers(0, 2**16))
def test_conv2d_without_some_gradients(geometry, dtype, seed):
    """need_dx / need_dkernel False: the others are still right (the fast path skips work)."""
    x_shape, kernel_shape, strides, pads, dilation, groups = geometry
    rng = np.random.default_rng(seed)
    x, kernel = random(rng, x_shape, dtype), random(rng, kernel_shape, dtype)
    for need_dx in (False, True):
        results = []
        for kernels in (fast_set, reference_set):
            y, saved = kernels.conv2d_forward(x, kernel, strides, pads, dilation, groups, None, False, True)
            gy = random(np.random.default_rng(seed + 1), y.shape, dtype)
            results.append(kernels.conv2d_backward(gy, saved, x.shape, kernel, strides, pads, dilation,
                                                   groups, need_dx, not need_dx, True))
        for what, fast, reference in zip(("dx", "dkernel", "dbias"), *results):
            close(fast, reference, dtype, what)


@SETTINGS
@given(convolutions(), FLOATS, st.integers(1, 3), st.integers(0, 2**16))
def test_depthwise_conv2d(geometry, dtype, multiplier, seed):
    (n, h, w, channels), (kh, kw, _, _), strides, pads, dilation, _ = geometry
    rng = np.random.default_rng(seed)
    x, kernel = random(rng, (n, h, w, channels), dtype), random(rng, (kh, kw, channels, multiplier), dtype)
    results = []
    for kernels in (fast_set, reference_set):
        y = kernels.depthwise_conv2d_forward(x, kernel, strides, pads, dilation)
        gy = random(np.random.default_rng(seed + 1), y.shape, dtype)
        results.append((y, *kernels.depthwise_conv2d_backward(gy, x, kernel, strides, pads, dilation)))
    for what, fast, reference in zip(("y", "dx", "dkernel"), *results):
        close(fast, reference, dtype, what)


@SETTINGS
@given(
    st.integers(1, 3), st.integers(1, 6), st.integers(1, 6), st.integers(1, 5), st.integers(1, 4),
    st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 2), st.integers(0, 2),
    st.integers(-1, 2), FLOATS, st.integers(0, 2**16),
)
def test_conv_transpose2d(n, h, w, in_channels, out_channels, kh, kw, stride, dilation, before, after,
                          dtype, seed):
    canvas = [(size - 1) * stride + dilation * (k - 1) + 1 for size, k in ((h, kh), (w, kw))]
    assume(all(size - before - after >= 1 for size in canvas))
    rng = np.random.default_rng(seed)
    x, kernel = random(rng, (n, h, w, in_channels), dtype), random(rng, (kh, kw, out_channels, in_channels), dtype)
    strides, crops, dilations = (stride, stride), ((before, after), (before, after)), (dilation, dilation)
    results = []
    for kernels in (fast_set, reference_set):
        y = kernels.conv_transpose2d_forward(x, kernel, strides, crops, dilations)
        gy = random(np.random.default_rng(seed + 1), y.shape, dtype)
        results.append((y, *kernels.conv_transpose2d_backward(gy, x, kernel, strides, crops, dilations)))
    for what, fast, reference in zip(("y", "dx", "dkernel"), *results):
        close(fast, reference, dtype, what)


@st.composite
def pools(draw):
    """(x shape, pool_size, strides, pads): pads at most half the pool (as torch), output >= 1."""
    pool = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    strides = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    pads = tuple((draw(st.integers(0, k // 2)), draw(st.integers(0, k // 2))) for k in pool)
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 9)), draw(st.integers(1, 9)), draw(st.integers(1, 5)))
    for size, k, pair in zip(shape[1:3], pool, pads):
        assume(size + sum(pair) >= k)
    return shape, pool, strides, pads


@SETTINGS
@given(pools(), FLOATS, st.integers(0, 2**16))
def test_max_pool2d(geometry, dtype, seed):
    x_shape, pool, strides, pads = geometry
    x = random(np.random.default_rng(seed), x_shape, dtype)
    results = []
    for kernels in (fast_set, reference_set):
        y, saved = kernels.max_pool2d_forward(x, pool, strides, pads)
        gy = random(np.random.default_rng(seed + 1), y.shape, dtype)
        results.append((y, kernels.max_pool2d_backward(gy, saved, x.shape, pool, strides, pads)))
    for what, fast, reference in zip(("y", "dx"), *results):
        close(fast, reference, dtype, what)


@SETTINGS
@given(pools(), FLOATS, st.integers(0, 2**16))
def test_sum_pool2d(geometry, dtype, seed):
    x_shape, pool, strides, pads = geometry
    x = random(np.random.default_rng(seed), x_shape, dtype)
    results = []
    for kernels in (fast_set, reference_set):
        y = kernels.sum_pool2d_forward(x, pool, strides, pads)
        gy = random(np.random.default_rng(seed + 1), y.shape, dtype)
        results.append((y, kernels.sum_pool2d_backward(gy, x.shape, pool, strides, pads)))
    for what, fast, reference in zip(("y", "dx"), *results):
        close(fast, reference, dtype, what)


@SETTINGS
@given(convolutions(), FLOATS, st.integers(1, 3), st.integers(1, 3), st.booleans(), st.integers(0, 2**16))
@example(THRESHOLD_CASES[0], np.float32, 2, 2, True, 1)
@example(THRESHOLD_CASES[1], np.float32, 2, 2, True, 2)
@example(THRESHOLD_CASES[2], np.float64, 2, 2, False, 3)
def test_conv_relu_maxpool(geometry, dtype, ph, pw, need_dx, seed):
    x_shape, kernel_shape, strides, pads, dilation, _ = geometry
    kernel_shape = (*kernel_shape[:2], x_shape[-1], kernel_shape[-1])  # groups of 1
    out_hw = [conv_output_size(x_shape[1 + i], kernel_shape[i], strides[i], sum(pads[i]), dilation[i]) for i in range(2)]
    assume(out_hw[0] >= ph and out_hw[1] >= pw)
    rng = np.random.default_rng(seed)
    x, kernel = random(rng, x_shape, dtype), random(rng, kernel_shape, dtype)
    bias = random(rng, kernel_shape[-1:], dtype)
    results = []
    for kernels in (fast_set, reference_set):
        pooled, saved = kernels.conv_relu_maxpool_forward(x, kernel, bias, strides, pads, dilation, (ph, pw),
                                                          True, need_dx)
        gp = random(np.random.default_rng(seed + 1), pooled.shape, dtype)
        grads = kernels.conv_relu_maxpool_backward(gp, saved, x.shape, kernel, strides, pads, dilation,
                                                   (ph, pw), need_dx, True, True)
        inference, _ = kernels.conv_relu_maxpool_forward(x, kernel, bias, strides, pads, dilation, (ph, pw),
                                                         False, False)
        results.append((pooled, inference, *grads))
    for what, fast, reference in zip(("y", "y (inference)", "dx", "dkernel", "dbias"), *results):
        close(fast, reference, dtype, what)


@SETTINGS
@given(st.integers(1, 300), st.integers(1, 20), FLOATS, st.booleans(), st.integers(0, 2**16))
def test_batch_norm(rows, channels, dtype, relu, seed):
    rng = np.random.default_rng(seed)
    x2 = random(rng, (rows, channels), dtype) * 3 + 1
    gamma, beta = random(rng, (channels,), dtype), random(rng, (channels,), dtype)
    g2 = random(rng, (rows, channels), dtype)
    results = []
    for kernels in (fast_set, reference_set):
        mean, var, count = kernels.moments(x2)
        norm = kernels.Normalization(mean, var, gamma, beta, 1e-3, relu, count)
        y = norm.normalize(x2)
        dy, dbeta, dgamma = norm.gradient_sums(g2, x2)
        dx = norm.input_gradient_pass(dy, x2, dbeta, dgamma)
        results.append((mean, var, y, dbeta, dgamma, dx))
    for what, fast, reference in zip(("mean", "var", "y", "dbeta", "dgamma", "dx"), *results):
        close(fast, reference, dtype, what)


@SETTINGS
@given(st.integers(1, 40), st.integers(1, 30), st.integers(1, 12), FLOATS, st.booleans(), st.booleans(),
       st.integers(0, 2**16))
def test_dense(rows, features, units, dtype, with_bias, relu, seed):
    rng = np.random.default_rng(seed)
    x2, kernel = random(rng, (rows, features), dtype), random(rng, (features, units), dtype)
    bias = random(rng, (units,), dtype) if with_bias else None
    gy = random(rng, (rows, units), dtype)
    results = []
    for kernels in (fast_set, reference_set):
        y = kernels.dense_forward(x2, kernel, bias, relu)
        results.append((y, *kernels.dense_backward(gy, x2, kernel, y if relu else None, True, True, with_bias)))
    for what, fast, reference in zip(("y", "dx", "dkernel", "dbias"), *results):
        close(fast, reference, dtype, what)


ACTIVATIONS = {
    "relu": {}, "relu6": {}, "general_relu": {"slope": 0.1, "upper": 4.0, "threshold": 0.5},
    "leaky_relu": {"slope": 0.2}, "elu": {"alpha": 1.3}, "selu": {}, "sigmoid": {}, "tanh": {},
    "softplus": {}, "log_sigmoid": {}, "softsign": {}, "silu": {}, "hard_sigmoid": {}, "hard_silu": {},
    "gelu": {"approximate": True}, "softmax": {"axis": -1}, "log_softmax": {"axis": 1},
}


@SETTINGS
@given(st.sampled_from(sorted(ACTIVATIONS)), st.integers(1, 70_000), FLOATS, st.integers(0, 2**16))
def test_activations(name, size, dtype, seed):
    """Sizes up to 70,000 values: the fast ReLU splits arrays of more than 32K floats over threads."""
    rng = np.random.default_rng(seed)
    columns = 7
    x = random(rng, (-(-size // columns), columns), dtype) * 4
    gy = random(rng, x.shape, dtype)
    params = ACTIVATIONS[name]
    results = []
    for kernels in (fast_set, reference_set):
        y = getattr(kernels, name)(x, **params)
        results.append((y, getattr(kernels, name + "_backward")(gy, x, y, **params)))
    for what, fast, reference in zip(("y", "dx"), *results):
        close(fast, reference, dtype, f"{what} of {name}")


@SETTINGS
@given(st.integers(1, 20), st.integers(1, 12), FLOATS, st.integers(0, 2**16))
def test_softmax_cross_entropy(rows, classes, dtype, seed):
    rng = np.random.default_rng(seed)
    logits = random(rng, (rows, classes), dtype) * 5
    labels = rng.integers(0, classes, rows)
    target = rng.random((rows, classes)).astype(dtype)
    dloss = random(rng, (rows,), dtype)
    results = []
    for kernels in (fast_set, reference_set):
        loss, saved = kernels.sparse_softmax_cross_entropy_forward(logits, labels)
        grad = kernels.sparse_softmax_cross_entropy_backward(dloss, saved, labels)
        dense_loss, saved = kernels.softmax_cross_entropy_forward(logits, target, -1)
        dense_grad = kernels.softmax_cross_entropy_backward(dloss, saved, target, -1)
        results.append((loss, grad, dense_loss, dense_grad))
    for what, fast, reference in zip(("loss", "dlogits", "loss (soft targets)", "dlogits (soft)"), *results):
        close(fast, reference, dtype, what)


def test_the_two_sets_offer_the_same_names():
    """The ops' kernel interface: every public name of one set is in the other."""
    def names(module):
        return {name for name in vars(module) if not name.startswith("_") and callable(getattr(module, name))}

    interface = names(fast_set) - {"NAME"}
    assert interface <= names(reference_set), sorted(interface - names(reference_set))
