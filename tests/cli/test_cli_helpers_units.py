"""Units of the command line: image fitting, tables, history files, argument checks, output."""

import argparse
import csv
import json
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from strided.cli import _args, _images, _output
from strided.cli._datasets import canonical_name, check_dataset_argument
from strided.cli._errors import CLIError, UsageError
from strided.cli._models import named_model, parse_labels, read_labels


# ------------------------------------------------------------------ images
def save(path, array, mode=None):
    Image.fromarray(array, mode=mode).save(path)
    return path


def test_read_image_modes(tmp_path):
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    assert _images.read_image(save(tmp_path / "g.png", gray)).shape == (3, 4, 1)
    rgba = np.zeros((3, 4, 4), np.uint8)
    rgba[..., 1] = 200
    rgba[..., 3] = 255
    array = _images.read_image(save(tmp_path / "a.png", rgba))
    assert array.shape == (3, 4, 3) and array[0, 0].tolist() == [0, 200, 0]
    palette = Image.fromarray(gray).convert("P")
    palette.save(tmp_path / "p.png")
    assert _images.read_image(tmp_path / "p.png").shape == (3, 4, 3)
    sixteen = Image.fromarray(gray.astype(np.uint16) * 257)
    sixteen.save(tmp_path / "16.png")
    assert _images.read_image(tmp_path / "16.png")[..., 0].tolist() == gray.tolist()


def test_fit_image_exact_match_scales_to_unit_range():
    array = np.full((28, 28, 1), 255, np.uint8)
    fitted, notes = _images.fit_image(array, (28, 28, 1))
    assert fitted.dtype == np.float32 and fitted.max() == 1.0 and notes == []


def test_fit_image_lossless_conversions_need_no_permission():
    gray_as_rgb = np.repeat(np.arange(28 * 28, dtype=np.uint8).reshape(28, 28, 1), 3, axis=2)
    fitted, notes = _images.fit_image(gray_as_rgb, (28, 28, 1))
    assert fitted.shape == (28, 28, 1) and notes == []
    fitted, notes = _images.fit_image(gray_as_rgb[..., :1], (28, 28, 3), name="x.png")
    assert fitted.shape == (28, 28, 3) and "repeated the grayscale channel" in notes[0]


def test_fit_image_lossy_conversions_need_resize():
    colour = np.random.default_rng(0).integers(0, 255, (40, 30, 3), dtype=np.uint8)
    with pytest.raises(CLIError, match=r"30x40 RGB.*28x28 grayscale.*--resize"):
        _images.fit_image(colour, (28, 28, 1), name="c.png")
    fitted, notes = _images.fit_image(colour, (28, 28, 1), resize=True, name="c.png")
    assert (
        fitted.shape == (28, 28, 1) and "grayscale" in notes[0] and "resized to 28x28" in notes[0]
    )
    expected = np.asarray(Image.fromarray(colour).convert("L"), np.float32)  # same luma as Pillow
    assert np.abs(_images._to_gray(colour)[..., 0] - expected).max() <= 1


def test_fit_image_flexible_model_input_keeps_the_size():
    fitted, notes = _images.fit_image(np.zeros((17, 9, 3), np.uint8), (None, None, 3))
    assert fitted.shape == (17, 9, 3) and notes == []


def test_load_image_folder_labels_follow_sorted_folder_names(tmp_path):
    for name in ("zebra", "apple"):
        (tmp_path / name).mkdir()
        save(tmp_path / name / "1.png", np.full((5, 5), 10 if name == "apple" else 250, np.uint8))
    (tmp_path / ".hidden").mkdir()
    x, y, classes, notes = _images.load_image_folder(tmp_path, (5, 5, 1))
    assert classes == ["apple", "zebra"] and y.tolist() == [0, 1]
    assert x[1].max() == pytest.approx(250 / 255) and notes == []


def test_load_image_folder_errors(tmp_path):
    (tmp_path / "only").mkdir()
    with pytest.raises(CLIError, match="at least 2"):
        _images.load_image_folder(tmp_path, (5, 5, 1))
    (tmp_path / "empty").mkdir()
    with pytest.raises(CLIError, match="holds no images"):
        _images.load_image_folder(tmp_path, (5, 5, 1))


