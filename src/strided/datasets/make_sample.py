"""Build the bundled Fashion-MNIST sample from the full dataset (reproducible: fixed seed).

    python -m strided.datasets.make_sample [--path /usr/share/datasets/fashion-mnist]

Chooses, with `numpy.random.default_rng(SEED)`, 300 training images of each class (3,000) and
100 test images of each class (1,000) without replacement, keeps them in their original order, and
writes `sample/fashion_mnist_sample.npz` (compressed; x_train, y_train, x_test, y_test and the chosen
indices train_indices, test_indices) and `sample/README.md`, both atomically. Re-running it on the
same data gives the same arrays (the README lists their SHA-256, which the tests check).
"""

import argparse
import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

SEED = 20170825  # Fashion-MNIST's release date
TRAIN_PER_CLASS, TEST_PER_CLASS = 300, 100
SAMPLE_DIR = Path(__file__).parent / "sample"


def choose(labels, per_class, rng):
    """Sorted indices of `per_class` items of each class 0-9, drawn without replacement."""
    picks = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in range(10)]
    return np.sort(np.concatenate(picks)).astype(np.uint16)


def array_digest(array):
    """SHA-256 of an array's bytes in C order (stable across file containers)."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def build(x_train, y_train, x_test, y_test, seed=SEED):
    """The sample's arrays as a dict, chosen from the full dataset."""
    rng = np.random.default_rng(seed)
    train_indices = choose(y_train, TRAIN_PER_CLASS, rng)
    test_indices = choose(y_test, TEST_PER_CLASS, rng)
    return {
        "x_train": x_train[train_indices],
        "y_train": y_train[train_indices],
        "x_test": x_test[test_indices],
        "y_test": y_test[test_indices],
        "train_indices": train_indices,
        "test_indices": test_indices,
    }


def _write_atomically(path, write):
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    try:
        write(temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


README = """# Bundled Fashion-MNIST sample

`fashion_mnist_sample.npz` is a small, class-balanced subset of **Fashion-MNIST**
(Han Xiao, Kashif Rasul, Roland Vollgraf, Zalando Research, 2017,
<https://github.com/zalandoresearch/fashion-mnist>, arXiv:1708.07747), so the quickstart and the
examples run offline: `strided.datasets.fashion_mnist.load_data(sample=True)`.

License: Fashion-MNIST is released under the MIT License, Copyright (c) 2017 Zalando SE,
<https://github.com/zalandoresearch/fashion-mnist/blob/master/LICENSE>. The sample is a verbatim
subset of its images and labels.

## Contents (uint8, loaded with `np.load(..., allow_pickle=False)`)

| array | shape | what |
|---|---|---|
| x_train | {x_train} | training images, {train_per_class} per class |
| y_train | {y_train} | their labels 0-9 |
| x_test | {x_test} | test images, {test_per_class} per class |
| y_test | {y_test} | their labels 0-9 |
| train_indices | {train_indices} | positions in the official 60,000-image training set (uint16) |
| test_indices | {test_indices} | positions in the official 10,000-image test set (uint16) |

## How it was made

`python -m strided.datasets.make_sample` (the script is `strided/datasets/make_sample.py`) read the
official files, verified against their pinned SHA-256 (source: {source}), then with
`numpy.random.default_rng({seed})` drew {train_per_class} training and {test_per_class} test images of
each class without replacement (classes 0 to 9 in turn, training set first) and kept them in their
original order. All chosen indices are stored in the file itself (train_indices, test_indices);
they begin {train_head} (training) and {test_head} (test).

SHA-256 of each array's bytes (C order), checked by the tests:

{digests}
"""


def main(argv=None):
    from strided.datasets import fashion_mnist

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default=None, help="folder with the four Fashion-MNIST files")
    args = parser.parse_args(argv)
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(path=args.path, download=False)
    arrays = build(x_train, y_train, x_test, y_test)
    npz_path = SAMPLE_DIR / "fashion_mnist_sample.npz"

    def write_npz(temporary):
        with open(temporary, "wb") as f:
            np.savez_compressed(f, **arrays)

    _write_atomically(npz_path, write_npz)
    text = README.format(
        **{k: tuple(v.shape) for k, v in arrays.items()},
        train_per_class=TRAIN_PER_CLASS,
        test_per_class=TEST_PER_CLASS,
        seed=SEED,
        source=fashion_mnist.source,
        train_head=", ".join(map(str, arrays["train_indices"][:8])) + ", ...",
        test_head=", ".join(map(str, arrays["test_indices"][:8])) + ", ...",
        digests="\n".join(f"- `{k}`: `{array_digest(v)}`" for k, v in arrays.items()),
    )
    _write_atomically(SAMPLE_DIR / "README.md", lambda p: Path(p).write_text(text))
    print(f"wrote {npz_path} ({npz_path.stat().st_size:,} bytes) and README.md")


if __name__ == "__main__":
    main()
