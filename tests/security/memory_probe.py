"""Run one load in a fresh Python and report what came out and how much memory it took.

The child sets an address-space limit (so a loader that tries to allocate gigabytes fails
there instead of taking the machine down), imports strided, records its current RSS, runs the
load, and prints {"outcome": exception class or "loaded", "message": ..., "extra_mb": its peak
RSS (VmHWM) minus the RSS before the load}: an upper bound of what the load took. (Linux's
ru_maxrss is not used: a child inherits its parent's peak through fork and exec.)
"""

import json
import subprocess
import sys
import textwrap

CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
import numpy as np
import strided
import strided.errors
from strided import layers
from strided.models import Sequential
{setup}
def status_kb(field):  # VmRSS: resident now; VmHWM: this process's peak (ru_maxrss would include the parent's)
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))
before = status_kb("VmRSS")
try:
{load}
    outcome, message = "loaded", ""
except BaseException as error:
    outcome, message = type(error).__name__, str(error)[:2000]
    is_format_error = isinstance(error, strided.errors.FileFormatError)
else:
    is_format_error = False
after = status_kb("VmHWM")
print(json.dumps({{"outcome": outcome, "message": message, "extra_mb": (after - before) / 1024,
                  "format_error": is_format_error}}))
"""


def run_load(load, setup="", limit_gb=3):
    """Run the statements `load` (after `setup`) in a child; return its report dict."""
    code = CHILD.format(limit=int(limit_gb * 2**30), setup=textwrap.dedent(setup),
                        load=textwrap.indent(textwrap.dedent(load), "    "))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"outcome": f"crashed (exit {result.returncode})", "message": result.stderr[-2000:],
                "extra_mb": None, "format_error": False}
    return json.loads(lines[-1])




CASES = """
import os
sys.path.insert(0, {here!r})
from loaders import load
outcomes = []
for kind, path in {cases!r}:
    try:
        load(kind, path)
        outcomes.append(["loaded", ""])
    except BaseException as error:
        outcomes.append([type(error).__name__ if not isinstance(error, strided.errors.FileFormatError)
                         else "FileFormatError", str(error)[:500]])
"""


def run_cases(cases, setup="import sys", limit_gb=3):
    """Run `load(kind, path)` for every (kind, path) in one child (after the statements `setup`,
    e.g. importing torch, which is not the files' doing); return {"outcomes": [[class, message],
    ...], "extra_mb": peak RSS growth over all of them}."""
    import os

    here = os.path.dirname(os.path.abspath(__file__))
    code = CHILD.format(limit=int(limit_gb * 2**30), setup=setup,
                        load=textwrap.indent(CASES.format(here=here, cases=[(k, str(p)) for k, p in cases]), "    "))
    code = code.replace('"format_error": is_format_error}))',
                        '"format_error": is_format_error, "outcomes": locals().get("outcomes")}))')
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"outcome": f"crashed (exit {result.returncode})", "message": result.stderr[-2000:],
                "extra_mb": None, "outcomes": None}
    return json.loads(lines[-1])


__all__ = ["run_cases", "run_load"]
