"""Run a script under `mpiexec -n N` for the collective tests, and read what each rank reported.

Every rank of the scripts here writes one JSON line per thing it reports into its own file
(ranks' printed lines can interleave). `launch` runs the job in its own session (so a job that
outlives its deadline is killed whole, a stopped rank included) and returns the finished
process and the reports, by rank.
"""

import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SCRIPTS = pathlib.Path(__file__).parent
TIMEOUT = 3  # seconds every collective wait lasts at most in these jobs


def available():
    """Why these jobs cannot run here (no mpiexec, no mpi4py), or None."""
    if shutil.which("mpiexec") is None:
        return "needs mpiexec (pip install mpich)"
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return "needs mpi4py (pip install strided[mpi])"
    return None


def launch(script, ranks, *arguments, deadline=60, variables=None):
    """Run scripts/`script` on `ranks` ranks with a 3 s collective timeout (and the environment
    `variables`); (completed process, {rank: [report, ...]}). A job still running after
    `deadline` s is killed and fails."""
    folder = tempfile.mkdtemp(prefix="strided-collective-")
    environment = dict(os.environ, STRIDED_DISTRIBUTED_TIMEOUT=str(TIMEOUT), PYTHONUNBUFFERED="1",
                       STRIDED_TEST_REPORTS=folder, **(variables or {}))
    command = ["mpiexec", "-n", str(ranks), sys.executable, str(SCRIPTS / script), *map(str, arguments)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                               text=True, env=environment, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=deadline)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        raise AssertionError(f"mpiexec -n {ranks} {script} {arguments} still ran after {deadline} s:\n"
                             f"{stdout[-2000:]}\n{stderr[-3000:]}") from None
    reports = {}
    for path in sorted(pathlib.Path(folder).glob("rank*.jsonl")):
        entries = [json.loads(line) for line in path.read_text().splitlines() if line]
        reports[entries[0]["rank"]] = entries
    shutil.rmtree(folder, ignore_errors=True)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr), reports


def report(rank, **fields):
    """Write one report line for the test that launched this rank."""
    with open(os.path.join(os.environ["STRIDED_TEST_REPORTS"], f"rank{rank}.jsonl"), "a") as file:
        file.write(json.dumps({"rank": rank, **fields}) + "\n")


def alive(pid):
    """Whether process `pid` still exists (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def gone_soon(pid, seconds=10):
    """Whether process `pid` has ended within `seconds` (mpiexec may return while the launcher's
    last SIGKILLs are still being delivered)."""
    deadline = time.monotonic() + seconds
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def mapped_shared_memory_names():
    """The MPI shared-memory files this process has mapped, by name (even once unlinked)."""
    names = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.split(None, 5)
            if len(parts) == 6 and parts[5].startswith("/dev/shm/mpich_shm_"):
                names.add(parts[5].strip().removesuffix(" (deleted)"))
    return sorted(names)
