"""UnitNormalization, RMSNormalization, GaussianDropout, AlphaDropout, ActivityRegularization and
SpatialDropout3D against Keras 3.15 (same weights), gradients by finite differences, and the
training-vs-inference behaviour of the noise layers."""

import numpy as np
import pytest

from strided import layers
from strided.autograd import Tensor, gradcheck

from ._keras_pairs import keras_and_strided

X = np.random.default_rng(0).normal(size=(2, 5, 6, 3)).astype("float32")


@pytest.mark.parametrize("kwargs", [{}, {"axis": [1, 2]}, {"axis": 1}])
def test_unit_normalization_matches_keras(kwargs):
    expected, actual, theirs, ours = keras_and_strided("UnitNormalization", X, **kwargs)
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)
    assert ours.get_config()["axis"] == theirs.get_config()["axis"]


@pytest.mark.parametrize("kwargs", [{}, {"axis": [2, 3], "epsilon": 1e-3}])
def test_rms_normalization_matches_keras_with_keras_weights(kwargs):
    theirs_scale = np.random.default_rng(1).normal(size=(6, 3) if kwargs else (3,)).astype("float32")
    expected, _, theirs, ours = keras_and_strided("RMSNormalization", X, **kwargs)
    theirs.set_weights([theirs_scale])
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(X).numpy(), np.asarray(theirs(X)), rtol=1e-5, atol=1e-6)
    assert [w.name for w in ours.weights] == ["scale"]
    assert ours.count_params() == theirs.count_params()
    assert ours.get_config()["axis"] == theirs.get_config()["axis"]  # a sorted list once built


def test_normalization_gradients():
    x = np.random.default_rng(2).normal(size=(2, 3, 4))
    unit = layers.UnitNormalization(axis=[1, 2], dtype="float64")
    gradcheck(lambda t: unit(t), [x])
    rms = layers.RMSNormalization(dtype="float64")
    rms(x)
    rms.set_weights([np.array([0.5, 2.0, -1.0, 1.5])])
    gradcheck(lambda t: rms(t), [x])
    scale = rms.weights[0]
    y = rms(Tensor(x))
    y.backward(np.ones_like(x))
    assert scale.grad.shape == (4,)


def test_unit_normalization_of_zero_vector_is_zero_with_finite_gradient():
    x = Tensor(np.zeros((1, 4)), requires_grad=True)
    y = layers.UnitNormalization(dtype="float64")(x)
    y.backward(np.ones((1, 4)))
    assert np.all(y.numpy() == 0) and np.all(np.isfinite(x.grad))


def test_gaussian_dropout_statistics_and_inference_identity():
    x = np.ones((400, 250), dtype="float32")
    layer = layers.GaussianDropout(0.2, seed=1)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    y = layer(x, training=True).numpy()
    assert abs(y.mean() - 1.0) < 0.01
    assert abs(y.std() - np.sqrt(0.2 / 0.8)) < 0.01
    assert not np.array_equal(y, layer(x, training=True).numpy())  # a new draw each call


def test_alpha_dropout_keeps_zero_mean_unit_variance_and_is_identity_at_inference():
    x = np.random.default_rng(3).normal(size=(500, 400)).astype("float32")
    layer = layers.AlphaDropout(0.3, seed=2)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    y = layer(x, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1.0) < 0.02
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - 0.3) * (1 + 0.3 * alpha_p ** 2)) ** -0.5
    dropped = np.isclose(y, a * alpha_p - a * alpha_p * 0.3, atol=1e-6)
    assert abs(dropped.mean() - 0.3) < 0.01
    kept = ~dropped
    np.testing.assert_allclose(y[kept], a * x[kept] - a * alpha_p * 0.3, rtol=1e-5, atol=1e-5)


def test_alpha_dropout_noise_shape_shares_the_mask():
    y = layers.AlphaDropout(0.5, noise_shape=(None, 1), seed=0)(np.zeros((50, 8), "float32"), training=True).numpy()
    assert np.all(y == y[:, :1])


def test_spatial_dropout3d_drops_whole_volumes_per_channel():
    x = np.ones((8, 3, 3, 3, 6), dtype="float32")
    for data_format, axes in (("channels_last", (1, 2, 3)), ("channels_first", (2, 3, 4))):
        layer = layers.SpatialDropout3D(0.5, data_format=data_format, seed=4)
        y = layer(x if data_format == "channels_last" else np.moveaxis(x, -1, 1), training=True).numpy()
        assert np.all(y.min(axis=axes) == y.max(axis=axes))  # one value per (sample, channel)
        assert set(np.unique(y)) == {0.0, 2.0}
        np.testing.assert_array_equal(layer(y).numpy(), y)  # identity at inference


def test_activity_regularization_loss_equals_keras():
    from ._keras_pairs import keras

    ours, theirs = layers.ActivityRegularization(l1=0.01, l2=0.02), keras.layers.ActivityRegularization(l1=0.01, l2=0.02)
    np.testing.assert_array_equal(ours(X).numpy(), X)
    theirs(X)
    assert len(ours.losses) == 1
    np.testing.assert_allclose(float(ours.losses[0].numpy()), float(theirs.losses[0]), rtol=1e-5)


@pytest.mark.parametrize("make", [
    lambda: layers.GaussianDropout(1.5), lambda: layers.AlphaDropout(-0.1), lambda: layers.RMSNormalization(epsilon=-1),
    lambda: layers.UnitNormalization(axis="x"), lambda: layers.ActivityRegularization(l1=-1), lambda: layers.GaussianDropout(0.1, seed="a"),
])
def test_bad_arguments_name_the_layer(make):
    with pytest.raises((ValueError, TypeError)) as error:
        make()
    assert any(name in str(error.value) for name in ("Dropout", "Normalization", "ActivityRegularization"))


def test_axis_out_of_range_is_a_clear_error():
    with pytest.raises(ValueError, match="UnitNormalization.*out of bounds"):
        layers.UnitNormalization(axis=4)(X)
