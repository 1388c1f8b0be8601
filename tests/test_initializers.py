import json
import math

import numpy as np
import pytest

from strided import initializers


def test_compute_fans_matches_keras():
    assert initializers.compute_fans((784, 128)) == (784, 128)
    assert initializers.compute_fans((3, 3, 1, 32)) == (9, 288)
    assert initializers.compute_fans((5, 16, 8)) == (80, 40)  # Conv1D kernel
    assert initializers.compute_fans((7,)) == (7, 7)
    assert initializers.compute_fans(()) == (1, 1)


@pytest.mark.parametrize(
    "name, expected_std",
    [
        # uniform on [-l, l] has std l / sqrt(3)
        ("glorot_uniform", math.sqrt(6 / (9 * 64 + 9 * 128)) / math.sqrt(3)),
        ("he_uniform", math.sqrt(6 / (9 * 64)) / math.sqrt(3)),
        ("lecun_uniform", math.sqrt(3 / (9 * 64)) / math.sqrt(3)),
        # truncated normals are rescaled so that the std after truncation is the target
        ("glorot_normal", math.sqrt(2 / (9 * 64 + 9 * 128))),
        ("he_normal", math.sqrt(2 / (9 * 64))),
        ("lecun_normal", math.sqrt(1 / (9 * 64))),
    ],
)
def test_variance_scaling_family_has_the_keras_spread(name, expected_std):
    values = initializers.get(name)((3, 3, 64, 128))
    assert values.shape == (3, 3, 64, 128)
    assert values.dtype == np.float32
    assert abs(values.mean()) < 0.05 * expected_std * 10
    np.testing.assert_allclose(values.std(), expected_std, rtol=0.02)


def test_uniform_limits_and_truncation():
    limit = math.sqrt(6 / (100 + 50))
    values = initializers.GlorotUniform(seed=1)((100, 50))
    assert values.max() <= limit and values.min() >= -limit
    stddev = 0.05
    values = initializers.TruncatedNormal(stddev=stddev, seed=1)((200, 200))
    assert np.abs(values).max() <= 2 * stddev + 1e-7


def test_seeded_initializer_repeats_and_unseeded_does_not():
    a = initializers.HeNormal(seed=3)((4, 5))
    b = initializers.HeNormal(seed=3)((4, 5))
    np.testing.assert_array_equal(a, b)
    unseeded = initializers.HeNormal()
    assert not np.array_equal(unseeded((4, 5)), unseeded((4, 5)))


def test_constant_initializers_and_dtype():
    np.testing.assert_array_equal(initializers.get("zeros")((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(initializers.get("ones")((3,)), np.ones(3))
    np.testing.assert_array_equal(initializers.Constant(0.1)((2,)), np.full(2, 0.1, np.float32))
    assert initializers.get("ones")((2,), dtype="float64").dtype == np.float64
    np.testing.assert_array_equal(initializers.Identity(2.0)((2, 2)), 2 * np.eye(2))
    with pytest.raises(ValueError, match="2D"):
        initializers.Identity()((2, 2, 2))


def test_random_normal_and_uniform_arguments():
    values = initializers.RandomNormal(mean=1.0, stddev=0.1, seed=0)((100, 100))
    assert abs(values.mean() - 1.0) < 0.01 and abs(values.std() - 0.1) < 0.01
    values = initializers.RandomUniform(minval=2.0, maxval=3.0, seed=0)((1000,))
    assert values.min() >= 2.0 and values.max() < 3.0


def test_orthogonal_gives_orthonormal_columns_and_rows():
    q = initializers.Orthogonal(seed=0)((6, 4)).astype(np.float64)
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-5)
    q = initializers.get("orthogonal")((3, 8)).astype(np.float64)
    np.testing.assert_allclose(q @ q.T, np.eye(3), atol=1e-5)
    assert initializers.Orthogonal()((3, 3, 2, 4)).shape == (3, 3, 2, 4)


@pytest.mark.parametrize(
    "identifier, cls",
    [
        ("glorot_uniform", initializers.GlorotUniform),
        ("GlorotUniform", initializers.GlorotUniform),
        ("he_normal", initializers.HeNormal),
        ("zeros", initializers.Zeros),
        ("random_normal", initializers.RandomNormal),
        ("truncated_normal", initializers.TruncatedNormal),
        ("uniform", initializers.RandomUniform),
        (initializers.HeUniform, initializers.HeUniform),
        ({"class_name": "Constant", "config": {"value": 2.0}}, initializers.Constant),
    ],
)
def test_get_accepts_names_classes_and_configs(identifier, cls):
    assert isinstance(initializers.get(identifier), cls)


def test_get_passes_instances_and_callables_through_and_none():
    instance = initializers.HeNormal(seed=1)
    assert initializers.get(instance) is instance

    def custom(shape, dtype=None):
        return np.full(shape, 7.0, dtype or "float32")

    assert initializers.get(custom) is custom
    assert initializers.get(None) is None


def test_unknown_names_raise_with_the_choices():
    with pytest.raises(ValueError, match="Unknown initializer: 'glorot'"):
        initializers.get("glorot")
    with pytest.raises(ValueError, match="Could not interpret"):
        initializers.get(3)


@pytest.mark.parametrize(
    "initializer",
    [
        initializers.GlorotUniform(seed=4),
        initializers.VarianceScaling(scale=0.5, mode="fan_out", distribution="uniform", seed=2),
        initializers.RandomNormal(mean=0.5, stddev=2.0),
        initializers.RandomUniform(-1.0, 1.0, seed=3),
        initializers.Constant(0.25),
        initializers.Orthogonal(gain=2.0, seed=1),
        initializers.Zeros(),
    ],
)
def test_serialize_round_trip_is_json_and_equal(initializer):
    config = json.loads(json.dumps(initializers.serialize(initializer)))
    restored = initializers.deserialize(config)
    assert type(restored) is type(initializer)
    assert restored.get_config() == initializer.get_config()
    if getattr(initializer, "seed", None) is not None:
        np.testing.assert_array_equal(restored((3, 4)), initializer((3, 4)))


def test_variance_scaling_validation():
    with pytest.raises(ValueError, match="scale=0"):
        initializers.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match="mode"):
        initializers.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="distribution"):
        initializers.VarianceScaling(distribution="cauchy")
    with pytest.raises(ValueError, match="seed"):
        initializers.HeNormal(seed="7")
    # "normal" is Keras' alias of truncated_normal
    assert initializers.VarianceScaling(distribution="normal").distribution == "truncated_normal"


def test_set_random_seed_makes_unseeded_initializers_repeat():
    from strided.utils.random import set_random_seed

    set_random_seed(11)
    first = initializers.GlorotUniform()((3, 3, 2, 4))
    set_random_seed(11)
    np.testing.assert_array_equal(initializers.GlorotUniform()((3, 3, 2, 4)), first)
