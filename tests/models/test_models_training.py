"""compile / fit / evaluate / predict / *_on_batch: return values, options and errors."""

import numpy as np
import pytest

from strided import callbacks, layers, losses, metrics, optimizers
from strided.models import Model, Sequential


def small_classifier(classes=3, features=4):
    return Sequential([
        layers.Dense(16, activation="relu", input_shape=(features,)),
        layers.Dense(classes, activation="softmax"),
    ])


def blobs(n=96, classes=3, features=4, seed=0):
    """Well separated Gaussian blobs: easy to learn."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    centers = rng.normal(0, 3, (classes, features))
    x = centers[y] + rng.normal(0, 0.5, (n, features))
    return x.astype("float32"), y


def compiled(model=None, **kwargs):
    model = model or small_classifier()
    options = dict(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    options.update(kwargs)
    model.compile(**options)
    return model


def test_fit_returns_history_with_metrics_and_validation():
    x, y = blobs()
    model = compiled()
    history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0)
    assert model.history is history
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(values) == 3 for values in history.history.values())
    assert history.epoch == [0, 1, 2]
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_training_learns_the_blobs():
    x, y = blobs()
    model = compiled(optimizer=optimizers.Adam(learning_rate=0.05))
    model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy > 0.9 and loss < 0.5


def test_evaluate_return_forms():
    x, y = blobs(30)
    model = compiled()
    loss, accuracy = model.evaluate(x, y, verbose=0)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs == {"accuracy": accuracy, "loss": loss}
    only_loss = compiled(metrics=None).evaluate(x, y, verbose=0)
    assert isinstance(only_loss, float)


def test_evaluate_loss_is_the_batch_size_weighted_mean():
    x, y = blobs(10)
    model = compiled()
    full = model.evaluate(x, y, batch_size=10, verbose=0)[0]
    in_batches = model.evaluate(x, y, batch_size=3, verbose=0)[0]  # 3 + 3 + 3 + 1
    assert in_batches == pytest.approx(full, rel=1e-5)


def test_predict_in_batches_equals_one_call():
    x, _ = blobs(50)
    model = small_classifier()
    out = model.predict(x, batch_size=7, verbose=0)
    assert out.shape == (50, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out, model(x).numpy(), rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x), out, rtol=1e-6)


def test_predict_records_no_tape():
    model = small_classifier()
    model.predict(np.ones((2, 4)), verbose=0)
    assert all(v.grad is None for v in model.weights)


def test_train_and_test_on_batch():
    x, y = blobs(32)
    model = compiled()
    first = model.train_on_batch(x, y)
    assert isinstance(first, list) and len(first) == 2
    logs = model.test_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    for _ in range(20):
        last = model.train_on_batch(x, y)
    assert model.test_on_batch(x, y)[0] < first[0]
    assert model.optimizer.iterations == 21
    assert all(v.grad is None for v in model.trainable_weights)  # gradients cleared each step
    assert isinstance(last[0], float)


def test_one_hot_labels_with_categorical_crossentropy():
    x, y = blobs()
    model = compiled(loss="categorical_crossentropy")
    history = model.fit(x, np.eye(3)[y], epochs=2, verbose=0)
    assert set(history.history) == {"accuracy", "loss"}


def test_loss_and_metric_objects():
    x, y = blobs()
    model = compiled(optimizer=optimizers.RMSprop(), loss=losses.SparseCategoricalCrossentropy(),
                     metrics=[metrics.SparseCategoricalAccuracy(name="acc"), "sparse_top_k_categorical_accuracy"])
    history = model.fit(x, y, epochs=1, verbose=0)
    assert set(history.history) == {"acc", "sparse_top_k_categorical_accuracy", "loss"}


def test_validation_data_and_freq():
    x, y = blobs()
    model = compiled()
    history = model.fit(x, y, epochs=4, validation_data=(x[:20], y[:20]), validation_freq=2, verbose=0)
    assert len(history.history["loss"]) == 4
    assert len(history.history["val_loss"]) == 2


def test_validation_split_takes_the_last_samples():
    x, y = blobs(40)
    seen = []

    class Record(callbacks.Callback):
        def on_test_batch_begin(self, batch, logs=None):
            seen.append(batch)

    model = compiled()
    model.fit(x, y, epochs=1, batch_size=5, validation_split=0.25, verbose=0, callbacks=[Record()])
    assert seen == [0, 1]  # 10 validation samples in batches of 5


def test_initial_epoch_and_stop_training():
    x, y = blobs()

    class StopAfterTwo(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 3:
                self.model.stop_training = True

    model = compiled()
    history = model.fit(x, y, epochs=10, initial_epoch=2, verbose=0, callbacks=[StopAfterTwo()])
    assert history.epoch == [2, 3]


def test_class_weight_and_sample_weight_change_the_loss():
    x, y = blobs(30)
    model = compiled()
    base = model.evaluate(x, y, verbose=0)[0]
    weights = np.where(y == 0, 3.0, 0.0).astype("float32")
    weighted = model.evaluate(x, y, sample_weight=weights, verbose=0)[0]
    assert weighted != pytest.approx(base)
    # class_weight={0: 3} gives the same training step as those sample weights
    a, b = compiled(small_classifier()), compiled(small_classifier())
    b.set_weights(a.get_weights())
    a.fit(x, y, epochs=1, batch_size=30, shuffle=False, class_weight={0: 3.0, 1: 0.0, 2: 0.0}, verbose=0)
    b.fit(x, y, epochs=1, batch_size=30, shuffle=False, sample_weight=weights, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)


def test_regularization_losses_are_added():
    x, y = blobs(16)
    plain = compiled(small_classifier())
    regular = compiled(Sequential([
        layers.Dense(16, activation="relu", input_shape=(4,), kernel_regularizer="l2"),
        layers.Dense(3, activation="softmax"),
    ]))
    regular.set_weights(plain.get_weights())
    difference = regular.evaluate(x, y, verbose=0)[0] - plain.evaluate(x, y, verbose=0)[0]
    expected = 0.01 * float(np.sum(plain.layers[0].kernel.numpy() ** 2))
    assert difference == pytest.approx(expected, rel=1e-4)


def test_multi_output_losses_weights_and_names():
    inputs = layers.Input(shape=(4,))
    hidden = layers.Dense(8, activation="relu")(inputs)
    label = layers.Dense(3, activation="softmax", name="label")(hidden)
    score = layers.Dense(1, name="score")(hidden)
    model = Model(inputs, [label, score])
    model.compile(optimizer="adam", loss={"label": "sparse_categorical_crossentropy", "score": "mse"},
                  loss_weights={"label": 1.0, "score": 0.5}, metrics={"label": ["accuracy"]})
    x, y = blobs(24)
    history = model.fit(x, {"label": y, "score": y.astype("float32")[:, None]}, epochs=1, verbose=0)
    assert set(history.history) == {"label_accuracy", "loss", "label_loss", "score_loss"}
    logs = model.evaluate(x, [y, y[:, None].astype("float32")], verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(logs["label_loss"] + 0.5 * logs["score_loss"], rel=1e-5)


def test_not_compiled_and_bad_arguments():
    model = small_classifier()
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.ones((2, 4)), np.zeros(2))
    model = compiled()
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        model.fit(np.ones((5, 4)), np.zeros(4), verbose=0)
    with pytest.raises(ValueError, match="verbose"):
        model.fit(np.ones((2, 4)), np.zeros(2), verbose=5)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(np.ones((2, 4)), np.zeros(2), validation_split=1.5, verbose=0)


def test_label_errors_name_the_loss_and_shapes():
    model = compiled(loss="categorical_crossentropy")
    with pytest.raises(ValueError, match=r"Error in loss 'categorical_crossentropy' .*y_true shape \(4,\)"):
        model.fit(np.ones((4, 4)), np.zeros(4), verbose=0)


def test_verbose_progress_output(capsys):
    x, y = blobs(32)
    model = compiled()
    model.fit(x, y, epochs=2, batch_size=16, verbose=2)
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Epoch 1/2" in text and "Epoch 2/2" in text and "loss" in text
