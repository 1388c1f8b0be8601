"""losses.CTC / losses.ctc: values, gradients, reductions, names and a model trained with it,
compared with real Keras 3 (TensorFlow backend)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import strided
from strided import layers, losses
from strided.autograd import Tensor


def _case(rng):
    logits = (rng.standard_normal((4, 8, 5)) * 2).astype(np.float32)
    labels = np.array([[1, 2, 2, 0], [4, 0, 0, 0], [3, 1, 3, 2], [0, 0, 0, 0]])  # 0 pads (blank)
    return labels, logits


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
def test_values_and_gradient_equal_keras(rng, reduction):
    labels, logits = _case(rng)
    variable = tf.Variable(logits)
    with tf.GradientTape() as tape:
        expected = keras.losses.CTC(reduction=reduction)(labels, variable)
    expected_grad = tape.gradient(expected, variable).numpy()
    x = Tensor(logits, requires_grad=True)
    loss = losses.CTC(reduction=reduction)(labels, x)
    strided.ops.sum(loss).backward()
    np.testing.assert_allclose(loss.numpy(), expected.numpy(), rtol=1e-5)
    np.testing.assert_allclose(x.grad, expected_grad, atol=1e-5)
    assert loss.dtype == np.float32


def test_function_gives_one_value_per_sample_as_keras(rng):
    labels, logits = _case(rng)
    np.testing.assert_allclose(losses.ctc(labels, logits).numpy(),
                               keras.losses.ctc(labels, logits).numpy(), rtol=1e-5)


def test_name_config_and_serialization_match_keras():
    assert losses.get("ctc").name == "ctc" and isinstance(losses.get("CTC"), losses.CTC)
    assert losses.CTC().get_config() == keras.losses.CTC().get_config()
    assert losses.serialize(losses.CTC()) == keras.losses.serialize(keras.losses.CTC())
    restored = losses.deserialize(losses.serialize(losses.CTC(reduction="sum", name="seq")))
    assert isinstance(restored, losses.CTC) and restored.reduction == "sum" and restored.name == "seq"


def test_compile_by_name_evaluates_as_keras_and_fit_lowers_the_loss(rng):
    """The same per-frame classifier in both frameworks, compiled with loss="ctc"."""
    frames, features, classes = 10, 6, 5
    x = rng.standard_normal((24, frames, features)).astype(np.float32)
    y = rng.integers(1, classes, size=(24, 3))
    y[::3, 2] = 0  # shorter label sequences, padded with the blank

    reference = keras.Sequential([keras.Input((frames, features)), keras.layers.Dense(classes)])
    reference.compile(optimizer="adam", loss="ctc")
    model = strided.Sequential([layers.Input((frames, features)), layers.Dense(classes)])
    model.compile(optimizer=strided.optimizers.Adam(0.05), loss="ctc")
    model.set_weights(reference.get_weights())
    expected = reference.evaluate(x, y, batch_size=8, verbose=0)
    assert model.evaluate(x, y, batch_size=8, verbose=0) == pytest.approx(expected, rel=1e-5)

    history = model.fit(x, y, epochs=4, batch_size=8, verbose=0).history["loss"]
    assert history[-1] < history[0]


@pytest.mark.parametrize("y_true, y_pred, message", [
    (np.ones((2, 3, 1)), np.zeros((2, 5, 4)), "y_true.shape=(2, 3, 1)"),
    (np.ones((2, 3)), np.zeros((2, 5)), "y_pred.shape=(2, 5)"),
    (np.ones((3, 3)), np.zeros((2, 5, 4)), "same batch size"),
])
def test_bad_shapes_give_one_clear_error(y_true, y_pred, message):
    with pytest.raises(ValueError, match="^ctc") as error:
        losses.CTC()(y_true, y_pred)
    assert message in str(error.value)
