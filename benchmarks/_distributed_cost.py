"""The cost model of data-parallel training: when does summing gradients cost more than computing them?

One step of data-parallel SGD on p machines computes the gradients of each machine's share of
the batch, then sums them over the machines (an allreduce of every trainable parameter's
gradient, float32). A ring allreduce (Patarasuk and Yuan 2009; what NCCL, gloo and MPI use for
large messages) sends each machine's array in p pieces around the ring twice (reduce-scatter,
then allgather): 2 (p - 1) steps, each sending bytes / p. With a per-step latency `alpha`
(seconds) and a link bandwidth `bandwidth` (bytes per second):

    allreduce(p, bytes) = 2 (p - 1) alpha + 2 (p - 1) / p * bytes / bandwidth

The bandwidth term hardly grows with p (it tends to 2 bytes / bandwidth); the latency term grows
linearly. A step takes compute(b) + allreduce(p, bytes) when the two follow each other, and
max(compute(b), allreduce(p, bytes)) at best when the allreduce of the last layers' gradients
overlaps the backward pass of the first ones. The scaling efficiency (throughput of p machines
over p times one machine's) is compute / step.

    >>> round(allreduce_seconds(2, 4e6, 10e9 / 8, 10e-6) * 1e3, 3)   # 1 M parameters, 10 Gb/s
    3.22
"""

GIGABIT = 1e9 / 8  # bytes per second of 1 Gb/s
BANDWIDTHS_GBIT = (10, 25, 100)
MACHINES = (2, 4, 8, 16, 32, 64)
DEFAULT_LATENCY = 10e-6  # seconds per ring step: TCP over Ethernet; RDMA is nearer 2 us


def allreduce_seconds(machines, nbytes, bandwidth, latency=DEFAULT_LATENCY):
    """Ring allreduce time of `nbytes` over `machines` (bandwidth in bytes/s, latency in s)."""
    if machines < 2:
        return 0.0
    steps = 2 * (machines - 1)
    return steps * latency + steps / machines * nbytes / bandwidth


def efficiency(compute, communicate, overlap=False):
    """compute / step time: the share of a step spent computing (1.0 = perfect scaling)."""
    step = max(compute, communicate) if overlap else compute + communicate
    return compute / step if step > 0 else 1.0


def fit_latency_bandwidth(sizes, seconds):
    """(latency, bandwidth) of t = latency + bytes / bandwidth fitted to measured allreduce
    times (p = 2, where 2 (p-1)/p = 1): least squares on the relative error, so the small
    messages (latency) count as much as the large ones (bandwidth). None for fewer than 2 sizes."""
    if len(sizes) < 2 or len(set(sizes)) < 2:
        return None
    # minimise sum ((a + b x - y) / y)^2: the normal equations of a weighted fit, w = 1 / y^2
    w = [1.0 / (y * y) for y in seconds]
    sw = sum(w)
    swx = sum(wi * x for wi, x in zip(w, sizes))
    swy = sum(wi * y for wi, y in zip(w, seconds))
    swxx = sum(wi * x * x for wi, x in zip(w, sizes))
    swxy = sum(wi * x * y for wi, x, y in zip(w, sizes, seconds))
    determinant = sw * swxx - swx * swx
    slope = (sw * swxy - swx * swy) / determinant
    intercept = (swy - slope * swx) / sw
    return max(intercept, 0.0), (1.0 / slope if slope > 0 else float("inf"))


def parameter_counts(include_resnet50=True):
    """{model name: trainable parameters}, counted on strided's own models (gradients summed)."""
    from strided import applications

    models = {
        "mnist-cnn (lesson 000)": applications.mnist_cnn(),
        "cifar-cnn (lesson 001)": applications.cifar_cnn(),
        "fashion-cnn (lesson 002)": applications.fashion_cnn(),
        "ResNet-18 (32x32, 10 classes)": applications.ResNet18(
            weights=None, input_shape=(32, 32, 3), classes=10),
    }
    if include_resnet50:
        models["ResNet-50 (224x224, 1000 classes)"] = applications.ResNet50(weights=None)
    return {name: sum(int(w.size) for w in model.trainable_weights) for name, model in models.items()}


