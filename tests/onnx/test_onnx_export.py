"""ONNX export: every layer and model, run by ONNX Runtime, gives strided's own outputs."""

import numpy as np
import pytest

import strided.layers as L
from strided.applications import lessons
from strided.models import Model, Sequential
from strided.onnx import export

ort = pytest.importorskip("onnxruntime")


def run_onnx(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})[0]


def assert_exports(model, tmp_path, input_shape=None, batch=3, seed=0, rtol=2e-5):
    """Export, run in ONNX Runtime at another batch size than traced, compare with predict."""
    path = export(model, tmp_path / "m.onnx", input_shape=input_shape)
    shape = input_shape or model.input_shape[1:]
    x = np.random.default_rng(seed).uniform(-1, 1, (batch, *shape)).astype("float32")
    expected = np.asarray(model.predict(x, verbose=0))
    got = run_onnx(path, x)
    assert got.shape == expected.shape
    scale = max(float(np.abs(expected).max()), 1e-6)
    assert np.abs(got - expected).max() <= rtol * scale + 1e-6, np.abs(got - expected).max()
    return got


def randomized(model, seed=1, scale=0.3):
    """Random weights of a modest scale (default initial batch-norm statistics would hide a
    wrong translation of them); variances stay positive."""
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        value = rng.normal(0, scale, weight.shape).astype(weight.dtype)
        if "variance" in weight.name:
            value = np.abs(value) + 0.5
        weight.assign(value)
    return model


def perturbed_statistics(model, seed=2):
    """Deep applications keep their initial weights; only batch-norm statistics move."""
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        if weight.name == "moving_mean":
            weight.assign(rng.normal(0, 0.1, weight.shape).astype(weight.dtype))
        elif weight.name == "moving_variance":
            weight.assign(rng.uniform(0.5, 1.5, weight.shape).astype(weight.dtype))
    return model


IMAGE_LAYERS = [
    lambda: L.Conv2D(4, 3),
    lambda: L.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
    lambda: L.Conv2D(4, (3, 5), dilation_rate=2, padding="same", use_bias=False),
    lambda: L.Conv2D(6, 3, groups=3),
    lambda: L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", activation="relu6"),
    lambda: L.SeparableConv2D(5, 3, strides=2, padding="same"),
    lambda: L.Conv2DTranspose(4, 3, strides=2, padding="same"),
    lambda: L.Conv2DTranspose(4, 3, strides=2, padding="valid", output_padding=1),
    lambda: L.MaxPooling2D(2),
    lambda: L.MaxPooling2D(3, strides=2, padding="same"),
    lambda: L.AveragePooling2D(2, padding="same"),
    lambda: L.GlobalAveragePooling2D(),
    lambda: L.GlobalMaxPooling2D(keepdims=True),
    lambda: L.BatchNormalization(),
    lambda: L.LayerNormalization(),
    lambda: L.GroupNormalization(groups=3),
    lambda: L.ZeroPadding2D(((1, 2), (0, 1))),
    lambda: L.Cropping2D(((1, 0), (2, 1))),
    lambda: L.UpSampling2D(2),
    lambda: L.UpSampling2D(2, interpolation="bilinear"),
    lambda: L.Resizing(5, 7),
    lambda: L.Rescaling(1 / 255.0, offset=-0.5),
    lambda: L.Flatten(),
    lambda: L.Reshape((-1, 6)),
    lambda: L.Permute((3, 1, 2)),
    lambda: L.Dropout(0.5),
    lambda: L.SpatialDropout2D(0.3),
    lambda: L.Dense(5, activation="tanh"),
    lambda: L.Softmax(),
    lambda: L.ReLU(max_value=0.5, negative_slope=0.1, threshold=-0.2),
    lambda: L.LeakyReLU(0.3),
    lambda: L.ELU(0.7),
    lambda: L.PReLU(),
]
ACTIVATIONS = ["relu", "relu6", "sigmoid", "tanh", "softplus", "softsign", "silu", "gelu",
               "elu", "selu", "hard_sigmoid", "hard_silu", "leaky_relu", "log_softmax",
               "softmax", "exponential", "mish", "linear"]


@pytest.mark.parametrize("make", IMAGE_LAYERS, ids=lambda make: repr(make()))
def test_each_image_layer(make, tmp_path):
    model = randomized(Sequential([L.Input(shape=(8, 9, 6)), make()]))
    assert_exports(model, tmp_path)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_each_activation(activation, tmp_path):
    model = Sequential([L.Input(shape=(4, 5, 3)), L.Activation(activation)])
    assert_exports(model, tmp_path)


