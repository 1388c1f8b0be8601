"""`import strided` changes nothing in the process (STYLE.md; strided.runtime).

Each check runs a fresh Python twice, without and with `import strided`, or reads the
process's state before and after the import in one fresh Python.
"""

import json
import os
import subprocess
import sys

import pytest

_CLEAN = {"OPENBLAS_THREAD_TIMEOUT", "STRIDED_BLAS_SPIN", "STRIDED_KEEP_MEMORY", "MALLOC_MMAP_THRESHOLD_",
          "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES"}


def run(code):
    environment = {k: v for k, v in os.environ.items() if k not in _CLEAN}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=environment, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# The process's state as plain JSON: BLAS (threadpoolctl), the environment, the FPU's control
# register, the signal handlers, the threads, NumPy's error and print settings, warning filters.
STATE = r'''
import ctypes, json, os, signal, sys, threading, warnings
import numpy as np
import threadpoolctl

def mxcsr():
    if not sys.platform.startswith("linux") or os.uname().machine not in ("x86_64", "AMD64"):
        return None
    environment = (ctypes.c_uint8 * 32)()
    ctypes.CDLL("libm.so.6").fegetenv(environment)
    return int.from_bytes(bytes(environment[28:32]), "little")

def openblas_wait():
    for info in threadpoolctl.threadpool_info():
        if info["internal_api"] == "openblas":
            library = ctypes.CDLL(info["filepath"])
            return library.openblas_thread_timeout() if hasattr(library, "openblas_thread_timeout") else None
    return None

def state():
    tiny = np.float32(1e-39)
    return {
        "blas": [{k: v for k, v in info.items() if k != "filepath"} for info in threadpoolctl.threadpool_info()],
        "openblas_wait": openblas_wait(),
        "environment": dict(os.environ),
        "mxcsr": mxcsr(),
        "subnormal_product_is_zero": bool(np.array([tiny]) * np.float32(0.5) == 0),
        "signals": {s.name: repr(signal.getsignal(s)) for s in signal.valid_signals() if isinstance(s, signal.Signals)},
        "python_threads": threading.active_count(),
        "os_threads": len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else None,
        "numpy_errors": np.geterr(),
        "numpy_print": {k: repr(v) for k, v in np.get_printoptions().items()},
        "warning_filters": [repr(f) for f in warnings.filters],
        "switch_interval": sys.getswitchinterval(),
    }
'''


def test_importing_strided_changes_no_process_state():
    before, after = run(STATE + "before = state(); import strided; print(json.dumps([before, state()]))")
    assert after == before


def test_strided_imported_before_numpy_leaves_blas_as_numpy_alone_would():
    alone = run(STATE + "print(json.dumps(state()))")
    first = run("import strided\n" + STATE + "print(json.dumps(state()))")
    for key in ("blas", "openblas_wait", "environment", "mxcsr", "subnormal_product_is_zero", "signals"):
        assert first[key] == alone[key], key


# Resident memory (from /proc) grown by a 20 MB array that unrelated code allocates and frees:
# glibc gives such a block back at once unless malloc's thresholds were changed.
FREED = r'''
import json, os, numpy as np
IMPORT
def resident():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
start = resident()
block = np.ones(5 * 1024 * 1024, np.float32)
del block
print(json.dumps(resident() - start))
'''


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm (Linux)")
def test_a_large_array_freed_by_unrelated_code_is_given_back_as_without_strided():
    without = run(FREED.replace("IMPORT", ""))
    with_strided = run(FREED.replace("IMPORT", "import strided"))
    assert without < 4 * 1024 * 1024  # glibc returned it
    assert with_strided < without + 4 * 1024 * 1024  # and still does with strided imported


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm (Linux)")
def test_speed_settings_keep_memory_inside_and_give_it_back_after():
    kept, after = run(FREED.replace("IMPORT", "import strided").replace(
        "print(json.dumps(resident() - start))", """
inside = None
with strided.runtime.speed_settings():
    start = resident()
    block = np.ones(5 * 1024 * 1024, np.float32)
    del block
    inside = resident() - start
start = resident()
block = np.ones(5 * 1024 * 1024, np.float32)
del block
print(json.dumps([inside, resident() - start]))"""))
    if strided_keeps_memory():
        assert kept > 16 * 1024 * 1024  # kept for the next step, as intended
    assert after < 4 * 1024 * 1024  # given back once the block ended


def strided_keeps_memory():
    from strided import _allocator

    return _allocator._glibc() is not None


def test_speed_settings_put_the_blas_wait_and_environment_back():
    code = STATE + """
import strided
before = state()
with strided.runtime.speed_settings():
    with strided.runtime.speed_settings():  # nested, as evaluate inside fit
        pass
    inside = state()
after = state()
print(json.dumps([before, inside, after]))"""
    before, inside, after = run(code)
    assert inside["environment"] == before["environment"]
    if before["openblas_wait"] is not None:
        assert inside["openblas_wait"] == 16
        assert after["openblas_wait"] == 28  # OpenBLAS's default wait, in effect as before
    assert after["blas"] == before["blas"] and after["mxcsr"] == before["mxcsr"]
