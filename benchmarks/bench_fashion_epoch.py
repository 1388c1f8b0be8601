"""Time epochs of the lessons' Fashion-MNIST CNN with strided's fit (batch 64), e.g. to compare
two versions of strided on the same machine, alternating:

    python benchmarks/bench_fashion_epoch.py --images 20000 --epochs 2
    PYTHONPATH=/path/to/other/checkout/src python benchmarks/bench_fashion_epoch.py ...

Prints each epoch's seconds (one process, its kernels on threads). Uses the real Fashion-MNIST
when the machine has it, else the bundled sample (repeated to the number of images).
"""

import argparse
import time

import numpy as np

import strided
from strided.applications import lessons
from strided.datasets import fashion_mnist


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    try:
        (x, y), _ = fashion_mnist.load_data()
    except Exception:  # noqa: BLE001  (no copy here: the bundled sample)
        (x, y), _ = fashion_mnist.load_data(sample=True)
    repeats = -(-args.images // len(x))
    x = np.concatenate([x] * repeats)[:args.images, ..., None].astype("float32") / 255.0
    y = np.concatenate([y] * repeats)[:args.images]
    strided.utils.set_random_seed(0)
    model = lessons.fashion_cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    for epoch in range(args.epochs):
        start = time.perf_counter()
        model.fit(x, y, batch_size=args.batch_size, epochs=1, verbose=0)
        seconds = time.perf_counter() - start
        print(f"epoch {epoch + 1}: {seconds:.2f} s on {strided.get_num_threads()} thread(s), "
              f"strided from {strided.__file__}")


if __name__ == "__main__":
    main()
