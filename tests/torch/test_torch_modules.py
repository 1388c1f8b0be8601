"""nn modules against real PyTorch 2.13: the same state_dict and inputs give the same outputs,
input gradients and parameter gradients; reprs, state-dict keys and default initialisation match;
the Module API (parameters, children, train/eval, buffers, strict loading) behaves as PyTorch's."""

import math

import numpy as np
import pytest
import torch as real
import torch.nn as tnn
from torch_compare import assert_close, both, copy_state

import strided.torch as st
import strided.torch.nn as nn

# (strided module, real module, input shape): same constructor arguments on both sides
CASES = [
    ("Conv2d", (3, 4, 3), {"stride": 2, "padding": 1}, (2, 3, 7, 7)),
    ("Conv2d", (4, 6, (3, 2)), {"groups": 2, "dilation": 2, "bias": False}, (2, 4, 8, 8)),
    ("Conv2d", (2, 3, 3), {"padding": "same", "padding_mode": "reflect"}, (1, 2, 5, 6)),
    ("Conv2d", (2, 3, 3), {"padding": 1, "padding_mode": "circular"}, (1, 2, 5, 6)),
    ("Conv1d", (3, 4, 5), {"padding": 2}, (2, 3, 9)),
    ("ConvTranspose2d", (3, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (2, 3, 4, 4)),
    ("ConvTranspose1d", (4, 2, 3), {"stride": 2, "padding": 1, "groups": 2}, (2, 4, 6)),
    ("MaxPool2d", (3,), {"stride": 1, "dilation": 2}, (2, 3, 7, 7)),
    ("Linear", (5, 3), {}, (4, 5)),
    ("Linear", (5, 3), {"bias": False}, (2, 4, 5)),
    ("BatchNorm1d", (4,), {}, (6, 4)),
    ("BatchNorm1d", (4,), {"affine": False}, (6, 4, 3)),
    ("BatchNorm2d", (3,), {"momentum": 0.2}, (4, 3, 5, 5)),
    ("BatchNorm2d", (3,), {"momentum": None}, (4, 3, 2, 2)),
    ("LayerNorm", ((4, 5),), {}, (2, 3, 4, 5)),
    ("GroupNorm", (2, 4), {}, (3, 4, 5, 2)),
    ("InstanceNorm2d", (3,), {"affine": True}, (2, 3, 4, 4)),
    ("MaxPool2d", (3, 2, 1), {"ceil_mode": True}, (2, 3, 8, 7)),
    ("AvgPool2d", (2,), {"padding": 1, "count_include_pad": False}, (2, 3, 7, 6)),
    ("AdaptiveAvgPool2d", ((2, 3),), {}, (2, 3, 7, 8)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 4, 4)),
    ("AdaptiveMaxPool2d", (2,), {}, (2, 3, 5, 5)),
    ("LPPool2d", (2, 2), {}, (2, 3, 4, 4)),
    ("Flatten", (), {}, (2, 3, 4, 5)),
    ("Unflatten", (1, (2, 3)), {}, (4, 6)),
    ("Identity", (), {}, (2, 3)),
    ("Upsample", (), {"scale_factor": 2, "mode": "nearest"}, (1, 2, 3, 3)),
    ("Upsample", (), {"size": (5, 4), "mode": "bilinear"}, (1, 2, 3, 3)),
    ("ZeroPad2d", ((1, 2, 0, 1),), {}, (1, 2, 3, 3)),
    ("ReLU", (), {}, (3, 4)), ("LeakyReLU", (0.2,), {}, (3, 4)), ("GELU", (), {}, (3, 4)),
    ("SiLU", (), {}, (3, 4)), ("Sigmoid", (), {}, (3, 4)), ("Tanh", (), {}, (3, 4)), ("ELU", (), {}, (3, 4)),
    ("Softmax", (), {"dim": 1}, (3, 4)), ("LogSoftmax", (), {"dim": 1}, (3, 4)), ("ReLU6", (), {}, (3, 4)),
    ("Softplus", (), {}, (3, 4)), ("PReLU", (3,), {}, (2, 3, 4)), ("Hardtanh", (), {}, (3, 4)),
    ("Embedding", (5, 3), {}, None),
]


