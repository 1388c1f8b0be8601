import json

import numpy as np
import pytest

from strided import regularizers
from strided.autograd import Tensor


def test_keras_docstring_values():
    # keras: L2(2.)(ones((5, 5))) == 50.0 and L1(0.01)(2 * ones((5, 5))) == 0.5
    assert float(regularizers.L2(2.0)(Tensor(np.ones((5, 5))))) == pytest.approx(50.0)
    assert float(regularizers.L1(0.01)(Tensor(2 * np.ones((5, 5))))) == pytest.approx(0.5)


def test_l1l2_is_the_sum_of_both_penalties():
    x = np.array([[1.0, -2.0], [3.0, -0.5]])
    penalty = regularizers.L1L2(l1=0.1, l2=0.2)(Tensor(x))
    assert float(penalty) == pytest.approx(0.1 * np.abs(x).sum() + 0.2 * (x**2).sum(), rel=1e-6)
    assert float(regularizers.L1L2()(Tensor(x))) == 0.0


def test_penalty_gradients():
    x = np.array([[1.0, -2.0], [3.0, -0.5]])
    w = Tensor(x, requires_grad=True, dtype="float64")
    regularizers.L1L2(l1=0.1, l2=0.2)(w).backward()
    np.testing.assert_allclose(w.grad, 0.1 * np.sign(x) + 0.4 * x)


def test_defaults_and_string_identifiers():
    assert regularizers.get("l2").get_config() == {"l2": 0.01}
    assert regularizers.get("l1").get_config() == {"l1": 0.01}
    assert regularizers.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}
    assert regularizers.l2(1e-4).get_config() == {"l2": 1e-4}
    assert regularizers.L1L2(l2=0.1).get_config() == {"l1": 0.0, "l2": 0.1}
    assert regularizers.get(None) is None


def test_instances_and_callables_pass_through():
    reg = regularizers.L2(0.5)
    assert regularizers.get(reg) is reg

    def custom(w):
        return 0.0

    assert regularizers.get(custom) is custom
    assert isinstance(regularizers.get(regularizers.L1), regularizers.L1)


@pytest.mark.parametrize("reg", [regularizers.L1(0.3), regularizers.L2(0.1), regularizers.L1L2(0.01, 0.02)])
def test_serialize_round_trip(reg):
    config = json.loads(json.dumps(regularizers.serialize(reg)))
    restored = regularizers.deserialize(config)
    assert type(restored) is type(reg) and restored.get_config() == reg.get_config()


def test_bad_arguments():
    with pytest.raises(ValueError, match="l2=-1"):
        regularizers.L2(-1)
    with pytest.raises(ValueError, match="l1=nan"):
        regularizers.L1(float("nan"))
    with pytest.raises(ValueError, match="Unknown regularizer: 'l3'"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="Could not interpret"):
        regularizers.get(5)
