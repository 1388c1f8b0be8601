"""strided.torch's fast paths give the slow paths' and real PyTorch 2.13's numbers.

- nn.Sequential's fusions (Conv2d -> ReLU -> MaxPool2d, Conv2d -> ReLU, Linear -> ReLU, and
  without gradients Conv2d -> BatchNorm2d (-> ReLU -> MaxPool2d) in eval()): outputs and
  gradients against PyTorch and against the same modules called one by one (unfused);
- F.linear's weight-layout Function: values, gradients, and a C-contiguous weight gradient;
- Adam, Adadelta and SGD on blocks of a parameter larger than a block: as PyTorch, and bit for bit as
  one block, on one thread or shared;
- DataLoader's gathered TensorDataset batches: those of stacking the samples, and PyTorch's.
"""

import numpy as np
import pytest
import torch as real
from engine_calls import applied_functions
from torch_compare import assert_close, copy_state

import strided.torch as st
from strided.torch.optim import _blocks


def _unfused(model, x):
    """The modules of a Sequential called one at a time (no fusion)."""
    for module in model:
        x = module(x)
    return x


def _pair(build, seed=0, dtype=None):
    real.manual_seed(seed)
    theirs = build(real.nn)
    ours = build(st.nn)
    if dtype is not None:
        theirs = theirs.to(dtype)
        ours = ours.to(getattr(st, str(dtype).split(".")[-1]))
    copy_state(ours, theirs)
    return ours, theirs


def _conv_relu_pool(nn):
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 6, (3, 2), stride=(1, 2), bias=False), nn.ReLU(),
                         nn.Flatten(), nn.Linear(6 * 2 * 2, 7), nn.ReLU(), nn.Linear(7, 3))


def _lesson_block(nn):
    return nn.Sequential(nn.Conv2d(2, 6, 5, padding=2), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(kernel_size=2, stride=2),
                         nn.Conv2d(6, 4, 3), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4, affine=False))


@pytest.mark.parametrize("shape", [(2, 3, 8, 9), (3, 3, 9, 8)])
def test_conv_relu_pool_and_linear_relu_train_as_pytorch(shape, monkeypatch):
    ours, theirs = _pair(_conv_relu_pool, dtype=real.float64)
    x = np.random.default_rng(1).standard_normal(shape)
    xs, xt = st.tensor(x, requires_grad=True), real.tensor(x, requires_grad=True)
    applied = applied_functions(monkeypatch)
    ys, yt = ours(xs), theirs(xt)
    assert applied.count("ConvReluMaxPool") == 1 and applied.count("Conv2D") == 1  # the fused ops ran
    assert "Relu" not in applied and applied.count("Linear") == 2
    assert_close(ys, yt, 1e-10, 1e-10, "fused forward")
    upstream = np.random.default_rng(2).standard_normal(tuple(yt.shape))
    ys.backward(st.tensor(upstream))
    yt.backward(real.tensor(upstream))
    assert_close(xs.grad, xt.grad, 1e-9, 1e-9, "input gradient")
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        assert_close(p.grad, q.grad, 1e-9, 1e-9, f"gradient of {name}")


def test_fused_and_unfused_sequential_agree_in_float32():
    ours, _ = _pair(_conv_relu_pool)
    x = st.tensor(np.random.default_rng(3).standard_normal((4, 3, 8, 8)).astype(np.float32), requires_grad=True)
    fused = ours(x)
    fused.sum().backward()
    fused_grads = [p.grad.numpy().copy() for p in ours.parameters()] + [x.grad.numpy().copy()]
    ours.zero_grad()
    x.grad = None
    plain = _unfused(ours, x)
    plain.sum().backward()
    plain_grads = [p.grad.numpy() for p in ours.parameters()] + [x.grad.numpy()]
    np.testing.assert_allclose(fused.detach().numpy(), plain.detach().numpy(), rtol=1e-5, atol=1e-5)
    for a, b in zip(fused_grads, plain_grads):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_eval_batch_norm_folded_into_conv_as_pytorch(monkeypatch):
    ours, theirs = _pair(_lesson_block, dtype=real.float64)
    x = np.random.default_rng(4).standard_normal((3, 2, 10, 10))
    for _ in range(2):  # give the batch norms running statistics other than 0 and 1
        ours(st.tensor(x * 2 + 1))
        theirs(real.tensor(x * 2 + 1))
    ours.eval()
    theirs.eval()
    with st.no_grad():
        applied = applied_functions(monkeypatch)
        folded = ours(st.tensor(x))
        assert "ConvReluMaxPool" in applied and not any("BatchNorm" in name for name in applied)
        plain = _unfused(ours, st.tensor(x))
    with real.no_grad():
        expected = theirs(real.tensor(x))
    assert_close(folded, expected, 1e-10, 1e-10, "folded forward")
    np.testing.assert_allclose(folded.numpy(), plain.numpy(), rtol=1e-12, atol=1e-12)
    with st.inference_mode():
        assert_close(ours(st.tensor(x)), expected, 1e-10, 1e-10, "inference_mode")