def _ids(case):
    return case[0] + "-" + "-".join(f"{k}={v}" for k, v in case[2].items())


@pytest.mark.parametrize("precision", ["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_module_matches_pytorch(case, precision):
    name, args, kwargs, shape = case
    tolerance = 1e-10 if precision == "float64" else 2e-5  # float32: to float tolerance
    theirs = getattr(tnn, name)(*args, **kwargs).to(getattr(real, precision))
    ours = getattr(nn, name)(*args, **kwargs).to(getattr(st, precision))
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    copy_state(ours, theirs)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 5, (2, 3)) if shape is None else rng.standard_normal(shape).astype(precision)
    for step in range(2):  # twice: BatchNorm's running statistics are updated in between
        xs, xt = both(x if shape is None else x + step, requires_grad=True)
        ys, yt = ours(xs), theirs(xt)
        assert_close(ys, yt, tolerance, tolerance, f"{name} output")
        upstream = rng.standard_normal(tuple(yt.shape)).astype(precision)
        ys.backward(st.tensor(upstream))
        yt.backward(real.tensor(upstream))
        if xt.requires_grad:
            assert_close(xs.grad, xt.grad, tolerance * 10, tolerance * 10, f"{name} input gradient")
    for (key, p_ours), p_theirs in zip(ours.named_parameters(), theirs.parameters()):
        assert_close(p_ours.grad, p_theirs.grad, tolerance * 10, tolerance * 10, f"{name} gradient of {key}")
    for key, value in theirs.state_dict().items():
        assert_close(ours.state_dict()[key], value, tolerance, tolerance, f"{name} state {key}")
    ours.eval()
    theirs.eval()
    assert_close(ours(both(x)[0]), theirs(both(x)[1]), tolerance, tolerance, f"{name} eval output")


def test_default_initialisation_follows_pytorch():
    st.manual_seed(0)
    conv = nn.Conv2d(16, 32, 5)
    bound = 1 / math.sqrt(16 * 25)  # kaiming_uniform_(a=sqrt(5)) on fan_in = 16 * 5 * 5
    for tensor in (conv.weight, conv.bias):
        values = tensor.detach().numpy()
        assert values.min() >= -bound and values.max() <= bound and values.std() > bound / 2
    linear = nn.Linear(100, 10)
    assert np.abs(linear.weight.detach().numpy()).max() <= 0.1 and linear.weight.dtype is st.float32
    bn = nn.BatchNorm2d(4)
    assert bn.weight.tolist() == [1.0] * 4 and bn.bias.tolist() == [0.0] * 4
    assert bn.running_var.tolist() == [1.0] * 4 and bn.num_batches_tracked.dtype is st.int64
    assert nn.Embedding(10, 3).weight.detach().numpy().std() > 0.5


def test_module_api():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU())
            self.heads = nn.ModuleList([nn.Linear(2, 3), nn.Linear(3, 1)])
            self.table = nn.ModuleDict({"extra": nn.Linear(1, 1)})
            self.scale = nn.Parameter(st.ones(1))
            self.register_buffer("steps", st.zeros(1))
            self.register_buffer("scratch", st.zeros(1), persistent=False)

        def forward(self, x):
            return x

    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "features.0.weight", "features.0.bias", "heads.0.weight", "heads.0.bias",
                     "heads.1.weight", "heads.1.bias", "table.extra.weight", "table.extra.bias"]
    assert len(list(net.parameters())) == 9 and [n for n, _ in net.named_children()] == ["features", "heads", "table"]
    assert len(list(net.modules())) == 9 and "steps" in net.state_dict() and "scratch" not in net.state_dict()
    assert net.training and not net.eval().features[1].training and net.train().heads[0].training
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Conv2d"
    net.heads[0].weight.grad = st.ones(3, 2)
    net.zero_grad()
    assert net.heads[0].weight.grad is None
    state = net.state_dict()
    del state["scale"]
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "scale"'):
        net.load_state_dict(state)
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["scale"] and result.unexpected_keys == []
    state["heads.0.weight"] = np.zeros((4, 4), np.float32)
    with pytest.raises(RuntimeError, match="size mismatch for heads.0.weight"):
        net.load_state_dict(state, strict=False)
    with pytest.raises(RuntimeError, match="strided runs on the CPU"):
        net.to("cuda")
    assert net.double().heads[0].weight.dtype is st.float64
    with pytest.raises(AttributeError, match="before Module.__init__"):
        class Broken(nn.Module):
            def __init__(self):
                self.fc = nn.Linear(1, 1)
        Broken()


