"""PyTorch state_dicts (torchvision's ResNet18, VGG16, MobileNetV2, AlexNet layouts) into strided.

The torch models are rebuilt with torch.nn in torch_reference_models.py (same module paths as
torchvision), given random weights and random BatchNorm statistics, saved with
`torch.save(state_dict)`, and must give the same outputs once imported.
"""

import json
import struct

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch_reference_models import VGG, MobileNetV2, ResNet, randomize_batch_norm

from strided import applications, layers
from strided.models import Model
from strided.saving import torch_import


def _torch_output(module, x):
    with torch.no_grad():
        return module(torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))).numpy()


def _check(module, build, tmp_path, shape=(32, 32, 3), seed=0):
    torch.manual_seed(seed)
    randomize_batch_norm(module, seed)
    path = tmp_path / "weights.pth"
    torch.save(module.state_dict(), path)
    x = np.random.default_rng(seed).uniform(-1, 1, (2,) + shape).astype("float32")
    expected = _torch_output(module, x)
    model = build(str(path))
    result = model.predict(x, verbose=0)
    np.testing.assert_allclose(result, expected, rtol=1e-4, atol=1e-5 * np.abs(expected).max())
    return model


def test_resnet18_state_dict(tmp_path):
    _check(
        ResNet(num_classes=10),
        lambda p: applications.ResNet18(
            weights=p, input_shape=(32, 32, 3), classes=10, classifier_activation=None
        ),
        tmp_path,
    )


def test_resnet34_names_cover_every_module():
    module = ResNet(blocks=(3, 4, 6, 3), num_classes=3)
    with_weights = {key.rpartition(".")[0] for key in module.state_dict()}
    model = applications.ResNet34(
        weights=None, include_top=True, classes=3, input_shape=(32, 32, 3)
    )
    mapped = {applications.resnet_basic.torch_names(path) for path in with_weights}
    assert mapped == {layer.name for layer in model.layers if layer.weights}


def test_mobilenet_v2_state_dict_builds_the_torchvision_variant(tmp_path):
    model = _check(
        MobileNetV2(num_classes=10),
        lambda p: applications.MobileNetV2(
            weights=p, input_shape=(32, 32, 3), classes=10, classifier_activation=None
        ),
        tmp_path,
    )
    assert model.get_layer("bn_Conv1").epsilon == pytest.approx(1e-5)
    assert model.get_layer("block_1_pad").padding == ((1, 1), (1, 1))


def test_vgg16_state_dict(tmp_path):
    _check(
        VGG(num_classes=10, flat=512),
        lambda p: applications.VGG16(
            weights=p, input_shape=(32, 32, 3), classes=10, classifier_activation=None
        ),
        tmp_path,
    )


def test_alexnet_state_dict_at_the_smallest_size(tmp_path):
    from torch import nn

    class AlexNet(nn.Module):  # torchvision.models.alexnet, without the adaptive pooling (1x1 here)
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 64, 11, 4, 2),
                nn.ReLU(),
                nn.MaxPool2d(3, 2),
                nn.Conv2d(64, 192, 5, padding=2),
                nn.ReLU(),
                nn.MaxPool2d(3, 2),
                nn.Conv2d(192, 384, 3, padding=1),
                nn.ReLU(),
                nn.Conv2d(384, 256, 3, padding=1),
                nn.ReLU(),
                nn.Conv2d(256, 256, 3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(3, 2),
            )
            self.classifier = nn.Sequential(
                nn.Dropout(),
                nn.Linear(256, 4096),
                nn.ReLU(),
                nn.Dropout(),
                nn.Linear(4096, 4096),
                nn.ReLU(),
                nn.Linear(4096, 3),
            )

        def forward(self, x):
            return self.classifier(torch.flatten(self.features(x), 1))

    _check(
        AlexNet(),
        lambda p: applications.AlexNet(
            weights=p, input_shape=(63, 63, 3), classes=3, classifier_activation=None
        ),
        tmp_path,
        shape=(63, 63, 3),
    )


def _flatten_models():
    from torch import nn

    torch.manual_seed(1)
    module = nn.Sequential()
    module.add_module("conv", nn.Conv2d(3, 4, 3))
    module.add_module("bn", nn.BatchNorm2d(4))
    module.add_module("flatten", nn.Flatten())
    module.add_module("drop", nn.Dropout())
    module.add_module("dense", nn.Linear(4 * 3 * 5, 6))
    inputs = layers.Input((5, 7, 3))
    x = layers.Conv2D(4, 3, name="conv")(inputs)
    x = layers.BatchNormalization(epsilon=1e-5, name="bn")(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.5)(x)
    model = Model(inputs, layers.Dense(6, name="dense")(x))
    return randomize_batch_norm(module), model


