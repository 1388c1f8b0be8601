"""A Sequential without an Input is not frozen to its first call's shape (as Keras 3)."""

import numpy as np
import pytest

import strided
from strided import layers

keras = pytest.importorskip("keras")


def test_resizing_stack_takes_any_image_size_like_keras():
    ours = strided.Sequential([layers.Resizing(18, 18), layers.Conv2D(2, 3)])
    theirs = keras.Sequential([keras.layers.Resizing(18, 18), keras.layers.Conv2D(2, 3)])
    first, second = np.random.default_rng(0).uniform(0, 1, (1, 60, 51, 3)), np.zeros((4, 24, 32, 3))
    for x in (first, second):
        assert tuple(ours(x).shape) == tuple(theirs(x).shape) == (len(x), 16, 16, 2)
    ours.set_weights(theirs.get_weights())
    assert np.allclose(ours(first).numpy(), keras.ops.convert_to_numpy(theirs(first)), atol=1e-5)
    assert ours.count_params() == theirs.count_params() == 56


def test_a_layer_that_needs_the_old_shape_still_objects():
    ours, theirs = strided.Sequential([layers.Dense(3)]), keras.Sequential([keras.layers.Dense(3)])
    ours(np.zeros((2, 5))), theirs(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="5"):
        theirs(np.zeros((2, 6)))
    with pytest.raises(ValueError, match="dense.*5"):
        ours(np.zeros((2, 6)))


def test_summary_fit_and_symbolic_calls_still_work():
    augment = strided.Sequential([layers.RandomFlip("horizontal"), layers.Resizing(8, 8)])
    augment(np.zeros((1, 30, 20, 3)))
    lines = []
    augment.summary(print_fn=lines.append)
    assert "(None, 8, 8, 3)" in "\n".join(lines)
    inputs = strided.Input((12, 14, 3))  # a different size than the first call
    assert augment(inputs).shape == (None, 8, 8, 3)
    model = strided.Sequential([layers.Resizing(8, 8), layers.Conv2D(2, 3), layers.Flatten(), layers.Dense(1)])
    model(np.zeros((1, 20, 20, 3)))
    model.compile("sgd", "mse")
    history = model.fit(np.random.default_rng(1).uniform(size=(6, 31, 17, 3)), np.zeros(6), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert model.predict(np.zeros((3, 9, 40, 3)), verbose=0).shape == (3, 1)


def test_a_model_with_an_input_keeps_checking_shapes():
    model = strided.Sequential([strided.Input((8, 8, 3)), layers.Conv2D(2, 3)])
    with pytest.raises(ValueError, match="expected shape"):
        model(np.zeros((1, 9, 9, 3)))