def test_state_dict_moves_between_strided_and_pytorch_both_ways():
    def build(module):
        return module.Sequential(module.Conv2d(3, 8, 3, padding=1), module.BatchNorm2d(8), module.ReLU(),
                                 module.MaxPool2d(2), module.Flatten(), module.Linear(8 * 4 * 4, 5))

    ours, theirs = build(nn), build(tnn)
    x = np.random.default_rng(1).standard_normal((2, 3, 8, 8)).astype(np.float32)
    ours(st.from_numpy(x))  # one training step of BatchNorm statistics on our side
    theirs.load_state_dict({k: real.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(st.from_numpy(x)).detach().numpy(), theirs(real.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    fresh = build(nn).eval()
    copy_state(fresh, theirs)
    np.testing.assert_array_equal(fresh(st.from_numpy(x)).detach().numpy(), ours(st.from_numpy(x)).detach().numpy())
    assert int(fresh.state_dict()["1.num_batches_tracked"]) == 1


def test_sequential_containers():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[1], nn.ReLU) and len(seq[:2]) == 2 and isinstance(seq[-1], nn.Linear)
    seq.append(nn.Sigmoid())
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear", "Sigmoid"]
    assert seq(st.randn(5, 2)).shape == (5, 1)
    from collections import OrderedDict

    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"] and named.fc is named[0]


def test_clip_grad_norm_and_value_match_pytorch():
    theirs = tnn.Linear(4, 3).double()
    ours = nn.Linear(4, 3).double()
    copy_state(ours, theirs)
    x = np.random.default_rng(2).standard_normal((5, 4))
    (ours(st.tensor(x)) ** 2).sum().backward()
    (theirs(real.tensor(x)) ** 2).sum().backward()
    assert_close(nn.utils.clip_grad_norm_(ours.parameters(), 0.5), tnn.utils.clip_grad_norm_(theirs.parameters(), 0.5))
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert_close(p.grad, q.grad)
    nn.utils.clip_grad_value_(ours.parameters(), 0.01)
    tnn.utils.clip_grad_value_(theirs.parameters(), 0.01)
    assert_close(ours.weight.grad, theirs.weight.grad)
    assert_close(nn.utils.parameters_to_vector(ours.parameters()), tnn.utils.parameters_to_vector(theirs.parameters()))


@pytest.mark.parametrize("name, kwargs, bound_or_std", [
    ("xavier_uniform_", {"gain": 2.0}, "bound"), ("xavier_normal_", {}, "std"),
    ("kaiming_uniform_", {"a": math.sqrt(5)}, "bound"), ("kaiming_uniform_", {"nonlinearity": "relu"}, "bound"),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}, "std"), ("trunc_normal_", {"std": 0.02}, "std"),
    ("uniform_", {"a": -0.3, "b": 0.3}, "bound"), ("normal_", {"std": 0.5}, "std"), ("orthogonal_", {}, "std"),
])
def test_init_functions_follow_pytorch_formulas(name, kwargs, bound_or_std):
    shape = (64, 32, 3, 3)
    ours = getattr(nn.init, name)(st.empty(*shape), **kwargs).numpy()
    theirs = getattr(tnn.init, name)(real.empty(*shape), **kwargs).numpy()
    if bound_or_std == "bound":
        assert np.isclose(np.abs(ours).max(), np.abs(theirs).max(), rtol=0.01)
    assert np.isclose(ours.std(), theirs.std(), rtol=0.05) and abs(ours.mean()) < 0.1 * ours.std() + 1e-3
    for nonlinearity, param in [("relu", None), ("tanh", None), ("leaky_relu", 0.2), ("selu", None), ("linear", None)]:
        assert nn.init.calculate_gain(nonlinearity, param) == tnn.init.calculate_gain(nonlinearity, param)
    assert nn.init.ones_(st.empty(2)).tolist() == [1.0, 1.0] and nn.init.zeros_(st.ones(2)).tolist() == [0.0, 0.0]
    assert nn.init.constant_(st.empty(2), 0.5).tolist() == [0.5, 0.5] and nn.init.eye_(st.empty(2, 2)).tolist() == [[1, 0], [0, 1]]


