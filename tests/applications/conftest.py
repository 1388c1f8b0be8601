import importlib.util
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))  # torch_reference_models

# Keras 3 runs on TensorFlow, JAX or PyTorch; without TensorFlow, use the PyTorch backend
# (torch is a test dependency already), so `pip install keras` alone enables the Keras tests.
if "KERAS_BACKEND" not in os.environ and importlib.util.find_spec("tensorflow") is None:
    os.environ["KERAS_BACKEND"] = "torch"


@pytest.fixture(autouse=True)
def fresh_names():
    """Start each test with fresh automatic layer names (conv2d, conv2d_1, ...), as Keras does."""
    from strided.utils import clear_session

    clear_session()
    yield


@pytest.fixture
def keras_module():
    """Keras 3 (any backend) with fresh names, or skip the test when it is not installed."""
    keras = pytest.importorskip("keras")
    keras.backend.clear_session()
    return keras
