import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from strided import layers
from strided.layers.naming import reset_names

from ._torch_layers import CONV_KERNEL, IDENTITY, compare_layer_with_torch


@pytest.fixture(autouse=True)
def fresh_names():
    reset_names()


def _chain(shape, *stack):
    """Build the layers one after the other from `shape`; return output shapes and param counts."""
    x = layers.Input(shape=shape)
    shapes, params = [], []
    for layer in stack:
        x = layer(x)
        shapes.append(x.shape)
        params.append(layer.count_params())
    return shapes, params


def test_lesson_000_mnist_functional_model_shapes_and_params():
    shapes, params = _chain(
        (28, 28, 1),
        layers.Conv2D(filters=32, kernel_size=3, activation="relu"), layers.MaxPooling2D(pool_size=2),
        layers.Conv2D(filters=64, kernel_size=3, activation="relu"), layers.MaxPooling2D(pool_size=2),
        layers.Conv2D(filters=128, kernel_size=3, activation="relu"), layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    )
    assert shapes == [(None, 26, 26, 32), (None, 13, 13, 32), (None, 11, 11, 64), (None, 5, 5, 64),
                      (None, 3, 3, 128), (None, 1152), (None, 10)]
    assert params == [320, 0, 18_496, 0, 73_856, 0, 11_530]
    assert sum(params) == 104_202


def test_lesson_002_fashion_mnist_params():
    shapes, params = _chain(
        (28, 28, 1),
        layers.Conv2D(64, (3, 3), activation="relu"), layers.MaxPool2D(2, 2),
        layers.Conv2D(64, (3, 3), activation="relu"), layers.MaxPool2D(2, 2), layers.Flatten(),
        layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax"),
    )
    assert params == [640, 0, 36_928, 0, 0, 204_928, 1_290] and sum(params) == 243_786
    assert shapes[4] == (None, 1600)


def test_same_padding_keeps_size_and_counts_params():
    layer = layers.Conv2D(32, (3, 3), padding="same")
    assert layer(np.zeros((1, 32, 32, 3))).shape == (1, 32, 32, 32)
    assert layer.count_params() == 896
    assert layers.Conv2D(8, 3, strides=2, padding="same").compute_output_shape((None, 7, 7, 3)) == (None, 4, 4, 8)
    assert layers.Conv2D(256, (1, 1)).compute_output_shape((None, 5, 5, 64)) == (None, 5, 5, 256)


