"""More real PyTorch programs, kept verbatim in tests/torch/programs/, run on strided.torch with
only their import lines rewritten (`import torch` -> `import strided.torch as torch`, `from
torchvision import ...` -> `from strided.torchvision import ...`, ...).

The programs are pytorch/tutorials' beginner tutorials (BSD-3-Clause):
- beginner_source/basics/quickstart_tutorial.py   (commit afcd669d)
- beginner_source/basics/tensorqs_tutorial.py     (commit 7a5420a2)
- beginner_source/basics/buildmodel_tutorial.py   (commit c53e7d4e)
- beginner_source/basics/autogradqs_tutorial.py   (commit db77dcf6)
- beginner_source/basics/optimization_tutorial.py (commit 802d6867)
- beginner_source/nn_tutorial.py                  (commit 764a8d6a)
- beginner_source/transfer_learning_tutorial.py   (commit 74ba612b)
- beginner_source/basics/data_tutorial.py         (commit f3392fc9)
- beginner_source/basics/transforms_tutorial.py   (commit 2aabe77e)
- beginner_source/introyt/trainingyt.py           (commit db77dcf6)
- beginner_source/introyt/modelsyt_tutorial.py    (commit c53e7d4e)
- beginner_source/blitz/autograd_tutorial.py      (commit 56d1da96, the Variable-era version)
- beginner_source/introyt/tensors_deeper_tutorial.py (commit ef26e61a)
and pytorch/examples' (BSD-3-Clause) dcgan/main.py (commit 13caa078), siamese_network/main.py
(commit f62b4aec) and the 2018 mnist/main.py (commit f15fac72: Dropout2d, size_average=False,
output.max(1, keepdim=True)[1]), run with their own command-line options.

To keep each run to seconds, a test may change a constant line (an epoch count, a learning rate),
each named in the test and each required to occur exactly once in the program, and the data is a
slice of the real Fashion-MNIST (the first few thousand images of each split). The assertions
compare with real PyTorch 2.13 where the output is deterministic, and check that training learns.
"""

import functools
import gzip
import pickle
import re
import struct
from pathlib import Path

import numpy as np
import pytest

PROGRAMS = Path(__file__).parent / "programs"
SYSTEM = Path("/usr/share/datasets/fashion-mnist")
needs_fashion_mnist = pytest.mark.skipif(not SYSTEM.is_dir(), reason="apt-get install dataset-fashion-mnist")

_IMPORTS = (
    (re.compile(r"^(\s*)import (torchvision|torch)((?:\.\w+)*) as (\w+)\s*$"), r"\1import strided.\2\3 as \4"),
    (re.compile(r"^(\s*)import (torchvision|torch)\s*$"), r"\1import strided.\2 as \2"),
    # `import torch.nn.parallel` loads the submodule and binds `torch`: the same, from strided
    (re.compile(r"^(\s*)import (torchvision|torch)((?:\.\w+)+)\s*$"), r"\1import strided.\2\3; import strided.\2 as \2"),
    (re.compile(r"^(\s*)from (torchvision|torch)((?:\.\w+)*) import "), r"\1from strided.\2\3 import "),
)


def rewrite_imports(text):
    """The program with its torch/torchvision import lines pointing at strided (nothing else changed)."""
    lines = []
    for line in text.splitlines():
        for pattern, replacement in _IMPORTS:
            if pattern.match(line):
                line = pattern.sub(replacement, line)
                break
        lines.append(line)
    return "\n".join(lines) + "\n"


def program_text(name, constants=()):
    """The program `name`, with each (old line, new line) of `constants` replaced (each must occur once)."""
    text = (PROGRAMS / name).read_text()
    for old, new in constants:
        assert text.count(old) == 1, f"{name}: {old!r} should occur exactly once"
        text = text.replace(old, new)
    return text


def run_program(name, directory, monkeypatch, constants=(), strided=True, argv=()):
    """Run the program as `__main__` in `directory` with command-line `argv`; returns its global variables."""
    monkeypatch.chdir(directory)
    monkeypatch.setattr("sys.argv", [name, *argv])
    monkeypatch.setenv("MPLBACKEND", "Agg")
    text = program_text(name, constants)
    if strided:
        text = rewrite_imports(text)
    _seed_everything(0)  # the programs draw their initial weights and batches at random
    namespace = {"__name__": "__main__", "__file__": str(PROGRAMS / name)}
    exec(compile(text, str(PROGRAMS / name), "exec"), namespace)  # noqa: S102 - the program under test
    return namespace


def _seed_everything(seed):
    import random

    import torch

    import strided.torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    strided.torch.manual_seed(seed)


@functools.lru_cache(maxsize=1)
def _fashion_mnist_slice():
    from strided.datasets import fashion_mnist

    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(download=False)
    return (x_train[:2000].copy(), y_train[:2000].copy()), (x_test[:500].copy(), y_test[:500].copy())


@pytest.fixture
def fashion_subset(monkeypatch):
    """strided's Fashion-MNIST loader returns the first 2,000 training and 500 test images of the real data."""
    from strided.datasets import fashion_mnist
    from strided.torchvision.datasets import vision

    subset = _fashion_mnist_slice()
    monkeypatch.setattr(fashion_mnist, "load_data", lambda *args, **kwargs: subset)
    monkeypatch.setattr(vision, "_LOADED", {})
    return subset


def _accuracies(printed):
    return [float(value) for value in re.findall(r"Accuracy: ([0-9.]+)%", printed)]


