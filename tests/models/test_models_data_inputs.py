"""fit/evaluate/predict on generators, iterators, Sequence-like and DataLoader-like inputs."""

import warnings

import numpy as np
import pytest

from strided import layers
from strided.models import Sequential
from strided.models.data_adapter import ArrayAdapter, class_weight_to_sample_weight
from strided.utils import set_random_seed


def model():
    m = Sequential([layers.Dense(3, activation="softmax", input_shape=(4,))])
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def data(n=40):
    rng = np.random.default_rng(0)
    return rng.random((n, 4)).astype("float32"), np.arange(n) % 3


def endless(x, y, batch_size=8):
    while True:
        for start in range(0, len(x), batch_size):
            yield x[start:start + batch_size], y[start:start + batch_size]


class BatchSequence:
    """Keras' Sequence / PyDataset protocol: __len__ and __getitem__ (+ on_epoch_end)."""

    def __init__(self, x, y, batch_size=10):
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        part = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[part], self.y[part]

    def on_epoch_end(self):
        self.epochs_ended += 1


class Loader:
    """A PyTorch-DataLoader-like iterable: a fresh iterator per epoch, a length, [x, y] lists."""

    def __init__(self, x, y, batch_size=10):
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __iter__(self):
        for start in range(0, len(self.x), self.batch_size):
            yield [self.x[start:start + self.batch_size], self.y[start:start + self.batch_size]]


def count_steps(m):
    steps = []

    from strided.callbacks import Callback

    class Count(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            steps.append(0)

        def on_train_batch_end(self, batch, logs=None):
            steps[-1] += 1

    return steps, Count()


def test_endless_generator_with_steps_per_epoch():
    x, y = data()
    m = model()
    steps, counter = count_steps(m)
    history = m.fit(endless(x, y), steps_per_epoch=3, epochs=2, verbose=0, callbacks=[counter])
    assert steps == [3, 3]
    assert len(history.history["loss"]) == 2
    assert m.evaluate(endless(x, y), steps=2, verbose=0)[0] > 0
    assert m.predict(endless(x, y), steps=2, verbose=0).shape == (16, 3)


def test_sequence_uses_its_length_and_on_epoch_end():
    x, y = data()
    sequence = BatchSequence(x, y)
    m = model()
    steps, counter = count_steps(m)
    m.fit(sequence, epochs=2, verbose=0, callbacks=[counter])
    assert steps == [4, 4] and sequence.epochs_ended == 2


def test_dataloader_like_iterable_restarts_each_epoch():
    x, y = data()
    m = model()
    steps, counter = count_steps(m)
    m.fit(Loader(x, y), epochs=3, verbose=0, callbacks=[counter], validation_data=Loader(x, y))
    assert steps == [4, 4, 4]
    assert "val_loss" in m.history.history


def test_image_data_generator_flow():
    from strided.preprocessing.image import ImageDataGenerator

    images = np.random.default_rng(0).random((20, 6, 6, 1)).astype("float32")
    labels = np.arange(20) % 2
    m = Sequential([layers.Flatten(input_shape=(6, 6, 1)), layers.Dense(2, activation="softmax")])
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    flow = ImageDataGenerator(horizontal_flip=True).flow(images, labels, batch_size=8, seed=1)
    history = m.fit(flow, epochs=2, verbose=0)
    assert len(history.history["accuracy"]) == 2


def test_finite_generator_running_out_stops_training():
    x, y = data(16)
    gen = (batch for batch in [(x[:8], y[:8]), (x[8:], y[8:])])
    m = model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = m.fit(gen, steps_per_epoch=2, epochs=5, verbose=0)
    assert history.epoch == [0]
    assert any("ran out of data" in str(w.message) for w in caught)


def test_generator_with_y_argument_is_rejected():
    x, y = data()
    with pytest.raises(ValueError, match="`y` argument is not supported"):
        model().fit(endless(x, y), y, steps_per_epoch=1, verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model().fit(endless(x, y), steps_per_epoch=1, validation_split=0.2, verbose=0)


def test_generator_shape_is_checked_before_training():
    bad = ((np.ones((4, 5)), np.zeros(4)) for _ in range(3))
    with pytest.raises(ValueError, match=r"fit\(\): Input 0 .* expected shape \(None, 4\)"):
        model().fit(bad, steps_per_epoch=1, verbose=0)


def test_shuffle_is_seeded_and_covers_every_sample():
    x = np.arange(10)[:, None].astype("float32")
    adapter = ArrayAdapter(x, np.arange(10), batch_size=4, shuffle=True)
    set_random_seed(3)
    first = np.concatenate([b[1] for b in adapter.batches()])
    set_random_seed(3)
    again = np.concatenate([b[1] for b in adapter.batches()])
    assert sorted(first) == list(range(10))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, np.arange(10))
    unshuffled = ArrayAdapter(x, np.arange(10), batch_size=4, shuffle=False)
    assert [len(b[0]) for b in unshuffled.batches()] == [4, 4, 2]


def test_class_weight_lookup_accepts_int_and_one_hot_labels():
    table = {0: 1.0, 1: 5.0}
    np.testing.assert_array_equal(class_weight_to_sample_weight(np.array([0, 1, 1]), table), [1, 5, 5])
    np.testing.assert_array_equal(class_weight_to_sample_weight(np.eye(2)[[1, 0]], table), [5, 1])
    np.testing.assert_array_equal(class_weight_to_sample_weight(np.array([[1], [0]]), table), [5, 1])


def test_lists_of_numbers_are_accepted():
    m = model()
    m.fit([[0.1, 0.2, 0.3, 0.4]] * 4, [0, 1, 2, 0], verbose=0)
    assert m.predict([[0.0, 0.0, 0.0, 0.0]], verbose=0).shape == (1, 3)
