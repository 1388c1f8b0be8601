"""plot_history: lesson 001's accuracy and loss panels, training vs validation."""

import numpy as np
import pytest
from matplotlib.image import imread

from strided.callbacks import History
from strided.viz import plot_history

LOGS = {"loss": [0.9, 0.5, 0.3], "accuracy": [0.6, 0.8, 0.9],
        "val_loss": [1.0, 0.7, 0.6], "val_accuracy": [0.5, 0.7, 0.75], "learning_rate": [1e-3] * 3}


def test_accuracy_then_loss_with_training_and_validation_lines(tmp_path):
    path = tmp_path / "history.png"
    figure = plot_history(LOGS, save_path=path)
    accuracy, loss = figure.axes
    assert accuracy.get_title() == "Model Accuracy" and loss.get_title() == "Model Loss"
    for ax, key in ((accuracy, "accuracy"), (loss, "loss")):
        training, validation = ax.get_lines()
        assert training.get_label() == "Training" and validation.get_label() == "Validation"
        assert list(training.get_xdata()) == [1, 2, 3]
        assert np.allclose(training.get_ydata(), LOGS[key])
        assert np.allclose(validation.get_ydata(), LOGS["val_" + key])
        assert ax.get_xlabel() == "Epoch"
    image = imread(path)
    assert image.shape[0] >= 200 and image.shape[1] >= 600


def test_accepts_a_history_object_and_a_fitted_model():
    history = History()
    history.history = {"loss": [1.0, 0.5]}

    class FittedModel:
        pass

    model = FittedModel()
    model.history = history
    for source in (history, model):
        figure = plot_history(source)
        assert len(figure.axes) == 1 and len(figure.axes[0].get_lines()) == 1


def test_chosen_metrics_and_errors():
    figure = plot_history(LOGS, metrics=["loss"])
    assert [ax.get_title() for ax in figure.axes] == ["Model Loss"]
    with pytest.raises(ValueError, match="no values logged for \\['auc'\\]"):
        plot_history(LOGS, metrics=["auc"])
    with pytest.raises(ValueError, match="was the model fit"):
        plot_history({})
    with pytest.raises(TypeError, match="History returned by model.fit"):
        plot_history([1, 2, 3])


def test_history_of_a_real_fit():
    import strided.layers as L
    from strided.models import Sequential

    model = Sequential([L.Input(shape=(4,)), L.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    history = model.fit(rng.normal(size=(20, 4)), rng.integers(0, 3, 20), epochs=3,
                        validation_split=0.25, verbose=0)
    figure = plot_history(history)
    assert [ax.get_title() for ax in figure.axes] == ["Model Accuracy", "Model Loss"]
    assert all(len(ax.get_lines()) == 2 and len(ax.get_lines()[0].get_xdata()) == 3
               for ax in figure.axes)


def test_epoch_ticks_are_whole_epochs_also_for_one_epoch():
    for epochs in (1, 2, 7):
        figure = plot_history({"loss": [1.0] * epochs, "val_loss": [0.5] * epochs})
        figure.canvas.draw()
        ax = figure.axes[0]
        low, high = ax.get_xlim()
        ticks = [t for t in ax.get_xticks() if low <= t <= high]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
        assert 1 in ticks and low < 1 and high > epochs
