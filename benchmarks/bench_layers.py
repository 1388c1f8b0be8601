"""Single layers, inference and training step: strided vs PyTorch CPU (and Keras/TF), same threads.

    python benchmarks/bench_layers.py                        # the whole matrix (several minutes)
    python benchmarks/bench_layers.py --only gelu,depthwise  # ids, id parts or families
    python benchmarks/bench_layers.py --only lessons --batch 64 --repeat 20   # the lessons' rows
    python benchmarks/bench_layers.py --list                 # the row ids
    python benchmarks/bench_layers.py --keras --only conv    # add the Keras 3 / TensorFlow column

The matrix (`_layer_cases.py`): every layer family (convolutions 1x1 to 7x7, strided, dilated,
grouped, depthwise, separable, transposed; pooling; batch/group/layer norm; activations;
dropout; Dense; upsampling and resizing; preprocessing) at representative shapes, x
{inference, training step} x {channels_last, channels_first}. Inference is `layer(x,
training=False)` under no_grad / `torch.inference_mode()` / a `tf.function`; a training step
is the forward pass with training=True and the backward pass of sum(y) to the input and the
weights. PyTorch's channels_last is its channels_last memory format. Each cell is the best of
`--repeat` runs after a warm-up, the frameworks of a row measured back to back, `--rounds`
times (each framework's best kept), all in this one process on `--threads` threads.
The ratio is strided / the fastest peer (below 1: strided is faster).
This is a benchmark, not a test: nothing here asserts a time.

The lessons' rows (`--only lessons`; forward + backward of the ops at `--batch`) are the
original table of this script.
"""

import argparse
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from threadpoolctl import threadpool_limits

import strided
from strided import ops
from strided.autograd import Tensor

MODES = ("inference", "train")


def best_time(fn, repeat):
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def strided_step(fn, arrays):
    def run():
        tensors = [Tensor(a, requires_grad=True) for a in arrays]
        y = fn(*tensors)
        y.backward(np.ones(y.shape, np.float32))
    return run


def torch_step(fn, arrays):
    def run():
        tensors = [torch.from_numpy(a).requires_grad_() for a in arrays]
        y = fn(*tensors)
        y.backward(torch.ones_like(y))
    return run


def cases(batch, rng):
    """(name, strided fn, torch fn, strided arrays (NHWC), torch arrays (NCHW))."""
    def conv_case(name, h, cin, cout, k, padding=0):
        x = rng.standard_normal((batch, h, h, cin)).astype(np.float32)
        w = (rng.standard_normal((k, k, cin, cout)) * 0.1).astype(np.float32)
        return (
            name,
            lambda a, b: ops.conv(a, b, padding=padding),
            lambda a, b: F.conv2d(a, b, padding=padding),
            [x, w],
            [np.ascontiguousarray(x.transpose(0, 3, 1, 2)), np.ascontiguousarray(w.transpose(3, 2, 0, 1))],
        )

    rows = [
        conv_case("Conv2D 32 3x3 on 28x28x1", 28, 1, 32, 3),
        conv_case("Conv2D 64 3x3 on 13x13x32", 13, 32, 64, 3),
        conv_case("Conv2D 64 3x3 on 26x26x64", 26, 64, 64, 3),
        conv_case("Conv2D 128 3x3 on 5x5x64", 5, 64, 128, 3),
        conv_case("Conv2D 32 3x3 'same' on 32x32x3", 32, 3, 32, 3, padding=1),
    ]
    if hasattr(ops, "max_pool"):
        x = rng.standard_normal((batch, 26, 26, 64)).astype(np.float32)
        rows.append((
            "MaxPooling2D 2x2 on 26x26x64",
            lambda a: ops.max_pool(a, 2),
            lambda a: F.max_pool2d(a, 2),
            [x],
            [np.ascontiguousarray(x.transpose(0, 3, 1, 2))],
        ))
    for h, cin in ((28, 1), (13, 64)):  # the lessons' Conv2D(64, relu) + MaxPooling2D blocks
        x = rng.standard_normal((batch, h, h, cin)).astype(np.float32)
        w = (rng.standard_normal((3, 3, cin, 64)) * 0.1).astype(np.float32)
        b = (rng.standard_normal(64) * 0.1).astype(np.float32)
        rows.append((
            f"Conv2D 64 relu + MaxPool on {h}x{h}x{cin}",
            lambda a, k, bias: ops.conv_relu_max_pool(a, k, bias, pool_size=2),
            lambda a, k, bias: F.max_pool2d(F.relu(F.conv2d(a, k, bias)), 2),
            [x, w, b],
            [np.ascontiguousarray(x.transpose(0, 3, 1, 2)), np.ascontiguousarray(w.transpose(3, 2, 0, 1)), b],
        ))
    x = rng.standard_normal((batch, 1600)).astype(np.float32)
    w = (rng.standard_normal((1600, 128)) * 0.05).astype(np.float32)
    b = np.zeros(128, np.float32)
    rows.append(("Dense 1600 -> 128 (+ bias, relu)", lambda a, k, bias: ops.dense_bias_activation(a, k, bias, "relu"),
                 lambda a, k, bias: F.relu(a @ k + bias), [x, w, b], [x, w, b]))
    return rows