def allreduce_table(params, latency=DEFAULT_LATENCY):
    """Markdown rows: model, gradient MB, bandwidth, then the allreduce in ms for each of MACHINES."""
    lines = ["| model | parameters | gradient MB | link | " + " | ".join(f"p={p}" for p in MACHINES) + " |",
             "| --- | ---: | ---: | --- |" + " ---: |" * len(MACHINES)]
    for name, count in params.items():
        nbytes = 4 * count
        for gbit in BANDWIDTHS_GBIT:
            cells = [f"{allreduce_seconds(p, nbytes, gbit * GIGABIT, latency) * 1e3:.3g}" for p in MACHINES]
            lines.append(f"| {name} | {count:,} | {nbytes / 1e6:.2f} | {gbit} Gb/s | " + " | ".join(cells) + " |")
    return lines


def _batch_of(name, batches):
    return batches.get(name, batches.get("default", 64))


def speedup_table(params, seconds_per_image, global_batches, latency=DEFAULT_LATENCY):
    """Markdown rows: the speedup over one machine of p machines sharing a fixed global batch
    ({model: batch}, "default" for the rest), each computing its B / p images at the measured
    `seconds_per_image` (taken as linear in the batch) then summing the gradients."""
    lines = ["| model | global batch | link | " + " | ".join(f"p={p}" for p in MACHINES) + " |",
             "| --- | ---: | --- |" + " ---: |" * len(MACHINES)]
    for name, count in params.items():
        if seconds_per_image.get(name) is None:
            continue
        batch = _batch_of(name, global_batches)
        whole = seconds_per_image[name] * batch
        for gbit in BANDWIDTHS_GBIT:
            cells = [f"{whole / (whole / p + allreduce_seconds(p, 4 * count, gbit * GIGABIT, latency)):.3g}"
                     for p in MACHINES]
            lines.append(f"| {name} | {batch} | {gbit} Gb/s | " + " | ".join(cells) + " |")
    return lines


def efficiency_table(params, seconds_per_image, batch_per_machine, latency=DEFAULT_LATENCY):
    """Markdown rows: the scaling efficiency (%) with `batch_per_machine` images per machine and
    step (the global batch grows with p), compute at the measured `seconds_per_image`."""
    lines = ["| model | compute ms/step | link | " + " | ".join(f"p={p}" for p in MACHINES) + " |",
             "| --- | ---: | --- |" + " ---: |" * len(MACHINES)]
    for name, count in params.items():
        if seconds_per_image.get(name) is None:
            continue
        compute = seconds_per_image[name] * batch_per_machine
        for gbit in BANDWIDTHS_GBIT:
            cells = [f"{100 * efficiency(compute, allreduce_seconds(p, 4 * count, gbit * GIGABIT, latency)):.0f}"
                     for p in MACHINES]
            lines.append(f"| {name} | {compute * 1e3:,.0f} | {gbit} Gb/s | " + " | ".join(cells) + " |")
    return lines


LEVERS = (  # name, global batch factor, gradient bytes factor, overlap
    ("float32 gradients, allreduce after the backward pass", 1, 1.0, False),
    ("4x the global batch", 4, 1.0, False),
    ("float16 gradients (half the bytes)", 1, 0.5, False),
    ("top-1% sparsification (values + int32 indices: 2% of the bytes)", 1, 0.02, False),
    ("allreduce overlapped with the backward pass (at best)", 1, 1.0, True),
    ("4x batch + float16 + overlap", 4, 0.5, True),
)


def levers_table(params, seconds_per_image, global_batches, machines=64, gbit=10,
                 latency=DEFAULT_LATENCY):
    """Markdown rows: the efficiency of `machines` machines sharing the global batch on a `gbit`
    link, as is and with each lever that moves it."""
    bandwidth = gbit * GIGABIT
    names = [n for n in params if seconds_per_image.get(n) is not None]
    lines = ["| lever | " + " | ".join(names) + " |", "| --- |" + " ---: |" * len(names)]
    for lever, batch_factor, byte_factor, overlap in LEVERS:
        cells = []
        for name in names:
            compute = seconds_per_image[name] * _batch_of(name, global_batches) * batch_factor / machines
            talk = allreduce_seconds(machines, 4 * params[name] * byte_factor, bandwidth, latency)
            cells.append(f"{100 * efficiency(compute, talk, overlap):.0f}%")
        lines.append(f"| {lever} | " + " | ".join(cells) + " |")
    return lines
