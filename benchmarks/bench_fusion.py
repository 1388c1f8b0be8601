"""Model fusion on and off: each application model's prediction with `strided.set_fusion(True)`
and `(False)`, interleaved in one process on the same threads (best of --repeat, --rounds times).

    python benchmarks/bench_fusion.py                                   # ResNet50, MobileNetV2, VGG16
    python benchmarks/bench_fusion.py --only ResNet50 --batches 1,8 --threads 1

What fusion changes for these models: Conv2D / DepthwiseConv2D -> BatchNormalization (-> ReLU)
with moving statistics runs as one convolution with the batch norm folded in
(`strided.models.fusion`, `ops.batch_norm_fold`). Prints milliseconds and the ratio fused/plain
(below 1: fusion is faster).
"""

import argparse
import functools

import numpy as np
from _measure import best_time, machine_lines

import strided
from strided import applications


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="ResNet50,MobileNetV2,VGG16")
    parser.add_argument("--batches", default="1,8")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    strided.set_num_threads(args.threads)
    for line in machine_lines(args.threads):
        print(line)
    print(f"{'model':<14} {'batch':>5} {'fused ms':>10} {'plain ms':>10} {'fused / plain':>14}")
    for name in args.only.split(","):
        model = getattr(applications, name)(weights=None)
        size = model.input_shape[1:]
        for batch in (int(b) for b in args.batches.split(",")):
            x = np.random.default_rng(0).random((batch, *size), np.float32)
            best = {True: float("inf"), False: float("inf")}
            predict = functools.partial(model.predict, x, batch_size=batch, verbose=0)
            for _ in range(args.rounds):
                for fused in (True, False):
                    strided.set_fusion(fused)
                    predict()  # warm-up (and the trace)
                    best[fused] = min(best[fused], best_time(predict, args.repeat))
            strided.set_fusion(True)
            print(f"{name:<14} {batch:>5} {best[True] * 1e3:>10.1f} {best[False] * 1e3:>10.1f} "
                  f"{best[True] / best[False]:>14.2f}")


if __name__ == "__main__":
    main()
