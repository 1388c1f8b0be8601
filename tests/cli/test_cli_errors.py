"""Wrong input gets one `strided: error: ...` line and a non-zero exit code, never a traceback."""

import subprocess
import sys

import numpy as np
import pytest
from cli_helpers import assert_one_line_error, run_cli
from PIL import Image

from strided.cli import _errors


@pytest.fixture
def corrupt_model(tmp_path):
    path = tmp_path / "broken.keras"
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    return path


@pytest.fixture
def big_colour_image(tmp_path):
    path = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 30, 3), dtype=np.uint8)).save(
        path
    )
    return path


# (argv, exit code, fragments of the message)
USAGE_CASES = [
    (
        ["train", "--model", "resnet9000"],
        2,
        ["unknown model 'resnet9000'", "mnist-cnn", "fashion-cnn", "cifar-cnn", "lenet5"],
    ),
    (
        ["train", "--dataset", "imagenet"],
        2,
        [
            "unknown dataset 'imagenet'",
            "mnist",
            "fashion-mnist",
            "cifar10",
            "fashion-mnist-sample",
            "folder",
        ],
    ),
    (["train", "--optimizer", "adamax"], 2, ["unknown optimizer 'adamax'", "sgd", "adam"]),
    (["train", "--epochs", "0"], 2, ["--epochs", ">= 1"]),
    (["train", "--epochs", "many"], 2, ["--epochs", "'many'"]),
    (["train", "--lr", "-1"], 2, ["--lr"]),
    (["train", "--validation-split", "1"], 2, ["--validation-split"]),
    (["train", "--no-such-option"], 2, ["unrecognized arguments"]),
    (["fly"], 2, ["invalid choice: 'fly'"]),
    (["data", "fetch", "imagenet"], 2, ["unknown dataset 'imagenet'", "cifar100"]),
    (["summary", "vgg99"], 2, ["unknown model 'vgg99'"]),
    (["predict", "fashion-cnn", "x.png"], 2, ["model name, not a trained model", "strided train"]),
]


@pytest.mark.parametrize(
    "argv, code, fragments", USAGE_CASES, ids=[" ".join(c[0]) for c in USAGE_CASES]
)
def test_usage_errors(capsys, tmp_path, argv, code, fragments):
    argv = argv + (["--out", str(tmp_path / "out")] if argv[0] == "train" else [])
    result_code, _, err = run_cli(capsys, *argv)
    assert_one_line_error(result_code, err, code, *fragments)
    assert not (tmp_path / "out").exists(), "a bad command line must fail before creating anything"


def test_missing_model_file(capsys, tmp_path):
    code, _, err = run_cli(capsys, "predict", tmp_path / "nowhere.keras", "x.png")
    assert_one_line_error(code, err, 1, "model file not found", "nowhere.keras")
    code, _, err = run_cli(
        capsys, "train", "--model", tmp_path / "nowhere.keras", "--out", tmp_path / "o"
    )
    assert_one_line_error(code, err, 1, "model file not found")


def test_corrupt_model_file(capsys, corrupt_model):
    for argv in (
        ["predict", corrupt_model, "x.png"],
        ["evaluate", corrupt_model],
        ["summary", corrupt_model],
    ):
        code, _, err = run_cli(capsys, *argv)
        assert_one_line_error(code, err, 1, str(corrupt_model))


def test_missing_image_file(capsys, trained_run, tmp_path):
    code, _, err = run_cli(
        capsys, "predict", trained_run[0] / "model.keras", tmp_path / "missing.png"
    )
    assert_one_line_error(code, err, 1, "image file not found", "missing.png")


def test_file_that_is_not_an_image(capsys, trained_run, tmp_path):
    fake = tmp_path / "notes.png"
    fake.write_text("hello")
    code, _, err = run_cli(capsys, "predict", trained_run[0] / "model.keras", fake)
    assert_one_line_error(code, err, 1, "cannot read image", "notes.png")


def test_wrong_image_size_and_channels_offer_resize(capsys, trained_run, big_colour_image):
    code, _, err = run_cli(capsys, "predict", trained_run[0] / "model.keras", big_colour_image)
    assert_one_line_error(code, err, 1, "30x40 RGB", "28x28 grayscale", "--resize")


