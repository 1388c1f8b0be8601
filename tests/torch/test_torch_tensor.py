"""strided.torch tensors against real PyTorch: dtype rules, promotion, broadcasting, methods,
indexing with gradients, in-place ops, grad modes and devices."""

import numpy as np
import pytest
import torch as real
from hypothesis import given, settings
from hypothesis import strategies as hs
from torch_compare import assert_close, both, check

import strided.torch as st


def test_creation_dtypes_follow_pytorch():
    cases = [[1, 2], [1.0, 2], [True, False], 3, 2.5, np.arange(3, dtype=np.int32), np.ones(2)]
    for data in cases:
        assert str(st.tensor(data).dtype) == str(real.tensor(data).dtype), data
    assert str(st.arange(5).dtype) == "torch.int64" and str(st.arange(0, 1, 0.25).dtype) == "torch.float32"
    np.testing.assert_allclose(st.arange(0, 1, 0.25).numpy(), real.arange(0, 1, 0.25).numpy())
    assert st.zeros(2, 3).dtype is st.float32 and st.ones((2, 3), dtype=st.long).dtype is st.int64
    assert st.full((2,), 7).dtype is st.int64 and st.full((2,), 7.0).dtype is st.float32
    assert st.Tensor([1, 2]).dtype is st.float32 and st.float is st.float32 and st.double is st.float64
    assert st.from_numpy(np.zeros(3, np.float64)).dtype is st.float64
    array = np.zeros(3)
    st.from_numpy(array)[0] = 5
    assert array[0] == 5  # shares memory
    np.testing.assert_allclose(st.linspace(0, 1, 5).numpy(), real.linspace(0, 1, 5).numpy())


@pytest.mark.parametrize("left, right", [
    (np.ones(3, np.int64), 0.5), (np.ones(3, np.float32), np.ones(3, np.float64)),
    (np.ones(3, np.int32), np.ones(3, np.int64)), (np.ones(3, np.float32), np.float64(2.0)),
    (np.ones(3, np.uint8), np.ones(3, np.int8)), (np.ones(3, bool), 2), (np.ones(3, np.int64), True),
])
def test_type_promotion_matches_torch(left, right):
    sl, tl = both(left)
    sr, tr = both(right) if isinstance(right, np.ndarray) else (right, right)
    for op in ("__add__", "__mul__", "__truediv__", "__sub__"):
        if op == "__sub__" and (left.dtype == bool or isinstance(right, bool)):
            continue
        assert str(getattr(sl, op)(sr).dtype) == str(getattr(tl, op)(tr).dtype), (op, left.dtype, right)
    zero_dim_s, zero_dim_t = both(np.array(2.0, np.float64))
    assert str((sl + zero_dim_s).dtype) == str((tl + zero_dim_t).dtype)


shapes = hs.lists(hs.integers(1, 4), min_size=1, max_size=3).map(tuple)


