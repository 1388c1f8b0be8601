"""Nadam, Adamax, Adadelta, Lion, Ftrl, Lamb and Adafactor against Keras 3: the same starting
weights and gradients for several steps give the same weights; configs and names as Keras'."""

import numpy as np
import pytest

import strided
from strided import optimizers

keras = pytest.importorskip("keras")

SHAPES = [(5, 4), (4,), (3, 3, 2, 4), (1,)]
CASES = [
    ("Nadam", {"learning_rate": 0.01}),
    ("Nadam", {"learning_rate": 0.02, "beta_1": 0.8, "weight_decay": 0.05}),
    ("Adamax", {"learning_rate": 0.01}),
    ("Adamax", {"learning_rate": 0.05, "beta_2": 0.9, "clipnorm": 0.5}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adadelta", {"learning_rate": 0.5, "rho": 0.8, "epsilon": 1e-4}),
    ("Lion", {"learning_rate": 0.01}),
    ("Lion", {"learning_rate": 0.01, "beta_1": 0.5, "beta_2": 0.9, "weight_decay": 0.1}),
    ("Ftrl", {"learning_rate": 0.1}),
    ("Ftrl", {"learning_rate": 0.1, "learning_rate_power": -0.3, "initial_accumulator_value": 0.5,
              "l1_regularization_strength": 0.01, "l2_regularization_strength": 0.02,
              "l2_shrinkage_regularization_strength": 0.03, "beta": 0.1}),
    ("Lamb", {"learning_rate": 0.01}),
    ("Lamb", {"learning_rate": 0.05, "beta_2": 0.9, "global_clipnorm": 1.0}),
    ("Adafactor", {"learning_rate": 0.01}),
    ("Adafactor", {"learning_rate": 0.5, "relative_step": False, "clip_threshold": 0.5, "epsilon_2": 0.1}),
]


def _run(lib, name, kwargs, weights, gradients):
    optimizer = getattr(lib.optimizers, name)(**kwargs)
    if lib is keras:
        variables = [keras.Variable(w.copy()) for w in weights]
    else:
        variables = [strided.Variable(w.copy()) for w in weights]
    for step in gradients:
        optimizer.apply_gradients(zip([g.copy() for g in step], variables))
    return optimizer, [np.asarray(keras.ops.convert_to_numpy(v) if lib is keras else v.numpy()) for v in variables]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_steps_match_keras(name, kwargs):
    rng = np.random.default_rng(len(name) + len(kwargs))
    weights = [rng.normal(size=shape).astype(np.float32) for shape in SHAPES]
    gradients = [[rng.normal(size=shape).astype(np.float32) for shape in SHAPES] for _ in range(6)]
    gradients[2][1][:] = 0.0  # a zero gradient (Lamb's and Lion's special cases)
    mine, mine_weights = _run(strided, name, kwargs, weights, gradients)
    theirs, their_weights = _run(keras, name, kwargs, weights, gradients)
    for a, b, w in zip(mine_weights, their_weights, weights):
        assert a.dtype == np.float32
        assert not np.allclose(a, w)  # the steps moved every variable
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=2e-6)
    assert mine.iterations == int(theirs.iterations.numpy())
    # the state summary() counts as "Optimizer params" (strided's learning rate is a float, +1)
    assert sum(np.asarray(v).size for v in mine.variables) + 1 == sum(int(np.prod(v.shape)) for v in theirs.variables)
    mine_config, their_config = mine.get_config(), theirs.get_config()
    assert mine_config.pop("learning_rate") == pytest.approx(their_config.pop("learning_rate"), rel=1e-7)
    assert mine_config == their_config


@pytest.mark.parametrize("name", ["nadam", "adamax", "adadelta", "lion", "ftrl", "lamb", "adafactor"])
def test_compile_by_name_and_config_round_trip(name):
    optimizer = optimizers.get(name)
    if name != "lamb":  # Keras 3.15 leaves Lamb out of its names (strided accepts it)
        assert type(optimizer).__name__ == type(keras.optimizers.get(name)).__name__
    assert type(optimizer).__name__.lower() == name
    assert optimizer.name == name  # Keras' first automatic name
    again = optimizers.deserialize(optimizers.serialize(optimizer))
    assert again.get_config() == optimizer.get_config()
    model = strided.Sequential([strided.Input((3,)), strided.layers.Dense(2)])
    model.compile(optimizer=name, loss="mse")
    x = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32)
    before = model.get_weights()[0].copy()
    model.fit(x, np.zeros((8, 2), np.float32), epochs=1, verbose=0)
    assert not np.array_equal(model.get_weights()[0], before)


@pytest.mark.parametrize("name", ["Nadam", "Adafactor", "Ftrl"])
def test_state_resumes_identically(name):
    rng = np.random.default_rng(3)
    weights = [rng.normal(size=shape).astype(np.float32) for shape in SHAPES]
    steps = [[rng.normal(size=shape).astype(np.float32) for shape in SHAPES] for _ in range(4)]
    straight, straight_weights = _run(strided, name, {"learning_rate": 0.01}, weights, steps)
    first, halfway = _run(strided, name, {"learning_rate": 0.01}, weights, steps[:2])
    resumed = getattr(optimizers, name)(learning_rate=0.01)
    variables = [strided.Variable(w) for w in halfway]
    resumed.set_state(first.get_state())
    for step in steps[2:]:
        resumed.apply(step, variables)
    for a, b in zip(straight_weights, variables):
        np.testing.assert_array_equal(a, b.numpy())


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="learning_rate_power"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="rho"):
        optimizers.Adadelta(rho=1.5)
