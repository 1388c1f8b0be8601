"""strided.torch.onnx.export: a PyTorch-style module as an ONNX file that ONNX Runtime runs with
the module's outputs (and real PyTorch's, for the same state_dict), at any batch size."""

import numpy as np
import pytest

import strided.torch as torch
import strided.torch.nn as nn

ort = pytest.importorskip("onnxruntime")


class ConvNet(nn.Module):
    """Lesson 004's ConvNet."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.layer1 = nn.Sequential(nn.Conv2d(1, 16, kernel_size=5, stride=1, padding=2),
                                    nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2, 2))
        self.layer2 = nn.Sequential(nn.Conv2d(16, 32, kernel_size=5, stride=1, padding=2),
                                    nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2, 2))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(7 * 7 * 32 + 32, num_classes)

    def forward(self, x):
        out = self.layer2(self.layer1(x))
        pooled = torch.flatten(self.pool(out), 1)
        out = out.reshape(out.size(0), -1)
        return self.fc(torch.cat([out, pooled], dim=1))


def test_lesson_004_convnet_exports_with_its_outputs_and_pytorchs(tmp_path):
    import torch as real_torch

    torch.manual_seed(0)
    model = ConvNet()
    with torch.no_grad():  # batch-norm statistics that are not the identity
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 1.5)
    model.train()
    path = torch.onnx.export(model, (torch.randn(2, 1, 28, 28),), tmp_path / "convnet.onnx",
                             input_names=["input"], output_names=["logits"],
                             dynamic_axes={"input": {0: "batch"}})
    assert model.training                                   # the mode is given back
    model.eval()
    x = torch.randn(5, 1, 28, 28)
    with torch.no_grad():
        expected = model(x).numpy()
    session = ort.InferenceSession(str(path))
    assert [o.name for o in session.get_outputs()] == ["logits"]
    got = session.run(None, {"input": x.numpy()})[0]
    assert np.allclose(got, expected, atol=1e-5)

    class RealConvNet(real_torch.nn.Module):
        def __init__(self):
            super().__init__()
            nn_ = real_torch.nn
            self.layer1 = nn_.Sequential(nn_.Conv2d(1, 16, 5, 1, 2), nn_.BatchNorm2d(16), nn_.ReLU(),
                                         nn_.MaxPool2d(2, 2))
            self.layer2 = nn_.Sequential(nn_.Conv2d(16, 32, 5, 1, 2), nn_.BatchNorm2d(32),
                                         nn_.ReLU(), nn_.MaxPool2d(2, 2))
            self.pool = nn_.AdaptiveAvgPool2d(1)
            self.fc = nn_.Linear(7 * 7 * 32 + 32, 10)

        def forward(self, x):
            out = self.layer2(self.layer1(x))
            pooled = real_torch.flatten(self.pool(out), 1)
            return self.fc(real_torch.cat([out.reshape(out.size(0), -1), pooled], dim=1))

    real = RealConvNet().eval()
    real.load_state_dict({k: real_torch.from_numpy(np.array(v.numpy()))
                          for k, v in model.state_dict().items()})
    with real_torch.no_grad():
        assert np.allclose(got, real(real_torch.from_numpy(x.numpy())).numpy(), atol=1e-4)


def test_export_needs_one_tensor_input(tmp_path):
    with pytest.raises(TypeError, match="must hold a Tensor"):
        torch.onnx.export(nn.Linear(2, 2), (np.zeros((1, 2)),), tmp_path / "x.onnx")
    with pytest.raises(ValueError, match="one input tensor"):
        torch.onnx.export(nn.Linear(2, 2), (torch.zeros(1, 2), torch.zeros(1, 2)),
                          tmp_path / "x.onnx")
