import csv
import math

import pytest
from fake_training import FakeModel, fake_fit

from strided.callbacks import CSVLogger, LambdaCallback, LearningRateScheduler, TerminateOnNaN

LOGS = [{"loss": 0.5, "accuracy": 0.75, "val_loss": 0.6}, {"loss": 0.25, "accuracy": 0.875, "val_loss": 0.4}]


def read_rows(path, separator=","):
    with open(path, newline="") as handle:
        return list(csv.reader(handle, delimiter=separator))


def test_csv_logger_header_and_one_row_per_epoch(tmp_path):
    path = tmp_path / "log.csv"
    fake_fit(FakeModel(), [CSVLogger(path)], LOGS)
    rows = read_rows(path)
    assert rows[0] == ["epoch", "accuracy", "loss", "val_loss"]     # keys sorted, as Keras
    assert rows[1] == ["0", "0.75", "0.5", "0.6"] and rows[2] == ["1", "0.875", "0.25", "0.4"]
    assert len(rows) == 3
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_csv_logger_append_and_separator(tmp_path):
    path = tmp_path / "log.tsv"
    fake_fit(FakeModel(), [CSVLogger(path, separator="\t")], LOGS[:1])
    fake_fit(FakeModel(), [CSVLogger(path, separator="\t", append=True)], LOGS)
    rows = read_rows(path, "\t")
    assert [r[0] for r in rows] == ["epoch", "0", "0", "1"]        # one header only
    fake_fit(FakeModel(), [CSVLogger(path, separator="\t")], LOGS[:1])
    assert len(read_rows(path, "\t")) == 2                          # overwritten without append


def test_terminate_on_nan_stops_at_the_bad_batch(capsys):
    model = FakeModel()
    batches = [{"loss": 1.0}, {"loss": math.nan}, {"loss": 1.0}]
    ran = fake_fit(model, [TerminateOnNaN()], [{"loss": 1.0}] * 3, steps=3, batch_logs=batches)
    assert ran == 1 and model.stop_training
    assert "Batch 1: Invalid loss, terminating training" in capsys.readouterr().out
    assert fake_fit(FakeModel(), [TerminateOnNaN()], [{"loss": 1.0}] * 2,
                    batch_logs=[{"loss": math.inf}] * 3) == 1


def test_lambda_callback_calls_given_functions():
    events = []
    callback = LambdaCallback(
        on_train_begin=lambda logs: events.append("begin"),
        on_epoch_end=lambda epoch, logs: events.append((epoch, logs["loss"])),
        on_train_batch_end=lambda batch, logs: events.append(f"b{batch}"),
        on_train_end=lambda logs: events.append("end"),
    )
    fake_fit(FakeModel(), [callback], LOGS, steps=1)
    assert events == ["begin", "b0", (0, 0.5), "b0", (1, 0.25), "end"]
    with pytest.raises(TypeError, match="unknown hook"):
        LambdaCallback(on_epoch_finish=print)


def test_learning_rate_scheduler_sets_lr_each_epoch(capsys):
    model = FakeModel(learning_rate=0.1)
    seen = []
    watcher = LambdaCallback(on_epoch_begin=lambda e, l: seen.append(model.optimizer.learning_rate))
    scheduler = LearningRateScheduler(lambda epoch, lr: lr if epoch < 1 else lr * 0.5, verbose=1)
    fake_fit(model, [scheduler, watcher], [{"loss": 1.0}] * 3)
    assert seen == pytest.approx([0.1, 0.05, 0.025])
    assert model.history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025])
    assert "setting learning rate to 0.05" in capsys.readouterr().out


def test_learning_rate_scheduler_epoch_only_function_and_bad_output():
    model = FakeModel()
    fake_fit(model, [LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))], [{"loss": 1.0}] * 2)
    assert model.optimizer.learning_rate == pytest.approx(0.02)
    with pytest.raises(ValueError, match="should be a float"):
        fake_fit(FakeModel(), [LearningRateScheduler(lambda epoch, lr: "fast")], [{"loss": 1.0}])
