"""Before / after a kernel change: an older fast kernel set against the current one, interleaved.

    python benchmarks/bench_before_after.py --before OLD --only gelu,depthwise --rounds 2

OLD is a directory holding an older `src/strided/kernels/` tree's `fast_set.py` and `fast/`
(e.g. copied from a commit: `git archive REV src/strided/kernels | tar -x -C /tmp/old`, then
OLD=/tmp/old/src/strided/kernels). Its modules are loaded under another package name
(`before_kernels`), so both sets live in one process; each round runs every chosen row of
`bench_layers`' matrix on the old set and on the current one (their order alternating from
round to round, so that a machine getting busier or quieter favours neither), then PyTorch.
Each cell keeps its best time. `--only fashion` adds one training step of the lessons'
Fashion-MNIST CNN (batch 64). A busy machine still distorts everything: see the load average
printed at both ends.
"""

import argparse
import importlib.abc
import importlib.util
import os
import pathlib
import sys

import bench_layers
import numpy as np
import torch
from _layer_cases import all_cases
from threadpoolctl import threadpool_limits

import strided
from strided.kernels import dispatch, fast_set


class _OldKernels(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports `before_kernels.*` from OLD, its `strided.kernels.fast` imports redirected there."""

    def __init__(self, directory):
        self.directory = pathlib.Path(directory)

    def _path(self, name):
        parts = name.split(".")[1:]
        if not parts:
            return None, True
        path = self.directory.joinpath(*parts)
        return (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")), path.is_dir()

    def find_spec(self, name, path=None, target=None):
        if name != "before_kernels" and not name.startswith("before_kernels."):
            return None
        file, package = self._path(name)
        return importlib.util.spec_from_loader(name, self, is_package=package, origin=str(file))

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        file, package = self._path(module.__name__)
        if package:
            module.__path__ = [str(self.directory.joinpath(*module.__name__.split(".")[1:]))]
        if file is None or not file.exists():
            return
        source = file.read_text().replace("strided.kernels.fast", "before_kernels.fast")
        exec(compile(source, str(file), "exec"), module.__dict__)


def old_kernel_set(directory):
    sys.meta_path.insert(0, _OldKernels(directory))
    return importlib.import_module("before_kernels.fast_set")


def fashion_step():
    from strided.applications import fashion_cnn

    model = fashion_cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(0).random((64, 28, 28, 1), np.float32)
    y = np.random.default_rng(1).integers(0, 10, 64)
    return lambda: model.train_on_batch(x, y)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="an older src/strided/kernels directory")
    parser.add_argument("--only", default="gelu,depthwise,separable,conv1x1,fashion")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    sets = {"before": old_kernel_set(args.before), "after": fast_set}
    tokens = [t for t in args.only.split(",") if t and t != "fashion"]
    cases = bench_layers.selected(all_cases(), ",".join(tokens)) if tokens else []
    strided.set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    cells = [(f"{c.id} {fmt} {mode}", c, fmt, mode, bench_layers._input(c, fmt, rng))
             for c in cases for fmt in c.formats for mode in bench_layers.MODES
             if c.trainable or mode == "inference"]
    print(f"load average at the start {os.getloadavg()}", flush=True)
    best = {}

    def keep(key, seconds):
        best[key] = min(seconds, best.get(key, seconds))

    with threadpool_limits(args.threads):
        for round_ in range(args.rounds):
            order = ("before", "after") if round_ % 2 == 0 else ("after", "before")
            for label, case, fmt, mode, x in cells:
                for name in order:
                    dispatch._SETS["fast"] = sets[name]
                    keep((label, name), bench_layers.best_time(bench_layers.strided_runner(case, fmt, mode, x), args.repeat))
                dispatch._SETS["fast"] = fast_set
                keep((label, "torch"), bench_layers.best_time(bench_layers.torch_runner(case, fmt, mode, x), args.repeat))
            if "fashion" in args.only.split(","):
                for name in order:
                    dispatch._SETS["fast"] = sets[name]
                    keep(("fashion_cnn train step b64", name), bench_layers.best_time(fashion_step(), 2 * args.repeat))
            dispatch._SETS["fast"] = fast_set
            print(f"round {round_ + 1} done, load average {os.getloadavg()[0]:.2f}", flush=True)
    print("| row | before ms | after ms | PyTorch ms | before / PyTorch | after / PyTorch |")
    print("|---|---:|---:|---:|---:|---:|")
    labels = [cell[0] for cell in cells] + (["fashion_cnn train step b64"] if ("fashion_cnn train step b64", "after") in best else [])
    for label in labels:
        before, after, peer = best[(label, "before")], best[(label, "after")], best.get((label, "torch"))
        ratios = f"{before / peer:.2f} | {after / peer:.2f}" if peer else "- | -"
        print(f"| {label} | {before * 1e3:.1f} | {after * 1e3:.1f} | {peer * 1e3 if peer else float('nan'):.1f} | {ratios} |")
    print(f"load average at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