@settings(max_examples=15, deadline=None)
@given(shape=shapes, seed=hs.integers(0, 1000))
def test_arithmetic_broadcasting_and_gradients(shape, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    b = rng.standard_normal(shape[-1:]) + 3.0
    check(lambda x, y: (x * y + x / y - y ** 2).exp().mean(-1), lambda x, y: (x * y + x / y - y ** 2).exp().mean(-1),
          [a, b])
    check(lambda x: (x.sum(0, keepdim=True) * x).tanh(), lambda x: (x.sum(0, keepdim=True) * x).tanh(), [a])


def test_reductions_with_dim_and_keepdim():
    a = np.random.default_rng(0).standard_normal((3, 4, 5))
    for name, kwargs in [("sum", {"dim": 1}), ("mean", {"dim": (0, 2), "keepdim": True}), ("std", {"dim": 2}),
                         ("var", {"dim": 0, "keepdim": True}), ("var", {"dim": 1, "unbiased": False}),
                         ("std", {}), ("prod", {"dim": 1}), ("amax", {"dim": -1}), ("logsumexp", {"dim": 1}),
                         ("norm", {}), ("cumsum", {"dim": 1})]:
        function = lambda x, name=name, kwargs=kwargs: getattr(x, name)(**kwargs)  # noqa: E731
        check(function, function, [a])


def test_max_with_dim_returns_values_and_indices():
    a = np.random.default_rng(1).standard_normal((4, 6))
    s, t = both(a, requires_grad=True)
    values, indices = s.max(1)
    t_values, t_indices = t.max(1)
    assert_close(values, t_values)
    assert indices.tolist() == t_indices.tolist() and s.max(dim=1).indices.dtype is st.int64
    values.sum().backward()
    t_values.sum().backward()
    assert_close(s.grad, t.grad)
    assert s.argmax(1).tolist() == t.argmax(1).tolist() and int(s.argmax()) == int(t.argmax())
    assert float(st.max(s)) == float(real.max(t.detach()))
    assert st.max(s, 0, keepdim=True)[0].shape == (1, 6)


def test_shape_methods():
    a = np.random.default_rng(2).standard_normal((2, 3, 4))
    for fn in [lambda x: x.view(6, 4), lambda x: x.reshape(-1), lambda x: x.flatten(1), lambda x: x.unsqueeze(1),
               lambda x: x.unsqueeze(-1).squeeze(), lambda x: x.permute(2, 0, 1), lambda x: x.transpose(0, 2),
               lambda x: x.permute(2, 1, 0), lambda x: x[0].T, lambda x: x.contiguous(), lambda x: x.view_as(x), lambda x: x[:, None].expand(2, 5, 3, 4),
               lambda x: x.repeat(2, 1, 1), lambda x: x.chunk(2, -1)[1], lambda x: x.split([1, 2], 1)[1],
               lambda x: x.flip(1), lambda x: x.narrow(2, 1, 2), lambda x: x.clone(),
               lambda x: x.unflatten(2, (2, 2)), lambda x: x.squeeze(0)]:
        check(fn, fn, [a])
    check(lambda x, y: st.cat([x, y], 1), lambda x, y: real.cat([x, y], 1), [a, a[:, :2]])
    check(lambda x, y: st.stack([x, y], -1), lambda x, y: real.stack([x, y], -1), [a, a])
    s = st.zeros(2, 3, 4)
    assert s.size() == (2, 3, 4) and s.size(1) == 3 and s.size(-1) == 4 and s.dim() == 3 and s.numel() == 24
    assert repr(s.shape) == "torch.Size([2, 3, 4])"


def test_indexing_and_slicing_with_gradients():
    a = np.random.default_rng(3).standard_normal((5, 4))
    index = np.array([0, 3, 3])
    for fn in [lambda x: x[1], lambda x: x[1:4, ::2], lambda x: x[:, -1], lambda x: x[..., None, 1],
               lambda x: x[x > 0], lambda x: x.gather(1, x.argmax(1, keepdim=True)),
               lambda x: x.masked_fill(x < 0, 0.5), lambda x: x.clamp(-0.5, 0.5), lambda x: x.abs().sqrt()]:
        check(fn, fn, [a])
    check(lambda x: x[st.tensor(index)], lambda x: x[real.tensor(index)], [a])
    check(lambda x: x.index_select(0, st.tensor(index)), lambda x: x.index_select(0, real.tensor(index)), [a])
    check(lambda x: st.where(x > 0, x, x * 2), lambda x: real.where(x > 0, x, x * 2), [a])


def test_comparisons_and_eq_are_bool_tensors():
    s, t = both(np.array([1.0, 2.0, 3.0]))
    assert (s == 2).dtype is st.bool and (s > 1).tolist() == (t > 1).tolist()
    assert (s.eq(st.tensor([1.0, 0.0, 3.0]))).sum().item() == 2
    assert (s.argmax() == 2).item() is True
    labels = st.tensor([1, 2, 3])
    assert (s.long() == labels).sum().item() == 3 and (s == labels).float().mean().item() == 1.0


def test_in_place_under_no_grad_and_leaf_error():
    w = st.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w -= 0.1
    with st.no_grad():
        w -= 0.1 * w.grad
        w.add_(1.0).mul_(2)
    np.testing.assert_allclose(w.detach().numpy(), [(1 - 0.2 + 1) * 2, (2 - 0.4 + 1) * 2], rtol=1e-6)
    w.grad.zero_()
    assert w.grad.tolist() == [0.0, 0.0]
    x = st.tensor([-1.0, 2.0], requires_grad=True)
    y = x * 3
    y.relu_()  # in place on a non-leaf while recording: stays differentiable
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 3.0]
    z = st.zeros(3)
    z[1] = 5
    z[st.tensor([True, False, False])] = 2
    assert z.tolist() == [2.0, 5.0, 0.0]


