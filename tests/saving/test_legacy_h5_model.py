"""Whole models in Keras' legacy `.h5` format, against real Keras 3.15 (TensorFlow backend).

Keras writes `.h5` files (Sequential CNN, two-input two-output functional model,
BatchNormalization + Dropout, a nested Sequential, a transfer-learning model around a frozen
MobileNetV2 -- also as Keras' own `.keras` --, a compiled and trained model) and strided loads
them: equal weights (np.array_equal), equal predictions, compile settings and optimizer state
restored so that one more epoch gives the weights Keras gets. strided writes `.h5` files that
Keras loads with equal predictions, its compile settings and the optimizer's variables in
Keras' own order; a strided round trip resumes training bit for bit. A tf.keras 2 style file (written with h5py exactly as Keras 2 laid it out:
"Model"/"Functional" class names, batch_input_shape, string dtypes, axis lists, list-form
inbound nodes, `kernel:0` weight names, old optimizer variables) loads in both. Damaged and
crafted files raise FileFormatError naming the file. TensorFlow is imported once (one
module-scoped fixture writes every Keras file).
"""

import json
import logging
import os

import numpy as np
import pytest

import strided
from strided import layers
from strided.errors import FileFormatError
from strided.models import load_model

h5py = pytest.importorskip("h5py")
RNG = np.random.default_rng(7)
X_IMAGES = RNG.random((16, 8, 8, 1)).astype("float32")
Y_LABELS = RNG.integers(0, 3, 16)
X_A, X_B = RNG.random((6, 4)).astype("float32"), RNG.random((6, 6)).astype("float32")
RNG_IMAGES = (RNG.random((2, 32, 32, 3)) * 255).astype("float32")


