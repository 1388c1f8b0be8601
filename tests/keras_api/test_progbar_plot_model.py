"""`Progbar` and `plot_model`/`model_to_dot` against Keras 3."""

import re

import numpy as np
import pytest

import strided
from strided.utils import Progbar, model_to_dot, plot_model

keras = pytest.importorskip("keras")


def run(cls, capsys, **kwargs):
    bar = cls(target=5, **kwargs)
    for step, loss, acc in [(1, 0.9, 0.5), (3, 0.7, 0.6), (4, 0.5, 0.65), (5, 0.4, 0.7)]:
        bar.update(step, values=[("loss", loss), ("acc", acc)])
    bar.add(0, values=[("loss", 0.3)])
    return bar._values, capsys.readouterr().out


@pytest.mark.parametrize("kwargs", [{"verbose": 2}, {"verbose": 2, "stateful_metrics": ["acc"]},
                                    {"verbose": 0, "stateless_metrics": ["loss"]}], ids=str)
def test_progbar_averages_and_prints_like_keras(capsys, kwargs):
    ours, our_text = run(Progbar, capsys, **kwargs)
    theirs, their_text = run(keras.utils.Progbar, capsys, **kwargs)
    assert {k: np.round(v, 6).tolist() for k, v in ours.items()} == {k: np.round(v, 6).tolist() for k, v in theirs.items()}

    def without_times(text):
        return re.sub(r"\d+(m|u)?s(/step)?", "T", text)

    assert without_times(our_text) == without_times(their_text)


def build(lib):
    L = lib.layers
    inputs = lib.Input((8, 8, 3))
    x = L.Conv2D(4, 3, activation="relu")(inputs)
    branch = L.Conv2D(4, 1)(x)
    x = L.add([x, branch])
    outputs = L.Dense(2)(L.GlobalAveragePooling2D()(x))
    return lib.Model(inputs, outputs)


def graph_of(dot):
    labels = {node.get_name(): node.get_label() for node in dot.get_nodes() if node.get_name() not in ("node", "graph")}
    edges = sorted((labels[e.get_source()], labels[e.get_destination()]) for e in dot.get_edges())
    return sorted(labels.values()), edges


@pytest.mark.parametrize("options", [{}, {"show_shapes": True, "show_layer_activations": True, "show_trainable": True},
                                     {"show_dtype": True, "show_layer_names": False}], ids=str)
def test_model_to_dot_equals_keras(options):
    pytest.importorskip("pydot")
    ours = graph_of(model_to_dot(build(strided), **options))
    theirs = graph_of(keras.utils.model_to_dot(build(keras), **options))
    assert ours == theirs
    sequential = strided.Sequential([strided.Input((3,)), strided.layers.Dense(2), strided.layers.Dense(1)])
    keras_sequential = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(1)])
    assert graph_of(model_to_dot(sequential, **options)) == graph_of(keras.utils.model_to_dot(keras_sequential, **options))


def test_plot_model_writes_an_image_or_says_what_to_install(tmp_path, monkeypatch):
    from strided.utils import model_visualization

    model = build(strided)
    if model_visualization.check_graphviz():
        plot_model(model, to_file=str(tmp_path / "model.png"), show_shapes=True)
        assert (tmp_path / "model.png").read_bytes()[:4] == b"\x89PNG"
    monkeypatch.setattr(model_visualization, "_pydot", lambda: None)
    with pytest.raises(ImportError, match="pip install pydot"):
        plot_model(model)
    unbuilt = strided.Sequential([strided.layers.Dense(2)])
    with pytest.raises(ValueError, match="not yet been built"):
        plot_model(unbuilt)
