"""strided shortens OpenBLAS's busy-wait at import, whichever of NumPy and strided comes first."""

import os
import subprocess
import sys

import pytest

PROBE = (
    "from strided._blas_threads import _loaded_openblas; import os; "
    "library = _loaded_openblas(); "
    "print(library.openblas_thread_timeout() if library else 'none', os.environ.get('OPENBLAS_THREAD_TIMEOUT'))"
)


def run(code, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_THREAD_TIMEOUT", "STRIDED_BLAS_SPIN")}
    environment.update(env)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.fixture(scope="module", autouse=True)
def needs_openblas():
    if run("import numpy; " + PROBE)[0] == "none":
        pytest.skip("NumPy here does not use OpenBLAS")  # e.g. macOS Accelerate: nothing to do


def test_strided_first_sets_the_wait_for_numpys_openblas_and_leaves_no_variable():
    assert run("import strided; " + PROBE) == ["16", "None"]


def test_numpy_first_the_running_openblas_rereads_it():
    code = "import numpy as np; a = np.ones((300, 300)); a @ a; import strided; assert (a @ a)[0, 0] == 300; "
    assert run(code + PROBE) == ["16", "None"]


def test_the_users_own_setting_wins():
    assert run("import strided; " + PROBE, OPENBLAS_THREAD_TIMEOUT="20") == ["20", "20"]


def test_strided_blas_spin_turns_it_off():
    timeout, _ = run("import strided; " + PROBE, STRIDED_BLAS_SPIN="1")
    assert timeout != "16"
