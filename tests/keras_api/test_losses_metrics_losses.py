"""Every Keras loss strided has, compared with real Keras 3 on the same inputs: the per-sample
function, the class with sample weights, the string name in compile, and the gradient
(against TensorFlow's tape and against float64 finite differences)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import strided
from strided import losses
from strided.autograd import Tensor, gradcheck

RNG = np.random.default_rng(0)
PROBABILITIES = RNG.dirichlet(np.ones(4), size=6).astype(np.float32)
ONE_HOT = np.eye(4, dtype=np.float32)[RNG.integers(0, 4, 6)]
BINARY = RNG.integers(0, 2, (6, 4)).astype(np.float32)
SIGNED = BINARY * 2 - 1
REALS = RNG.normal(size=(6, 4)).astype(np.float32) * 2
POSITIVE = RNG.uniform(0.1, 3.0, (6, 4)).astype(np.float32)
COUNTS = RNG.poisson(2.0, (6, 4)).astype(np.float32)
MASKS = RNG.integers(0, 2, (3, 4, 4, 1)).astype(np.float32)
MASK_PROBS = RNG.uniform(0.01, 0.99, (3, 4, 4, 1)).astype(np.float32)

# (class name, constructor kwargs, y_true, y_pred)
CASES = [
    ("KLDivergence", {}, PROBABILITIES[::-1].copy(), PROBABILITIES),
    ("BinaryFocalCrossentropy", {}, BINARY, PROBABILITIES),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "gamma": 3.0, "from_logits": True,
                                 "label_smoothing": 0.1}, BINARY, REALS),
    ("CategoricalFocalCrossentropy", {}, ONE_HOT, PROBABILITIES),
    ("CategoricalFocalCrossentropy", {"alpha": 0.5, "gamma": 1.5, "from_logits": True,
                                      "label_smoothing": 0.2}, ONE_HOT, REALS),
    ("CategoricalHinge", {}, ONE_HOT, REALS),
    ("Hinge", {}, BINARY, REALS),
    ("Hinge", {}, SIGNED, REALS),
    ("SquaredHinge", {}, BINARY, REALS),
    ("Huber", {}, REALS[::-1].copy(), REALS),
    ("Huber", {"delta": 0.5}, REALS[::-1].copy(), REALS),
    ("LogCosh", {}, REALS[::-1].copy(), REALS),
    ("MeanAbsolutePercentageError", {}, REALS[::-1].copy(), REALS),
    ("MeanSquaredLogarithmicError", {}, POSITIVE[::-1].copy(), POSITIVE),
    ("Poisson", {}, COUNTS, POSITIVE),
    ("CosineSimilarity", {}, REALS[::-1].copy(), REALS),
    ("CosineSimilarity", {"axis": 0}, REALS[::-1].copy(), REALS),
    ("Dice", {}, MASKS, MASK_PROBS),
    ("Dice", {"axis": (1, 2, 3)}, MASKS, MASK_PROBS),
    ("Tversky", {"alpha": 0.3, "beta": 0.7}, MASKS, MASK_PROBS),
    ("Tversky", {"axis": (1, 2, 3)}, MASKS, MASK_PROBS),
]
IDS = [f"{name}-{i}" for i, (name, *_rest) in enumerate(CASES)]


def _keras_loss(name, kwargs, y_true, y_pred, sample_weight=None):
    variable = tf.Variable(y_pred)
    with tf.GradientTape() as tape:
        value = getattr(keras.losses, name)(**kwargs)(y_true, variable, sample_weight=sample_weight)
    return float(value), tape.gradient(value, variable).numpy()


@pytest.mark.parametrize("name, kwargs, y_true, y_pred", CASES, ids=IDS)
def test_class_value_and_gradient_match_keras(name, kwargs, y_true, y_pred):
    weight = np.linspace(0.2, 1.5, y_pred.shape[0]).astype(np.float32)
    per_sample = kwargs.get("axis", None if name != "CosineSimilarity" else -1) not in (None, 0) if name in ("Dice", "Tversky", "CosineSimilarity") else True
    weight = weight if per_sample else None
    expected, expected_grad = _keras_loss(name, kwargs, y_true, y_pred, weight)
    prediction = Tensor(y_pred, requires_grad=True)
    value = getattr(losses, name)(**kwargs)(y_true, prediction, sample_weight=weight)
    value.backward()
    assert value.shape == ()
    np.testing.assert_allclose(float(value.data), expected, rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(prediction.grad, expected_grad, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name, kwargs, y_true, y_pred", CASES, ids=IDS)
def test_per_sample_function_matches_keras(name, kwargs, y_true, y_pred):
    keras_fn = getattr(keras.losses, name)(**kwargs).fn
    strided_fn = getattr(losses, name)(**kwargs).fn
    expected = np.asarray(keras_fn(y_true, y_pred, **getattr(keras.losses, name)(**kwargs)._fn_kwargs))
    actual = strided_fn(y_true, y_pred, **getattr(losses, name)(**kwargs)._fn_kwargs).numpy()
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=2e-5, atol=1e-6)
    assert getattr(losses, strided_fn.__name__) is strided_fn  # exported as keras.losses.<fn>


@pytest.mark.parametrize("name, kwargs, y_true, y_pred", CASES, ids=IDS)
def test_gradient_matches_finite_differences(name, kwargs, y_true, y_pred):
    loss = getattr(losses, name)(**kwargs)
    target = y_true.astype(np.float64)
    rows = slice(0, 2)  # a small slice keeps the finite differences quick
    prediction = y_pred[rows].astype(np.float64)
    if name == "Huber":  # keep errors away from the kink at |e| = delta
        prediction = prediction + 0.01
    assert gradcheck(lambda p: loss(target[rows], p), [prediction], atol=1e-6, rtol=1e-4)


def test_config_matches_keras_and_round_trips():
    for name, kwargs, _, _ in CASES:
        ours, theirs = getattr(losses, name)(**kwargs), getattr(keras.losses, name)(**kwargs)
        config = ours.get_config()
        for key, value in theirs.get_config().items():
            assert config[key] == value, (name, key)
        again = losses.get(losses.serialize(ours))
        assert type(again) is type(ours) and again.get_config() == config


FUNCTION_NAMES = ["kl_divergence", "kld", "huber", "log_cosh", "hinge", "squared_hinge",
                  "categorical_hinge", "poisson", "mape", "msle", "mean_absolute_percentage_error",
                  "mean_squared_logarithmic_error", "cosine_similarity", "binary_focal_crossentropy",
                  "categorical_focal_crossentropy", "dice", "tversky", "KLDivergence", "Huber"]


@pytest.mark.parametrize("identifier", FUNCTION_NAMES)
def test_string_names_resolve_as_keras(identifier):
    ours = losses.get(identifier)
    theirs = keras.losses.get(identifier)
    y_true, y_pred = (ONE_HOT, PROBABILITIES)
    expected = np.mean(np.asarray(theirs(y_true, y_pred)))
    np.testing.assert_allclose(float(ours(y_true, y_pred).data), expected, rtol=2e-5, atol=1e-6)


def test_compile_with_a_new_loss_name_trains():
    x = RNG.normal(size=(32, 5)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[RNG.integers(0, 3, 32)]
    model = strided.Sequential([strided.layers.Input((5,)), strided.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="kl_divergence")
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    expected = np.mean(np.asarray(keras.losses.kl_divergence(y, model.predict(x, verbose=0))))
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), expected, rtol=1e-5)


def test_mismatched_shapes_give_one_clear_error():
    with pytest.raises(ValueError, match=r"huber: `y_true` and `y_pred` must have the same shape.*\(6, 3\)"):
        losses.huber(REALS, REALS[:, :3])
