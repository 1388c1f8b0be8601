"""The README's code runs as printed (on a slice of the data, one epoch): the Keras and the
PyTorch examples, and the engine's one-liner; its claims about their output hold."""

import contextlib
import io
import os
import pathlib
import re

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def block_with(marker):
    found = [block for block in BLOCKS if marker in block]
    assert len(found) == 1, marker
    return found[0]


def run(code, tmp_path, substitutions):
    for old, new in substitutions:
        assert old in code, old
        code = code.replace(old, new)
    output = io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(output):
            exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
    finally:
        os.chdir(cwd)
    return output.getvalue()


def test_the_keras_example(tmp_path):
    code = block_with("import strided as keras")
    printed = run(code, tmp_path, [
        ("keras.datasets.fashion_mnist.load_data()",
         "keras.datasets.fashion_mnist.load_data(sample=True)"),
        ("model.fit(x_train / 255.0, y_train, epochs=5,", "model.fit(x_train[:256] / 255.0, y_train[:256], epochs=1,"),
        ("model.evaluate(x_test / 255.0, y_test)", "model.evaluate(x_test[:64] / 255.0, y_test[:64])"),
    ])
    assert "243,786" in printed                                   # the summary's total
    assert (tmp_path / "fashion.keras").is_file() and (tmp_path / "fashion.onnx").is_file()


def test_the_pytorch_example(tmp_path):
    code = block_with("import strided.torch as torch")
    printed = run(code, tmp_path, [
        ('datasets.FashionMNIST("data", train=True, transform=transforms.ToTensor())',
         'torch.utils.data.Subset(datasets.FashionMNIST("data", train=True, '
         'transform=transforms.ToTensor(), sample=True), range(128))'),
    ])
    numbers = [float(n) for n in re.findall(r"\d+\.", printed)]
    assert numbers == [1.0, 2.0, 2.0, 4.0]                        # lesson 004's example
    import torch as real_torch

    state = real_torch.load(tmp_path / "model.pt", weights_only=True)
    assert set(state) >= {"0.weight", "1.running_mean", "5.weight"}
    assert tuple(state["5.weight"].shape) == (10, 16 * 14 * 14)


def test_the_engine_example():
    code = block_with("from strided import ops, Tensor")
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["y"].shape == (8, 14, 14, 32)
    assert namespace["x"].grad.shape == (8, 28, 28, 1) and np.abs(namespace["w"].grad).sum() > 0
