"""Winograd F(2x2, 3x3) (`kernels.fast.winograd`) against the reference convolution and
PyTorch, forward and backward; the cost model's choice (`kernels.fast.conv_methods`); and the
same bits on one and two threads through a Keras-style Conv2D layer."""

from unittest import mock

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import example, given, settings
from hypothesis import strategies as st

import strided
from strided.kernels.fast import conv_methods, winograd
from strided.kernels.reference.conv import conv2d, conv2d_backward

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)
SAME = ((1, 1), (1, 1))


@st.composite
def geometries(draw):
    """(x shape, out channels, pads): sizes 1..13, padding 0..2 per side, output at least 1x1."""
    n, h, w = draw(st.integers(1, 3)), draw(st.integers(1, 13)), draw(st.integers(1, 13))
    channels, out_channels = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    pads = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(2))
    pads = tuple((top, max(bottom, 3 - size - top)) for (top, bottom), size in zip(pads, (h, w)))
    return (n, h, w, channels), out_channels, pads


def arrays(seed, x_shape, out_channels, dtype=np.float32):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    kernel = rng.standard_normal((3, 3, x_shape[-1], out_channels)).astype(dtype)
    bias = rng.standard_normal(out_channels).astype(dtype)
    return x, kernel, bias, rng


def torch_conv(x, kernel, bias, pads, relu):
    """PyTorch's y, and a function giving (dx, dkernel, dbias) for an upstream gradient."""
    tx = torch.tensor(np.ascontiguousarray(x.transpose(0, 3, 1, 2)), requires_grad=True)
    tk = torch.tensor(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)), requires_grad=True)
    tb = torch.tensor(bias, requires_grad=True)
    (top, bottom), (left, right) = pads
    y = F.conv2d(F.pad(tx, (left, right, top, bottom)), tk, tb)
    y = torch.relu(y) if relu else y

    def gradients(gy):
        y.backward(torch.tensor(np.ascontiguousarray(gy.transpose(0, 3, 1, 2))))
        return (
            tx.grad.numpy().transpose(0, 2, 3, 1),
            tk.grad.numpy().transpose(2, 3, 1, 0),
            tb.grad.numpy(),
        )

    return y.detach().numpy().transpose(0, 2, 3, 1), gradients


def assert_close(ours, theirs, what, scale=1.0):
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4 * scale, err_msg=what)


@SETTINGS
@given(geometries(), st.booleans(), st.booleans(), st.integers(0, 2**16))
@example(((2, 7, 9, 3), 4, SAME), True, True, 1)  # odd output: partial last tiles
@example(((1, 1, 1, 2), 3, ((1, 1), (1, 1))), True, False, 2)  # one pixel
@example(((2, 6, 6, 2), 2, ((0, 0), (0, 0))), False, True, 3)  # 'valid'
@example(((1, 5, 4, 2), 3, ((2, 0), (1, 2))), True, True, 4)  # uneven padding
def test_forward_and_gradients_match_the_reference_and_pytorch(geometry, with_bias, relu, seed):
    x_shape, out_channels, pads = geometry
    x, kernel, bias, rng = arrays(seed, x_shape, out_channels)
    y, saved = winograd.winograd_conv2d_forward(x, kernel, pads, bias if with_bias else None, relu)
    reference = conv2d(x, kernel, bias if with_bias else None, pads=pads)
    reference = np.maximum(reference, 0) if relu else reference
    scale = 3 * np.sqrt(9 * x_shape[-1])  # the size of an output: a sum of 9*C products
    assert y.shape == reference.shape and y.dtype == np.float32
    assert_close(y, reference, "y vs reference", scale)
    theirs, torch_gradients = torch_conv(
        x, kernel, bias if with_bias else np.zeros_like(bias), pads, relu
    )
    assert_close(y, theirs, "y vs PyTorch", scale)

    gy = rng.standard_normal(y.shape).astype(np.float32)
    dx, dkernel, dbias = winograd.winograd_conv2d_backward(
        gy, saved, x.shape, kernel, pads, True, True, True, y if relu else None
    )
    masked = gy * (y > 0) if relu else gy
    ref_dx, ref_dkernel, ref_dbias = conv2d_backward(masked, x, kernel, pads=pads)
    torch_dx, torch_dkernel, torch_dbias = torch_gradients(gy)
    grad_scale = 3 * np.sqrt(9 * out_channels * max(1, y.shape[0] * y.shape[1] * y.shape[2]))
    for ours, ref, torch_value, what in (
        (dx, ref_dx, torch_dx, "dx"),
        (dkernel, ref_dkernel, torch_dkernel, "dkernel"),
        (dbias, ref_dbias, torch_dbias, "dbias"),
    ):
        assert ours.shape == ref.shape, what
        assert_close(ours, ref, what + " vs reference", grad_scale)
        assert_close(ours, torch_value, what + " vs PyTorch", grad_scale)


