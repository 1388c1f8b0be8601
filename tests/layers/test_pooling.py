import json

import numpy as np
import pytest
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from strided import layers
from strided.layers.naming import reset_names

from ._torch_layers import compare_layer_with_torch


@pytest.fixture(autouse=True)
def fresh_names():
    reset_names()


def _nchw(fn):
    """Wrap a torch NCHW function to take and return NHWC tensors."""
    return lambda xt: fn(xt.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


def test_lesson_max_pooling_example():
    x = np.array([[1, 3, 2, 1], [4, 6, 5, 2], [7, 8, 9, 3], [4, 5, 2, 1.0]])[None, :, :, None]
    y = layers.MaxPooling2D(pool_size=(2, 2))(x)
    np.testing.assert_array_equal(y.numpy()[0, :, :, 0], [[6, 5], [8, 9]])


@pytest.mark.parametrize(
    "layer, expected",
    [
        (lambda: layers.MaxPooling2D(), (None, 13, 13, 32)),
        (lambda: layers.MaxPool2D(2, 2), (None, 13, 13, 32)),
        (lambda: layers.MaxPooling2D(3, strides=2), (None, 12, 12, 32)),
        (lambda: layers.MaxPooling2D(3, strides=2, padding="same"), (None, 13, 13, 32)),
        (lambda: layers.AveragePooling2D(3, strides=1, padding="same"), (None, 26, 26, 32)),
        (lambda: layers.AvgPool2D((2, 3)), (None, 13, 8, 32)),
        (lambda: layers.MaxPooling2D(3, 2, padding=1), (None, 13, 13, 32)),
        (lambda: layers.LPPooling2D(), (None, 13, 13, 32)),
        (lambda: layers.GlobalAveragePooling2D(), (None, 32)),
        (lambda: layers.GlobalAvgPool2D(keepdims=True), (None, 1, 1, 32)),
        (lambda: layers.GlobalMaxPooling2D(), (None, 32)),
        (lambda: layers.GlobalMaxPool2D(keepdims=True), (None, 1, 1, 32)),
    ],
)
def test_output_shapes_symbolic_and_real(layer, expected):
    layer = layer()
    assert layer.compute_output_shape((None, 26, 26, 32)) == expected
    assert layer(layers.Input((26, 26, 32))).shape == expected
    assert layer(np.zeros((2, 26, 26, 32))).shape == (2,) + expected[1:]
    assert layer.count_params() == 0


def test_channels_first_shapes():
    assert layers.MaxPooling2D(data_format="channels_first").compute_output_shape((None, 3, 9, 8)) == (None, 3, 4, 4)
    assert layers.GlobalAveragePooling2D(data_format="channels_first")(np.zeros((2, 3, 5, 5))).shape == (2, 3)


def test_1d_pooling_shapes():
    assert layers.MaxPooling1D()(np.zeros((2, 9, 4))).shape == (2, 4, 4)
    assert layers.AveragePooling1D(3, 1, "same").compute_output_shape((None, 9, 4)) == (None, 9, 4)
    assert layers.GlobalMaxPooling1D()(np.zeros((2, 9, 4))).shape == (2, 4)
    assert layers.GlobalAveragePooling1D(keepdims=True).compute_output_shape((None, 9, 4)) == (None, 1, 4)
    assert layers.LPPooling1D(p=3)(np.ones((1, 4, 2))).shape == (1, 2, 2)


@pytest.mark.parametrize(
    "make, torch_fn",
    [
        (lambda **kw: layers.MaxPooling2D(**kw), lambda t: F.max_pool2d(t, 2)),
        (lambda **kw: layers.MaxPooling2D(3, 2, padding=1, **kw), lambda t: F.max_pool2d(t, 3, 2, padding=1)),
        (lambda **kw: layers.AveragePooling2D((2, 3), strides=(1, 2), **kw), lambda t: F.avg_pool2d(t, (2, 3), (1, 2))),
        (lambda **kw: layers.AveragePooling2D(3, 2, padding=1, **kw), lambda t: F.avg_pool2d(t, 3, 2, padding=1)),
        (lambda **kw: layers.GlobalAveragePooling2D(**kw), lambda t: t.mean(dim=(2, 3))),
        (lambda **kw: layers.GlobalMaxPooling2D(**kw), lambda t: t.amax(dim=(2, 3))),
    ],
)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_pooling_matches_torch(make, torch_fn, data_format, rng):
    x = rng.standard_normal((2, 3, 7, 8))  # NCHW
    layer = make(data_format=data_format, dtype="float64")
    if data_format == "channels_first":
        fn = torch_fn
    else:
        x = np.transpose(x, (0, 2, 3, 1)).copy()

        def fn(t):
            y = torch_fn(t.permute(0, 3, 1, 2))
            return y.permute(0, 2, 3, 1) if y.ndim == 4 else y

    out = compare_layer_with_torch(layer, fn, x, [], [])
    assert out.shape == (2, *layer.compute_output_shape((None,) + x.shape[1:])[1:])


def test_lp_pooling_matches_torch_on_non_negative_input(rng):
    x = np.abs(rng.standard_normal((2, 6, 6, 3))) + 0.1
    layer = layers.LPPooling2D(p=2, dtype="float64")
    compare_layer_with_torch(layer, _nchw(lambda t: F.lp_pool2d(t, 2, 2)), x, [], [])
    layer = layers.LPPooling2D(p=3, pool_size=3, strides=1, dtype="float64")
    compare_layer_with_torch(layer, _nchw(lambda t: F.lp_pool2d(t, 3, 3, stride=1)), x, [], [])
    np.testing.assert_allclose(layers.LPPooling2D()(np.full((1, 2, 2, 1), 3.0)).numpy().ravel(), [6.0])


def test_same_average_pooling_ignores_padding_like_keras():
    x = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
    y = layers.AveragePooling2D(2, strides=1, padding="same")(x).numpy()[0, :, :, 0]
    # "same" pads one row/column after; edge windows average only the real pixels
    expected = [[(0 + 1 + 3 + 4) / 4, (1 + 2 + 4 + 5) / 4, (2 + 5) / 2],
                [(3 + 4 + 6 + 7) / 4, (4 + 5 + 7 + 8) / 4, (5 + 8) / 2],
                [(6 + 7) / 2, (7 + 8) / 2, 8]]
    np.testing.assert_allclose(y, expected)


def test_1d_pooling_matches_torch(rng):
    x = rng.standard_normal((2, 9, 3))
    nlc = lambda fn: (lambda t: fn(t.permute(0, 2, 1)).permute(0, 2, 1))
    compare_layer_with_torch(layers.MaxPooling1D(3, 2, dtype="float64"), nlc(lambda t: F.max_pool1d(t, 3, 2)), x, [], [])
    compare_layer_with_torch(layers.AveragePooling1D(dtype="float64"), nlc(lambda t: F.avg_pool1d(t, 2)), x, [], [])


@pytest.mark.parametrize(
    "layer",
    [
        lambda: layers.MaxPooling2D((3, 2), strides=(1, 2), padding="same", data_format="channels_first", name="p"),
        lambda: layers.AveragePooling2D(3, 2, padding=((1, 1), (0, 1))),
        lambda: layers.LPPooling2D(p=3, pool_size=2),
        lambda: layers.MaxPooling1D(4),
        lambda: layers.GlobalAveragePooling2D(keepdims=True),
        lambda: layers.GlobalMaxPooling1D(data_format="channels_first"),
    ],
)
def test_pooling_config_round_trip(layer):
    layer = layer()
    config = json.loads(json.dumps(layer.get_config()))
    assert type(layer).from_config(config).get_config() == layer.get_config()


def test_strides_default_to_pool_size():
    assert layers.MaxPooling2D(3).strides == (3, 3)
    assert layers.MaxPooling2D(3).get_config()["strides"] == (3, 3)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.MaxPooling2D(0), r"MaxPooling2D.*pool_size.*Received: pool_size=0"),
        (lambda: layers.MaxPooling2D(2, strides=0), r"MaxPooling2D.*strides"),
        (lambda: layers.AveragePooling2D(padding="full"), r"AveragePooling2D.*padding='full'"),
        (lambda: layers.MaxPooling2D(2, padding=2), r"MaxPooling2D.*half the pool size"),
        (lambda: layers.LPPooling2D(p=0), r"LPPooling2D.*p=0"),
    ],
)
def test_bad_arguments_name_the_layer(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"MaxPooling2D.*4 dimensions.*\(28, 28\)"):
        layers.MaxPooling2D()(np.zeros((28, 28)))
    with pytest.raises(ValueError, match=r"MaxPooling2D.*larger than the input"):
        layers.MaxPooling2D(5)(np.zeros((1, 3, 3, 1)))
    with pytest.raises(ValueError, match=r"GlobalAveragePooling2D.*4 dimensions"):
        layers.GlobalAveragePooling2D()(np.zeros((2, 5, 3)))


@settings(max_examples=25, deadline=None)
@given(
    size=st.integers(3, 10), pool=st.integers(1, 4), stride=st.sampled_from([None, 1, 2, 3]),
    padding=st.sampled_from(["valid", "same", 1]), kind=st.sampled_from(["max", "average", "lp"]),
)
def test_compute_output_shape_equals_the_real_output(size, pool, stride, padding, kind):
    cls = {"max": layers.MaxPooling2D, "average": layers.AveragePooling2D, "lp": layers.LPPooling2D}[kind]
    if padding == 1 and pool < 2:
        padding = "valid"
    layer = cls(pool_size=pool, strides=stride, padding=padding)
    x = np.ones((1, size, size + 2, 2), dtype="float32")
    try:
        expected = layer.compute_output_shape((None, size, size + 2, 2))
    except ValueError:
        with pytest.raises(ValueError):
            layer(x)
        return
    assert layer(x).shape == (1,) + expected[1:]
