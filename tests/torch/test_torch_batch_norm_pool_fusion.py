"""nn.Sequential's BatchNorm2d -> ReLU -> MaxPool2d (lesson 004's blocks) runs as one engine op in
training and gives PyTorch 2.13's outputs, gradients and running statistics; in eval(), with a
MaxPool2d it cannot fuse, or with hooks, the modules give the same numbers their own way."""

import numpy as np
import pytest
import torch as real
from engine_calls import applied_functions
from torch_compare import assert_close, copy_state

import strided.torch as st


def _block(nn, pool):
    return nn.Sequential(nn.BatchNorm2d(3), nn.ReLU(), pool(nn), nn.Flatten())


@pytest.mark.parametrize("pool, shape, fused", [
    (lambda nn: nn.MaxPool2d(2), (4, 3, 8, 6), True),
    (lambda nn: nn.MaxPool2d((3, 2)), (3, 3, 7, 5), True),  # floor mode: the last row is in no window
    (lambda nn: nn.MaxPool2d(2, stride=1), (2, 3, 5, 5), False),  # overlapping windows: not fused
])
def test_training_as_pytorch(pool, shape, fused, monkeypatch):
    real.manual_seed(0)
    theirs = _block(real.nn, pool).double()
    ours = _block(st.nn, pool).to(st.float64)
    with real.no_grad():
        theirs[0].weight.uniform_(-1.5, 1.5)
        theirs[0].bias.uniform_(-1, 1)
    copy_state(ours, theirs)
    rng = np.random.default_rng(1)
    for step in range(2):
        x = np.round(rng.standard_normal(shape) * 2) + step  # ties and all-negative windows
        xs, xt = st.tensor(x, requires_grad=True), real.tensor(x, requires_grad=True)
        applied = applied_functions(monkeypatch)
        ys, yt = ours(xs), theirs(xt)
        monkeypatch.undo()
        assert ("ChannelsLastBatchNormReluMaxPool" in applied) == fused
        assert_close(ys, yt, 1e-10, 1e-10, "forward")
        upstream = rng.standard_normal(tuple(yt.shape))
        ys.backward(st.tensor(upstream))
        yt.backward(real.tensor(upstream))
        assert_close(xs.grad, xt.grad, 1e-9, 1e-9, "input gradient")
        for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
            assert_close(p.grad, q.grad, 1e-9, 1e-9, f"gradient of {name}")
        for name, buffer in theirs[0].named_buffers():
            assert_close(getattr(ours[0], name), buffer, 1e-12, 1e-12, name)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape)
    assert_close(ours(st.tensor(x)), theirs(real.tensor(x)), 1e-10, 1e-10, "eval forward")


def test_a_hooked_pool_runs_on_its_own():
    model = _block(st.nn, lambda nn: nn.MaxPool2d(2))
    seen = []
    model[2].register_forward_hook(lambda module, args, output: seen.append(tuple(output.shape)))
    x = st.randn(2, 3, 4, 4)
    fused_free = model(x)
    assert seen == [(2, 3, 2, 2)]
    assert fused_free.shape == st.Size([2, 12])