def _real_neural_network():
    """The tutorials' NeuralNetwork (Flatten, then Linear-ReLU-Linear-ReLU-Linear) in real PyTorch."""
    import torch

    model = torch.nn.Module()
    model.flatten = torch.nn.Flatten()
    model.linear_relu_stack = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512),
                                                  torch.nn.ReLU(), torch.nn.Linear(512, 10))
    model.forward = lambda x: model.linear_relu_stack(model.flatten(x))
    return model


def _real_torch_outputs(state_dict_path, images):
    """The quickstart's model in real PyTorch, loaded from the file strided saved."""
    import torch

    model = _real_neural_network()
    model.load_state_dict(torch.load(state_dict_path, weights_only=True))
    with torch.no_grad():
        return model(torch.from_numpy(images)).numpy()


# ---------------------------------------------------------------------------------- the tests
@needs_fashion_mnist
def test_quickstart_tutorial(tmp_path, monkeypatch, capsys, fashion_subset):
    namespace = run_program("quickstart_tutorial.py", tmp_path, monkeypatch, constants=[
        ("epochs = 5", "epochs = 2"),
        ("optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)",
         "optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)"),
    ])
    printed = capsys.readouterr().out
    assert "Shape of X [N, C, H, W]: torch.Size([64, 1, 28, 28])\nShape of y: torch.Size([64]) torch.int64" in printed
    assert "(linear_relu_stack): Sequential(\n    (0): Linear(in_features=784, out_features=512, bias=True)" in printed
    accuracies = _accuracies(printed)
    assert len(accuracies) == 2 and accuracies[-1] > 60.0, printed  # ten classes: chance is 10%
    assert "Saved PyTorch Model State to model.pth" in printed and 'Predicted: "' in printed
    # the saved weights open in real PyTorch (weights_only=True) and give strided's outputs
    images = (fashion_subset[1][0][:32].astype(np.float32) / 255.0)[:, None]
    import strided.torch

    with strided.torch.no_grad():
        ours = namespace["model"](strided.torch.from_numpy(images)).numpy()
    np.testing.assert_allclose(ours, _real_torch_outputs(tmp_path / "model.pth", images), rtol=1e-4, atol=1e-5)


@needs_fashion_mnist
def test_optimization_tutorial(tmp_path, monkeypatch, capsys, fashion_subset):
    run_program("optimization_tutorial.py", tmp_path, monkeypatch, constants=[
        ("epochs = 10", "epochs = 3"),
        ("learning_rate = 1e-3", "learning_rate = 1e-1"),
    ])
    printed = capsys.readouterr().out
    accuracies = _accuracies(printed)
    losses = [float(value) for value in re.findall(r"Avg loss: ([0-9.]+)", printed)]
    assert len(accuracies) == 3 and accuracies[-1] > 60.0, printed
    assert losses[-1] < losses[0], printed
    assert printed.rstrip().endswith("Done!")


def _without_random_blocks(printed):
    """The output with the values of `Random Tensor:` blocks removed (the generators differ)."""
    return re.sub(r"Random Tensor: \n tensor\(\[\[[^)]*\]\]\) \n", "Random Tensor: <values>\n", printed)


def test_tensors_tutorial_prints_what_pytorch_prints(tmp_path, monkeypatch, capsys):
    run_program("tensorqs_tutorial.py", tmp_path, monkeypatch, strided=False)
    theirs = _without_random_blocks(capsys.readouterr().out)
    run_program("tensorqs_tutorial.py", tmp_path, monkeypatch)
    ours = _without_random_blocks(capsys.readouterr().out)
    assert "Random Tensor: <values>" in ours and "t: tensor([2., 2., 2., 2., 2.], dtype=torch.float64)" in ours
    assert ours == theirs