def test_missing_dataset_folder(capsys, tmp_path):
    code, _, err = run_cli(
        capsys, "train", "--dataset", tmp_path / "no_such_folder", "--out", tmp_path / "o"
    )
    assert_one_line_error(code, err, 1, "dataset folder not found")


def test_dataset_folder_without_class_folders(capsys, tmp_path):
    (tmp_path / "flat").mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "flat" / "a.png")
    code, _, err = run_cli(capsys, "train", "--dataset", tmp_path / "flat", "--out", tmp_path / "o")
    assert_one_line_error(code, err, 1, "one sub-folder of images per class")


def test_unwritable_output_folder(capsys, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("in the way")
    code, _, err = run_cli(
        capsys,
        "train",
        "--dataset",
        "fashion-mnist-sample",
        "--limit",
        "10",
        "--out",
        blocker / "run",
    )
    assert_one_line_error(code, err, 1, "cannot write to the output folder", "a_file")


def test_read_only_output_folder(capsys, tmp_path, monkeypatch):
    """A folder the user may not write to (simulated: root ignores permission bits)."""
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    code, _, err = run_cli(capsys, "train", "--limit", "10", "--out", tmp_path / "run")
    assert_one_line_error(code, err, 1, "cannot write to the output folder", "Permission denied")


def test_unavailable_dataset_says_how_to_get_it(capsys, tmp_path, monkeypatch):
    from strided import datasets

    def not_found(*args, **kwargs):
        raise datasets.DatasetNotFoundError(
            "mnist: could not find or download the data. Tried, in order:\n"
            "  - download: not attempted (download=False or STRIDED_OFFLINE=1)"
        )

    monkeypatch.setattr(datasets.mnist, "load_data", not_found)
    code, _, err = run_cli(capsys, "train", "--dataset", "mnist", "--out", tmp_path / "o")
    assert_one_line_error(
        code, err, 1, "mnist data is not on this machine", "strided data fetch mnist"
    )


def test_unexpected_exception_is_one_line(capsys, monkeypatch):
    from strided.cli import summary

    def explode(args):
        raise RuntimeError("something deep\nwent wrong")

    monkeypatch.setattr(summary, "run", explode)
    code, _, err = run_cli(capsys, "summary", "fashion-cnn")
    line = assert_one_line_error(code, err, 1, "something deep; went wrong", "STRIDED_DEBUG=1")
    assert "\n" not in line


def test_strided_debug_shows_the_traceback(capsys, monkeypatch):
    from strided.cli import summary

    monkeypatch.setattr(summary, "run", lambda args: 1 / 0)
    monkeypatch.setenv("STRIDED_DEBUG", "1")
    code, _, err = run_cli(capsys, "summary", "fashion-cnn")
    assert code == 1 and "Traceback" in err and "strided: error:" in err


def test_ctrl_c_exits_130(capsys, monkeypatch):
    from strided.cli import summary

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(summary, "run", interrupted)
    code, _, err = run_cli(capsys, "summary", "fashion-cnn")
    assert code == _errors.EXIT_INTERRUPTED and "interrupted" in err and "Traceback" not in err


def test_help_and_version_exit_zero(capsys):
    for argv in (
        ["--help"],
        ["train", "--help"],
        ["predict", "--help"],
        ["data", "--help"],
        ["--version"],
    ):
        code, out, err = run_cli(capsys, *argv)
        assert code == 0, argv
        assert out.strip() and not err
    code, out, _ = run_cli(capsys, "predict", "--help")
    assert "--resize" in out and "--top-k" in out


def test_no_command_prints_help_and_exits_2(capsys):
    code, _, err = run_cli(capsys)
    assert code == 2 and "usage: strided" in err


def test_subprocess_error_has_no_traceback(corrupt_model):
    completed = subprocess.run(
        [sys.executable, "-m", "strided", "summary", str(corrupt_model)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 1
    assert completed.stderr.startswith("strided: error: ") and completed.stderr.count("\n") == 1
    assert "Traceback" not in completed.stderr


def test_one_line_squeezes_messages():
    assert _errors.one_line("a\n\n  b\n") == "a; b"
    assert len(_errors.one_line("x" * 1000)) == 400
