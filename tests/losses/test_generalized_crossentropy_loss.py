"""losses.CategoricalGeneralizedCrossEntropy / categorical_generalized_cross_entropy: values,
gradients, q's limits, names and a model trained with it, against real Keras 3."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import strided
from strided import layers, losses
from strided.autograd import Tensor


def _probabilities(rng, n=6, classes=4):
    return rng.dirichlet(np.ones(classes), size=n).astype(np.float32)


@pytest.mark.parametrize("q", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
def test_values_and_gradient_equal_keras(rng, q, reduction):
    p, y = _probabilities(rng), rng.integers(0, 4, 6)
    variable = tf.Variable(p)
    with tf.GradientTape() as tape:
        expected = keras.losses.CategoricalGeneralizedCrossEntropy(q=q, reduction=reduction)(y, variable)
    expected_grad = tape.gradient(expected, variable).numpy()
    x = Tensor(p, requires_grad=True)
    loss = losses.CategoricalGeneralizedCrossEntropy(q=q, reduction=reduction)(y, x)
    strided.ops.sum(loss).backward()
    np.testing.assert_allclose(loss.numpy(), expected.numpy(), rtol=1e-5)
    np.testing.assert_allclose(x.grad, expected_grad, rtol=1e-5, atol=1e-6)


def test_function_is_the_formula(rng):
    p, y = _probabilities(rng), rng.integers(0, 4, 6)
    values = losses.categorical_generalized_cross_entropy(y, p, q=0.3).numpy()
    np.testing.assert_allclose(values, (1 - p[np.arange(6), y] ** 0.3) / 0.3, rtol=1e-6)
    np.testing.assert_allclose(values, keras.losses.categorical_generalized_cross_entropy(y, p, q=0.3),
                               rtol=1e-5)


def test_labels_with_a_trailing_axis_of_one_give_one_value_per_sample(rng):
    """Keras' docstring allows (batch, 1) labels (its code then broadcasts them to (batch, batch))."""
    p, y = _probabilities(rng), rng.integers(0, 4, 6)
    np.testing.assert_allclose(losses.categorical_generalized_cross_entropy(y[:, None], p, q=0.5).numpy(),
                               keras.losses.categorical_generalized_cross_entropy(y, p, q=0.5), rtol=1e-5)


def test_q_outside_the_open_interval_is_refused():
    for q in (0.0, 1.0, -0.5):
        with pytest.raises(ValueError, match="CategoricalGeneralizedCrossEntropy: q must be in"):
            losses.CategoricalGeneralizedCrossEntropy(q=q)


def test_name_config_and_serialization_match_keras():
    for name in ("categorical_generalized_cross_entropy", "CategoricalGeneralizedCrossEntropy"):
        assert isinstance(losses.get(name), losses.CategoricalGeneralizedCrossEntropy)
    loss = losses.CategoricalGeneralizedCrossEntropy(q=0.7)
    assert loss.get_config() == keras.losses.CategoricalGeneralizedCrossEntropy(q=0.7).get_config()
    assert losses.serialize(loss) == keras.losses.serialize(keras.losses.CategoricalGeneralizedCrossEntropy(q=0.7))
    assert losses.deserialize(losses.serialize(loss)).q == 0.7


def test_compile_by_name_evaluates_as_keras_and_fit_lowers_the_loss(rng):
    x = rng.standard_normal((32, 6)).astype(np.float32)
    y = rng.integers(0, 4, 32)
    reference = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4, activation="softmax")])
    # Keras 3.15's losses.get knows neither this name nor the class name; strided knows both.
    reference.compile(optimizer="adam", loss=keras.losses.CategoricalGeneralizedCrossEntropy())
    model = strided.Sequential([layers.Input((6,)), layers.Dense(4, activation="softmax")])
    model.compile(optimizer=strided.optimizers.Adam(0.05), loss="categorical_generalized_cross_entropy")
    model.set_weights(reference.get_weights())
    expected = reference.evaluate(x, y, batch_size=8, verbose=0)
    assert model.evaluate(x, y, batch_size=8, verbose=0) == pytest.approx(expected, rel=1e-5)

    history = model.fit(x, y, epochs=4, batch_size=8, verbose=0).history["loss"]
    assert history[-1] < history[0]


@pytest.mark.parametrize("y_true, y_pred, message", [
    (np.zeros(5), np.full((4, 3), 1 / 3), "y_true.shape=(5,)"),
    (np.array([0, 3]), np.full((2, 3), 1 / 3), "labels must be integers 0..2"),
])
def test_bad_labels_give_one_clear_error(y_true, y_pred, message):
    with pytest.raises(ValueError, match="^categorical_generalized_cross_entropy") as error:
        losses.CategoricalGeneralizedCrossEntropy()(y_true, y_pred)
    assert message in str(error.value)
