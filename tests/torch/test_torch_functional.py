"""nn.functional against real PyTorch 2.13: same float64 inputs -> same outputs and gradients (to 1e-10),
over hypothesis-drawn shapes and arguments where they matter."""

import numpy as np
import pytest
import torch as real
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as hs
from torch_compare import both, check

import strided.torch as st
import strided.torch.nn.functional as F

QUICK = settings(max_examples=12, deadline=None)


@QUICK
@given(batch=hs.integers(1, 2), cin=hs.integers(1, 3), cout=hs.integers(1, 3), size=hs.integers(5, 8),
       k=hs.integers(1, 3), stride=hs.integers(1, 2), padding=hs.integers(0, 2), dilation=hs.integers(1, 2),
       groups=hs.sampled_from([1, 2]), bias=hs.booleans(), seed=hs.integers(0, 99))
def test_conv2d(batch, cin, cout, size, k, stride, padding, dilation, groups, bias, seed):
    cin, cout = cin * groups, cout * groups
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((batch, cin, size, size + 1)), rng.standard_normal((cout, cin // groups, k, k))]
    if bias:
        arrays.append(rng.standard_normal(cout))
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    check(lambda *a: F.conv2d(*a, **kwargs), lambda *a: TF.conv2d(*a, **kwargs), arrays)


@pytest.mark.parametrize("padding", ["same", "valid", (1, 2)])
def test_conv_padding_forms(padding):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2))]
    check(lambda x, w: F.conv2d(x, w, padding=padding), lambda x, w: TF.conv2d(x, w, padding=padding), arrays)
    arrays1 = [rng.standard_normal((2, 3, 9)), rng.standard_normal((4, 3, 4)), rng.standard_normal(4)]
    p1 = padding if isinstance(padding, str) else padding[1]
    check(lambda x, w, b: F.conv1d(x, w, b, padding=p1), lambda x, w, b: TF.conv1d(x, w, b, padding=p1), arrays1)


@QUICK
@given(stride=hs.integers(1, 3), padding=hs.integers(0, 1), output_padding=hs.integers(0, 1), k=hs.integers(2, 3),
       groups=hs.sampled_from([1, 2]), seed=hs.integers(0, 99))
def test_conv_transpose2d(stride, padding, output_padding, k, groups, seed):
    if output_padding >= stride:
        output_padding = 0
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((2, 2 * groups, 4, 5)), rng.standard_normal((2 * groups, 3, k, k)),
              rng.standard_normal(3 * groups)]
    kwargs = dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups)
    check(lambda *a: F.conv_transpose2d(*a, **kwargs), lambda *a: TF.conv_transpose2d(*a, **kwargs), arrays)


@QUICK
@given(k=hs.integers(1, 3), stride=hs.integers(1, 3), padding=hs.integers(0, 1), ceil_mode=hs.booleans(),
       count_include_pad=hs.booleans(), size=hs.integers(4, 9), seed=hs.integers(0, 99))
def test_pooling(k, stride, padding, ceil_mode, count_include_pad, size, seed):
    padding = min(padding, k // 2)
    x = np.random.default_rng(seed).standard_normal((2, 3, size, size + 2))
    check(lambda a: F.max_pool2d(a, k, stride, padding, ceil_mode=ceil_mode),
          lambda a: TF.max_pool2d(a, k, stride, padding, ceil_mode=ceil_mode), [x])
    check(lambda a: F.avg_pool2d(a, k, stride, padding, ceil_mode, count_include_pad),
          lambda a: TF.avg_pool2d(a, k, stride, padding, ceil_mode, count_include_pad), [x])


def test_adaptive_and_lp_pooling():
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 9))
    for size in [1, (3, 4), (None, 2), 7]:
        check(lambda a, size=size: F.adaptive_avg_pool2d(a, size), lambda a, size=size: TF.adaptive_avg_pool2d(a, size),
              [x])
        check(lambda a, size=size: F.adaptive_max_pool2d(a, size), lambda a, size=size: TF.adaptive_max_pool2d(a, size),
              [x])
    check(lambda a: F.lp_pool2d(a, 2, 2), lambda a: TF.lp_pool2d(a, 2, 2), [x])
    check(lambda a: F.max_pool1d(a[:, :, 0], 2), lambda a: TF.max_pool1d(a[:, :, 0], 2), [x])
    check(lambda a: F.avg_pool1d(a[:, :, 0], 3, 2, 1), lambda a: TF.avg_pool1d(a[:, :, 0], 3, 2, 1), [x])