def test_autograd_tutorial_gradients_equal_pytorchs(tmp_path, monkeypatch, capsys):
    import torch

    namespace = run_program("autogradqs_tutorial.py", tmp_path, monkeypatch)
    ours = capsys.readouterr().out
    w = torch.from_numpy(namespace["w"].detach().numpy()).requires_grad_()
    b = torch.from_numpy(namespace["b"].detach().numpy()).requires_grad_()
    loss = torch.nn.functional.binary_cross_entropy_with_logits(torch.matmul(torch.ones(5), w) + b, torch.zeros(3))
    loss.backward()
    np.testing.assert_allclose(namespace["w"].grad.numpy(), w.grad.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(namespace["b"].grad.numpy(), b.grad.numpy(), rtol=1e-6, atol=1e-7)
    assert re.search(r"Gradient function for z = <AddBackward0 object at 0x[0-9a-f]+>", ours)
    assert "True\nFalse\nFalse\n" in ours
    run_program("autogradqs_tutorial.py", tmp_path, monkeypatch, strided=False)
    theirs = capsys.readouterr().out
    jacobian = ours.index("First call")
    assert ours[jacobian:] == theirs[theirs.index("First call"):]  # deterministic: torch.eye(4, 5)


def test_build_model_tutorial(tmp_path, monkeypatch, capsys):
    import torch

    namespace = run_program("buildmodel_tutorial.py", tmp_path, monkeypatch)
    printed = capsys.readouterr().out
    real = _real_neural_network()
    real.load_state_dict({key: torch.from_numpy(value.numpy()) for key, value in namespace["model"].state_dict().items()})
    with torch.no_grad():
        expected = real(torch.from_numpy(namespace["X"].numpy()))
    np.testing.assert_allclose(namespace["logits"].detach().numpy().shape, (3, 10))
    assert f"Predicted class: tensor([{int(expected.argmax(1))}])" in printed
    assert "Layer: linear_relu_stack.4.bias | Size: torch.Size([10]) | Values : tensor([" in printed
    assert re.search(r"After ReLU: tensor\(\[\[[0-9. ,\n\[\]]+\]\], grad_fn=<ReluBackward0>\)", printed)
    # a (2, 784) slice of a weight prints as PyTorch prints it (summarized, 4 decimals, 80 columns)
    weight = namespace["model"].state_dict()["linear_relu_stack.0.weight"][:2]
    assert repr(weight) == repr(torch.from_numpy(weight.numpy()))


@needs_fashion_mnist
def test_what_is_torch_nn_really_tutorial(tmp_path, monkeypatch, capsys, fashion_subset):
    (x_train, y_train), (x_test, y_test) = fashion_subset
    flat = lambda images: (images.reshape(len(images), -1) / 255.0).astype(np.float32)  # noqa: E731
    # the tutorial reads data/mnist/mnist.pkl.gz (downloading it when missing): here, real Fashion-MNIST
    # images in that file's layout (flattened float32 in [0, 1], int64 labels)
    (tmp_path / "data" / "mnist").mkdir(parents=True)
    with gzip.open(tmp_path / "data" / "mnist" / "mnist.pkl.gz", "wb") as file:
        pickle.dump(((flat(x_train), y_train.astype(np.int64)), (flat(x_test), y_test.astype(np.int64)),
                     (flat(x_test[:10]), y_test[:10].astype(np.int64))), file)
    namespace = run_program("nn_tutorial.py", tmp_path, monkeypatch)
    printed = capsys.readouterr().out
    assert "torch.Size([2000, 784])\ntensor(0) tensor(9)\n" in printed
    assert re.search(r"grad_fn=<SelectBackward0>\) torch.Size\(\[64, 10\]\)", printed)
    validation = [float(value) for value in re.findall(r"^1 ([0-9.]+)$", printed, flags=re.M)]
    assert len(validation) >= 5 and validation[-1] < 2.0, printed  # ln(10) = 2.30 is a guess
    import strided.torch as torch

    model, valid_dl = namespace["model"], namespace["valid_dl"]
    model.eval()
    with torch.no_grad():
        correct = sum(int((model(xb).argmax(1) == yb).sum()) for xb, yb in valid_dl)
    assert correct / len(y_test) > 0.4, printed


# ------------------------------------------------------------------ the transfer-learning tutorial
def _hymenoptera_folder(root, fashion_subset):
    """data/hymenoptera_data/{train,val}/{ants,bees}/*.jpg as the tutorial expects, with real
    Fashion-MNIST images (trousers as "ants", bags as "bees"), 40x40 RGB JPEGs."""
    from PIL import Image

    (x_train, y_train), (x_test, y_test) = fashion_subset
    for split, (images, labels), count in (("train", (x_train, y_train), 8), ("val", (x_test, y_test), 4)):
        for name, label in (("ants", 1), ("bees", 8)):
            folder = root / "data" / "hymenoptera_data" / split / name
            folder.mkdir(parents=True)
            for index, image in enumerate(images[labels == label][:count]):
                Image.fromarray(image).convert("RGB").resize((40, 40)).save(folder / f"{index}.jpg")
    # the image the tutorial's last cell classifies
    (folder / "0.jpg").rename(folder / "72100438_73de9f17af.jpg")


def _real_torch_resnet18(num_classes):
    """strided.torchvision's resnet.py executed with real PyTorch's torch and nn: the same code,
    PyTorch's kernels -- the reference for strided's outputs."""
    import torch

    from strided.torchvision.models import resnet

    source = Path(resnet.__file__).read_text()
    source = source.replace("from strided import torch\n", "import torch\n")
    source = source.replace("from strided.torch import nn\n", "from torch import nn\n")
    namespace = {"__name__": "real_resnet"}
    exec(compile(source, resnet.__file__, "exec"), namespace)  # noqa: S102
    assert namespace["nn"] is torch.nn
    model = namespace["ResNet"](namespace["BasicBlock"], [2, 2, 2, 2])
    model.fc = torch.nn.Linear(512, num_classes)
    return model


@needs_fashion_mnist
def test_transfer_learning_tutorial(tmp_path, monkeypatch, capsys, fashion_subset):
    import torch

    _hymenoptera_folder(tmp_path, fashion_subset)
    namespace = run_program("transfer_learning_tutorial.py", tmp_path, monkeypatch, constants=[
        ("transforms.RandomResizedCrop(224)", "transforms.RandomResizedCrop(32)"),
        ("transforms.Resize(256)", "transforms.Resize(36)"),
        ("transforms.CenterCrop(224)", "transforms.CenterCrop(32)"),
        # no download here: a randomly initialised ResNet-18 (the brief's weights=None)
        ("model_ft = models.resnet18(weights='IMAGENET1K_V1')", "model_ft = models.resnet18(weights=None)"),
        ("model_conv = torchvision.models.resnet18(weights='IMAGENET1K_V1')",
         "model_conv = torchvision.models.resnet18(weights=None)"),
        ("exp_lr_scheduler,\n                       num_epochs=25)", "exp_lr_scheduler,\n                       num_epochs=2)"),
        ("exp_lr_scheduler, num_epochs=25)", "exp_lr_scheduler, num_epochs=2)"),
    ])
    printed = capsys.readouterr().out
    assert printed.count("Epoch 1/1\n----------\ntrain Loss: ") == 2 and printed.count("Best val Acc: ") == 2
    assert namespace["class_names"] == ["ants", "bees"] and tuple(namespace["out"].shape) == (3, 36, 138)
    # the frozen network has no gradients; only the new head was trained (it has momentum buffers)
    model_conv, optimizer_conv = namespace["model_conv"], namespace["optimizer_conv"]
    assert all(p.grad is None and not p.requires_grad
               for name, p in model_conv.named_parameters() if not name.startswith("fc."))
    momentum = [optimizer_conv.state[p]["momentum_buffer"] for p in model_conv.fc.parameters()]
    assert [tuple(m.shape) for m in momentum] == [(2, 512), (2,)] and float(momentum[0].abs().sum()) > 0
    # the fine-tuned network gives real PyTorch's outputs for its state_dict
    model_ft = namespace["model_ft"].eval()
    real = _real_torch_resnet18(2).eval()
    real.load_state_dict({key: torch.from_numpy(value.numpy().copy()) for key, value in model_ft.state_dict().items()})
    inputs, _ = next(iter(namespace["dataloaders"]["val"]))
    import strided.torch

    with strided.torch.no_grad():
        ours = model_ft(inputs).numpy()
    with torch.no_grad():
        theirs = real(torch.from_numpy(inputs.numpy().copy())).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-3, atol=1e-4)


