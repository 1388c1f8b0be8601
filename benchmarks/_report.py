"""The benchmark's Markdown report: machine, results table, strided's scaling checks, notes.

Table columns: model, task (with its unit), batch, the time of strided / PyTorch / Keras-TF,
strided / fastest peer (below 1 is faster, the peer named), and for strided: images/s, peak RSS
of its process in MB, achieved GFLOP/s (FLOPs counted analytically, see _flops.py).
"""

NAMES = {"strided": "strided", "torch": "PyTorch", "keras": "Keras/TF"}
COLUMNS = ("model", "task", "batch", "strided", "PyTorch", "Keras/TF", "strided / fastest peer",
           "images/s", "peak MB", "GFLOP/s")


RATE_CHANGE_WARNING = 0.15  # the matmul rate at the end vs the start: a note above this
STEAL_WARNING = 0.05  # a measurement that lost more CPU time than this to the hypervisor is noted


def _number(value):
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _ratio(values):
    """'0.93 (PyTorch)': strided over the fastest (smallest) peer value, or '-'."""
    peers = {f: v for f, v in values.items() if f != "strided" and v is not None}
    if values.get("strided") is None or not peers:
        return "-"
    fastest = min(peers, key=peers.get)
    return f"{values['strided'] / peers[fastest]:.2f} ({NAMES[fastest]})"


def _task(row, args):
    """(task text with unit, unit scale, images per measured duration, FLOP kind)."""
    if row.kind == "train_epoch":
        return f"train 1 epoch, {args.images:,} images (s)", 1, args.images, "training"
    if row.kind == "predict":
        return f"predict {args.test_images:,} test images (s)", 1, args.test_images, "forward"
    if row.kind == "latency":
        return "latency, 1 image (ms)", 1e3, 1, "forward"
    return "train step (ms)", 1e3, row.batch, "training"


def _line(cells):
    return "| " + " | ".join(str(c) for c in cells) + " |"


def results_table(rows, results, frameworks, flops, args):
    lines = [_line(COLUMNS), _line(["---"] * len(COLUMNS))]
    for row in rows:
        if row.kind in ("linearity", "epochs"):
            continue
        text, scale, images, flop_kind = _task(row, args)
        measured = results[row.id]
        seconds = {f: measured.get(f, {}).get("seconds") for f in NAMES}
        values = {f: (s * scale if s is not None else None) for f, s in seconds.items()}
        strided = measured.get("strided", {})
        rate = gflops = None
        if seconds["strided"]:
            rate = images / seconds["strided"]
            gflops = getattr(flops[row.model], flop_kind) * rate / 1e9
        lines.append(_line([
            row.model, text, row.batch, *(_number(values[f]) for f in NAMES), _ratio(values),
            _number(rate), _number(strided.get("peak_mb")), _number(gflops),
        ]))
        if row.id == "train-fashion-b64":
            peaks = {f: measured.get(f, {}).get("peak_mb") for f in NAMES}
            lines.append(_line([row.model, "peak RSS while training (MB)", row.batch,
                                *(_number(peaks[f]) for f in NAMES), _ratio(peaks),
                                "-", _number(peaks["strided"]), "-"]))
    return lines


def scaling_table(rows, results, images):
    lines = []
    for row in rows:
        result = results.get(row.id, {}).get("strided")
        if row.kind not in ("linearity", "epochs") or not result or "error" in result:
            continue
        if not lines:
            lines = [_line(("strided check", "N images", "first (s)", "second (s)", "ratio",
                            "target")), _line(["---"] * 6)]
        if row.kind == "linearity":
            first, second = result["seconds"], result["double"]
            lines.append(_line(("1 epoch of N vs of 2N images", f"{images:,}", _number(first),
                                _number(second), f"{second / first:.2f}", "2.00 +- 10%")))
        else:
            first, second = result["seconds"], result["second"]
            lines.append(_line(("epoch 1 vs epoch 2 of fit(epochs=2)", f"{images:,}",
                                _number(first), _number(second), f"{second / first:.2f}",
                                "<= 1.00")))
    return lines


def notes(rows, results, flops, args, peak):
    best, shapes, *after = peak
    conv_shaped = max((g for shape, g in shapes.items() if "2048" not in shape), default=best)
    fashion = flops["fashion_cnn"]
    bound = fashion.training * args.images / 1e9
    out = [
        f"- float32 matmul (NumPy, {args.threads} threads, best of a few runs): "
        + ", ".join(f"{shape}: {g:.0f}" for shape, g in shapes.items())
        + f" GFLOP/s; **{conv_shaped:.0f} GFLOP/s on conv-shaped matrices**, {best:.0f} at best. "
        f"A fashion-cnn training step is {fashion.training / 1e6:.1f} MFLOP per image (forward "
        f"{fashion.forward / 1e6:.1f}), so {args.images:,} images cannot train in less than "
        f"{bound / conv_shaped:.2f} s at the conv-shaped rate ({bound / best:.2f} s at the best).",
        "- FLOPs: 2 per multiply-add of Conv2D/Dense only; training = 3x forward, 2x for the first "
        "layer (no input gradient). GFLOP/s and images/s are strided's.",
    ]
    stolen = [(result["steal"], row.id, framework) for row in rows
              for framework, result in results.get(row.id, {}).items() if result.get("steal") is not None]
    if stolen:
        share, row_id, framework = max(stolen)
        distorted = sorted({f"{r} ({NAMES[f]})" for s, r, f in stolen if s > STEAL_WARNING})
        out.append(
            f"- CPU time stolen by the hypervisor (other virtual machines) during the kept "
            f"measurements: at most {share:.0%} ({row_id}, {NAMES[framework]}); "
            + (f"above {STEAL_WARNING:.0%}, so distorted: {', '.join(distorted)}." if distorted
               else f"none above {STEAL_WARNING:.0%}.")
        )
    if after and abs(after[0] / best - 1) > RATE_CHANGE_WARNING:
        out.append(
            f"- The machine's float32 matmul rate changed during the run: {best:.0f} GFLOP/s at the "
            f"start, {after[0]:.0f} at the end (a core can slow down with no time stolen: a lower "
            "clock, a neighbour on the same physical core). Rows measured in between may have seen "
            "either: compare the frameworks within a row (measured back to back), not rows with each other."
        )
    if args.rounds > 1:
        out.append(f"- Each row measured in {args.rounds} rounds (frameworks back to back in each); "
                   "each framework's best is kept (for the checks, each of the two times' best).")
    for row in rows:
        for framework, result in results.get(row.id, {}).items():
            if "note" in result:
                out.append(f"- {row.id}, {NAMES[framework]}: {result['note']}")
            if "error" in result:
                out.append(f"- {row.id}, {NAMES[framework]}: FAILED {result['error']}")
    return out


def format_report(rows, results, frameworks, flops, args, machine, warnings, peak):
    """The whole report as one Markdown string."""
    title = "quick run: small N, not representative" if args.quick else "full run"
    parts = [f"### strided vs {', '.join(NAMES[f] for f in frameworks[1:]) or 'nothing'} "
             f"({title})", "", *(f"- {line}" for line in machine)]
    if warnings:
        parts += ["", *(f"> {w}" for w in warnings)]
    parts += ["", *results_table(rows, results, frameworks, flops, args)]
    scaling = scaling_table(rows, results, args.linearity_images)
    if scaling:
        parts += ["", *scaling]
    parts += ["", *notes(rows, results, flops, args, peak)]
    return "\n".join(parts) + "\n"
