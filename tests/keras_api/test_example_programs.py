"""Real public Keras/TensorFlow programs run on strided with only the imports changed.

The programs are in programs/ as published (import lines changed, see each file's header). The
test gives each program small local data in the place it reads (a tiny image folder, a cached
download, MNIST/CIFAR-shaped arrays, or a `tfds` stand-in serving images of varying sizes), and
shrinks the constants that set the run's size (image size, batch size, epochs) so that one epoch
on a few images is quick. docs/keras.md lists the programs and the differences they showed.
Lines calling TensorFlow itself (not Keras) have no strided counterpart and are listed in
TENSORFLOW_ONLY with the Keras call used instead.
"""

import os
import pathlib
import tarfile
import types

import numpy as np
import pytest
from PIL import Image

import strided
from strided.utils import model_visualization

keras = pytest.importorskip("keras")
PROGRAMS = pathlib.Path(__file__).parent / "programs"


def program(name, replacements):
    text = (PROGRAMS / name).read_text()
    for old, new in replacements.items():
        assert text.count(old) == 1, f"{name}: expected exactly one {old!r}"
        text = text.replace(old, new)
    return compile(text, str(PROGRAMS / name), "exec")


def write_jpegs(folder, count, seed, size=(40, 52)):
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    for i in range(count):
        shade = rng.integers(0, 256, 3)
        pixels = np.clip(shade + rng.normal(0, 40, size + (3,)), 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(os.path.join(folder, f"{i + 6770}.jpg"))


TENSORFLOW_ONLY = {
    'tf.compat.as_bytes("JFIF")': 'b"JFIF"',
    "tf.expand_dims(img_array, 0)": "keras.ops.expand_dims(img_array, 0)",
    # (converted to NumPy because np.max(strided.Tensor) fails: Tensor.max takes no `out=`)
    "tf.nn.softmax(predictions[0])": "keras.ops.convert_to_numpy(keras.ops.softmax(predictions[0]))",
    "tf.expand_dims(first_image, 0)": "keras.ops.expand_dims(first_image, 0)",
    "tf.expand_dims(image, 0)": "tf.keras.ops.expand_dims(image, 0)",
    # TensorFlow Addons' AdamW became keras.optimizers.AdamW
    "tfa.optimizers.AdamW(learning_rate=0.001, weight_decay=0.0001)":
        "keras.optimizers.AdamW(learning_rate=0.001, weight_decay=0.0001)",
    # tf.data.experimental and tf.image are TensorFlow's; strided's Dataset has cardinality() itself,
    # and tf.image.resize returns float32 for uint8 images (keras.ops.image.resize keeps uint8)
    "tf.data.experimental.cardinality(train_ds)": "train_ds.cardinality()",
    "tf.data.experimental.cardinality(validation_ds)": "validation_ds.cardinality()",
    "tf.data.experimental.cardinality(test_ds)": "test_ds.cardinality()",
    "train_ds = train_ds.map(lambda x, y: (tf.image.resize(x, size), y))":
        "train_ds = train_ds.map(lambda x, y: (keras.ops.image.resize(keras.ops.cast(x, \"float32\"), size), y))",
    "validation_ds = validation_ds.map(lambda x, y: (tf.image.resize(x, size), y))":
        "validation_ds = validation_ds.map(lambda x, y: (keras.ops.image.resize(keras.ops.cast(x, \"float32\"), size), y))",
    "test_ds = test_ds.map(lambda x, y: (tf.image.resize(x, size), y))":
        "test_ds = test_ds.map(lambda x, y: (keras.ops.image.resize(keras.ops.cast(x, \"float32\"), size), y))",
}


def tensorflow_only(text):
    return {old: new for old, new in TENSORFLOW_ONLY.items() if old in text}


def test_image_classification_from_scratch(tmp_path, monkeypatch):
    """keras.io "Image classification from scratch": cats vs dogs, augmentation, a small Xception."""
    monkeypatch.chdir(tmp_path)
    write_jpegs("PetImages/Cat", 12, seed=0)
    write_jpegs("PetImages/Dog", 12, seed=1)
    Image.new("RGB", (8, 8)).save("PetImages/Dog/corrupt.jpg", format="PNG")  # no JFIF: deleted
    replacements = {
        **tensorflow_only((PROGRAMS / "image_classification_from_scratch.py").read_text()),
        "image_size = (180, 180)": "image_size = (32, 32)",
        "batch_size = 128": "batch_size = 10",  # the program shows 9 images of a batch
        "epochs = 25": "epochs = 1",
    }
    plotting = model_visualization.check_graphviz()
    if not plotting:  # without pydot + Graphviz, plot_model raises (as in Keras): check that error instead
        replacements["keras.utils.plot_model(model, show_shapes=True)"] = "expect_plot_model_error(model)"
    code = program("image_classification_from_scratch.py", replacements)

    def expect_plot_model_error(model):
        with pytest.raises(ImportError, match="pydot|graphviz"):
            strided.utils.plot_model(model, show_shapes=True)

    namespace = {"__name__": "__main__", "expect_plot_model_error": expect_plot_model_error}
    strided.utils.set_random_seed(0)
    # The program's last line formats a 1-element array with ":.2f", which NumPy refuses under
    # Keras too (later versions of the example use float(...)): everything before it must run.
    with pytest.raises(TypeError, match="unsupported format string"):
        exec(code, namespace)
    assert namespace["num_skipped"] == 1
    # the program's make_model run by Keras itself builds a model of the same size
    keras_make_model = types.FunctionType(namespace["make_model"].__code__, {"keras": keras, "layers": keras.layers})
    assert namespace["model"].count_params() == keras_make_model((32, 32, 3), 2).count_params()
    assert namespace["predictions"].shape == (1, 1) and 0 <= namespace["predictions"][0, 0] <= 1
    assert os.path.exists("save_at_1.keras") and os.path.exists("model.png") == plotting
    history = namespace["model"].history.history
    assert np.isfinite(history["loss"][0]) and "val_accuracy" in history


def test_load_and_preprocess_images(tmp_path, monkeypatch):
    """TensorFlow tutorial "Load and preprocess images": get_file, image_dataset_from_directory,
    Dataset.map/cache/prefetch and a Sequential CNN without an Input trained with fit."""
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    flowers = home / "datasets" / "flower_photos"
    for index, name in enumerate(["daisy", "dandelion", "roses", "sunflowers", "tulips"]):
        write_jpegs(str(flowers / name), 4, seed=index)
    with tarfile.open(home / "datasets" / "flower_photos.tgz_archive", "w:gz") as archive:  # the cached download
        archive.add(flowers, arcname="flower_photos")
    code = program("load_and_preprocess_images.py", {
        "batch_size = 32": "batch_size = 10",
        "img_height = 180": "img_height = 24",
        "img_width = 180": "img_width = 24",
        "epochs=3": "epochs=1",
    })
    namespace = {"__name__": "__main__"}
    strided.utils.set_random_seed(0)
    exec(code, namespace)
    assert namespace["image_count"] == 20
    assert namespace["class_names"] == ["daisy", "dandelion", "roses", "sunflowers", "tulips"]
    assert 0 <= float(np.min(namespace["first_image"])) and float(np.max(namespace["first_image"])) <= 1 + 1e-6
    assert len(namespace["train_ds"].file_paths) == 16 and len(namespace["val_ds"].file_paths) == 4
    model = namespace["model"]
    L = keras.layers
    reference = keras.Sequential([L.Rescaling(1. / 255), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(),
                                  L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(),
                                  L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(), L.Flatten(),
                                  L.Dense(128, activation="relu"), L.Dense(5)])
    reference.build((None, 24, 24, 3))
    assert model.count_params() == reference.count_params()
    assert np.isfinite(model.history.history["val_loss"][0])


def test_image_classification_flowers(tmp_path, monkeypatch, capsys):
    """TensorFlow tutorial "Image classification": Sequential CNNs with input_shape=, a nested
    augmentation Sequential (RandomFlip/RandomRotation/RandomZoom), Dropout, summary, fit,
    history plots, get_file + load_img + predict."""
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    flowers = tmp_path / "flower_photos"
    for index, name in enumerate(["daisy", "dandelion", "roses", "sunflowers", "tulips"]):
        write_jpegs(str(flowers / name), 4, seed=10 + index)
    (home / "datasets").mkdir(parents=True)
    with tarfile.open(home / "datasets" / "flower_photos.tgz", "w:gz") as archive:  # the cached download
        archive.add(flowers, arcname="flower_photos")
    write_jpegs(str(tmp_path / "sun"), 1, seed=99)
    os.replace(tmp_path / "sun" / "6770.jpg", home / "datasets" / "Red_sunflower")
    name = "image_classification_flowers.py"
    code = program(name, {
        **tensorflow_only((PROGRAMS / name).read_text()),
        "batch_size = 32": "batch_size = 10",
        "img_height = 180": "img_height = 24",
        "img_width = 180": "img_width = 24",
        "epochs=10": "epochs=1",
        "epochs = 15": "epochs = 1",
    })
    namespace = {"__name__": "__main__"}
    strided.utils.set_random_seed(0)
    exec(code, namespace)
    out = capsys.readouterr().out
    assert "This image most likely belongs to" in out and "percent confidence" in out
    assert namespace["image_count"] == 20 and namespace["num_classes"] == 5
    model = namespace["model"]
    L = keras.layers
    reference = keras.Sequential([
        keras.Sequential([L.RandomFlip("horizontal"), L.RandomRotation(0.1), L.RandomZoom(0.1)]),
        L.Rescaling(1. / 255), L.Conv2D(16, 3, padding="same", activation="relu"), L.MaxPooling2D(),
        L.Conv2D(32, 3, padding="same", activation="relu"), L.MaxPooling2D(),
        L.Conv2D(64, 3, padding="same", activation="relu"), L.MaxPooling2D(), L.Dropout(0.2), L.Flatten(),
        L.Dense(128, activation="relu"), L.Dense(5, name="outputs")])
    reference.build((None, 24, 24, 3))
    assert model.count_params() == reference.count_params()
    assert model.output_shape == (None, 5) and len(namespace["history"].history["val_accuracy"]) == 1


def tiny_mnist(train=64, test=16, seed=0):
    """MNIST-shaped uint8 digits and labels, as keras.datasets.mnist.load_data() returns them."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (train + test, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, train + test).astype(np.uint8)
    return (images[:train], labels[:train]), (images[train:], labels[train:])


def test_mnist_convnet(capsys):
    """keras.io "Simple MNIST convnet": Sequential with an Input, to_categorical, validation_split, evaluate."""
    code = program("mnist_convnet.py", {
        "keras.datasets.mnist.load_data()": "tiny_mnist()",
        "batch_size = 128": "batch_size = 16",
        "epochs = 15": "epochs = 1",
    })
    namespace = {"__name__": "__main__", "tiny_mnist": tiny_mnist}
    strided.utils.set_random_seed(0)
    exec(code, namespace)
    out = capsys.readouterr().out
    assert "x_train shape: (64, 28, 28, 1)" in out and "Test accuracy:" in out
    L = keras.layers
    reference = keras.Sequential([keras.Input(shape=(28, 28, 1)), L.Conv2D(32, kernel_size=(3, 3), activation="relu"),
                                  L.MaxPooling2D(pool_size=(2, 2)), L.Conv2D(64, kernel_size=(3, 3), activation="relu"),
                                  L.MaxPooling2D(pool_size=(2, 2)), L.Flatten(), L.Dropout(0.5),
                                  L.Dense(10, activation="softmax")])
    model = namespace["model"]
    assert model.count_params() == reference.count_params() == 34826
    history = model.history.history
    assert np.isfinite(history["loss"][0]) and np.isfinite(history["val_loss"][0])
    loss, accuracy = namespace["score"]
    assert np.isfinite(loss) and 0 <= accuracy <= 1


def test_variational_autoencoder_compute_loss():
    """Deep Learning with Python (3rd ed.) listings 17.1-17.5: a subclassed Model overriding
    compute_loss (no targets, loss=None in compile), a Layer drawing keras.random.normal with a
    SeedGenerator, metrics updated inside compute_loss; trained with the built-in fit."""
    code = program("variational_autoencoder.py", {
        "keras.datasets.mnist.load_data()": "tiny_mnist()",
        "epochs=30, batch_size=128": "epochs=2, batch_size=16",
    })
    namespace = {"__name__": "__main__", "tiny_mnist": tiny_mnist}
    strided.utils.set_random_seed(0)
    exec(code, namespace)
    vae = namespace["vae"]
    assert namespace["encoder"].count_params() == 69076 and namespace["decoder"].count_params() == 65089
    losses = vae.history.history["loss"]
    assert len(losses) == 2 and all(np.isfinite(losses)) and losses[1] < losses[0]
    # the trackers updated inside compute_loss hold the last epoch's averages, and fit logs
    # them as Keras does
    kl, reconstruction = float(vae.kl_loss_tracker.result()), float(vae.reconstruction_loss_tracker.result())
    assert kl >= 0 and np.isclose(reconstruction + kl, losses[1], rtol=1e-3)
    logged = vae.history.history
    assert {"kl_loss", "reconstruction_loss"} <= set(logged)
    assert np.isclose(logged["kl_loss"][-1], kl) and np.isclose(logged["reconstruction_loss"][-1], reconstruction)


def write_pets(count, size=(36, 44), seed=0):
    """An Oxford-Pets-like folder: images/*.jpg and annotations/trimaps/*.png with labels 1, 2, 3."""
    rng = np.random.default_rng(seed)
    os.makedirs("images")
    os.makedirs("annotations/trimaps")
    for i in range(count):
        Image.fromarray(rng.integers(0, 256, size + (3,), dtype=np.uint8)).save(f"images/pet_{i}.jpg")
        Image.fromarray(rng.integers(1, 4, size, dtype=np.uint8)).save(f"annotations/trimaps/pet_{i}.png")
    Image.new("L", (4, 4)).save("annotations/trimaps/._pet_0.png")  # a macOS resource file, skipped


def test_oxford_pets_unet(tmp_path, monkeypatch):
    """keras.io "Image segmentation with a U-Net-like architecture": load_img into a
    keras.utils.Sequence, an Xception-style U-Net (SeparableConv2D, Conv2DTranspose, UpSampling2D,
    residual adds), clear_session, ModelCheckpoint(.h5, save_best_only), predict, array_to_img."""
    monkeypatch.chdir(tmp_path)
    write_pets(16)
    shown = []
    code = program("oxford_pets_image_segmentation.py", {
        "img_size = (160, 160)": "img_size = (32, 32)",
        "batch_size = 32": "batch_size = 4",
        "val_samples = 1000": "val_samples = 4",
        "epochs = 15": "epochs = 1",
        "i = 10\n": "i = 3\n",
    })
    ipython_display = pytest.importorskip("IPython.display")
    monkeypatch.setattr(ipython_display, "display", shown.append)
    namespace = {"__name__": "__main__"}
    strided.utils.set_random_seed(0)
    exec(code, namespace)
    reference = types.FunctionType(namespace["get_model"].__code__, {"keras": keras, "layers": keras.layers})
    model = namespace["model"]
    assert model.count_params() == reference((32, 32), 3).count_params()
    assert namespace["val_preds"].shape == (4, 32, 32, 3)
    np.testing.assert_allclose(namespace["val_preds"].sum(axis=-1), 1, rtol=1e-5)
    assert np.isfinite(model.history.history["loss"][0]) and os.path.exists("oxford_segmentation.h5")
    reloaded = strided.models.load_model("oxford_segmentation.h5")  # Keras' legacy HDF5 model file
    assert reloaded.count_params() == model.count_params()
    assert len(shown) == 5 and isinstance(shown[-1], Image.Image) and shown[-1].size == (32, 32)


class LocalImageDatasets:
    """Stands in for `tensorflow_datasets`: `load(name, split=[...], as_supervised=True)` returns one
    (image, label) dataset per split, uint8 images of varying sizes as tfds' cats_vs_dogs and
    tf_flowers give, and `with_info=True` adds the info object the programs read."""

    def __init__(self, name, counts, num_classes):
        self.name, self.counts, self.num_classes = name, counts, num_classes

    def disable_progress_bar(self):
        pass

    def load(self, name, split, as_supervised, with_info=False):
        assert name == self.name and as_supervised and len(split) == len(self.counts)
        from strided.utils.dataset import Dataset

        rng = np.random.default_rng(0)
        datasets = []
        for count in self.counts:
            items = [(rng.integers(0, 256, (int(rng.integers(40, 90)), int(rng.integers(40, 90)), 3), dtype=np.uint8),
                      np.int64(rng.integers(0, self.num_classes))) for _ in range(count)]
            datasets.append(Dataset(lambda items=items: iter(items), len(items)))
        label = types.SimpleNamespace(num_classes=self.num_classes, int2str=lambda index: f"class_{int(index)}")
        return (datasets, types.SimpleNamespace(features={"label": label})) if with_info else datasets


def test_transfer_learning_xception(capsys):
    """keras.io guide "Transfer learning & fine-tuning": the trainable API (freezing, recursion),
    images of varying sizes resized in Dataset.map, RandomFlip/RandomRotation, an Xception base
    (weights=None offline) frozen, then unfrozen and fine-tuned with a recompile."""
    name = "transfer_learning.py"
    code = program(name, {
        **tensorflow_only((PROGRAMS / name).read_text()),
        'weights="imagenet",  # Load weights pre-trained on ImageNet.': "weights=None,",
        "size = (150, 150)": "size = (72, 72)",
        "input_shape=(150, 150, 3),\n    include_top=False,\n)": "input_shape=(72, 72, 3),\n    include_top=False,\n)",
        "inputs = keras.Input(shape=(150, 150, 3))": "inputs = keras.Input(shape=(72, 72, 3))",
        "batch_size = 32": "batch_size = 4",
        "epochs = 20": "epochs = 1",
        "epochs = 10": "epochs = 1",
    })
    namespace = {"__name__": "__main__", "tfds": LocalImageDatasets("cats_vs_dogs", [8, 4, 4], 2)}
    strided.utils.set_random_seed(0)
    exec(code, namespace)
    out = capsys.readouterr().out
    assert "Number of training samples: 8" in out and "Number of test samples: 4" in out
    assert "weights: 4\ntrainable_weights: 2\nnon_trainable_weights: 2" in out  # BatchNormalization
    assert "weights: 2\ntrainable_weights: 0\nnon_trainable_weights: 2" in out  # frozen Dense
    model, base_model = namespace["model"], namespace["base_model"]
    reference = keras.applications.Xception(weights=None, input_shape=(72, 72, 3), include_top=False)
    assert base_model.count_params() == reference.count_params()
    assert len(base_model.trainable_weights) == len(reference.trainable_weights)
    assert model.count_params() == reference.count_params() + 2049
    assert namespace["augmented_image"].shape == (1, 72, 72, 3)
    # after `base_model.trainable = True` every Xception weight but BatchNormalization's statistics trains
    assert len(model.trainable_weights) == len(reference.trainable_weights) + 2
    history = model.history.history
    assert np.isfinite(history["loss"][0]) and "val_binary_accuracy" in history


def test_data_augmentation_varying_sizes(capsys):
    """TensorFlow tutorial "Data augmentation": a Sequential of Resizing + Rescaling with no Input
    called on single images of varying sizes (and in Dataset.map), RandomFlip/RandomRotation on an
    image at its own size, both inside a model, then a CNN trained on the augmented batches."""
    name = "data_augmentation.py"
    code = program(name, {
        **tensorflow_only((PROGRAMS / name).read_text()),
        "IMG_SIZE = 180": "IMG_SIZE = 24",
        "batch_size = 32": "batch_size = 4",
        "epochs=5": "epochs=1",
        # "Option 1" stacks the two Sequentials, already called on one unbatched image and one batch of
        # another size, under a Conv2D: Keras 3.15 refuses it with a ValueError (input incompatible with
        # the shape the augmentation Sequential was built for), and so does strided (Conv2D gets an
        # unbatched image); the tutorial's later cells do not use this model.
        "model = tf.keras.Sequential([\n  resize_and_rescale,":
            "model = fails_as_in_keras(lambda: tf.keras.Sequential([\n  resize_and_rescale,",
        "  # Rest of your model\n])": "  # Rest of your model\n]))",
    })

    def fails_as_in_keras(build):
        with pytest.raises(ValueError):
            build()

    namespace = {"__name__": "__main__", "tfds": LocalImageDatasets("tf_flowers", [8, 4, 4], 5),
                 "fails_as_in_keras": fails_as_in_keras}
    strided.utils.set_random_seed(0)
    exec(code, namespace)
    out = capsys.readouterr().out
    image = namespace["image"]
    assert image.shape[0] == 1 and image.shape[1:3] != (24, 24)  # augmented at its own size
    assert namespace["augmented_image"].shape == image.shape
    result = np.asarray(namespace["result"])
    assert result.shape == (24, 24, 3) and 0 <= result.min() and result.max() <= 1 + 1e-6
    assert "Min and max pixel values:" in out and "Accuracy" in out
    L = keras.layers
    reference = keras.Sequential([L.Conv2D(16, 3, padding="same", activation="relu"), L.MaxPooling2D(),
                                  L.Conv2D(32, 3, padding="same", activation="relu"), L.MaxPooling2D(),
                                  L.Conv2D(64, 3, padding="same", activation="relu"), L.MaxPooling2D(),
                                  L.Flatten(), L.Dense(128, activation="relu"), L.Dense(5)])
    reference.build((None, 24, 24, 3))
    assert namespace["model"].count_params() == reference.count_params()
    assert np.isfinite(namespace["history"].history["val_loss"][0]) and np.isfinite(namespace["loss"])


def tiny_cifar10(train=40, test=10, seed=0):
    """CIFAR-10-shaped uint8 images and (n, 1) labels, as keras.datasets.cifar10.load_data() returns them."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (train + test, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, (train + test, 1)).astype(np.uint8)
    return (images[:train], labels[:train]), (images[train:], labels[train:])


def test_cifar10_cnn(capsys):
    """TensorFlow tutorial "Convolutional Neural Network": models.Sequential() grown with add(),
    input_shape= on the first layer, summary before and after the head, fit with validation_data."""
    code = program("cifar10_cnn.py", {
        "datasets.cifar10.load_data()": "tiny_cifar10()",
        "epochs=10": "epochs=1",
    })
    namespace = {"__name__": "__main__", "tiny_cifar10": tiny_cifar10}
    strided.utils.set_random_seed(0)
    exec(code, namespace)
    L = keras.layers
    reference = keras.Sequential([keras.Input((32, 32, 3)), L.Conv2D(32, (3, 3), activation="relu"),
                                  L.MaxPooling2D((2, 2)), L.Conv2D(64, (3, 3), activation="relu"),
                                  L.MaxPooling2D((2, 2)), L.Conv2D(64, (3, 3), activation="relu"),
                                  L.Flatten(), L.Dense(64, activation="relu"), L.Dense(10)])
    model = namespace["model"]
    assert model.count_params() == reference.count_params() == 122570
    assert model.output_shape == (None, 10)
    assert "Total params: 56,320" in capsys.readouterr().out  # the convolutional base's summary
    assert np.isfinite(namespace["test_loss"]) and 0 <= namespace["test_acc"] <= 1
    assert len(namespace["history"].history["val_accuracy"]) == 1


def test_convmixer(tmp_path, capsys):
    """keras.io "Image classification with ConvMixer": tf.data pipeline with RandomCrop/RandomFlip in
    Dataset.map, grouped (depthwise) Conv2D with groups=filters, gelu, GlobalAvgPool2D, AdamW,
    ModelCheckpoint(save_weights_only, save_best_only) + load_weights, get_config()["kernel_size"]."""
    name = "convmixer.py"
    code = program(name, {
        **tensorflow_only((PROGRAMS / name).read_text()),
        "keras.datasets.cifar10.load_data()": "tiny_cifar10(train=40, test=8)",
        "batch_size = 128": "batch_size = 12",
        "num_epochs = 10": "num_epochs = 1",
        "image_size=32, filters=256, depth=8": "image_size=32, filters=16, depth=8",
        "n_filters = 256": "n_filters = 16",
        # Keras 3 requires weight files to end in .weights.h5 (the program predates it)
        'checkpoint_filepath = "/tmp/checkpoint"': f'checkpoint_filepath = "{tmp_path / "checkpoint.weights.h5"}"',
    })
    namespace = {"__name__": "__main__", "tiny_cifar10": tiny_cifar10}
    strided.utils.set_random_seed(0)
    exec(code, namespace)
    out = capsys.readouterr().out
    assert "Training data samples: 36" in out and "Test accuracy:" in out
    keras_globals = {"keras": keras, "layers": keras.layers}  # the program's model functions run by Keras
    for function in ["activation_block", "conv_stem", "conv_mixer_block", "get_conv_mixer_256_8"]:
        original = namespace[function]
        keras_globals[function] = types.FunctionType(original.__code__, keras_globals, None, original.__defaults__)
    reference = keras_globals["get_conv_mixer_256_8"]()
    model = namespace["conv_mixer_model"]
    assert model.count_params() == reference.count_params()
    # the 8 depthwise 5x5 convolutions are found by their config, as the program prints them
    depthwise = [line for line in out.splitlines() if line.endswith("built=True>") and "<Conv2D name=" in line]
    assert len(depthwise) == 8 and namespace["kernel"].shape == (5, 5, 1, 16)
    assert int(depthwise[0].split()[0]) == 5  # layer 5: input, rescaling, stem conv, gelu, batchnorm
    assert (tmp_path / "checkpoint.weights.h5").exists()
    assert np.isfinite(namespace["history"].history["loss"][0])


def write_stanford_dogs(train, test, size_range=(40, 90)):
    """A Stanford-Dogs-like folder as the program leaves it after its download: the two archives
    (present, so nothing is downloaded), Images/<class>/<file>.jpg and the .mat split lists."""
    scipy_io = pytest.importorskip("scipy.io")
    rng = np.random.default_rng(0)
    root = pathlib.Path("stanford_dogs_data")
    breeds = ["n02085620-Chihuahua", "n02085782-Japanese_spaniel", "n02085936-Maltese_dog"]
    for archive in ["images.tar", "lists.tar"]:
        (root / archive).parent.mkdir(exist_ok=True)
        (root / archive).write_bytes(b"")
    for split, count in [("train", train), ("test", test)]:
        files = []
        for i in range(count):
            breed = breeds[i % len(breeds)]
            (root / "Images" / breed).mkdir(parents=True, exist_ok=True)
            name = f"{breed}/{split}_{i}.jpg"
            shape = (int(rng.integers(*size_range)), int(rng.integers(*size_range)), 3)
            Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(root / "Images" / name)
            files.append(name)
        file_list = np.empty((count, 1), dtype=object)
        file_list[:, 0] = [np.array([name]) for name in files]
        scipy_io.savemat(root / f"{split}_list.mat", {"file_list": file_list})


def test_efficientnet_fine_tuning(tmp_path, monkeypatch, capsys):
    """keras.io "Image classification via fine-tuning with EfficientNet" (Keras 3 version): images
    of varying sizes resized with keras.ops.image.resize in keras.utils.PyDataset, one_hot,
    augmentation layers called as functions, EfficientNetB0 from scratch (include_top, classes),
    then as a frozen base through input_tensor= (weights=None offline) with a new top, then the
    last 20 layers but BatchNormalization unfrozen and recompiled."""
    monkeypatch.chdir(tmp_path)
    write_stanford_dogs(train=8, test=4)
    name = "efficientnet_fine_tuning.py"
    code = program(name, {
        "IMG_SIZE = 224": "IMG_SIZE = 32",
        "BATCH_SIZE = 64": "BATCH_SIZE = 4",
        'weights="imagenet")': "weights=None)",
        "epochs = 40  #": "epochs = 1  #",
        "epochs = 25  #": "epochs = 1  #",
        "epochs = 4  #": "epochs = 1  #",
    })
    namespace = {"__name__": "__main__"}
    strided.utils.set_random_seed(0)
    exec(code, namespace)
    out = capsys.readouterr().out
    assert "Found 3 classes, 8 training images, 4 test images" in out and "Downloading" not in out
    assert namespace["first_image"].shape == (32, 32, 3) and namespace["aug_img"].shape == (1, 32, 32, 3)
    # the program's own functions, run by Keras, build the models strided built
    keras_globals = {"keras": keras, "layers": keras.layers, "IMG_SIZE": 32,
                     "EfficientNetB0": keras.applications.EfficientNetB0}
    for function in ["build_model", "unfreeze_model"]:
        original = namespace[function]
        keras_globals[function] = types.FunctionType(original.__code__, keras_globals, None, original.__defaults__)
    scratch = keras.applications.EfficientNetB0(include_top=True, weights=None, classes=3, input_shape=(32, 32, 3))
    reference = keras_globals["unfreeze_model"](keras_globals["build_model"](num_classes=3))
    model = namespace["model"]
    assert [layer.name for layer in model.layers] == [layer.name for layer in reference.layers]
    assert model.count_params() == reference.count_params()
    assert len(model.trainable_weights) == len(reference.trainable_weights)
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == \
        sum(int(np.prod(w.shape)) for w in reference.trainable_weights)
    assert f"Total params: {scratch.count_params():,}" in out  # the from-scratch model's summary
    assert np.isfinite(namespace["hist"].history["loss"][0]) and "val_accuracy" in namespace["hist"].history
