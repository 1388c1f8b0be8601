"""Thread settings: strided.set_num_threads, the chunk runner, and single-threaded BLAS blocks."""

import time

import numpy as np
import pytest

import strided
from strided import _blas_threads, _config
from strided.kernels import parallel


def test_set_num_threads_sets_strided_and_openblas(threads):
    threads(1)
    assert strided.get_num_threads() == 1
    get, _ = _blas_threads._thread_functions()
    assert get() == 1
    threads(2)
    assert strided.get_num_threads() == 2 and get() == 2


@pytest.mark.parametrize("value", [0, -1, 1.5, "2", True, None])
def test_set_num_threads_rejects_non_positive_ints(value):
    with pytest.raises(ValueError, match="positive int"):
        strided.set_num_threads(value)


def test_single_threaded_restores_the_count(threads):
    threads(2)
    get, _ = _blas_threads._thread_functions()
    with _blas_threads.single_threaded():
        assert get() == 1
    assert get() == 2


@pytest.mark.parametrize("n, step, smallest, expected", [
    (10, 4, 1, [(0, 2), (2, 5), (5, 7), (7, 10)]),  # 3 chunks of at most 4, made 4 for 4 threads
    (64, 40, 1, [(0, 16), (16, 32), (32, 48), (48, 64)]),
    (5, 100, 1, [(0, 1), (1, 2), (2, 3), (3, 5)]),
    (7, 1, 1, [(i, i + 1) for i in range(7)]),  # at most `step` long comes first
    (1, 4, 1, [(0, 1)]),
    (200, 1000, 64, [(0, 100), (100, 200)]),  # not shorter than `smallest`: 2, even
    (0, 5, 1, [(0, 0)]),
])
def test_chunk_bounds(n, step, smallest, expected):
    chunks = parallel.chunk_bounds(n, step, smallest)
    assert chunks == expected
    assert [i for start, stop in chunks for i in range(start, stop)] == list(range(n))


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_chunks_do_not_depend_on_the_thread_count(workers, threads):
    threads(workers)
    seen = []
    parallel.for_each_chunk(lambda start, stop, scratch: seen.append((start, stop)), 50, 7)
    assert sorted(seen) == parallel.batch_leaves(50, 7)
    seen = []
    parallel.for_each_chunk(lambda start, stop, scratch: seen.append((start, stop)), 50, 7, batch=False)
    assert sorted(seen) == parallel.chunk_bounds(50, 7)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_for_each_chunk_runs_every_chunk_and_adds_the_sums(workers, threads):
    threads(workers)
    seen = np.zeros(50, int)

    def work(start, stop, scratch):
        seen[start:stop] += 1
        buffer = scratch.buffer("tmp", (stop - start,), np.float64)
        buffer[:] = np.arange(start, stop)
        scratch.add("total", np.array([buffer.sum()]))

    sums = parallel.for_each_chunk(work, 50, 7)
    assert (seen == 1).all()
    assert sums["total"][0] == sum(range(50))


