"""Subclassed models: layers in __init__, call(x, training=False), tracking, training."""

import numpy as np
import pytest

from strided import layers
from strided.models import Model


class Net(Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.conv = layers.Conv2D(4, 3, activation="relu")
        self.pool = layers.MaxPooling2D(2)
        self.head = [layers.Flatten(), layers.Dropout(0.5), layers.Dense(3, activation="softmax")]

    def call(self, x, training=False):
        x = self.pool(self.conv(x))
        for layer in self.head:
            x = layer(x, training=training)
        return x


def test_layers_are_tracked_in_assignment_order():
    net = Net()
    assert net.name == "net"
    assert [type(l).__name__ for l in net.layers] == ["Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense"]


def test_builds_on_first_call_and_counts_params():
    net = Net()
    assert not net.built
    out = net(np.zeros((2, 8, 8, 1)))
    assert out.shape == (2, 3)
    assert net.count_params() == (9 * 4 + 4) + (3 * 3 * 4 * 3 + 3)
    assert len(net.trainable_weights) == 4


def test_explicit_build_creates_weights():
    net = Net()
    net.build((None, 8, 8, 1))
    assert len(net.weights) == 4


def test_training_flag_controls_dropout():
    net = Net()
    x = np.ones((4, 8, 8, 1))
    np.testing.assert_array_equal(net(x).numpy(), net(x).numpy())  # inference: deterministic
    np.testing.assert_array_equal(net.predict(x, verbose=0), net(x).numpy())


def test_fit_and_evaluate_a_subclassed_model():
    net = Net()
    net.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).random((16, 8, 8, 1)).astype("float32")
    y = np.arange(16) % 3
    history = net.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert len(history.history["loss"]) == 2
    loss, accuracy = net.evaluate(x, y, verbose=0)
    assert np.isfinite(loss) and 0 <= accuracy <= 1
    net.summary(print_fn=lambda text: None)


def test_subclass_without_call_explains():
    class Empty(Model):
        pass

    with pytest.raises(NotImplementedError, match="must define call"):
        Empty()(np.ones((1, 2)))


def test_subclass_passing_inputs_outputs_to_super():
    class Wrapped(Model):
        def __init__(self):
            inputs = layers.Input(shape=(3,))
            super().__init__(inputs=inputs, outputs=layers.Dense(2)(inputs))

    model = Wrapped()
    assert model.predict(np.ones((4, 3)), verbose=0).shape == (4, 2)
    assert model.output_shape == (None, 2)


def test_frozen_submodel_is_not_trained():
    base = Net()
    base(np.zeros((1, 8, 8, 1)))
    base.trainable = False
    inputs = layers.Input(shape=(8, 8, 1))
    model = Model(inputs, layers.Dense(2)(base(inputs)))
    assert len(model.trainable_weights) == 2
    before = [w.copy() for w in base.get_weights()]
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 8, 8, 1)), np.zeros((4, 2)), verbose=0)
    for a, b in zip(before, base.get_weights()):
        np.testing.assert_array_equal(a, b)
