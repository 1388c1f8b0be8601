"""Traced inference: after the first call at a shape, predictions replay the ops applied.

The replay must give exactly the numbers of the layer-by-layer run, for every layer class
that says it may be traced, must follow the weights as they change, and must stay out of
the way whenever a difference could be seen (gradients, training mode, patched or custom
layers).
"""

import threading
from unittest import mock

import numpy as np
import pytest

import strided
from strided import Input, Model, Sequential, _config, layers, no_grad
from strided.applications import cifar_cnn, fashion_cnn, mnist_cnn
from strided.autograd.trace import Trace
from strided.utils import set_random_seed


@pytest.fixture
def replays(monkeypatch):
    """Count the replays, and restore the setting after the test."""
    calls = []
    original = Trace.replay

    def counting(self, arrays):
        calls.append(len(self.steps))
        return original(self, arrays)

    monkeypatch.setattr(Trace, "replay", counting)
    yield calls
    strided.set_traced_inference(True)


def eager(model, x):
    """The layer-by-layer prediction (the switch flipped directly: set_traced_inference would
    also drop the traces kept)."""
    with mock.patch.object(_config, "_TRACED_INFERENCE", False):
        return model.predict(x, verbose=0)


def check_replay_matches(model, shape, replays, calls=3):
    """Predict `calls` different batches; all but the first replay, and match the eager run."""
    rng = np.random.default_rng(0)
    for _ in range(calls):
        x = rng.standard_normal(shape).astype(np.float32)
        got = model.predict(x, verbose=0)
        np.testing.assert_array_equal(got, eager(model, x))
    assert len(replays) == calls - 1


def image_model(*middle, shape=(8, 8, 3)):
    set_random_seed(0)
    return Sequential([Input(shape=shape), *middle, layers.Flatten(), layers.Dense(3, activation="softmax")])


TRACEABLE = {
    "conv-relu-pool (fused)": lambda: image_model(layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D()),
    "conv same tanh, stride 2": lambda: image_model(layers.Conv2D(4, 3, strides=2, padding="same", activation="tanh")),
    "conv1d": lambda: Sequential([Input(shape=(10, 2)), layers.Conv1D(3, 3), layers.GlobalAveragePooling1D()]),
    "depthwise + separable": lambda: image_model(layers.DepthwiseConv2D(3), layers.SeparableConv2D(4, 3, padding="same")),
    "average + max pool": lambda: image_model(layers.AveragePooling2D(), layers.MaxPooling2D(padding="same")),
    "global max pool": lambda: Sequential([Input(shape=(6, 6, 2)), layers.GlobalMaxPooling2D(), layers.Dense(2)]),
    "batch norm, dropout, activations": lambda: image_model(
        layers.BatchNormalization(), layers.ReLU(max_value=1.0, negative_slope=0.1, threshold=-0.5),
        layers.ReLU(max_value=6.0), layers.LeakyReLU(), layers.Dropout(0.5),
        layers.SpatialDropout2D(0.3), layers.Activation("elu"), layers.Softmax(),
    ),
    "zero padding, reshape": lambda: image_model(layers.ZeroPadding2D(1), layers.Reshape((10, 30))),
    "cropping (NASNet's)": lambda: image_model(layers.ZeroPadding2D(((1, 0), (1, 0))), layers.Cropping2D(((1, 0), (0, 1)))),
}


@pytest.mark.parametrize("build", TRACEABLE.values(), ids=TRACEABLE.keys())
def test_replays_match_the_layer_by_layer_run(build, replays):
    model = build()
    check_replay_matches(model, (5, *model.input_shape[1:]), replays)


def test_merge_layers_in_a_functional_model(replays):
    set_random_seed(0)
    a, b = Input(shape=(4,)), Input(shape=(4,))
    left, right = layers.Dense(4)(a), layers.Dense(4, activation="relu")(b)
    merged = [layer()([left, right]) for layer in
              (layers.Add, layers.Subtract, layers.Multiply, layers.Maximum, layers.Minimum, layers.Average)]
    joined = layers.Concatenate()(merged)
    model = Model([a, b], [joined, layers.Dense(2)(joined)])
    rng = np.random.default_rng(1)
    for _ in range(3):
        x = [rng.standard_normal((3, 4)).astype(np.float32) for _input in range(2)]
        got = model.predict(x, verbose=0)
        for g, e in zip(got, eager(model, x)):
            np.testing.assert_array_equal(g, e)
    assert len(replays) == 2


