"""Every application model: inference and fine-tuning, strided vs Keras 3 on TensorFlow, same threads.

    python benchmarks/bench_applications.py                       # every model (an hour or more)
    python benchmarks/bench_applications.py --only ResNet50,MobileNetV2   # the headline rows
    python benchmarks/bench_applications.py --quick               # two small models, tiny images

Rows, for each model of `strided.applications` (Keras' constructor, `weights=None`, its native
input size):
- inference at batch 1 and at batch 8 (`model.predict_on_batch`), best of `--repeat`;
- a fine-tuning step at batch 16 (`train_on_batch`, SGD, sparse categorical cross-entropy),
  every layer trainable;
- a transfer-learning step at batch 16: the model without its top, frozen (`trainable =
  False`), under a new GlobalAveragePooling2D + Dense(10) head, as the transfer-learning
  tutorials do.
Both frameworks run this same Keras code, each in a fresh process (no shared thread pools),
on `--threads` threads. PyTorch has no column here: torchvision, which holds its versions of
these models, is not a dependency (bench_training.py compares ResNet-18 with PyTorch).
Models Keras does not have (AlexNet, ResNet18/34) get strided's time alone.
The ratio is strided / Keras-TF (below 1: strided is faster). Nothing here asserts a time.
"""

import argparse
import json
import os
import subprocess
import sys

MARKER = "BENCH_APP "
MODES = ("infer-b1", "infer-b8", "finetune-b16", "transfer-b16")
HEADLINE = ("ResNet50", "MobileNetV2")


def model_names():
    """The Keras-style constructors of strided.applications (not the lessons' small CNNs)."""
    from strided import applications

    return [n for n in applications.__all__ if n[0].isupper() and n != "LeNet5"]


def _has_keras():
    import importlib.util

    return importlib.util.find_spec("keras") is not None


# ---------------------------------------------------------------------------- worker side
def _worker(framework, name, modes, threads, repeat, size):
    import time

    import numpy as np
    from threadpoolctl import threadpool_limits

    if framework == "keras":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
        import keras as lib
    else:
        import strided as lib

        lib.set_num_threads(threads)
    limits = threadpool_limits(limits=threads)  # noqa: F841  (kept for the process)
    if not hasattr(lib.applications, name):
        return {"missing": f"{lib.__name__}.applications has no {name}"}
    constructor = getattr(lib.applications, name)
    shape = None if size is None else (size, size, 3)
    rng = np.random.default_rng(0)

    def best(fn):
        fn()
        fn()  # warm-up (graph tracing, buffers)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)

    result = {}
    full = constructor(weights=None, input_shape=shape)
    height, width, channels = full.input_shape[1:]
    if height is None:  # a constructor without a native size (MobileNetV3's): ImageNet's 224
        full = constructor(weights=None, input_shape=(224, 224, channels))
        height, width = 224, 224
    images = lambda n: rng.uniform(0, 255, (n, height, width, channels)).astype("float32")  # noqa: E731
    for mode in modes:
        if mode.startswith("infer"):
            x = images(int(mode.split("-b")[1]))
            result[mode] = best(lambda x=x: full.predict_on_batch(x))
        elif mode == "finetune-b16":
            x, y = images(16), rng.integers(0, full.output_shape[-1], 16)
            full.compile(optimizer=lib.optimizers.SGD(1e-3), loss="sparse_categorical_crossentropy")
            result[mode] = best(lambda x=x, y=y: full.train_on_batch(x, y))
        else:
            base = constructor(weights=None, include_top=False, input_shape=(height, width, channels))
            base.trainable = False
            inputs = lib.Input((height, width, channels))
            features = lib.layers.GlobalAveragePooling2D()(base(inputs, training=False))
            model = lib.Model(inputs, lib.layers.Dense(10, activation="softmax")(features))
            model.compile(optimizer=lib.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
            x, y = images(16), rng.integers(0, 10, 16)
            result[mode] = best(lambda x=x, y=y, model=model: model.train_on_batch(x, y))
    return result


# ---------------------------------------------------------------------------- parent side
def _measure(framework, name, modes, args):
    task = json.dumps({"framework": framework, "name": name, "modes": modes, "threads": args.threads,
                       "repeat": args.repeat, "size": args.size})
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env["KERAS_BACKEND"] = "tensorflow"
    done = subprocess.run([sys.executable, __file__, "--worker", task], capture_output=True,
                          text=True, env=env, timeout=args.timeout)
    for line in done.stdout.splitlines():
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER):])
    tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
    return {"error": tail[0][:200]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="comma-separated model names (default: every model)")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of {MODES}")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--size", type=int, default=None, help="input size instead of the native one")
    parser.add_argument("--no-keras", action="store_true")
    parser.add_argument("--quick", action="store_true", help="MobileNetV3Small and ResNet50 at 64x64, 1 repeat")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        task = json.loads(args.worker)
        outcome = _worker(task["framework"], task["name"], task["modes"], task["threads"],
                          task["repeat"], task["size"])
        print(MARKER + json.dumps(outcome), flush=True)
        return None
    if args.quick:
        args.only, args.size, args.repeat = args.only or "MobileNetV3Small,ResNet50", args.size or 64, 1
    names = args.only.split(",") if args.only else model_names()
    modes = args.modes.split(",")
    unknown = sorted(set(modes) - set(MODES))
    if unknown:
        raise SystemExit(f"unknown mode(s) {unknown}; choose from {MODES}")
    frameworks = ["strided"] + ([] if args.no_keras or not _has_keras() else ["keras"])
    print(f"{'model':<18} {'mode':<13} " + " ".join(f"{f:>12}" for f in frameworks) + "   ratio")
    rows = []
    for name in names:
        measured = {f: _measure(f, name, modes, args) for f in frameworks}
        for mode in modes:
            times = {f: measured[f].get(mode) for f in frameworks}
            ratio = (times["strided"] / times["keras"]
                     if times.get("keras") and times.get("strided") else None)
            cells = " ".join(f"{times[f] * 1e3:>9.1f} ms" if times[f] else f"{'-':>12}" for f in frameworks)
            print(f"{name:<18} {mode:<13} {cells}   {'-' if ratio is None else f'{ratio:.2f}'}", flush=True)
            rows.append((name, mode, times, ratio))
        for f in frameworks:
            if "error" in measured[f]:
                print(f"  {f} {name}: {measured[f]['error']}")
    return rows


if __name__ == "__main__":
    main()
