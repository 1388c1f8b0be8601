"""autograd.trace: record the Functions a computation applies, replay them on new arrays."""

import threading

import numpy as np
import pytest

from strided import ops
from strided.autograd import Tensor, Variable, no_grad
from strided.autograd.trace import Trace, active


def small_net(x, w, b):
    return ops.softmax(ops.relu(ops.matmul(x, w) + b), axis=-1)


def record(fn, *inputs):
    trace = Trace()
    with no_grad(), trace.recording(*inputs):
        outputs = fn(*inputs)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    return trace, trace.finish(*outputs), outputs


def test_replay_on_new_arrays_matches_running_the_ops():
    rng = np.random.default_rng(0)
    w = Variable(rng.standard_normal((4, 3)))
    b = Variable(rng.standard_normal(3))
    trace, ok, _ = record(lambda x: small_net(x, w, b), Tensor(rng.random((2, 4))))
    assert ok
    assert [cls.__name__ for cls, _, _ in trace.steps] == ["MatMul", "Add", "Relu", "Softmax"]
    for _ in range(3):  # new data each time: nothing of the first input was kept
        x = rng.random((2, 4)).astype(np.float32)
        with no_grad():
            expected = small_net(Tensor(x), w, b).data
        (got,) = trace.replay([x])
        np.testing.assert_array_equal(got, expected)


def test_replay_reads_the_weights_current_values():
    w = Variable(np.ones((2, 2)))
    trace, ok, _ = record(lambda x: ops.matmul(x, w), Tensor(np.eye(2, dtype=np.float32)))
    assert ok
    w.assign([[1.0, 2.0], [3.0, 4.0]])  # in place, as optimizers and load_weights do
    (got,) = trace.replay([np.eye(2, dtype=np.float32)])
    np.testing.assert_array_equal(got, [[1, 2], [3, 4]])


def test_several_inputs_and_outputs_and_an_input_passed_through():
    a, b = Tensor(np.ones(3)), Tensor(np.full(3, 2.0))
    trace, ok, _ = record(lambda a, b: (ops.add(a, b), ops.multiply(a, b), a), a, b)
    assert ok
    total, product, same = trace.replay([np.arange(3.0), np.full(3, 3.0)])
    np.testing.assert_array_equal(total, [3, 4, 5])
    np.testing.assert_array_equal(product, [0, 3, 6])
    np.testing.assert_array_equal(same, [0, 1, 2])


def test_an_output_not_made_by_recorded_ops_means_no_trace():
    x = Tensor(np.ones(3))
    trace, ok, _ = record(lambda x: Tensor(x.data * 2), x)  # computed outside any Function
    assert not ok and trace.steps == []


def test_recording_is_per_thread_and_not_nested():
    seen = []
    trace = Trace()
    x = Tensor(np.ones(2))
    with no_grad(), trace.recording(x):
        assert active() is trace
        worker = threading.Thread(target=lambda: seen.append((active(), ops.add(x, x))))
        worker.start()
        worker.join()
        with pytest.raises(RuntimeError, match="already recording"):
            Trace().recording(x).__enter__()
        y = ops.add(x, 1.0)
    assert active() is None
    assert seen[0][0] is None  # the other thread recorded nothing
    assert trace.finish(y) and len(trace.steps) == 1


def test_intermediate_arrays_are_released_after_their_last_use():
    x = Tensor(np.ones(2))
    trace, ok, _ = record(lambda x: ops.add(ops.exp(ops.add(x, 1.0)), x), x)
    assert ok
    # step 0 makes slot 1 (read by step 1), step 1 makes slot 2 (read by step 2): each is
    # freed by its only reader; the input slot 0 after step 2; the result is kept.
    frees = [sorted(done) for _, done in trace._plan]
    assert frees == [[], [1], [0, 2]]
    np.testing.assert_allclose(trace.replay([np.zeros(2)])[0], np.exp(1.0) * np.ones(2))


def test_arrays_that_may_come_from_the_data_mean_no_trace():
    x = Tensor(np.array([-1.0, 2.0]))
    # A mask computed outside the ops (as a constant operand, or as a parameter): a replay
    # would keep the first input's mask.
    _, ok, _ = record(lambda x: ops.multiply(x, (x.data > 0).astype(np.float32)), x)
    assert not ok
    _, ok, _ = record(lambda x: ops.where(x.data > 0, x, 0.0), x)
    assert not ok
    # Scalars and weights are fine; maximum finds its mask inside the op.
    w = Variable(np.array([1.0, 1.0]))
    trace, ok, _ = record(lambda x: ops.maximum(ops.multiply(x, w), 0.5), x)
    assert ok
    np.testing.assert_array_equal(trace.replay([np.array([3.0, -3.0], np.float32)])[0], [3.0, 0.5])
