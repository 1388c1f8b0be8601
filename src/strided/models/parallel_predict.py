"""predict() on several forked processes, when asked (`strided.set_data_parallel(True)`; by
default predict runs in the calling process, and on every rank under `mpiexec`): each process
predicts a contiguous run of the batches.

Inference has nothing for the processes to agree on: the caller predicts one row (which tells
the outputs' shapes and dtypes), allocates the outputs in shared memory, forks one helper
per further thread (`models.forked`: each process has its own GIL), and each process predicts its
run of batches on one thread, into its rows of the outputs. The callbacks run in the caller: for
its own batches as they come, for the helpers' once they are done. (docs/speed.md has the
measurement against threads.)

A helper that raises makes predict() raise the same exception (`forked.helper_error`); one
that predicts no batch for `forked.helper_timeout()` seconds (stopped, deadlocked) is killed
and named in a `forked.HelperTimeoutError`.

Used for in-memory arrays with at least MIN_BATCHES batches per process, the default
`predict_step`, and no callback acting between batches but strided's own (the progress bar).
"""

import time

import numpy as np

from strided import _blas_threads, _config
from strided.layers.keras_tensor import flatten
from strided.models import data_adapter, forked

MIN_BATCHES = 2  # batches per process, at least
_PREDICT_HOOKS = ("on_predict_batch_begin", "on_predict_batch_end")
_last_run = {"processes": 1}


def last_run():
    """{"processes": how many processes predicted in the last predict()}."""
    return dict(_last_run)


def choose_processes(model, adapter, callback_list):
    """How many processes predict (1: this one, on threads as usual)."""
    _last_run["processes"] = processes = _processes_for(model, adapter, callback_list)
    return processes


def _processes_for(model, adapter, callback_list):
    if type(adapter) is not data_adapter.ArrayAdapter or not forked.usable():
        return 1
    processes = min(_config.num_threads(), adapter.steps // MIN_BATCHES)
    if processes < 2:
        return 1
    if not forked.uses_trainer_steps(model, "predict_step"):
        return 1
    if not forked.read_only_between_batches(getattr(callback_list, "callbacks", []), _PREDICT_HOOKS):
        return 1
    return processes


def _wait_for(p, pid, done, errors):
    """Wait for helper p to end; raise its error, or a `forked.HelperTimeoutError` when it has
    predicted no batch for `forked.helper_timeout()` seconds (stopped or deadlocked)."""
    last, since = int(done[p]), time.monotonic()
    while True:
        status = forked.exit_status(pid)
        if status is not None:
            break
        time.sleep(0.002)
        if int(done[p]) != last:
            last, since = int(done[p]), time.monotonic()
        elif time.monotonic() - since > forked.helper_timeout():
            raise forked.stalled("predict()", p, pid)
    error = forked.helper_error(errors[p], f"predict() helper process {p} (pid {pid})")
    if error is not None:
        raise error
    if status:
        raise RuntimeError(f"predict(): helper process {p} (pid {pid}) ended with exit status {status} "
                           "without reporting an error (killed?).")


def predict(model, adapter, callback_list, processes):
    """(the outputs' leaves as arrays of all rows, one row's outputs for their nesting)."""
    plan = adapter.epoch_plan()
    starts = np.concatenate([[0], np.cumsum([adapter.batch_length(index) for index in plan])])
    probe = model.predict_step((data_adapter.rows_of(adapter.x, 0, 1),))  # the outputs' nesting, shapes, dtypes
    shared = forked.Shared([((int(starts[-1]), *leaf.shape[1:]), leaf.dtype) for leaf in flatten(data_adapter.to_arrays(probe))]
                           + [((processes, forked.ERROR_BYTES), np.uint8), ((processes,), np.int64)])
    *outputs, errors, done = shared.arrays
    runs = np.array_split(np.arange(len(plan)), processes)  # contiguous; the first is ours

    def predict_run(p, steps, report):
        for step in steps:
            if report:
                callback_list.on_predict_batch_begin(step)
            batch = model.predict_step((adapter.take(plan[step])[0],))
            for output, leaf in zip(outputs, flatten(data_adapter.to_arrays(batch))):
                output[starts[step]:starts[step + 1]] = leaf
            done[p] += 1  # progress, for the caller's timeout
            if report:
                callback_list.on_predict_batch_end(step, {"outputs": batch})

    with _blas_threads.one_thread():
        pids = []
        try:
            for p in range(1, processes):
                pids.append(forked.fork_helper(lambda p=p: predict_run(p, runs[p], False), errors[p]))
            predict_run(0, runs[0], True)
            for p, pid in enumerate(pids, start=1):
                _wait_for(p, pid, done, errors)
                pids[p - 1] = None
        finally:
            for pid in pids:  # after an error here: the helpers are not needed any more
                forked.kill(pid)
    for step in np.concatenate(runs[1:]).astype(int):
        callback_list.on_predict_batch_begin(step)
        callback_list.on_predict_batch_end(step, {"outputs": [o[starts[step]:starts[step + 1]] for o in outputs]})
    return [np.array(output) for output in outputs], probe  # out of the shared mapping
