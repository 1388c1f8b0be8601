"""The learner's small frictions with the command line: every application by name in
`strided summary`, and the visualize defaults."""

import numpy as np
from cli_helpers import assert_one_line_error, run_cli


def test_summary_accepts_every_application_name(capsys):
    # Keras' parameter counts for the untrained ImageNet models (ResNet18: torchvision's)
    code, stdout, _ = run_cli(capsys, "summary", "resnet18")
    assert code == 0 and "Total params: 11,699,112" in stdout   # with batch-norm statistics
    code, stdout, _ = run_cli(capsys, "summary", "VGG16", "--input-shape", "32,32,3",
                              "--classes", "10")
    assert code == 0 and "(None, 10)" in stdout and "block5_conv3" in stdout
    code, stdout, _ = run_cli(capsys, "summary", "mobilenet-v2", "--input-shape", "96,96,3")
    assert code == 0 and "(None, 1000)" in stdout
    code, _, err = run_cli(capsys, "summary", "resnet-eighteen")
    assert_one_line_error(code, err, 2, "unknown model 'resnet-eighteen'", "application name")


def test_data_export_writes_test_images_that_predict_reads_as_a_folder(capsys, trained_run,
                                                                         tmp_path):
    from PIL import Image

    from strided.datasets import fashion_mnist

    code, stdout, _ = run_cli(capsys, "data", "export", "sample", "--out", tmp_path / "img",
                              "--count", "3")
    assert code == 0 and "Wrote 3" in stdout
    files = sorted((tmp_path / "img").iterdir())
    _, (x_test, y_test) = fashion_mnist.load_data(sample=True)
    assert [f.name for f in files] == [
        f"test_{i:05d}_{fashion_mnist.CLASS_NAMES[y_test[i]].lower().replace('/', '-')}.png"
        .replace(" ", "-") for i in range(3)]
    with Image.open(files[0]) as image:
        assert np.array_equal(np.asarray(image), x_test[0])
    code, stdout, err = run_cli(capsys, "predict", trained_run[0], tmp_path / "img")
    assert code == 0 and all(str(f) in stdout for f in files)
    assert "light background" not in err             # light objects on black: no warning


def test_a_light_background_is_warned_about_and_invert_fixes_it(capsys, trained_run, tmp_path):
    from PIL import Image

    from strided.datasets import fashion_mnist

    _, (x_test, _) = fashion_mnist.load_data(sample=True)
    Image.fromarray(255 - x_test[0]).save(tmp_path / "photo_like.png")    # dark on white
    Image.fromarray(x_test[0]).save(tmp_path / "as_trained.png")
    code, plain, err = run_cli(capsys, "predict", trained_run[0], tmp_path / "photo_like.png")
    assert code == 0 and "light background" in err and "--invert" in err
    code, inverted, err = run_cli(capsys, "predict", trained_run[0], tmp_path / "photo_like.png",
                                  "--invert")
    assert code == 0 and "light background" not in err
    code, original, _ = run_cli(capsys, "predict", trained_run[0], tmp_path / "as_trained.png")
    assert inverted.splitlines()[1:] == original.splitlines()[1:]   # the same classes, same %
    code, _, err = run_cli(capsys, "predict", trained_run[0], tmp_path / "empty")
    assert_one_line_error(code, err, 1, "not found")
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli(capsys, "predict", trained_run[0], tmp_path / "empty")
    assert_one_line_error(code, err, 1, "holds no image files")


def test_visualize_writes_beside_the_model_by_default(capsys, trained_run, tmp_path):
    from PIL import Image

    from strided.datasets import fashion_mnist

    _, (x_test, _) = fashion_mnist.load_data(sample=True)
    Image.fromarray(x_test[1]).save(tmp_path / "boot.png")
    code, stdout, _ = run_cli(capsys, "visualize", trained_run[0] / "model.keras",
                              tmp_path / "boot.png")
    folder = trained_run[0] / "visualize"
    assert code == 0 and str(folder) in stdout
    assert {p.name for p in folder.iterdir()} >= {"grad_cam.png", "feature_maps.png"}


def test_data_fetch_keeps_a_verified_local_copy(capsys, monkeypatch):
    from strided.cli import data

    monkeypatch.setattr(data, "probe", lambda key, verify: ("found", "/srv/data/mnist"))
    from strided import datasets

    def must_not_download(*args, **kwargs):
        raise AssertionError("downloaded although a verified copy exists")

    monkeypatch.setattr(datasets, "fetch", must_not_download)
    code, stdout, _ = run_cli(capsys, "data", "fetch", "mnist")
    assert code == 0 and "already on this machine" in stdout and "/srv/data/mnist" in stdout


def test_sample_images_ship_and_are_listed(capsys, trained_run):
    from pathlib import Path

    from PIL import Image

    from strided.cli.data import SAMPLE_IMAGES
    from strided.datasets import fashion_mnist

    code, stdout, _ = run_cli(capsys, "data", "list")
    assert code == 0 and SAMPLE_IMAGES in stdout
    files = sorted(Path(SAMPLE_IMAGES).glob("*.png"))
    assert len(files) == 10
    _, (x_test, y_test) = fashion_mnist.load_data(sample=True)
    for name in fashion_mnist.CLASS_NAMES:
        path = Path(SAMPLE_IMAGES) / (name.lower().replace("/", "-").replace(" ", "-") + ".png")
        with Image.open(path) as image:
            pixels = np.asarray(image)
        first = x_test[np.flatnonzero(y_test == fashion_mnist.CLASS_NAMES.index(name))[0]]
        assert np.array_equal(pixels, first)
    code, stdout, _ = run_cli(capsys, "predict", trained_run[0], SAMPLE_IMAGES)
    assert code == 0 and stdout.count(".png") == 10