def test_grad_modes():
    x = st.ones(2, requires_grad=True)
    with st.no_grad():
        assert not (x * 2).requires_grad
        with st.enable_grad():
            assert (x * 2).requires_grad
    with st.inference_mode():
        assert not (x * 2).requires_grad
    with st.set_grad_enabled(False):
        assert not st.is_grad_enabled()
    assert st.is_grad_enabled()

    @st.no_grad()
    def decorated():
        return x * 2

    assert not decorated().requires_grad and (x * 2).requires_grad


def test_backward_rules():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(st.ones(2))
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]  # accumulates, as PyTorch
    with pytest.raises(RuntimeError, match="floating point"):
        st.tensor([1, 2], requires_grad=True)
    assert x.detach().requires_grad is False and x.is_leaf and not (x * 2).is_leaf
    for lib in (st, real):  # retain_grad keeps a non-leaf's gradient, as PyTorch
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = a * 3
        b.retain_grad()
        (b * b).sum().backward()
        assert b.retains_grad and b.grad.tolist() == [6.0, 12.0] and a.grad.tolist() == [18.0, 36.0]


def test_devices_and_conversions():
    x = st.tensor([1.5, 2.5])
    assert x.to("cpu") is x and x.cpu() is x and x.device == st.device("cpu") and str(x.device) == "cpu"
    assert not st.cuda.is_available() and not st.backends.mps.is_available()
    assert not st.accelerator.is_available()
    for move in (lambda: x.to("cuda"), lambda: x.cuda(), lambda: x.to(st.device("cuda:0"))):
        with pytest.raises(RuntimeError, match="strided runs on the CPU"):
            move()
    assert x.to(st.float64).dtype is st.float64 and x.long().tolist() == [1, 2] and x.int().dtype is st.int32
    assert x.double().dtype is st.float64 and x.float().dtype is st.float32 and x.bool().dtype is st.bool
    assert x.sum().item() == 4.0 and x.tolist() == [1.5, 2.5] and isinstance(x.numpy(), np.ndarray)
    assert repr(st.tensor([[1.0, 2.0]])) == repr(real.tensor([[1.0, 2.0]]))
    assert repr(st.tensor([1, 2])) == repr(real.tensor([1, 2]))


def test_random_is_seeded():
    st.manual_seed(0)
    a = st.randn(3)
    st.manual_seed(0)
    assert st.randn(3).tolist() == a.tolist()
    generator = st.Generator().manual_seed(1)
    assert st.randperm(5, generator=generator).dtype is st.int64
    assert st.randint(0, 10, (4,)).dtype is st.int64 and st.rand(2, 2).dtype is st.float32


def test_one_engine():
    """A strided.torch tensor is a handle on strided's autograd Tensor; ops record on its tape."""
    from strided.autograd import Tensor as Node

    x = st.ones(2, requires_grad=True)
    y = x * 2
    assert isinstance(x._node, Node) and y._node._creator is not None
    assert type(y._node._creator).__module__.startswith("strided.ops")


@pytest.mark.parametrize("array", [
    np.array([-2.3983, 1.7453, 2.336]), np.array([[1.0, 2], [2, 4]]), np.array([1, 22, -3]), np.array([True, False]),
    np.array([1e-5, 1.0]), np.array(3.5), np.array([[0.5, -1.25], [10.0, 3.0]]),
])
def test_repr_matches_pytorch(array):
    dtype = np.float32 if array.dtype.kind == "f" else None
    assert repr(st.tensor(array.astype(dtype) if dtype else array)) == repr(real.tensor(array.astype(dtype) if dtype else array))
    assert f"{st.tensor(3.14159):.2f}" == "3.14"


def test_errors_in_pytorchs_words():
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of tensor b \(4\) at "
                                           r"non-singleton dimension 1"):
        st.ones(2, 3) + st.ones(4)
    with pytest.raises(RuntimeError, match="shape '\\[4, 4\\]' is invalid for input of size 6"):
        st.ones(2, 3).view(4, 4)
    with pytest.raises(IndexError, match="Dimension out of range"):
        st.ones(2, 3).sum(dim=2)
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
        st.ones(2, requires_grad=True).numpy()
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        st.ones(2).item()