def test_only_the_gradients_asked_for_are_computed():
    x, kernel, _, rng = arrays(0, (2, 6, 5, 3), 4)
    y, saved = winograd.winograd_conv2d_forward(x, kernel, SAME)
    gy = rng.standard_normal(y.shape).astype(np.float32)
    dx, dkernel, dbias = winograd.winograd_conv2d_backward(
        gy, saved, x.shape, kernel, SAME, True, False, False
    )
    assert dkernel is None and dbias is None
    np.testing.assert_allclose(
        dx, conv2d_backward(gy, x, kernel, pads=SAME)[0], rtol=1e-4, atol=1e-4
    )
    assert (
        winograd.winograd_conv2d_backward(gy, saved, x.shape, kernel, SAME, False, True, False)[0]
        is None
    )


def test_float64_is_exact_to_float64_rounding():
    x, kernel, bias, rng = arrays(5, (2, 9, 8, 4), 5, np.float64)
    y, saved = winograd.winograd_conv2d_forward(x, kernel, SAME, bias)
    np.testing.assert_allclose(y, conv2d(x, kernel, bias, pads=SAME), rtol=1e-12, atol=1e-12)
    gy = rng.standard_normal(y.shape)
    ours = winograd.winograd_conv2d_backward(gy, saved, x.shape, kernel, SAME, True, True, True)
    for mine, reference in zip(ours, conv2d_backward(gy, x, kernel, pads=SAME)):
        np.testing.assert_allclose(mine, reference, rtol=1e-11, atol=1e-11)


def test_kernel_transform_and_its_gradient_are_the_lessons_matrices():
    """U = G g G^T and dK = G^T dU G with the docstring's G, and the flipped kernel's U."""
    G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
    g = np.random.default_rng(1).standard_normal((3, 3, 2, 3))
    u = winograd.transformed_kernel(g)
    np.testing.assert_allclose(
        u.reshape(4, 4, 2, 3), np.einsum("ia,abco,jb->ijco", G, g, G), atol=1e-12
    )
    np.testing.assert_allclose(
        winograd.kernel_from_transformed_gradient(u),
        np.einsum("ia,ijco,jb->abco", G, u.reshape(4, 4, 2, 3), G),
        atol=1e-12,
    )
    flipped = winograd.transformed_kernel(np.ascontiguousarray(g[::-1, ::-1].transpose(0, 1, 3, 2)))
    np.testing.assert_allclose(winograd.flipped_transformed_kernel(u), flipped, atol=1e-12)


# -- The choice: by the cost model, for classes of shapes (never timings).


