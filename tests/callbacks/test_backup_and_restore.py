"""BackupAndRestore: Keras' API, and a run interrupted anywhere resumes to the same weights,
bit for bit (shuffle, dropout, noise, augmentation and batch norm included). Under `mpiexec`, a
crashed job resumed is tests/distributed/test_fit_cases.py."""

import numpy as np
import pytest

import strided
from strided import callbacks, layers
from strided.models import Sequential
from strided.utils import clear_session, set_random_seed


@pytest.fixture(autouse=True)
def fresh_names():
    """Automatic names start again after each test (other files name a model "sequential")."""
    yield
    clear_session()


@pytest.fixture(autouse=True)
def two_threads():
    threads = strided._config.thread_setting()
    strided.set_num_threads(2)
    yield
    strided._config.restore_thread_setting(threads)


class Interrupt(Exception):
    pass


class InterruptAt(callbacks.Callback):
    """Raise after step `step` of epoch `epoch` (as a crash would stop the run there)."""

    def __init__(self, epoch, step):
        super().__init__()
        self.epoch, self.step, self.current = epoch, step, None

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.current, batch) == (self.epoch, self.step):
            raise Interrupt


def data(n=300):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, n)
    x = rng.normal(0, 1, (n, 8, 8, 1)).astype(np.float32)
    x[:, 2:5, 2:5, 0] += y[:, None, None]
    return x, y


def model_and_data(batch_norm=True):
    set_random_seed(7)
    extra = [layers.BatchNormalization()] if batch_norm else []
    model = Sequential([
        layers.Input((8, 8, 1)),
        layers.RandomFlip("horizontal"),
        layers.GaussianNoise(0.1),
        layers.Conv2D(4, 3, activation="relu"),
        *extra,
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, data()


def fit(model, x, y, extra=(), epochs=3):
    return model.fit(x, y, batch_size=32, epochs=epochs, shuffle=True, verbose=0, callbacks=list(extra))


def uninterrupted():
    model, (x, y) = model_and_data()
    fit(model, x, y)
    return model.get_weights()


@pytest.mark.parametrize("save_freq", ["epoch", 1, 4])
def test_a_run_interrupted_and_resumed_ends_with_the_same_weights(tmp_path, save_freq):
    expected = uninterrupted()
    backup_dir = tmp_path / "backup"
    model, (x, y) = model_and_data()
    with pytest.raises(Interrupt):
        fit(model, x, y, [callbacks.BackupAndRestore(backup_dir, save_freq=save_freq), InterruptAt(1, 5)])
    assert (backup_dir / "backup.npz").exists()
    model, (x, y) = model_and_data()  # a new process would build it again from the seed
    set_random_seed(123)  # whatever happened since: the backup's random state wins
    fit(model, x, y, [callbacks.BackupAndRestore(backup_dir, save_freq=save_freq)])
    for got, want in zip(model.get_weights(), expected):
        assert np.array_equal(got, want)
    assert not backup_dir.exists()  # delete_checkpoint=True after a finished run


def test_resumes_at_the_saved_epoch_and_step(tmp_path):
    model, (x, y) = model_and_data(batch_norm=False)
    backup = callbacks.BackupAndRestore(tmp_path, save_freq=3, delete_checkpoint=False)
    with pytest.raises(Interrupt):
        fit(model, x, y, [backup, InterruptAt(1, 4)])
    seen = []
    recorder = callbacks.LambdaCallback(on_train_batch_begin=lambda batch, logs: seen.append(batch),
                                        on_epoch_begin=lambda epoch, logs: seen.append(f"e{epoch}"))
    model, (x, y) = model_and_data(batch_norm=False)
    history = fit(model, x, y, [callbacks.BackupAndRestore(tmp_path, save_freq=3), recorder])
    # 10 steps an epoch; saves after every 3rd batch counted across epochs: the last one was
    # after step 4 of epoch 1 (the 15th batch, just before the interruption): it resumes at step 5
    assert seen[:2] == ["e1", 5]
    assert len(history.history["loss"]) == 2


def test_stopping_in_the_middle_of_an_epoch_keeps_a_backup_to_resume(tmp_path):
    model, (x, y) = model_and_data(batch_norm=False)

    def stop(batch, logs):
        if batch == 3:
            model.stop_training = True

    fit(model, x, y, [callbacks.BackupAndRestore(tmp_path, save_freq=False),
                      callbacks.LambdaCallback(on_train_batch_end=stop)])
    assert (tmp_path / "backup.npz").exists()
    resumed, (x, y) = model_and_data(batch_norm=False)
    fit(resumed, x, y, [callbacks.BackupAndRestore(tmp_path)])
    reference, (x, y) = model_and_data(batch_norm=False)
    fit(reference, x, y)
    for got, want in zip(resumed.get_weights(), reference.get_weights()):
        assert np.array_equal(got, want)


def test_keras_arguments_are_checked():
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq=0.5"):
        callbacks.BackupAndRestore("b", save_freq=0.5)


def test_an_unbuilt_model_is_refused_as_keras_does(tmp_path):
    model = Sequential([layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="must be built before you call `fit"):
        model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0, callbacks=[callbacks.BackupAndRestore(tmp_path)])


def test_an_unreadable_backup_is_named(tmp_path):
    (tmp_path / "backup.npz").write_bytes(b"not a zip")
    model, (x, y) = model_and_data(batch_norm=False)
    with pytest.raises(ValueError, match="cannot read the backup .*backup.npz"):
        fit(model, x, y, [callbacks.BackupAndRestore(tmp_path)])


def test_a_backup_of_another_model_is_refused(tmp_path):
    model, (x, y) = model_and_data(batch_norm=False)
    fit(model, x, y, [callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False)], epochs=1)
    other, _ = model_and_data(batch_norm=True)
    with pytest.raises(ValueError, match="it was made by another model"):
        fit(other, x, y, [callbacks.BackupAndRestore(tmp_path)])


def test_double_checkpoint_falls_back_to_the_previous_backup(tmp_path):
    model, (x, y) = model_and_data(batch_norm=False)
    fit(model, x, y, [callbacks.BackupAndRestore(tmp_path, double_checkpoint=True, delete_checkpoint=False)],
        epochs=2)
    assert (tmp_path / "backup.npz.bkp").exists()
    (tmp_path / "backup.npz").write_bytes(b"damaged")
    seen = []
    again, _ = model_and_data(batch_norm=False)
    fit(again, x, y, [callbacks.BackupAndRestore(tmp_path, double_checkpoint=True),
                      callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: seen.append(epoch))])
    assert seen == [1, 2]  # the previous backup was made after the first epoch
