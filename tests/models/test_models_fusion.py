"""Layer fusion: Conv2D(relu) -> MaxPooling2D, BatchNormalization -> ReLU and Conv2D ->
BatchNormalization (-> ReLU) run as one op each, and nothing else changes."""

import numpy as np
import pytest

import strided
from strided import Input, Model, Sequential, layers
from strided.applications import cifar_cnn, fashion_cnn, mnist_cnn
from strided.models import fusion
from strided.utils import set_random_seed


@pytest.fixture
def fusion_setting():
    """Restore strided.set_fusion after a test that changes it."""
    yield strided.set_fusion
    strided.set_fusion(True)


def fused_layer_names(model):
    graph = model._graph
    groups = fusion.fused_groups(graph.nodes, graph.output_tensors)
    return sorted(tuple(node.layer.name for node in group) for group in groups.values())


def test_the_lesson_models_are_fused():
    assert fused_layer_names(fashion_cnn()) == [
        ("conv2d", "max_pooling2d"), ("conv2d_1", "max_pooling2d_1")
    ]
    assert len(fused_layer_names(mnist_cnn())) == 2  # the third conv has no pooling after it
    names = fused_layer_names(cifar_cnn())  # six Conv2D -> BatchNormalization -> Activation("relu")
    assert len(names) == 6 and all(conv.startswith("conv2d") for conv, _, _ in names)
    assert all(bn.startswith("batch_normalization") for _, bn, _ in names)
    assert all(relu.startswith("activation") for _, _, relu in names)  # not the head's BN


@pytest.mark.parametrize("builder", [fashion_cnn, mnist_cnn])
def test_fused_and_plain_models_compute_the_same(builder, fusion_setting):
    rng = np.random.default_rng(0)
    x = rng.random((12, 28, 28, 1)).astype(np.float32)
    x[:, :4] = 0  # flat rows: ties inside pooling windows
    y = rng.integers(0, 10, 12)
    results = []
    for fused in (True, False):
        fusion_setting(fused)
        set_random_seed(1)
        model = builder()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        before = model.predict(x, verbose=0)
        model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
        results.append([before, model.predict(x, verbose=0), *model.get_weights()])
    for fused, plain in zip(*results):
        np.testing.assert_allclose(fused, plain, rtol=1e-4, atol=1e-5)


def test_fused_pair_uses_one_op_and_set_fusion_turns_it_off(fusion_setting):
    model = fashion_cnn()
    x = strided.Tensor(np.ones((2, 28, 28, 1), np.float32))
    conv, pool = model.layers[0], model.layers[1]
    seen = []
    original = fusion.run_group

    def spy(group, inputs):
        seen.append(tuple(node.layer.name for node in group))
        return original(group, inputs)

    fusion.run_group = spy
    try:
        model(x)
        assert seen == [(conv.name, pool.name), ("conv2d_1", "max_pooling2d_1")]
        seen.clear()
        fusion_setting(False)
        assert not strided.fusion_enabled()
        model(x)
        assert seen == []
    finally:
        fusion.run_group = original


def conv_pool_model(**conv_args):
    inputs = Input(shape=(10, 10, 3))
    x = layers.Conv2D(4, 3, **conv_args)(inputs)
    return inputs, x


@pytest.mark.parametrize(
    "make",
    [
        # the conv's output is also a model output (e.g. a feature-map model)
        lambda: (lambda i, c: Model(i, [layers.MaxPooling2D()(c), c]))(*conv_pool_model(activation="relu")),
        # the conv's output feeds a second layer too
        lambda: (lambda i, c: Model(i, layers.Add()([layers.Flatten()(layers.MaxPooling2D()(c)),
                                                   layers.Flatten()(layers.MaxPooling2D()(c))])))(
            *conv_pool_model(activation="relu")),
        # not a ReLU
        lambda: (lambda i, c: Model(i, layers.MaxPooling2D()(c)))(*conv_pool_model(activation="tanh")),
        # overlapping pooling windows
        lambda: (lambda i, c: Model(i, layers.MaxPooling2D(3, strides=2)(c)))(*conv_pool_model(activation="relu")),
        # "same" pooling
        lambda: (lambda i, c: Model(i, layers.MaxPooling2D(padding="same")(c)))(*conv_pool_model(activation="relu")),
        # an activity regularizer needs the conv's output
        lambda: (lambda i, c: Model(i, layers.MaxPooling2D()(c)))(
            *conv_pool_model(activation="relu", activity_regularizer="l2")),
    ],
)
def test_not_fused_when_someone_could_tell(make):
    model = make()
    assert fused_layer_names(model) == []


