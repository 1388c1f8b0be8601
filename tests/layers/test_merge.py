import json

import numpy as np
import pytest
import torch

from strided import layers
from strided.autograd import Tensor


@pytest.mark.parametrize(
    "layer, reference",
    [
        (layers.Add, lambda a, b, c: a + b + c),
        (layers.Multiply, lambda a, b, c: a * b * c),
        (layers.Average, lambda a, b, c: (a + b + c) / 3),
        (layers.Maximum, lambda a, b, c: np.maximum(np.maximum(a, b), c)),
        (layers.Minimum, lambda a, b, c: np.minimum(np.minimum(a, b), c)),
    ],
)
def test_elementwise_merges(layer, reference, rng):
    a, b, c = (rng.standard_normal((2, 4, 4, 3)) for _ in range(3))
    np.testing.assert_allclose(layer(dtype="float64")([a, b, c]).numpy(), reference(a, b, c), rtol=1e-12)
    assert layer().compute_output_shape([(None, 4, 4, 3)] * 3) == (None, 4, 4, 3)


def test_subtract_takes_exactly_two(rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    np.testing.assert_allclose(layers.Subtract(dtype="float64")([a, b]).numpy(), a - b)
    with pytest.raises(ValueError, match=r"Subtract.*exactly 2 inputs, received 3"):
        layers.Subtract()([a, b, a])


def test_residual_add_on_symbolic_tensors_and_gradients(rng):
    inputs = layers.Input((8, 8, 16))
    y = layers.Conv2D(16, 3, padding="same")(inputs)
    assert layers.Add()([inputs, y]).shape == (None, 8, 8, 16)
    assert layers.add([inputs, y]).shape == (None, 8, 8, 16)
    x = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    out = layers.Add()([x, x])  # a tensor used twice gets both gradients
    out.backward(np.ones((2, 3)))
    np.testing.assert_array_equal(x.grad, 2.0)


def test_broadcasting_merges():
    assert layers.Add()([np.ones((2, 4, 4, 3)), np.ones((2, 1, 1, 3))]).shape == (2, 4, 4, 3)
    assert layers.Multiply().compute_output_shape([(None, 4, 1), (None, 1, 5)]) == (None, 4, 5)
    with pytest.raises(ValueError, match=r"Add.*incompatible shapes"):
        layers.Add()([layers.Input((4, 3)), layers.Input((4, 5))])


def test_concatenate(rng):
    a, b = rng.standard_normal((2, 4, 4, 16)), rng.standard_normal((2, 4, 4, 32))
    np.testing.assert_allclose(layers.Concatenate(dtype="float64")([a, b]).numpy(), np.concatenate([a, b], -1))
    assert layers.concatenate([layers.Input((4, 4, 16)), layers.Input((4, 4, 32))]).shape == (None, 4, 4, 48)
    assert layers.Concatenate(axis=1).compute_output_shape([(None, 2, 3), (None, 5, 3)]) == (None, 7, 3)
    assert layers.Concatenate(axis=1).compute_output_shape([(None, None, 3), (None, 5, 3)]) == (None, None, 3)
    with pytest.raises(ValueError, match=r"Concatenate.*matching shapes except for the concatenation axis"):
        layers.Concatenate()([layers.Input((4, 4, 16)), layers.Input((5, 4, 32))])
    xs = [Tensor(a, requires_grad=True, dtype="float64"), Tensor(b, requires_grad=True, dtype="float64")]
    ts = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    upstream = rng.standard_normal((2, 4, 4, 48))
    layers.Concatenate()(xs).backward(upstream)
    torch.cat(ts, -1).backward(torch.tensor(upstream))
    for s, t in zip(xs, ts):
        np.testing.assert_allclose(s.grad, t.grad.numpy())


def test_merge_needs_a_list():
    with pytest.raises(ValueError, match=r"Add.*list of inputs"):
        layers.Add()(np.ones((2, 3)))


@pytest.mark.parametrize("layer", [layers.Add(), layers.Concatenate(axis=1), layers.Average(name="avg")])
def test_config_round_trip(layer):
    config = json.loads(json.dumps(layer.get_config()))
    assert type(layer).from_config(config).get_config() == layer.get_config()
