import json

import numpy as np
import pytest
import torch.nn.functional as F

from strided import layers
from strided.autograd import Tensor

from ._torch_layers import compare_layer_with_torch


def test_flatten_after_the_lesson_convolutions():
    assert layers.Flatten()(layers.Input((5, 5, 64))).shape == (None, 1600)
    assert layers.Flatten()(np.zeros((2, 3, 3, 128))).shape == (2, 1152)
    assert layers.Flatten().compute_output_shape((None, None, 4)) == (None, None)


def test_flatten_channels_first_matches_channels_last_order(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    first = layers.Flatten(data_format="channels_first")(x).numpy()
    last = layers.Flatten()(np.transpose(x, (0, 2, 3, 1))).numpy()
    np.testing.assert_array_equal(first, last)


def test_reshape_and_permute(rng):
    x = rng.standard_normal((2, 12)).astype("float32")
    np.testing.assert_array_equal(layers.Reshape((3, 4))(x).numpy(), x.reshape(2, 3, 4))
    assert layers.Reshape((-1, 2)).compute_output_shape((None, 12)) == (None, 6, 2)
    assert layers.Reshape((-1, 2)).compute_output_shape((None, None)) == (None, None, 2)
    assert layers.Reshape((7, 7, 64))(layers.Input((3136,))).shape == (None, 7, 7, 64)
    y = layers.Permute((2, 1))(x.reshape(2, 3, 4))
    np.testing.assert_array_equal(y.numpy(), x.reshape(2, 3, 4).transpose(0, 2, 1))
    assert layers.Permute((3, 1, 2)).compute_output_shape((None, 4, 5, 6)) == (None, 6, 4, 5)
    with pytest.raises(ValueError, match=r"Reshape.*total size"):
        layers.Reshape((5, 5))(layers.Input((12,)))
    with pytest.raises(ValueError, match=r"Reshape.*at most one -1"):
        layers.Reshape((-1, -1))
    with pytest.raises(ValueError, match=r"Permute.*permutation"):
        layers.Permute((1, 3))


@pytest.mark.parametrize(
    "padding, pads",
    [(1, ((1, 1), (1, 1))), ((2, 0), ((2, 2), (0, 0))), (((1, 2), (3, 0)), ((1, 2), (3, 0)))],
)
def test_zero_padding2d(padding, pads, rng):
    x = rng.standard_normal((2, 4, 5, 3))
    layer = layers.ZeroPadding2D(padding, dtype="float64")
    (t, b), (le, r) = pads
    out = compare_layer_with_torch(layer, lambda xt: F.pad(xt, (0, 0, le, r, t, b)), x, [], [])
    assert out.shape == (2, 4 + t + b, 5 + le + r, 3)
    assert layer.compute_output_shape((None, 4, 5, 3)) == out.shape[:0] + (None,) + out.shape[1:]
    assert layers.ZeroPadding2D(2)(np.ones((1, 28, 28, 1))).shape == (1, 32, 32, 1)
    assert layers.ZeroPadding2D(1, data_format="channels_first").compute_output_shape((None, 3, 4, 5)) == (None, 3, 6, 7)


@pytest.mark.parametrize("cropping, crops", [(1, ((1, 1), (1, 1))), (((1, 0), (0, 2)), ((1, 0), (0, 2)))])
def test_cropping2d(cropping, crops, rng):
    x = rng.standard_normal((2, 6, 7, 3))
    layer = layers.Cropping2D(cropping, dtype="float64")
    (t, b), (le, r) = crops
    out = compare_layer_with_torch(layer, lambda xt: xt[:, t:6 - b, le:7 - r, :], x, [], [])
    assert (None,) + out.shape[1:] == layer.compute_output_shape((None, 6, 7, 3))
    with pytest.raises(ValueError, match=r"Cropping2D.*removes every element"):
        layers.Cropping2D(3)(layers.Input((6, 6, 1)))


@pytest.mark.parametrize("interpolation, mode", [("nearest", "nearest"), ("bilinear", "bilinear")])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_upsampling2d_matches_torch(interpolation, mode, data_format, rng):
    x = rng.standard_normal((2, 3, 4, 5))  # NCHW
    kwargs = {} if mode == "nearest" else {"align_corners": False}

    def torch_up(xt):
        t = xt if data_format == "channels_first" else xt.permute(0, 3, 1, 2)
        y = F.interpolate(t, scale_factor=(2, 3), mode=mode, **kwargs)
        return y if data_format == "channels_first" else y.permute(0, 2, 3, 1)

    if data_format == "channels_last":
        x = np.transpose(x, (0, 2, 3, 1)).copy()
    layer = layers.UpSampling2D((2, 3), data_format=data_format, interpolation=interpolation, dtype="float64")
    out = compare_layer_with_torch(layer, torch_up, x, [], [])
    assert (None,) + out.shape[1:] == layer.compute_output_shape((None,) + x.shape[1:])


def test_1d_reshaping_layers():
    x = np.arange(12, dtype="float32").reshape(1, 4, 3)
    np.testing.assert_array_equal(layers.ZeroPadding1D((1, 2))(x).numpy()[0, :, 0], [0, 0, 3, 6, 9, 0, 0])
    np.testing.assert_array_equal(layers.Cropping1D((1, 2))(x).numpy(), x[:, 1:2])
    np.testing.assert_array_equal(layers.UpSampling1D(2)(x).numpy()[0, :, 0], [0, 0, 3, 3, 6, 6, 9, 9])
    assert layers.UpSampling1D(3).compute_output_shape((None, 4, 3)) == (None, 12, 3)


def test_gradients_flow_through_reshaping(rng):
    x = Tensor(rng.standard_normal((2, 3, 3, 2)), requires_grad=True)
    y = layers.Flatten()(layers.ZeroPadding2D(1)(x))
    y.backward(np.ones(y.shape))
    np.testing.assert_array_equal(x.grad, 1.0)


@pytest.mark.parametrize(
    "layer",
    [lambda: layers.Flatten(data_format="channels_first"), lambda: layers.Reshape((2, -1)), lambda: layers.Permute((2, 1)),
     lambda: layers.ZeroPadding2D(((1, 2), (3, 4))), lambda: layers.Cropping2D(2, data_format="channels_first"),
     lambda: layers.UpSampling2D(3, interpolation="bilinear"), lambda: layers.ZeroPadding1D(2),
     lambda: layers.Cropping1D((0, 1)), lambda: layers.UpSampling1D(4)],
)
def test_config_round_trip(layer):
    layer = layer()
    config = json.loads(json.dumps(layer.get_config()))
    assert type(layer).from_config(config).get_config() == layer.get_config()


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"ZeroPadding2D.*padding"):
        layers.ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match=r"Cropping2D.*cropping"):
        layers.Cropping2D(-1)
    with pytest.raises(ValueError, match=r"UpSampling2D.*interpolation='bicubic'"):
        layers.UpSampling2D(interpolation="bicubic")
    with pytest.raises(ValueError, match=r"UpSampling2D.*size"):
        layers.UpSampling2D(0)
    with pytest.raises(ValueError, match=r"ZeroPadding2D.*4 dimensions"):
        layers.ZeroPadding2D()(np.zeros((3, 3, 1)))
