import numpy as np
import pytest

from strided import metrics

# hand-computed: y_true 1 0 1 1 0 1 0 0, predictions above 0.5 marked *
Y_TRUE = np.array([1, 0, 1, 1, 0, 1, 0, 0])
Y_PRED = np.array([0.9, 0.8, 0.4, 0.7, 0.2, 0.6, 0.55, 0.1])
#  predicted:       1    1    0    1    0    1    1     0
#  TP = 3 (idx 0, 3, 5), FP = 2 (idx 1, 6), FN = 1 (idx 2)


def test_precision_and_recall_by_hand():
    p, r = metrics.Precision(), metrics.Recall()
    p.update_state(Y_TRUE, Y_PRED)
    r.update_state(Y_TRUE, Y_PRED)
    assert p.result() == pytest.approx(3 / 5)
    assert r.result() == pytest.approx(3 / 4)
    assert (p.true_positives[0], p.false_positives[0], r.false_negatives[0]) == (3, 2, 1)


def test_accumulates_and_resets():
    p = metrics.Precision()
    p.update_state(Y_TRUE[:4], Y_PRED[:4])   # TP 2 (0, 3), FP 1 (1)
    p.update_state(Y_TRUE[4:], Y_PRED[4:])   # TP 1 (5), FP 1 (6)
    assert p.result() == pytest.approx(3 / 5)
    p.reset_state()
    assert p.result() == 0.0                 # 0 / 0 -> 0, as Keras


def test_column_predictions_and_sample_weight():
    r = metrics.Recall()
    weights = np.array([1, 1, 3, 1, 1, 1, 1, 1])   # the missed positive weighs 3
    r.update_state(Y_TRUE, Y_PRED[:, None], sample_weight=weights)
    assert r.result() == pytest.approx(3 / 6)


def test_thresholds_list_and_class_id():
    p = metrics.Precision(thresholds=[0.5, 0.85])
    p.update_state(Y_TRUE, Y_PRED)
    assert p.result() == pytest.approx([3 / 5, 1.0])
    r = metrics.Recall(class_id=1)
    r.update_state(np.eye(3)[[1, 1, 0]], np.array([[0.1, 0.8, 0.1], [0.6, 0.3, 0.1], [0.2, 0.7, 0.1]]))
    assert r.result() == 0.5


def test_bad_inputs():
    with pytest.raises(ValueError, match="Threshold"):
        metrics.Precision(thresholds=1.5)
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(3, 4\)"):
        metrics.Recall().update_state(np.zeros((3, 2)), np.zeros((3, 4)))