# ------------------------------------------------------------ the data and transforms tutorials
@needs_fashion_mnist
def test_transforms_tutorial_one_hot_targets(tmp_path, monkeypatch, fashion_subset):
    import torch

    namespace = run_program("transforms_tutorial.py", tmp_path, monkeypatch)
    ds, target_transform = namespace["ds"], namespace["target_transform"]
    image, target = ds[5]
    label = int(fashion_subset[0][1][5])
    np.testing.assert_array_equal(image.numpy()[0], fashion_subset[0][0][5] / np.float32(255))
    expected = torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(label), value=1)
    np.testing.assert_array_equal(target.numpy(), expected.numpy())
    assert target.dtype == namespace["torch"].float32
    np.testing.assert_array_equal(target_transform(label).numpy(), expected.numpy())


@needs_fashion_mnist
def test_data_tutorial_and_its_custom_dataset(tmp_path, monkeypatch, capsys, fashion_subset):
    pytest.importorskip("pandas")  # the tutorial's CSV reader (pip install pandas)
    from PIL import Image

    namespace = run_program("data_tutorial.py", tmp_path, monkeypatch)
    printed = capsys.readouterr().out
    assert "Feature batch shape: torch.Size([64, 1, 28, 28])\nLabels batch shape: torch.Size([64])\n" in printed
    assert re.search(r"Label: [0-9]\n", printed)
    # the tutorial's CustomImageDataset, on a labels.csv and PNG files, with torchvision.io.read_image
    images, labels = fashion_subset[1]
    lines = []
    for index in range(3):
        Image.fromarray(images[index]).save(tmp_path / f"item{index}.png")
        lines.append(f"item{index}.png,{labels[index]}")
    (tmp_path / "labels.csv").write_text("file,label\n" + "\n".join(lines) + "\n")
    dataset = namespace["CustomImageDataset"]("labels.csv", str(tmp_path))
    image, label = dataset[2]
    assert len(dataset) == 3 and int(label) == int(labels[2])
    assert image.dtype == namespace["torch"].uint8 and tuple(image.shape) == (1, 28, 28)
    np.testing.assert_array_equal(image.numpy()[0], images[2])


# ----------------------------------------------------- what these programs needed, checked alone
def test_out_argument_writes_into_the_given_tensor_as_pytorch():
    import warnings

    import torch

    import strided.torch as st

    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = st.rand(2, 2)
    assert st.matmul(st.from_numpy(a), st.from_numpy(a).T, out=out) is out
    np.testing.assert_allclose(out.numpy(), a @ a.T)
    doubles = st.zeros(2, 3, dtype=st.float64)
    st.mul(st.from_numpy(a), 2, out=doubles)  # float32 result into a float64 out
    np.testing.assert_array_equal(doubles.numpy(), a * 2)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        st.add(st.from_numpy(a), 1, out=st.zeros(2, 3, dtype=st.long))
    with pytest.raises(RuntimeError, match=r"add\(\): functions with out=\.\.\. arguments don't support"):
        st.add(st.ones(3, requires_grad=True), 1, out=st.zeros(3))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        resized = st.sum(st.from_numpy(a), 1, out=st.zeros(5))
    assert resized.shape == (2,) and "was resized" in str(caught[0].message)
    values, indices = st.zeros(2), st.zeros(2, dtype=st.long)
    st.max(st.from_numpy(a), 1, out=(values, indices))
    np.testing.assert_array_equal(indices.numpy(), [2, 2])
    assert torch.mul(torch.from_numpy(a), 2, out=torch.zeros(2, 3, dtype=torch.float64)).dtype == torch.float64


