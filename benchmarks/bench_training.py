"""Train and run the lessons' CNNs with strided, PyTorch and Keras/TensorFlow, side by side.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_training.py
    python benchmarks/bench_training.py --quick                 # about a minute, for development
    python benchmarks/bench_training.py --only train-fashion-b64,latency --images 10000

Every (row, framework) pair runs in its own process (benchmarks/_worker.py), one framework right
after the other, with the same model, data, batch size, optimizer (Adam) and thread count; each
starts with an untimed warm-up. Rows of PyTorch code (lesson 004's ConvNet; the PyTorch MNIST
example's Net, trained as that program does, with nll_loss and Adadelta) run the same code on
real PyTorch and, as "strided", on strided.torch (benchmarks/_torch_api_worker.py). The report
is Markdown (machine, results table, strided's scaling checks, the machine's float32 matmul
peak) and can be written with --markdown-out.
This is a benchmark, not a test: nothing here asserts a time.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _flops import count_flops, matmul_peak  # noqa: E402
from _measure import cpu_times, environment_warnings, machine_lines, steal_share  # noqa: E402
from _report import COLUMNS, format_report  # noqa: E402

FRAMEWORKS = ("strided", "torch", "keras")
__all__ = ["COLUMNS", "ROWS", "main", "measure", "select_rows"]


@dataclass(frozen=True)
class Row:
    """One line of the table: `kind` is a task of the runners (train_epoch, predict, ...)."""

    id: str
    model: str
    kind: str
    batch: int
    frameworks: tuple = FRAMEWORKS
    # "torch": the row runs PyTorch code (`_torch_api_worker.py`), with strided.torch as "strided"
    front_end: str = "keras"


ROWS = (
    Row("train-fashion-b32", "fashion_cnn", "train_epoch", 32),
    Row("train-fashion-b64", "fashion_cnn", "train_epoch", 64),
    Row("train-mnist-b64", "mnist_cnn", "train_epoch", 64),
    Row("predict-fashion", "fashion_cnn", "predict", 1000),
    Row("predict-mnist", "mnist_cnn", "predict", 1000),
    Row("latency-fashion", "fashion_cnn", "latency", 1),
    Row("latency-mnist", "mnist_cnn", "latency", 1),
    Row("step-cifar-b64", "cifar_cnn", "train_steps", 64),
    Row("step-resnet18-b32", "resnet18", "train_steps", 32, ("strided", "torch")),
    Row("train-lesson004-torchapi-b64", "lesson004_convnet", "train_epoch", 64, ("strided", "torch"), "torch"),
    Row("predict-lesson004-torchapi", "lesson004_convnet", "predict", 1000, ("strided", "torch"), "torch"),
    Row("train-pytorch-mnist-example-b64", "pytorch_mnist_example", "train_epoch", 64, ("strided", "torch"),
        "torch"),
    Row("predict-pytorch-mnist-example", "pytorch_mnist_example", "predict", 1000, ("strided", "torch"), "torch"),
    Row("linearity", "fashion_cnn", "linearity", 64, ("strided",)),
    Row("epochs", "fashion_cnn", "epochs", 64, ("strided",)),
)
ALIASES = {"memory": "train-fashion-b64"}  # the peak-RSS row comes from that row's processes


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small N and few repeats (about a minute): for development only")
    parser.add_argument("--only", default="",
                        help="comma-separated row ids or prefixes: " + ", ".join(r.id for r in ROWS)
                        + ", memory (= train-fashion-b64)")
    parser.add_argument("--no-keras", action="store_true", help="skip Keras/TensorFlow")
    parser.add_argument("--threads", type=int, default=2, help="threads for every framework")
    parser.add_argument("--images", type=int, help="training images per epoch (default 60000)")
    parser.add_argument("--linearity-images", type=int,
                        help="N for the linearity (N vs 2N) and epochs rows (default 10000)")
    parser.add_argument("--repeats", type=int, help="repeats of short measurements (best is kept)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure every row this many times, frameworks back to back each time, "
                             "and keep each framework's best (for machines with noisy neighbours)")
    parser.add_argument("--markdown-out", type=Path, help="also write the Markdown report here")
    args = parser.parse_args(argv)
    quick = args.quick
    args.images = args.images or (1024 if quick else 60000)
    args.linearity_images = args.linearity_images or min(args.images, 512 if quick else 10000)
    args.repeats = args.repeats or (1 if quick else 3)
    args.test_images = 2000 if quick else 10000
    args.calls = 30 if quick else 200
    args.steps = 3 if quick else 16
    return args


def select_rows(only):
    if not only:
        return list(ROWS)
    tokens = [ALIASES.get(t.strip(), t.strip()) for t in only.split(",") if t.strip()]
    chosen = [r for r in ROWS if any(r.id == t or r.id.startswith(t) for t in tokens)]
    unknown = [t for t in tokens if not any(r.id == t or r.id.startswith(t) for r in ROWS)]
    if unknown:
        raise SystemExit(f"--only: unknown row(s) {unknown}; choose from {[r.id for r in ROWS]}")
    return chosen


def task_for(row, framework, args):
    task = {"framework": framework, "kind": row.kind, "model": row.model, "batch": row.batch,
            "threads": args.threads, "repeats": args.repeats, "calls": args.calls,
            "steps": args.steps, "images": args.images}
    if row.kind == "train_epoch":
        task["repeats"] = 1  # an epoch is long enough to average itself
    elif row.kind == "predict":
        task["images"] = args.test_images
    elif row.kind in ("linearity", "epochs"):
        task["images"] = args.linearity_images
    if row.front_end == "torch":
        task["front_end"] = "torch"
    return task


def run_in_subprocess(task):
    """Run one task in a fresh Python process; returns its result dict or {"error": ...}."""
    env = dict(os.environ)
    threads = str(task["threads"])
    env.update(OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads, MKL_NUM_THREADS=threads,
               TF_CPP_MIN_LOG_LEVEL="2", KERAS_BACKEND="tensorflow")
    worker = "_torch_api_worker.py" if task.get("front_end") == "torch" else "_worker.py"
    proc = subprocess.run([sys.executable, str(HERE / worker), json.dumps(task)],
                          capture_output=True, text=True, env=env)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("BENCH_RESULT "):
            return json.loads(line[len("BENCH_RESULT "):])
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"exit {proc.returncode}: {tail}"}


def keras_available():
    import importlib.util

    return all(importlib.util.find_spec(name) for name in ("keras", "tensorflow"))


def model_flops():
    """FLOPs per image of each benchmark model, counted on strided's own models."""
    from strided import applications

    models = {
        "fashion_cnn": applications.fashion_cnn(),
        "mnist_cnn": applications.mnist_cnn(),
        "cifar_cnn": applications.cifar_cnn(),
        "resnet18": applications.ResNet18(weights=None, input_shape=(32, 32, 3), classes=10),
    }
    models["lesson004_convnet"] = lesson_004_convnet_keras()
    models["pytorch_mnist_example"] = pytorch_mnist_example_keras()
    return {name: count_flops(model) for name, model in models.items()}


