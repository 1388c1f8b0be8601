"""The lessons' transfer-learning recipe: freeze the base, train a new head, fine-tune.

Frozen weights must not move at all (bit for bit, BatchNormalization's moving statistics
included: a frozen BatchNormalization runs in inference mode even while the model trains),
and the unfrozen ones must.
"""

import numpy as np
import pytest

from strided import applications, layers, optimizers
from strided.models import Sequential


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (24, 32, 32, 3)).astype("float32")
    y = rng.integers(0, 3, 24)
    return x, y


def snapshot(model):
    return {w.path: np.array(w.numpy(), copy=True) for w in model.weights}


def changed(before, model):
    return {w.path for w in model.weights if not np.array_equal(before[w.path], w.numpy())}


def test_freeze_train_head_then_fine_tune_last_layers(data):
    x, y = data
    base = applications.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3))
    base.trainable = False
    model = Sequential(
        [base, layers.GlobalAveragePooling2D(), layers.Dense(3, activation="softmax", name="head")]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    lines = []
    model.summary(print_fn=lines.append)
    summary = "\n".join(lines)
    assert "Trainable params: 3,843" in summary
    assert f"Non-trainable params: {base.count_params():,}" in summary

    start = snapshot(base)
    head_start = model.get_layer("head").get_weights()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert changed(start, base) == set()  # bit-identical, moving statistics included
    assert not np.array_equal(model.get_layer("head").get_weights()[0], head_start[0])

    # fine-tuning: unfreeze the last 4 layers of the base, recompile with a lower learning rate
    base.trainable = True
    for layer in base.layers[:-4]:
        layer.trainable = False
    unfrozen = {w.path for layer in base.layers[-4:] for w in layer.weights}
    assert {layer.name for layer in base.layers[-4:]} == {
        "block_16_project_BN",
        "Conv_1",
        "Conv_1_bn",
        "out_relu",
    }
    model.compile(
        optimizer=optimizers.Adam(1e-4),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    assert model.optimizer.learning_rate == pytest.approx(1e-4)
    assert sum(w.size for w in model.trainable_weights) == 3_843 + sum(
        w.size for layer in base.layers[-4:] for w in layer.trainable_weights
    )
    lines = []
    model.summary(print_fn=lines.append)
    trainable = 3_843 + 320 * 2 + 320 * 1280 + 1280 * 2
    assert f"Trainable params: {trainable:,}" in "\n".join(lines)

    before = snapshot(base)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    moved = changed(before, base)
    assert moved <= unfrozen  # nothing outside the last 4 layers moved
    assert {
        "Conv_1/kernel",
        "Conv_1_bn/moving_mean",
        "Conv_1_bn/moving_variance",
        "block_16_project_BN/moving_mean",
    } <= moved


def test_a_frozen_base_runs_batch_norm_in_inference_mode(data):
    x, _ = data
    base = applications.ResNet18(weights=None, include_top=False, input_shape=(32, 32, 3))
    base.trainable = False
    model = Sequential([base, layers.GlobalAveragePooling2D()])
    training_output = model(x[:4], training=True).numpy()
    inference_output = base(x[:4], training=False).numpy().mean(axis=(1, 2))
    np.testing.assert_allclose(training_output, inference_output, rtol=1e-5, atol=1e-6)
    base.trainable = True
    assert not np.allclose(model(x[:4], training=True).numpy(), inference_output, atol=1e-3)