@pytest.mark.parametrize("name, kwargs", [
    ("relu", {}), ("relu6", {}), ("leaky_relu", {"negative_slope": 0.1}), ("elu", {"alpha": 0.7}), ("selu", {}),
    ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("sigmoid", {}), ("tanh", {}),
    ("softplus", {}), ("softplus", {"beta": 2.0}), ("hardtanh", {}), ("hardsigmoid", {}), ("hardswish", {}),
    ("logsigmoid", {}), ("softsign", {}), ("mish", {}), ("celu", {}), ("softmax", {"dim": 1}),
    ("log_softmax", {"dim": -1}), ("softmin", {"dim": 0}), ("glu", {"dim": 1}), ("normalize", {}),
])
def test_activations(name, kwargs):
    x = np.random.default_rng(1).standard_normal((3, 4, 5)) * 3
    tolerance = 1e-7 if name.startswith("hard") else 1e-10  # PyTorch's float64 hard* kernels use a float32 1/6
    check(lambda a: getattr(F, name)(a, **kwargs), lambda a: getattr(TF, name)(a, **kwargs), [x], tolerance, tolerance)


@QUICK
@given(classes=hs.integers(2, 5), batch=hs.integers(1, 6), weighted=hs.booleans(), ignore=hs.booleans(),
       smoothing=hs.sampled_from([0.0, 0.1]), reduction=hs.sampled_from(["mean", "sum", "none"]),
       spatial=hs.booleans(), seed=hs.integers(0, 99))
def test_cross_entropy_and_nll(classes, batch, weighted, ignore, smoothing, reduction, spatial, seed):
    rng = np.random.default_rng(seed)
    shape = (batch, classes, 3) if spatial else (batch, classes)
    logits = rng.standard_normal(shape)
    target = rng.integers(0, classes, (batch, 3) if spatial else (batch,))
    if ignore:
        target.flat[0] = -100
        if target.size == 1:
            reduction = "sum"
    arrays = [logits, target] + ([rng.random(classes) + 0.5] if weighted else [])
    kwargs = dict(reduction=reduction, label_smoothing=smoothing)

    def ours(x, t, *w):
        return F.cross_entropy(x, t, *w, **kwargs)

    def theirs(x, t, *w):
        return TF.cross_entropy(x, t, *w, **kwargs)

    grads = [True, False, False]
    check(ours, theirs, arrays, grad=grads)
    check(lambda x, t, *w: F.nll_loss(F.log_softmax(x, 1), t, *w, reduction=reduction),
          lambda x, t, *w: TF.nll_loss(TF.log_softmax(x, 1), t, *w, reduction=reduction), arrays, grad=grads)


def test_cross_entropy_with_probabilities_and_float32():
    rng = np.random.default_rng(2)
    logits, probs = rng.standard_normal((4, 3)), rng.dirichlet(np.ones(3), 4)
    check(lambda x, p: F.cross_entropy(x, p, label_smoothing=0.2), lambda x, p: TF.cross_entropy(x, p, label_smoothing=0.2),
          [logits, probs], grad=[True, False])
    check(F.cross_entropy, TF.cross_entropy, [logits, np.array([0, 2, 1, 1])], atol=1e-6, rtol=1e-5, dtype=np.float32)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_and_binary_losses(reduction):
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    p, t = rng.uniform(0.05, 0.95, (4, 3)), rng.integers(0, 2, (4, 3)).astype(float)
    for name in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"):
        check(lambda x, y, name=name: getattr(F, name)(x, y, reduction=reduction),
              lambda x, y, name=name: getattr(TF, name)(x, y, reduction=reduction), [a, b])
    check(lambda x, y: F.binary_cross_entropy(x, y, reduction=reduction),
          lambda x, y: TF.binary_cross_entropy(x, y, reduction=reduction), [p, t], grad=[True, False])
    check(lambda x, y, w: F.binary_cross_entropy_with_logits(x, y, reduction=reduction, pos_weight=w),
          lambda x, y, w: TF.binary_cross_entropy_with_logits(x, y, reduction=reduction, pos_weight=w),
          [a * 4, t, rng.random(3) + 0.5], grad=[True, False, False])
    check(lambda x, y: F.kl_div(F.log_softmax(x, 1), F.softmax(y, 1), reduction="batchmean"),
          lambda x, y: TF.kl_div(TF.log_softmax(x, 1), TF.softmax(y, 1), reduction="batchmean"), [a, b])


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm(training):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 3, 5, 2))
    s_mean, t_mean = both(rng.standard_normal(3))
    s_var, t_var = both(rng.random(3) + 0.5)
    check(lambda a, w, b: F.batch_norm(a, s_mean, s_var, w, b, training, 0.1, 1e-5),
          lambda a, w, b: TF.batch_norm(a, t_mean, t_var, w, b, training, 0.1, 1e-5),
          [x, rng.random(3) + 0.5, rng.standard_normal(3)])
    np.testing.assert_allclose(s_mean.numpy(), t_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(s_var.numpy(), t_var.numpy(), rtol=1e-12)


def test_layer_group_instance_norm():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 4, 3, 5))
    check(lambda a, w, b: F.layer_norm(a, (3, 5), w, b), lambda a, w, b: TF.layer_norm(a, (3, 5), w, b),
          [x, rng.random((3, 5)), rng.standard_normal((3, 5))])
    check(lambda a, w, b: F.layer_norm(a, 5, w, b), lambda a, w, b: TF.layer_norm(a, (5,), w, b),
          [x, rng.random(5), rng.standard_normal(5)])
    check(lambda a, w, b: F.group_norm(a, 2, w, b), lambda a, w, b: TF.group_norm(a, 2, w, b),
          [x, rng.random(4), rng.standard_normal(4)])
    check(lambda a: F.instance_norm(a), lambda a: TF.instance_norm(a), [x])


