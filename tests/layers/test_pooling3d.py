"""MaxPooling3D, AveragePooling3D, the global 3-D poolings and UpSampling3D / ZeroPadding3D /
Cropping3D: outputs against Keras 3.15 and torch.nn.functional.max_pool3d / avg_pool3d, both
data formats, gradients by finite differences and against PyTorch."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from strided import layers, ops
from strided.autograd import Tensor, gradcheck

from ._keras_pairs import keras_and_strided

RNG = np.random.default_rng(0)
VOLUME = RNG.normal(size=(2, 5, 6, 7, 3)).astype("float32")


def _first(x):
    return np.ascontiguousarray(np.moveaxis(x, -1, 1))


@pytest.mark.parametrize("name", ["MaxPooling3D", "AveragePooling3D"])
@pytest.mark.parametrize("pool_size, kwargs", [
    (2, {}), (2, {"strides": 1}), (2, {"padding": "same", "strides": 2}), (3, {"padding": "same"}),
    ((2, 3, 1), {"strides": (1, 2, 3)}),
])
def test_pooling3d_matches_keras(name, pool_size, kwargs):
    expected, actual, theirs, ours = keras_and_strided(name, VOLUME, pool_size, **kwargs)
    np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-6)
    assert tuple(ours.compute_output_shape(VOLUME.shape)) == tuple(theirs.compute_output_shape(VOLUME.shape))


@pytest.mark.parametrize("torch_fn, op", [(F.max_pool3d, ops.max_pool3d), (F.avg_pool3d, ops.average_pool3d)])
@pytest.mark.parametrize("pool_size, strides", [(2, 2), ((3, 2, 2), (1, 2, 1))])
def test_pool3d_ops_match_torch_values_and_gradients(torch_fn, op, pool_size, strides):
    x = RNG.normal(size=(2, 3, 5, 6, 7))  # channels-first, as torch
    tx = torch.tensor(x, requires_grad=True)
    expected = torch_fn(tx, pool_size, strides)
    sx = Tensor(x, requires_grad=True)
    y = op(sx, pool_size, strides, data_format="channels_first")
    np.testing.assert_allclose(y.numpy(), expected.detach().numpy(), rtol=1e-12)
    upstream = RNG.normal(size=y.shape)
    y.backward(upstream)
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(sx.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("op", [ops.max_pool3d, ops.average_pool3d])
def test_pool3d_gradcheck_with_same_padding_and_overlap(op):
    x = RNG.permutation(60).reshape(1, 3, 4, 5, 1) / 7.0  # distinct values: max has no ties
    gradcheck(lambda t: op(t, 2, strides=1, padding="same"), [x])
    gradcheck(lambda t: op(t, (3, 2, 2), strides=2, padding="same"), [x])


@pytest.mark.parametrize("name", ["MaxPooling3D", "AveragePooling3D", "GlobalAveragePooling3D", "GlobalMaxPooling3D"])
def test_channels_first_equals_channels_last(name):
    args = () if name.startswith("Global") else (2,)
    last = getattr(layers, name)(*args)(VOLUME).numpy()
    first = getattr(layers, name)(*args, data_format="channels_first")(_first(VOLUME)).numpy()
    np.testing.assert_allclose(first, _first(last) if last.ndim == 5 else last, rtol=1e-6)


@pytest.mark.parametrize("name, kwargs", [
    ("GlobalAveragePooling3D", {}), ("GlobalAveragePooling3D", {"keepdims": True}),
    ("GlobalMaxPooling3D", {}), ("GlobalMaxPooling3D", {"keepdims": True}),
])
def test_global_pooling3d_matches_keras(name, kwargs):
    expected, actual, _, _ = keras_and_strided(name, VOLUME, **kwargs)
    np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name, args", [
    ("UpSampling3D", ()), ("UpSampling3D", ((2, 1, 3),)), ("ZeroPadding3D", ()), ("ZeroPadding3D", (((1, 2), (0, 1), (3, 0)),)),
    ("ZeroPadding3D", (2,)), ("Cropping3D", ()), ("Cropping3D", (((1, 2), (0, 1), (3, 0)),)), ("Cropping3D", ((1, 2, 0),)),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_spatial_resizing3d_matches_keras(name, args, data_format):
    x = VOLUME if data_format == "channels_last" else _first(VOLUME)
    expected, actual, theirs, ours = keras_and_strided(name, x, *args, data_format=data_format)
    np.testing.assert_array_equal(actual, expected)
    assert tuple(ours.compute_output_shape(x.shape)) == tuple(theirs.compute_output_shape(x.shape))


def test_resizing3d_gradients():
    x = RNG.normal(size=(1, 2, 3, 2, 2))
    gradcheck(lambda t: layers.UpSampling3D((2, 1, 2), dtype="float64")(t), [x])
    gradcheck(lambda t: layers.ZeroPadding3D(1, dtype="float64")(t), [x])
    gradcheck(lambda t: layers.Cropping3D(((0, 1), (1, 1), 0), dtype="float64")(t), [x])


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match="MaxPooling3D: expected an input with 5 dimensions"):
        layers.MaxPooling3D()(np.zeros((1, 4, 4, 2), "float32"))
    with pytest.raises(ValueError, match="AveragePooling3D.*padding"):
        layers.AveragePooling3D(2, padding="full")
    with pytest.raises(ValueError, match="MaxPooling3D: pool_size .* is larger than the input"):
        layers.MaxPooling3D(4)(np.zeros((1, 3, 8, 8, 1), "float32"))
    with pytest.raises(ValueError, match="Cropping3D: cropping .* removes every element"):
        layers.Cropping3D(2)(np.zeros((1, 4, 8, 8, 1), "float32"))


@pytest.mark.parametrize("name", ["AdaptiveAveragePooling3D", "AdaptiveMaxPooling3D"])
@pytest.mark.parametrize("size", [2, (3, 4, 5), (4, 4, 3)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_adaptive_pooling3d_matches_keras(name, size, data_format):
    expected, actual, theirs, ours = keras_and_strided(name, VOLUME, size, data_format=data_format)
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)
    assert tuple(ours.compute_output_shape(VOLUME.shape)) == tuple(theirs.compute_output_shape(VOLUME.shape))


@pytest.mark.parametrize("torch_fn, op", [(F.adaptive_max_pool3d, ops.adaptive_max_pool3d),
                                          (F.adaptive_avg_pool3d, ops.adaptive_average_pool3d)])
def test_adaptive_pool3d_ops_match_torch_and_gradcheck(torch_fn, op):
    x = RNG.normal(size=(2, 3, 5, 6, 7))
    tx = torch.tensor(x, requires_grad=True)
    expected = torch_fn(tx, (3, 4, 5))
    sx = Tensor(x, requires_grad=True)
    y = op(sx, (3, 4, 5), data_format="channels_first")
    np.testing.assert_allclose(y.numpy(), expected.detach().numpy(), rtol=1e-12)
    upstream = RNG.normal(size=y.shape)
    y.backward(upstream)
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(sx.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    gradcheck(lambda t: op(t, (3, 2, 2)), [RNG.normal(size=(1, 4, 5, 3, 2))])
