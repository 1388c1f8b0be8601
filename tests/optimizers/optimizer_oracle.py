"""Run a strided optimizer and a reference side by side on the same gradients, step by step."""

import numpy as np
import torch

import strided


def random_gradients(rng, shapes, steps, dtype=np.float64):
    return [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(steps)]


def compare_with_torch_optimizer(optimizer, make_torch_optimizer, shapes=((3, 4), (5,)),
                                 steps=6, seed=0, atol=1e-10, rtol=1e-9):
    """Apply identical gradients to float64 weights in strided and torch; compare every step."""
    rng = np.random.default_rng(seed)
    initial = [rng.standard_normal(s) for s in shapes]
    variables = [strided.Variable(w, dtype=np.float64) for w in initial]
    params = [torch.nn.Parameter(torch.tensor(w)) for w in initial]
    torch_optimizer = make_torch_optimizer(params)
    for step, grads in enumerate(random_gradients(rng, shapes, steps)):
        optimizer.apply(grads, variables)
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g)
        torch_optimizer.step()
        for v, p in zip(variables, params):
            np.testing.assert_allclose(v.numpy(), p.detach().numpy(), atol=atol, rtol=rtol,
                                       err_msg=f"step {step + 1}")
    return variables


def compare_with_reference(optimizer, reference_step, shapes=((3, 4), (5,)), steps=6, seed=0,
                           dtype=np.float64, atol=1e-10, rtol=1e-9):
    """`reference_step(weights, grads, state, t)` updates a list of float64 arrays (a NumPy
    transcription of Keras' formula); strided must follow it step by step."""
    rng = np.random.default_rng(seed)
    initial = [rng.standard_normal(s) for s in shapes]
    variables = [strided.Variable(w, dtype=dtype) for w in initial]
    weights = [w.copy() for w in initial]
    state = {}
    for t, grads in enumerate(random_gradients(rng, shapes, steps), start=1):
        optimizer.apply([g.astype(dtype) for g in grads], variables)
        reference_step(weights, grads, state, t)
        for v, w in zip(variables, weights):
            assert v.dtype == dtype
            np.testing.assert_allclose(v.numpy(), w, atol=atol, rtol=rtol, err_msg=f"step {t}")
    return variables
