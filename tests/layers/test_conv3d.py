"""Conv3D and Conv3DTranspose: outputs against Keras 3.15 with Keras' weights and against
torch.nn.functional.conv3d / conv_transpose3d, both data formats, gradients by finite
differences and against PyTorch, summaries' parameter counts, and errors in the user's words."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import strided
from strided import layers, ops
from strided.autograd import Tensor, gradcheck

from ._keras_pairs import keras_and_strided

RNG = np.random.default_rng(0)
VOLUME = RNG.normal(size=(2, 5, 6, 7, 4)).astype("float32")


def _first(x):
    return np.ascontiguousarray(np.moveaxis(x, -1, 1))


@pytest.mark.parametrize("kwargs", [
    {}, {"strides": 2, "padding": "same"}, {"strides": (1, 2, 1)}, {"dilation_rate": 2, "padding": "same"},
    {"kernel_size": (1, 3, 2), "activation": "relu", "use_bias": False}, {"groups": 2, "padding": "same"},
])
def test_conv3d_matches_keras(kwargs):
    kwargs = dict(kwargs)
    expected, actual, theirs, ours = keras_and_strided("Conv3D", VOLUME, 4, kwargs.pop("kernel_size", 3), **kwargs)
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert ours.count_params() == theirs.count_params()
    assert tuple(ours.compute_output_shape((None, 5, 6, 7, 4))) == tuple(theirs.compute_output_shape((None, 5, 6, 7, 4)))


@pytest.mark.parametrize("kwargs", [
    {}, {"strides": 2, "padding": "same"}, {"strides": (1, 2, 3)}, {"strides": 2, "output_padding": 1},
    {"strides": 2, "output_padding": 1, "padding": "same"}, {"dilation_rate": 2}, {"kernel_size": (2, 3, 4), "strides": 3, "padding": "same"},
])
def test_conv3d_transpose_matches_keras(kwargs):
    kwargs = dict(kwargs)
    expected, actual, theirs, ours = keras_and_strided("Conv3DTranspose", VOLUME, 4, kwargs.pop("kernel_size", 3), **kwargs)
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert tuple(ours.compute_output_shape((None, 5, 6, 7, 4))) == tuple(theirs.compute_output_shape((None, 5, 6, 7, 4)))


@pytest.mark.parametrize("name", ["Conv3D", "Conv3DTranspose"])
def test_channels_first_equals_channels_last(name):
    last = getattr(layers, name)(4, (2, 3, 2), strides=2, padding="same")
    first = getattr(layers, name)(4, (2, 3, 2), strides=2, padding="same", data_format="channels_first")
    y_last = last(VOLUME).numpy()
    first(_first(VOLUME))
    first.set_weights(last.get_weights())
    np.testing.assert_allclose(first(_first(VOLUME)).numpy(), _first(y_last), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("strides, padding, dilation", [
    ((1, 1, 1), 0, (1, 1, 1)), ((2, 1, 2), 1, (1, 1, 1)), ((1, 1, 1), (1, 0, 2), (2, 1, 1)),
])
def test_conv3d_op_matches_torch_values_and_gradients(strides, padding, dilation):
    x = RNG.normal(size=(2, 5, 6, 7, 3))
    kernel = RNG.normal(size=(3, 2, 3, 3, 4))
    bias = RNG.normal(size=4)
    tx, tk, tb = (torch.tensor(a, requires_grad=True) for a in (_first(x), np.ascontiguousarray(kernel.transpose(4, 3, 0, 1, 2)), bias))
    expected = F.conv3d(tx, tk, tb, stride=strides, padding=padding, dilation=dilation)
    sx, sk, sb = (Tensor(a, requires_grad=True) for a in (x, kernel, bias))
    y = ops.conv3d(sx, sk, sb, strides=strides, padding=padding, dilation_rate=dilation)
    np.testing.assert_allclose(_first(y.numpy()), expected.detach().numpy(), rtol=1e-10, atol=1e-10)
    upstream = RNG.normal(size=y.shape)
    y.backward(upstream)
    expected.backward(torch.tensor(_first(upstream)))
    np.testing.assert_allclose(_first(sx.grad), tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(sk.grad.transpose(4, 3, 0, 1, 2), tk.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(sb.grad, tb.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_conv3d_transpose_op_matches_torch():
    x = RNG.normal(size=(2, 3, 4, 2, 3))
    kernel = RNG.normal(size=(3, 2, 3, 5, 3))  # (kd, kh, kw, out, in)
    y = ops.conv3d_transpose(x, kernel, strides=(2, 1, 2))
    expected = F.conv_transpose3d(torch.tensor(_first(x)), torch.tensor(np.ascontiguousarray(kernel.transpose(4, 3, 0, 1, 2))),
                                  stride=(2, 1, 2))
    np.testing.assert_allclose(_first(y.numpy()), expected.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("fn, x_shape", [
    (lambda x, k: ops.conv3d(x, k, strides=(2, 1, 1), padding="same"), (1, 3, 5, 4, 2)),
    (lambda x, k: ops.conv3d(x, k, padding="valid", dilation_rate=(1, 2, 1), data_format="channels_first"), (1, 2, 3, 5, 4)),
])
def test_conv3d_gradcheck(fn, x_shape):
    """Also grouped: a kernel with half the input channels means groups=2."""
    gradcheck(lambda x, k, b: ops.conv3d(x, k, b, padding="same"), [RNG.normal(size=(1, 3, 3, 2, 4)),
                                                                      RNG.normal(size=(2, 2, 1, 2, 4)), RNG.normal(size=4)])
    gradcheck(fn, [RNG.normal(size=x_shape), RNG.normal(size=(2, 2, 2, 2, 2))])


@pytest.mark.parametrize("kwargs", [{"strides": 2}, {"strides": 2, "padding": "same", "output_padding": 1},
                                    {"dilation_rate": 2, "data_format": "channels_first"}])
def test_conv3d_transpose_gradcheck(kwargs):
    if kwargs.get("data_format") == "channels_first":
        x, kernel = RNG.normal(size=(1, 2, 2, 3, 2)), RNG.normal(size=(2, 2, 2, 3, 2))
    else:
        x, kernel = RNG.normal(size=(1, 2, 3, 2, 2)), RNG.normal(size=(2, 3, 2, 3, 2))
    gradcheck(lambda a, k: ops.conv3d_transpose(a, k, **kwargs), [x, kernel])


def test_volumetric_model_summary_counts_and_trains():
    model = strided.Sequential([
        layers.Input((8, 8, 8, 1)),
        layers.Conv3D(4, 3, padding="same", activation="relu"),
        layers.MaxPooling3D(2),
        layers.Conv3DTranspose(2, 2, strides=2),
        layers.GlobalAveragePooling3D(),
        layers.Dense(2),
    ])
    assert model.count_params() == (27 * 4 + 4) + (8 * 4 * 2 + 2) + (2 * 2 + 2)
    model.compile(optimizer="adam", loss="mse")
    x, y = RNG.normal(size=(4, 8, 8, 8, 1)).astype("float32"), RNG.normal(size=(4, 2)).astype("float32")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before


def test_errors_name_the_layer_and_the_shape():
    with pytest.raises(ValueError, match=r"Conv3D: expected an input with 5 dimensions.*\(2, 6, 6, 3\).*batch axis"):
        layers.Conv3D(2, 3)(np.zeros((2, 6, 6, 3), "float32"))
    with pytest.raises(ValueError, match="Conv3D.*does not fit"):
        layers.Conv3D(2, 5)(np.zeros((1, 3, 6, 6, 1), "float32"))
    with pytest.raises(ValueError, match="Conv3DTranspose.*output_padding"):
        layers.Conv3DTranspose(2, 3, strides=1, output_padding=1)
    with pytest.raises(ValueError, match="Conv3D: the number of input channels must be evenly divisible"):
        layers.Conv3D(4, 3, groups=2)(np.zeros((1, 4, 4, 4, 3), "float32"))
    with pytest.raises(ValueError, match="conv3d: the kernel must have shape"):
        ops.conv3d(np.zeros((1, 4, 4, 4, 2)), np.zeros((3, 3, 3, 3, 1)))
