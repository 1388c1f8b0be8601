"""Shared fixtures of the command-line tests: one short training run reused by several tests."""

import numpy as np
import pytest
from cli_helpers import LIMIT

from strided.cli import main


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory):
    """`strided train` on the bundled sample: 2 short epochs into a temporary folder.

    Returns (output folder, stdout). Run once per session; the tests only read its files.
    """
    out = tmp_path_factory.mktemp("run")
    import io
    from contextlib import redirect_stderr, redirect_stdout

    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        code = main(
            [
                "train",
                "--dataset",
                "fashion-mnist-sample",
                "--epochs",
                "2",
                "--limit",
                str(LIMIT),
                "--batch-size",
                "32",
                "--seed",
                "1",
                "--verbose",
                "0",
                "--out",
                str(out),
            ]
        )
    assert code == 0, stderr.getvalue()
    return out, stdout.getvalue()


@pytest.fixture(scope="session")
def sample_test_images():
    """The first LIMIT test images of the bundled sample, as the CLI feeds them to the model."""
    from strided.datasets import fashion_mnist

    _, (x_test, y_test) = fashion_mnist.load_data(sample=True)
    return (x_test[:LIMIT, ..., None].astype(np.float32) / np.float32(255.0)), y_test[
        :LIMIT
    ].astype(np.int64)
