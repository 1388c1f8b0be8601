"""dense_bias_activation (the Dense layer's fused x @ W + b, ReLU) against PyTorch and gradcheck."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch_oracle import compare_with_torch

from strided import ops
from strided.autograd import gradcheck


@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3), (3,)])
@pytest.mark.parametrize("activation", [None, "relu"])
def test_matches_torch_linear(shape, activation):
    rng = np.random.default_rng(0)
    act = F.relu if activation == "relu" else (lambda t: t)
    compare_with_torch(
        lambda x, w, b: ops.dense_bias_activation(x, w, b, activation),
        lambda x, w, b: act(x @ w + b),
        [rng.standard_normal(shape), rng.standard_normal((3, 4)), rng.standard_normal(4)],
    )


def test_without_bias_matches_matmul():
    rng = np.random.default_rng(1)
    compare_with_torch(
        lambda x, w: ops.dense_bias_activation(x, w),
        lambda x, w: x @ w,
        [rng.standard_normal((6, 5)), rng.standard_normal((5, 2))],
    )


def test_gradcheck():
    rng = np.random.default_rng(2)
    assert gradcheck(lambda x, w, b: ops.dense_bias_activation(x, w, b, "relu"),
                     [rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5)])


def test_dense_layer_uses_one_op():
    from strided import Tensor, layers

    layer = layers.Dense(4, activation="relu")
    out = layer(Tensor(np.ones((2, 3), np.float32), requires_grad=True))
    assert type(out._creator).__name__ == "Dense"
    np.testing.assert_allclose(out.numpy(), np.maximum(np.ones((2, 3)) @ layer.kernel.numpy(), 0), rtol=1e-6, atol=1e-6)  # float32 against float64: sums near 0


@pytest.mark.parametrize(
    "x, w, b, kwargs, message",
    [
        ((2, 3), (4, 5), None, {}, "expected inputs"),
        ((2, 3), (3, 5), (4,), {}, "bias must have shape"),
        ((2, 3), (3, 5), None, {"activation": "tanh"}, "activation must be"),
    ],
)
def test_clear_errors(x, w, b, kwargs, message):
    with pytest.raises(ValueError, match="dense_bias_activation") as error:
        ops.dense_bias_activation(np.zeros(x), np.zeros(w), None if b is None else np.zeros(b), **kwargs)
    assert message in str(error.value)


def test_torch_reference_is_nn_linear():
    # the Keras kernel layout (in, out) is torch's weight transposed
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)
    expected = F.linear(torch.tensor(x), torch.tensor(w.T), torch.tensor(b)).numpy()
    np.testing.assert_allclose(ops.dense_bias_activation(x, w, b).data, expected, rtol=1e-6)
