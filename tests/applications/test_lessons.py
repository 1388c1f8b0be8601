"""The lessons' models, layer for layer: shapes, parameters, configuration, training, saving."""

import numpy as np
import pytest

from strided.applications.lessons import cifar_cnn, fashion_cnn, mnist_cnn
from strided.utils import clear_session


@pytest.fixture(autouse=True)
def fresh_names():
    clear_session()  # layer names start again at conv2d, as in the lessons' printouts


def layer_rows(model):
    return [
        (type(layer).__name__, layer.output.shape)
        for layer in model.layers
        if type(layer).__name__ != "InputLayer"
    ]


def test_mnist_cnn_is_lesson_000s_functional_model():
    model = mnist_cnn()
    assert layer_rows(model) == [
        ("Conv2D", (None, 26, 26, 32)),
        ("MaxPooling2D", (None, 13, 13, 32)),
        ("Conv2D", (None, 11, 11, 64)),
        ("MaxPooling2D", (None, 5, 5, 64)),
        ("Conv2D", (None, 3, 3, 128)),
        ("Flatten", (None, 1152)),
        ("Dense", (None, 10)),
    ]
    # 320 + 18,496 + 73,856 + 11,530
    assert model.count_params() == 104_202
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert [tuple(layer.get_config()["kernel_size"]) for layer in convs] == [(3, 3)] * 3
    assert all(layer.get_config()["activation"] == "relu" for layer in convs)
    assert model.layers[-1].get_config()["activation"] == "softmax"


def test_fashion_cnn_has_lesson_002s_243786_parameters():
    model = fashion_cnn()
    assert [layer.name for layer in model.layers] == [
        "conv2d",
        "max_pooling2d",
        "conv2d_1",
        "max_pooling2d_1",
        "flatten",
        "dense",
        "dense_1",
    ]
    assert [shape for _, shape in layer_rows(model)] == [
        (None, 26, 26, 64),
        (None, 13, 13, 64),
        (None, 11, 11, 64),
        (None, 5, 5, 64),
        (None, 1600),
        (None, 128),
        (None, 10),
    ]
    assert [layer.count_params() for layer in model.layers] == [
        640,
        0,
        36_928,
        0,
        0,
        204_928,
        1_290,
    ]
    assert model.count_params() == 243_786


def test_cifar_cnn_is_lesson_001s_three_block_network():
    model = cifar_cnn()
    kinds = [type(layer).__name__ for layer in model.layers]
    block = ["Conv2D", "BatchNormalization", "Activation"] * 2 + ["MaxPooling2D", "Dropout"]
    assert kinds == block * 3 + ["Flatten", "Dense", "BatchNormalization", "Dropout", "Dense"]
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert [layer.filters for layer in convs] == [32, 32, 64, 64, 128, 128]
    assert all(layer.get_config()["padding"] == "same" for layer in convs)
    rates = [layer.rate for layer in model.layers if type(layer).__name__ == "Dropout"]
    assert rates == [0.2, 0.3, 0.4, 0.5]
    assert model.output_shape == (None, 10)
    assert model.layers[-5].output.shape == (None, 2048)  # 4 x 4 x 128 after three poolings
    # BatchNorm moving statistics are the only non-trainable weights: 2 x (32+32+64+64+128+128+128)
    non_trainable = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    assert non_trainable == 2 * (32 + 32 + 64 + 64 + 128 + 128 + 128)
    assert model.count_params() == 552_874


@pytest.mark.parametrize("builder", [mnist_cnn, fashion_cnn, cifar_cnn])
def test_other_inputs_and_class_counts(builder):
    model = builder(input_shape=(32, 32, 3), classes=4)
    probabilities = np.asarray(
        model.predict(np.random.default_rng(0).random((2, 32, 32, 3), dtype=np.float32), verbose=0)
    )
    assert probabilities.shape == (2, 4)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_fashion_cnn_learns_and_survives_saving(tmp_path):
    from strided.datasets import fashion_mnist
    from strided.models import load_model
    from strided.utils import set_random_seed

    set_random_seed(0)
    (x, y), _ = fashion_mnist.load_data(sample=True)
    x = x[:256, ..., None].astype(np.float32) / 255.0
    y = y[:256]
    model = fashion_cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=2, batch_size=32, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    model.save(tmp_path / "fashion.keras")
    reloaded = load_model(tmp_path / "fashion.keras")
    assert np.allclose(
        reloaded.predict(x[:8], verbose=0), model.predict(x[:8], verbose=0), atol=1e-6
    )
