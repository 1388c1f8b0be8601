"""Conv1DTranspose, the adaptive poolings, RepeatVector and Dot against Keras 3.15 (same
weights and inputs), with finite-difference gradients and the errors users see."""

import numpy as np
import pytest

from strided import layers, ops
from strided.autograd import gradcheck

from ._keras_pairs import keras, keras_and_strided

RNG = np.random.default_rng(0)
SEQ = RNG.normal(size=(2, 7, 3)).astype("float32")
IMG = RNG.normal(size=(2, 7, 9, 3)).astype("float32")


@pytest.mark.parametrize("kwargs", [
    {}, {"strides": 2, "padding": "same"}, {"strides": 3, "output_padding": 1}, {"dilation_rate": 2},
    {"strides": 2, "padding": "same", "data_format": "channels_first"},
])
def test_conv1d_transpose_matches_keras(kwargs):
    expected, actual, theirs, ours = keras_and_strided("Conv1DTranspose", SEQ, 4, 3, **kwargs)
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert ours.count_params() == theirs.count_params()
    assert tuple(ours.compute_output_shape((None, *SEQ.shape[1:]))) == tuple(theirs.compute_output_shape((None, *SEQ.shape[1:])))


def test_conv1d_transpose_alias_and_gradient():
    assert layers.Convolution1DTranspose is layers.Conv1DTranspose
    assert layers.SeparableConvolution1D is layers.SeparableConv1D
    layer = layers.Conv1DTranspose(2, 3, strides=2, dtype="float64")
    x = RNG.normal(size=(1, 4, 2))
    layer(x)
    kernel, bias = layer.weights
    gradcheck(lambda t, k: ops.squeeze(ops.conv_transpose(ops.expand_dims(t, 1), ops.expand_dims(k, 0), strides=(1, 2)), 1),
              [x, kernel.numpy()])
    gradcheck(lambda t: layer(t), [x])


@pytest.mark.parametrize("name, size", [
    ("AdaptiveAveragePooling1D", 3), ("AdaptiveMaxPooling1D", (4,)), ("AdaptiveAveragePooling2D", (3, 4)),
    ("AdaptiveMaxPooling2D", 5), ("AdaptiveAveragePooling2D", (7, 2)),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_adaptive_pooling_matches_keras(name, size, data_format):
    x = SEQ if name.endswith("1D") else IMG
    expected, actual, theirs, ours = keras_and_strided(name, x, size, data_format=data_format)
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)
    assert tuple(ours.compute_output_shape(x.shape)) == tuple(theirs.compute_output_shape(x.shape))
    assert ours.get_config()["output_size"] == theirs.get_config()["output_size"]


def test_adaptive_pooling_gradients_and_errors():
    gradcheck(lambda t: layers.AdaptiveAveragePooling2D((2, 3), dtype="float64")(t), [RNG.normal(size=(1, 5, 7, 2))])
    gradcheck(lambda t: layers.AdaptiveMaxPooling1D(3, dtype="float64")(t), [RNG.normal(size=(2, 7, 2))])
    with pytest.raises(TypeError, match="AdaptiveAveragePooling2D.*output_size"):
        layers.AdaptiveAveragePooling2D((1, 2, 3))
    with pytest.raises(ValueError, match="AdaptiveMaxPooling1D: expected an input with 3 dimensions"):
        layers.AdaptiveMaxPooling1D(2)(IMG)


def test_repeat_vector_matches_keras():
    expected, actual, theirs, ours = keras_and_strided("RepeatVector", SEQ[:, 0], 4)
    np.testing.assert_array_equal(actual, expected)
    assert tuple(ours.compute_output_shape((None, 3))) == tuple(theirs.compute_output_shape((None, 3)))
    gradcheck(lambda t: layers.RepeatVector(2, dtype="float64")(t), [RNG.normal(size=(2, 3))])
    with pytest.raises(ValueError, match="RepeatVector: expected a 2-D input"):
        layers.RepeatVector(2)(SEQ)
    with pytest.raises(ValueError, match="n=0"):
        layers.RepeatVector(0)


@pytest.mark.parametrize("shapes, axes, normalize", [
    (((2, 3, 4), (2, 4, 5)), (2, 1), False),
    (((2, 3, 4), (2, 3, 6)), 1, False),
    (((2, 3, 4), (2, 3, 6)), (1, 1), True),
    (((2, 3, 4), (2, 5, 4)), -1, True),
    (((2, 5), (2, 5)), 1, False),
])
def test_dot_matches_keras(shapes, axes, normalize):
    a, b = (RNG.normal(size=s).astype("float32") for s in shapes)
    theirs, ours = keras.layers.Dot(axes, normalize=normalize), layers.Dot(axes, normalize=normalize)
    np.testing.assert_allclose(ours([a, b]).numpy(), np.asarray(theirs([a, b])), rtol=1e-5, atol=1e-6)
    assert tuple(ours.compute_output_shape([a.shape, b.shape])) == tuple(theirs.compute_output_shape([a.shape, b.shape]))
    np.testing.assert_allclose(layers.dot([a, b], axes=axes, normalize=normalize).numpy(),
                               np.asarray(keras.layers.dot([a, b], axes=axes, normalize=normalize)), rtol=1e-5, atol=1e-6)


def test_dot_gradient_and_errors():
    dot = layers.Dot((2, 1), normalize=True, dtype="float64")
    gradcheck(lambda a, b: dot([a, b]), [RNG.normal(size=(2, 3, 4)), RNG.normal(size=(2, 4, 2))])
    with pytest.raises(ValueError, match="Dot: incompatible input shapes"):
        layers.Dot(1)([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match="two elements"):
        layers.Dot((1, 2, 3))


def test_functional_model_with_dot_and_repeat_vector():
    import strided

    a, b = strided.Input((4,)), strided.Input((3, 4))
    repeated = layers.RepeatVector(3)(a)
    similarity = layers.Dot(axes=2)([repeated, b])
    model = strided.Model([a, b], similarity)
    assert model.output_shape == (None, 3, 3)
    assert model([np.ones((2, 4)), np.ones((2, 3, 4))]).shape == (2, 3, 3)