def chooses(
    x_shape, channels, out_channels, strides=(1, 1), dilation=(1, 1), groups=1, kernel_size=3
):
    kernel_shape = (kernel_size, kernel_size, channels // groups, out_channels)
    pads = SAME if kernel_size == 3 else ((kernel_size // 2,) * 2,) * 2
    forward = conv_methods.prefers_winograd(x_shape, kernel_shape, strides, pads, dilation, groups)
    backward = conv_methods.prefers_winograd(
        x_shape, kernel_shape, strides, pads, dilation, groups, True, True
    )
    return forward, backward


@pytest.mark.parametrize(
    "x_shape,channels",
    [
        ((32, 16, 16, 256), 256),
        ((8, 56, 56, 64), 64),
        ((16, 32, 32, 128), 128),
        ((8, 14, 14, 512), 512),
    ],
)
def test_many_channels_choose_winograd(x_shape, channels):
    assert chooses(x_shape, channels, channels) == (True, True)


@pytest.mark.parametrize(
    "x_shape,out_channels",
    [((16, 32, 32, 3), 32), ((16, 28, 28, 1), 8), ((16, 32, 32, 8), 8), ((16, 32, 32, 16), 16)],
)
def test_few_channels_keep_im2col(x_shape, out_channels):
    assert chooses(x_shape, x_shape[-1], out_channels) == (False, False)


def test_one_small_image_beside_a_large_kernel_keeps_im2col():
    """The kernel's transform (16 C O floats, once a call) outweighs the saving on 16 tiles."""
    assert chooses((1, 7, 7, 512), 512, 512) == (False, False)


@pytest.mark.parametrize(
    "options", [dict(strides=(2, 2)), dict(dilation=(2, 2)), dict(groups=4), dict(kernel_size=5)]
)
def test_other_convolutions_are_not_winograds(options):
    assert chooses((16, 32, 32, 128), 128, 128, **options) == (False, False)


def test_padding_beyond_two_is_not_winograds():
    assert not conv_methods.prefers_winograd(
        (8, 16, 16, 256), (3, 3, 256, 256), (1, 1), ((3, 3), (1, 1)), (1, 1), 1
    )


# -- Through the ops and a layer: the fast kernels route to Winograd, same bits on any thread count.



def _winograd_calls():
    """Patch the Winograd kernels with spies that count their calls."""
    return (
        mock.patch.object(
            winograd, "winograd_conv2d_forward", wraps=winograd.winograd_conv2d_forward
        ),
        mock.patch.object(
            winograd, "winograd_conv2d_backward", wraps=winograd.winograd_conv2d_backward
        ),
    )


def test_the_fast_conv_op_runs_winograd_and_matches_the_reference_kernels():
    x, kernel, bias, rng = arrays(7, (16, 10, 10, 64), 64)
    assert chooses(x.shape, 64, 64) == (True, True)
    upstream = rng.standard_normal((16, 10, 10, 64)).astype(np.float32)
    results = {}
    for name in ("fast", "reference"):
        forward_spy, backward_spy = _winograd_calls()
        with strided.kernels_used(name), forward_spy as forward, backward_spy as backward:
            tensors = [strided.Tensor(a, requires_grad=True) for a in (x, kernel, bias)]
            y = strided.ops.conv_bias_activation(*tensors, "relu", padding="same")
            (y * upstream).sum().backward()
        assert (forward.called, backward.called) == (
            (True, True) if name == "fast" else (False, False)
        )
        results[name] = (y.data, *(t.grad for t in tensors))
    for fast, reference, what in zip(
        results["fast"], results["reference"], ("y", "dx", "dkernel", "dbias")
    ):
        np.testing.assert_allclose(fast, reference, rtol=1e-4, atol=2e-3, err_msg=what)


def _conv2d_training_step(count):
    from strided import layers

    strided.set_num_threads(count)
    strided.utils.set_random_seed(0)
    model = strided.Sequential(
        [
            layers.Input((10, 10, 64)),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(3),
        ]
    )
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(2)
    model.fit(
        rng.random((48, 10, 10, 64), np.float32),
        rng.random((48, 3), np.float32),
        batch_size=48,
        epochs=1,
        verbose=0,
    )
    return model.get_weights()


def test_a_conv2d_training_step_by_winograd_gives_the_same_bits_on_one_and_two_threads(threads):
    assert chooses((48, 10, 10, 64), 64, 64) == (True, True)
    forward_spy, backward_spy = _winograd_calls()
    with forward_spy as forward, backward_spy as backward:
        one, two = _conv2d_training_step(1), _conv2d_training_step(2)
    assert forward.call_count >= 2 and backward.call_count >= 2
    assert all(np.array_equal(a, b) for a, b in zip(one, two))


def test_processes_sharing_a_batch_add_up_to_one_processs_bits():
    """Each process computes dX, dK and db of its share of the batch (a subtree of the batch's
    halving tree); dK and db added along the ranks' tree are one process's bits (dK is made
    leaf by leaf, before the sums: G^T dU G rounds differently on a sum of dU's)."""
    from strided.kernels import collective
    from strided.models.replica import exactly_splittable, shard_bounds

    x, kernel, _, rng = arrays(3, (64, 6, 6, 32), 32)
    gy = rng.standard_normal((64, 6, 6, 32)).astype(np.float32)
    whole = winograd.winograd_conv2d_backward(
        gy, (x, None), x.shape, kernel, SAME, True, True, True
    )
    for ranks in (2, 4):
        assert exactly_splittable(64, ranks)
        parts = []
        for start, stop in shard_bounds(64, ranks):
            share = x[start:stop]
            with collective.joined(None, (stop - start, 64)):
                parts.append(
                    winograd.winograd_conv2d_backward(
                        gy[start:stop], (share, None), share.shape, kernel, SAME, True, True, True
                    )
                )
        assert np.array_equal(np.concatenate([part[0] for part in parts]), whole[0])
        for index in (1, 2):
            added = collective.tree_combine([part[index] for part in parts], np.add)
            assert np.array_equal(added, whole[index])