def test_first_dense_after_flatten_gets_its_rows_permuted():
    """torch flattens (C, H, W), strided (H, W, C): the kernel rows are reordered to match."""
    module, model = _flatten_models()
    torch_import.load_torch_weights(model, module.state_dict())
    x = np.random.default_rng(2).normal(size=(3, 5, 7, 3)).astype("float32")
    np.testing.assert_allclose(
        model.predict(x, verbose=0), _torch_output(module, x), rtol=1e-5, atol=1e-5
    )
    naive = module.state_dict()["dense.weight"].numpy().T
    assert not np.array_equal(model.get_layer("dense").get_weights()[0], naive)


def _write_safetensors(path, arrays):
    header, blobs, offset = {}, [], 0
    for name, array in arrays.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {
            "dtype": "F32",
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    encoded = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))


def test_safetensors_file_is_read_without_torch(tmp_path):
    module, model = _flatten_models()
    state = {k: v.numpy() for k, v in module.state_dict().items() if k != "bn.num_batches_tracked"}
    path = tmp_path / "model.safetensors"
    _write_safetensors(path, state)
    read = torch_import.read_safetensors(path)
    assert list(read) == list(state) and all(np.array_equal(read[k], state[k]) for k in state)
    torch_import.load_torch_weights(model, str(path))
    x = np.random.default_rng(4).normal(size=(2, 5, 7, 3)).astype("float32")
    np.testing.assert_allclose(
        model.predict(x, verbose=0), _torch_output(module, x), rtol=1e-5, atol=1e-5
    )


def test_checkpoint_wrappers_and_data_parallel_prefix_are_unwrapped():
    module, _ = _flatten_models()
    wrapped = {"state_dict": {f"module.{k}": v for k, v in module.state_dict().items()}, "epoch": 3}
    state = torch_import.load_state_dict(wrapped)
    assert list(state) == list(module.state_dict())


def test_mismatches_are_reported_and_nothing_is_assigned():
    module, model = _flatten_models()
    before = model.get_weights()
    state = dict(module.state_dict())
    state["dense.weight"] = torch.zeros(6, 7)
    state["extra.weight"] = torch.zeros(2, 2)
    with pytest.raises(ValueError) as info:
        torch_import.load_torch_weights(model, state)
    message = str(info.value)
    assert "torch module 'extra': no layer named 'extra' in the model" in message
    assert (
        "torch module 'dense' -> layer 'dense': weight 'kernel' has shape (60, 6) in the model "
        "but (7, 6)" in message
    )
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    torch_import.load_torch_weights(model, state, skip_mismatch=True)  # loads conv and bn only
    np.testing.assert_array_equal(
        model.get_layer("conv").get_weights()[1], module.state_dict()["conv.bias"].numpy()
    )


def test_pickled_files_are_read_with_weights_only(tmp_path, monkeypatch):
    calls = {}
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.update(kwargs)
        return real_load(*args, **kwargs)

    module, model = _flatten_models()
    path = tmp_path / "m.pt"
    torch.save(module.state_dict(), path)
    monkeypatch.setattr(torch, "load", spy)
    torch_import.load_torch_weights(model, str(path))
    assert calls.get("weights_only") is True


def test_imagenet_weights_from_the_cache_without_the_top(tmp_path, monkeypatch):
    """weights="imagenet" offline: a verified file in the cache; its classifier is skipped."""
    import hashlib

    from strided.applications import _weights, resnet_basic

    module = randomize_batch_norm(ResNet(num_classes=1000), seed=5)
    folder = tmp_path / "models"
    folder.mkdir()
    staging = tmp_path / "staging.pth"
    torch.save(module.state_dict(), staging)
    prefix = hashlib.sha256(staging.read_bytes()).hexdigest()[:8]
    staging.rename(folder / f"resnet18-{prefix}.pth")
    monkeypatch.setenv("STRIDED_DATA", str(tmp_path))
    monkeypatch.setitem(
        resnet_basic.IMAGENET, "resnet18", _weights.torchvision_file(f"resnet18-{prefix}.pth")
    )
    model = applications.ResNet18(include_top=False, pooling="avg", input_shape=(32, 32, 3))
    x = np.random.default_rng(5).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    features = torch.nn.Sequential(*list(module.children())[:-1])
    expected = _torch_output(features, x).reshape(2, -1)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)
