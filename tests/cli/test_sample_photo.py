"""`strided predict` on the picture that ships to try it on: examples/data/hiking_boot.png.

The boot is dark on a white background, the opposite of Fashion-MNIST's light objects on black:
predict must warn about the background and point to --invert, and a model trained on
Fashion-MNIST (here: one epoch on the bundled sample, seeded) must see a shoe once it is inverted.
"""

import re
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import assert_one_line_error, run_cli
from PIL import Image

from strided.cli._images import light_background
from strided.datasets import fashion_mnist

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"
SAMPLE = DATA / "hiking_boot.png"
SHOES = {"Ankle boot", "Sneaker", "Sandal"}
ROW = re.compile(r"^\s+(\d+)\.\s+(.+?)\s+(\d+\.\d\d)%$")


@pytest.fixture(scope="module")
def fashion_model(tmp_path_factory):
    """The lesson's fashion-cnn after one seeded epoch on the bundled 3,000-image sample, saved
    as `strided train` saves it (model.keras with labels.txt beside it); returns its folder."""
    from strided.applications import fashion_cnn
    from strided.utils import set_random_seed

    (x_train, y_train), _ = fashion_mnist.load_data(sample=True)
    set_random_seed(0)
    model = fashion_cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(
        x_train[..., None].astype(np.float32) / np.float32(255.0),
        y_train,
        epochs=1,
        batch_size=64,
        verbose=0,
    )
    folder = tmp_path_factory.mktemp("fashion")
    model.save(folder / "model.keras")
    (folder / "labels.txt").write_text("\n".join(fashion_mnist.CLASS_NAMES) + "\n")
    return folder


def ranking(stdout):
    """The (class, percent) rows `strided predict` printed for the one image, in its order."""
    lines = stdout.splitlines()
    assert lines[0] == str(SAMPLE), stdout
    rows = [ROW.match(line) for line in lines[1:]]
    assert all(rows), stdout
    assert [int(r.group(1)) for r in rows] == list(range(1, len(rows) + 1))
    return [(r.group(2), float(r.group(3))) for r in rows]


def test_the_sample_ships_small_with_its_licence():
    assert SAMPLE.stat().st_size < 200_000
    with Image.open(SAMPLE) as image:
        assert image.mode == "RGB" and image.size == (256, 256)
        pixels = np.asarray(image, dtype=np.float32) / 255.0
    assert light_background(pixels)  # white around the boot: the case the warning is for
    assert pixels.mean() < 0.9  # and a boot on it, not a blank page
    notice = (DATA / "NOTICE.md").read_text(encoding="utf-8")
    section = notice.split("## hiking_boot.png", 1)[1]
    for fact in ("openclipart-png", "1:0.18+dfsg-19", "Jarno Vasamaa", "public domain"):
        assert fact in section


def test_predict_warns_about_the_light_background(capsys, fashion_model):
    code, stdout, err = run_cli(capsys, "predict", fashion_model, SAMPLE, "--resize")
    assert code == 0, err
    rows = ranking(stdout)
    assert len(rows) == 3
    assert {name for name, _ in rows} <= set(fashion_mnist.CLASS_NAMES)
    percents = [p for _, p in rows]
    assert percents == sorted(percents, reverse=True) and 0 <= sum(percents) <= 100.01
    assert f"'{SAMPLE}' is 256x256 RGB: converted colour to grayscale, resized to 28x28" in err
    warning = [line for line in err.splitlines() if "light background" in line]
    assert len(warning) == 1 and str(SAMPLE) in warning[0] and "try --invert" in warning[0]


def test_inverted_it_is_a_shoe(capsys, fashion_model):
    code, stdout, err = run_cli(
        capsys, "predict", fashion_model, SAMPLE, "--resize", "--invert", "--top-k", "10"
    )
    assert code == 0, err
    assert "light background" not in err  # inverted, it is light on dark like the training data
    rows = ranking(stdout)
    assert sorted(name for name, _ in rows) == sorted(fashion_mnist.CLASS_NAMES)
    best, percent = rows[0]
    assert best in SHOES and percent > 50, rows
    shoes_inverted = sum(p for name, p in rows if name in SHOES)

    _, plain, _ = run_cli(capsys, "predict", fashion_model, SAMPLE, "--resize", "--top-k", "10")
    shoes_plain = sum(p for name, p in ranking(plain) if name in SHOES)
    assert shoes_inverted > shoes_plain + 40  # --invert is what makes it a shoe


def test_without_resize_the_error_names_the_file_and_offers_resize(capsys, fashion_model):
    code, _, err = run_cli(capsys, "predict", fashion_model, SAMPLE)
    assert_one_line_error(
        code, err, 1, "hiking_boot.png", "256x256 RGB", "28x28 grayscale", "--resize"
    )
