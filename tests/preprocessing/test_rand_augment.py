"""RandAugment: the same eleven operations as Keras 3.15, built with the same arguments; the drawn
operations applied in order (equal to Keras' transform_images for the deterministic ones);
value range kept, seeded, identity outside training; config round trip; bad arguments named."""

import keras
import numpy as np
import pytest

from strided import layers
from strided.autograd import Tensor
from strided.layers.preprocessing.rand_augment import RAND_AUGMENT_OPERATIONS

RNG = np.random.default_rng(2)
IMAGES = RNG.uniform(0, 255, (4, 16, 16, 3)).astype(np.float32)
IGNORED = {"name", "dtype", "seed", "trainable"}


def _plain(value):
    return list(value) if isinstance(value, (tuple, list)) else value


@pytest.mark.parametrize("kwargs", [{}, {"value_range": (0, 1), "factor": (0.2, 0.7), "interpolation": "nearest"}])
def test_operations_are_keras_operations_with_keras_arguments(kwargs):
    ours = layers.RandAugment(**kwargs)
    theirs = keras.layers.RandAugment(**kwargs)
    assert list(RAND_AUGMENT_OPERATIONS) == list(theirs._AUGMENT_LAYERS)
    for name in RAND_AUGMENT_OPERATIONS:
        operation, reference = ours._operations[name], getattr(theirs, name)
        assert type(operation).__name__ == type(reference).__name__
        expected = reference.get_config()
        actual = operation.get_config()
        for key in set(expected) - IGNORED:
            assert np.allclose(_plain(actual[key]), _plain(expected[key])) if key.endswith(("factor", "range")) \
                else actual[key] == expected[key], (name, key, actual[key], expected[key])


def test_deterministic_operations_equal_keras():
    keras_layer = keras.layers.RandAugment()
    transformation = keras_layer.get_random_transformation(IMAGES, training=True)
    transformation["layer_idxes"] = np.array([10, 9])  # equalization, then auto contrast
    expected = np.asarray(keras_layer.transform_images(IMAGES, transformation, training=True))
    actual = layers.RandAugment()._apply(Tensor(IMAGES), {"layer_idxes": [10, 9]}).numpy()
    np.testing.assert_allclose(actual, expected, atol=1e-3)


def test_applies_the_drawn_operations_in_order(monkeypatch):
    layer = layers.RandAugment(num_ops=5, seed=7)
    applied = []
    for name, operation in layer._operations.items():
        monkeypatch.setattr(operation, "_transform", lambda x, training, name=name: applied.append(name) or x)
    layer(IMAGES)
    drawn = np.random.default_rng(7).integers(0, len(RAND_AUGMENT_OPERATIONS), 5)
    assert applied == [RAND_AUGMENT_OPERATIONS[i] for i in drawn]
    picks = np.concatenate([layer._draw(np.random.default_rng(s))["layer_idxes"] for s in range(40)])
    assert set(picks) == set(range(len(RAND_AUGMENT_OPERATIONS)))  # every operation can be drawn


@pytest.mark.parametrize("value_range", [(0, 255), (0, 1), (-1, 1)])
def test_output_stays_in_range_seeded_and_only_in_training(value_range):
    low, high = value_range
    images = IMAGES / 255 * (high - low) + low
    outputs = [layers.RandAugment(value_range=value_range, num_ops=3, factor=0.8, seed=s)(images).numpy()
               for s in (1, 1, 2, 3)]
    np.testing.assert_array_equal(outputs[0], outputs[1])
    assert any(not np.allclose(outputs[0], other) for other in outputs[2:])
    for out in outputs:
        assert out.shape == images.shape and out.dtype == np.float32
        assert out.min() >= low - 1e-5 * (high - low) and out.max() <= high + 1e-5 * (high - low)
    layer = layers.RandAugment(value_range=value_range, seed=1)
    np.testing.assert_array_equal(layer(images, training=False).numpy(), images)
    assert layer(images[0]).shape == images[0].shape
    np.testing.assert_array_equal(layers.RandAugment(num_ops=0)(images).numpy(), images)


def test_config_round_trip_has_keras_keys():
    layer = layers.RandAugment(value_range=(0, 1), num_ops=3, factor=0.4, seed=9)
    config = layer.get_config()
    assert set(keras.layers.RandAugment().get_config()) <= set(config)
    assert config["factor"] == (0, 0.4) and config["num_ops"] == 3
    assert layers.RandAugment.from_config(config).get_config() == config


def test_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match=r"RandAugment: `factor`"):
        layers.RandAugment(factor=1.5)
    with pytest.raises(ValueError, match=r"RandAugment: `num_ops` must be an int >= 0"):
        layers.RandAugment(num_ops=-1)
    with pytest.raises(ValueError, match=r"RandAugment: `value_range`"):
        layers.RandAugment(value_range=(1, 0))
    with pytest.raises(ValueError, match=r"RandAugment: `interpolation`"):
        layers.RandAugment(interpolation="bicubic")