def test_eval_with_gradients_is_not_folded_and_differentiates():
    ours, theirs = _pair(_lesson_block, dtype=real.float64)
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(5).standard_normal((2, 2, 8, 8))
    ys, yt = ours(st.tensor(x)), theirs(real.tensor(x))
    ys.sum().backward()
    yt.sum().backward()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        assert_close(p.grad, q.grad, 1e-9, 1e-9, f"gradient of {name}")


def test_hooks_and_subclasses_are_not_fused():
    ours, _ = _pair(_conv_relu_pool)
    seen = []
    ours[1].register_forward_hook(lambda module, args, output: seen.append(output.shape))
    ours(st.randn(1, 3, 8, 8))
    assert seen == [st.Size([1, 8, 8, 8])]  # the ReLU ran on its own: its hook saw its output

    class Doubling(st.nn.ReLU):
        def forward(self, input):  # noqa: A002
            return super().forward(input) * 2

    model = st.nn.Sequential(st.nn.Linear(3, 2), Doubling())
    x = st.tensor([[1.0, 2.0, 3.0]])
    expected = (model[0](x).relu() * 2).detach().numpy()
    np.testing.assert_allclose(model(x).detach().numpy(), expected)


def test_fusion_leaves_bad_input_errors_to_the_modules():
    model = st.nn.Sequential(st.nn.Conv2d(1, 2, 3), st.nn.ReLU(), st.nn.MaxPool2d(2))
    with pytest.raises(Exception) as error:
        model(st.randn(1, 1, 3, 3))  # a 1x1 conv output: too small for the 2x2 pool
    assert "MaxPool" in str(error.value) or "max_pool" in str(error.value) or "pool" in str(error.value)
    with pytest.raises(RuntimeError, match="channels"):
        model(st.randn(1, 2, 8, 8))


def test_linear_weight_gradient_is_c_contiguous_and_matches_pytorch():
    rng = np.random.default_rng(6)
    w, b = rng.standard_normal((5, 7)), rng.standard_normal(5)
    for shape in [(7,), (3, 7), (2, 3, 7)]:
        x = rng.standard_normal(shape)
        ours = [st.tensor(a, requires_grad=True) for a in (x, w, b)]
        theirs = [real.tensor(a, requires_grad=True) for a in (x, w, b)]
        ys, yt = st.nn.functional.linear(*ours), real.nn.functional.linear(*theirs)
        assert_close(ys, yt, 1e-12, 1e-12, "linear")
        (ys * ys).sum().backward()
        (yt * yt).sum().backward()
        for s, t in zip(ours, theirs):
            assert_close(s.grad, t.grad, 1e-10, 1e-10, "linear gradient")
        assert ours[1]._node.grad.flags.c_contiguous


@pytest.mark.parametrize("name, kwargs", [("Adam", {"lr": 0.01}), ("Adam", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
                                          ("AdamW", {"lr": 0.01}), ("Adadelta", {"lr": 1.0, "weight_decay": 0.1}),
                                          ("SGD", {"lr": 0.1}), ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.2}),
                                          ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True})])
