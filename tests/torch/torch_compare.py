"""Run the same computation in strided.torch and in real PyTorch 2.13 and compare values and gradients.

(This directory has no __init__.py on purpose: `import torch` must find the real PyTorch.)
"""

import numpy as np
import torch as real

import strided.torch as st

real.set_num_threads(1)


def both(array, requires_grad=False, dtype=None):
    """The same array as a strided.torch tensor and a real torch tensor."""
    array = np.asarray(array)
    if dtype is not None:
        array = array.astype(dtype)
    grad = requires_grad and array.dtype.kind == "f"
    return st.tensor(array, requires_grad=grad), real.tensor(array, requires_grad=grad)


def values(x):
    if isinstance(x, real.Tensor):
        return x.detach().numpy()
    return x.detach().numpy()


def assert_close(ours, theirs, atol=1e-10, rtol=1e-10, what="value"):
    a, b = values(ours), values(theirs)
    assert tuple(a.shape) == tuple(b.shape), f"{what}: shape {a.shape} != torch {b.shape}"
    assert str(ours.dtype) == str(theirs.dtype), f"{what}: dtype {ours.dtype} != torch {theirs.dtype}"
    np.testing.assert_allclose(a, b, atol=atol, rtol=rtol, err_msg=what)


def check(ours_fn, theirs_fn, arrays, atol=1e-10, rtol=1e-10, grad=True, seed=0, dtype=np.float64):
    """Same inputs (float arrays cast to `dtype`) -> same outputs and same input gradients.

    `grad` is True (every float input requires grad), False, or one bool per input.
    """
    wanted = [grad] * len(arrays) if isinstance(grad, bool) else list(grad)
    pairs = [both(a, g, dtype if np.asarray(a).dtype.kind == "f" else None) for a, g in zip(arrays, wanted)]
    out_s = ours_fn(*[p[0] for p in pairs])
    out_t = theirs_fn(*[p[1] for p in pairs])
    assert_close(out_s, out_t, atol, rtol, "forward")
    if any(wanted) and out_t.requires_grad:
        upstream = np.random.default_rng(seed).standard_normal(tuple(out_t.shape)).astype(values(out_t).dtype)
        out_s.backward(st.tensor(upstream))
        out_t.backward(real.tensor(upstream))
        for index, (s, t) in enumerate(pairs):
            if t.requires_grad:
                expected = t.grad if t.grad is not None else real.zeros_like(t)
                got = s.grad if s.grad is not None else st.zeros_like(s)
                assert_close(got, expected, atol * 10, rtol * 10, f"gradient of input {index}")
    return out_s, out_t


def copy_state(ours, theirs):
    """Load real torch module `theirs`'s state_dict into strided module `ours` (via NumPy arrays)."""
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
