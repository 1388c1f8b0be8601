"""Data-parallel training from 1 to 2 processes on this machine, strided vs PyTorch, and what it costs.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_distributed.py
    python benchmarks/bench_distributed.py --quick        # fashion-cnn only, tiny: a smoke run
    python benchmarks/bench_distributed.py --models resnet18 --modes strided-mpi,torch-ddp

Three parts, one Markdown report (progress on standard error):

1. Scaling. fashion-cnn (lesson 002, Fashion-MNIST, batch 64) and ResNet-18 (random 32x32x3,
   batch 32) trained for an epoch seven ways (`_distributed_train.py`): strided on one process
   and one thread; two such processes at once, independent (their images/s added: what two
   processes get from this machine's cores, the ceiling of any 2-process row); on `--threads`
   threads; under `mpiexec -n 2` (one thread per rank); PyTorch on one thread, on `--threads`
   threads, and as DistributedDataParallel with gloo under `mpiexec -n 2`. The batch is the
   global batch (each of 2 processes computes half of it). Every way runs in its own process or job, the ways one
   after the other, all of them `--rounds` times; each way's fastest epoch is kept: other
   processes on the machine only ever slow a run down.
2. Allreduce (`_distributed_allreduce.py`, under `mpiexec -n 2`): mpi4py's Allreduce, strided's
   `allreduce_sum` and gloo's all_reduce against the message size, and the latency and bandwidth
   fitted to them.
3. The cost model (`_distributed_cost.py`): allreduce time of each lesson model's gradients and of
   ResNet-50's on 10/25/100 Gb/s links for 2-64 machines, against the step time measured here
   (strided, one process on `--threads` threads), and what moves the efficiency.

This is a benchmark, not a test: nothing asserts a time.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _distributed_cost as cost  # noqa: E402
from _measure import cpu_times, environment_warnings, machine_lines, steal_share  # noqa: E402

MARKER = "BENCH_RESULT "
MODES = ("strided-1", "strided-1x2", "strided-threads", "strided-mpi", "torch-1", "torch-threads", "torch-ddp")
LAUNCHED = ("strided-mpi", "torch-ddp")  # run under mpiexec -n 2
MODELS = {"fashion_cnn": 64, "resnet18": 32}  # model -> global batch
COST_MODELS = {  # cost-model name -> (benchmark model, batch) for the step-time measurement
    "mnist-cnn (lesson 000)": ("mnist_cnn", 64),
    "cifar-cnn (lesson 001)": ("cifar_cnn", 64),
    "fashion-cnn (lesson 002)": ("fashion_cnn", 64),
    "ResNet-18 (32x32, 10 classes)": ("resnet18", 32),
    "ResNet-50 (224x224, 1000 classes)": ("resnet50", 4),
}
KiB = 1024


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fashion-cnn only, a few hundred images, one round, three message "
                             "sizes, no ResNet-50 step: a smoke run, NOT representative")
    parser.add_argument("--models", default=None, help="comma-separated: " + ", ".join(MODELS))
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated: " + ", ".join(MODES))
    parser.add_argument("--threads", type=int, default=2, help="cores used by the 2-way runs")
    parser.add_argument("--images", type=int, default=None,
                        help="images per epoch for fashion-cnn (ResNet-18: a tenth)")
    parser.add_argument("--repeats", type=int, default=None, help="timed epochs per run (best kept)")
    parser.add_argument("--rounds", type=int, default=None, help="times every way is run (best kept)")
    parser.add_argument("--no-allreduce", action="store_true", help="skip part 2")
    parser.add_argument("--no-cost", action="store_true", help="skip part 3")
    parser.add_argument("--latency-us", type=float, default=cost.DEFAULT_LATENCY * 1e6,
                        help="the cost model's latency per ring step, microseconds")
    parser.add_argument("--markdown-out", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    quick = args.quick
    args.models = _choose(args.models or ("fashion_cnn" if quick else ",".join(MODELS)), MODELS, "--models")
    args.modes = _choose(args.modes, MODES, "--modes")
    args.images = args.images or (256 if quick else 3200)
    args.repeats = args.repeats or (1 if quick else 2)
    args.rounds = args.rounds or (1 if quick else 2)
    args.sizes = ([4 * KiB, 256 * KiB, 4096 * KiB] if quick else
                  [4 ** k * KiB for k in range(1, 9)])  # 4 KiB .. 64 MiB
    args.allreduce_seconds = 0.05 if quick else 0.3
    return args


def _choose(text, known, option):
    chosen = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in chosen if t not in known]
    if unknown or not chosen:
        raise SystemExit(f"{option}: unknown {unknown or 'empty list'}; choose from {', '.join(known)}")
    return chosen


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_job(script, task, launched, threads, timeout=600):
    """Run `script task` (under `mpiexec -n 2` if `launched`); the rank-0 result dict or an error."""
    env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_free_port()),
               OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    command = [sys.executable, str(HERE / script), json.dumps(task)]
    if launched:
        command = ["mpiexec", "-n", "2"] + command
    try:
        proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"no result within {timeout} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER):])
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"exit {proc.returncode}: {tail}"}


def run_pair(task, threads):
    """Two independent one-process runs of `task` started together (no exchange between them):
    their images/s added are what two processes get from this machine's cores at best."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        pair = list(pool.map(lambda _: run_job("_distributed_train.py", task, False, threads), range(2)))
    failed = [r for r in pair if "error" in r]
    if failed:
        return failed[0]
    images_per_second = sum(task["images"] / r["seconds"] for r in pair)
    return {"seconds": task["images"] / images_per_second, "processes": 2, "version": pair[0]["version"]}