def lesson_rows(args):
    """The original table: the lessons' ops, forward + backward, strided vs PyTorch."""
    rng = np.random.default_rng(0)
    print(f"\nlessons' ops: batch {args.batch}, {args.threads} threads, forward + backward, best of {args.repeat}")
    print(f"{'layer':36s} {'strided ms':>11s} {'torch ms':>9s} {'ratio':>6s}")
    for name, s_fn, t_fn, s_arrays, t_arrays in cases(args.batch, rng):
        s = best_time(strided_step(s_fn, s_arrays), args.repeat)
        t = best_time(torch_step(t_fn, t_arrays), args.repeat)
        print(f"{name:36s} {s * 1e3:11.2f} {t * 1e3:9.2f} {s / t:6.2f}", flush=True)


# -- the matrix ------------------------------------------------------------------------------


def _input(case, fmt, rng):
    """The case's input in the layout the layer reads: NHWC, or NCHW for channels_first."""
    x = rng.standard_normal(case.shape).astype(np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2)) if fmt == "channels_first" else x


def strided_runner(case, fmt, mode, x):
    layer = case.strided(fmt)
    if mode == "inference":
        def run():
            with strided.no_grad():
                layer(x, training=False)
        return run
    ones = []

    def step():
        t = Tensor(x, requires_grad=True)
        y = layer(t, training=True)
        if not ones:
            ones.append(np.ones(y.shape, np.float32))
        y.backward(ones[0])
        for weight in layer.trainable_weights:
            weight.grad = None
    return step


def torch_runner(case, fmt, mode, x):
    module = case.torch(fmt)
    nchw = x.ndim == 4 and fmt != "channels_first" and case.formats != ("-",)
    tensor = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)) if nchw else x)
    if fmt == "channels_last" and tensor.ndim == 4:
        tensor = tensor.contiguous(memory_format=torch.channels_last)
        module = module.to(memory_format=torch.channels_last)
    if mode == "inference":
        module.eval()

        def run():
            with torch.inference_mode():
                module(tensor)
        return run
    module.train()
    ones = []

    def step():
        t = tensor.detach().requires_grad_()
        y = module(t)
        if not ones:
            ones.append(torch.ones_like(y))
        y.backward(ones[0])
        module.zero_grad(set_to_none=True)
    return step


