"""Grouped convolutions of the fast set (`kernels.fast.grouped_conv`, chunked over the images)
against the reference set and against torch.nn.functional.conv2d: y, dX, dK and db, on
hypothesis-generated shapes, strides, padding, dilation and groups; the same bits on 1 and 2
threads (dK and db summed chunk by chunk)."""

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import strided
from strided.kernels import fast_set, reference_set

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)


@st.composite
def grouped_cases(draw):
    groups = draw(st.integers(2, 3))
    per_group = draw(st.integers(1, 3))
    out_per_group = draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    strides = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    pads = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    height = draw(st.integers(dilation[0] * (kh - 1) + 1, 9))
    width = draw(st.integers(dilation[1] * (kw - 1) + 1, 9))
    batch = draw(st.integers(1, 5))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    return batch, height, width, groups, per_group, out_per_group, (kh, kw), strides, pads, dilation, dtype


def _tolerance(dtype):
    return {"rtol": 1e-10, "atol": 1e-10} if dtype == np.float64 else {"rtol": 1e-4, "atol": 1e-4}


def _run(kernels, x, kernel, bias, gy, strides, pads, dilation, groups, relu):
    y, saved = kernels.conv2d_forward(x, kernel, strides, pads, dilation, groups, bias, relu=relu)
    grads = kernels.conv2d_backward(gy, saved, x.shape, kernel, strides, pads, dilation, groups,
                                    True, True, True, y if relu else None)
    return (y, *grads)


@SETTINGS
@given(grouped_cases(), st.booleans(), st.integers(0, 2**16))
def test_grouped_conv_matches_reference_and_torch(case, relu, seed):
    batch, height, width, groups, cg, og, (kh, kw), strides, pads, dilation, dtype = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, height, width, groups * cg)).astype(dtype)
    kernel = rng.standard_normal((kh, kw, cg, groups * og)).astype(dtype)
    bias = rng.standard_normal(groups * og).astype(dtype)
    pairs = ((pads[0], pads[0]), (pads[1], pads[1]))
    out_h = (height + 2 * pads[0] - dilation[0] * (kh - 1) - 1) // strides[0] + 1
    out_w = (width + 2 * pads[1] - dilation[1] * (kw - 1) - 1) // strides[1] + 1
    gy = rng.standard_normal((batch, out_h, out_w, groups * og)).astype(dtype)
    fast = _run(fast_set, x, kernel, bias, gy, strides, pairs, dilation, groups, relu)
    reference = _run(reference_set, x, kernel, bias, gy, strides, pairs, dilation, groups, relu)

    xt = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    wt = torch.tensor(kernel.transpose(3, 2, 0, 1), requires_grad=True)  # (O, C/G, kh, kw)
    bt = torch.tensor(bias, requires_grad=True)
    yt = torch.nn.functional.conv2d(xt, wt, bt, strides, pads, dilation, groups)
    if relu:
        yt = torch.relu(yt)
    yt.backward(torch.tensor(gy.transpose(0, 3, 1, 2)))
    theirs = (yt.detach().numpy().transpose(0, 2, 3, 1), xt.grad.numpy().transpose(0, 2, 3, 1),
              wt.grad.numpy().transpose(2, 3, 1, 0), bt.grad.numpy())
    for what, ours, ref, torch_value in zip(("y", "dx", "dkernel", "dbias"), fast, reference, theirs):
        assert ours.shape == torch_value.shape, what
        np.testing.assert_allclose(ours, ref, err_msg=what, **_tolerance(dtype))
        np.testing.assert_allclose(ours, torch_value, err_msg=what, **_tolerance(dtype))


def test_grouped_gradients_are_the_same_bits_on_one_and_two_threads():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((48, 12, 12, 8)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 4, 6)).astype(np.float32)
    bias = rng.standard_normal(6).astype(np.float32)
    gy = rng.standard_normal((48, 12, 12, 6)).astype(np.float32)
    pads = ((1, 1), (1, 1))
    results = []
    before = strided.get_num_threads()
    try:
        for threads in (1, 2):
            strided.set_num_threads(threads)
            results.append(_run(fast_set, x, kernel, bias, gy, (1, 1), pads, (1, 1), 2, False))
    finally:
        strided.set_num_threads(before)
    for one, two in zip(*results):
        np.testing.assert_array_equal(one, two)