def test_tensor_repr_follows_pytorchs_layout():
    import torch

    import strided.torch as st

    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=(3, 20)).astype(np.float32), np.zeros((2000, 784), np.float32),
              rng.normal(size=(2, 784)).astype(np.float32) * 0.03, np.array([1e-5, 1.0], np.float32),
              np.array([1.0, np.nan, -np.inf]), np.array([100000.0, 1.0]), rng.integers(-5, 10, 2000),
              np.array([True, False]), np.array(3.5, np.float32), rng.normal(size=(4, 5, 6, 7)).astype(np.float32),
              np.zeros((0, 3), np.int32), np.arange(12.0).reshape(3, 4) * 1e9]
    for array in arrays:
        assert repr(st.from_numpy(array.copy())) == repr(torch.from_numpy(array.copy()))
    x = st.ones(3, requires_grad=True)
    assert repr(x * 2) == "tensor([2., 2., 2.], grad_fn=<MulBackward0>)"
    y = torch.ones(4, 5, requires_grad=True) * 1
    z = st.ones(4, 5, requires_grad=True) * 1
    for index in (0, slice(0, 2), (slice(None), 0), (Ellipsis, -1), (0, slice(0, 2)), None, [0, 1]):
        assert z[index].grad_fn.name() == type(y[index].grad_fn).__name__
    values = np.array([[1.0, 3.0, 2.0], [4.0, 0.0, 5.0]], np.float32)
    for op in ("max", "min", "sort", "median"):
        assert repr(getattr(st, op)(st.from_numpy(values), 1)) == repr(getattr(torch, op)(torch.from_numpy(values), 1))
    assert repr(st.topk(st.from_numpy(values), 2)) == repr(torch.topk(torch.from_numpy(values), 2))
    assert str((x + 1).grad_fn).startswith("<AddBackward0 object at 0x")


def test_make_grid_lays_images_out_as_torchvision():
    import strided.torch as st
    from strided.torchvision.utils import make_grid

    images = st.from_numpy(np.arange(5 * 1 * 2 * 3, dtype=np.float32).reshape(5, 1, 2, 3))
    grid = make_grid(images, nrow=2, padding=1, pad_value=-1).numpy()
    # 2 columns x 3 rows of 2x3 images, 1 pixel apart and around; gray repeated to 3 channels
    assert grid.shape == (3, 1 + 3 * 3, 1 + 2 * 4)
    np.testing.assert_array_equal(grid[:, 4:6, 5:8], np.repeat(images.numpy()[3], 3, axis=0))
    assert (grid[:, 7:9, 5:8] == -1).all() and (grid[:, 0] == -1).all()  # the empty sixth cell, the border
    normalized = make_grid(images, normalize=True).numpy()
    assert normalized.min() == 0.0 and normalized.max() == 1.0


def test_resnet18_has_torchvisions_parameters_and_refuses_missing_weights(tmp_path, monkeypatch):
    from strided.torchvision import models

    model = models.resnet18(weights=None)
    state = model.state_dict()
    assert len(state) == 122 and sum(p.numel() for p in model.parameters()) == 11_689_512
    assert tuple(state["layer2.0.downsample.0.weight"].shape) == (128, 64, 1, 1)
    assert sum(p.numel() for p in models.resnet50().parameters()) == 25_557_032
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"resnet18-f37072fd\.pth.*weights=None"):
        models.resnet18(weights="IMAGENET1K_V1")
    with pytest.raises(ValueError, match="unknown weights 'IMAGENET'"):
        models.resnet18(weights="IMAGENET")


def test_backends_are_modules_as_in_pytorch():
    import importlib

    cudnn = importlib.import_module("strided.torch.backends.cudnn")
    import strided.torch as st

    cudnn.benchmark = True
    assert st.backends.cudnn is cudnn and st.backends.cudnn.benchmark and not cudnn.is_available()
    assert not st.backends.mps.is_available()


# ------------------------------------------------------------------- pytorch/examples dcgan/main.py
def test_dcgan_example_dry_run_on_fake_data(tmp_path, monkeypatch, capsys):
    import torch
    from PIL import Image

    namespace = run_program("dcgan_main.py", tmp_path, monkeypatch, argv=[
        "--dataset", "fake", "--imageSize", "64", "--batchSize", "8", "--ngf", "8", "--ndf", "8", "--nz", "16",
        "--dry-run", "--outf", "out", "--manualSeed", "7", "--workers", "0"])
    printed = capsys.readouterr().out
    assert "Random Seed:  7" in printed
    assert "(0): ConvTranspose2d(16, 64, kernel_size=(4, 4), stride=(1, 1), bias=False)" in printed
    assert "(4): LeakyReLU(negative_slope=0.2, inplace=True)" in printed
    assert re.search(r"\[0/1\]\[0/125\] Loss_D: [0-9.]+ Loss_G: [0-9.]+ D\(x\): 0\.[0-9]+ D\(G\(z\)\): 0\.[0-9]+ / 0\.",
                     printed), printed
    # save_image wrote 8-image grids (one row of 64x64 images, 2 pixels apart)
    for name in ("real_samples.png", "fake_samples_epoch_000.png"):
        with Image.open(tmp_path / "out" / name) as image:
            assert image.size == (2 + 8 * 66, 2 + 66) and image.mode == "RGB"
    # the checkpoints open in real PyTorch and hold the networks' parameters and running statistics
    generator = torch.load(tmp_path / "out" / "netG_epoch_0.pth", weights_only=True)
    assert tuple(generator["main.0.weight"].shape) == (16, 64, 4, 4)
    assert int(generator["main.1.num_batches_tracked"]) == 2  # two generator forwards in training mode
    ours = namespace["netG"].state_dict()
    for key, value in generator.items():
        np.testing.assert_array_equal(value.numpy(), ours[key].numpy())


