"""`strided train` options: default dataset, image folders, augmentation, early stopping, seeds."""

import json

import numpy as np
import pytest
from cli_helpers import read_results, run_cli
from PIL import Image

from strided.datasets import fashion_mnist

QUICK = ["--epochs", "1", "--batch-size", "32", "--verbose", "0"]


@pytest.fixture
def tiny_fashion(monkeypatch):
    """Replace the full Fashion-MNIST loader by 80 sample images reported as a system copy."""

    def load_data(path=None, sample=False, download=True, verify=True):
        (x, y), (xt, yt) = fashion_mnist.load_sample()
        fashion_mnist.source = (
            "bundled sample"
            if sample
            else "system copy /usr/share/datasets/fashion-mnist (verified)"
        )
        return ((x, y), (xt, yt)) if sample else ((x[:80], y[:80]), (xt[:40], yt[:40]))

    monkeypatch.setattr(fashion_mnist, "load_data", load_data)


def test_no_dataset_uses_fashion_mnist_when_available(capsys, tmp_path, tiny_fashion):
    code, stdout, err = run_cli(capsys, "train", *QUICK, "--out", tmp_path / "run")
    assert code == 0, err
    assert "no --dataset given: using Fashion-MNIST from system copy" in err
    assert "fashion-cnn" in stdout and "on fashion-mnist:" in stdout
    assert read_results(tmp_path / "run")["dataset"] == "fashion-mnist"


def test_no_dataset_falls_back_to_the_bundled_sample(capsys, tmp_path, monkeypatch):
    from strided import datasets

    def absent(*args, sample=False, **kwargs):
        if sample:
            fashion_mnist.source = "bundled sample"
            return fashion_mnist.load_sample()
        raise datasets.DatasetNotFoundError("fashion_mnist: could not find or download the data.")

    monkeypatch.setattr(fashion_mnist, "load_data", absent)
    code, _, err = run_cli(capsys, "train", *QUICK, "--limit", "64", "--out", tmp_path / "run")
    assert code == 0, err
    assert "Fashion-MNIST is not available here" in err and "bundled sample" in err
    assert read_results(tmp_path / "run")["dataset"] == "fashion-mnist-sample"


@pytest.fixture
def image_folder(tmp_path):
    """3 classes x 8 colour images of 20x24 pixels, one sub-folder per class."""
    rng = np.random.default_rng(0)
    root = tmp_path / "shapes"
    for name, colour in (("red", (220, 20, 20)), ("green", (20, 220, 20)), ("blue", (20, 20, 220))):
        (root / name).mkdir(parents=True)
        for i in range(8):
            pixels = np.clip(np.array(colour) + rng.normal(0, 15, (20, 24, 3)), 0, 255).astype(
                np.uint8
            )
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


def test_image_folder_dataset_is_converted_to_the_model_input(capsys, tmp_path, image_folder):
    code, stdout, err = run_cli(
        capsys,
        "train",
        "--model",
        "fashion-cnn",
        "--dataset",
        image_folder,
        *QUICK,
        "--out",
        tmp_path / "run",
    )
    assert code == 0, err
    assert "resized to 28x28" in err and "converted colour to grayscale" in err
    assert "holding out 5 of 24 images" in err
    results = read_results(tmp_path / "run")
    assert results["class_names"] == ["blue", "green", "red"] and results["input_shape"] == [
        28,
        28,
        1,
    ]
    assert (tmp_path / "run" / "labels.txt").read_text().split() == ["blue", "green", "red"]
    assert results["test_images"] == 5
    for name in ("blue", "green", "red"):
        assert name in stdout


def test_image_folder_with_train_and_test_subfolders(capsys, tmp_path, image_folder):
    root = tmp_path / "split"
    for part, files in (("train", range(6)), ("test", range(6, 8))):
        for label in ("green", "red"):
            (root / part / label).mkdir(parents=True)
            for i in files:
                (root / part / label / f"{i}.png").write_bytes(
                    (image_folder / label / f"{i}.png").read_bytes()
                )
    code, _, err = run_cli(
        capsys,
        "train",
        "--model",
        "cifar-cnn",
        "--dataset",
        root,
        *QUICK,
        "--validation-split",
        "0",
        "--out",
        tmp_path / "run",
    )
    assert code == 0, err
    results = read_results(tmp_path / "run")
    assert (
        results["train_images"] == 12
        and results["test_images"] == 4
        and results["input_shape"] == [32, 32, 3]
    )


def test_augment_and_early_stopping(capsys, tmp_path):
    code, _, err = run_cli(
        capsys,
        "train",
        "--dataset",
        "fashion-mnist-sample",
        "--limit",
        "96",
        "--epochs",
        "3",
        "--augment",
        "--early-stopping",
        "1",
        "--verbose",
        "0",
        "--lr",
        "1e-6",
        "--out",
        tmp_path / "run",
    )
    assert code == 0, err
    results = read_results(tmp_path / "run")
    assert results["augment"] is True and results["learning_rate"] == pytest.approx(1e-6)
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    assert len(history["epoch"]) == results["epochs_run"] <= 3


def test_same_seed_same_run(capsys, tmp_path):
    histories = []
    for name in ("a", "b"):
        code, _, err = run_cli(
            capsys,
            "train",
            "--dataset",
            "sample",
            "--limit",
            "64",
            *QUICK,
            "--seed",
            "7",
            "--threads",
            "1",
            "--out",
            tmp_path / name,
        )
        assert code == 0, err
        histories.append(json.loads((tmp_path / name / "history.json").read_text()))
    assert histories[0] == histories[1]


def test_continue_training_a_saved_model(capsys, tmp_path, trained_run):
    code, stdout, err = run_cli(
        capsys,
        "train",
        "--model",
        trained_run[0] / "model.keras",
        "--dataset",
        "fashion-mnist-sample",
        "--limit",
        "64",
        *QUICK,
        "--out",
        tmp_path / "more",
    )
    assert code == 0, err
    assert (
        "243,786 parameters" in stdout and "Adam" in stdout
    )  # the saved model keeps its optimizer
    assert read_results(tmp_path / "more")["model"].endswith("model.keras")


def test_saved_model_gets_converted_images(capsys, tmp_path):
    """A model for 32x32 RGB trained on 28x28 grayscale data: the data is converted, with a note."""
    from strided.applications.lessons import mnist_cnn

    mnist_cnn(input_shape=(32, 32, 3)).save(tmp_path / "rgb.keras")
    code, _, err = run_cli(
        capsys,
        "train",
        "--model",
        tmp_path / "rgb.keras",
        "--dataset",
        "sample",
        "--limit",
        "40",
        *QUICK,
        "--out",
        tmp_path / "run",
    )
    assert code == 0, err
    assert "converted them to 32x32 RGB" in err


def test_threads_applies_during_the_run_and_is_restored(capsys, tmp_path, monkeypatch):
    import strided
    from strided.cli import train

    seen = []
    original = train.fit_model

    def spy(*args, **kwargs):
        seen.append(strided.get_num_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(train, "fit_model", spy)
    before = strided.get_num_threads()
    code, _, err = run_cli(capsys, "train", "--dataset", "sample", "--limit", "32", *QUICK,
                           "--threads", "1", "--out", tmp_path / "t")
    assert code == 0, err
    assert strided.get_num_threads() == before
    assert seen == [1]