def lesson_004_convnet_keras():
    """Lesson 004's ConvNet layer for layer in strided's Keras API (to count its FLOPs)."""
    from strided import Input, layers
    from strided.models import Sequential

    block = lambda filters: [layers.Conv2D(filters, 5, padding="same"), layers.BatchNormalization(),  # noqa: E731
                             layers.ReLU(), layers.MaxPooling2D(2)]
    return Sequential([Input(shape=(28, 28, 1)), *block(16), *block(32), layers.Flatten(), layers.Dense(10)])


def pytorch_mnist_example_keras():
    """The PyTorch MNIST example's Net layer for layer in strided's Keras API (to count its FLOPs)."""
    from strided import Input, layers
    from strided.models import Sequential

    return Sequential([Input(shape=(28, 28, 1)), layers.Conv2D(32, 3, activation="relu"),
                       layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2), layers.Dropout(0.25),
                       layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dropout(0.5),
                       layers.Dense(10, activation="softmax")])


# The second time of a check row (N vs 2N images, epoch 1 vs epoch 2), kept by its own best.
PAIRED = ("double", "second")


def keep_best(kept, result):
    """The better of two rounds' results of one row and framework: the faster one.

    A check row's two times are each kept at their own best: keeping the pair of the round whose
    first time was faster would favour rounds where that time was luckily fast and so bias the
    ratio second / first upward.
    """
    if kept is None or "error" in kept:
        return result
    if "error" in result:
        return kept
    best = dict(result if result["seconds"] < kept["seconds"] else kept)
    for field in PAIRED:
        if field in kept and field in result:
            best[field] = min(kept[field], result[field])
    return best


def measure(rows, args, log=print):
    """{row id: {framework: result}} for the selected rows, frameworks back to back per row."""
    frameworks = [f for f in FRAMEWORKS if f != "keras" or (not args.no_keras and keras_available())]
    results = {}
    for row in rows:
        results[row.id] = {}
        for _ in range(args.rounds):
            for framework in row.frameworks:
                if framework not in frameworks:
                    continue
                start, before = time.perf_counter(), cpu_times()
                result = run_in_subprocess(task_for(row, framework, args))
                result["steal"] = steal_share(before, cpu_times())
                results[row.id][framework] = keep_best(results[row.id].get(framework), result)
                shown = result.get("error") or f"{result['seconds']:.4g} s"
                stolen = "" if result["steal"] is None else f", {result['steal']:.0%} of CPU time stolen"
                log(f"  {row.id:18s} {framework:8s} {shown}  ({time.perf_counter() - start:.1f} s wall{stolen})")
    return results, frameworks


def main(argv=None):
    """Run the benchmark; prints and returns the Markdown report."""
    args = parse_args(argv)
    rows = select_rows(args.only)
    log = lambda message: print(message, file=sys.stderr, flush=True)
    warnings = environment_warnings()
    for warning in warnings:
        log(warning)
    machine = machine_lines(args.threads)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=args.threads):
        peak, peak_shapes = matmul_peak(repeats=2 if args.quick else 5)
    log(f"float32 matmul peak: {peak:.0f} GFLOP/s; measuring {len(rows)} row(s)...")
    results, frameworks = measure(rows, args, log)
    with threadpool_limits(limits=args.threads):  # again: did the machine change meanwhile?
        peak_after, _ = matmul_peak(repeats=2 if args.quick else 5)
    report = format_report(rows, results, frameworks, model_flops(), args, machine, warnings,
                           (peak, peak_shapes, peak_after))
    print(report)
    if args.markdown_out:
        tmp = args.markdown_out.with_name(args.markdown_out.name + ".tmp")
        tmp.write_text(report)
        os.replace(tmp, args.markdown_out)
    return report


if __name__ == "__main__":
    main()
