"""summary(): Keras 3's table, character for character, and honest parameter counts."""

import numpy as np
import pytest
from lesson_models import fashion_mnist_model, mnist_functional_model

from strided import layers
from strided.models import Model, Sequential

# Lesson 002's printed summary (Keras 3, 88 columns).
FASHION_MNIST_SUMMARY = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓
┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩
│ conv2d (Conv2D)                      │ (None, 26, 26, 64)          │             640 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ max_pooling2d (MaxPooling2D)         │ (None, 13, 13, 64)          │               0 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ conv2d_1 (Conv2D)                    │ (None, 11, 11, 64)          │          36,928 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ max_pooling2d_1 (MaxPooling2D)       │ (None, 5, 5, 64)            │               0 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ flatten (Flatten)                    │ (None, 1600)                │               0 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ dense (Dense)                        │ (None, 128)                 │         204,928 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ dense_1 (Dense)                      │ (None, 10)                  │           1,290 │
└──────────────────────────────────────┴─────────────────────────────┴─────────────────┘
 Total params: 243,786 (952.29 KB)
 Trainable params: 243,786 (952.29 KB)
 Non-trainable params: 0 (0.00 B)
"""


def capture(model, **kwargs):
    texts = []
    model.summary(print_fn=texts.append, **kwargs)
    assert len(texts) == 1  # Keras 3 passes the whole table at once
    return texts[0]


@pytest.fixture
def wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


def test_lesson_002_summary_exactly(wide_terminal):
    assert capture(fashion_mnist_model()) == FASHION_MNIST_SUMMARY


def test_summary_prints_to_stdout(wide_terminal, capsys):
    fashion_mnist_model().summary()
    assert capsys.readouterr().out == FASHION_MNIST_SUMMARY


def test_default_width_follows_a_narrow_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    lines = capture(fashion_mnist_model()).splitlines()
    assert len(lines[1]) == 56


def test_line_length_argument():
    text = capture(fashion_mnist_model(), line_length=100)
    assert {len(line) for line in text.splitlines()[1:-3]} == {100}


def test_functional_summary_lists_input_layer(wide_terminal):
    text = capture(mnist_functional_model())
    assert text.startswith('Model: "functional"\n')
    assert "│ input_layer (InputLayer)             │ (None, 28, 28, 1)           │               0 │" in text
    assert " Total params: 104,202 (407.04 KB)" in text


def test_branching_model_has_connected_to_column(wide_terminal):
    a = layers.Input(shape=(4,))
    b = layers.Dense(4)(a)
    model = Model(a, layers.Add()([a, b]))
    lines = capture(model).splitlines()
    assert "Connected to" in lines[2] and len(lines[1]) == 108
    row = next(i for i, line in enumerate(lines) if "add (Add)" in line)
    assert "│ input_layer[0][0],  " in lines[row]  # wrapped at the column width, as rich does
    assert "│ dense[0][0]  " in lines[row + 1]


def test_non_trainable_weights_and_frozen_layers(wide_terminal):
    model = Sequential([layers.Dense(4, input_shape=(3,)), layers.BatchNormalization()])
    model.layers[0].trainable = False
    text = capture(model)
    assert " Total params: 32 (128.00 B)" in text
    assert " Trainable params: 8 (32.00 B)" in text  # BatchNorm gamma and beta
    assert " Non-trainable params: 24 (96.00 B)" in text  # frozen Dense + moving statistics


def test_shared_layer_counted_once(wide_terminal):
    shared = layers.Dense(2)
    x = layers.Input(shape=(2,))
    model = Model(x, shared(shared(x)))
    assert " Total params: 6 (24.00 B)" in capture(model)


def test_unbuilt_layers_are_marked(wide_terminal):
    model = Sequential([layers.Dense(2, input_shape=(3,))])
    model.build()

    class Lazy(Model):
        def __init__(self):
            super().__init__()
            self.used = layers.Dense(2)
            self.unused = layers.Dense(5)

        def call(self, x):
            return self.used(x)

    lazy = Lazy()
    lazy(np.ones((1, 3)))
    text = capture(lazy)
    assert "│ dense_2 (Dense)" in text and "0 (unbuilt)" in text and "│ ?" in text
    assert "(1, 2)" in text  # the built layer's output shape, from its build shape


def test_optimizer_params_after_training(wide_terminal):
    model = Sequential([layers.Dense(2, input_shape=(3,))])
    model.compile(optimizer="adam", loss="mse")
    assert "Optimizer params" not in capture(model)
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    text = capture(model)
    assert " Optimizer params: " in text
    assert " Trainable params: 8 (32.00 B)" in text


def test_expand_nested_and_show_trainable(wide_terminal):
    inner = Sequential([layers.Dense(2, input_shape=(3,))], name="inner")
    model = Sequential([inner, layers.Dense(1)])
    text = capture(model, expand_nested=True, show_trainable=True)
    assert "└ dense (Dense)" in text and "Trainable" in text


def test_layer_range(wide_terminal):
    text = capture(fashion_mnist_model(), layer_range=["conv2d_1", "flatten"])
    assert "conv2d (Conv2D)" not in text and "flatten (Flatten)" in text and "dense (Dense)" not in text


def test_readable_memory_size():
    from strided.models.summary import readable_memory_size

    assert readable_memory_size(0) == "0.00 B"
    assert readable_memory_size(975_144) == "952.29 KB"
    assert readable_memory_size(3 * 1024**2) == "3.00 MB"
