"""callbacks.TensorBoard writes real TensorBoard event files: read back with TensorBoard's own
EventAccumulator, compared with what Keras 3's TensorBoard callback writes for the same run
(same tags, steps and values), plus images decoded from the files."""

import io
import sys

import keras
import numpy as np
import pytest
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.util import tensor_util

import strided
from strided.callbacks import tensorboard as tensorboard_module

EVERYTHING = {"scalars": 0, "histograms": 0, "images": 0, "tensors": 0, "compressedHistograms": 0}
RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 4)).astype("float32")
Y = RNG.integers(0, 3, 32)


def _train(lib, log_dir, **options):
    lib.backend.clear_session()  # the same layer names whatever ran before in this process
    model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(3, activation="softmax", kernel_initializer="ones",
                                                                  name="dense")], name="sequential")
    model.compile(optimizer=lib.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    callback = lib.callbacks.TensorBoard(str(log_dir), **options)
    model.fit(X, Y, epochs=2, batch_size=8, shuffle=False, validation_data=(X[:8], Y[:8]), verbose=0,
              callbacks=[callback])
    return model


def _read(directory):
    """{kind: {tag: [(step, value)]}} for scalars, histograms (as counts) and images."""
    accumulator = EventAccumulator(str(directory), size_guidance=EVERYTHING).Reload()
    tags = accumulator.Tags()
    found = {"scalars": {}, "histograms": {}, "images": {}, "keras": {}}
    for tag in tags["scalars"]:
        found["scalars"][tag] = [(e.step, e.value) for e in accumulator.Scalars(tag)]
    for tag in tags["histograms"]:
        found["histograms"][tag] = [(e.step, e.histogram_value.num) for e in accumulator.Histograms(tag)]
    for tag in tags["tensors"]:  # Keras (TF 2) writes every summary as a tensor
        plugin = accumulator.SummaryMetadata(tag).plugin_data.plugin_name
        events = accumulator.Tensors(tag)
        arrays = [(e.step, tensor_util.make_ndarray(e.tensor_proto)) for e in events]
        if plugin == "scalars":
            found["scalars"][tag] = [(step, float(a)) for step, a in arrays]
        elif plugin == "histograms":
            found["histograms"][tag] = [(step, float(a[:, 2].sum())) for step, a in arrays]
        elif plugin == "images":
            found["images"][tag] = [(step, [np.asarray(Image.open(io.BytesIO(png))) for png in a[2:]])
                                    for step, a in arrays]
        else:
            found["keras"][tag] = [(step, a.item()) for step, a in arrays]
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    options = {"histogram_freq": 1, "write_images": True, "update_freq": 2}
    directories = {}
    for name, lib in (("keras", keras), ("strided", strided)):
        directories[name] = tmp_path_factory.mktemp(name)
        _train(lib, directories[name], **options)
    return {name: {part: _read(path / part) for part in ("train", "validation")}
            for name, path in directories.items()}


@pytest.mark.parametrize("part", ["train", "validation"])
def test_same_tags_as_keras(runs, part):
    for kind in ("histograms", "images", "keras"):
        assert set(runs["strided"][part][kind]) == set(runs["keras"][part][kind]), kind
    ours, theirs = set(runs["strided"][part]["scalars"]), set(runs["keras"][part]["scalars"])
    assert ours >= theirs, theirs - ours
    assert ours - theirs <= {"evaluation_loss_vs_iterations", "evaluation_accuracy_vs_iterations"}


@pytest.mark.parametrize("part", ["train", "validation"])
def test_epoch_and_batch_scalars_equal_keras(runs, part):
    expected, actual = runs["keras"][part]["scalars"], runs["strided"][part]["scalars"]
    for tag, events in expected.items():
        if tag.startswith("evaluation_"):
            continue  # Keras keeps only the last evaluation's events; strided keeps one per epoch
        assert [step for step, _ in actual[tag]] == [step for step, _ in events], tag
        np.testing.assert_allclose([v for _, v in actual[tag]], [v for _, v in events], rtol=1e-5, err_msg=tag)


def test_train_and_validation_scalars(runs):
    train, validation = runs["strided"]["train"]["scalars"], runs["strided"]["validation"]["scalars"]
    assert [step for step, _ in train["epoch_loss"]] == [0, 1]
    assert [step for step, _ in train["batch_loss"]] == [2, 4, 6, 8]  # update_freq=2 over 8 batches
    assert [v for _, v in train["epoch_learning_rate"]] == pytest.approx([0.1, 0.1])
    assert "val_loss" not in validation and [s for s, _ in validation["epoch_loss"]] == [0, 1]
    assert [s for s, _ in validation["evaluation_loss_vs_iterations"]] == [4, 8]


def test_histograms_count_every_weight_value(runs):
    histograms = runs["strided"]["train"]["histograms"]
    assert histograms["sequential/dense/kernel/histogram"] == [(0, 12.0), (1, 12.0)]
    assert histograms == runs["keras"]["train"]["histograms"]


def test_weight_images_match_keras(runs):
    ours, theirs = runs["strided"]["train"]["images"], runs["keras"]["train"]["images"]
    for tag, events in theirs.items():
        for (step, images), (their_step, their_images) in zip(ours[tag], events):
            assert step == their_step and len(images) == len(their_images)
            for image, their_image in zip(images, their_images):
                assert image.shape == their_image.shape  # (3, 4) kernel is drawn 3 x 4
                assert np.abs(image.astype(int) - their_image.astype(int)).max() <= 1


def test_model_config_for_the_graph_dashboard(runs):
    (step, text), = runs["strided"]["train"]["keras"]["keras"]
    assert step == 0 and b'"class_name": "Sequential"' in text.replace(b'":"', b'": "')


def test_png_encoder_round_trips():
    image = RNG.integers(0, 256, (5, 7, 3)).astype(np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(tensorboard_module._png(image))))
    np.testing.assert_array_equal(decoded, image)


def test_conv_kernels_become_one_image_per_output_channel(tmp_path):
    model = strided.Sequential([strided.Input((6, 6, 1)), strided.layers.Conv2D(2, 3), strided.layers.Flatten(),
                                strided.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 6, 6, 1)), np.ones((4, 2)), epochs=1, verbose=0,
              callbacks=[strided.callbacks.TensorBoard(tmp_path, histogram_freq=1, write_images=True)])
    images = _read(tmp_path / "train")["images"][f"{model.name}/{model.layers[0].name}/kernel/image"]
    (step, pictures), = images
    assert step == 0 and len(pictures) == 2 and pictures[0].shape == (3, 3)


def test_bad_arguments_and_missing_package(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="update_freq"):
        strided.callbacks.TensorBoard(tmp_path, update_freq="sometimes")
    with pytest.raises(ValueError, match="profile_batch"):
        strided.callbacks.TensorBoard(tmp_path, profile_batch=5)
    monkeypatch.setitem(sys.modules, "tensorboard.summary.writer.event_file_writer", None)
    with pytest.raises(ImportError, match="pip install tensorboard"):
        strided.callbacks.TensorBoard(tmp_path)
