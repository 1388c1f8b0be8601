"""One measurement in its own process: `python benchmarks/_worker.py '<task as JSON>'`.

Each (row, framework) runs in a fresh process so that frameworks never share thread pools
(PyTorch's OpenMP threads spin after a parallel region and would steal the cores from OpenBLAS)
and so that the peak RSS reported belongs to that framework alone. The last line printed is
`BENCH_RESULT <JSON>`: the task's result plus "peak_mb" and "version".
"""

import json
import sys

from _measure import peak_rss_mb

MARKER = "BENCH_RESULT "


def run_task(task):
    """Run one task dict (framework, kind, model, batch, images, repeats, calls, steps, threads)."""
    if task["framework"] == "torch":
        from _torch_runner import TorchRunner

        runner = TorchRunner(task["threads"])
    else:
        from _keraslike_runner import KerasLikeRunner

        runner = KerasLikeRunner(task["framework"], task["threads"])
    result = getattr(runner, task["kind"])(task)
    result["version"] = runner.version
    result["peak_mb"] = peak_rss_mb()
    return result


if __name__ == "__main__":
    outcome = run_task(json.loads(sys.argv[1]))
    sys.stdout.flush()
    print(MARKER + json.dumps(outcome), flush=True)
