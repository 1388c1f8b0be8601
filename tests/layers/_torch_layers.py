"""Run a strided layer and a torch function on the same float64 input; compare values and gradients."""

import numpy as np
import torch

from strided.autograd import Tensor


def compare_layer_with_torch(layer, torch_fn, x, weights, torch_weights, rtol=1e-7, atol=1e-9, seed=0, **call):
    """`layer` (dtype float64) gets `weights` (Keras layouts); `torch_fn(x, *torch_weights)` the
    same numbers in torch layouts, as float64 tensors with gradients. Checks the output, the
    input gradient and each weight gradient (mapped back with `torch_weights[i][1]`)."""
    layer.build((None,) + tuple(x.shape[1:]))
    layer.set_weights(weights)
    xs = Tensor(x, requires_grad=True, dtype="float64")
    ys = layer(xs, **call)
    xt = torch.tensor(x, requires_grad=True)
    tw = [torch.tensor(np.ascontiguousarray(to_torch(w)), requires_grad=True) for w, (to_torch, _) in zip(weights, torch_weights)]
    yt = torch_fn(xt, *tw)
    np.testing.assert_allclose(ys.numpy(), yt.detach().numpy(), rtol=rtol, atol=atol, err_msg="forward")
    upstream = np.random.default_rng(seed).standard_normal(yt.shape)
    ys.backward(upstream)
    yt.backward(torch.tensor(upstream))
    np.testing.assert_allclose(xs.grad, xt.grad.numpy(), rtol=rtol, atol=atol, err_msg="input gradient")
    for variable, t, (_, from_torch) in zip(layer.weights, tw, torch_weights):
        if not variable.trainable:  # moving statistics: no gradient anywhere
            assert variable.grad is None, variable.name
            continue
        np.testing.assert_allclose(variable.grad, from_torch(t.grad.numpy()), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of {variable.name}")
    return ys.numpy()


def same(array):
    return array


def hwio_to_oihw(kernel):
    """Keras conv kernel (kh, kw, in, out) -> torch weight (out, in, kh, kw)."""
    return np.transpose(kernel, (3, 2, 0, 1))


def oihw_to_hwio(weight):
    return np.transpose(weight, (2, 3, 1, 0))


CONV_KERNEL = (hwio_to_oihw, oihw_to_hwio)
IDENTITY = (same, same)
