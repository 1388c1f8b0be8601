"""The issue's "Shown" test: `strided train` on the bundled sample, then every promised output file.

The in-process run (fixture `trained_run`, 2 epochs of 300 images) is checked in detail; one real
subprocess (`python -m strided train ...`) proves the installed entry point works end to end.
"""

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from cli_helpers import LIMIT, read_results
from PIL import Image

from strided.datasets import fashion_mnist

PLOTS = ("training_curves.png", "confusion_matrix.png", "misclassified.png")
FILES = ("model.keras", "labels.txt", "history.csv", "history.json", "results.json",
         "report.html") + PLOTS


def check_png(path, min_side=200, max_side=4000):
    """A real PNG that Pillow decodes, of a sensible size, not a blank canvas."""
    with Image.open(path) as image:
        assert image.format == "PNG"
        image.load()
        width, height = image.size
        pixels = np.asarray(image.convert("L"))
    assert min_side <= width <= max_side and min_side <= height <= max_side, (path, image.size)
    assert pixels.std() > 5, f"{path} looks blank"


def test_every_promised_file_is_written(trained_run):
    out, stdout = trained_run
    for name in FILES:
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0, name
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")], (
        "temporary files left behind"
    )
    assert "Saved to" in stdout and all(name in stdout for name in FILES)


@pytest.mark.parametrize("name", PLOTS)
def test_plots_are_valid_images_of_a_sensible_size(trained_run, name):
    check_png(trained_run[0] / name)


def test_history_has_one_row_per_epoch(trained_run):
    out, _ = trained_run
    with open(out / "history.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["epoch"]) for row in rows] == [1, 2]
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(rows[0])
    history = json.loads((out / "history.json").read_text())
    assert history["epoch"] == [1, 2]
    assert [float(row["loss"]) for row in rows] == pytest.approx(history["loss"])
    assert all(0.0 <= a <= 1.0 for a in history["accuracy"])


def test_results_and_table_report_the_same_numbers(trained_run):
    out, stdout = trained_run
    results = read_results(out)
    assert (
        results["test_images"] == LIMIT
        and results["train_images"] + results["validation_images"] == LIMIT
    )
    assert (
        results["epochs_run"] == 2
        and results["seconds_per_epoch"] > 0
        and results["images_per_second"] > 0
    )
    assert f"{results['test_accuracy']:.4f}" in stdout
    assert f"{results['test_loss']:.4f}" in stdout
    for name in fashion_mnist.CLASS_NAMES:  # per-class rows with the real class names
        assert name in stdout
    assert "images/s" in stdout and "time per epoch" in stdout
    assert (out / "labels.txt").read_text().splitlines() == list(fashion_mnist.CLASS_NAMES)


def test_saved_model_reloads_and_reproduces_the_reported_accuracy(trained_run, sample_test_images):
    from strided.models import load_model

    out, _ = trained_run
    results = read_results(out)
    x_test, y_test = sample_test_images
    model = load_model(out / "model.keras")
    predicted = np.argmax(model.predict(x_test, verbose=0), axis=1)
    assert np.mean(predicted == y_test) == pytest.approx(results["test_accuracy"], abs=1e-9)
    per_class = {
        name: float(np.mean(predicted[y_test == i] == i))
        for i, name in enumerate(fashion_mnist.CLASS_NAMES)
    }
    assert per_class == pytest.approx(results["per_class_accuracy"])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy == pytest.approx(results["test_accuracy"], abs=1e-6)
    assert loss == pytest.approx(results["test_loss"], rel=1e-4)
    assert results["test_accuracy"] > 0.3  # two short epochs already beat chance (0.1)


def test_python_dash_m_strided_runs_the_real_entry_point(tmp_path):
    out = tmp_path / "run"
    env = dict(os.environ, MPLBACKEND="Agg")
    argv = "train --dataset fashion-mnist-sample --epochs 1 --limit 128 --out".split() + [str(out)]
    completed = subprocess.run([sys.executable, "-m", "strided", *argv], check=False,
                               capture_output=True, text=True, timeout=120, env=env)
    assert completed.returncode == 0, completed.stderr
    assert "Traceback" not in completed.stderr
    for name in FILES:
        assert (out / name).is_file(), name
    with open(out / "history.csv", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 1
    check_png(out / "confusion_matrix.png")
    assert "test accuracy" in completed.stdout
