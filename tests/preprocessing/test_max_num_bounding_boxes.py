"""MaxNumBoundingBoxes: boxes and labels cut or padded to max_number exactly as Keras 3.15 does
(batched and unbatched), images and other keys unchanged, Keras' missing-format error, config."""

import keras
import numpy as np
import pytest

from strided import layers

IMAGES = np.random.default_rng(0).uniform(0, 255, (2, 8, 8, 3)).astype(np.float32)
BOXES = {"boxes": np.arange(24, dtype=np.float32).reshape(2, 3, 4), "labels": np.array([[1, 2, 3], [4, 5, 6]])}


def _numpy(tree):
    return {k: _numpy(v) if isinstance(v, dict) else np.asarray(v.numpy() if hasattr(v, "numpy") else v)
            for k, v in tree.items()}


@pytest.mark.parametrize("max_number, fill_value", [(5, -1), (3, 0), (2, -3)])
@pytest.mark.parametrize("batched", [True, False])
def test_equals_keras(max_number, fill_value, batched):
    images = IMAGES if batched else IMAGES[0]
    boxes = BOXES if batched else {k: v[0] for k, v in BOXES.items()}
    kwargs = dict(max_number=max_number, fill_value=fill_value, bounding_box_format="xyxy")
    labels = np.array([0.0, 1.0]) if batched else np.array(1.0)
    expected = _numpy(keras.layers.MaxNumBoundingBoxes(**kwargs)(
        {"images": images, "bounding_boxes": {k: v.copy() for k, v in boxes.items()}, "labels": labels}))
    actual = _numpy(layers.MaxNumBoundingBoxes(**kwargs)(
        {"images": images, "bounding_boxes": boxes, "labels": labels}))
    assert set(actual) == set(expected) == {"images", "bounding_boxes", "labels"}
    for key in ("boxes", "labels"):
        np.testing.assert_array_equal(actual["bounding_boxes"][key], expected["bounding_boxes"][key])
    np.testing.assert_array_equal(actual["images"], images)
    np.testing.assert_array_equal(actual["labels"], labels)


def test_images_alone_pass_and_a_missing_format_is_named():
    np.testing.assert_array_equal(layers.MaxNumBoundingBoxes(3)(IMAGES).numpy(), IMAGES)
    with pytest.raises(ValueError, match=r"MaxNumBoundingBoxes: .*bounding_box_format"):
        layers.MaxNumBoundingBoxes(3)({"images": IMAGES, "bounding_boxes": BOXES})
    with pytest.raises(ValueError, match=r"MaxNumBoundingBoxes: `max_number` must be >= 1"):
        layers.MaxNumBoundingBoxes(0)


def test_config_round_trip_has_keras_keys():
    layer = layers.MaxNumBoundingBoxes(7, fill_value=-2, bounding_box_format="xywh")
    config = layer.get_config()
    assert set(keras.layers.MaxNumBoundingBoxes(7, bounding_box_format="xywh").get_config()) <= set(config)
    assert layers.MaxNumBoundingBoxes.from_config(config).get_config() == config
