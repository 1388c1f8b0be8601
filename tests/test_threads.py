"""Thread settings: strided.set_num_threads, the chunk runner, and single-threaded BLAS blocks."""

import time

import numpy as np
import pytest

import strided
from strided import _blas_threads, _config
from strided.kernels import conv, parallel


@pytest.fixture
def threads():
    """Restore the default thread setting after a test that changes it."""
    before = _config._NUM_THREADS
    yield strided.set_num_threads
    _config._NUM_THREADS = before
    functions = _blas_threads._thread_functions()
    if functions is not None:
        functions[1](_config.num_threads())


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


def test_one_thread_restores_the_setting_and_openblas():
    """`one_thread` (each data-parallel process) puts back an unset count as unset."""
    from strided import _blas_threads, _config

    setting = _config.thread_setting()
    _config.restore_thread_setting(None)
    get = _blas_threads._thread_functions()[0]
    before = get()
    try:
        with _blas_threads.one_thread():
            assert strided.get_num_threads() == 1 and get() == 1
        assert _config.thread_setting() is None and get() == before
        assert strided.get_num_threads() == _config._USABLE_CORES
    finally:
        _config.restore_thread_setting(setting)


def test_single_threaded_restores_the_count(threads):
    threads(2)
    get, _ = _blas_threads._thread_functions()
    with _blas_threads.single_threaded():
        assert get() == 1
    assert get() == 2


@pytest.mark.parametrize("n, step, workers", [(10, 3, 2), (64, 40, 2), (5, 100, 2), (7, 1, 3), (1, 4, 2)])
def test_even_chunks_cover_every_image_once(n, step, workers):
    chunks = parallel._even_chunks(n, step, workers)
    covered = [i for start, stop in chunks for i in range(start, stop)]
    assert covered == list(range(n))
    assert max(stop - start for start, stop in chunks) <= step
    assert len(chunks) % workers == 0 or len(chunks) == n


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


def test_conv_gives_the_same_numbers_on_one_and_on_two_threads(threads):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((9, 12, 12, 5)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 5, 7)).astype(np.float32)
    bias = rng.standard_normal(7).astype(np.float32)
    results = []
    for count in (1, 2):
        threads(count)
        y, cols = conv.conv2d_forward(x, kernel, (1, 1), ((1, 1), (1, 1)), bias=bias, relu=True)
        grads = conv.conv2d_backward(np.ones_like(y), cols, x.shape, kernel, (1, 1), ((1, 1), (1, 1)),
                                     need_dbias=True, relu_output=y)
        results.append((y, *grads))
    for one, two in zip(*results):
        np.testing.assert_allclose(one, two, rtol=1e-5, atol=1e-5)


def test_small_work_is_not_split():
    assert parallel._even_chunks(100, 1000, 2, smallest=64) == [(0, 100)]
    assert parallel._even_chunks(200, 1000, 2, smallest=64) == [(0, 100), (100, 200)]


def test_nested_and_concurrent_calls_run_and_give_the_right_sums(threads):
    threads(2)
    import concurrent.futures

    def inner(start, stop, scratch):
        scratch.add("n", np.array([stop - start]))

    def outer(start, stop, scratch):
        scratch.add("n", parallel.for_each_chunk(inner, 40, 3)["n"])  # nested: runs sequentially

    with concurrent.futures.ThreadPoolExecutor(3) as pool:  # three callers at once
        results = list(pool.map(lambda _: parallel.for_each_chunk(outer, 10, 2)["n"][0], range(3)))
    assert results == [200, 200, 200]  # 5 outer chunks, each adding the 40 inner items


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


def test_sums_are_added_in_chunk_order_whatever_the_timing(threads):
    # Floating-point addition is not associative: the total must not depend on which thread
    # ran which chunk, so that seeded runs stay bit-for-bit identical.
    import time

    threads(2)
    values = np.random.default_rng(0).standard_normal(64).astype(np.float32) * 1e4
    delays = np.random.default_rng(1).random(64) * 1e-3

    def work(start, stop, scratch):
        time.sleep(delays[start])
        scratch.add("total", values[start:stop].sum(keepdims=True))

    expected = np.zeros(1, np.float32)
    for start, stop in parallel._even_chunks(64, 4, 2):
        expected = expected + values[start:stop].sum(keepdims=True) if start else values[start:stop].sum(keepdims=True)
    for _ in range(3):
        np.testing.assert_array_equal(parallel.for_each_chunk(work, 64, 4)["total"], expected)


def test_a_single_image_runs_with_openblas_single_threaded(threads):
    """One image's GEMMs are too small to pay for waking OpenBLAS's threads (kernels.parallel)."""
    threads(2)
    get, _ = _blas_threads._thread_functions()
    counts = []
    parallel.for_each_chunk(lambda start, stop, scratch: counts.append(get()), 1, 4)
    assert counts == [1] and get() == 2


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
