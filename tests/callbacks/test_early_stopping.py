import numpy as np
import pytest
from fake_training import FakeModel, fake_fit

from strided.callbacks import EarlyStopping
from strided.metrics import SparseCategoricalAccuracy


def val_losses(*values):
    return [{"loss": 1.0, "val_loss": v} for v in values]


def test_stops_after_patience_and_restores_best_weights(capsys):
    model = FakeModel()
    stop = EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    ran = fake_fit(model, [stop], val_losses(1.0, 0.5, 0.6, 0.7, 0.4, 0.3))
    assert ran == 4                          # epochs 3 and 4 did not improve on 0.5
    assert stop.stopped_epoch == 3 and stop.best_epoch == 1 and stop.best == 0.5
    assert all((w == 1).all() for w in model.weights)   # the weights of epoch index 1
    out = capsys.readouterr().out
    assert "Epoch 4: early stopping" in out and "best epoch: 2" in out


def test_without_restore_keeps_last_weights():
    model = FakeModel()
    fake_fit(model, [EarlyStopping(patience=1)], val_losses(1.0, 2.0, 3.0))
    assert all((w == 1).all() for w in model.weights)


def test_runs_to_the_end_while_improving():
    stop = EarlyStopping(patience=0)
    assert fake_fit(FakeModel(), [stop], val_losses(5, 4, 3, 2, 1)) == 5
    assert stop.stopped_epoch == 0


def test_min_delta():
    # improvements of 0.01 are below min_delta=0.05: no improvement after epoch 0
    assert fake_fit(FakeModel(), [EarlyStopping(min_delta=0.05, patience=2)],
                    val_losses(1.0, 0.99, 0.98, 0.97, 0.96)) == 3


def test_mode_max_and_auto_for_accuracy():
    logs = [{"val_accuracy": a} for a in (0.5, 0.7, 0.6, 0.65, 0.9)]
    assert fake_fit(FakeModel(), [EarlyStopping("val_accuracy", patience=2)], logs) == 4
    assert fake_fit(FakeModel(), [EarlyStopping("val_accuracy", patience=2, mode="max")], logs) == 4


def test_auto_mode_uses_model_metric_direction():
    model = FakeModel()
    model.metrics = [SparseCategoricalAccuracy(name="score")]
    stop = EarlyStopping("score", patience=1)
    fake_fit(model, [stop], [{"score": s} for s in (0.1, 0.2, 0.3)])
    assert stop.monitor_op is np.greater


def test_auto_mode_unknown_metric_raises():
    with pytest.raises(ValueError, match="mode='max'"):
        fake_fit(FakeModel(), [EarlyStopping("wobble")], [{"wobble": 1.0}])


def test_baseline_not_beaten_does_not_reset_patience():
    # Keras: an improvement that does not beat the baseline leaves `wait` counting.
    assert fake_fit(FakeModel(), [EarlyStopping(patience=2, baseline=0.1)], val_losses(0.5, 0.6, 0.7)) == 2
    assert fake_fit(FakeModel(), [EarlyStopping(patience=2)], val_losses(0.5, 0.6, 0.7)) == 3


def test_start_from_epoch_ignores_warmup():
    stop = EarlyStopping(patience=1, start_from_epoch=2)
    assert fake_fit(FakeModel(), [stop], val_losses(0.1, 5.0, 1.0, 2.0, 3.0)) == 4


def test_missing_monitor_warns_and_continues():
    with pytest.warns(UserWarning, match="val_loss.*not available"):
        assert fake_fit(FakeModel(), [EarlyStopping()], [{"loss": 1.0}] * 3) == 3


def test_reusable_across_fits():
    stop = EarlyStopping(patience=1, restore_best_weights=True)
    model = FakeModel()
    fake_fit(model, [stop], val_losses(0.1, 0.2, 0.3))
    assert fake_fit(model, [stop], val_losses(1.0, 0.9, 0.8)) == 3   # best reset on train begin
