"""fit() and predict() on several processes (strided.models.data_parallel, parallel_predict):
the same training and outputs as one process."""

import os
import sys
import time

import numpy as np
import pytest

import strided
from strided import callbacks, layers
from strided.models import Sequential, data_parallel, forked
from strided.models.data_adapter import ArrayAdapter, GeneratorAdapter
from strided.utils import set_random_seed

pytestmark = pytest.mark.skipif(not (sys.platform.startswith("linux") and hasattr(os, "fork")),
                                reason="data-parallel training forks (Linux)")


@pytest.fixture(autouse=True)
def two_threads():
    """Two threads allowed and forked processes asked for (so two processes), whatever the
    machine; settings restored."""
    threads, enabled = strided._config.thread_setting(), strided._config.data_parallel_setting()
    strided.set_num_threads(2)
    strided.set_data_parallel(True)
    yield
    strided.set_data_parallel(enabled)
    strided._config.restore_thread_setting(threads)


def convnet(dropout=0.0, batch_norm=None):
    extra = [layers.Dropout(dropout)] if dropout else []
    extra += [layers.BatchNormalization(**batch_norm)] if batch_norm is not None else []
    return Sequential([
        layers.Input((10, 10, 1)),
        layers.Conv2D(8, 3, activation="relu"),
        layers.MaxPooling2D(2),
        *extra,
        layers.Flatten(),
        layers.Dense(16, activation="relu", kernel_regularizer="l2"),
        layers.Dense(3, activation="softmax"),
    ])


def images(n, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.normal(0, 1, (n, 10, 10, 1)).astype(np.float32)
    x[:, 2:5, 2:5, 0] += y[:, None, None]  # learnable
    return x, y


def train(parallel, x, y, epochs=2, batch_size=32, dropout=0.0, batch_norm=None, **fit_options):
    strided.set_data_parallel(parallel)
    set_random_seed(0)
    model = convnet(dropout, batch_norm)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0, **fit_options)
    return model, history.history, data_parallel.last_epoch()


def no_child_left():
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
    return True



def test_helper_memory_is_read_when_the_stop_comes_with_the_last_go(monkeypatch):
    """Process 0 ends the epoch right after the last exchange's `go`: a helper that reads the
    verdict late sees the stop instead, and still reports its memory (it used to report 0)."""
    parent = os.getpid()
    acquire = forked.acquire

    def late_in_helpers(lock, alive, *timeout):
        acquired = acquire(lock, alive, *timeout)
        if os.getpid() != parent:
            time.sleep(0.05)  # process 0 finishes the epoch meanwhile
        return acquired

    monkeypatch.setattr(forked, "acquire", late_in_helpers)
    x, y = images(32 * 10)
    _, _, report = train(True, x, y, epochs=1)
    assert report["processes"] == 2 and report["helper_memory"] > 0

@pytest.mark.parametrize("batch_norm", [None, {}], ids=["", "batch norm"])
@pytest.mark.parametrize("n", [32 * 12, 32 * 12 + 9, 32 * 12 + 1])  # last batch: full, odd, 1
def test_same_weights_and_logs_as_one_process(n, batch_norm):
    """Batch norm's statistics and their gradients are the whole batch's (kernels.collective):
    its moving statistics (among the weights) match too."""
    x, y = images(n)
    one, one_logs, one_report = train(False, x, y, batch_norm=batch_norm)
    two, two_logs, two_report = train(True, x, y, batch_norm=batch_norm)
    assert one_report["processes"] == 1 and two_report["processes"] == 2
    assert two_report["helper_memory"] > 0
    for a, b in zip(one.get_weights(), two.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)
    assert list(two_logs) == list(one_logs) == ["accuracy", "loss"]
    np.testing.assert_allclose(two_logs["loss"], one_logs["loss"], rtol=1e-5)
    np.testing.assert_allclose(two_logs["accuracy"], one_logs["accuracy"], atol=1e-12)
    assert no_child_left()
    assert strided.get_num_threads() == 2


