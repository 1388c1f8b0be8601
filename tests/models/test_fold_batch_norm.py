"""Conv2D / DepthwiseConv2D -> BatchNormalization (-> ReLU) with moving statistics runs as one
convolution with the batch norm folded in: the same outputs and gradients as the plain layers."""

import numpy as np
import pytest

import strided
from strided import Input, Model, layers
from strided.models import fusion
from strided.utils import set_random_seed


@pytest.fixture
def fusion_setting():
    yield strided.set_fusion
    strided.set_fusion(True)


def randomize_statistics(model, seed=0):
    """Moving statistics and gamma/beta far from their initial values, so a fold that forgot
    one of them would show."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            shape = layer.moving_mean.shape
            layer.moving_mean.assign(rng.normal(0, 0.5, shape))
            layer.moving_variance.assign(rng.uniform(0.3, 3.0, shape))
            if layer.gamma is not None:
                layer.gamma.assign(rng.uniform(0.5, 1.5, shape))
            if layer.beta is not None:
                layer.beta.assign(rng.normal(0, 0.5, shape))


def block(data_format="channels_last", depthwise=False, use_bias=True, relu=True, center=True, scale=True,
          strides=1, channels=6, training=None):
    set_random_seed(3)
    shape = (9, 9, 4) if data_format == "channels_last" else (4, 9, 9)
    inputs = Input(shape=shape)
    if depthwise:
        conv = layers.DepthwiseConv2D(3, strides=strides, padding="same", depth_multiplier=2, use_bias=use_bias,
                                      data_format=data_format)
    else:
        conv = layers.Conv2D(channels, 3, strides=strides, padding="same", use_bias=use_bias, data_format=data_format)
    axis = -1 if data_format == "channels_last" else 1
    x = layers.BatchNormalization(axis=axis, center=center, scale=scale)(conv(inputs), training=training)
    if relu:
        x = layers.ReLU()(x)
    x = layers.GlobalAveragePooling2D(data_format=data_format)(x)
    model = Model(inputs, layers.Dense(3)(x))
    randomize_statistics(model)
    return model


def group_sizes(model):
    graph = model._graph
    return sorted(len(g) for g in fusion.fused_groups(graph.nodes, graph.output_tensors).values())


def images(model, batch=5, seed=1):
    return np.random.default_rng(seed).standard_normal((batch, *model.input_shape[1:])).astype(np.float32)


def predict_both(model, x, fusion_setting):
    results = []
    for fused in (True, False):
        fusion_setting(fused)
        results.append(model.predict(x, verbose=0))
    return results


CASES = [
    {},
    {"data_format": "channels_first"},
    {"use_bias": False},
    {"relu": False},
    {"center": False, "scale": False},
    {"strides": 2},
    {"depthwise": True},
    {"depthwise": True, "data_format": "channels_first", "use_bias": False},
]


@pytest.mark.parametrize("case", CASES, ids=[",".join(f"{k}={v}" for k, v in c.items()) or "plain" for c in CASES])
def test_folded_prediction_equals_the_plain_layers(case, fusion_setting):
    model = block(**case)
    assert group_sizes(model) == [3 if case.get("relu", True) else 2]
    x = images(model, batch=64)  # enough positions for the fold to pay (`_fold_pays`)
    fused, plain = predict_both(model, x, fusion_setting)
    np.testing.assert_allclose(fused, plain, rtol=1e-5, atol=1e-5)


def test_the_fold_is_used_when_it_pays_and_not_when_it_does_not(fusion_setting, monkeypatch):
    model = block(channels=8)
    folds = []
    original = fusion.folded_kernel_and_bias
    monkeypatch.setattr(fusion, "folded_kernel_and_bias", lambda *a: folds.append(1) or original(*a))
    strided.set_traced_inference(False)
    try:
        model.predict(images(model, batch=64), batch_size=64, verbose=0)  # 64 * 81 positions >= 3 * 3 * 4
        assert len(folds) == 1
        x = np.zeros((1, 2, 2, 4), np.float32)  # 4 positions < 36 kernel rows: the batch norm pass
        inputs = Input(shape=(2, 2, 4))
        tiny = Model(inputs, layers.BatchNormalization()(layers.Conv2D(8, 3, padding="same")(inputs)))
        randomize_statistics(tiny)
        folds.clear()
        fused = tiny.predict(x, verbose=0)
        assert folds == []
        fusion_setting(False)
        np.testing.assert_allclose(fused, tiny.predict(x, verbose=0), rtol=1e-6)
    finally:
        strided.set_traced_inference(True)


def test_a_replayed_trace_reads_the_current_statistics(fusion_setting):
    model = block()
    x = images(model, batch=64)
    first = model.predict(x, verbose=0)
    model.predict(x, verbose=0)  # replayed
    randomize_statistics(model, seed=7)  # in place, as load_weights or an optimizer would
    fused = model.predict(x, verbose=0)
    assert not np.allclose(fused, first)
    fusion_setting(False)
    np.testing.assert_allclose(fused, model.predict(x, verbose=0), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("how", ["training=False", "trainable=False"])
def test_fine_tuning_through_a_frozen_batch_norm_trains_like_the_plain_layers(how, fusion_setting):
    """Transfer learning: the base's batch norm keeps its moving statistics while the conv
    trains (with gradients recorded the group runs unfolded: conv, then batch norm + ReLU)."""
    y = np.random.default_rng(0).integers(0, 3, 64)
    results = []
    for fused in (True, False):
        fusion_setting(fused)
        model = block(training=False if how == "training=False" else None)
        if how == "trainable=False":
            model.layers[2].trainable = False
        assert group_sizes(model) == ([3] if fused else [])
        x = images(model, batch=64)
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=32, epochs=2, verbose=0, shuffle=False)
        results.append([model.predict(x, verbose=0), *model.get_weights()])
    for fused, plain in zip(*results):
        np.testing.assert_allclose(fused, plain, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("frozen", [False, True])
def test_nothing_is_folded_while_gradients_are_recorded(frozen, fusion_setting, monkeypatch):
    model = block(training=False if frozen else None)
    monkeypatch.setattr(fusion, "folded_kernel_and_bias", lambda *a: pytest.fail("folded while training"))
    model.compile(optimizer="sgd", loss="mse")
    x = images(model, batch=64)
    model.fit(x, np.zeros((64, 3), np.float32), batch_size=32, epochs=1, verbose=0)


def test_not_folded_when_someone_could_tell():
    inputs = Input(shape=(8, 8, 3))
    conv = layers.Conv2D(4, 3, activation="relu")(inputs)  # the conv's own activation comes first
    assert group_sizes(Model(inputs, layers.BatchNormalization()(conv))) == []
    conv = layers.Conv2D(4, 3)(inputs)
    both = Model(inputs, [layers.BatchNormalization()(conv), conv])  # the conv's output is an output
    assert group_sizes(both) == []
    conv = layers.Conv2D(4, 3)(inputs)
    other_axis = layers.BatchNormalization(axis=1)(conv)  # not the channel axis
    assert group_sizes(Model(inputs, other_axis)) == []


def test_a_frozen_base_is_folded_while_its_head_trains(fusion_setting, monkeypatch):
    """Transfer learning: the base (conv -> BN -> ReLU) is frozen, no gradient flows through
    it, so it runs folded during fit too; the head trains as with the plain layers."""
    y = np.random.default_rng(0).integers(0, 3, 64)
    folds = []
    original = fusion.folded_kernel_and_bias
    monkeypatch.setattr(fusion, "folded_kernel_and_bias", lambda *a: folds.append(1) or original(*a))
    results = []
    for fused in (True, False):
        fusion_setting(fused)
        folds.clear()
        model = block()
        for layer in model.layers[:4]:  # input, conv, batch norm, relu
            layer.trainable = False
        x = images(model, batch=64)
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=32, epochs=2, verbose=0, shuffle=False)
        assert (len(folds) > 0) == fused
        results.append([model.predict(x, verbose=0), *model.get_weights()])
    for fused, plain in zip(*results):
        np.testing.assert_allclose(fused, plain, rtol=1e-4, atol=1e-5)
