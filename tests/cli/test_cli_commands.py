"""predict, evaluate, summary, visualize and data, on the shared trained model."""

import json

import numpy as np
import pytest
from cli_helpers import LIMIT, read_results, run_cli
from PIL import Image

from strided.datasets import fashion_mnist


@pytest.fixture(scope="module")
def test_images(tmp_path_factory):
    """Three sample test images as files: a PNG, a grayscale-as-RGB JPEG-free PNG, a colour JPEG."""
    folder = tmp_path_factory.mktemp("images")
    _, (x_test, y_test) = fashion_mnist.load_data(sample=True)
    Image.fromarray(x_test[0]).save(folder / "item0.png")
    Image.fromarray(np.stack([x_test[1]] * 3, axis=-1)).save(folder / "item1_rgb.png")
    colour = np.zeros((56, 40, 3), np.uint8)
    colour[..., 0] = 200
    Image.fromarray(colour).save(folder / "red.jpg")
    return folder, x_test, y_test


def test_predict_prints_top_k_with_names_and_probabilities(
    capsys, trained_run, test_images, sample_test_images
):
    from strided.models import load_model

    out, _ = trained_run
    folder = test_images[0]
    code, stdout, err = run_cli(
        capsys,
        "predict",
        out / "model.keras",
        folder / "item0.png",
        folder / "item1_rgb.png",
        "--top-k",
        "3",
    )
    assert code == 0, err
    lines = stdout.splitlines()
    assert lines[0].endswith("item0.png") and lines[4].endswith("item1_rgb.png")
    probabilities = load_model(out / "model.keras").predict(sample_test_images[0][:2], verbose=0)
    for block, row in ((lines[1:4], probabilities[0]), (lines[5:8], probabilities[1])):
        best = np.argsort(-row)[:3]
        for rank, (line, index) in enumerate(zip(block, best), start=1):
            assert line.split()[0] == f"{rank}."
            assert fashion_mnist.CLASS_NAMES[index] in line
            assert f"{row[index]:.2%}" in line


def test_predict_top_k_is_capped_and_folder_means_its_model(capsys, trained_run, test_images):
    folder = test_images[0]
    code, stdout, _ = run_cli(
        capsys, "predict", trained_run[0], folder / "item0.png", "--top-k", "50"
    )
    assert code == 0
    assert len(stdout.splitlines()) == 1 + 10


def test_predict_resize_converts_with_a_note(capsys, trained_run, test_images):
    folder = test_images[0]
    code, stdout, err = run_cli(
        capsys,
        "predict",
        trained_run[0],
        folder / "red.jpg",
        "--resize",
        "--top-k",
        "1",
        "--labels",
        "a,b,c,d,e,f,g,h,i,j",
    )
    assert code == 0, err
    assert "strided: note:" in err and "resized to 28x28" in err and "grayscale" in err
    assert stdout.splitlines()[1].split()[1] in "abcdefghij"


def test_evaluate_reproduces_the_training_report(capsys, trained_run, tmp_path):
    out, _ = trained_run
    results = read_results(out)
    code, stdout, err = run_cli(
        capsys,
        "evaluate",
        out / "model.keras",
        "--limit",
        LIMIT,
        "--verbose",
        "0",
        "--out",
        tmp_path / "eval",
    )
    assert code == 0, err
    assert "results.json" in err  # the note says the recorded dataset was used
    assert f"{results['test_accuracy']:.4f}" in stdout
    evaluation = json.loads((tmp_path / "eval" / "evaluation.json").read_text())
    assert evaluation["test_accuracy"] == pytest.approx(results["test_accuracy"])
    assert evaluation["dataset"] == "fashion-mnist-sample"
    for name in ("confusion_matrix.png", "misclassified.png"):
        with Image.open(tmp_path / "eval" / name) as image:
            assert image.format == "PNG"


def test_evaluate_rejects_a_dataset_with_more_classes(capsys, tmp_path):
    from strided.applications.lessons import fashion_cnn

    model = fashion_cnn(classes=3)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.save(tmp_path / "three.keras")
    code, _, err = run_cli(
        capsys,
        "evaluate",
        tmp_path / "three.keras",
        "--dataset",
        "fashion-mnist-sample",
        "--limit",
        "50",
        "--verbose",
        "0",
    )
    assert code == 1 and "predicts 3 classes" in err


