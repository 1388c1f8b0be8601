"""The documentation site builds with `mkdocs build --strict`: a broken link, a missing page or
an API reference that does not resolve fails the suite (and so CI)."""

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_mkdocs_build_is_strict_and_clean(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    site = tmp_path / "site"
    for page in ("index.html", "lessons/index.html", "engine/index.html", "keras/index.html",
                 "pytorch/index.html", "security/index.html", "reference/kernels/index.html"):
        assert (site / page).is_file(), page
    kernels = (site / "reference" / "kernels" / "index.html").read_text(encoding="utf-8")
    assert "def conv2d" in kernels or "conv2d" in kernels   # the reference kernels' API
