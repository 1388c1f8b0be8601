"""RandomPerspective: equal to Keras 3.15's transform_images given the same corner moves; the
draws follow Keras' ranges; training only, seeded, differentiable; bad arguments named."""

import keras
import numpy as np
import pytest

from strided import layers
from strided.autograd import Tensor
from strided.layers.preprocessing.random_perspective import homography_coefficients

RNG = np.random.default_rng(3)
IMAGES = RNG.uniform(0, 255, (3, 9, 12, 3)).astype(np.float32)


def _images(data_format):
    return IMAGES if data_format == "channels_last" else np.ascontiguousarray(IMAGES.transpose(0, 3, 1, 2))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_equals_keras_for_the_same_corners(data_format, interpolation):
    images = _images(data_format)
    kwargs = dict(factor=(0.5, 1.0), scale=0.6, interpolation=interpolation, fill_value=7.0,
                  data_format=data_format)
    layer = layers.RandomPerspective(**kwargs)
    params = layer._draw(3, 9, 12, np.random.default_rng(1))
    params["apply_perspective"] = np.array([True, False, True])
    actual = layer._apply(images, params).numpy()
    expected = np.asarray(keras.layers.RandomPerspective(**kwargs).transform_images(images, {
        "apply_perspective": params["apply_perspective"],
        "start_points": params["start_points"].astype(np.float32),
        "end_points": params["end_points"].astype(np.float32), "input_shape": images.shape}, training=True))
    np.testing.assert_allclose(actual, expected, atol=5e-3)
    np.testing.assert_array_equal(actual[1], images[1])  # not chosen: unchanged
    assert not np.allclose(actual[0], images[0])


def test_homography_maps_moved_corners_back():
    start = np.array([[[0.0, 0.0], [11.0, 0.0], [0.0, 8.0], [11.0, 8.0]]])
    end = start * (1 + np.array([[[0.0, 0.0], [0.2, -0.1], [0.1, 0.3], [-0.2, 0.1]]]))
    a = homography_coefficients(start, end)[0]
    for (x, y), (u, v) in zip(end[0], start[0]):
        w = a[6] * x + a[7] * y + 1
        np.testing.assert_allclose([(a[0] * x + a[1] * y + a[2]) / w, (a[3] * x + a[4] * y + a[5]) / w], [u, v])


def test_draws_follow_keras_ranges():
    layer = layers.RandomPerspective(factor=(0.0, 0.0), scale=0.4)
    params = layer._draw(50, 9, 12, np.random.default_rng(0))
    assert not params["apply_perspective"].any()  # probability 0: never applied
    start, end = params["start_points"], params["end_points"]
    moves = end[start != 0] / start[start != 0] - 1
    assert moves.min() >= -0.2 and moves.max() <= 0.2 and moves.max() - moves.min() > 0.3
    np.testing.assert_array_equal(params["end_points"][:, 0], 0.0)
    np.testing.assert_array_equal(layer(IMAGES).numpy(), IMAGES)
    always = layers.RandomPerspective(factor=(1.0, 1.0), scale=0.5, seed=0)
    assert always._draw(20, 9, 12, np.random.default_rng(0))["apply_perspective"].all()


def test_training_only_seeded_unbatched_and_differentiable():
    first, second = (layers.RandomPerspective(factor=(1.0, 1.0), seed=4) for _ in range(2))
    out = first(IMAGES).numpy()
    np.testing.assert_array_equal(out, second(IMAGES).numpy())
    assert out.shape == IMAGES.shape and out.dtype == np.float32 and not np.allclose(out, IMAGES)
    np.testing.assert_array_equal(first(IMAGES, training=False).numpy(), IMAGES)
    assert first(IMAGES[0]).shape == IMAGES[0].shape
    x = Tensor(IMAGES, requires_grad=True)
    layers.RandomPerspective(factor=(1.0, 1.0), seed=1)(x).sum().backward()
    assert x.grad.shape == IMAGES.shape and 0 < x.grad.sum() <= IMAGES[..., 0].size * 3 + 1e-3


def test_config_round_trip_has_keras_keys():
    layer = layers.RandomPerspective(factor=0.7, scale=0.3, interpolation="nearest", fill_value=2.0, seed=5)
    config = layer.get_config()
    assert set(keras.layers.RandomPerspective().get_config()) <= set(config)
    assert config["factor"] == (0, 0.7)
    assert layers.RandomPerspective.from_config(config).get_config() == config


def test_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match=r"RandomPerspective: `scale` must be a number in the range \[0, 1\]"):
        layers.RandomPerspective(scale=1.5)
    with pytest.raises(ValueError, match=r"RandomPerspective: `factor`"):
        layers.RandomPerspective(factor=2.0)
    with pytest.raises(NotImplementedError, match=r"RandomPerspective: unknown `interpolation`"):
        layers.RandomPerspective(interpolation="bicubic")
    with pytest.raises(ValueError, match=r"RandomPerspective: expected images of rank 4"):
        layers.RandomPerspective()(np.zeros((4, 4)))
