"""strided.constraints against Keras 3: projected values, configs, names, and the projection
applied after each training step."""

import numpy as np
import pytest

import strided
from strided import constraints, layers

keras = pytest.importorskip("keras")

CASES = [
    ("MaxNorm", {}), ("MaxNorm", {"max_value": 0.7, "axis": [0, 1, 2]}), ("MaxNorm", {"max_value": 3, "axis": 1}),
    ("MinMaxNorm", {}), ("MinMaxNorm", {"min_value": 0.5, "max_value": 0.9, "rate": 0.3, "axis": [0, 1, 2]}),
    ("UnitNorm", {}), ("UnitNorm", {"axis": -1}), ("NonNeg", {}),
]


@pytest.mark.parametrize("name,kwargs", CASES)
def test_values_and_config_as_keras(name, kwargs):
    w = np.random.default_rng(0).normal(size=(3, 3, 4, 5)).astype(np.float32) * 0.6
    mine, theirs = getattr(constraints, name)(**kwargs), getattr(keras.constraints, name)(**kwargs)
    expected = keras.ops.convert_to_numpy(theirs(w))
    np.testing.assert_allclose(mine(w), expected, rtol=1e-6, atol=1e-7)
    assert mine(w).dtype == np.float32
    assert isinstance(mine(strided.Tensor(w)), strided.Tensor)
    assert mine.get_config() == theirs.get_config()
    assert constraints.serialize(mine) == keras.constraints.serialize(theirs)
    again = constraints.deserialize(keras.constraints.serialize(theirs))
    assert type(again) is type(mine) and again.get_config() == mine.get_config()


@pytest.mark.parametrize("alias", ["max_norm", "min_max_norm", "non_neg", "unit_norm", "MaxNorm", "UnitNorm"])
def test_names_resolve_as_keras(alias):
    mine, theirs = constraints.get(alias), keras.constraints.get(alias)
    assert type(mine).__name__ == type(theirs).__name__ and mine.get_config() == theirs.get_config()
    assert getattr(constraints, alias) .__name__ == getattr(keras.constraints, alias).__name__


def test_get_errors_and_passthrough():
    assert constraints.get(None) is None
    custom = lambda w: w  # noqa: E731
    assert constraints.get(custom) is custom
    with pytest.raises(ValueError, match="max_normm"):
        constraints.get("max_normm")
    with pytest.raises(ValueError, match="Unknown constraint"):
        constraints.deserialize({"class_name": "os.system", "config": {}})
    assert strided.keras.constraints is constraints


def test_constraint_applied_after_each_step_as_keras():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(16, 6)).astype(np.float32), rng.normal(size=(16, 4)).astype(np.float32)
    kernel = rng.normal(size=(6, 4)).astype(np.float32)
    models = []
    for lib in (strided, keras):
        model = lib.Sequential([lib.Input((6,)), lib.layers.Dense(
            4, kernel_constraint=lib.constraints.MaxNorm(0.5), bias_constraint=lib.constraints.NonNeg())])
        model.layers[0].set_weights([kernel, np.full(4, -0.01, np.float32)])
        model.compile(optimizer=lib.optimizers.SGD(learning_rate=0.1), loss="mse")
        for _ in range(3):
            model.train_on_batch(x, y)
        models.append(model)
    for mine, theirs in zip(models[0].get_weights(), models[1].get_weights()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)
    assert np.linalg.norm(models[0].get_weights()[0], axis=0).max() <= 0.5 + 1e-6
    assert layers.Dense(2, kernel_constraint=constraints.UnitNorm()).get_config()["kernel_constraint"] == {
        "class_name": "UnitNorm", "config": {"axis": 0}}


def test_constraints_by_name_and_from_saved_models(tmp_path):
    """A constraint given by name resolves as in Keras, and models with constraints load back
    from .keras and legacy .h5 files with the same constraints and predictions."""
    model = strided.Sequential([strided.Input((4,)), strided.layers.Dense(
        3, kernel_constraint="max_norm", bias_constraint=strided.constraints.NonNeg())])
    model.compile("sgd", "mse")
    model.fit(np.ones((8, 4)), np.ones((8, 3)), verbose=0)
    x = np.linspace(-1, 1, 8).reshape(2, 4)
    for name in ("m.keras", "m.h5"):
        model.save(tmp_path / name)
        reloaded = strided.models.load_model(tmp_path / name)
        layer = reloaded.layers[0]
        assert isinstance(layer.kernel_constraint, strided.constraints.MaxNorm)
        assert isinstance(layer.bias_constraint, strided.constraints.NonNeg)
        np.testing.assert_array_equal(reloaded.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(ValueError, match="Dense.*kernel_constraint.*nonsense"):
        strided.layers.Dense(3, kernel_constraint="nonsense")
