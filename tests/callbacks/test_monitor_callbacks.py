import os

import pytest
from fake_training import FakeModel, fake_fit

from strided.callbacks import ModelCheckpoint, ReduceLROnPlateau


# ------------------------------------------------------------------ ReduceLROnPlateau
def test_reduce_lr_after_patience_with_cooldown_and_floor(capsys):
    model = FakeModel(learning_rate=0.1)
    reduce = ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2, min_lr=0.03, verbose=1)
    history_lr = []

    class Record(ReduceLROnPlateau.__mro__[1]):   # a plain Callback
        def on_epoch_end(self, epoch, logs=None):
            history_lr.append(model.optimizer.learning_rate)

    fake_fit(model, [reduce, Record()], [{"val_loss": v} for v in (1.0, 1.0, 1.0, 1.0, 1.0, 1.0)])
    # epoch 1 plateau -> 0.05; epoch 2 cooling down; epoch 3 -> max(0.025, 0.03); then the floor
    assert history_lr == pytest.approx([0.1, 0.05, 0.05, 0.03, 0.03, 0.03])
    assert model.history.history["learning_rate"][:2] == pytest.approx([0.1, 0.1])
    assert "reducing learning rate to 0.05" in capsys.readouterr().out


def test_reduce_lr_not_while_improving_and_accuracy_mode():
    model = FakeModel(learning_rate=0.1)
    fake_fit(model, [ReduceLROnPlateau(patience=1)], [{"val_loss": v} for v in (3, 2, 1)])
    assert model.optimizer.learning_rate == pytest.approx(0.1)
    fake_fit(model, [ReduceLROnPlateau("val_accuracy", patience=1)],
             [{"val_accuracy": a} for a in (0.5, 0.6, 0.55)])
    assert model.optimizer.learning_rate == pytest.approx(0.01)


def test_reduce_lr_bad_factor():
    with pytest.raises(ValueError, match="factor >= 1.0"):
        ReduceLROnPlateau(factor=1.5)


# -------------------------------------------------------------------- ModelCheckpoint
def test_checkpoint_save_best_only_writes_on_improvement(tmp_path):
    model = FakeModel()
    path = str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.2f}.keras")
    fake_fit(model, [ModelCheckpoint(path, save_best_only=True)],
             [{"val_loss": v} for v in (0.9, 0.5, 0.7, 0.4)])
    names = [os.path.basename(p) for _, p in model.saved]
    assert names == ["ckpt-01-0.90.keras", "ckpt-02-0.50.keras", "ckpt-04-0.40.keras"]
    assert sorted(os.listdir(tmp_path)) == sorted(names)


def test_checkpoint_every_epoch_weights_only_and_subdirectory(tmp_path):
    model = FakeModel()
    path = str(tmp_path / "sub" / "w-{epoch}.weights.h5")
    fake_fit(model, [ModelCheckpoint(path, save_weights_only=True)], [{"loss": 1.0}] * 3)
    assert [kind for kind, _ in model.saved] == ["weights"] * 3
    assert (tmp_path / "sub" / "w-3.weights.h5").exists()


def test_checkpoint_max_mode_and_initial_threshold(tmp_path, capsys):
    model = FakeModel()
    checkpoint = ModelCheckpoint(str(tmp_path / "best.keras"), monitor="val_accuracy",
                                 save_best_only=True, initial_value_threshold=0.6, verbose=1)
    fake_fit(model, [checkpoint], [{"val_accuracy": a} for a in (0.5, 0.7, 0.65, 0.8)])
    assert len(model.saved) == 2 and checkpoint.best == 0.8
    out = capsys.readouterr().out
    assert "val_accuracy improved from 0.60000 to 0.70000" in out and "did not improve" in out


def test_checkpoint_save_freq_in_batches(tmp_path):
    model = FakeModel()
    path = str(tmp_path / "e{epoch}-b{batch}.keras")
    fake_fit(model, [ModelCheckpoint(path, save_freq=2)], [{"loss": 1.0}] * 2, steps=3)
    assert [os.path.basename(p) for _, p in model.saved] == ["e1-b2.keras", "e2-b1.keras", "e2-b3.keras"]


def test_checkpoint_missing_key_in_path_is_clear(tmp_path):
    with pytest.raises(KeyError, match="val_acc"):
        fake_fit(FakeModel(), [ModelCheckpoint(str(tmp_path / "{val_acc:.2f}.keras"))], [{"loss": 1.0}])


def test_checkpoint_missing_monitor_warns(tmp_path):
    model = FakeModel()
    with pytest.warns(UserWarning, match="val_loss available"):
        fake_fit(model, [ModelCheckpoint(str(tmp_path / "m.keras"), save_best_only=True)], [{"loss": 1.0}])
    assert model.saved == []
