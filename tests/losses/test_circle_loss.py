"""losses.Circle / losses.circle: values, gradients, Keras' masking of rows with no pairs,
reductions with sample weights, names and a model trained with it, against real Keras 3."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import strided
from strided import layers, losses, ops
from strided.autograd import Tensor


def _embeddings(rng, n=8, dim=5):
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


LABELS = np.array([0, 1, 0, 2, 1, 3, 0, 2])  # class 3 has one member: no positive pair, loss 0


@pytest.mark.parametrize("options", [{}, {"gamma": 10.0, "margin": 0.25}, {"remove_diagonal": False}])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none", "mean_with_sample_weight"])
def test_values_with_sample_weights_equal_keras(rng, options, reduction):
    embeddings = _embeddings(rng)
    weights = rng.uniform(size=8).astype(np.float32)
    expected = keras.losses.Circle(reduction=reduction, **options)(LABELS, embeddings, sample_weight=weights)
    actual = losses.Circle(reduction=reduction, **options)(LABELS, embeddings, sample_weight=weights)
    np.testing.assert_allclose(actual.numpy(), np.asarray(expected), rtol=1e-5)


def test_mean_counts_only_rows_with_a_positive_loss(rng):
    embeddings = _embeddings(rng)
    per_row = losses.circle(LABELS, embeddings).numpy()
    assert per_row[5] == 0 and np.all(per_row[np.arange(8) != 5] > 0)
    assert float(losses.Circle()(LABELS, embeddings)) == pytest.approx(per_row.sum() / 7, rel=1e-6)
    np.testing.assert_allclose(per_row, keras.losses.circle(LABELS, embeddings).numpy(), rtol=1e-5)


def test_gradient_equals_keras(rng):
    embeddings = _embeddings(rng)
    variable = tf.Variable(embeddings)
    with tf.GradientTape() as tape:
        expected = keras.losses.Circle(gamma=10.0)(LABELS, variable)
    expected_grad = tape.gradient(expected, variable).numpy()
    x = Tensor(embeddings, requires_grad=True)
    losses.Circle(gamma=10.0)(LABELS, x).backward()
    assert np.all(np.isfinite(x.grad))
    np.testing.assert_allclose(x.grad, expected_grad, atol=1e-5 * np.abs(expected_grad).max())


def test_reference_embeddings_equal_keras(rng):
    embeddings, reference = _embeddings(rng, 4), _embeddings(rng, 6)
    labels, reference_labels = np.array([0, 1, 2, 1]), np.array([0, 0, 1, 2, 2, 3])
    expected = keras.losses.circle(labels, embeddings, ref_labels=reference_labels,
                                   ref_embeddings=reference, remove_diagonal=False)
    actual = losses.circle(labels, embeddings, ref_labels=reference_labels, ref_embeddings=reference,
                           remove_diagonal=False)
    np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=1e-5)


def test_name_config_and_serialization_match_keras():
    assert isinstance(losses.get("circle"), losses.Circle)
    loss = losses.Circle(gamma=32.0, margin=0.3, remove_diagonal=False)
    assert loss.get_config() == keras.losses.Circle(gamma=32.0, margin=0.3, remove_diagonal=False).get_config()
    assert losses.serialize(losses.Circle()) == keras.losses.serialize(keras.losses.Circle())
    assert losses.deserialize(losses.serialize(loss)).get_config() == loss.get_config()


def test_compile_by_name_evaluates_as_keras_and_fit_lowers_the_loss(rng):
    x = rng.standard_normal((32, 6)).astype(np.float32)
    y = rng.integers(0, 4, 32)
    x += np.eye(4, 6, dtype=np.float32)[y] * 2  # classes a network can separate

    def normalize(v):
        return v / ops.sqrt(ops.maximum(ops.sum(v * v, axis=-1, keepdims=True), 1e-12))  # as UnitNormalization

    reference = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8), keras.layers.UnitNormalization()])
    reference.compile(optimizer="sgd", loss="circle")
    model = strided.Sequential([layers.Input((6,)), layers.Dense(8), layers.Lambda(normalize)])
    model.compile(optimizer=strided.optimizers.SGD(0.001), loss="circle")
    model.set_weights(reference.get_weights())
    expected = reference.evaluate(x, y, batch_size=32, verbose=0)
    assert model.evaluate(x, y, batch_size=32, verbose=0) == pytest.approx(expected, rel=1e-4)

    history = model.fit(x, y, epochs=5, batch_size=32, verbose=0).history["loss"]
    assert history[-1] < history[0]


@pytest.mark.parametrize("y_true, y_pred, message", [
    (np.zeros(3), np.zeros((4, 5)), "y_true.shape=(3,)"),
    (np.zeros(4), np.zeros((4, 5, 1)), "y_pred.shape=(4, 5, 1)"),
])
def test_bad_shapes_give_one_clear_error(y_true, y_pred, message):
    with pytest.raises(ValueError, match="^circle") as error:
        losses.Circle()(y_true, y_pred)
    assert message in str(error.value)
