"""Loss objects: Keras reductions, sample weights, label smoothing, names and errors."""

import numpy as np
import pytest
import torch

import strided
from strided import losses
from strided.autograd import Tensor


def probabilities(rng, n=6, classes=4):
    logits = rng.standard_normal((n, classes))
    p = np.exp(logits)
    return (p / p.sum(-1, keepdims=True)).astype(np.float32), logits.astype(np.float32)


def test_sparse_loss_is_mean_of_per_sample_op(rng):
    p, _ = probabilities(rng)
    y = rng.integers(0, 4, 6)
    loss = losses.SparseCategoricalCrossentropy()(y, Tensor(p))
    per_sample = strided.ops.sparse_categorical_crossentropy(y, Tensor(p)).numpy()
    assert loss.shape == () and loss.dtype == np.float32
    assert float(loss) == pytest.approx(per_sample.mean(), rel=1e-6)
    assert float(loss) == pytest.approx(-np.log(p[np.arange(6), y]).mean(), rel=1e-5)


def test_sparse_from_logits_matches_torch_value_and_gradient(rng):
    _, logits = probabilities(rng)
    y = rng.integers(0, 4, 6)
    x = Tensor(logits, requires_grad=True)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)(y, x)
    loss.backward()
    tx = torch.tensor(logits, requires_grad=True)
    tl = torch.nn.functional.cross_entropy(tx, torch.tensor(y))
    tl.backward()
    assert float(loss) == pytest.approx(tl.item(), rel=1e-5)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), atol=1e-6)


def test_sparse_accepts_column_labels(rng):
    p, _ = probabilities(rng)
    y = rng.integers(0, 4, 6)
    a = losses.SparseCategoricalCrossentropy()(y, Tensor(p))
    b = losses.SparseCategoricalCrossentropy()(y[:, None], Tensor(p))
    assert float(a) == float(b)


def test_sparse_with_one_hot_labels_suggests_categorical(rng):
    p, _ = probabilities(rng, n=5, classes=10)
    one_hot = np.eye(10)[rng.integers(0, 10, 5)]
    with pytest.raises(ValueError, match=r"(?s)sparse_categorical_crossentropy.*\(5, 10\).*categorical_crossentropy"):
        losses.SparseCategoricalCrossentropy()(one_hot, Tensor(p))


def test_categorical_with_integer_labels_suggests_sparse(rng):
    p, _ = probabilities(rng, n=5, classes=10)
    with pytest.raises(ValueError, match=r"(?s)\(5,\).*\(5, 10\).*sparse_categorical_crossentropy"):
        losses.CategoricalCrossentropy()(rng.integers(0, 10, 5), Tensor(p))


def test_categorical_matches_sparse_on_one_hot(rng):
    p, logits = probabilities(rng)
    y = rng.integers(0, 4, 6)
    one_hot = np.eye(4, dtype=np.float32)[y]
    for from_logits, pred in ((False, p), (True, logits)):
        a = losses.CategoricalCrossentropy(from_logits=from_logits)(one_hot, Tensor(pred))
        b = losses.SparseCategoricalCrossentropy(from_logits=from_logits)(y, Tensor(pred))
        assert float(a) == pytest.approx(float(b), rel=1e-5)


def test_categorical_label_smoothing_matches_torch(rng):
    _, logits = probabilities(rng)
    y = rng.integers(0, 4, 6)
    one_hot = np.eye(4, dtype=np.float32)[y]
    loss = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2)(one_hot, Tensor(logits))
    expected = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(y), label_smoothing=0.2)
    assert float(loss) == pytest.approx(expected.item(), rel=1e-5)


def test_binary_crossentropy_matches_torch(rng):
    logits = rng.standard_normal((8, 1)).astype(np.float32)
    y = rng.integers(0, 2, 8)
    from_logits = losses.BinaryCrossentropy(from_logits=True)(y, Tensor(logits))   # (8,) vs (8, 1)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(logits), torch.tensor(y[:, None], dtype=torch.float32))
    assert float(from_logits) == pytest.approx(expected.item(), rel=1e-5)
    probs = 1 / (1 + np.exp(-logits))
    from_probs = losses.BinaryCrossentropy()(y[:, None], Tensor(probs))
    assert float(from_probs) == pytest.approx(expected.item(), rel=1e-4)


def test_binary_label_smoothing():
    loss = losses.BinaryCrossentropy(label_smoothing=0.2)(np.array([[1.0]]), Tensor(np.array([[0.7]])))
    t = 1.0 * 0.8 + 0.1
    assert float(loss) == pytest.approx(-(t * np.log(0.7) + (1 - t) * np.log(0.3)), rel=1e-5)