def test_summary_of_named_and_saved_models(capsys, trained_run):
    code, stdout, _ = run_cli(capsys, "summary", "fashion-cnn")
    assert code == 0 and "243,786" in stdout and "conv2d" in stdout
    code, stdout, _ = run_cli(capsys, "summary", "mnist-cnn")
    assert code == 0 and "104,202" in stdout
    code, stdout, _ = run_cli(
        capsys, "summary", "cifar-cnn", "--input-shape", "28,28,1", "--classes", "5"
    )
    assert code == 0 and "(None, 28, 28, 32)" in stdout and "(None, 5)" in stdout
    code, stdout, _ = run_cli(capsys, "summary", trained_run[0] / "model.keras")
    assert code == 0 and "243,786" in stdout


def test_visualize_writes_the_pngs(capsys, trained_run, test_images, tmp_path):
    folder = test_images[0]
    code, stdout, err = run_cli(
        capsys, "visualize", trained_run[0], folder / "item0.png", "--out", tmp_path / "vis"
    )
    assert code == 0, err
    for name in ("filters.png", "feature_maps.png", "grad_cam.png", "saliency.png"):
        with Image.open(tmp_path / "vis" / name) as image:
            assert image.format == "PNG" and min(image.size) >= 100
        assert name in stdout


def test_visualize_unknown_layer_lists_the_conv_layers(capsys, trained_run, test_images, tmp_path):
    code, _, err = run_cli(
        capsys,
        "visualize",
        trained_run[0],
        test_images[0] / "item0.png",
        "--out",
        tmp_path / "vis",
        "--layer",
        "conv9",
    )
    assert code == 2 and "conv2d, conv2d_1" in err


def test_data_list_and_verify_show_the_sample(capsys):
    code, stdout, _ = run_cli(capsys, "data", "list")
    assert code == 0
    for name in ("mnist", "fashion-mnist", "cifar10", "cifar100", "fashion-mnist-sample"):
        assert name in stdout
    assert "bundled sample" in stdout and "Searched, in order" in stdout
    assert max(len(line) for line in stdout.splitlines()) <= 120      # fits a terminal
    code, stdout, _ = run_cli(capsys, "data", "verify", "fashion-mnist-sample")
    assert code == 0 and "OK" in stdout
    code, stdout, _ = run_cli(capsys, "data", "fetch", "sample")
    assert code == 0 and "nothing to fetch" in stdout


def test_data_verify_reports_a_broken_copy(capsys, monkeypatch):
    from strided import datasets

    def broken(*args, **kwargs):
        raise datasets.ChecksumError(
            "/data/mnist/train-images-idx3-ubyte.gz: SHA-256 abc is not the published value"
        )

    monkeypatch.setattr(datasets.mnist, "load_data", broken)
    code, stdout, err = run_cli(capsys, "data", "verify", "mnist")
    assert code == 1 and "FAILED" in stdout and "SHA-256" in stdout
    assert "failed verification" in err


def test_data_fetch_failure_is_one_line(capsys, monkeypatch):
    from strided import datasets

    def offline(name, progress=True):
        raise datasets.DownloadError("Could not download x from any mirror:\n  http://a: URLError")

    monkeypatch.setattr(datasets, "fetch", offline)
    code, _, err = run_cli(capsys, "data", "fetch", "mnist")
    assert code == 1 and err.count("\n") == 1 and "could not fetch mnist" in err
    assert "http://a: URLError" in err                               # the reason is kept


def test_visualize_bad_filter_index_writes_nothing(capsys, trained_run, test_images, tmp_path):
    code, _, err = run_cli(capsys, "visualize", trained_run[0], test_images[0] / "item0.png",
                           "--out", tmp_path / "vis", "--filter-index", "500")
    assert code == 1 and "filter_index=500" in err and err.count("\n") == 1
    assert list((tmp_path / "vis").iterdir()) == []
