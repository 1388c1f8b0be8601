"""`strided report`: one self-contained HTML page about a run, checked in headless Chromium."""

import base64
import io
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from cli_helpers import assert_one_line_error, run_cli
from PIL import Image

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--enable-logging=stderr",
                  "--log-level=0"]


def embedded_images(html):
    return {alt: Image.open(io.BytesIO(base64.b64decode(data))) for alt, data in
            re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,([^"]+)">', html)}


def test_report_holds_every_figure_inline(capsys, trained_run, tmp_path):
    out = tmp_path / "report.html"
    code, stdout, _ = run_cli(capsys, "report", trained_run[0], "--out", out, "--images", "3")
    assert code == 0 and str(out) in stdout
    html = out.read_text()
    for heading in ("Results", "Training curves", "Accuracy per class", "Confusion matrix",
                    "Misclassified test images", "Feature maps", "Grad-CAM"):
        assert f"<h2>{heading}</h2>" in html
    images = embedded_images(html)
    assert set(images) == {"training curves", "confusion matrix", "misclassified images",
                           "feature maps", "Grad-CAM"}
    for image in images.values():
        pixels = np.asarray(image.convert("L"))
        assert pixels.shape[0] > 100 and pixels.std() > 5           # a drawn figure
    assert "http://" not in html and "https://" not in html        # nothing fetched
    assert "Trouser" in html and "%" in html


def test_report_errors_are_one_line(capsys, tmp_path):
    code, _, err = run_cli(capsys, "report", tmp_path)
    assert_one_line_error(code, err, 1, "no results.json")
    code, _, err = run_cli(capsys, "report", tmp_path / "missing")
    assert_one_line_error(code, err, 1, "run folder not found")


def test_report_renders_in_headless_chromium_without_console_errors(capsys, trained_run,
                                                                    tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("CI installs Debian's chromium (see .ci/run); it is missing")
        pytest.skip("Debian's chromium is not installed here (CI installs it)")
    out = tmp_path / "report.html"
    assert run_cli(capsys, "report", trained_run[0], "--out", out)[0] == 0
    screenshot = tmp_path / "report.png"
    done = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
         "--window-size=1200,3000", f"--screenshot={screenshot}", out.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    with Image.open(screenshot) as shot:
        pixels = np.asarray(shot.convert("L"))
    assert pixels.shape == (3000, 1200) and pixels.std() > 10      # not a blank page