def test_mse_and_mae(rng):
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    assert float(losses.MeanSquaredError()(a, Tensor(b))) == pytest.approx(((a - b) ** 2).mean(), rel=1e-5)
    assert float(losses.MeanAbsoluteError()(a, Tensor(b))) == pytest.approx(np.abs(a - b).mean(), rel=1e-5)


def test_mae_gradient_matches_torch(rng):
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    x = Tensor(b, requires_grad=True, dtype=np.float64)
    losses.MeanAbsoluteError()(a, x).backward()
    tx = torch.tensor(b, requires_grad=True)
    torch.nn.functional.l1_loss(tx, torch.tensor(a)).backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), atol=1e-12)


def test_mae_shape_error():
    with pytest.raises(ValueError, match=r"mean_absolute_error.*\(4, 2\).*\(4, 3\)"):
        losses.mean_absolute_error(np.zeros((4, 2)), Tensor(np.zeros((4, 3))))


# ------------------------------------------------------------- weights and reductions
def test_sample_weight_sum_over_batch_size_divides_by_count():
    y_true, y_pred = np.zeros((4, 1)), Tensor(np.array([[1.0], [2.0], [3.0], [4.0]]))
    w = np.array([1.0, 0.0, 2.0, 0.0])
    loss = losses.MeanSquaredError()(y_true, y_pred, sample_weight=w)
    assert float(loss) == pytest.approx((1 * 1 + 2 * 9) / 4)
    column = losses.MeanSquaredError()(y_true, y_pred, sample_weight=w[:, None])
    assert float(column) == float(loss)


def test_reductions():
    y_true, y_pred = np.zeros((2, 1)), Tensor(np.array([[1.0], [2.0]]))
    w = np.array([3.0, 1.0])
    assert float(losses.MeanSquaredError(reduction="sum")(y_true, y_pred)) == 5.0
    none = losses.MeanSquaredError(reduction="none")(y_true, y_pred)
    np.testing.assert_allclose(none.numpy(), [1.0, 4.0])
    mean_w = losses.MeanSquaredError(reduction="mean_with_sample_weight")(y_true, y_pred, sample_weight=w)
    assert float(mean_w) == pytest.approx((3 + 4) / 4)
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


def test_bad_sample_weight_shape():
    with pytest.raises(ValueError, match=r"sample_weight of shape \(3,\)"):
        losses.MeanSquaredError()(np.zeros((2, 1)), Tensor(np.ones((2, 1))), sample_weight=np.ones(3))


def test_gradient_flows_through_sample_weighted_loss():
    x = Tensor(np.array([[1.0], [2.0]]), requires_grad=True, dtype=np.float64)
    losses.MeanSquaredError()(np.zeros((2, 1)), x, sample_weight=np.array([1.0, 0.0])).backward()
    np.testing.assert_allclose(x.grad, [[1.0], [0.0]])   # d/dx (w x^2)/2 = w x


# --------------------------------------------------------------------- names, get
@pytest.mark.parametrize("identifier,cls", [
    ("sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy),
    ("categorical_crossentropy", losses.CategoricalCrossentropy),
    ("binary_crossentropy", losses.BinaryCrossentropy),
    ("mse", losses.MeanSquaredError), ("MSE", losses.MeanSquaredError),
    ("mean_squared_error", losses.MeanSquaredError), ("mae", losses.MeanAbsoluteError),
    ("SparseCategoricalCrossentropy", losses.SparseCategoricalCrossentropy),
])
def test_get_names(identifier, cls):
    assert type(losses.get(identifier)) is cls


def test_get_callable_instance_config_and_errors():
    loss = losses.BinaryCrossentropy(from_logits=True)
    assert losses.get(loss) is loss and losses.get(None) is None
    wrapped = losses.get(lambda t, p: (p - t) * (p - t))
    assert float(wrapped(np.zeros(2), Tensor(np.array([1.0, 3.0])))) == 5.0
    again = losses.get(losses.serialize(losses.CategoricalCrossentropy(label_smoothing=0.1)))
    assert again.get_config()["label_smoothing"] == 0.1
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        losses.get("hinge_2")


def test_default_names_and_config():
    assert losses.SparseCategoricalCrossentropy().name == "sparse_categorical_crossentropy"
    config = losses.SparseCategoricalCrossentropy(from_logits=True).get_config()
    assert config["from_logits"] is True and config["reduction"] == "sum_over_batch_size"
    assert losses.SparseCategoricalCrossentropy.from_config(config).get_config() == config


def test_custom_loss_subclass():
    class Squared(losses.Loss):
        def call(self, y_true, y_pred):
            return (y_pred - Tensor(y_true)) * (y_pred - Tensor(y_true))

    assert Squared().name == "squared"
    assert float(Squared()(np.zeros(2), Tensor(np.array([1.0, 3.0])))) == 5.0