# ------------------------------------------------------------------ output
def test_format_table_aligns_columns():
    text = _output.format_table([["loss", "0.3"], ["accuracy", "0.91"]], ["metric", "value"])
    lines = text.splitlines()
    assert lines[0] == "metric    value" and set(lines[1]) <= {"-", " "}
    assert lines[2] == "loss        0.3" and lines[3] == "accuracy   0.91"


def test_save_history_writes_one_row_per_epoch(tmp_path):
    history = SimpleNamespace(
        history={"loss": [0.9, 0.5, 0.4], "accuracy": [0.6, 0.7, 0.8],
                 "val_loss": [1.0, float("nan"), 0.6]},
        epoch=[0, 1, 2],
    )
    csv_path, json_path = _output.save_history(history, tmp_path)
    with open(csv_path, newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["epoch", "loss", "accuracy", "val_loss"] and len(rows) == 4
    assert [float(v) for v in rows[3][1:]] == [0.4, 0.8, 0.6]
    data = json.loads(json_path.read_text())  # NaN becomes null: strict JSON
    assert data["epoch"] == [1, 2, 3] and data["val_loss"][1] is None


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    _output.atomic_write_text(tmp_path / "a.txt", "one")
    _output.atomic_write_text(tmp_path / "a.txt", "two")
    assert (tmp_path / "a.txt").read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_prepare_output_dir_creates_parents_and_rejects_files(tmp_path):
    folder = _output.prepare_output_dir(tmp_path / "a" / "b")
    assert folder.is_dir() and list(folder.iterdir()) == []
    (tmp_path / "f").write_text("")
    with pytest.raises(CLIError, match="cannot write to the output folder"):
        _output.prepare_output_dir(tmp_path / "f" / "x")


# ------------------------------------------------------------------ arguments and names
@pytest.mark.parametrize(
    "checker, good, bad",
    [
        (_args.positive_int, [("3", 3)], ["0", "-2", "1.5", "x"]),
        (_args.non_negative_int, [("0", 0)], ["-1", "y"]),
        (_args.positive_float, [("1e-3", 1e-3)], ["0", "-1", "nan", "inf", "z"]),
        (_args.fraction, [("0", 0.0), ("0.2", 0.2)], ["1", "-0.1", "w"]),
    ],
)
def test_argument_checkers(checker, good, bad):
    for text, value in good:
        assert checker(text) == value
    for text in bad:
        with pytest.raises(argparse.ArgumentTypeError):
            checker(text)


def test_names_are_forgiving():
    assert (
        canonical_name("Fashion_MNIST") == "fashion-mnist"
        and canonical_name("CIFAR-10") == "cifar10"
    )
    assert canonical_name("sample") == "fashion-mnist-sample" and canonical_name("svhn") is None
    assert (
        named_model("LeNet5").name == "lenet5" and named_model("fashion_cnn").name == "fashion-cnn"
    )
    with pytest.raises(UsageError, match="unknown dataset 'svhn'"):
        check_dataset_argument("svhn")


def test_labels_sources(tmp_path):
    assert parse_labels("fashion-mnist", 10)[0] == "T-shirt/top"
    assert parse_labels("mnist", 10)[9] == "9"
    (tmp_path / "names.txt").write_text("cat\ndog\n")
    assert parse_labels(str(tmp_path / "names.txt"), 2) == ["cat", "dog"]
    assert parse_labels("x, y", 2) == ["x", "y"]
    with pytest.raises(UsageError, match="3 classes"):
        parse_labels("x,y", 3)
    (tmp_path / "labels.txt").write_text("a\nb\n")
    assert read_labels(tmp_path / "model.keras", 2) == ["a", "b"]
    assert read_labels(tmp_path / "model.keras", 3) is None


def test_predict_turns_logits_into_probabilities(capsys):
    from strided.cli.predict import as_probabilities

    probabilities = np.array([[0.1, 0.9], [0.5, 0.5]])
    assert np.array_equal(as_probabilities(probabilities), probabilities)
    assert capsys.readouterr().err == ""
    converted = as_probabilities(np.array([[2.0, -1.0, 0.0]]))
    assert np.allclose(converted.sum(), 1.0) and converted.argmax() == 0
    assert "softmax" in capsys.readouterr().err