def test_linear_pad_one_hot_embedding():
    rng = np.random.default_rng(6)
    check(F.linear, TF.linear, [rng.standard_normal((3, 4)), rng.standard_normal((2, 4)), rng.standard_normal(2)])
    check(F.linear, TF.linear, [rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4))])
    x = rng.standard_normal((2, 3, 4, 5))
    for pad, mode in [((1, 2), "constant"), ((1, 1, 2, 0), "reflect"), ((2, 1, 1, 1), "replicate"),
                      ((1, 1, 1, 1), "circular"), ((-1, 2), "constant")]:
        check(lambda a, pad=pad, mode=mode: F.pad(a, pad, mode), lambda a, pad=pad, mode=mode: TF.pad(a, pad, mode), [x])
    labels = np.array([0, 3, 1])
    s, t = both(labels)
    assert F.one_hot(s, 5).tolist() == TF.one_hot(t, 5).tolist() and F.one_hot(s).dtype is st.int64
    check(lambda w: F.embedding(st.tensor([[1, 2], [1, 0]]), w),
          lambda w: TF.embedding(real.tensor([[1, 2], [1, 0]]), w), [rng.standard_normal((3, 4))])


@pytest.mark.parametrize("kwargs", [
    {"scale_factor": 2, "mode": "nearest"}, {"size": (5, 7), "mode": "nearest"},
    {"size": (5, 7), "mode": "bilinear", "align_corners": False}, {"scale_factor": 2, "mode": "bilinear"},
    {"size": (2, 9), "mode": "bilinear", "align_corners": True}, {"size": (2, 3), "mode": "area"},
    {"scale_factor": 3, "mode": "nearest-exact"},
])
def test_interpolate(kwargs):
    x = np.random.default_rng(7).standard_normal((2, 3, 4, 6))
    check(lambda a: F.interpolate(a, **kwargs), lambda a: TF.interpolate(a, **kwargs), [x])


def test_dropout_statistics_and_eval():
    st.manual_seed(0)
    x = st.ones(200, 100)
    y = F.dropout(x, 0.3)
    kept = (y != 0).float().mean().item()
    assert abs(kept - 0.7) < 0.02
    np.testing.assert_allclose(np.unique(y.numpy()), [0.0, 1 / 0.7], rtol=1e-6)
    assert F.dropout(x, 0.3, training=False) is x
    z = F.dropout2d(st.ones(8, 16, 3, 3), 0.5).numpy()
    assert np.all((z == z[:, :, :1, :1]))  # whole channels dropped together
    w = st.ones(4, requires_grad=True)
    F.dropout(w, 0.5).sum().backward()
    assert set(w.grad.tolist()) <= {0.0, 2.0}


def test_errors_name_the_problem():
    x = st.randn(1, 3, 8, 8)
    with pytest.raises(RuntimeError, match="expected input.*to have 1 channels, but got 3"):
        F.conv2d(x, st.randn(4, 1, 3, 3))
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied"):
        F.linear(st.randn(2, 5), st.randn(3, 4))
    with pytest.raises(IndexError, match="out of bounds"):
        F.cross_entropy(st.randn(2, 3), st.tensor([0, 3]))


@pytest.mark.parametrize("kwargs", [
    {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2}, {"kernel_size": 2, "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1},
])
def test_max_pool_with_indices_dilation_and_unpool(kwargs):
    x = np.random.default_rng(8).standard_normal((2, 3, 9, 8))
    s, t = both(x, requires_grad=True)
    (values, indices), (t_values, t_indices) = (F.max_pool2d(s, return_indices=True, **kwargs),
                                                TF.max_pool2d(t, return_indices=True, **kwargs))
    assert indices.tolist() == t_indices.tolist() and indices.dtype is st.int64
    np.testing.assert_array_equal(values.detach().numpy(), t_values.detach().numpy())
    check(lambda a: F.max_pool2d(a, **kwargs), lambda a: TF.max_pool2d(a, **kwargs), [x])
    if "dilation" not in kwargs:
        unpool = {k: kwargs.get(k, d) for k, d in (("kernel_size", 2), ("stride", None), ("padding", 0))}
        unpool["output_size"] = (9, 8) if "padding" in kwargs else None  # padding: the default size misses a row
        check(lambda v: F.max_unpool2d(v, indices, **unpool), lambda v: TF.max_unpool2d(v, t_indices, **unpool),
              [values.detach().numpy()])
        assert repr(st.nn.MaxUnpool2d(2)) == repr(real.nn.MaxUnpool2d(2))
