"""`image_dataset_from_directory` against Keras 3: same files, order, split, labels and pixels."""

import numpy as np
import pytest
from image_folder import write_image_folder

import strided
from strided import layers

keras = pytest.importorskip("keras")

SIZE = (24, 31)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("images") / "data"
    write_image_folder(str(root), classes=(("cats", 7), ("dogs", 6), ("zebra", 4)))
    (root / "cats" / "notes.txt").write_text("not an image")
    return str(root)


@pytest.fixture(scope="module")
def png_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("png") / "data"
    return write_image_folder(str(root), classes=(("a", 3), ("b", 3)), formats=("png",), seed=1)


def both(folder, **kwargs):
    kwargs = {"image_size": SIZE, "batch_size": 5, "verbose": False, **kwargs}
    return (keras.utils.image_dataset_from_directory(folder, **kwargs),
            strided.utils.image_dataset_from_directory(folder, **kwargs))


@pytest.mark.parametrize("subset", ["training", "validation"])
def test_split_picks_the_same_files_as_keras(folder, subset):
    theirs, ours = both(folder, validation_split=0.3, subset=subset, seed=3)
    assert ours.class_names == theirs.class_names == ["cats", "dogs", "zebra"]
    assert ours.file_paths == theirs.file_paths
    assert int(ours.cardinality()) == int(theirs.cardinality()) == len(ours)
    assert sorted(np.concatenate([y for _, y in ours]).tolist()) == sorted(
        np.concatenate([y.numpy() for _, y in theirs]).tolist())


def test_subset_both_matches_keras(folder):
    (train_k, val_k), (train_s, val_s) = both(folder, validation_split=0.25, subset="both", seed=1337)
    assert train_s.file_paths == train_k.file_paths and val_s.file_paths == val_k.file_paths
    assert not set(train_s.file_paths) & set(val_s.file_paths)
    assert len(train_s.file_paths) + len(val_s.file_paths) == 17


@pytest.mark.parametrize("kwargs", [
    *[{"interpolation": name} for name in ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
                                           "gaussian", "mitchellcubic")],
    {"crop_to_aspect_ratio": True}, {"pad_to_aspect_ratio": True},
    {"label_mode": "categorical"}, {"label_mode": None}, {"color_mode": "rgba", "data_format": "channels_first"},
], ids=str)
def test_unshuffled_batches_equal_keras(folder, png_folder, kwargs):
    if kwargs.get("color_mode") == "rgba":
        folder = png_folder  # TensorFlow cannot decode JPEG or BMP files to 4 channels
    theirs, ours = both(folder, shuffle=False, batch_size=None, **kwargs)
    assert ours.file_paths == theirs.file_paths
    compared = 0
    for path, mine, reference in zip(ours.file_paths, ours, theirs):
        image, label = (mine, None) if kwargs.get("label_mode", "int") is None else mine
        ref_image, ref_label = (reference, None) if label is None else reference
        ref_image = ref_image.numpy()
        assert image.shape == ref_image.shape and image.dtype == ref_image.dtype
        # JPEG: TensorFlow decodes with libjpeg's fast integer DCT, Pillow with the accurate one
        tolerance = 8.0 if path.endswith("jpg") else 2e-3
        assert np.abs(image.astype(float) - ref_image.astype(float)).max() <= tolerance
        if label is not None:
            assert np.array_equal(label, ref_label.numpy()) and label.dtype == ref_label.numpy().dtype
        compared += 1
    assert compared >= 5


def test_binary_labels_and_errors(folder, tmp_path):
    two = write_image_folder(str(tmp_path / "two"), classes=(("a", 3), ("b", 2)))
    theirs, ours = both(two, label_mode="binary", shuffle=False)
    (_, y_ours), (_, y_theirs) = next(iter(ours)), next(iter(theirs))
    assert y_ours.shape == (5, 1) and np.array_equal(y_ours, y_theirs.numpy())
    with pytest.raises(ValueError, match="exactly 2"):
        strided.utils.image_dataset_from_directory(folder, label_mode="binary")
    with pytest.raises(ValueError, match="seed"):
        strided.utils.image_dataset_from_directory(folder, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="does not exist"):
        strided.utils.image_dataset_from_directory(str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="class_names"):
        strided.utils.image_dataset_from_directory(folder, class_names=["cats", "lions"])
    with pytest.raises(ValueError, match="interpolation"):
        strided.utils.image_dataset_from_directory(folder, interpolation="cubic")
    ds = strided.utils.image_dataset_from_directory(folder, class_names=["zebra", "cats"], shuffle=False,
                                                    verbose=False, image_size=SIZE)
    assert ds.class_names == ["zebra", "cats"] and len(ds.file_paths) == 11
    assert np.concatenate([y for _, y in ds]).tolist() == [0] * 4 + [1] * 7


def test_dataset_feeds_fit_evaluate_predict(folder):
    strided.utils.set_random_seed(0)
    train, val = strided.utils.image_dataset_from_directory(
        folder, validation_split=0.25, subset="both", seed=7, image_size=(16, 16), batch_size=4, verbose=False)
    augment = strided.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)])
    train = train.map(lambda x, y: (augment(x, training=True), y)).cache().shuffle(8).prefetch(strided.data.AUTOTUNE)
    model = strided.Sequential([strided.Input((16, 16, 3)), layers.Rescaling(1 / 255), layers.Conv2D(4, 3),
                                layers.GlobalAveragePooling2D(), layers.Dense(3)])
    model.compile("adam", strided.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    history = model.fit(train, validation_data=val, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["val_loss"]).all()
    assert model.predict(val, verbose=0).shape == (len(val.file_paths), 3)
    loss, _ = model.evaluate(val, verbose=0)
    images = np.concatenate([x for x, _ in val])
    labels = np.concatenate([y for _, y in val])
    assert np.isclose(loss, model.evaluate(images, labels, verbose=0)[0], rtol=1e-5)


def test_explicit_labels_and_images_only_match_keras(png_folder):
    labels = [3, 1, 3, 0, 1, 3]
    theirs, ours = both(png_folder, labels=labels, label_mode="categorical", seed=5)
    assert ours.class_names == theirs.class_names == ["0", "1", "3"]
    assert ours.file_paths == theirs.file_paths
    theirs, ours = both(png_folder, labels=labels, label_mode="categorical", shuffle=False)
    for (_, y_ours), (_, y_theirs) in zip(ours, theirs):  # label 3 is outside 3 classes: zeros
        assert np.array_equal(y_ours, y_theirs.numpy())
    theirs, ours = both(png_folder, labels=None, shuffle=False, batch_size=4)
    batches = list(ours)
    assert [b.shape for b in batches] == [tuple(b.shape) for b in theirs] == [(4, 24, 31, 3), (2, 24, 31, 3)]
    with pytest.raises(ValueError, match="lengths of `labels`"):
        strided.utils.image_dataset_from_directory(png_folder, labels=[0, 1], verbose=False)