def test_optimizers_in_blocks_match_pytorch_and_one_block(name, kwargs, monkeypatch):
    rng = np.random.default_rng(7)
    size = _blocks.BLOCK * 2 + 123  # more than one block, the last one short
    start = rng.standard_normal(size).astype(np.float32)
    grads = [rng.standard_normal(size).astype(np.float32) for _ in range(3)]

    def run(shared_threshold):
        monkeypatch.setattr(_blocks, "SHARED", shared_threshold)
        param = st.nn.Parameter(st.tensor(start.copy()))
        optimizer = getattr(st.optim, name)([param], **kwargs)
        for grad in grads:
            param.grad = st.tensor(grad)
            optimizer.step()
        return param.detach().numpy()

    on_this_thread, shared = run(1 << 30), run(1)
    param = real.nn.Parameter(real.tensor(start.copy()))
    optimizer = getattr(real.optim, name)([param], **kwargs)
    for grad in grads:
        param.grad = real.tensor(grad)
        optimizer.step()
    np.testing.assert_array_equal(on_this_thread, shared)
    np.testing.assert_allclose(on_this_thread, param.detach().numpy(), rtol=1e-6, atol=1e-6)
    monkeypatch.setattr(_blocks, "BLOCK", size + 1)  # one block: the same numbers, bit for bit
    np.testing.assert_array_equal(run(1 << 30), on_this_thread)


@pytest.mark.parametrize("shuffle, drop_last", [(False, False), (True, True)])
def test_tensor_dataset_batches_by_gather_equal_stacked_samples(shuffle, drop_last):
    from strided.torch.utils import data
    from strided.torch.utils.data._collate import default_collate

    images = st.tensor(np.random.default_rng(8).standard_normal((11, 1, 3, 3)).astype(np.float32))
    labels = st.arange(11)
    dataset = data.TensorDataset(images, labels)

    def batches(collate_fn):
        generator = st.Generator().manual_seed(0)
        loader = data.DataLoader(dataset, batch_size=4, shuffle=shuffle, drop_last=drop_last, generator=generator,
                                 collate_fn=collate_fn)
        return list(loader)

    gathered, stacked = batches(None), batches(lambda samples: default_collate(samples))
    assert len(gathered) == len(stacked) == (2 if drop_last else 3)
    for ours, expected in zip(gathered, stacked):
        assert isinstance(ours, list) and len(ours) == 2  # a list of columns, as default_collate
        for got, want in zip(ours, expected):
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_array_equal(got.numpy(), want.numpy())
    if not shuffle:  # and the same batches as PyTorch's DataLoader
        theirs = list(real.utils.data.DataLoader(real.utils.data.TensorDataset(
            real.tensor(images.numpy()), real.tensor(labels.numpy())), batch_size=4))
        for ours, expected in zip(gathered, theirs):
            for got, want in zip(ours, expected):
                np.testing.assert_array_equal(got.numpy(), want.numpy())


CONV_CASES = [  # (conv arguments, pool window or None, input shape)
    (dict(kernel_size=3, stride=2, padding=1), 2, (2, 3, 11, 9)),
    (dict(kernel_size=(3, 2), dilation=2, padding=(1, 2)), 3, (2, 3, 12, 10)),
    (dict(kernel_size=5, padding="same", bias=False), (2, 1), (1, 3, 7, 6)),
    (dict(kernel_size=1), None, (2, 3, 5, 5)),
    (dict(kernel_size=3, padding="valid"), 2, (3, 3, 6, 7)),
]


@pytest.mark.parametrize("conv, pool, shape", CONV_CASES)
@pytest.mark.parametrize("with_norm", [False, True])
def test_fused_conv_blocks_over_arguments_as_pytorch(conv, pool, shape, with_norm):
    def build(nn):
        layers = [nn.Conv2d(3, 4, **conv)] + ([nn.BatchNorm2d(4)] if with_norm else []) + [nn.ReLU()]
        return nn.Sequential(*layers, *([nn.MaxPool2d(pool)] if pool is not None else []))

    ours, theirs = _pair(build, dtype=real.float64)
    x = np.random.default_rng(9).standard_normal(shape)
    xs, xt = st.tensor(x, requires_grad=True), real.tensor(x, requires_grad=True)
    ys, yt = ours(xs), theirs(xt)
    assert_close(ys, yt, 1e-10, 1e-10, "training forward")
    ys.sum().backward()
    yt.sum().backward()
    assert_close(xs.grad, xt.grad, 1e-9, 1e-9, "input gradient")
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        assert_close(p.grad, q.grad, 1e-9, 1e-9, f"gradient of {name}")
    ours.eval()
    theirs.eval()
    with st.no_grad(), real.no_grad():
        assert_close(ours(st.tensor(x)), theirs(real.tensor(x)), 1e-10, 1e-10, "eval forward")
