"""ContrastLimitedAdaptiveHistogramEqualization: equal to Keras 3.15 on the same images (tile
sizes that divide the image and ones that need padding, value ranges, clip limits, both data
formats), always applied, config round trip; bad arguments named."""

import keras
import numpy as np
import pytest

from strided import layers

RNG = np.random.default_rng(11)
CLAHE = layers.ContrastLimitedAdaptiveHistogramEqualization


@pytest.mark.parametrize("shape, grid, clip_limit, value_range, data_format", [
    ((2, 32, 32, 3), (8, 8), 4.0, (0, 255), "channels_last"),   # Keras' defaults
    ((2, 37, 23, 3), (4, 3), 2.0, (0, 1), "channels_last"),      # padded tiles
    ((1, 30, 41, 2), (3, 5), 0.0, (-1, 1), "channels_first"),    # no clipping
    ((3, 16, 16, 1), (1, 1), 40.0, (0, 255), "channels_last"),   # one tile: plain equalization
    ((1, 9, 14, 3), (2, 4), 1.0, (0, 255), "channels_first"),
])
def test_equals_keras(shape, grid, clip_limit, value_range, data_format):
    low, high = value_range
    images = ((RNG.uniform(0, 1, shape) ** 2) * (high - low) + low).astype(np.float32)  # skewed
    images[0, :4] = low + 0.3 * (high - low)  # a flat band
    if data_format == "channels_first":
        images = np.ascontiguousarray(images.transpose(0, 3, 1, 2))
    kwargs = dict(value_range=value_range, clip_limit=clip_limit, tile_grid_size=grid, data_format=data_format)
    expected = np.asarray(keras.layers.ContrastLimitedAdaptiveHistogramEqualization(**kwargs)(images))
    layer = CLAHE(**kwargs)
    actual = layer(images).numpy()
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5 * (high - low))
    assert not np.allclose(actual, images)
    np.testing.assert_array_equal(layer(images, training=False).numpy(), actual)  # always applied
    np.testing.assert_array_equal(layer(images[0]).numpy(), actual[0])  # one unbatched image


def test_stretches_a_low_contrast_image():
    images = RNG.uniform(100, 120, (1, 32, 32, 1)).astype(np.float32)
    out = CLAHE(tile_grid_size=(2, 2), clip_limit=0.0)(images).numpy()
    assert out.max() - out.min() > 200  # 20 levels spread over nearly the whole range
    assert np.corrcoef(out.ravel(), images.ravel())[0, 1] > 0.8  # order kept, locally


def test_config_round_trip_has_keras_keys():
    layer = CLAHE(value_range=(0, 1), clip_limit=2.5, tile_grid_size=[4, 2])
    config = layer.get_config()
    assert set(keras.layers.ContrastLimitedAdaptiveHistogramEqualization().get_config()) <= set(config)
    assert config["tile_grid_size"] == (4, 2) and config["value_range"] == (0, 1)
    assert CLAHE.from_config(config).get_config() == config


def test_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match=r"ContrastLimitedAdaptiveHistogramEqualization: `tile_grid_size`"):
        CLAHE(tile_grid_size=(0, 8))
    with pytest.raises(ValueError, match=r"ContrastLimitedAdaptiveHistogramEqualization: `value_range`"):
        CLAHE(value_range=(1, 0))
    with pytest.raises(ValueError, match=r"ContrastLimitedAdaptiveHistogramEqualization: `clip_limit`"):
        CLAHE(clip_limit="high")
    with pytest.raises(ValueError, match=r"ContrastLimitedAdaptiveHistogramEqualization: expected images"):
        CLAHE()(np.zeros((8, 8)))
