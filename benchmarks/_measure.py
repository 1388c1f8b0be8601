"""Timing, memory and machine-description helpers shared by the benchmark's parent and workers.

    >>> seconds = best_time(lambda: sum(range(1000)), repeats=3)
"""

import os
import platform
import resource
import statistics
import time
from importlib import metadata


def best_time(fn, repeats):
    """The shortest of `repeats` timed calls of `fn()` (call a warm-up yourself first)."""
    best = float("inf")
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def median_time(fn, calls, warmup=10):
    """The median duration of `calls` calls of `fn()`, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(max(1, calls)):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_rss_mb():
    """This process's peak resident set size so far, in MB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def cpu_features():
    """The SIMD extensions that matter for float32 GEMM, e.g. 'AVX2, FMA'."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return "flags unknown"
    wanted = (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("fma", "FMA"))
    return ", ".join(name for flag, name in wanted if flag in flags) or "no AVX2"


def _version(*names):
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def blas_description():
    """NumPy's BLAS as threadpoolctl sees it, e.g. 'openblas 0.3.31 (Haswell kernels, pthreads)'."""
    from threadpoolctl import threadpool_info

    for pool in threadpool_info():
        if pool.get("user_api") == "blas" and "numpy" in pool.get("filepath", ""):
            arch = pool.get("architecture") or "?"
            return f"{pool['internal_api']} {pool.get('version')} ({arch} kernels, {pool.get('threading_layer')})"
    return "unknown BLAS"


def cpu_times():
    """(steal, total) CPU time of the whole machine in clock ticks (Linux /proc/stat), or None.

    "steal" is the time the hypervisor gave this virtual machine's CPUs to someone else: on a
    shared cloud machine it comes in bursts, and a measurement taken during one is slower for
    reasons that have nothing to do with the code.
    """
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    steal = fields[7] if len(fields) > 7 else 0
    return steal, sum(fields[:8])


def steal_share(before, after):
    """The fraction of CPU time stolen between two `cpu_times()` readings (None if unknown)."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


def machine_lines(threads):
    """The Markdown bullet lines describing this machine and the software measured."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    openblas_env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
                    if k in os.environ}
    lines = [
        f"CPU: {cpu_model()} ({cpu_features()}), {os.cpu_count()} logical cores ({affinity} usable); "
        f"threads: {threads} for every framework",
        f"Python {platform.python_version()}, NumPy {_version('numpy')}, BLAS: {blas_description()}",
        f"OpenBLAS environment: {openblas_env or 'OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset'}",
        f"PyTorch {_version('torch') or 'not installed'}; "
        f"TensorFlow {_version('tensorflow-cpu', 'tensorflow') or 'not installed'}, "
        f"Keras {_version('keras') or 'not installed'}",
        f"strided {_version('strided')}; load average at start {os.getloadavg()[0]:.2f}",
    ]
    return lines


def environment_warnings():
    """Warnings about conditions that distort the measurements (busy cores, OpenBLAS overrides)."""
    warnings = []
    load = os.getloadavg()[0]
    if load > 0.5:
        warnings.append(
            f"WARNING: the 1-minute load average is {load:.2f} (> 0.5): other processes share the "
            "cores, and busy cores stall OpenBLAS's threads; the numbers below will be distorted."
        )
    if "OPENBLAS_CORETYPE" in os.environ or "OPENBLAS_L2_SIZE" in os.environ:
        warnings.append(
            "WARNING: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set, which slows current NumPy's "
            "OpenBLAS; benchmark with `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python "
            "benchmarks/bench_training.py`."
        )
    return warnings
