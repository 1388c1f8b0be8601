"""strided.onnx.load: ONNX CNNs exported by PyTorch (and by strided) run on strided's ops with
the outputs of PyTorch and ONNX Runtime, fine-tune as PyTorch would, and hostile files fail
with one error class."""

import numpy as np
import pytest

import strided
from strided.errors import FileFormatError
from strided.onnx import export, load

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")
nn = torch.nn


class Block(nn.Module):
    """A residual block with the ops torchvision's ResNets export."""

    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, groups=channels)
        self.act = nn.Hardswish()

    def forward(self, x):
        return self.act(x + self.conv2(torch.relu(self.bn1(self.conv1(x)))))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 5, stride=2, padding=2)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.block = Block(8)
        self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)
        self.avg = nn.AvgPool2d(2, ceil_mode=False)
        self.head = nn.Linear(4 * 4 * 4 + 8, 5)

    def forward(self, x):
        x = self.block(self.pool(self.stem(x)))                    # (N, 8, 8, 8)
        pooled = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        y = self.avg(nn.functional.leaky_relu(self.up(x), 0.1))    # (N, 4, 8, 8)
        y = nn.functional.max_pool2d(y, 2, ceil_mode=True)         # (N, 4, 4, 4)
        y = torch.cat([y.view(y.size(0), -1), torch.sigmoid(pooled)], dim=1)
        return self.head(torch.tanh(y))


def exported(module, path, shape, **kwargs):
    module.eval()
    torch.manual_seed(0)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
    example = torch.randn(2, *shape)
    torch.onnx.export(module, (example,), str(path), dynamo=False, input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "batch"}}, **kwargs)
    return path


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("folding", [True, False])
def test_a_pytorch_cnn_runs_with_pytorchs_outputs(tmp_path, folding):
    net = Net()
    path = exported(net, tmp_path / "net.onnx", (3, 32, 32), do_constant_folding=folding)
    model = load(path)
    x = np.random.default_rng(0).standard_normal((3, 3, 32, 32)).astype("float32")
    with torch.no_grad():
        expected = net(torch.from_numpy(x)).numpy()
    got = model.predict(x, verbose=0)
    assert np.allclose(got, expected, atol=1e-5), np.abs(got - expected).max()
    onnx_runtime = ort.InferenceSession(str(path)).run(None, {"input": x})[0]
    assert np.allclose(got, onnx_runtime, atol=1e-5)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_fine_tuning_takes_pytorchs_sgd_step(tmp_path):
    torch.manual_seed(1)
    net = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 4 * 4, 2))
    path = exported(net, tmp_path / "small.onnx", (1, 6, 6))
    model = load(path)
    x = np.random.default_rng(2).standard_normal((4, 1, 6, 6)).astype("float32")
    y = np.random.default_rng(3).standard_normal((4, 2)).astype("float32")
    model.compile(optimizer=strided.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.train_on_batch(x, y)
    net.train()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    loss = nn.functional.mse_loss(net(torch.from_numpy(x)), torch.from_numpy(y))
    loss.backward()
    optimizer.step()
    ours = {w.name: w.numpy() for w in model.trainable_weights}
    assert len(ours) == 4
    for name, parameter in net.named_parameters():
        assert np.allclose(ours[name], parameter.detach().numpy(), atol=1e-6), name


@pytest.mark.parametrize("name", ["MobileNetV2", "ResNet18"])
def test_strided_exports_load_back_with_the_same_outputs(name, tmp_path):
    import strided.applications as applications

    original = getattr(applications, name)(weights=None, input_shape=(64, 64, 3),
                                           include_top=False, pooling="avg")
    path = export(original, tmp_path / "m.onnx")
    model = load(path)
    x = np.random.default_rng(4).uniform(size=(2, 64, 64, 3)).astype("float32")
    assert np.allclose(model.predict(x, verbose=0), original.predict(x, verbose=0), atol=1e-5)


def test_hostile_and_broken_files_fail_with_one_error_class(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"\x08\x07not a model" * 10)
    with pytest.raises(FileFormatError, match="garbage.onnx"):
        load(garbage)

    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(6, dtype=np.float32).tobytes())
    weight = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[3, 2])
    weight.data_location = TensorProto.EXTERNAL
    weight.external_data.add(key="location", value=str(secret))
    graph = helper.make_graph([helper.make_node("MatMul", ["input", "w"], ["output"])], "g",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 2])],
                              [weight])
    linked = tmp_path / "linked.onnx"
    onnx.save(helper.make_model(graph), str(linked))
    with pytest.raises(FileFormatError, match="another file"):
        load(linked)

    huge = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1 << 20, 1 << 20])
    graph.initializer.pop()
    graph.initializer.append(huge)
    big = tmp_path / "big.onnx"
    big.write_bytes(helper.make_model(graph).SerializeToString())
    with pytest.raises(FileFormatError, match="more data than"):
        load(big)

    graph.initializer.pop()
    graph.initializer.append(helper.make_tensor("w", TensorProto.FLOAT, [3, 2], vals=[1.0] * 6))
    graph.node.append(helper.make_node("NonMaxSuppression", ["output"], ["boxes"]))
    odd = tmp_path / "odd.onnx"
    odd.write_bytes(helper.make_model(graph).SerializeToString())
    with pytest.raises(FileFormatError, match="NonMaxSuppression"):
        load(odd)