@pytest.mark.parametrize("training", [True, False])
def test_sequential_batchnorm_relu_fusion_changes_nothing(training):
    """Sequential runs BatchNorm -> ReLU as one fused op; the numbers are those of the two modules."""
    x = np.random.default_rng(3).standard_normal((4, 3, 5, 5))
    fused = nn.Sequential(nn.BatchNorm2d(3), nn.ReLU()).double().train(training)
    separate = nn.Sequential(nn.BatchNorm2d(3), nn.ReLU()).double().train(training)
    separate[1].register_forward_hook(lambda module, args, output: None)  # a hook turns the fusion off
    reference = tnn.Sequential(tnn.BatchNorm2d(3), tnn.ReLU()).double().train(training)
    for module in (fused, separate):
        copy_state(module, reference)
    xr = real.tensor(x, requires_grad=True)
    expected = reference(xr)
    expected.sum().backward()
    for module in (fused, separate):
        xs = st.tensor(x, requires_grad=True)
        out = module(xs)
        out.sum().backward()
        assert_close(out, expected)
        assert_close(xs.grad, xr.grad, 1e-9, 1e-9)
        assert_close(module[0].running_var, reference[0].running_var)


def test_bad_input_errors_name_the_layer_and_the_shapes():
    with pytest.raises(RuntimeError, match=r"expected input\[8, 28, 28\] to have 1 channels, but got 8 channels"):
        nn.Conv2d(1, 4, 3)(st.randn(8, 28, 28))  # a missing channel axis: read as unbatched (C, H, W)
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D \\(batched\\) input to conv2d"):
        nn.Conv2d(1, 4, 3)(st.randn(28, 28))
    with pytest.raises(ValueError, match="BatchNorm2d: expected input with 16 channels"):
        nn.BatchNorm2d(16)(st.randn(2, 8, 4, 4))
    with pytest.raises(ValueError, match="expected 4D input \\(got 2D input\\)"):
        nn.BatchNorm2d(16)(st.randn(2, 16))
    with pytest.raises(RuntimeError, match="Linear expects 1568 input features, got an input of shape \\[4, 784\\]"):
        nn.Linear(1568, 10)(st.randn(4, 784))
    with pytest.raises(RuntimeError, match="Input type \\(torch.float64\\) and weight type \\(torch.float32\\)"):
        nn.Conv2d(1, 4, 3)(st.from_numpy(np.zeros((1, 1, 5, 5))))
    with pytest.raises(TypeError, match="argument 'input' must be Tensor, not ndarray"):
        nn.Conv2d(1, 4, 3)(np.zeros((1, 1, 5, 5), np.float32))
    with pytest.raises(ValueError, match="in_channels \\(3\\) and out_channels \\(4\\) must be divisible by groups \\(2\\)"):
        nn.Conv2d(3, 4, 3, groups=2)