# ------------------------------------------------- the "Training with PyTorch" (introyt) tutorial
@needs_fashion_mnist
def test_training_with_pytorch_tutorial_and_its_tensorboard_logs(tmp_path, monkeypatch, capsys, fashion_subset):
    pytest.importorskip("tensorboard")
    import torch

    namespace = run_program("trainingyt.py", tmp_path, monkeypatch, constants=[
        ("EPOCHS = 5", "EPOCHS = 1"),
        ("optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)",
         "optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)"),
        # 500 batches of 4 here: report every 100 batches instead of every 1000
        ("        if i % 1000 == 999:", "        if i % 100 == 99:"),
        ("last_loss = running_loss / 1000 # loss per batch", "last_loss = running_loss / 100 # loss per batch"),
    ])
    printed = capsys.readouterr().out
    assert "Training set has 2000 instances\nValidation set has 500 instances\n" in printed
    reports = [float(v) for v in re.findall(r"  batch [0-9]+ loss: ([0-9.]+)", printed)]
    valid = float(re.search(r"LOSS train [0-9.]+ valid ([0-9.]+)", printed).group(1))
    assert len(reports) == 5 and reports[-1] < reports[0] - 0.1 and valid < 1.5, printed  # ln(10) = 2.30 at chance
    # the checkpoint opens in real PyTorch
    state = torch.load(tmp_path / namespace["model_path"], weights_only=True)
    assert tuple(state["conv2.weight"].shape) == (16, 6, 5, 5)
    # the event files are where PyTorch's SummaryWriter puts them, with the logged values
    run = tmp_path / namespace["writer"].get_logdir()
    validation = _logged_scalars(run / "Training vs. Validation Loss_Validation", "Training vs. Validation Loss")
    assert validation == pytest.approx([valid], rel=1e-6)
    assert _logged_scalars(run, "Loss/train") == pytest.approx(reports, rel=1e-6)


def _logged_values(directory):
    """Every summary value in the event files directly in `directory` (TFRecord framing: a little-endian
    uint64 length and its CRC, the bytes, their CRC), read without TensorFlow."""
    from tensorboard.compat.proto.event_pb2 import Event

    values = []
    for path in sorted(Path(directory).glob("events.out.tfevents.*")):
        data, position = path.read_bytes(), 0
        while position < len(data):
            (length,) = struct.unpack("<Q", data[position:position + 8])
            values += Event.FromString(data[position + 12:position + 12 + length]).summary.value
            position += 12 + length + 4
    return values


def _logged_scalars(directory, tag):
    """The scalar values logged under `tag` in the event files directly in `directory`."""
    return [value.simple_value for value in _logged_values(directory) if value.tag == tag]


# ------------------------------------------------------- pytorch/examples siamese_network/main.py
@needs_fashion_mnist
def test_siamese_network_example(tmp_path, monkeypatch, capsys, fashion_subset):
    """A ResNet-18 with a new first convolution and its head removed (children()[:-1]), two
    images in, BCELoss, Adadelta, StepLR. This machine has no MNIST: datasets.MNIST reads 256
    training and 64 test images of Fashion-MNIST instead (the program does not know the classes)."""
    import torch

    from strided.datasets import mnist

    (x_train, y_train), (x_test, y_test) = fashion_subset
    monkeypatch.setattr(mnist, "load_data", lambda *a, **k: ((x_train[:256], y_train[:256]), (x_test[:64], y_test[:64])))
    (tmp_path / "run").mkdir()
    namespace = run_program("siamese_network_main.py", tmp_path / "run", monkeypatch, argv=[
        "--epochs", "1", "--dry-run", "--batch-size", "16", "--test-batch-size", "32", "--save-model"])
    printed = capsys.readouterr().out
    assert re.search(r"Train Epoch: 1 \[0/256 \(0%\)\]\tLoss: [0-9.]+\n", printed)
    assert re.search(r"Test set: Average loss: [0-9.]+, Accuracy: [0-9]+/64 \([0-9]+%\)", printed)
    # the saved state_dict, in real PyTorch's version of the same network, gives strided's outputs
    real = _real_torch_resnet18(1000)
    real.conv1 = torch.nn.Conv2d(1, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)
    real = torch.nn.ModuleDict({"resnet": torch.nn.Sequential(*(list(real.children())[:-1])),
                                "fc": torch.nn.Sequential(torch.nn.Linear(1024, 256), torch.nn.ReLU(), torch.nn.Linear(256, 1))})
    real.load_state_dict(torch.load(tmp_path / "run" / "siamese_network.pt", weights_only=True))
    real.eval()
    images = (x_test[:6, None].astype(np.float32))
    with torch.no_grad():
        features = [real["resnet"](torch.from_numpy(batch)).flatten(1) for batch in (images[:3], images[3:])]
        theirs = torch.sigmoid(real["fc"](torch.cat(features, 1))).numpy()
    import strided.torch

    model = namespace["SiameseNetwork"]()
    model.load_state_dict(strided.torch.load(tmp_path / "run" / "siamese_network.pt"))
    model.eval()
    with strided.torch.no_grad():
        ours = model(strided.torch.from_numpy(images[:3]), strided.torch.from_numpy(images[3:])).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_summary_writer_images_histograms_and_text_read_back(tmp_path):
    pytest.importorskip("tensorboard")
    import io

    from PIL import Image

    import strided.torch as st
    from strided.torch.utils.tensorboard import SummaryWriter

    image = np.linspace(0, 1, 3 * 4 * 5, dtype=np.float32).reshape(3, 4, 5)
    with SummaryWriter(tmp_path / "run") as writer:
        writer.add_image("picture", st.from_numpy(image), 3)
        writer.add_images("batch", st.from_numpy(np.stack([image] * 5)), 3)
        writer.add_histogram("weights", st.from_numpy(np.arange(10.0)), 3)
        writer.add_text("note", "hello", 3)
        with pytest.raises(NotImplementedError, match="add_graph"):
            writer.add_graph(st.nn.Linear(2, 2), st.ones(1, 2))
    values = {value.tag: value for value in _logged_values(tmp_path / "run")}
    decoded = np.asarray(Image.open(io.BytesIO(values["picture"].image.encoded_image_string)))
    np.testing.assert_array_equal(decoded, np.clip(image.transpose(1, 2, 0) * 255 + 0.5, 0, 255).astype(np.uint8))
    assert (values["batch"].image.height, values["batch"].image.width) == (2 * 4, 3 * 5)  # 3 per row
    assert values["weights"].histo.num == 10 and values["weights"].histo.sum == 45.0
    assert values["note/text_summary"].tensor.string_val == [b"hello"]