# ------------------------------------------------------------------- files written by Keras
@pytest.fixture(scope="module")
def keras_side(tmp_path_factory):
    """(keras module, folder) with every file Keras writes, and Keras' reference results."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    keras = pytest.importorskip("keras")
    from keras import layers as K

    folder = tmp_path_factory.mktemp("legacy_h5")
    keras.utils.set_random_seed(0)
    results, weights = {}, {}
    cnn = keras.Sequential([keras.Input((8, 8, 1)), K.Conv2D(4, 3, activation="relu", padding="same"),
                            K.MaxPooling2D(), K.Conv2D(6, 3, strides=2), K.Flatten(), K.Dense(3, activation="softmax")])
    cnn.save(folder / "cnn.h5")
    results["cnn"] = cnn.predict(X_IMAGES, verbose=0)
    weights["cnn"] = cnn.get_weights()

    a, b = keras.Input((4,), name="a"), keras.Input((6,), name="b")
    left = K.Dense(5, activation="relu")(a)
    right = K.Dense(5, activation="tanh")(K.Dense(3)(b))
    merged = K.Concatenate()([left, right])
    two = keras.Model([a, b], [K.Dense(2)(merged), K.Add()([left, K.Dense(5)(right)])])
    two.save(folder / "two_branch.h5")
    results["two_branch"] = two.predict([X_A, X_B], verbose=0)
    weights["two_branch"], results["two_branch_layers"] = two.get_weights(), [layer.name for layer in two.layers]

    normed = keras.Sequential([keras.Input((8, 8, 1)), K.Conv2D(4, 3), K.BatchNormalization(), K.ReLU(),
                               K.Dropout(0.3), K.GlobalAveragePooling2D(), K.Dense(3)])
    normed.compile(optimizer="sgd", loss="mse")
    normed.fit(X_IMAGES, RNG.random((16, 3)).astype("float32"), epochs=2, verbose=0)  # moving stats move
    normed.save(folder / "bn_dropout.h5", include_optimizer=False)
    results["bn_dropout"] = normed.predict(X_IMAGES, verbose=0)
    weights["bn_dropout"] = normed.get_weights()

    # (no BatchNormalization after a biased conv here: that bias's gradient is pure rounding
    # noise, which Adam's normalisation turns into visible differences between frameworks)
    trained = keras.Sequential([keras.Input((8, 8, 1)), K.Conv2D(4, 3, activation="relu"),
                                K.MaxPooling2D(), K.Flatten(), K.Dense(3, activation="softmax")])
    trained.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
    trained.fit(X_IMAGES, Y_LABELS, batch_size=8, epochs=1, shuffle=False, verbose=0)
    keras.saving.save_model(trained, folder / "compiled.h5")
    # One more epoch from the saved state (in Keras 3.15 a model loaded from .h5 cannot fit:
    # "Unknown variable" from its rebuilt optimizer, so the saved model itself goes on)
    trained.fit(X_IMAGES, Y_LABELS, batch_size=8, epochs=1, shuffle=False, verbose=0)
    results["compiled_after_one_more_epoch"] = trained.get_weights()

    inner = keras.Sequential([keras.Input((4,)), K.Dense(5, activation="relu"), K.BatchNormalization()],
                             name="inner")
    outer_input = keras.Input((4,))
    nested = keras.Model(outer_input, K.Dense(2)(inner(outer_input)))
    nested.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss="mse", metrics=["mae"])
    nested.fit(X_A, X_B[:, :2], epochs=2, verbose=0)
    nested.save(folder / "nested.h5")
    results["nested"] = nested.predict(X_A, verbose=0)

    base = keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, weights=None, include_top=False)
    base.trainable = False  # transfer learning as the Keras tutorials do it
    images = keras.Input((32, 32, 3))
    features = K.GlobalAveragePooling2D()(base(K.Rescaling(1 / 127.5, offset=-1)(images), training=False))
    application = keras.Model(images, K.Dense(4)(K.Dropout(0.2)(features)))
    application.save(folder / "mobilenet_v2.h5")
    application.save(folder / "mobilenet_v2.keras")  # Keras 3.15's own format: the same config options
    results["mobilenet_v2"] = application.predict(RNG_IMAGES, verbose=0)
    weights["mobilenet_v2"] = application.get_weights()

    for optimizer in (keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
                      keras.optimizers.Adam(0.01, amsgrad=True)):
        small = keras.Sequential([keras.Input((4,)), K.Dense(3), K.Dense(2)])
        small.compile(optimizer=optimizer, loss="mean_squared_error")
        optimizer.build(small.trainable_variables)  # its slots, without tracing a training step
        small.save(folder / f"optimizer_{type(optimizer).__name__}.h5")

    for name, writer in (("keras2_sequential", _keras2_sequential), ("keras2_functional", _keras2_functional)):
        writer(folder / f"{name}.h5")
        model = keras.saving.load_model(folder / f"{name}.h5")
        x = [X_A, X_B] if "functional" in name else X_IMAGES
        results[name] = (model.predict(x, verbose=0), model.get_weights())
    results["weights"] = weights
    return keras, folder, results


def _weights_equal(model, reference):
    ours = model.get_weights()
    return len(ours) == len(reference) and all(np.array_equal(a, b) for a, b in zip(ours, reference))


@pytest.mark.parametrize("name", ["cnn", "bn_dropout"])
def test_keras_sequential_files_load_identically(keras_side, name):
    _, folder, results = keras_side
    model = load_model(folder / f"{name}.h5")
    assert isinstance(model, strided.Sequential)
    assert _weights_equal(model, results["weights"][name])
    np.testing.assert_allclose(model.predict(X_IMAGES, verbose=0), results[name], rtol=1e-5, atol=1e-6)


def test_keras_functional_two_inputs_two_outputs(keras_side):
    _, folder, results = keras_side
    model = strided.saving.load_model(folder / "two_branch.h5")
    assert [layer.name for layer in model.layers] == results["two_branch_layers"]
    assert _weights_equal(model, results["weights"]["two_branch"])
    ours = model.predict([X_A, X_B], verbose=0)
    for mine, theirs in zip(ours, results["two_branch"], strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)


def test_nested_model_and_transfer_learning_model_from_keras(keras_side, tmp_path):
    keras, folder, results = keras_side
    nested = load_model(folder / "nested.h5")
    assert [type(layer).__name__ for layer in nested.layers] == ["InputLayer", "Sequential", "Dense"]
    assert type(nested.optimizer).__name__ == "SGD" and nested.optimizer.get_config()["momentum"] == 0.9
    np.testing.assert_allclose(nested.predict(X_A, verbose=0), results["nested"], rtol=1e-5, atol=1e-6)
    nested.save(tmp_path / "nested_again.h5")  # and back into Keras, nested Sequential and all
    again = keras.saving.load_model(tmp_path / "nested_again.h5")
    np.testing.assert_allclose(again.predict(X_A, verbose=0), results["nested"], rtol=1e-5, atol=1e-6)
    for suffix in (".h5", ".keras"):
        application = load_model(folder / f"mobilenet_v2{suffix}")
        assert _weights_equal(application, results["weights"]["mobilenet_v2"])
        assert len(application.trainable_weights) == 2  # the frozen base stays frozen
        np.testing.assert_allclose(application.predict(RNG_IMAGES, verbose=0), results["mobilenet_v2"],
                                   rtol=1e-4, atol=1e-5)


def test_compiled_keras_file_restores_training(keras_side):
    keras, folder, results = keras_side
    model = load_model(folder / "compiled.h5")
    assert model.compiled and type(model.optimizer).__name__ == "Adam"
    assert model.optimizer.learning_rate == pytest.approx(0.01)
    assert model.optimizer.iterations == 2  # two batches of 8 in Keras' epoch
    history = model.fit(X_IMAGES, Y_LABELS, batch_size=8, epochs=1, shuffle=False, verbose=0)
    assert set(history.history) == {"loss", "accuracy"}
    for mine, theirs in zip(model.get_weights(), results["compiled_after_one_more_epoch"], strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-5)
    uncompiled = load_model(folder / "compiled.h5", compile=False)
    assert not uncompiled.compiled
    uncompiled.compile(optimizer=strided.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    uncompiled.fit(X_IMAGES, Y_LABELS, batch_size=8, epochs=1, shuffle=False, verbose=0)
    fresh_kernel = uncompiled.get_weights()[-2]  # a fresh optimizer state ends elsewhere
    assert not np.allclose(fresh_kernel, results["compiled_after_one_more_epoch"][-2], rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------- files written by strided
def _strided_models():
    cnn = strided.Sequential([layers.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu"),
                              layers.BatchNormalization(), layers.MaxPooling2D(), layers.Dropout(0.25),
                              layers.Flatten(), layers.Dense(3, activation="softmax")])
    a, b = layers.Input((4,), name="a"), layers.Input((6,), name="b")
    merged = layers.Concatenate()([layers.Dense(5, activation="relu")(a), layers.Dense(5)(b)])
    two = strided.Model([a, b], layers.Dense(2)(merged))
    return cnn, two


def test_strided_files_load_in_keras_with_equal_predictions(keras_side, tmp_path):
    keras = keras_side[0]
    cnn, two = _strided_models()
    cnn.compile(optimizer=strided.optimizers.Adam(0.005), loss="sparse_categorical_crossentropy",
                metrics=["accuracy"])
    cnn.fit(X_IMAGES, Y_LABELS, batch_size=8, epochs=1, verbose=0)
    cnn.save(tmp_path / "cnn.h5")
    strided.keras.models.save_model(two, tmp_path / "two.hdf5")

    theirs = keras.saving.load_model(tmp_path / "cnn.h5")
    np.testing.assert_allclose(theirs.predict(X_IMAGES, verbose=0), cnn.predict(X_IMAGES, verbose=0),
                               rtol=1e-5, atol=1e-6)
    assert all(np.array_equal(a, b) for a, b in zip(theirs.get_weights(), cnn.get_weights(), strict=True))
    assert type(theirs.optimizer).__name__ == "Adam" and int(theirs.optimizer.iterations.numpy()) == 2
    assert float(theirs.optimizer.learning_rate.numpy()) == pytest.approx(0.005)
    assert getattr(theirs.loss, "__name__", theirs.loss) == "sparse_categorical_crossentropy"
    theirs_two = keras.saving.load_model(tmp_path / "two.hdf5")
    np.testing.assert_allclose(theirs_two.predict([X_A, X_B], verbose=0), two.predict([X_A, X_B], verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_strided_round_trip_resumes_training_exactly(tmp_path):
    cnn = strided.Sequential([layers.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu"),
                              layers.BatchNormalization(), layers.MaxPooling2D(), layers.Flatten(),
                              layers.Dense(3, activation="softmax")])  # no Dropout: its masks are drawn anew
    cnn.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    cnn.fit(X_IMAGES, Y_LABELS, batch_size=8, epochs=1, shuffle=False, verbose=0)
    cnn.save(tmp_path / "m.h5")
    again = load_model(tmp_path / "m.h5")
    assert all(np.array_equal(a, b) for a, b in zip(again.get_weights(), cnn.get_weights(), strict=True))
    np.testing.assert_array_equal(again.predict(X_IMAGES, verbose=0), cnn.predict(X_IMAGES, verbose=0))
    assert again.optimizer.get_state()["iterations"] == cnn.optimizer.get_state()["iterations"] == 2
    for model in (cnn, again):  # the restored optimizer state continues exactly
        model.fit(X_IMAGES, Y_LABELS, batch_size=8, epochs=1, shuffle=False, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(again.get_weights(), cnn.get_weights(), strict=True))
    plain = load_model(tmp_path / "m.h5", compile=False)
    assert not plain.compiled
    cnn.save(tmp_path / "no_optimizer.h5", include_optimizer=False)
    with h5py.File(tmp_path / "no_optimizer.h5") as h5:
        assert "optimizer_weights" not in h5 and "training_config" not in h5.attrs
        assert json.loads(h5.attrs["model_config"])["class_name"] == "Sequential"
        assert h5["model_weights"].attrs["layer_names"].tolist()[0] == b"conv2d"


def _optimizer_layout(path):
    """[(variable number, slot)] of an .h5 file's optimizer_weights, in the file's order."""
    with h5py.File(path) as h5:
        names = [n.decode() if isinstance(n, bytes) else n for n in h5["optimizer_weights"].attrs["weight_names"]]
    layout, variables = [], {}
    for name in names[2:]:  # after iteration and learning_rate
        slot = next(s for s in ("velocity_hat", "average_gradient", "momentum", "velocity") if name.endswith(s))
        variable = name.split("/")[-1][: -len(slot) - 1]
        layout.append((variables.setdefault(variable, len(variables)), slot))
    return names[0].split("/")[-1], names[1].split("/")[-1], layout


@pytest.mark.parametrize("optimizer", ["RMSprop", "Adam"])
def test_optimizer_state_written_in_keras_order(keras_side, tmp_path, optimizer):
    _, folder, _ = keras_side
    model = strided.Sequential([layers.Input((4,)), layers.Dense(3), layers.Dense(2)])
    chosen = (strided.optimizers.RMSprop(0.01, momentum=0.5, centered=True) if optimizer == "RMSprop"
              else strided.optimizers.Adam(0.01, amsgrad=True))
    model.compile(optimizer=chosen, loss="mse")
    model.fit(X_A, X_B[:, :2], epochs=1, verbose=0)
    model.save(tmp_path / "m.h5")
    assert _optimizer_layout(tmp_path / "m.h5") == _optimizer_layout(folder / f"optimizer_{optimizer}.h5")
    again = load_model(tmp_path / "m.h5")
    for model_ in (model, again):
        model_.fit(X_A, X_B[:, :2], epochs=1, shuffle=False, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(again.get_weights(), model.get_weights(), strict=True))


def test_save_writes_atomically_and_warns(tmp_path, caplog, monkeypatch):
    cnn, _ = _strided_models()
    path = tmp_path / "m.h5"
    with caplog.at_level(logging.WARNING, logger="strided.saving"):
        cnn.save(path)
    assert "considered legacy" in caplog.text and ".keras" in caplog.text
    before = path.read_bytes()
    import strided.saving.legacy_h5_writer as legacy

    def broken(buffer, model, config, include_optimizer):
        buffer.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(legacy, "_write", broken)
    with pytest.raises(OSError):
        cnn.save(path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.h5"]
    with pytest.raises(FileExistsError):
        cnn.save(path, overwrite=False)


def test_subclassed_model_is_refused_with_advice(tmp_path):
    class Net(strided.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    net = Net()
    net(np.zeros((1, 3), "float32"))
    with pytest.raises(ValueError, match=r"subclassed.*\.keras"):
        net.save(tmp_path / "net.h5")


# ------------------------------------------------------------------- tf.keras 2 style files
def _legacy_dense(name, units, activation="linear", **extra):
    return {"class_name": "Dense", "config": {
        "name": name, "trainable": True, "dtype": "float32", "units": units, "activation": activation,
        "use_bias": True, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
        "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
        "bias_constraint": None, **extra}}


def _write_keras2(path, config, layer_weights, training=None, optimizer=None):
    """An .h5 laid out as tf.keras 2 wrote it: `kernel:0` names, trainable weights first."""
    with h5py.File(path, "w") as h5:
        h5.attrs["keras_version"] = "2.12.0"
        h5.attrs["backend"] = "tensorflow"
        h5.attrs["model_config"] = json.dumps(config).encode("utf8")
        if training:
            h5.attrs["training_config"] = json.dumps(training).encode("utf8")
        group = h5.create_group("model_weights")
        group.attrs["layer_names"] = [name.encode() for name, _ in layer_weights]
        group.attrs["keras_version"], group.attrs["backend"] = b"2.12.0", b"tensorflow"
        for name, weights in layer_weights:
            layer = group.create_group(name)
            layer.attrs["weight_names"] = [f"{name}/{w}:0".encode() for w, _ in weights]
            for weight, value in weights:
                layer[f"{name}/{weight}:0"] = value
        if optimizer:
            group = h5.create_group("optimizer_weights")
            group.attrs["weight_names"] = [name.encode() for name, _ in optimizer]
            for name, value in optimizer:
                group[name] = value


def _keras2_sequential(path):
    rng = np.random.default_rng(11)
    conv = {"class_name": "Conv2D", "config": {
        "name": "conv2d", "trainable": True, "batch_input_shape": [None, 8, 8, 1], "dtype": "float32",
        "filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
        "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": "relu",
        "use_bias": True, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
        "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
        "bias_constraint": None}}
    norm = {"class_name": "BatchNormalization", "config": {
        "name": "batch_normalization", "trainable": True, "dtype": "float32", "axis": [3], "momentum": 0.99,
        "epsilon": 0.001, "center": True, "scale": True,
        "beta_initializer": {"class_name": "Zeros", "config": {}},
        "gamma_initializer": {"class_name": "Ones", "config": {}},
        "moving_mean_initializer": {"class_name": "Zeros", "config": {}},
        "moving_variance_initializer": {"class_name": "Ones", "config": {}},
        "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None}}
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 8, 8, 1], "dtype": "float32",
                                                "sparse": False, "ragged": False, "name": "conv2d_input"}},
        conv, norm,
        {"class_name": "MaxPooling2D", "config": {"name": "max_pooling2d", "trainable": True, "dtype": "float32",
                                                  "pool_size": [2, 2], "padding": "valid", "strides": [2, 2],
                                                  "data_format": "channels_last"}},
        {"class_name": "Dropout", "config": {"name": "dropout", "trainable": True, "dtype": "float32",
                                             "rate": 0.5, "noise_shape": None, "seed": None}},
        {"class_name": "Flatten", "config": {"name": "flatten", "trainable": True, "dtype": "float32",
                                             "data_format": "channels_last"}},
        _legacy_dense("dense", 3, "softmax")]}}
    weights = [
        ("conv2d", [("kernel", rng.normal(size=(3, 3, 1, 4)).astype("f4")), ("bias", rng.normal(size=4).astype("f4"))]),
        ("batch_normalization", [("gamma", rng.random(4).astype("f4") + 0.5), ("beta", rng.normal(size=4).astype("f4")),
                                 ("moving_mean", rng.normal(size=4).astype("f4")),
                                 ("moving_variance", rng.random(4).astype("f4") + 0.5)]),
        ("max_pooling2d", []), ("dropout", []), ("flatten", []),
        ("dense", [("kernel", rng.normal(size=(36, 3)).astype("f4")), ("bias", rng.normal(size=3).astype("f4"))]),
    ]
    training = {"loss": "sparse_categorical_crossentropy", "loss_weights": None, "weighted_metrics": None,
                "metrics": [[{"class_name": "MeanMetricWrapper", "config": {
                    "name": "accuracy", "dtype": "float32", "fn": "sparse_categorical_accuracy"}}]],
                "optimizer_config": {"class_name": "Adam", "config": {
                    "name": "Adam", "learning_rate": 0.002, "decay": 0.0, "beta_1": 0.9, "beta_2": 0.999,
                    "epsilon": 1e-07, "amsgrad": False}}}
    trainable = [(n, w, v) for n, ws in weights for w, v in ws if w not in ("moving_mean", "moving_variance")]
    optimizer = [("Adam/iter:0", np.array(5, "i8")), ("Adam/beta_1:0", np.array(0.9, "f4")),
                 ("Adam/decay:0", np.array(0.0, "f4")), ("Adam/learning_rate:0", np.array(0.002, "f4"))]
    for slot in ("m", "v"):  # tf.keras 2: all m, then all v
        optimizer += [(f"Adam/{n}/{w}/{slot}:0", np.full(v.shape, 0.01, "f4")) for n, w, v in trainable]
    _write_keras2(path, config, weights, training, optimizer)


def _keras2_functional(path):
    rng = np.random.default_rng(12)

    def node(*names):
        return [[[name, 0, 0, {}] for name in names]]

    def placed(entry, inbound):
        return {**entry, "name": entry["config"]["name"], "inbound_nodes": inbound}

    config = {"class_name": "Model", "config": {"name": "model", "layers": [
        {"class_name": "InputLayer", "name": "a", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, 4], "dtype": "float32", "sparse": False, "name": "a"}},
        {"class_name": "InputLayer", "name": "b", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, 6], "dtype": "float32", "sparse": False, "name": "b"}},
        placed(_legacy_dense("dense", 5, "relu"), node("a")),
        placed(_legacy_dense("dense_1", 5, "tanh"), node("b")),
        placed({"class_name": "Concatenate", "config": {"name": "concatenate", "trainable": True,
                                                       "dtype": "float32", "axis": -1}}, node("dense", "dense_1")),
        placed(_legacy_dense("dense_2", 2), node("concatenate")),
    ], "input_layers": [["a", 0, 0], ["b", 0, 0]], "output_layers": [["dense_2", 0, 0]]}}
    weights = [("a", []), ("b", [])] + [
        (name, [("kernel", rng.normal(size=shape).astype("f4")), ("bias", rng.normal(size=shape[1]).astype("f4"))])
        for name, shape in (("dense", (4, 5)), ("dense_1", (6, 5)), ("dense_2", (10, 2)))]
    weights.insert(4, ("concatenate", []))
    _write_keras2(path, config, weights)


@pytest.mark.parametrize("name", ["keras2_sequential", "keras2_functional"])
def test_tf_keras_2_files_load_as_in_keras(keras_side, name):
    _, folder, results = keras_side
    predictions, weights = results[name]
    model = load_model(folder / f"{name}.h5")
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), weights, strict=True))
    x = [X_A, X_B] if "functional" in name else X_IMAGES
    np.testing.assert_allclose(model.predict(x, verbose=0), predictions, rtol=1e-5, atol=1e-6)


def test_tf_keras_2_training_config_and_optimizer_state(keras_side):
    _, folder, _ = keras_side
    model = load_model(folder / "keras2_sequential.h5")
    assert model.compiled and model.optimizer.learning_rate == pytest.approx(0.002)
    state = model.optimizer.get_state()
    assert state["iterations"] == 5
    model.fit(X_IMAGES, Y_LABELS, epochs=1, verbose=0)  # the restored slots fit the weights
    assert model.optimizer.iterations == 6


# ------------------------------------------------------------------- damaged and crafted files
def _small(tmp_path, name="small.h5"):
    strided.utils.clear_session()  # layer names dense, dense_1 in every file
    model = strided.Sequential([layers.Input((3,)), layers.Dense(2), layers.Dense(2)])
    model.save(tmp_path / name)
    return tmp_path / name


def _rewrite_config(path, change):
    with h5py.File(path, "r+") as h5:
        config = json.loads(h5.attrs["model_config"])
        change(config)
        h5.attrs["model_config"] = json.dumps(config).encode()


def test_truncated_and_foreign_files(tmp_path):
    path = _small(tmp_path)
    data = path.read_bytes()
    for cut in (0, 8, len(data) // 2, len(data) - 10):
        path.write_bytes(data[:cut])
        with pytest.raises(FileFormatError, match="small.h5"):
            load_model(path)
    path.write_bytes(b"not hdf5 at all")
    with pytest.raises(FileFormatError, match="small.h5"):
        load_model(path)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.h5")


def test_weights_only_file_says_what_to_do(tmp_path):
    model = strided.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.save_weights(tmp_path / "w.weights.h5")
    os.rename(tmp_path / "w.weights.h5", tmp_path / "w.h5")
    with pytest.raises(FileFormatError, match=r"w\.h5.*weights only.*load_weights"):
        load_model(tmp_path / "w.h5")


def test_external_link_and_external_storage_are_refused(tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"root:x:0:0" * 10)
    path = _small(tmp_path, "linked.h5")
    with h5py.File(path, "r+") as h5:
        kernel = "model_weights/dense/" + h5["model_weights/dense"].attrs["weight_names"][0].decode()
        del h5[kernel]
        h5[kernel] = h5py.ExternalLink(str(secret), "/x")
    with pytest.raises(FileFormatError, match=r"linked\.h5.*external link"):
        load_model(path)
    path = _small(tmp_path, "external.h5")
    with h5py.File(path, "r+") as h5:
        kernel = "model_weights/dense/" + h5["model_weights/dense"].attrs["weight_names"][0].decode()
        del h5[kernel]
        h5.create_dataset(kernel, shape=(3, 2), dtype="u1", external=[(str(secret), 0, 6)])
    with pytest.raises(FileFormatError, match=r"external\.h5.*external file"):
        load_model(path)


def test_crafted_configs_are_refused_without_running_code(tmp_path):
    path = _small(tmp_path)
    cases = [
        (lambda c: c["config"]["layers"][1]["config"].update(units=2**26), r"units|weight"),
        (lambda c: c["config"]["layers"][1]["config"].update(renorm=True), "renorm=True"),
        (lambda c: c["config"]["layers"].insert(2, {"class_name": "Lambda", "config": {
            "name": "evil", "function": ["4wAAAA==", None, None], "function_type": "lambda"}}), "bytecode"),
        (lambda c: c["config"]["layers"].insert(2, {"class_name": "Lambda", "config": {
            "name": "evil", "function": "__import__"}}), "evil|Lambda"),
        (lambda c: c["config"]["layers"][1].update(class_name="os.system", registered_name=None), "os.system"),
        (lambda c: c["config"]["layers"][1]["config"].update(units=3), r"shape|weight"),
        (lambda c: c.update(config=7), "config"),
    ]
    original = path.read_bytes()
    for change, message in cases:
        path.write_bytes(original)
        _rewrite_config(path, change)
        with pytest.raises(FileFormatError, match=message) as caught:
            load_model(path)
        assert "small.h5" in str(caught.value)
    path.write_bytes(original)
    with h5py.File(path, "r+") as h5:
        h5.attrs["model_config"] = np.arange(3)
    with pytest.raises(FileFormatError, match=r"small\.h5.*model_config.*text"):
        load_model(path)
    with h5py.File(path, "r+") as h5:
        h5.attrs["model_config"] = b"[" * 100_000
    with pytest.raises(FileFormatError, match=r"small\.h5.*nests"):
        load_model(path)


def test_old_optimizer_settings_and_unreadable_training_config(tmp_path):
    path = _small(tmp_path)
    with h5py.File(path, "r+") as h5:  # Keras 2.2: "lr", "decay" (ignored with a warning, as Keras 3 does)
        h5.attrs["training_config"] = json.dumps({"loss": "mse", "metrics": ["mae"], "loss_weights": None,
                                                  "optimizer_config": {"class_name": "Adam", "config": {
                                                      "lr": 0.02, "decay": 1e-6, "beta_1": 0.9}}}).encode()
    with pytest.warns(UserWarning, match="decay"):
        model = load_model(path)
    assert model.compiled and model.optimizer.learning_rate == pytest.approx(0.02)
    with h5py.File(path, "r+") as h5:
        h5.attrs["training_config"] = json.dumps({"loss": "mse"}).encode()  # no optimizer_config
    with pytest.warns(UserWarning, match=r"small\.h5.*optimizer_config.*uncompiled"):
        model = load_model(path)
    assert not model.compiled and model.predict(np.ones((1, 3), "float32"), verbose=0).shape == (1, 2)
