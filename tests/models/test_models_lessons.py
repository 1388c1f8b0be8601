"""The lessons' workflows end to end on the bundled Fashion-MNIST sample (a few seconds)."""

import numpy as np
import pytest
from lesson_models import fashion_mnist_model, feature_map_model, mnist_sequential_dropout_model

from strided import callbacks, layers, losses
from strided.datasets import fashion_mnist
from strided.models import Sequential
from strided.utils import set_random_seed


@pytest.fixture(scope="module")
def sample():
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(sample=True)
    return (x_train / 255.0, y_train), (x_test / 255.0, y_test)


def small_cnn():
    return Sequential([
        layers.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])


def test_small_cnn_learns_fashion_mnist(sample):
    (x_train, y_train), (x_test, y_test) = sample
    model = small_cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=2, batch_size=64, verbose=0)
    test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert history.history["accuracy"][1] > history.history["accuracy"][0]
    assert test_accuracy > 0.6  # chance is 0.1
    assert test_loss < 1.2
    predictions = model.predict(x_test[:20], verbose=0)
    assert predictions.shape == (20, 10)
    assert np.mean(predictions.argmax(axis=1) == y_test[:20]) > 0.3


def test_lesson_002_workflow_with_stopping_callback(sample):
    (x_train, y_train), (x_test, y_test) = sample

    class StopAtAccuracy(callbacks.Callback):  # the lesson's callback, with a lower bar
        def on_epoch_end(self, epoch, logs={}):  # noqa: B006  (as the lesson writes it)
            if logs["accuracy"] >= 0.15:
                self.model.stop_training = True

    model = fashion_mnist_model()
    model.compile(optimizer="adam", loss=losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    history = model.fit(x_train[:320], y_train[:320], epochs=30, callbacks=[StopAtAccuracy()], verbose=0)
    assert len(history.epoch) < 30 and history.history["accuracy"][-1] >= 0.15
    test_loss, test_accuracy = model.evaluate(x_test[:300], y_test[:300], verbose=0)
    assert np.isfinite(test_loss) and 0 <= test_accuracy <= 1
    assert int(np.argmax(model.predict(x_test[104:105], verbose=0))) in range(10)
    maps = feature_map_model(model).predict(x_test[9].reshape(1, 28, 28, 1), verbose=False)
    assert [m.shape for m in maps] == [(1, 26, 26, 64), (1, 13, 13, 64), (1, 11, 11, 64), (1, 5, 5, 64)]


def run_training(seed, x, y):
    set_random_seed(seed)
    model = mnist_sequential_dropout_model()  # random init, Dropout masks, shuffling
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=2, batch_size=32, validation_split=0.2, verbose=0)
    return model.get_weights(), history.history


def test_set_random_seed_makes_training_bit_identical(sample):
    (x_train, y_train), _ = sample
    x, y = x_train[:160], y_train[:160]
    weights_a, history_a = run_training(7, x, y)
    weights_b, history_b = run_training(7, x, y)
    assert history_a == history_b
    assert all(np.array_equal(a, b) for a, b in zip(weights_a, weights_b))
    weights_c, _ = run_training(8, x, y)
    assert not np.array_equal(weights_a[0], weights_c[0])


def test_training_keeps_float32_and_no_tape(sample):
    (x_train, y_train), _ = sample
    model = small_cnn()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x_train[:64], y_train[:64], epochs=1, verbose=0)  # float64 input data
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert all(v.grad is None for v in model.weights)
    out = model(x_train[:2])
    assert out.dtype == np.float32