# ------------------------------------------------ the "Building Models with PyTorch" (introyt) tutorial
def test_building_models_tutorial(tmp_path, monkeypatch, capsys):
    import torch

    namespace = run_program("modelsyt_tutorial.py", tmp_path, monkeypatch)  # `import torch.functional as F` too
    ours = capsys.readouterr().out
    run_program("modelsyt_tutorial.py", tmp_path, monkeypatch, strided=False)
    theirs = capsys.readouterr().out
    head = ours.index("Model params:")
    assert ours[:head] == theirs[:theirs.index("Model params:")]  # the printed structure
    assert ours.count("Parameter containing:") == theirs.count("Parameter containing:") == 8
    # the linear layer's output is x W^T + b; max pooling and BatchNorm1d act as PyTorch's
    lin, x, y = namespace["lin"], namespace["x"], namespace["y"]
    expected = torch.nn.functional.linear(*(torch.from_numpy(t.detach().numpy()) for t in (x, lin.weight, lin.bias)))
    np.testing.assert_allclose(y.detach().numpy(), expected.numpy(), rtol=1e-6)
    normed = namespace["normed_tensor"].detach().numpy()
    np.testing.assert_allclose(normed.mean(axis=(0, 2)), 0, atol=1e-6)
    np.testing.assert_allclose(normed.var(axis=(0, 2)), 1, rtol=1e-3)  # eps = 1e-5 against a spread of ~20
    pooled = namespace["maxpool_layer"](namespace["torch"].ones(1, 6, 6) * namespace["torch"].arange(6.0))
    assert pooled.tolist() == [[[2.0, 5.0], [2.0, 5.0]]]


# ---------------------------------------- the Variable-era "Autograd" blitz tutorial (legacy API)
def test_variable_era_autograd_tutorial(tmp_path, monkeypatch, capsys):
    namespace = run_program("blitz_autograd_tutorial.py", tmp_path, monkeypatch)
    ours = capsys.readouterr().out
    run_program("blitz_autograd_tutorial.py", tmp_path, monkeypatch, strided=False)
    theirs = capsys.readouterr().out
    addresses = re.compile(r" object at 0x[0-9a-f]+>")
    # all but the last two lines (random values) print as PyTorch prints them
    assert addresses.sub(">", ours).splitlines()[:-2] == addresses.sub(">", theirs).splitlines()[:-2]
    assert "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])" in ours
    x, y, gradients = namespace["x"], namespace["y"], namespace["gradients"]
    assert gradients.dtype == namespace["torch"].float32 and isinstance(gradients, namespace["torch"].FloatTensor)
    factor = float(y.detach()[0] / x.detach()[0])  # y = x * 2**k
    np.testing.assert_array_equal(x.grad.numpy(), gradients.numpy() * np.float32(factor))


