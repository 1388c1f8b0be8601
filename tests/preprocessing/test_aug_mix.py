"""AugMix: the same operations as Keras 3.15 (all_ops or the basic seven), built with the same
arguments; the mix equal to Keras' transform_images for the same chains and weights; draws in
their ranges; value range kept, seeded, identity outside training; config; bad arguments."""

import keras
import numpy as np
import pytest

from strided import layers
from strided.autograd import Tensor
from strided.layers.preprocessing.aug_mix import AUG_MIX_BASIC_OPERATIONS, AUG_MIX_OPERATIONS

RNG = np.random.default_rng(4)
IMAGES = RNG.uniform(0, 255, (4, 16, 16, 3)).astype(np.float32)
IGNORED = {"name", "dtype", "seed", "trainable"}


def _plain(value):
    return list(value) if isinstance(value, (tuple, list)) else value


@pytest.mark.parametrize("kwargs", [{}, {"all_ops": False, "value_range": (0, 1), "factor": (0.1, 0.6)}])
def test_operations_are_keras_operations_with_keras_arguments(kwargs):
    ours = layers.AugMix(**kwargs)
    theirs = keras.layers.AugMix(**kwargs)
    assert list(ours._names) == list(theirs._augment_layers)
    for name in ours._names:
        operation, reference = ours._operations[name], getattr(theirs, name)
        assert type(operation).__name__ == type(reference).__name__
        expected, actual = reference.get_config(), operation.get_config()
        for key in set(expected) - IGNORED:
            assert np.allclose(_plain(actual[key]), _plain(expected[key])) if key.endswith(("factor", "range")) \
                else actual[key] == expected[key], (name, key, actual[key], expected[key])
    assert set(AUG_MIX_BASIC_OPERATIONS) < set(AUG_MIX_OPERATIONS)


@pytest.mark.parametrize("value_range", [(0, 255), (0, 1)])
def test_mix_equals_keras_for_the_same_chains(value_range):
    images = IMAGES / 255 * (value_range[1] - value_range[0]) + value_range[0]
    chains = [["auto_contrast"], ["equalization", "auto_contrast"], []]
    weights, keep = np.array([0.2, 0.5, 0.3], np.float32), 0.4
    keras_chains = [[{"layer_name": name, "transformation": None} for name in chain] for chain in chains]
    expected = np.asarray(keras.layers.AugMix(value_range=value_range).transform_images(images, {
        "chain_mixing_weights": weights, "weight_sample": np.float32(keep), "chain_transforms": keras_chains},
        training=True))
    actual = layers.AugMix(value_range=value_range)._apply(Tensor(images), {
        "chain_mixing_weights": weights, "weight_sample": keep, "chain_transforms": chains}).numpy()
    np.testing.assert_allclose(actual, expected, atol=1e-5 * (value_range[1] - value_range[0]))


def test_draws_are_in_their_ranges():
    layer = layers.AugMix(num_chains=4, chain_depth=5, alpha=0.7)
    lengths = set()
    for seed in range(30):
        params = layer._draw(np.random.default_rng(seed))
        weights = params["chain_mixing_weights"]
        assert weights.shape == (4,) and np.all(weights >= 0) and np.isclose(weights.sum(), 1.0)
        assert 0 <= params["weight_sample"] <= 1
        assert len(params["chain_transforms"]) == 4
        for chain in params["chain_transforms"]:
            assert len(chain) <= 5 and set(chain) <= set(AUG_MIX_OPERATIONS)
            lengths.add(len(chain))
    assert min(lengths) < 5 and max(lengths) == 5  # slots may stay empty


def test_empty_chains_give_the_image_back():
    params = {"chain_mixing_weights": [0.3, 0.7], "weight_sample": 0.25, "chain_transforms": [[], []]}
    np.testing.assert_allclose(layers.AugMix(num_chains=2)._apply(Tensor(IMAGES), params).numpy(), IMAGES,
                               rtol=1e-6)


@pytest.mark.parametrize("value_range", [(0, 255), (-1, 1)])
def test_output_stays_in_range_seeded_and_only_in_training(value_range):
    low, high = value_range
    images = IMAGES / 255 * (high - low) + low
    outputs = [layers.AugMix(value_range=value_range, factor=0.9, seed=s)(images).numpy() for s in (1, 1, 2, 3)]
    np.testing.assert_array_equal(outputs[0], outputs[1])
    assert any(not np.allclose(outputs[0], other) for other in outputs[2:])
    for out in outputs:
        assert out.shape == images.shape and out.dtype == np.float32
        assert out.min() >= low and out.max() <= high
    layer = layers.AugMix(value_range=value_range, seed=1)
    np.testing.assert_array_equal(layer(images, training=False).numpy(), images)
    assert layer(images[0]).shape == images[0].shape


def test_config_round_trip_has_keras_keys():
    layer = layers.AugMix(value_range=(0, 1), num_chains=2, chain_depth=1, factor=0.5, alpha=0.5,
                          all_ops=False, seed=3)
    config = layer.get_config()
    assert set(keras.layers.AugMix().get_config()) <= set(config)
    assert config["factor"] == (0, 0.5) and config["all_ops"] is False
    rebuilt = layers.AugMix.from_config(config)
    assert rebuilt.get_config() == config and list(rebuilt._names) == list(AUG_MIX_BASIC_OPERATIONS)


def test_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match=r"AugMix: `factor`"):
        layers.AugMix(factor=2.0)
    with pytest.raises(ValueError, match=r"AugMix: `num_chains` must be an int >= 1"):
        layers.AugMix(num_chains=0)
    with pytest.raises(ValueError, match=r"AugMix: `chain_depth` must be an int >= 0"):
        layers.AugMix(chain_depth=1.5)
    with pytest.raises(ValueError, match=r"AugMix: `alpha` must be a positive number"):
        layers.AugMix(alpha=0)
    with pytest.raises(ValueError, match=r"AugMix: `value_range`"):
        layers.AugMix(value_range=(3,))
