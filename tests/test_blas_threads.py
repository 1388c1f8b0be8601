"""OpenBLAS's idle-thread wait: short only inside `strided.runtime.speed_settings()`, never at import."""

import os
import subprocess
import sys

import pytest

PROBE = (
    "from strided._blas_threads import _loaded_openblas; import os; "
    "library = _loaded_openblas(); "
    "print(library.openblas_thread_timeout() if library else 'none', os.environ.get('OPENBLAS_THREAD_TIMEOUT'))"
)
INSIDE = "import strided\nwith strided.runtime.speed_settings():\n    " + PROBE.replace("; ", "\n    ")


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


def test_import_leaves_openblas_as_it_was():
    assert run("import strided; " + PROBE) == run("import numpy; " + PROBE)


def test_speed_settings_shorten_the_wait_and_leave_no_variable():
    assert run(INSIDE) == ["16", "None"]


def test_the_wait_is_openblass_default_after_the_block():
    code = "import strided\nwith strided.runtime.speed_settings():\n    pass\n" + PROBE
    assert run(code) == ["28", "None"]


def test_threads_started_before_get_the_short_wait_too():
    code = "import numpy as np\na = np.ones((300, 300))\na @ a\n" + INSIDE + "\n    assert (a @ a)[0, 0] == 300"
    assert run(code) == ["16", "None"]


def test_the_users_own_setting_wins():
    assert run(INSIDE, OPENBLAS_THREAD_TIMEOUT="20") == ["20", "20"]


def test_strided_blas_spin_turns_it_off():
    timeout, _ = run(INSIDE, STRIDED_BLAS_SPIN="1")
    assert timeout != "16"
