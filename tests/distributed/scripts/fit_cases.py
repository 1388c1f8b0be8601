"""Small fits under `mpiexec -n N` for tests/distributed/test_fit_cases.py.

    python fit_cases.py CASE OUT_DIR

CASE is one of:
    raises       rank 1 raises ValueError in the middle of the first epoch; every rank prints
                 what it caught ("rank R caught Type: message") and raises it again
    not-split    a loss with reduction="sum": fit computes every batch whole on every rank and
                 says why once; weights saved per rank
    interrupted  BackupAndRestore(save_freq=2) and a crash on every rank at epoch 1, step 2
    resumed      the same fit again, resuming from the backup; weights saved per rank
    whole        the same fit uninterrupted; weights saved per rank
    rank0-stops  a callback on rank 0 alone sets stop_training at epoch 1, step 2 (as a signal
                 seen by one rank would): every rank stops after that step; weights and the
                 number of epochs saved per rank
    stopped      rank 1 stops itself (SIGSTOP) at epoch 0, step 1 of fit: the others wait for
                 it until the collective timeout, then raise naming it (the job ends)
    killed       rank 1 kills itself (SIGKILL) at epoch 0, step 1 of fit (the job ends)
    predict-stopped  rank 1 stops itself after predict()'s first batch
"""

import os
import signal
import sys

import numpy as np

import strided
from strided import callbacks, distributed, layers
from strided.models import Sequential
from strided.utils import set_random_seed


class StopOnRankZero(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.current = None

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.current == 1 and batch == 2 and distributed.rank() == 0:
            self.model.stop_training = True


class Crash(callbacks.Callback):
    """Raise `error` at step `step` of epoch `epoch`, on the ranks `ranks`."""

    def __init__(self, epoch, step, ranks, error):
        super().__init__()
        self.epoch, self.step, self.ranks, self.error = epoch, step, ranks, error
        self.current = None

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.current == self.epoch and batch == self.step and distributed.rank() in self.ranks:
            raise self.error


class SignalSelf(callbacks.Callback):
    """Send `signum` to this process after batch `step` (of fit's first epoch, or of predict),
    on rank 1."""

    def __init__(self, signum, step):
        super().__init__()
        self.signum, self.step = signum, step

    def _maybe(self, batch):
        if batch == self.step and distributed.rank() == 1:
            os.kill(os.getpid(), self.signum)

    def on_train_batch_end(self, batch, logs=None):
        self._maybe(batch)

    def on_predict_batch_end(self, batch, logs=None):
        self._maybe(batch)


def model_and_data():
    set_random_seed(5)
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(90, 8)), rng.integers(0, 2, 90)
    model = Sequential([layers.Input((8,)), layers.Dense(6, activation="relu"), layers.Dropout(0.2),
                        layers.Dense(2, activation="softmax")])
    return model, x, y


def main(case, out_dir):
    strided.set_floatx("float64")
    rank = distributed.rank()
    model, x, y = model_and_data()
    loss = strided.losses.SparseCategoricalCrossentropy(reduction="sum" if case == "not-split" else "sum_over_batch_size")
    model.compile(optimizer="adam", loss=loss)
    extra = []
    if case == "raises":
        extra = [Crash(0, 1, {1}, ValueError("boom on rank 1"))]
    if case in ("interrupted", "resumed"):
        extra = [callbacks.BackupAndRestore(os.path.join(out_dir, "backup"), save_freq=2)]
    if case == "interrupted":
        extra.append(Crash(1, 2, {0, 1, 2}, KeyboardInterrupt()))
    if case == "rank0-stops":
        extra = [StopOnRankZero()]
    if case in ("stopped", "killed"):
        extra = [SignalSelf(signal.SIGSTOP if case == "stopped" else signal.SIGKILL, 1)]
    try:
        if case == "predict-stopped":
            model.predict(x, batch_size=36, verbose=0, callbacks=[SignalSelf(signal.SIGSTOP, 0)])
            return
        history = model.fit(x, y, batch_size=36, epochs=3, shuffle=True, verbose=1 if case == "not-split" else 0,
                            callbacks=extra)
    except BaseException as error:
        print(f"rank {rank} caught {type(error).__name__}: {error}", flush=True)
        raise
    np.savez(os.path.join(out_dir, f"{case}-rank{rank}.npz"), *model.get_weights(),
             epochs=np.array(len(history.history["loss"])))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
