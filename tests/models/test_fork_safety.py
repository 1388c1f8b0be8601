"""strided never forks: fit, evaluate and predict run in the calling process, their kernels on
threads, whatever runs beside them (a forked backend was removed: it was not measurably faster
than `mpiexec -n 2` ranks on one machine, docs/distributed.md). A program that forks itself
(os.fork, multiprocessing) still gets a working strided in the child."""

import os
import subprocess
import sys
import textwrap

import pytest

PROGRAM = textwrap.dedent("""
    import os, threading, warnings
    import numpy as np

    forks = []
    os.register_at_fork(before=lambda: forks.append(os.getpid()))
    warnings.simplefilter("error")

    import strided
    from strided import callbacks, layers

    strided.set_num_threads(2)
    release = threading.Event()
    worker = threading.Thread(target=release.wait, name="user-worker")  # a thread of the program's own
    worker.start()
    model = strided.Sequential([layers.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu"),
                                layers.BatchNormalization(), layers.Flatten(), layers.Dropout(0.2),
                                layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(1024, 8, 8, 1)).astype("float32"), rng.integers(0, 3, 1024)
    steps = []
    model.fit(x, y, batch_size=64, epochs=2, verbose=0, validation_split=0.1,
              callbacks=[callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: steps.append(os.getpid()))])
    model.evaluate(x, y, batch_size=64, verbose=0)
    outputs = model.predict(x, batch_size=64, verbose=0)
    release.set()
    worker.join()
    try:
        os.waitpid(-1, os.WNOHANG)
        children = True
    except ChildProcessError:
        children = False
    print(len(forks), children, set(steps) == {os.getpid()}, outputs.shape, strided.get_num_threads())
""")


@pytest.mark.skipif(not hasattr(os, "register_at_fork"), reason="os.register_at_fork (POSIX)")
def test_fit_evaluate_and_predict_never_fork():
    done = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "OMPI_", "PMIX_"))})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["0", "False", "True", "(1024,", "3)", "2"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork (POSIX)")
def test_a_child_the_program_forks_runs_fit():
    """The kernels' helper threads are the parent's; a forked child starts its own
    (kernels.parallel's at-fork handler) and trains."""
    program = textwrap.dedent("""
        import os
        import numpy as np
        import strided
        from strided import layers

        strided.set_num_threads(2)
        model = strided.Sequential([layers.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu"),
                                    layers.Flatten(), layers.Dense(3, activation="softmax")])
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        rng = np.random.default_rng(0)
        x, y = rng.normal(size=(256, 8, 8, 1)).astype("float32"), rng.integers(0, 3, 256)
        model.fit(x, y, batch_size=64, epochs=1, verbose=0)  # the parent's threads start
        pid = os.fork()
        if pid == 0:
            history = model.fit(x, y, batch_size=64, epochs=1, verbose=0)
            os._exit(0 if np.isfinite(history.history["loss"][0]) else 3)
        print(os.waitpid(pid, 0)[1])
    """)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["0"]