@pytest.mark.parametrize("builder", [fashion_cnn, mnist_cnn, cifar_cnn])
def test_the_lesson_models_replay_their_ops(builder, replays):
    model = builder()
    check_replay_matches(model, (2, *model.input_shape[1:]), replays)
    assert replays[0] < len(model.layers)  # fused pairs, Dropout and Flatten make fewer ops


def test_replays_follow_training_weights_and_batch_norm_statistics(replays):
    model = image_model(layers.Conv2D(4, 3, activation="relu"), layers.BatchNormalization(), layers.MaxPooling2D())
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x, y = rng.random((16, 8, 8, 3)).astype(np.float32), rng.integers(0, 3, 16)
    before = model.predict(x, verbose=0)
    model.predict(x, verbose=0)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)  # changes weights and moving statistics
    after = model.predict(x, verbose=0)
    assert len(replays) == 2 and not np.allclose(after, before)
    np.testing.assert_array_equal(after, eager(model, x))
    model.set_weights([w * 0.5 for w in model.get_weights()])
    np.testing.assert_array_equal(model.predict(x, verbose=0), eager(model, x))


def test_a_trace_per_input_shape_and_calls_with_a_batch_axis_left_off(replays):
    model = fashion_cnn()
    rng = np.random.default_rng(0)
    for batch in (1, 3, 1, 3):
        model.predict(rng.random((batch, 28, 28, 1)), verbose=0)
    assert len(replays) == 2 and len(model._graph._traced.traces) == 2
    x = rng.random((2, 28, 28)).astype(np.float32)  # the channel axis added, as Keras
    model.predict(x, verbose=0)
    np.testing.assert_array_equal(model.predict(x, verbose=0), eager(model, x[..., None]))
    with pytest.raises(ValueError, match=r"expected shape \(None, 28, 28, 1\)"):
        model.predict(rng.random((2, 28, 27, 1)), verbose=0)


def test_model_call_and_predict_on_batch_replay_under_no_grad_only(replays):
    model = fashion_cnn()
    x = np.random.default_rng(0).random((2, 28, 28, 1)).astype(np.float32)
    expected = eager(model, x)
    with no_grad():
        model(x)
        np.testing.assert_array_equal(model(x, training=False).numpy(), expected)
    np.testing.assert_array_equal(model.predict_on_batch(x), expected)
    assert len(replays) == 2
    out = model(x)  # gradients recorded: layer by layer, with a tape
    assert out.requires_grad and len(replays) == 2
    with no_grad():
        model(x, training=True)
    assert len(replays) == 2


class Doubling(layers.Dense):
    def call(self, inputs):  # its own call: not known to be traceable
        return super().call(inputs) * 2.0


UNTRACEABLE = {
    "subclass with its own call": lambda: Sequential([Input(shape=(4,)), Doubling(3)]),
    "Lambda": lambda: Sequential([Input(shape=(4,)), layers.Lambda(lambda t: t * 2.0)]),
    "custom activation": lambda: Sequential([Input(shape=(4,)), layers.Dense(3, activation=lambda t: t * 2.0)]),
    "activity regularizer": lambda: Sequential([Input(shape=(4,)), layers.Dense(3, activity_regularizer="l2")]),
    "BatchNormalization over two axes": lambda: Sequential([Input(shape=(3, 4)), layers.BatchNormalization(axis=[1, 2])]),
    "Dropout called with training=True": lambda: Model(
        (inputs := Input(shape=(4,))), layers.Dropout(0.5)(inputs, training=True)
    ),
}


@pytest.mark.parametrize("build", UNTRACEABLE.values(), ids=UNTRACEABLE.keys())
def test_models_with_layers_not_known_to_be_traceable_run_layer_by_layer(build, replays):
    model = build()
    x = np.ones((2, *model.input_shape[1:]), np.float32)
    for _ in range(3):
        model.predict(x, verbose=0)
    assert replays == [] and not model._graph._traced.traces


def test_a_patched_call_is_honoured(replays):
    """strided.viz captures feature maps by patching a layer's call on the instance."""
    model = fashion_cnn()
    x = np.ones((1, 28, 28, 1), np.float32)
    model.predict(x, verbose=0)
    seen = []
    layer = model.layers[0]
    original = layer.call
    layer.call = lambda inputs: seen.append(inputs.shape) or original(inputs)
    model.predict(x, verbose=0)
    del layer.call
    assert seen == [(1, 28, 28, 1)] and replays == []
    model.predict(x, verbose=0)  # the layer changed (its patch removed): traced afresh
    model.predict(x, verbose=0)
    assert len(replays) == 1


