import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))  # tests/torch_oracle.py

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def threads():
    """strided.set_num_threads; the previous thread setting (strided's and OpenBLAS's) is put
    back after the test."""
    import strided
    from strided import _blas_threads, _config

    before = _config._NUM_THREADS
    yield strided.set_num_threads
    _config._NUM_THREADS = before
    functions = _blas_threads._thread_functions()
    if functions is not None:
        functions[1](_config.num_threads())
