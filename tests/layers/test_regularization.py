import json

import numpy as np
import pytest

from strided import layers
from strided.autograd import Tensor
from strided.utils.random import set_random_seed


def test_dropout_is_identity_at_inference():
    x = np.random.default_rng(0).standard_normal((4, 10)).astype("float32")
    layer = layers.Dropout(0.5)
    for training in (None, False):
        np.testing.assert_array_equal(layer(x, training=training).numpy(), x)
    assert layer.compute_output_shape((None, 10)) == (None, 10)


def test_dropout_scales_kept_units_by_inverse_keep_probability():
    x = np.ones((200, 100), dtype="float32")
    y = layers.Dropout(0.25)(x, training=True).numpy()
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.02
    assert abs(y.mean() - 1.0) < 0.03  # the expected value is unchanged
    np.testing.assert_array_equal(layers.Dropout(0.0)(x, training=True).numpy(), x)
    np.testing.assert_array_equal(layers.Dropout(1.0)(x, training=True).numpy(), 0)


def test_dropout_gradient_uses_the_same_mask():
    x = Tensor(np.ones((5, 8)), requires_grad=True)
    y = layers.Dropout(0.5)(x, training=True)
    y.backward(np.ones((5, 8)))
    np.testing.assert_array_equal(x.grad, y.numpy())


def test_dropout_seeding():
    x = np.ones((10, 10), dtype="float32")
    a = layers.Dropout(0.5, seed=3)
    b = layers.Dropout(0.5, seed=3)
    first_a, first_b = a(x, training=True).numpy(), b(x, training=True).numpy()
    np.testing.assert_array_equal(first_a, first_b)  # same seed, same masks
    assert not np.array_equal(a(x, training=True).numpy(), first_a)  # a new mask each call
    set_random_seed(5)
    c = layers.Dropout(0.5)(x, training=True).numpy()
    set_random_seed(5)
    np.testing.assert_array_equal(layers.Dropout(0.5)(x, training=True).numpy(), c)


def test_noise_shape_shares_the_mask():
    y = layers.Dropout(0.5, noise_shape=(None, 1, 6))(np.ones((4, 5, 6)), training=True).numpy()
    assert (y == y[:, :1, :]).all()


def test_spatial_dropout_drops_whole_feature_maps():
    y = layers.SpatialDropout2D(0.5)(np.ones((8, 4, 4, 16)), training=True).numpy()
    assert (y == y[:, :1, :1, :]).all() and 0 < (y == 0).mean() < 1
    y = layers.SpatialDropout2D(0.5, data_format="channels_first")(np.ones((8, 16, 4, 4)), training=True).numpy()
    assert (y == y[:, :, :1, :1]).all()
    y = layers.SpatialDropout1D(0.5)(np.ones((8, 5, 16)), training=True).numpy()
    assert (y == y[:, :1, :]).all()
    x = np.ones((2, 4, 4, 3), dtype="float32")
    np.testing.assert_array_equal(layers.SpatialDropout2D(0.5)(x).numpy(), x)
    with pytest.raises(ValueError, match=r"SpatialDropout2D.*4 dimensions"):
        layers.SpatialDropout2D(0.5)(np.ones((2, 4, 3)), training=True)


def test_gaussian_noise_only_while_training():
    x = np.zeros((100, 100), dtype="float32")
    np.testing.assert_array_equal(layers.GaussianNoise(1.0)(x).numpy(), x)
    y = layers.GaussianNoise(0.5, seed=1)(x, training=True).numpy()
    assert abs(y.std() - 0.5) < 0.02 and y.dtype == np.float32


@pytest.mark.parametrize(
    "layer",
    [lambda: layers.Dropout(0.3, noise_shape=(None, 1, 5), seed=2), lambda: layers.SpatialDropout2D(0.2, "channels_first"),
     lambda: layers.SpatialDropout1D(0.1, seed=1), lambda: layers.GaussianNoise(0.1)],
)
def test_config_round_trip(layer):
    layer = layer()
    config = json.loads(json.dumps(layer.get_config()))
    assert type(layer).from_config(config).get_config() == layer.get_config()


@pytest.mark.parametrize("rate", [-0.1, 1.5, "half", None])
def test_bad_rate_names_the_layer(rate):
    with pytest.raises(ValueError, match=rf"Dropout.*Received: rate={rate!r}"):
        layers.Dropout(rate)
