"""`ops.batch_norm_fold`: one convolution with the batch norm folded in computes what PyTorch's
conv2d followed by batch_norm (eval) computes, and its gradients match finite differences."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from hypothesis import given, settings
from hypothesis import strategies as st

from strided import ops
from strided.autograd import Tensor, gradcheck


def statistics(rng, channels):
    return {
        "mean": rng.normal(0, 0.5, channels), "variance": rng.uniform(0.2, 3.0, channels),
        "gamma": rng.uniform(0.5, 1.5, channels), "beta": rng.normal(0, 0.5, channels),
    }


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.sampled_from([1, 3]), st.booleans(), st.booleans(),
       st.integers(0, 2 ** 16))
def test_folded_conv_equals_pytorch_conv_then_batch_norm(cin, cout, k, with_bias, with_affine, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 6, 6, cin))
    kernel = rng.standard_normal((k, k, cin, cout))
    bias = rng.standard_normal(cout) if with_bias else None
    s = statistics(rng, cout)
    gamma, beta = (s["gamma"], s["beta"]) if with_affine else (None, None)
    folded_kernel, folded_bias = ops.batch_norm_fold(kernel, bias, s["mean"], s["variance"], gamma, beta, 1e-3)
    ours = ops.conv(x, folded_kernel, padding="same").numpy() + folded_bias.numpy()
    tx = torch.from_numpy(x).permute(0, 3, 1, 2)
    tw = torch.from_numpy(kernel).permute(3, 2, 0, 1)
    conv = F.conv2d(tx, tw, None if bias is None else torch.from_numpy(bias), padding="same")
    theirs = F.batch_norm(conv, torch.from_numpy(s["mean"]), torch.from_numpy(s["variance"]),
                          None if gamma is None else torch.from_numpy(gamma),
                          None if beta is None else torch.from_numpy(beta), training=False, eps=1e-3)
    np.testing.assert_allclose(ours, theirs.permute(0, 2, 3, 1).numpy(), rtol=1e-10, atol=1e-10)


def test_depthwise_kernel_folds_per_output_channel():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 5, 3))
    kernel = rng.standard_normal((3, 3, 3, 2))  # 3 channels x multiplier 2 = 6 outputs
    s = statistics(rng, 6)
    folded_kernel, folded_bias = ops.batch_norm_fold(kernel, None, depthwise=True, epsilon=1e-3, **s)
    ours = ops.depthwise_conv(x, folded_kernel, bias=folded_bias).numpy()
    plain = ops.depthwise_conv(x, kernel).numpy()
    expected = (plain - s["mean"]) / np.sqrt(s["variance"] + 1e-3) * s["gamma"] + s["beta"]
    np.testing.assert_allclose(ours, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("with_bias,with_gamma,with_beta", [(True, True, True), (False, True, False),
                                                             (True, False, True), (False, False, False)])
@pytest.mark.parametrize("depthwise", [False, True])
def test_gradients_match_finite_differences(with_bias, with_gamma, with_beta, depthwise):
    rng = np.random.default_rng(1)
    kernel = rng.standard_normal((2, 2, 2, 3))
    channels = 6 if depthwise else 3
    s = statistics(rng, channels)
    inputs = [kernel, s["mean"], s["variance"]]
    names = ["bias", "gamma", "beta"]
    present = [name for name, flag in zip(names, (with_bias, with_gamma, with_beta)) if flag]
    inputs += [rng.standard_normal(channels) if name == "bias" else s[name] for name in present]

    def both(kernel, mean, variance, *rest):
        given_values = dict(zip(present, rest))
        folded_kernel, folded_bias = ops.batch_norm_fold(
            kernel, given_values.get("bias"), mean, variance, given_values.get("gamma"), given_values.get("beta"),
            epsilon=0.1, depthwise=depthwise,
        )
        # one scalar function of both outputs
        return ops.add(ops.sum(ops.multiply(folded_kernel, folded_kernel)), ops.sum(ops.multiply(folded_bias, 3.0)))

    assert gradcheck(both, inputs)


def test_wrong_shapes_name_the_argument():
    with pytest.raises(ValueError, match="`variance` must have shape \\(4,\\)"):
        ops.batch_norm_fold(np.ones((3, 3, 2, 4)), None, np.zeros(4), np.ones(3))
    with pytest.raises(ValueError, match="`mean` and `variance` are required"):
        ops.batch_norm_fold(np.ones((3, 3, 2, 4)), None, None, np.ones(4))


@pytest.mark.parametrize("depthwise", [False, True])
def test_gradients_equal_pytorchs_autograd_of_the_same_formula(depthwise):
    rng = np.random.default_rng(2)
    kernel = rng.standard_normal((3, 3, 2, 3))
    channels = 6 if depthwise else 3
    bias = rng.standard_normal(channels)
    s = statistics(rng, channels)
    up_kernel, up_bias = rng.standard_normal(kernel.shape), rng.standard_normal(channels)

    ours = {name: Tensor(value, requires_grad=True) for name, value in
            {"kernel": kernel, "bias": bias, **s}.items()}
    folded_kernel, folded_bias = ops.batch_norm_fold(ours["kernel"], ours["bias"], ours["mean"], ours["variance"],
                                                     ours["gamma"], ours["beta"], 1e-3, depthwise=depthwise)
    total = ops.add(ops.sum(ops.multiply(folded_kernel, up_kernel)), ops.sum(ops.multiply(folded_bias, up_bias)))
    total.backward()

    theirs = {name: torch.tensor(value, requires_grad=True) for name, value in
              {"kernel": kernel, "bias": bias, **s}.items()}
    scale = theirs["gamma"] / torch.sqrt(theirs["variance"] + 1e-3)
    per_output = scale.reshape(2, 3) if depthwise else scale
    torch_kernel = theirs["kernel"] * per_output
    torch_bias = (theirs["bias"] - theirs["mean"]) * scale + theirs["beta"]
    ((torch_kernel * torch.from_numpy(up_kernel)).sum() + (torch_bias * torch.from_numpy(up_bias)).sum()).backward()
    for name in ours:
        np.testing.assert_allclose(ours[name].grad, theirs[name].grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