@pytest.mark.parametrize("batch", [1, 9, 64])
def test_conv_gives_bit_identical_numbers_on_one_two_and_three_threads(batch, threads):
    """Forward, dX, dK and db of a convolution with a fused ReLU, and the max pooling after it:
    the same bits whatever the thread count (chunks of a fixed number of images, sums added in
    chunk order)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 12, 12, 5)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 5, 7)).astype(np.float32)
    bias = rng.standard_normal(7).astype(np.float32)
    upstream = rng.standard_normal((batch, 6, 6, 7)).astype(np.float32)
    results = []
    for count in (1, 2, 3):
        threads(count)
        tensors = [strided.Tensor(a, requires_grad=True) for a in (x, kernel, bias)]
        y = strided.ops.conv_bias_activation(*tensors, "relu", padding="same")
        pooled = strided.ops.max_pool(y, 2)
        (pooled * upstream).sum().backward()
        results.append((y.data, pooled.data, *(t.grad for t in tensors)))
    for one, other in zip(results[0], results[1]):
        assert np.array_equal(one, other)
    for one, other in zip(results[0], results[2]):
        assert np.array_equal(one, other)


def test_small_work_is_not_split():
    assert parallel.chunk_bounds(100, 1000, smallest=64) == [(0, 100)]
    assert parallel.chunk_bounds(200, 1000, smallest=64) == [(0, 100), (100, 200)]


def test_nested_and_concurrent_calls_run_and_give_the_right_sums(threads):
    threads(2)
    import concurrent.futures

    def inner(start, stop, scratch):
        scratch.add("n", np.array([stop - start]))

    def outer(start, stop, scratch):
        scratch.add("n", parallel.for_each_chunk(inner, 40, 3)["n"])  # nested: runs sequentially

    with concurrent.futures.ThreadPoolExecutor(3) as pool:  # three callers at once
        results = list(pool.map(lambda _: parallel.for_each_chunk(outer, 10, 2)["n"][0], range(3)))
    outer_chunks = len(parallel.batch_leaves(10, 2))
    assert results == [40 * outer_chunks] * 3  # each outer chunk adds the 40 inner items


def test_a_workers_exception_reaches_the_caller(threads):
    threads(2)

    def work(start, stop, scratch):
        if start > 0:
            raise RuntimeError("boom in a chunk")

    with pytest.raises(RuntimeError, match="boom in a chunk"):
        parallel.for_each_chunk(work, 10, 2)
    # and the pool still works afterwards
    assert parallel.for_each_chunk(lambda a, b, s: s.add("n", np.array([b - a])), 10, 2)["n"][0] == 10


def test_an_exception_on_a_helper_thread_reaches_the_caller(threads):
    import threading

    threads(2)
    caller = threading.get_ident()

    def work(start, stop, scratch):
        if threading.get_ident() != caller:
            raise KeyError("raised on the helper")
        time.sleep(0.01)  # the caller's chunk is slow: the helper takes the others

    with pytest.raises(KeyError, match="raised on the helper"):
        parallel.for_each_chunk(work, 4, 1)
    assert parallel.for_each_chunk(lambda a, b, s: s.add("n", np.array([b - a])), 10, 2)["n"][0] == 10


def test_helper_threads_are_started_once_and_reused(threads):
    import threading

    def helpers():
        return {t for t in threading.enumerate() if t.name == "strided"}

    threads(3)
    parallel.for_each_chunk(lambda a, b, s: time.sleep(0.001), 12, 2)
    first = helpers()
    for _ in range(5):
        parallel.for_each_chunk(lambda a, b, s: time.sleep(0.001), 12, 2)
    assert len(first) >= 2 and helpers() == first and all(t.daemon for t in first)


def test_a_forked_child_runs_chunks():
    import multiprocessing

    context = multiprocessing.get_context("fork")
    parallel.for_each_chunk(lambda a, b, s: None, 10, 2)  # the parent's pool exists
    with context.Pool(1) as pool:
        assert pool.apply(_child_sum) == 45


def _child_sum():
    return int(parallel.for_each_chunk(lambda a, b, s: s.add("n", np.array([sum(range(a, b))])), 10, 2)["n"][0])


def test_sums_are_added_along_the_batch_tree_whatever_the_timing(threads):
    # Floating-point addition is not associative: the total must not depend on which thread
    # ran which chunk, so that seeded runs stay bit-for-bit identical.
    import time

    threads(2)
    values = np.random.default_rng(0).standard_normal(64).astype(np.float32) * 1e4
    delays = np.random.default_rng(1).random(64) * 1e-3

    def work(start, stop, scratch):
        time.sleep(delays[start])
        scratch.add("total", values[start:stop].sum(keepdims=True))

    def tree(start, stop):  # the batch's halving tree, leaves of at most 4
        if stop - start <= 4:
            return values[start:stop].sum(keepdims=True)
        middle = start + (stop - start + 1) // 2
        return tree(start, middle) + tree(middle, stop)

    expected = tree(0, 64)
    for _ in range(3):
        np.testing.assert_array_equal(parallel.for_each_chunk(work, 64, 4)["total"], expected)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_chunk_runs_with_openblas_single_threaded(workers, threads):
    """A chunk's GEMMs run on one BLAS thread, as they do on the helper threads: the same
    kernels, hence the same bits, whatever the thread count."""
    threads(2)
    _config.set_num_threads(workers)
    get, _ = _blas_threads._thread_functions()
    counts = []
    parallel.for_each_chunk(lambda start, stop, scratch: counts.append(get()), 1, 4)
    assert counts == [1] and get() == 2  # OpenBLAS's count restored afterwards


def test_small_optimizer_updates_stay_on_the_calling_thread(threads):
    import threading
    import time

    from strided.optimizers import blocks

    threads(2)
    seen = set()

    def update_step(gradient, data, slots, learning_rate, scratch):
        seen.add(threading.get_ident())
        time.sleep(0.002)  # long enough for the other thread to take its share when shared
        data -= learning_rate * gradient

    small = [(np.ones(blocks.BLOCK * 4, np.float32), np.zeros(blocks.BLOCK * 4, np.float32), {})]
    blocks.update_in_blocks(update_step, small, 0.5)
    assert seen == {threading.get_ident()} and (small[0][1] == -0.5).all()
    seen.clear()
    large = [(np.ones(blocks.SHARED, np.float32), np.zeros(blocks.SHARED, np.float32), {})]
    blocks.update_in_blocks(update_step, large, 0.5)
    assert len(seen) == 2 and (large[0][1] == -0.5).all()


def _seeded_fit(threads_count):
    """A seeded fit of a CNN with batch norm and dropout, on threads only (no processes)."""
    from strided import layers

    strided.set_num_threads(threads_count)
    strided.utils.set_random_seed(0)
    model = strided.Sequential([
        layers.Input((12, 12, 3)),
        layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(2),  # fused
        layers.Conv2D(8, 3, padding="same"), layers.BatchNormalization(), layers.ReLU(),  # BN+ReLU fused
        layers.Flatten(), layers.Dropout(0.3), layers.Dense(5, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(1)
    x, y = rng.random((96, 12, 12, 3), np.float32), rng.integers(0, 5, 96)
    history = model.fit(x, y, epochs=2, batch_size=48, verbose=0)
    return model.get_weights(), model.predict(x[:40], verbose=0), history.history


def test_a_seeded_fit_gives_bit_identical_weights_on_one_and_two_threads(threads):
    one, two = _seeded_fit(1), _seeded_fit(2)
    weights_one, predictions_one, history_one = one
    weights_two, predictions_two, history_two = two
    assert len(weights_one) == len(weights_two) == 10  # BN's moving statistics included
    assert all(np.array_equal(a, b) for a, b in zip(weights_one, weights_two))
    assert np.array_equal(predictions_one, predictions_two)
    assert history_one == history_two