def test_evaluate_after_data_parallel_fit_matches():
    x, y = images(32 * 12)
    one, _, _ = train(False, x, y)
    two, _, _ = train(True, x, y)
    np.testing.assert_allclose(two.evaluate(x, y, verbose=0), one.evaluate(x, y, verbose=0), rtol=1e-4)


def test_dropout_masks_repeat_with_the_seed():
    x, y = images(32 * 12)
    first, first_logs, report = train(True, x, y, dropout=0.5)
    again, again_logs, _ = train(True, x, y, dropout=0.5)
    assert report["processes"] == 2
    assert first_logs == again_logs
    for a, b in zip(first.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert first_logs["loss"][-1] < first_logs["loss"][0]  # it learns


def test_a_helper_gets_generators_of_its_own():
    model = convnet(dropout=0.5)
    model.layers[2]._generator = np.random.default_rng(3)
    set_random_seed(0)
    parent = (strided.utils.random.get_rng().bit_generator.state["state"]["state"],
              model.layers[2]._generator.bit_generator.state["state"]["state"])
    forked.own_random_streams(model, 1)
    helper = (strided.utils.random.get_rng().bit_generator.state["state"]["state"],
              model.layers[2]._generator.bit_generator.state["state"]["state"])
    assert parent[0] != helper[0] and parent[1] != helper[1]
    set_random_seed(0)


def test_stop_training_from_a_batch_ends_the_helpers():
    x, y = images(32 * 12)
    x[32 * 5 + 3] = np.nan  # the sixth batch's loss is NaN: TerminateOnNaN stops after it
    for parallel in (False, True):
        model, logs, report = train(parallel, x, y, epochs=3, callbacks=[callbacks.TerminateOnNaN()])
        assert report["processes"] == (2 if parallel else 1)
        assert len(logs["loss"]) == 1 and np.isnan(logs["loss"][0])
    assert no_child_left()


def test_a_helpers_error_is_raised_by_fit_as_on_one_process():
    """The same exception type and message as on one process, no traceback in the message;
    a note names the helper."""
    x, y = images(32 * 12)
    y[32 * 4 + 24] = 7  # a label out of range, in the second half of the fifth batch
    with pytest.raises(ValueError) as alone:
        train(False, x, y)
    with pytest.raises(ValueError) as shared:
        train(True, x, y)
    # the same words; the shapes quoted are those of the helper's share of the batch
    assert str(shared.value).split("): ", 1)[1] == str(alone.value).split("): ", 1)[1]
    assert "received label 7" in str(shared.value)
    assert "Traceback" not in str(shared.value)
    assert any("data-parallel helper process 1" in note for note in shared.value.__notes__)
    assert no_child_left()
    assert strided.get_num_threads() == 2


@pytest.mark.parametrize("case", ["off", "one thread", "small batches", "few steps", "batch norm without beta",
                                  "batch callback", "generator", "sum loss",
                                  "large model", "batch-summing loss function"])
def test_training_stays_in_one_process(case, monkeypatch):
    x, y = images(32 * 12)
    model = convnet(batch_norm={"center": False} if case == "batch norm without beta" else None)
    loss = strided.losses.SparseCategoricalCrossentropy(reduction="sum" if case == "sum loss" else "sum_over_batch_size")
    if case == "batch-summing loss function":
        def loss(y_true, y_pred):
            return strided.ops.sum(strided.losses.sparse_categorical_crossentropy(y_true, y_pred))
    model.compile(optimizer="adam", loss=loss)
    strided.set_data_parallel(case != "off")
    if case == "one thread":
        strided.set_num_threads(1)
    batch_size = 16 if case == "small batches" else 32
    if case == "few steps":
        x, y = x[: 32 * 8], y[: 32 * 8]
    data = ArrayAdapter(x, y, batch_size=batch_size)
    if case == "generator":
        data = GeneratorAdapter(iter([(x[:32], y[:32])] * 12), steps=12)
    hooks = [callbacks.LambdaCallback(on_batch_end=lambda batch, logs: None)] if case == "batch callback" else []
    chosen = data_parallel.choose_processes(model, data, callbacks.CallbackList(hooks, model=model))
    if case == "large model":
        monkeypatch.setattr(data_parallel, "MAX_SHARED_BYTES", 1000)
    if case in ("batch norm without beta", "sum loss", "large model", "batch-summing loss function"):
        assert chosen == 2
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert data_parallel.last_epoch()["processes"] == 1


def test_read_only_callbacks_keep_data_parallel(tmp_path):
    x, y = images(32 * 12)
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "model.weights.h5"), save_weights_only=True,
                                           save_freq=4) if _has_h5py() else callbacks.History()
    _, logs, report = train(True, x, y, callbacks=[checkpoint, callbacks.CSVLogger(str(tmp_path / "log.csv"))])
    assert report["processes"] == 2
    assert (tmp_path / "log.csv").read_text().count("\n") == 3  # header and two epochs