def test_threads_predicting_at_once_get_their_own_answers(replays):
    model = fashion_cnn()
    rng = np.random.default_rng(0)
    inputs = [rng.random((4, 28, 28, 1)).astype(np.float32) for _ in range(4)]
    expected = [eager(model, x) for x in inputs]
    results = {}

    def work(i):
        for _ in range(5):
            results[i] = model.predict(inputs[i], verbose=0)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i in range(4):  # OpenBLAS may split a GEMM otherwise when called from several threads
        np.testing.assert_allclose(results[i], expected[i], rtol=1e-5, atol=1e-7)
    assert replays


def test_turning_it_off(replays):
    model = fashion_cnn()
    strided.set_traced_inference(False)
    assert not strided.traced_inference_enabled()
    x = np.ones((1, 28, 28, 1), np.float32)
    for _ in range(3):
        model.predict(x, verbose=0)
    assert replays == [] and not model._graph._traced.traces


def test_set_traced_inference_drops_the_traces_kept(replays):
    model = Sequential([Input(shape=(4,)), layers.Dense(3, activation="relu")])
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    model.predict(x, verbose=0)
    strided.set_traced_inference(True)
    got = model.predict(x, verbose=0)
    assert replays == []  # traced again
    np.testing.assert_array_equal(model.predict(x, verbose=0), got)
    assert len(replays) == 1


# ------------------------------------------------------------ never stale (issue's repro first)
def fashion_like():
    set_random_seed(0)
    return Sequential([
        Input(shape=(8, 8, 2)),
        layers.Conv2D(4, 3, activation="relu"),  # fused with the pooling
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(5, activation="relu"),
        layers.Dense(3),
    ])


def predict_twice(model, x):
    """Two predictions after a change: the first traces afresh, the second replays."""
    first = model.predict(x, verbose=0)
    np.testing.assert_array_equal(model.predict(x, verbose=0), first)
    return first


X = np.random.default_rng(0).standard_normal((6, 8, 8, 2)).astype(np.float32)


@pytest.mark.parametrize("index", [0, 3])  # the fused Conv2D, a plain Dense
def test_an_activation_changed_after_a_first_predict_is_seen(index, replays):
    model = fashion_like()
    predict_twice(model, X)
    model.layers[index].activation = strided.activations.linear
    count = len(replays)
    got = predict_twice(model, X)
    assert len(replays) == count + 1  # the old trace was not replayed
    np.testing.assert_array_equal(got, eager(model, X))
    unfused = Sequential([Input(shape=(8, 8, 2)), *model.layers])
    with mock.patch.object(_config, "_FUSION", False):
        np.testing.assert_allclose(got, eager(unfused, X), rtol=1e-5, atol=1e-6)


def test_trainable_changed_after_a_first_predict_traces_afresh(replays):
    set_random_seed(0)
    model = Sequential([Input(shape=(8, 8, 2)), layers.BatchNormalization(), layers.Flatten(), layers.Dense(3)])
    predict_twice(model, X)
    count = len(replays)
    model.layers[0].trainable = False
    got = predict_twice(model, X)
    assert len(replays) == count + 1
    np.testing.assert_array_equal(got, eager(model, X))


def test_a_weight_replaced_by_a_new_variable_is_read(replays):
    model = fashion_like()
    predict_twice(model, X)
    dense = model.layers[3]
    dense.kernel = strided.Variable(np.full(dense.kernel.shape, 0.5, np.float32))
    got = predict_twice(model, X)
    np.testing.assert_array_equal(got, eager(model, X))
    assert not np.array_equal(got, eager(fashion_like(), X))


def test_layers_added_after_a_first_predict_run(replays):
    model = fashion_like()
    predict_twice(model, X)
    model.add(layers.Dense(2))
    got = predict_twice(model, X)
    assert got.shape == (6, 2)
    np.testing.assert_array_equal(got, eager(model, X))


def test_unchanged_layers_keep_replaying(replays):
    model = fashion_like()
    for _ in range(4):
        model.predict(X, verbose=0)
    assert len(replays) == 3
