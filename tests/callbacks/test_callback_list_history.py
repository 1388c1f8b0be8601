import ast
import pathlib

import numpy as np
import pytest
from fake_training import FakeModel, fake_fit

import strided.callbacks
from strided.callbacks import Callback, CallbackList, History, LambdaCallback, ProgbarLogger


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def __getattribute__(self, name):
        attribute = super().__getattribute__(name)
        if name.startswith("on_") and callable(attribute):
            calls = super().__getattribute__("calls")

            def record(*args, **kwargs):
                calls.append(name)
                return attribute(*args, **kwargs)
            return record
        return attribute


def test_hooks_called_in_order_and_batch_aliases():
    recorder = Recorder()
    fake_fit(FakeModel(), [recorder], [{"loss": 1.0}], steps=1)
    assert recorder.calls == ["on_train_begin", "on_epoch_begin", "on_train_batch_begin",
                              "on_batch_begin", "on_train_batch_end", "on_batch_end",
                              "on_epoch_end", "on_train_end"]


def test_every_keras_hook_exists_on_callback():
    hooks = ["on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end",
             "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
             "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end",
             "on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
             "on_predict_begin", "on_predict_end"]
    callback = Callback()
    for hook in hooks:
        getattr(callback, hook)(*([0] if "batch" in hook or "epoch" in hook else []), None)
        getattr(CallbackList([callback]), hook)(*([0] if "batch" in hook or "epoch" in hook else []))


def test_history_records_epochs_and_is_set_on_model():
    model = FakeModel()
    logs = [{"loss": 1.0, "accuracy": 0.5}, {"loss": 0.5, "accuracy": 0.75}]
    fake_fit(model, [], logs)
    assert model.history.history == {"loss": [1.0, 0.5], "accuracy": [0.5, 0.75]}
    assert model.history.epoch == [0, 1]


def test_callback_list_adds_defaults_once_and_sets_params_model():
    history, progbar = History(), ProgbarLogger()
    model = FakeModel()
    callbacks = CallbackList([history, progbar], add_history=True, add_progbar=True, model=model,
                             verbose=2, epochs=3, steps=7)
    assert len(callbacks) == 2 and callbacks.history is history
    assert history.model is model and model.history is history
    assert progbar.params == {"verbose": 2, "epochs": 3, "steps": 7} and progbar.epochs == 3
    added = CallbackList([], add_history=True, add_progbar=True)
    assert [type(c) for c in added] == [History, ProgbarLogger]


def test_non_callback_is_rejected():
    with pytest.raises(TypeError, match="Callback"):
        CallbackList([lambda epoch, logs: None])


def test_logs_become_python_floats_in_place():
    seen = []
    callback = LambdaCallback(on_epoch_end=lambda e, l: seen.append(dict(l)))
    logs = {"loss": np.float32(0.5), "accuracy": np.array(0.25)}
    CallbackList([callback]).on_epoch_end(0, logs)
    assert type(seen[0]["loss"]) is float and type(logs["accuracy"]) is float


def test_stop_training_from_a_custom_callback():
    class StopAt98(Callback):  # the lessons' callback
        def on_epoch_end(self, epoch, logs={}):  # noqa: B006 (as written in the lesson)
            if logs["accuracy"] >= 0.98:
                self.model.stop_training = True

    model = FakeModel()
    ran = fake_fit(model, [StopAt98()], [{"accuracy": a} for a in (0.9, 0.97, 0.981, 0.99)])
    assert ran == 3


def test_callbacks_never_import_models():
    package = pathlib.Path(strided.callbacks.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            assert not any(n.startswith(("strided.models", "strided.layers")) for n in names), path
