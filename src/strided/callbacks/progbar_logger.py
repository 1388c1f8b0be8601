"""`ProgbarLogger`: the progress display of fit / evaluate / predict (verbose=1 or 2).

verbose=1: one live bar per epoch (tqdm, which also renders in Jupyter), e.g.

    Epoch 1/5 120/1875 |█▎                  | 00:03 - 25ms/step - loss: 0.5123 - accuracy: 0.8125

  and, when the epoch ends, the complete final line with val_loss / val_ metrics, written in
  full (the terminal wraps it), as Keras does, never cut to the terminal's width.
verbose=2: one line per epoch, written when it ends:

    Epoch 1/5 - 3s - 25ms/step - loss: 0.4012 - accuracy: 0.8571 - val_loss: 0.3510 - ...

tqdm draws the live bar (in Jupyter its widget when ipywidgets is installed, else its text
bar, without a warning); without tqdm verbose=1 redraws a plain text line with carriage
returns. Numbers use Keras' format: 4 decimals, or scientific notation below 1e-3.
"""

import importlib.util
import shutil
import sys
import time

from strided.callbacks.callback import Callback


def format_value(value):
    """Keras' Progbar number format: '0.1234', or '1.2346e-04' for small magnitudes; a
    per-class result (an array, such as F1Score(average=None)'s) as '[0.5000 0.2500]'."""
    if getattr(value, "ndim", 0) > 0:
        return "[" + " ".join(format_value(float(v)) for v in value.ravel()) + "]"
    if isinstance(value, float) or hasattr(value, "__float__") and not isinstance(value, int):
        value = float(value)
        return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"
    return str(value)


def format_logs(logs):
    """' - loss: 0.1234 - accuracy: 0.9000' for the scalar entries of `logs`."""
    parts = [f"{key}: {format_value(value)}" for key, value in (logs or {}).items()
             if key not in ("outputs", "size", "batch")]
    return "".join(" - " + part for part in parts)


def format_time_per_step(seconds):
    """'2s/step', '25ms/step' or '350us/step', as Keras."""
    if seconds >= 1:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


def _interactive():
    """True when a redrawn bar can be seen: a terminal, or a Jupyter kernel."""
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty()) or "ipykernel" in sys.modules


def _load_tqdm():
    """tqdm's bar class: the notebook widget inside Jupyter when ipywidgets can draw it, else
    the text bar (tqdm.auto would warn "IProgress not found" there and fall back itself)."""
    try:
        if "ipykernel" in sys.modules and importlib.util.find_spec("ipywidgets") is not None:
            from tqdm.auto import tqdm
        else:
            from tqdm.std import tqdm
    except ImportError:
        return None
    return tqdm


def _terminal_width_known():
    """False where the terminal reports no width (0 columns): tqdm would then cut every line
    to nothing."""
    return shutil.get_terminal_size((0, 0)).columns > 0


class ProgbarLogger(Callback):
    """Prints progress and metrics to stdout; `fit` adds one automatically when verbose != 0.

    Args:
        use_tqdm: use a tqdm bar for verbose=1 when tqdm is installed (default True).

    Reads `params` "verbose" (1, 2 or "auto" = 1), "epochs" and "steps" (None if unknown).
    Validation inside `fit` is silent; `evaluate` / `predict` alone show their own bar.
    """

    def __init__(self, use_tqdm=True):
        super().__init__()
        self.verbose, self.epochs, self.target = 1, 1, None
        self.use_tqdm = use_tqdm
        self._called_in_fit = False
        self._bar = None
        self._reset(desc="")

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else int(verbose)
        self.epochs = params.get("epochs", 1) or 1
        self.target = params.get("steps")

    # --------------------------------------------------------------------- hooks
    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_epoch_begin(self, epoch, logs=None):
        self._reset(desc=f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finish(logs)

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset(desc="")

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update(batch, logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finish(logs)

    def on_predict_begin(self, logs=None):
        self._reset(desc="")

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)

    def on_predict_end(self, logs=None):
        self._finish(None)

    # ------------------------------------------------------------------ drawing
    def _reset(self, desc):
        self._close_bar()
        self._tqdm = _load_tqdm() if self.use_tqdm and self.verbose == 1 else None
        self.desc, self.seen, self.start = desc, 0, time.perf_counter()
        self._last_draw = 0.0

    def _close_bar(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _status(self, logs):
        elapsed = time.perf_counter() - self.start
        per_step = format_time_per_step(elapsed / self.seen) if self.seen else "?/step"
        return f" - {per_step}{format_logs(logs)}"

    def _update(self, batch, logs):
        self.seen = batch + 1
        if self.verbose != 1 or not _interactive():
            return  # into a file or a pipe: only the finished line, as Keras does
        if self._tqdm is not None:
            if self._bar is None:
                self._bar = self._make_bar(self._tqdm)
            self._bar.postfix = [self._status(logs)]
            self._bar.update(self.seen - self._bar.n)
        else:
            now = time.perf_counter()
            if now - self._last_draw >= 0.1:  # redraw at most 10 times a second
                self._last_draw = now
                self._write_plain_line(logs, end="")

    def _make_bar(self, tqdm):
        prefix = f"{self.desc} " if self.desc else ""
        if self.target:
            # Jupyter's tqdm draws its own widget where the format says "{bar}".
            bar = "{bar}" if "notebook" in getattr(tqdm, "__module__", "") else "{bar:20}"
            bar_format = prefix + "{n_fmt}/{total_fmt} |" + bar + "| {elapsed}{postfix[0]}"
        else:
            bar_format = prefix + "{n_fmt} steps {elapsed}{postfix[0]}"
        return tqdm(total=self.target, bar_format=bar_format, postfix=[""], file=sys.stdout,
                    leave=False, dynamic_ncols=_terminal_width_known(), mininterval=0.1)

    def _write_plain_line(self, logs, end):
        total = self.target or self.seen
        prefix = f"{self.desc} " if self.desc else ""
        elapsed = int(time.perf_counter() - self.start)
        redraw = "\r" if _interactive() else ""
        line = f"{redraw}{prefix}{self.seen}/{total} - {elapsed}s{self._status(logs)}"
        sys.stdout.write(line + end)
        sys.stdout.flush()

    def _finish(self, logs):
        if self.verbose == 1 and self._bar is not None:
            # The live bar is cleared (leave=False) and the final line written whole: tqdm
            # would cut it to the terminal's width, losing val_loss and val_ metrics.
            self._close_bar()
            self._write_final_bar_line(logs)
        elif self.verbose == 1:
            self._write_plain_line(logs, end="\n")
        elif self.verbose == 2:
            self._write_summary_line(logs)

    def _write_final_bar_line(self, logs):
        prefix = f"{self.desc} " if self.desc else ""
        elapsed = time.perf_counter() - self.start
        minutes, seconds = divmod(int(elapsed), 60)
        sys.stdout.write(f"{prefix}{self.seen}/{self.target or self.seen} |{'█' * 20}| "
                         f"{minutes:02d}:{seconds:02d}{self._status(logs)}\n")
        sys.stdout.flush()

    def _write_summary_line(self, logs):
        elapsed = time.perf_counter() - self.start
        head = self.desc if self.desc else f"{self.seen}/{self.target or self.seen}"
        sys.stdout.write(f"{head} - {int(elapsed)}s{self._status(logs)}\n")
        sys.stdout.flush()


__all__ = ["ProgbarLogger"]