def train_task(model, mode, args, images=None, batch=None):
    count = images or (args.images if model == "fashion_cnn" else max(args.images // 10, 2 * MODELS[model]))
    return {"mode": mode, "model": model, "batch": batch or MODELS[model], "images": count,
            "repeats": args.repeats, "threads": args.threads}


def _threads_of(mode, args):
    return args.threads if mode in ("strided-threads", "torch-threads") else 1


def measure_scaling(args, log):
    """{(model, mode): result with "images_per_second"}, each way's best over the rounds."""
    results = {}
    for round_index in range(args.rounds):
        for model in args.models:
            for mode in args.modes:
                task = train_task(model, mode, args)
                before, start = cpu_times(), time.perf_counter()
                if mode == "strided-1x2":
                    result = run_pair(dict(task, mode="strided-1"), 1)
                else:
                    result = run_job("_distributed_train.py", task, mode in LAUNCHED, _threads_of(mode, args))
                result["steal"] = steal_share(before, cpu_times())
                if "seconds" in result:
                    result["images_per_second"] = task["images"] / result["seconds"]
                kept = results.get((model, mode))
                if kept is None or "error" in kept or ("seconds" in result and result["seconds"] < kept["seconds"]):
                    results[(model, mode)] = result
                shown = result.get("error") or f"{result['images_per_second']:.0f} images/s"
                log(f"  round {round_index + 1} {model:12s} {mode:16s} {shown} "
                    f"({time.perf_counter() - start:.1f} s wall)")
    return results


def _ips(results, model, mode):
    result = results.get((model, mode), {})
    return result.get("images_per_second")


def scaling_lines(results, args):
    lines = ["| model | batch | way | processes x threads | images/s | speedup over 1 core | "
             "efficiency | of 2 independent processes | vs PyTorch DDP |",
             "| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for model in args.models:
        for mode in args.modes:
            result = results.get((model, mode))
            if result is None:
                continue
            framework = mode.split("-")[0]
            if "error" in result:
                lines.append(f"| {model} | {MODELS[model]} | {mode} | | error: {result['error']} | | | | |")
                continue
            layout = ("2 x 1" if mode in LAUNCHED else "2 x 1, independent" if mode == "strided-1x2" else
                      f"{result.get('processes', 1)} x {_threads_of(mode, args) // max(result.get('processes', 1), 1)}")
            ips = result["images_per_second"]
            base = _ips(results, model, f"{framework}-1")
            cores = 1 if mode.endswith("-1") else (2 if mode in LAUNCHED + ("strided-1x2",) else args.threads)
            speedup = f"{ips / base:.2f}" if base else "-"
            eff = f"{100 * ips / base / cores:.0f}%" if base else "-"
            ddp = _ips(results, model, "torch-ddp")
            versus = f"{ips / ddp:.2f}" if ddp else "-"
            ceiling = _ips(results, model, "strided-1x2")  # what 2 processes get here at best
            share = f"{100 * ips / ceiling:.0f}%" if ceiling and cores == 2 else "-"
            lines.append(f"| {model} | {MODELS[model]} | {mode} | {layout} | {ips:.0f} | {speedup} | "
                         f"{eff} | {share} | {versus} |")
    return lines


def measure_allreduce(args, log):
    log(f"  allreduce, {len(args.sizes)} sizes, mpiexec -n 2 ...")
    task = {"sizes": args.sizes, "seconds": args.allreduce_seconds}
    return run_job("_distributed_allreduce.py", task, True, 1)


def allreduce_lines(outcome):
    if "error" in outcome:
        return [f"allreduce benchmark failed: {outcome['error']}"]
    res = {name: ({int(size): t for size, t in times.items()} if "error" not in times else times)
           for name, times in outcome["results"].items()}  # JSON made the sizes strings
    strided_ok = "error" not in res["strided"]
    lines = ["| bytes | mpi4py Allreduce ms | strided allreduce_sum ms | gloo all_reduce ms | "
             "mpi4py bus GB/s | strided / mpi4py | gloo / mpi4py |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for size, mpi in res["mpi4py"].items():
        gloo = res["gloo"][size]
        ours = res["strided"].get(size) if strided_ok else None
        bus = size / mpi / 1e9  # 2 (p-1)/p = 1 for p = 2
        lines.append(f"| {size:,} | {mpi * 1e3:.3g} | {ours * 1e3 if ours else float('nan'):.3g} | "
                     f"{gloo * 1e3:.3g} | {bus:.2f} | {ours / mpi if ours else float('nan'):.2f} | "
                     f"{gloo / mpi:.2f} |")
    lines.append("")
    for name in ("mpi4py", "strided", "gloo"):
        if name == "strided" and not strided_ok:
            lines.append(f"- strided: {res['strided']['error']}")
            continue
        sizes = list(res[name])
        fitted = cost.fit_latency_bandwidth(sizes, list(res[name].values()))
        if fitted:
            lines.append(f"- {name}: fitted t = {fitted[0] * 1e6:.0f} us + bytes / ({fitted[1] / 1e9:.2f} GB/s)")
    return lines


def measure_step_times(args, scaling, log):
    """{cost-model name: seconds per training image}: strided, one process, `--threads` threads."""
    seconds = {}
    for name, (model, batch) in COST_MODELS.items():
        known = scaling.get((model, "strided-threads"), {})
        if "seconds" in known:
            seconds[name] = known["seconds"] / train_task(model, "strided-threads", args)["images"]
            continue
        if model == "resnet50" and args.quick:
            seconds[name] = None
            continue
        images = 2 * batch if model == "resnet50" else (4 if args.quick else 16) * batch
        task = train_task(model, "strided-threads", args, images=images, batch=batch)
        task["repeats"] = 1 if model == "resnet50" else args.repeats
        result = run_job("_distributed_train.py", task, False, args.threads)
        seconds[name] = result["seconds"] / images if "seconds" in result else None
        log(f"  step time {model}: " + (result.get("error") or f"{1e3 * seconds[name]:.3g} ms per image"))
    return seconds


def _milliseconds(seconds):
    if seconds is None:
        return "not measured"
    return f"{seconds * 1e3:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1e3:.3g} ms"


GLOBAL_BATCHES = {"ResNet-50 (224x224, 1000 classes)": 256, "default": 64}  # the lessons' batch


def cost_lines(args, seconds_per_image):
    latency = args.latency_us * 1e-6
    params = cost.parameter_counts(include_resnet50=True)
    measured = ", ".join(f"{n}: {_milliseconds(s)}" for n, s in seconds_per_image.items())
    lines = [f"Ring allreduce of the float32 gradients (trainable parameters counted on strided's "
             f"models), milliseconds, latency {args.latency_us:g} us per ring step:", ""]
    lines += cost.allreduce_table(params, latency)
    lines += ["", f"Measured here (strided, one process, {args.threads} threads, best run), seconds "
              f"per training image: {measured}", "",
              "Speedup over one machine when p machines share the global batch (64; ResNet-50: "
              "256), each computing as this one:", ""]
    lines += cost.speedup_table(params, seconds_per_image, GLOBAL_BATCHES, latency)
    lines += ["", "Efficiency (%) when each machine keeps 64 images per step (the global batch "
              "grows with p):", ""]
    lines += cost.efficiency_table(params, seconds_per_image, 64, latency)
    lines += ["", "What moves it: efficiency of 64 machines sharing the global batch on 10 Gb/s links:", ""]
    lines += cost.levers_table(params, seconds_per_image, GLOBAL_BATCHES, machines=64, gbit=10,
                               latency=latency)
    return lines


def main(argv=None):
    """Run the benchmark; print and return the Markdown report."""
    args = parse_args(argv)
    log = lambda message: print(message, file=sys.stderr, flush=True)
    warnings = environment_warnings()
    for warning in warnings:
        log(warning)
    lines = ["# Data-parallel training on this machine", ""]
    lines += [f"- {line}" for line in machine_lines(args.threads)] + [f"- {w}" for w in warnings]
    lines += [f"- {args.rounds} round(s) of every way, each keeping the fastest of {args.repeats} "
              "epoch(s); the best round is shown (other processes on the machine only slow runs down)"]
    scaling = {}
    if args.modes:
        log(f"scaling: {', '.join(args.models)} x {len(args.modes)} ways x {args.rounds} round(s)")
        scaling = measure_scaling(args, log)
        lines += ["", "## Scaling from 1 to 2 processes", ""] + scaling_lines(scaling, args)
        stolen = [f"{m}/{w}: {r['steal']:.0%}" for (m, w), r in scaling.items() if (r.get("steal") or 0) > 0.05]
        if stolen:
            lines += ["", "CPU time stolen by the hypervisor during the kept runs: " + ", ".join(stolen)]
    if not args.no_allreduce:
        lines += ["", "## Allreduce, 2 ranks on this machine (shortest call)", ""]
        lines += allreduce_lines(measure_allreduce(args, log))
    if not args.no_cost:
        lines += ["", "## Cost model", ""] + cost_lines(args, measure_step_times(args, scaling, log))
    report = "\n".join(lines) + "\n"
    print(report)
    if args.markdown_out:
        tmp = args.markdown_out.with_name(args.markdown_out.name + ".tmp")
        tmp.write_text(report)
        os.replace(tmp, args.markdown_out)
    return report


if __name__ == "__main__":
    main()
