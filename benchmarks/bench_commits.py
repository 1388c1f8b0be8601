"""The lessons' Fashion-MNIST CNN on two versions of strided, interleaved: what a change cost.

    python benchmarks/bench_commits.py --before REV [--after WORKTREE] [--rounds 3] [--threads 1]

REV is any git revision of this repository: it is checked out into a temporary worktree, and
each round runs, in fresh processes, one training epoch (6,400 random 28x28 images, batch 64,
Adam) and one prediction of 10,000 images (batch 1000) on the old tree and on the current one
(the order alternating from round to round, so that a machine getting busier or quieter favours
neither). Each cell keeps its best time, wall clock and CPU (the CPU time of a one-thread run is
the least disturbed by other work on the machine). Used for docs/speed.md's cost of the
same-bits-on-any-process-count rule (`--before b60af44~1`).
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
WORK = r"""
import sys, time, numpy as np, strided
from strided import applications
task, threads = sys.argv[1], int(sys.argv[2])
strided.set_num_threads(threads)
rng = np.random.default_rng(0)
x = rng.random((6400, 28, 28, 1), dtype=np.float32); y = rng.integers(0, 10, 6400)
model = applications.fashion_cnn()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x[:640], y[:640], batch_size=64, epochs=1, verbose=0)
if task == "train":
    wall, cpu = time.perf_counter(), time.process_time()
    model.fit(x, y, batch_size=64, epochs=1, verbose=0)
else:
    images = np.concatenate([x, x[:3600]])
    model.predict(images[:1000], batch_size=1000, verbose=0)
    wall, cpu = time.perf_counter(), time.process_time()
    model.predict(images, batch_size=1000, verbose=0)
print(time.perf_counter() - wall, time.process_time() - cpu)
"""


def run(source, task, threads):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env.update(PYTHONPATH=str(Path(source) / "src"), OPENBLAS_NUM_THREADS=str(threads))
    done = subprocess.run([sys.executable, "-c", WORK, task, str(threads)], capture_output=True, text=True,
                          env=env, check=True)
    return tuple(float(v) for v in done.stdout.split()[-2:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="a git revision")
    parser.add_argument("--after", default=str(REPOSITORY), help="a source tree (default: this one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        before = Path(scratch) / "before"
        subprocess.run(["git", "-C", str(REPOSITORY), "worktree", "add", "--detach", str(before), args.before],
                       check=True, capture_output=True)
        try:
            best = {}
            for round_ in range(args.rounds):
                trees = [("before", before), ("after", args.after)]
                for name, tree in trees if round_ % 2 == 0 else trees[::-1]:
                    for task in ("train", "predict"):
                        wall, cpu = run(tree, task, args.threads)
                        old = best.get((name, task), (float("inf"), float("inf")))
                        best[name, task] = (min(old[0], wall), min(old[1], cpu))
        finally:
            subprocess.run(["git", "-C", str(REPOSITORY), "worktree", "remove", "--force", str(before)],
                           capture_output=True)
    print(f"{args.threads} thread(s), best of {args.rounds}; load average {os.getloadavg()[0]:.1f}")
    print("| task | before wall s | after wall s | before CPU s | after CPU s | after / before (CPU) |")
    print("|---|---:|---:|---:|---:|---:|")
    for task in ("train", "predict"):
        (bw, bc), (aw, ac) = best["before", task], best["after", task]
        print(f"| {task} | {bw:.2f} | {aw:.2f} | {bc:.2f} | {ac:.2f} | {ac / bc:.3f} |")


if __name__ == "__main__":
    main()