def keras_runner(case, fmt, mode, x):
    import tensorflow as tf

    layer = case.keras(fmt)
    tensor = tf.constant(x)
    if mode == "inference":
        call = tf.function(lambda t: layer(t, training=False))
        return lambda: call(tensor)

    @tf.function
    def step(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = layer(t, training=True)
        return tape.gradient(y, [t, *layer.trainable_weights])

    return lambda: step(tensor)


def selected(all_cases, only):
    """The cases named by --only: ids, parts of ids, or families (comma-separated)."""
    if not only:
        return all_cases
    tokens = [t.strip() for t in only.split(",") if t.strip()]
    unknown = [t for t in tokens if t != "lessons" and not any(t == c.family or t in c.id for c in all_cases)]
    if unknown:
        raise SystemExit(f"bench_layers: unknown row {', '.join(unknown)}; see --list")
    return [c for c in all_cases if any(t == c.family or t in c.id for t in tokens)]


def measure(runner_of, case, fmt, mode, x, repeat):
    try:
        return best_time(runner_of(case, fmt, mode, x), repeat)
    except Exception as error:  # a peer without this layer or format: its cell shows why
        return f"{type(error).__name__}"


def matrix_rows(args, chosen):
    from threadpoolctl import threadpool_info  # noqa: F401  (imported with threadpool_limits)

    rng = np.random.default_rng(0)
    frameworks = [("strided", strided_runner), ("torch", torch_runner)]
    if args.keras:
        frameworks.append(("keras", keras_runner))
    header = f"{'row':22s} {'layer':34s} {'input (NHWC)':18s} {'format':15s} {'mode':9s}"
    header += "".join(f" {name + ' ms':>11s}" for name, _ in frameworks) + f" {'ratio':>6s}"
    print(f"\nlayer matrix: {args.threads} threads, best of {args.repeat} x {args.rounds} round(s)")
    print(header)
    rows = []
    for case in chosen:
        formats = [f for f in case.formats if f == "-" or f in args.formats]
        modes = [m for m in args.modes if case.trainable or m == "inference"]
        for fmt in formats:
            x = _input(case, fmt, rng)
            for mode in modes:
                best = {}
                for _ in range(args.rounds):
                    for name, runner_of in frameworks:
                        t = measure(runner_of, case, fmt, mode, x, args.repeat)
                        if isinstance(t, float):
                            best[name] = min(t, best.get(name, t))
                        else:
                            best.setdefault(name, t)
                cells = [f" {best[n] * 1e3:11.2f}" if isinstance(best[n], float) else f" {best[n][:11]:>11s}"
                         for n, _ in frameworks]
                peers = [best[n] for n, _ in frameworks[1:] if isinstance(best[n], float)]
                ratio = best["strided"] / min(peers) if peers and isinstance(best["strided"], float) else None
                shape = "x".join(map(str, case.shape))
                print(f"{case.id:22s} {case.layer:34s} {shape:18s} {fmt:15s} {mode:9s}" + "".join(cells)
                      + (f" {ratio:6.2f}" if ratio is not None else f" {'-':>6s}"), flush=True)
                rows.append((case, fmt, mode, best, ratio))
    _summary(rows)
    return rows


def _summary(rows):
    """Worst and median ratio per layer family."""
    families = {}
    for case, _, _, _, ratio in rows:
        if ratio is not None:
            families.setdefault(case.family, []).append(ratio)
    if families:
        print("\nper family: strided / fastest peer (median, worst)")
        for family, ratios in families.items():
            print(f"  {family:14s} median {np.median(ratios):5.2f}  worst {max(ratios):5.2f}  ({len(ratios)} cells)")


def main(argv=None):
    from _layer_cases import all_cases

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64, help="the lessons' rows' batch")
    parser.add_argument("--repeat", type=int, default=5, help="runs per cell, the best kept")
    parser.add_argument("--rounds", type=int, default=1, help="every row this many times, frameworks in turn")
    parser.add_argument("--only", default="", help="comma-separated ids, id parts or families; 'lessons'")
    parser.add_argument("--formats", default="channels_last,channels_first")
    parser.add_argument("--modes", default="inference,train")
    parser.add_argument("--keras", action="store_true", help="add Keras 3 on TensorFlow (slow to import)")
    parser.add_argument("--list", action="store_true", help="print the row ids and exit")
    args = parser.parse_args(argv)
    args.formats = [f.strip() for f in args.formats.split(",")]
    args.modes = [m.strip() for m in args.modes.split(",")]
    if set(args.modes) - set(MODES):
        raise SystemExit(f"bench_layers: --modes takes {', '.join(MODES)}; received {','.join(args.modes)}")
    cases_ = all_cases()
    if args.list:
        for case in cases_:
            print(f"{case.id:22s} {case.family:14s} {case.layer}")
        print(f"{'lessons':22s} {'lessons':14s} the lessons' ops (the original rows)")
        return []
    chosen = selected(cases_, args.only)
    if args.keras:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    torch.set_num_threads(args.threads)
    strided.set_num_threads(args.threads)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"strided {strided.__version__ if hasattr(strided, '__version__') else ''}, torch {torch.__version__}, "
          f"load average {load:.2f} at the start (busy cores distort every number)")
    rows = []
    with threadpool_limits(limits=args.threads):
        if chosen:
            rows = matrix_rows(args, chosen)
        if not args.only or "lessons" in args.only.split(","):
            lesson_rows(args)
    return rows


if __name__ == "__main__":
    main()
