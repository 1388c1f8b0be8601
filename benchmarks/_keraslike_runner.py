"""Measurements through the Keras API, for strided and for Keras 3 on TensorFlow alike.

Both frameworks run the exact same code: build, compile with Adam and sparse categorical
cross-entropy (+ "accuracy", as the lessons do), `fit(..., verbose=0)`, `predict(...)`.
Every measurement starts with an untimed warm-up fit whose last batch has the same size as the
timed epoch's last batch, so no framework pays one-off costs (buffer allocation, tf.function
tracing for both batch shapes) inside the timed region.
"""

import os
import time

import _data
import _keras_models
from _measure import best_time, median_time


def _warmup_count(images, batch):
    """2 full batches + a last batch of the same size as the timed epoch's last batch."""
    return 2 * batch + images % batch


class KerasLikeRunner:
    """Runs the benchmark tasks with `strided` or with `keras` (framework = "strided" | "keras")."""

    def __init__(self, framework, threads):
        self.framework = framework
        if framework == "keras":
            os.environ.setdefault("KERAS_BACKEND", "tensorflow")
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
            import tensorflow as tf

            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
            import keras as lib

            self.version = f"keras {lib.__version__}, tensorflow {tf.__version__}"
        else:
            import strided as lib

            lib.set_num_threads(threads)  # strided's kernel threads and OpenBLAS's
            self.version = f"strided {lib.__version__}"
        from threadpoolctl import threadpool_limits

        self._limits = threadpool_limits(limits=threads)  # NumPy's BLAS, kept for the process
        self.lib = lib

    # ------------------------------------------------------------------ helpers
    def build(self, name):
        if self.framework == "keras":
            return _keras_models.build(name)
        from strided import applications

        self.lib.utils.set_random_seed(0)
        if name == "resnet18":
            return applications.ResNet18(weights=None, input_shape=(32, 32, 3), classes=10)
        return getattr(applications, name)()

    def compiled(self, name):
        model = self.build(name)
        model.compile(optimizer=self.lib.optimizers.Adam(),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    def fit(self, model, x, y, batch, epochs=1, callbacks=None):
        model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0, shuffle=True,
                  callbacks=callbacks)

    def _trained_model(self, task, images):
        x, y = _data.train_data(task["model"], images)
        model = self.compiled(task["model"])
        warm = _warmup_count(images, task["batch"])
        self.fit(model, x[:warm], y[:warm], task["batch"])
        return model, x, y

    # -------------------------------------------------------------------- tasks
    def train_epoch(self, task):
        """Seconds for one epoch of `images` images (best of `repeats` epochs)."""
        model, x, y = self._trained_model(task, task["images"])
        seconds = best_time(lambda: self.fit(model, x, y, task["batch"]), task["repeats"])
        return {"seconds": seconds}

    def train_steps(self, task):
        """Seconds per training step: one fit over `steps` batches, best of `repeats`."""
        model, x, y = self._trained_model(task, task["steps"] * task["batch"])
        seconds = best_time(lambda: self.fit(model, x, y, task["batch"]), task["repeats"])
        return {"seconds": seconds / task["steps"]}

    def predict(self, task):
        """Seconds to predict the test images at batch `batch` (best of `repeats`)."""
        model = self.build(task["model"])
        x, _ = _data.test_data(task["model"], task["images"])
        run = lambda: model.predict(x, batch_size=task["batch"], verbose=0)
        run()
        seconds = best_time(run, task["repeats"])
        return {"seconds": seconds}

    def latency(self, task):
        """Median seconds for one image, through the faster of two documented paths."""
        model = self.build(task["model"])
        x, _ = _data.test_data(task["model"], 1)
        if self.framework == "keras":
            paths = {"model(x, training=False)": lambda: model(x, training=False)}
        else:
            no_grad = self.lib.no_grad

            def call():
                with no_grad():
                    return model(x, training=False)

            paths = {"model(x, training=False) under no_grad()": call}
        paths["predict_on_batch(x)"] = lambda: model.predict_on_batch(x)
        medians = {name: median_time(fn, task["calls"]) for name, fn in paths.items()}
        best = min(medians, key=medians.get)
        detail = ", ".join(f"{name}: {s * 1e3:.2f} ms" for name, s in medians.items())
        return {"seconds": medians[best], "note": f"{best} ({detail})"}

    def linearity(self, task):
        """Seconds for one epoch of N and of 2N images (same warmed-up model), each the best of
        `repeats` epochs taken in turn (N, 2N, N, 2N, ...): on a machine whose speed drifts
        within minutes, both sizes then see the same spells (one epoch of each, back to back, gave
        2N/N = 1.63 once while NumPy's matmul rate fell from 381 to 254 GFLOP/s)."""
        model, x, y = self._trained_model(task, 2 * task["images"])
        n = task["images"]
        warm = _warmup_count(n, task["batch"])
        self.fit(model, x[:warm], y[:warm], task["batch"])  # the N-epoch's last batch shape too
        single = double = float("inf")
        for _ in range(max(1, task["repeats"])):
            single = min(single, best_time(lambda: self.fit(model, x[:n], y[:n], task["batch"]), 1))
            double = min(double, best_time(lambda: self.fit(model, x, y, task["batch"]), 1))
        return {"seconds": single, "double": double}

    def epochs(self, task):
        """Seconds of the first and the second epoch of one fit(epochs=2) after the warm-up."""
        model, x, y = self._trained_model(task, task["images"])
        times = []

        class EpochTimer(self.lib.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self.start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                times.append(time.perf_counter() - self.start)

        self.fit(model, x, y, task["batch"], epochs=2, callbacks=[EpochTimer()])
        return {"seconds": times[0], "second": times[1]}