@pytest.mark.parametrize(
    "kwargs, torch_kwargs, size",
    [
        ({}, {}, 7),
        ({"strides": 2, "padding": 1}, {"stride": 2, "padding": 1}, 8),
        ({"padding": "same"}, {"padding": "same"}, 6),
        ({"dilation_rate": 2}, {"dilation": 2}, 9),
        ({"groups": 2}, {"groups": 2}, 6),
        ({"strides": (2, 1), "padding": (0, 2)}, {"stride": (2, 1), "padding": (0, 2)}, 7),
    ],
)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv2d_matches_torch(kwargs, torch_kwargs, size, data_format, rng):
    cin, cout = 4, 6
    x = rng.standard_normal((2, size, size + 1, cin))
    layer = layers.Conv2D(cout, 3, data_format=data_format, activation="relu", dtype="float64", **kwargs)
    kernel = rng.standard_normal((3, 3, cin // kwargs.get("groups", 1), cout))
    bias = rng.standard_normal(cout)

    def torch_conv(xt, w, b):
        if data_format == "channels_last":
            return torch.relu(F.conv2d(xt.permute(0, 3, 1, 2), w, b, **torch_kwargs)).permute(0, 2, 3, 1)
        return torch.relu(F.conv2d(xt, w, b, **torch_kwargs))

    if data_format == "channels_first":
        x = np.transpose(x, (0, 3, 1, 2)).copy()
    out = compare_layer_with_torch(layer, torch_conv, x, [kernel, bias], [CONV_KERNEL, IDENTITY])
    assert out.shape == (2, *layer.compute_output_shape((None,) + x.shape[1:])[1:])


def test_conv2d_strided_same_padding_pads_after_like_keras(rng):
    # Keras/TF "same" with stride 2 on an even size pads 0 before and 1 after.
    x = rng.standard_normal((1, 6, 6, 2))
    layer = layers.Conv2D(3, 3, strides=2, padding="same", dtype="float64")
    kernel, bias = rng.standard_normal((3, 3, 2, 3)), np.zeros(3)

    def torch_conv(xt, w, b):
        padded = F.pad(xt.permute(0, 3, 1, 2), (0, 1, 0, 1))
        return F.conv2d(padded, w, b, stride=2).permute(0, 2, 3, 1)

    out = compare_layer_with_torch(layer, torch_conv, x, [kernel, bias], [CONV_KERNEL, IDENTITY])
    assert out.shape == (1, 3, 3, 3)


@pytest.mark.parametrize("padding, torch_pad", [("valid", (0, 0)), ("same", (1, 1)), ("causal", (2, 0)), (2, (2, 2))])
def test_conv1d_matches_torch(padding, torch_pad, rng):
    x = rng.standard_normal((2, 9, 3))
    layer = layers.Conv1D(5, 3, padding=padding, dtype="float64")
    kernel, bias = rng.standard_normal((3, 3, 5)), rng.standard_normal(5)

    def torch_conv(xt, w, b):
        return F.conv1d(F.pad(xt.permute(0, 2, 1), torch_pad), w, b).permute(0, 2, 1)

    out = compare_layer_with_torch(
        layer, torch_conv, x, [kernel, bias], [(lambda k: k.transpose(2, 1, 0), lambda g: g.transpose(2, 1, 0)), IDENTITY]
    )
    assert out.shape == (2, *layer.compute_output_shape((None, 9, 3))[1:])


def test_conv_kernel_layout_and_glorot_fans():
    layer = layers.Conv2D(32, (3, 3))
    layer(np.zeros((1, 28, 28, 1)))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 3, 1, 32) and bias.shape == (32,)
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    limit = math.sqrt(6 / (9 * 1 + 9 * 32))  # fan_in = kh*kw*cin, fan_out = kh*kw*cout
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.8 * limit
    np.testing.assert_array_equal(bias, 0)


def test_conv_kernel_regularizer_in_losses():
    layer = layers.Conv2D(2, 3, kernel_initializer="ones", kernel_regularizer="l2")
    layer(np.zeros((1, 5, 5, 1)))
    assert float(layer.losses[0]) == pytest.approx(0.01 * 18)


@pytest.mark.parametrize(
    "layer",
    [
        lambda: layers.Conv2D(16, (3, 5), strides=(2, 1), padding="same", activation="relu", groups=2,
                              kernel_initializer="he_normal", kernel_regularizer="l2", name="c"),
        lambda: layers.Conv2D(4, 3, padding=((1, 0), (2, 2)), data_format="channels_first", use_bias=False),
        lambda: layers.Conv1D(4, 5, padding="causal", dilation_rate=2, activation="tanh"),
        lambda: layers.Conv2DTranspose(8, 3, strides=2, padding="same", output_padding=1, activation="sigmoid"),
        lambda: layers.DepthwiseConv2D(3, depth_multiplier=2, padding=1, depthwise_regularizer="l1"),
        lambda: layers.SeparableConv2D(8, 3, depth_multiplier=3, pointwise_initializer="zeros"),
        lambda: layers.SeparableConv1D(8, 3),
        lambda: layers.DepthwiseConv1D(3),
    ],
)
def test_conv_config_round_trip(layer):
    layer = layer()
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    assert clone.get_config() == layer.get_config()


def test_conv2d_transpose_shapes_and_params():
    layer = layers.Conv2DTranspose(8, 3, strides=2, padding="same")
    assert layer(np.zeros((1, 7, 7, 16))).shape == (1, 14, 14, 8)
    assert layer.count_params() == 3 * 3 * 16 * 8 + 8
    assert layer.get_weights()[0].shape == (3, 3, 8, 16)  # (kh, kw, out, in) as Keras
    assert layers.Conv2DTranspose(8, 3, strides=2).compute_output_shape((None, 7, 7, 16)) == (None, 15, 15, 8)
    assert layers.Conv2DTranspose(8, 4, strides=2, padding=1).compute_output_shape((None, 7, 7, 3)) == (None, 14, 14, 8)
    assert layers.Conv2DTranspose(8, 3, strides=2, padding="same", output_padding=0).compute_output_shape(
        (None, 7, 7, 3)) == (None, 13, 13, 8)


@pytest.mark.parametrize(
    "kwargs, torch_kwargs, crop",
    [
        ({"strides": 2}, {"stride": 2}, None),
        ({"strides": 2, "padding": 1, "output_padding": 1}, {"stride": 2, "padding": 1, "output_padding": 1}, None),
        ({"strides": 2, "padding": "same"}, {"stride": 2}, (0, 8)),  # canvas 9, "same" keeps the first 8
        ({"dilation_rate": 2}, {"dilation": 2}, None),
    ],
)
def test_conv2d_transpose_matches_torch(kwargs, torch_kwargs, crop, rng):
    x = rng.standard_normal((2, 4, 4, 3))
    layer = layers.Conv2DTranspose(5, 3, dtype="float64", **kwargs)
    kernel, bias = rng.standard_normal((3, 3, 5, 3)), rng.standard_normal(5)

    def torch_deconv(xt, w, b):
        y = F.conv_transpose2d(xt.permute(0, 3, 1, 2), w, b, **torch_kwargs)
        if crop:
            y = y[:, :, crop[0]:crop[1], crop[0]:crop[1]]
        return y.permute(0, 2, 3, 1)

    to_torch = (lambda k: k.transpose(3, 2, 0, 1), lambda g: g.transpose(2, 3, 1, 0))  # (kh,kw,out,in) <-> (in,out,kh,kw)
    out = compare_layer_with_torch(layer, torch_deconv, x, [kernel, bias], [to_torch, IDENTITY])
    assert out.shape == (2, *layer.compute_output_shape((None, 4, 4, 3))[1:])


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_depthwise_conv2d_matches_torch_grouped_conv(data_format, rng):
    c, m = 3, 2
    x = rng.standard_normal((2, 6, 6, c))
    if data_format == "channels_first":
        x = np.transpose(x, (0, 3, 1, 2)).copy()
    layer = layers.DepthwiseConv2D(3, depth_multiplier=m, padding="same", data_format=data_format, dtype="float64")
    kernel, bias = rng.standard_normal((3, 3, c, m)), rng.standard_normal(c * m)

    def torch_depthwise(xt, w, b):
        if data_format == "channels_last":
            return F.conv2d(xt.permute(0, 3, 1, 2), w, b, padding=1, groups=c).permute(0, 2, 3, 1)
        return F.conv2d(xt, w, b, padding=1, groups=c)

    # output channel c*m + j uses kernel[:, :, c, j] -> torch weight (C*M, 1, kh, kw)
    to_torch = (lambda k: k.reshape(3, 3, c * m).transpose(2, 0, 1)[:, None],
                lambda g: g[:, 0].transpose(1, 2, 0).reshape(3, 3, c, m))
    compare_layer_with_torch(layer, torch_depthwise, x, [kernel, bias], [to_torch, IDENTITY])
    assert layer.count_params() == 3 * 3 * c * m + c * m


def test_separable_conv2d_matches_torch(rng):
    c, m, o = 3, 2, 5
    x = rng.standard_normal((2, 7, 7, c))
    layer = layers.SeparableConv2D(o, 3, depth_multiplier=m, strides=2, dtype="float64")
    depthwise, pointwise, bias = (rng.standard_normal((3, 3, c, m)), rng.standard_normal((1, 1, c * m, o)),
                                  rng.standard_normal(o))

    def torch_separable(xt, dw, pw, b):
        y = F.conv2d(xt.permute(0, 3, 1, 2), dw, None, stride=2, groups=c)
        return F.conv2d(y, pw, b).permute(0, 2, 3, 1)

    to_torch_dw = (lambda k: k.reshape(3, 3, c * m).transpose(2, 0, 1)[:, None],
                   lambda g: g[:, 0].transpose(1, 2, 0).reshape(3, 3, c, m))
    compare_layer_with_torch(layer, torch_separable, x, [depthwise, pointwise, bias],
                             [to_torch_dw, CONV_KERNEL, IDENTITY])
    assert [w.name for w in layer.weights] == ["depthwise_kernel", "pointwise_kernel", "bias"]
    assert layer.count_params() == 9 * c * m + c * m * o + o
    assert layer.compute_output_shape((None, 7, 7, c)) == (None, 3, 3, o)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.Conv2D(0, 3), r"Conv2D.*Received: filters=0"),
        (lambda: layers.Conv2D(8, 0), r"Conv2D.*kernel_size.*Received: kernel_size=0"),
        (lambda: layers.Conv2D(8, 3, strides=2, dilation_rate=2), r"Conv2D.*strides.*dilation_rate"),
        (lambda: layers.Conv2D(8, 3, padding="full"), r"Conv2D.*padding.*Received: padding='full'"),
        (lambda: layers.Conv2D(8, 3, padding="causal"), r"Conv2D.*padding"),
        (lambda: layers.Conv2D(6, 3, groups=4), r"Conv2D.*divisible.*groups=4, filters=6"),
        (lambda: layers.Conv2D(8, (3, 3, 3)), r"Conv2D.*kernel_size"),
        (lambda: layers.Conv2DTranspose(8, 3, strides=2, output_padding=2), r"Conv2DTranspose.*output_padding"),
        (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), r"DepthwiseConv2D.*depth_multiplier=0"),
        (lambda: layers.SeparableConv2D(-1, 3), r"SeparableConv2D.*filters=-1"),
    ],
)
def test_bad_arguments_name_the_layer(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_inputs_give_clear_errors():
    with pytest.raises(ValueError, match=r"Conv2D.*expected an input with 4 dimensions.*\(28, 28, 1\).*batch axis"):
        layers.Conv2D(8, 3)(np.zeros((28, 28, 1)))
    with pytest.raises(ValueError, match=r"Conv2D.*groups=2.*3 channels"):
        layers.Conv2D(8, 3, groups=2)(np.zeros((1, 5, 5, 3)))
    with pytest.raises(ValueError, match=r"Conv2D.*does not fit"):
        layers.Conv2D(8, 5)(np.zeros((1, 3, 3, 1)))
    with pytest.raises(ValueError, match=r"Conv2D.*does not fit"):
        layers.Conv2D(8, 5)(layers.Input((3, 3, 1)))


@settings(max_examples=25, deadline=None)
@given(
    size=st.integers(5, 12), kernel=st.integers(1, 4), stride=st.integers(1, 3), dilation=st.integers(1, 2),
    padding=st.sampled_from(["valid", "same", 0, 1, 2]), transpose=st.booleans(),
)
def test_compute_output_shape_equals_the_real_output(size, kernel, stride, dilation, padding, transpose):
    if stride > 1 and dilation > 1:
        dilation = 1
    if transpose:
        layer = layers.Conv2DTranspose(2, kernel, strides=stride, padding=padding, dilation_rate=dilation)
    else:
        layer = layers.Conv2D(2, kernel, strides=stride, padding=padding, dilation_rate=dilation)
    try:
        expected = layer.compute_output_shape((None, size, size + 1, 3))
    except ValueError:
        with pytest.raises(ValueError):
            layer(np.zeros((1, size, size + 1, 3), dtype="float32"))
        return
    assert layer(np.zeros((1, size, size + 1, 3), dtype="float32")).shape == (1,) + expected[1:]