@pytest.mark.parametrize("make", [
    lambda: L.Conv1D(4, 3, padding="same", strides=2),
    lambda: L.MaxPooling1D(2),
    lambda: L.AveragePooling1D(3, padding="same"),
    lambda: L.GlobalAveragePooling1D(),
    lambda: L.ZeroPadding1D(2),
    lambda: L.UpSampling1D(3),
    lambda: L.Cropping1D((1, 2)),
], ids=lambda make: repr(make()))
def test_each_sequence_layer(make, tmp_path):
    assert_exports(randomized(Sequential([L.Input(shape=(10, 4)), make()])), tmp_path)


@pytest.mark.parametrize("merge", [L.Add, L.Subtract, L.Multiply, L.Average, L.Maximum,
                                   L.Minimum, L.Concatenate])
def test_each_merge_layer_in_a_functional_model(merge, tmp_path):
    inputs = L.Input(shape=(6, 6, 3))
    left = L.Conv2D(3, 3, padding="same")(inputs)
    right = L.DepthwiseConv2D(3, padding="same")(inputs)
    model = randomized(Model(inputs, merge()([left, right])))
    assert_exports(model, tmp_path)


@pytest.mark.parametrize("data_format", ["channels_first", "channels_last"])
def test_channels_first_models(data_format, tmp_path):
    model = randomized(Sequential([
        L.Input(shape=(3, 10, 10) if data_format == "channels_first" else (10, 10, 3)),
        L.Conv2D(4, 3, padding="same", data_format=data_format, activation="relu"),
        L.BatchNormalization(axis=1 if data_format == "channels_first" else -1),
        L.MaxPooling2D(2, data_format=data_format),
        L.AveragePooling2D(2, data_format=data_format),
        L.GlobalAveragePooling2D(data_format=data_format),
        L.Dense(3),
    ]))
    assert_exports(model, tmp_path)


@pytest.mark.parametrize("name", ["mnist_cnn", "fashion_cnn", "cifar_cnn"])
def test_the_lessons_models(name, tmp_path):
    model = randomized(getattr(lessons, name)())
    assert_exports(model, tmp_path)


def test_a_subclassed_model_with_an_input_shape(tmp_path):
    class Net(Model):
        def __init__(self):
            super().__init__()
            self.conv = L.Conv2D(4, 3, activation="relu")
            self.head = L.Dense(2)

        def call(self, x):
            return self.head(L.Flatten()(self.conv(x)) * 2.0 + 1.0)

    net = Net()
    net(np.zeros((1, 6, 6, 1), "float32"))
    assert_exports(net, tmp_path, input_shape=(6, 6, 1))


def test_errors_name_what_is_missing(tmp_path):
    unbuilt = Sequential([L.Dense(2)])
    with pytest.raises(ValueError, match="input shape .* is not known"):
        export(unbuilt, tmp_path / "x.onnx")
    with pytest.raises(ValueError, match="opset must be 17 or newer"):
        export(Sequential([L.Input(shape=(2,)), L.Dense(2)]), tmp_path / "x.onnx", opset=11)
    assert not list(tmp_path.iterdir())


APPLICATIONS = ["VGG16", "VGG19", "ResNet18", "ResNet34", "ResNet50", "ResNet101", "ResNet152",
                "InceptionV3", "MobileNetV2", "EfficientNetB0", "AlexNet"]


@pytest.mark.parametrize("name", APPLICATIONS)
def test_every_application_as_a_feature_extractor(name, tmp_path):
    import strided.applications as applications

    size = 75 if name == "InceptionV3" else 64
    model = getattr(applications, name)(weights=None, include_top=False, pooling="avg",
                                        input_shape=(size, size, 3))
    assert_exports(perturbed_statistics(model), tmp_path, batch=2)


@pytest.mark.parametrize("name", ["LeNet5", "MobileNetV2", "EfficientNetB0", "ResNet18"])
def test_applications_with_their_classifier_at_native_resolution(name, tmp_path):
    import strided.applications as applications

    model = getattr(applications, name)(weights=None, classifier_activation=None)
    assert_exports(model, tmp_path, batch=1)


def test_model_export_as_keras_spells_it(tmp_path, capsys):
    model = randomized(Sequential([L.Input(shape=(5, 5, 2)), L.Conv2D(3, 3), L.Flatten(),
                                   L.Dense(2, activation="softmax")]))
    path = model.export(tmp_path / "model.onnx", format="onnx")
    assert "model.onnx" in capsys.readouterr().out
    x = np.random.default_rng(3).uniform(size=(4, 5, 5, 2)).astype("float32")
    assert np.allclose(run_onnx(path, x), model.predict(x, verbose=0), atol=1e-6)
    with pytest.raises(ValueError, match="format='onnx' only"):
        model.export(tmp_path / "m", format="tf_saved_model")
    unknown = Sequential([L.Conv2D(2, 3)])
    unknown(np.zeros((1, 6, 6, 1), "float32"))
    path = unknown.export(tmp_path / "u.onnx", input_signature=[(None, 6, 6, 1)], verbose=False)
    assert run_onnx(path, np.zeros((2, 6, 6, 1), "float32")).shape == (2, 4, 4, 2)
