"""RandomElasticTransform: the whole layer equal to Keras 3.15's transform_images given the same
noise; the resampler equal to SciPy in every fill mode; the blur equal to Keras' gaussian_blur;
training only, seeded, differentiable; bad arguments named."""

import keras
import numpy as np
import pytest
import scipy.ndimage
import tensorflow as tf

from strided import layers
from strided.autograd import Tensor
from strided.layers.preprocessing._warp import warp
from strided.layers.preprocessing.random_elastic_transform import blur_fields, elastic_parameters

RNG = np.random.default_rng(5)
IMAGES = RNG.uniform(0, 255, (2, 20, 24, 3)).astype(np.float32)


# Keras' TensorFlow backend reads "reflect" and "mirror" wrongly at the low edge (|i| before the
# fold), so those two modes are checked against SciPy below instead.
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "wrap"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_equals_keras_for_the_same_noise(data_format, fill_mode, interpolation):
    images = IMAGES if data_format == "channels_last" else np.ascontiguousarray(IMAGES.transpose(0, 3, 1, 2))
    kwargs = dict(factor=(1.0, 1.0), scale=(1.0, 1.0), fill_mode=fill_mode, interpolation=interpolation,
                  fill_value=9.0, data_format=data_format, value_range=(0, 200))
    # Keras' TensorFlow backend draws dx and dy from the same seed (so dx == dy); give strided that noise
    noise = tf.random.stateless_normal((2, 20, 24), seed=tf.constant([42, 0], tf.int32)).numpy()
    apply = np.array([True, False])
    params = {"apply_transform": apply, "distortion_factor": 1.0, "noise_x": noise, "noise_y": noise}
    actual = layers.RandomElasticTransform(**kwargs)._apply(images, params).numpy()
    keras_layer = keras.layers.RandomElasticTransform(**kwargs)
    expected = np.asarray(keras_layer.transform_images(
        images, {"apply_transform": apply, "distortion_factor": np.float32(1.0), "seed": 42}, training=True))
    np.testing.assert_allclose(actual, expected, atol=2e-3)
    np.testing.assert_array_equal(actual[1], np.clip(images[1], 0, 200))  # not chosen: only clipped
    assert elastic_parameters(20, 24, 1.0) == pytest.approx(keras_layer.get_elastic_transform_params(20, 24, 1.0))


@pytest.mark.parametrize("fill_mode, scipy_mode", [("reflect", "grid-mirror"), ("mirror", "mirror"),
                                                   ("wrap", "grid-wrap"), ("nearest", "nearest"),
                                                   ("constant", "grid-constant")])
def test_resampler_equals_scipy_map_coordinates(fill_mode, scipy_mode):
    image = RNG.uniform(0, 1, (1, 7, 9, 1))
    rows = RNG.uniform(-12, 19, (1, 7, 9))
    cols = RNG.uniform(-12, 21, (1, 7, 9))
    actual = warp(image, rows, cols, fill_mode, 0.25, "bilinear").numpy()[0, ..., 0]
    expected = scipy.ndimage.map_coordinates(image[0, ..., 0], [rows[0], cols[0]], order=1, mode=scipy_mode,
                                             cval=0.25)
    np.testing.assert_allclose(actual, expected, atol=1e-9)


def test_blur_equals_keras_gaussian_blur():
    fields = RNG.normal(size=(2, 15, 17))
    sigma = 1.3
    size = int(6 * sigma) | 1
    expected = keras.ops.image.gaussian_blur(fields[..., None].astype(np.float32), (size, size), (sigma, sigma))
    np.testing.assert_allclose(blur_fields(fields, sigma), np.asarray(expected)[..., 0], atol=1e-5)


def test_training_only_seeded_flat_images_stay_flat_and_differentiable():
    first, second = (layers.RandomElasticTransform(factor=(1.0, 1.0), seed=3) for _ in range(2))
    out = first(IMAGES).numpy()
    np.testing.assert_array_equal(out, second(IMAGES).numpy())
    assert out.shape == IMAGES.shape and not np.allclose(out, IMAGES)
    assert out.min() >= 0 and out.max() <= 255
    np.testing.assert_array_equal(first(IMAGES, training=False).numpy(), IMAGES)
    flat = np.full((2, 16, 16, 1), 100.0, np.float32)
    np.testing.assert_allclose(first(flat).numpy(), flat, atol=1e-3)  # reflect fill: nothing new comes in
    np.testing.assert_array_equal(layers.RandomElasticTransform(scale=0.0)(IMAGES).numpy(), IMAGES)
    x = Tensor(IMAGES, requires_grad=True)
    layers.RandomElasticTransform(factor=(1.0, 1.0), seed=1, value_range=(-1e9, 1e9))(x).sum().backward()
    np.testing.assert_allclose(x.grad.sum(), IMAGES.size, rtol=1e-4)  # reflect: every read lands inside


def test_config_round_trip_has_keras_keys():
    layer = layers.RandomElasticTransform(0.5, scale=(0.2, 0.4), fill_mode="wrap", value_range=(0, 1), seed=2)
    config = layer.get_config()
    assert set(keras.layers.RandomElasticTransform().get_config()) <= set(config)
    assert config["factor"] == (0, 0.5) and config["scale"] == (0.2, 0.4)
    assert layers.RandomElasticTransform.from_config(config).get_config() == config


def test_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match=r"RandomElasticTransform: `scale`"):
        layers.RandomElasticTransform(scale=3.0)
    with pytest.raises(ValueError, match=r"RandomElasticTransform: `factor`"):
        layers.RandomElasticTransform(factor=-0.5)
    with pytest.raises(NotImplementedError, match=r"RandomElasticTransform: unknown `fill_mode`"):
        layers.RandomElasticTransform(fill_mode="edge")
    with pytest.raises(NotImplementedError, match=r"RandomElasticTransform: unknown `interpolation`"):
        layers.RandomElasticTransform(interpolation="area")
