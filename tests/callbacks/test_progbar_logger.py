import os
import re

import pytest
from fake_training import FakeModel, fake_fit

import strided.callbacks.progbar_logger as progbar_module
from strided.callbacks import CallbackList, ProgbarLogger
from strided.callbacks.progbar_logger import format_time_per_step, format_value

EPOCHS = [{"loss": 0.41234, "accuracy": 0.85, "val_loss": 0.35, "val_accuracy": 0.875},
          {"loss": 0.31, "accuracy": 0.9, "val_loss": 0.00012, "val_accuracy": 0.9}]
BATCHES = [{"loss": 0.6, "accuracy": 0.5}, {"loss": 0.5, "accuracy": 0.6}, {"loss": 0.45, "accuracy": 0.7}]


def test_verbose_2_one_line_per_epoch(capsys):
    fake_fit(FakeModel(), [], EPOCHS, steps=3, batch_logs=BATCHES, verbose=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"Epoch 1/2 - \d+s - \d+(us|ms|s)/step - loss: 0\.4123 - accuracy: 0\.8500 "
                        r"- val_loss: 0\.3500 - val_accuracy: 0\.8750", lines[0]), lines[0]
    assert lines[1].startswith("Epoch 2/2 - ") and "val_loss: 1.2000e-04" in lines[1]


def test_verbose_1_tqdm_bar_shows_steps_running_metrics_and_val(capsys, monkeypatch):
    pytest.importorskip("tqdm")
    monkeypatch.setattr(progbar_module, "_interactive", lambda: True)  # as in a terminal
    fake_fit(FakeModel(), [], EPOCHS, steps=3, batch_logs=BATCHES, verbose=1)
    out = capsys.readouterr().out
    epochs = out.strip().split("\n")
    assert len(epochs) == 2                      # one (redrawn) bar line per epoch
    first = epochs[0].split("\r")[-1]            # the final drawing of epoch 1
    assert first.startswith("Epoch 1/2 3/3 |")
    assert re.search(r"\d\d:\d\d - \d+(us|ms|s)/step - loss: 0\.4123 - accuracy: 0\.8500 - "
                     r"val_loss: 0\.3500 - val_accuracy: 0\.8750$", first), first


def test_verbose_1_into_a_file_writes_only_the_finished_line_per_epoch(capsys):
    """Redirected output (not a terminal, not Jupyter) gets no redraws, as in Keras."""
    fake_fit(FakeModel(), [], EPOCHS, steps=3, batch_logs=BATCHES, verbose=1)
    out = capsys.readouterr().out
    assert "\r" not in out
    lines = out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("Epoch 1/2 3/3 - ") and "val_accuracy: 0.8750" in lines[0]


def test_verbose_1_without_tqdm_falls_back_to_text(capsys, monkeypatch):
    monkeypatch.setattr(progbar_module, "_load_tqdm", lambda: None)
    monkeypatch.setattr(progbar_module, "_interactive", lambda: True)
    fake_fit(FakeModel(), [], EPOCHS[:1], steps=3, batch_logs=BATCHES, verbose=1)
    out = capsys.readouterr().out
    final = out.rstrip("\n").split("\r")[-1]
    assert final.startswith("Epoch 1/1 3/3 - ") and "val_accuracy: 0.8750" in final
    assert out.endswith("\n")


def test_evaluate_alone_shows_progress_but_validation_in_fit_is_silent(capsys):
    logger = ProgbarLogger()
    callbacks = CallbackList([logger], model=FakeModel(), verbose=2, epochs=1, steps=2)
    callbacks.on_test_begin()
    for batch in range(2):
        callbacks.on_test_batch_end(batch, {"loss": 0.5})
    callbacks.on_test_end({"loss": 0.5, "accuracy": 0.75})
    assert re.fullmatch(r"2/2 - \d+s - \d+(us|ms|s)/step - loss: 0\.5000 - accuracy: 0\.7500\n",
                        capsys.readouterr().out)
    callbacks.on_train_begin()
    callbacks.on_test_begin()
    callbacks.on_test_end({"loss": 0.5})
    assert capsys.readouterr().out == ""


def test_verbose_auto_means_1():
    logger = ProgbarLogger()
    logger.set_params({"verbose": "auto", "epochs": 1, "steps": None})
    assert logger.verbose == 1


def test_formats():
    assert format_value(0.123456) == "0.1235"
    assert format_value(0.0001234) == "1.2340e-04"
    assert format_time_per_step(2.4) == "2s/step"
    assert format_time_per_step(0.025) == "25ms/step"
    assert format_time_per_step(0.00035) == "350us/step"


@pytest.mark.parametrize("columns", [80, 0])
def test_the_finished_epoch_line_is_whole_in_a_narrow_or_widthless_terminal(capsys, monkeypatch,
                                                                            columns):
    import os
    import shutil

    monkeypatch.setattr(progbar_module, "_interactive", lambda: True)
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setattr(shutil, "get_terminal_size",
                        lambda fallback=(80, 24): os.terminal_size((columns, 24)))
    logs = [dict(EPOCHS[0], val_top_5_accuracy=0.99, learning_rate=0.001)]
    fake_fit(FakeModel(), [], logs, steps=3, batch_logs=BATCHES, verbose=1)
    out = capsys.readouterr().out
    final = out.rstrip("\n").split("\n")[-1].split("\r")[-1]
    assert final.startswith("Epoch 1/1 3/3 |")
    assert final.endswith("val_accuracy: 0.8750 - val_top_5_accuracy: 0.9900 - "
                          "learning_rate: 1.0000e-03"), final
    assert len(final) > 80
    shown = [line.split("\r")[-1] for line in out.rstrip("\n").split("\n")]
    assert all(line.strip() for line in shown)                   # no blank lines


def test_jupyter_without_ipywidgets_uses_the_text_bar_without_a_warning(monkeypatch):
    import importlib.util
    import sys
    import types
    import warnings

    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "ipywidgets" else real_find_spec(name, *a))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tqdm = progbar_module._load_tqdm()
        bar = tqdm(total=2, file=open(os.devnull, "w"))
        bar.update(2)
        bar.close()
    assert tqdm.__module__ == "tqdm.std"
