"""Keras 3 reference tests: run Keras on TensorFlow (installed with the `reference` extra),
else PyTorch, and start every test with fresh automatic layer names in both frameworks."""

import importlib.util
import os

import pytest

if "KERAS_BACKEND" not in os.environ:
    os.environ["KERAS_BACKEND"] = "tensorflow" if importlib.util.find_spec("tensorflow") else "torch"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def fresh_names():
    """Fresh names (conv2d, conv2d_1, ...) in strided and, once imported, in Keras."""
    import sys

    from strided.utils import clear_session

    clear_session()
    if "keras" in sys.modules:
        sys.modules["keras"].backend.clear_session(free_memory=False)
    yield
