"""`ImageDataGenerator.flow_from_directory` against Keras 3's legacy one (tf.keras.preprocessing.image,
which Keras 3 keeps for TensorFlow-style programs): files, classes, batches."""

import numpy as np
import pytest
from image_folder import write_image_folder

import strided
from strided.preprocessing.image import ImageDataGenerator

keras = pytest.importorskip("keras")
KerasImageDataGenerator = pytest.importorskip("keras._tf_keras.keras.preprocessing.image").ImageDataGenerator


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("flow") / "train"
    return write_image_folder(str(root), classes=(("cats", 5), ("dogs", 4), ("fish", 3)), formats=("png", "jpg"))


def both(folder, generator_kwargs=None, **kwargs):
    kwargs = {"target_size": (20, 24), "batch_size": 4, **kwargs}
    generator_kwargs = generator_kwargs or {}
    return (KerasImageDataGenerator(**generator_kwargs).flow_from_directory(folder, **kwargs),
            ImageDataGenerator(**generator_kwargs).flow_from_directory(folder, **kwargs))


@pytest.mark.parametrize("kwargs", [
    {"class_mode": "categorical"}, {"class_mode": "binary", "classes": ["dogs", "cats"]}, {"class_mode": "sparse"},
    {"class_mode": None, "color_mode": "grayscale"}, {"class_mode": "input", "interpolation": "bilinear"},
    {"keep_aspect_ratio": True, "color_mode": "rgba"},
], ids=str)
def test_unshuffled_batches_equal_keras(folder, kwargs):
    theirs, ours = both(folder, {"rescale": 1 / 255}, shuffle=False, **kwargs)
    assert ours.filenames == theirs.filenames and ours.class_indices == theirs.class_indices
    assert np.array_equal(ours.classes, theirs.classes) and len(ours) == len(theirs)
    for i in range(len(ours)):
        mine, reference = ours[i], theirs[i]
        mine = mine if isinstance(mine, tuple) else (mine,)
        reference = reference if isinstance(reference, tuple) else (reference,)
        for a, b in zip(mine, reference):
            assert a.shape == b.shape and a.dtype == b.dtype and np.allclose(a, b, atol=1e-6)


def test_subsets_split_each_class_like_keras(folder):
    for subset in ("training", "validation"):
        theirs, ours = both(folder, {"validation_split": 0.4}, subset=subset, seed=1)
        assert ours.filenames == theirs.filenames and ours.samples == theirs.samples


def test_fit_on_augmented_batches(folder):
    strided.utils.set_random_seed(0)
    generator = ImageDataGenerator(rescale=1 / 255, horizontal_flip=True, rotation_range=10)
    train = generator.flow_from_directory(folder, target_size=(16, 16), batch_size=4, class_mode="sparse", seed=0)
    x, y = next(train)
    assert x.shape == (4, 16, 16, 3) and 0 <= x.min() and x.max() <= 1 and y.dtype == np.float32
    model = strided.Sequential([strided.Input((16, 16, 3)), strided.layers.Conv2D(2, 3),
                                strided.layers.GlobalAveragePooling2D(), strided.layers.Dense(3)])
    model.compile("adam", strided.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(train, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    with pytest.raises(ValueError, match="class_mode"):
        generator.flow_from_directory(folder, class_mode="multi")
    with pytest.raises(ValueError, match="does not exist"):
        generator.flow_from_directory(folder + "_missing")
