import numpy as np
import pytest

from strided import losses, metrics
from strided.autograd import Tensor


# ------------------------------------------------------ "accuracy" resolution (Keras rules)
@pytest.mark.parametrize("y_true_shape,y_pred_shape,expected", [
    ((8,), (8, 10), metrics.SparseCategoricalAccuracy),       # one fewer axis
    ((8, 1), (8, 10), metrics.SparseCategoricalAccuracy),     # column of labels
    ((8, 10), (8, 10), metrics.CategoricalAccuracy),          # one-hot
    ((8, 1), (8, 1), metrics.BinaryAccuracy),                 # one output unit
    ((8,), (8, 1), metrics.BinaryAccuracy),
])
def test_accuracy_resolved_from_shapes(y_true_shape, y_pred_shape, expected):
    m = metrics.get("accuracy", y_true=np.zeros(y_true_shape), y_pred=np.zeros(y_pred_shape))
    assert type(m) is expected and m.name == "accuracy"


@pytest.mark.parametrize("loss", ["binary_crossentropy", losses.BinaryCrossentropy(),
                                  losses.binary_crossentropy])
def test_binary_crossentropy_loss_gives_binary_accuracy(loss):
    # multi-label output with 5 sigmoid units: still binary accuracy
    m = metrics.get("accuracy", loss=loss, y_true=np.zeros((4, 5)), y_pred=np.zeros((4, 5)))
    assert type(m) is metrics.BinaryAccuracy


def test_loss_hint_when_shapes_unknown():
    assert type(metrics.get("acc", loss="sparse_categorical_crossentropy")) is metrics.SparseCategoricalAccuracy
    assert type(metrics.get("accuracy", loss=losses.CategoricalCrossentropy())) is metrics.CategoricalAccuracy
    assert metrics.get("acc", loss="sparse_categorical_crossentropy").name == "acc"


def test_unresolved_accuracy_decides_on_first_batch():
    m = metrics.get("accuracy")
    m.update_state(np.array([2, 1]), np.array([[0.1, 0.6, 0.3], [0.05, 0.95, 0.0]]))
    assert m.kind == "sparse" and m.result() == 0.5 and m.name == "accuracy"
    m2 = metrics.get("accuracy")
    m2.update_state(np.eye(3)[[0, 1]], np.eye(3)[[0, 2]])
    assert m2.kind == "categorical" and m2.result() == 0.5


def test_resolved_accuracy_values():
    y_pred = np.array([[0.1, 0.6, 0.3], [0.05, 0.95, 0.0], [0.5, 0.2, 0.3]])
    sparse = metrics.get("accuracy", y_true=np.array([1, 1, 2]), y_pred=y_pred)
    sparse.update_state(np.array([1, 1, 2]), y_pred)
    assert sparse.result() == pytest.approx(2 / 3)
    binary = metrics.get("accuracy", y_true=np.zeros((4, 1)), y_pred=np.zeros((4, 1)))
    binary.update_state(np.array([[1], [0], [1], [0]]), np.array([[0.9], [0.6], [0.4], [0.1]]))
    assert binary.result() == 0.5


# ------------------------------------------------------------ update / result / reset
def test_update_result_reset_accumulate_over_batches():
    m = metrics.SparseCategoricalAccuracy()
    m.update_state([0, 1], [[0.9, 0.1], [0.8, 0.2]])      # 1 of 2
    m.update_state([1, 1, 1], [[0.1, 0.9]] * 3)           # 3 of 3
    assert m.result() == pytest.approx(4 / 5)
    m.reset_state()
    assert m.result() == 0.0
    assert m([0], [[1.0, 0.0]]) == 1.0                    # __call__ updates and returns


def test_sample_weight():
    m = metrics.SparseCategoricalAccuracy()
    m.update_state([0, 1, 1], [[0.9, 0.1], [0.8, 0.2], [0.1, 0.9]], sample_weight=[1.0, 3.0, 0.0])
    assert m.result() == pytest.approx(1 / 4)


def test_tensor_inputs_accepted():
    m = metrics.CategoricalAccuracy()
    m.update_state(Tensor(np.eye(2)), Tensor(np.array([[0.7, 0.3], [0.6, 0.4]])))
    assert m.result() == 0.5


def test_accuracy_exact_match():
    m = metrics.Accuracy()
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    assert m.result() == 0.75


def test_binary_accuracy_threshold():
    m = metrics.BinaryAccuracy(threshold=0.7)
    m.update_state([[1], [0]], [[0.65], [0.1]])
    assert m.result() == 0.5


def test_sparse_accuracy_with_one_hot_labels_is_a_clear_error():
    with pytest.raises(ValueError, match=r"\(4, 3\).*categorical_accuracy"):
        metrics.SparseCategoricalAccuracy().update_state(np.eye(3)[[0, 1, 2, 0]], np.zeros((4, 3)))


# ------------------------------------------------------------------------------- top-k
def test_top_k_accuracy():
    y_pred = np.array([[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1], [0.25, 0.25, 0.3, 0.2]])
    labels = np.array([1, 2, 0])
    # ranks of the label: 3rd, 3rd, tied 2nd
    sparse = metrics.SparseTopKCategoricalAccuracy(k=2)
    sparse.update_state(labels, y_pred)
    assert sparse.result() == pytest.approx(1 / 3)
    dense = metrics.TopKCategoricalAccuracy(k=3)
    dense.update_state(np.eye(4)[labels], y_pred)
    assert dense.result() == 1.0
    assert metrics.SparseTopKCategoricalAccuracy().name == "sparse_top_k_categorical_accuracy"


def test_top_k_ties_count_as_in_top_k():
    m = metrics.SparseTopKCategoricalAccuracy(k=1)
    m.update_state([1], [[0.5, 0.5, 0.0]])
    assert m.result() == 1.0


# ------------------------------------------------------------------------------ get
@pytest.mark.parametrize("name,cls", [
    ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy),
    ("categorical_accuracy", metrics.CategoricalAccuracy), ("binary_accuracy", metrics.BinaryAccuracy),
    ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy), ("precision", metrics.Precision),
    ("Recall", metrics.Recall), ("SparseCategoricalAccuracy", metrics.SparseCategoricalAccuracy),
])
def test_get_by_name(name, cls):
    assert type(metrics.get(name)) is cls


def test_get_loss_names_function_instance_and_errors():
    mae = metrics.get("mae")
    mae.update_state(np.ones((2, 3)), np.zeros((2, 3)))
    assert mae.result() == 1.0 and mae.name == "mae" and mae._direction == "down"
    def my_metric(y_true, y_pred):
        return np.abs(y_true - y_pred)
    custom = metrics.get(my_metric)
    custom.update_state(np.zeros(2), np.array([1.0, 3.0]))
    assert custom.result() == 2.0 and custom.name == "my_metric"
    m = metrics.Precision()
    assert metrics.get(m) is m
    again = metrics.get(metrics.serialize(metrics.SparseTopKCategoricalAccuracy(k=3, name="top3")))
    assert again.name == "top3" and again._fn_kwargs == {"k": 3}
    with pytest.raises(ValueError, match="Could not interpret metric identifier"):
        metrics.get("accuracy_of_doom")


def test_mean_metric():
    m = metrics.Mean(name="loss")
    m.update_state([1.0, 3.0])
    m.update_state(5.0, sample_weight=2.0)
    assert m.result() == pytest.approx((1 + 3 + 10) / 4)
    m.reset_state()
    assert m.result() == 0.0