def _has_h5py():
    try:
        import h5py  # noqa: F401
    except ImportError:
        return False
    return True


def test_a_per_sample_loss_function_of_ones_own_trains_on_processes():
    x, y = images(32 * 12)

    def loss(y_true, y_pred):  # per-sample values: Keras' reduction averages them
        return strided.losses.sparse_categorical_crossentropy(y_true, y_pred) * 2.0

    strided.set_data_parallel(True)
    model = convnet()
    model.compile(optimizer="adam", loss=loss)
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert data_parallel.last_epoch()["processes"] == 2


@pytest.mark.parametrize("batch_norm", [None, {}], ids=["", "batch norm"])
def test_float64_training_matches_one_process_to_rounding(batch_norm):
    """In float64, rounding cannot hide a wrong gradient: the weights agree to 1e-12."""
    floatx = strided.floatx()
    strided.set_floatx("float64")
    try:
        x, y = images(32 * 10 + 5)
        x = x.astype(np.float64)
        one, _, _ = train(False, x, y, batch_norm=batch_norm, epochs=1)
        two, _, report = train(True, x, y, batch_norm=batch_norm, epochs=1)
    finally:
        strided.set_floatx(floatx)
    assert report["processes"] == 2
    for a, b in zip(one.get_weights(), two.get_weights()):
        assert a.dtype == np.float64
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-12)


def test_global_clipnorm_sees_the_whole_batchs_gradients_on_processes():
    """Every process applies the update with the summed gradients (one trainer step, the
    collective interface): global_clipnorm clips the whole batch's norm, as on one process."""
    floatx = strided.floatx()
    strided.set_floatx("float64")
    try:
        x, y = images(32 * 10)
        results = []
        for parallel in (False, True):
            strided.set_data_parallel(parallel)
            set_random_seed(0)
            model = convnet(dropout=0.3, batch_norm={})
            model.compile(optimizer=strided.optimizers.SGD(0.5, global_clipnorm=0.01),
                          loss="sparse_categorical_crossentropy")
            model.fit(x.astype(np.float64), y, batch_size=32, epochs=1, verbose=0)
            results.append((model.get_weights(), data_parallel.last_epoch()["processes"]))
    finally:
        strided.set_floatx(floatx)
    (one, one_processes), (two, two_processes) = results
    assert (one_processes, two_processes) == (1, 2)
    for a, b in zip(one, two):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-12)


# ---------------------------------------------------------------------------- predict()
def two_outputs():
    inputs = layers.Input((10, 10, 1))
    features = layers.Flatten()(layers.MaxPooling2D(2)(layers.Conv2D(4, 3, activation="relu")(inputs)))
    return strided.models.Model(inputs, [layers.Dense(3, activation="softmax")(features), layers.Dense(2)(features)])


@pytest.mark.parametrize("n", [100, 101, 40])
def test_predict_on_processes_gives_the_same_outputs(n):
    x, _ = images(n)
    model = two_outputs()
    strided.set_data_parallel(False)
    alone = model.predict(x, batch_size=10, verbose=0)
    strided.set_data_parallel(True)
    adapter = ArrayAdapter(x, batch_size=10)
    assert strided.models.parallel_predict.choose_processes(model, adapter, callbacks.CallbackList([], model=model)) == 2
    shared = model.predict(x, batch_size=10, verbose=0)
    for a, b in zip(alone, shared):
        np.testing.assert_array_equal(a, b)
        assert b.flags.owndata and b.flags.writeable and len(b) == n
    assert no_child_left()