def test_functions_the_tensor_tutorials_use_match_pytorch():
    """torch.functional / linalg / legacy constructors / in-place shape ops, against real PyTorch."""
    import warnings

    import torch

    import strided.torch as st

    a, b, c = np.arange(3.0), np.arange(4.0), np.arange(2.0)
    for indexing in ("ij", "xy"):
        ours = st.meshgrid(st.from_numpy(a), st.from_numpy(b), st.from_numpy(c), indexing=indexing)
        theirs = torch.meshgrid(torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(c), indexing=indexing)
        for x, y in zip(ours, theirs):
            np.testing.assert_array_equal(x.numpy(), y.numpy())
    for shape in ((), (3,), (2, 3), (2, 3, 4)):
        x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
        for name in ("atleast_1d", "atleast_2d", "atleast_3d"):
            assert getattr(st, name)(st.from_numpy(x)).shape == getattr(torch, name)(torch.from_numpy(x)).shape
    assert [t.shape for t in st.broadcast_tensors(st.ones(2, 1), st.ones(3))] == [(2, 3), (2, 3)]
    # cross products (with their gradients) and the SVD
    u, v = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]]), np.array([[0.0, 1.0, 0.0], [2.0, 1.0, -1.0]])
    x, y = st.tensor(u, requires_grad=True), st.tensor(v, requires_grad=True)
    tx, ty = torch.tensor(u, requires_grad=True), torch.tensor(v, requires_grad=True)
    (st.linalg.cross(x, y) ** 2).sum().backward()
    (torch.linalg.cross(tx, ty) ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy(), rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(st.cross(st.tensor(v), st.tensor(u)).numpy(), np.cross(v, u))
    m = np.array([[3.0, 1.0], [0.0, 2.0], [1.0, 1.0]])
    ours, theirs = st.svd(st.tensor(m)), torch.svd(torch.tensor(m))
    for name in ("U", "S", "V"):
        np.testing.assert_allclose(np.abs(getattr(ours, name).numpy()), np.abs(getattr(theirs, name).numpy()),
                                   rtol=1e-12)
    assert repr(ours).startswith("torch.return_types.svd(\nU=tensor(")
    with pytest.raises(NotImplementedError, match="no gradient for the SVD"):
        st.linalg.svd(st.tensor(m, requires_grad=True))
    # in-place ops that change the shape, module-level in-place functions, creation with out=
    for module in (st, torch):
        t = module.rand(3, 4)
        assert t.unsqueeze_(0).shape == (1, 3, 4) and t.squeeze_(0).shape == (3, 4) and t.t_().shape == (4, 3)
        angles = module.tensor([0.0, 1.0])
        module.sin_(angles)
        np.testing.assert_allclose(angles.numpy(), np.sin([0.0, 1.0]), rtol=1e-6)
        out = module.zeros(2, 2)
        assert module.rand(2, 2, out=out) is out and float(out.sum()) > 0
    # the legacy typed constructors and Variable
    assert st.LongTensor([1.7, 2]).tolist() == torch.LongTensor([1.7, 2]).tolist() == [1, 2]
    assert st.DoubleTensor(2, 3).dtype == st.float64 and st.ByteTensor([1, 2]).dtype == st.uint8
    assert isinstance(st.ones(2), st.FloatTensor) and not isinstance(st.ones(2, dtype=st.long), st.FloatTensor)
    from strided.torch.autograd import Variable

    base = st.ones(2)
    leaf = Variable(base, requires_grad=True)
    assert leaf is not base and leaf.requires_grad and not base.requires_grad and isinstance(base, Variable)


# ------------------------------------------ the "Introduction to PyTorch Tensors" (introyt) tutorial
def _lines_without_numbers(printed):
    """The printed lines that hold no number (headers, bool tensors, ...) and the shapes printed."""
    return [line for line in printed.splitlines() if not re.search(r"[0-9]", line) or line.startswith("torch.Size")]


def test_tensors_in_depth_tutorial(tmp_path, monkeypatch, capsys):
    namespace = run_program("tensors_deeper_tutorial.py", tmp_path, monkeypatch)
    ours = capsys.readouterr().out
    run_program("tensors_deeper_tutorial.py", tmp_path, monkeypatch, strided=False)
    theirs = capsys.readouterr().out
    # the class line differs (strided's Tensor class); the random and uninitialised values do too
    assert ours.startswith("<class 'strided.torch.Tensor'>\n") and theirs.startswith("<class 'torch.Tensor'>\n")
    assert _lines_without_numbers(ours)[1:] == _lines_without_numbers(theirs)[1:]
    deterministic = ["tensor([0.0000, 0.7071, 1.0000, 0.7071])", "tensor([3, 2, 1])",
                     "tensor([[ True, False],\n        [False, False]])", "tensor(4.)\n4.0\ntensor(2.5000)\n"
                     "tensor(1.2910)\ntensor(24.)\ntensor([1, 2])", "tensor([ 0.,  0., -1.])",
                     "tensor([[  1., 561.],\n        [  1.,   1.]])", "tensor([[ 1.,  1.,  1.],\n        [ 1., 23.,  1.]], "
                     "dtype=torch.float64)", "torch.Size([1, 3, 226, 226])"]
    for text in deterministic:
        assert text in ours and text in theirs, text
    # torch.svd(m3) for m3 = 3 m1: singular values 3x those of m1, U S V^T = m3
    u, s, v = (t.numpy() for t in namespace["torch"].svd(namespace["m3"]))
    np.testing.assert_allclose(u @ np.diag(s) @ v.T, namespace["m3"].numpy(), rtol=1e-5, atol=1e-6)
    assert float(namespace["numpy_rand"][1, 1]) == 17.0  # the tensor and its .numpy() share memory


# ------------------------------------------------- pytorch/examples mnist/main.py, the 2018 version
@needs_fashion_mnist
def test_mnist_example_2018_version(tmp_path, monkeypatch, capsys, fashion_subset):
    """Older API: Dropout2d, F.dropout(training=), nll_loss(size_average=False), output.max(1, keepdim=True)[1].
    This machine has no MNIST: datasets.MNIST reads the Fashion-MNIST slice instead."""
    from strided.datasets import mnist

    monkeypatch.setattr(mnist, "load_data", lambda *args, **kwargs: fashion_subset)
    (tmp_path / "run").mkdir()
    run_program("mnist_main_2018.py", tmp_path / "run", monkeypatch, argv=["--epochs", "2", "--test-batch-size", "500"])
    printed = capsys.readouterr().out
    assert "Train Epoch: 1 [0/2000 (0%)]\tLoss: " in printed and "Train Epoch: 2 [1920/2000 (94%)]" in printed
    results = re.findall(r"Test set: Average loss: ([0-9.]+), Accuracy: ([0-9]+)/500", printed)
    losses, correct = [float(loss) for loss, _ in results], [int(c) for _, c in results]
    assert len(results) == 2 and losses[1] < losses[0] and correct[1] > 150, printed  # chance: 50 of 500