def test_a_conv_subclass_with_its_own_call_is_not_fused():
    class Doubled(layers.Conv2D):
        def call(self, inputs):
            return super().call(inputs) * 2

    model = Sequential([Input(shape=(8, 8, 1)), Doubled(2, 3, activation="relu"), layers.MaxPooling2D()])
    assert fused_layer_names(model) == []
    plain = Sequential([Input(shape=(8, 8, 1)), layers.Conv2D(2, 3, activation="relu"), layers.MaxPooling2D()])
    assert len(fused_layer_names(plain)) == 1


def test_fused_pair_errors_name_the_conv_layer():
    model = fashion_cnn()
    with pytest.raises(ValueError, match="conv2d"):
        model.layers[0].kernel.assign(np.zeros((3, 3, 1, 64), np.float32))
        group = next(iter(fusion.fused_groups(model._graph.nodes, model._graph.output_tensors).values()))
        fusion.run_group(group, np.zeros((1, 28, 28, 2), np.float32))


def test_fused_model_accepts_other_dtypes_as_the_plain_one():
    model = fashion_cnn()
    images = np.random.default_rng(0).integers(0, 255, (3, 28, 28, 1)).astype(np.uint8)
    fused = model.predict(images, verbose=0)
    strided.set_fusion(False)
    try:
        plain = model.predict(images, verbose=0)
    finally:
        strided.set_fusion(True)
    np.testing.assert_allclose(fused, plain, rtol=1e-5, atol=1e-7)


def test_a_layer_patched_on_the_instance_runs_on_its_own():
    # strided.viz records feature maps by wrapping `layer.call` on the instance.
    model = fashion_cnn()
    conv = model.layers[0]
    outputs = []

    def recording_call(inputs):
        outputs.append(type(conv).call(conv, inputs))
        return outputs[-1]

    conv.call = recording_call
    try:
        model.predict(np.ones((2, 28, 28, 1), np.float32), verbose=0)
    finally:
        del conv.call
    assert len(outputs) == 1 and outputs[0].shape == (2, 26, 26, 64)


def batch_norm_relu_model(relu_layer):
    set_random_seed(2)
    return Sequential([
        Input(shape=(6, 6, 3)), layers.Conv2D(8, 3, padding="same"), layers.BatchNormalization(momentum=0.5),
        relu_layer, layers.Flatten(), layers.Dense(3, activation="softmax"),
    ])


@pytest.mark.parametrize("relu", [lambda: layers.Activation("relu"), lambda: layers.ReLU()])
def test_fused_batch_norm_relu_trains_like_the_plain_layers(relu, fusion_setting):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 6, 6, 3)).astype(np.float32), rng.integers(0, 3, 16)
    results = []
    for fused in (True, False):
        fusion_setting(fused)
        model = batch_norm_relu_model(relu())
        assert len(fused_layer_names(model)) == fused
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
        results.append([model.predict(x, verbose=0), *model.get_weights()])  # moving stats too
    for fused, plain in zip(*results):
        np.testing.assert_allclose(fused, plain, rtol=1e-5, atol=1e-6)


def test_batch_norm_relu_pairs_not_fused():
    for not_relu in (layers.ReLU(max_value=6.0), layers.Activation("tanh")):  # conv -> BN alone
        (group,) = fused_layer_names(batch_norm_relu_model(not_relu))
        assert len(group) == 2 and group[0].startswith("conv2d") and group[1].startswith("batch_normalization")
    inputs = Input(shape=(4,))
    normed = layers.BatchNormalization()(inputs)
    model = Model(inputs, [layers.Activation("relu")(normed), normed])  # the BN output is an output
    assert fused_layer_names(model) == []
    frozen = Model(inputs, layers.ReLU()(layers.BatchNormalization()(inputs, training=True)))
    assert len(fused_layer_names(frozen)) == 1  # the node's own training=True is kept:
    x = np.random.default_rng(0).standard_normal((8, 4)).astype(np.float32)
    out = frozen.predict(x, verbose=0)  # batch statistics even in predict
    np.testing.assert_allclose(out.mean(axis=0), np.maximum(0, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3)).mean(0),
                               rtol=1e-4, atol=1e-5)
