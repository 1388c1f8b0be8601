"""Callbacks driven by a real fit(): EarlyStopping restores the best weights, checkpoints load."""

import numpy as np

from strided import callbacks, layers, optimizers
from strided.models import Sequential, load_model


def regression_data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 3)).astype("float32")
    return x, x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")


def linear_model():
    model = Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
    return model


def test_early_stopping_restores_the_best_weights():
    x, y = regression_data()
    snapshots, losses = [], []

    class Record(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append(self.model.get_weights())
            losses.append(logs["loss"])

    class Sabotage(callbacks.Callback):  # ruins the weights from the fourth epoch on
        def on_epoch_begin(self, epoch, logs=None):
            if epoch >= 3:
                self.model.set_weights([w + 5.0 for w in self.model.get_weights()])

    model = linear_model()
    stopper = callbacks.EarlyStopping(monitor="loss", patience=2, restore_best_weights=True)
    history = model.fit(x, y, epochs=20, batch_size=16, verbose=0,
                        callbacks=[Sabotage(), Record(), stopper])
    assert len(history.epoch) == 5  # epochs 3 and 4 got worse: patience 2 runs out
    best = int(np.argmin(losses))
    assert best == 2
    for restored, saved in zip(model.get_weights(), snapshots[best]):
        np.testing.assert_array_equal(restored, saved)


def test_model_checkpoint_writes_a_loadable_best_model(tmp_path):
    x, y = regression_data()
    model = linear_model()
    path = tmp_path / "best.keras"
    checkpoint = callbacks.ModelCheckpoint(str(path), monitor="val_loss", save_best_only=True)
    model.fit(x, y, epochs=3, validation_split=0.25, verbose=0, callbacks=[checkpoint])
    saved = load_model(path)
    assert saved.evaluate(x[48:], y[48:], verbose=0) >= model.evaluate(x[48:], y[48:], verbose=0) - 1e-6


def test_reduce_lr_on_plateau_changes_the_optimizer_rate():
    x, y = regression_data()
    model = linear_model()
    model.fit(x, y * 0, epochs=4, verbose=0, callbacks=[
        callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10.0)])
    assert model.optimizer.learning_rate < 0.1
