"""`PyDataset` / `Sequence`: fit, evaluate and predict take them, and call on_epoch_end."""

import math

import numpy as np
import pytest

import strided
from strided import layers
from strided.utils import PyDataset, Sequence


class Batches(PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        low = index * self.batch_size
        return self.x[low:low + self.batch_size], self.y[low:low + self.batch_size]

    def on_epoch_end(self):
        self.epochs_ended += 1


def model():
    strided.utils.set_random_seed(0)
    m = strided.Sequential([strided.Input((4,)), layers.Dense(3, activation="relu"), layers.Dense(1)])
    m.compile("sgd", "mse")
    return m


def test_fit_evaluate_predict_take_a_py_dataset_like_arrays():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(10, 4)).astype("float32"), rng.normal(size=(10, 1)).astype("float32")
    data = Batches(x, y, batch_size=4, workers=2, use_multiprocessing=False)
    assert data.workers == 2 and Sequence is PyDataset
    ours, reference = model(), model()
    history = ours.fit(data, epochs=3, verbose=0)
    reference_history = reference.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    assert np.allclose(history.history["loss"], reference_history.history["loss"], rtol=1e-5)
    assert data.epochs_ended >= 3
    assert np.isclose(ours.evaluate(data, verbose=0), reference.evaluate(x, y, verbose=0), rtol=1e-5)
    assert np.allclose(ours.predict(data, verbose=0), reference.predict(x, verbose=0), atol=1e-6)


def test_num_batches_and_missing_methods():
    class ByProperty(PyDataset):
        @property
        def num_batches(self):
            return 2

        def __getitem__(self, index):
            return np.full((1, 4), index, "float32"), np.zeros((1, 1), "float32")

    assert len(ByProperty()) == 2 and [int(x[0, 0]) for x, _ in ByProperty()] == [0, 1]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(PyDataset())
    with pytest.raises(NotImplementedError, match="__getitem__"):
        PyDataset()[0]