def test_predict_on_processes_shows_every_batch_in_the_progress_bar(capsys):
    x, _ = images(100)
    model = two_outputs()
    model.predict(x, batch_size=10, verbose=1)
    assert "10/10" in capsys.readouterr().out


def test_predict_stays_in_one_process_for_user_batch_callbacks_and_few_batches():
    x, _ = images(100)
    model = two_outputs()
    none = callbacks.CallbackList([], model=model)
    user = callbacks.CallbackList([callbacks.LambdaCallback(on_predict_batch_end=lambda b, logs: None)], model=model)
    choose = strided.models.parallel_predict.choose_processes
    assert choose(model, ArrayAdapter(x, batch_size=10), user) == 1
    assert choose(model, ArrayAdapter(x, batch_size=50), none) == 1  # one batch a process: threads
    assert choose(model, ArrayAdapter(x, batch_size=25), none) == 2


def test_a_predict_helpers_error_is_raised():
    x, _ = images(100)
    x[95] = np.nan  # in the helper's batches: its Lambda layer raises
    inputs = layers.Input((10, 10, 1))
    checked = layers.Lambda(lambda t: t if not np.isnan(np.asarray(getattr(t, "data", t))).any()
                            else (_ for _ in ()).throw(ValueError("NaN in a batch")))(inputs)
    model = strided.models.Model(inputs, layers.Dense(2)(layers.Flatten()(checked)))
    with pytest.raises(ValueError, match="NaN in a batch") as raised:
        model.predict(x, batch_size=10, verbose=0)
    assert "Traceback" not in str(raised.value)
    assert any("predict() helper process 1" in note for note in raised.value.__notes__)
    assert no_child_left()


def test_a_helper_that_dies_is_reported():
    """A helper killed outright (no traceback written) is noticed within forked.WAIT seconds."""
    parent = os.getpid()
    x, y = images(32 * 12)
    inputs = layers.Input((10, 10, 1))
    dying = layers.Lambda(lambda t: os._exit(3) if os.getpid() != parent else t)(inputs)
    model = strided.models.Model(inputs, layers.Dense(3, activation="softmax")(layers.Flatten()(dying)))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    strided.set_data_parallel(True)
    with pytest.raises(RuntimeError, match=r"helper process 1 \(pid \d+\) ended unexpectedly"):
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert no_child_left()


def test_a_program_that_ignores_sigchld_still_trains_and_predicts_on_processes():
    """With SIGCHLD ignored the system reaps the helpers itself: waitpid finds none."""
    import signal

    x, y = images(32 * 12)
    before = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        model, logs, report = train(True, x, y, epochs=1)
        outputs = model.predict(x, batch_size=32, verbose=0)
    finally:
        signal.signal(signal.SIGCHLD, before)
    assert report["processes"] == 2 and strided.models.parallel_predict.last_run()["processes"] == 2
    assert len(outputs) == len(x) and np.isfinite(logs["loss"][0])


class _Spare(layers.Layer):
    """A layer with a weight the loss never reaches (no gradient for it)."""

    def build(self, input_shape):
        self.spare = self.add_weight(shape=(3,), initializer="ones", name="spare")

    def call(self, inputs):
        return inputs


@pytest.mark.filterwarnings("ignore:Gradients do not exist")
def test_a_weight_without_gradient_is_left_alone_as_on_one_process():
    x, y = images(32 * 12)
    results = []
    for parallel in (False, True):
        strided.set_data_parallel(parallel)
        set_random_seed(0)
        model = Sequential([layers.Input((10, 10, 1)), layers.Flatten(), _Spare(), layers.Dense(3, activation="softmax")])
        # AdamW: a zero gradient would still decay the weight; no gradient leaves it alone
        model.compile(optimizer=strided.optimizers.AdamW(weight_decay=0.1), loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)
        assert data_parallel.last_epoch()["processes"] == (2 if parallel else 1)
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(results[1][0], np.ones(3, np.float32))
