"""`Progbar`: Keras' text progress bar for loops of your own (`keras.utils.Progbar`).

    bar = Progbar(target=len(batches))
    for step, batch in enumerate(batches, 1):
        loss = train(batch)
        bar.update(step, values=[("loss", loss)])

Values are averaged over the steps since the start, weighted by how many steps each update
covers, unless their name is in `stateful_metrics` (then the last value is shown) -- the
same bookkeeping as Keras, so the numbers printed are the same.
"""

import math
import os
import sys
import time

import numpy as np


class Progbar:
    """A progress bar with a running average of named values.

    Args:
        target: the total number of steps, or None when unknown.
        width: the bar's width in characters.
        verbose: 0 (silent), 1 (a bar redrawn in place), 2 (one line at the end).
        interval: minimum seconds between redraws.
        stateful_metrics: names whose values are shown as given, not averaged.
        stateless_metrics: the opposite list (only one of the two may be given).
        unit_name: the word after the per-unit time ("step").
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Only one of `stateful_metrics` or `stateless_metrics` can be provided.")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ()) if stateless_metrics is None else None
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self._dynamic_display = (hasattr(sys.stdout, "isatty") and sys.stdout.isatty()) or (
            "ipykernel" in sys.modules) or "PYCHARM_HOSTED" in os.environ
        self._seen_so_far = 0
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = 0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def _is_stateless(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def update(self, current, values=None, finalize=None):
        """Move to step `current` and record `values`, a list of (name, value) pairs."""
        if finalize is None:
            finalize = False if self.target is None else current >= self.target
        for name, value in values or []:
            if name not in self._values_order:
                self._values_order.append(name)
            if not self._is_stateless(name) or finalize:
                self._values[name] = [value, 1]
            else:
                weight = max(current - self._seen_so_far, 1)
                if name not in self._values:
                    self._values[name] = [value * weight, weight]
                else:
                    self._values[name][0] += value * weight
                    self._values[name][1] += weight
        self._seen_so_far = current
        now = time.time()
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1 and (now - self._last_update >= self.interval or finalize):
            self._print_bar(current, now, time_per_unit, finalize)
        elif self.verbose == 2 and finalize and self.target:
            digits = int(math.log10(self.target)) + 1
            line = f"{current:{digits}d}/{self.target} - {now - self._start:.0f}s -{self._format_time(time_per_unit)}"
            sys.stdout.write(line + self._format_values() + "\n")
            sys.stdout.flush()
        self._last_update = now

    def add(self, n, values=None):
        """Advance by `n` steps."""
        self.update(self._seen_so_far + n, values)

    def _print_bar(self, current, now, time_per_unit, finalize):
        if self.target:
            digits = int(math.log10(self.target)) + 1
            done = int(self.width * float(current) / self.target)
            bar = f"{current:{digits}d}/{self.target} [" + "=" * done + "." * (self.width - done) + "]"
        else:
            bar = f"{current:7d}/Unknown"
        if self.target and not finalize:
            eta = time_per_unit * (self.target - current)
            if eta > 3600:
                info = " ETA: %d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
            elif eta > 60:
                info = " ETA: %d:%02d" % (eta // 60, eta % 60)
            else:
                info = " ETA: %ds" % eta
        else:
            info = f" {now - self._start:.0f}s"
        info += self._format_time(time_per_unit) + self._format_values()
        width = len(bar) + len(info)
        prefix = ("\b" * self._prev_total_width + "\r") if self._dynamic_display else "\n"
        padding = " " * max(self._prev_total_width - width, 0)
        sys.stdout.write(prefix + bar + info + padding + ("\n" if finalize else ""))
        sys.stdout.flush()
        self._prev_total_width = width

    def _format_values(self):
        text = ""
        for name in self._values_order:
            total, count = self._values[name]
            average = np.mean(total) / max(1, count) if not isinstance(total, float) else total / max(1, count)
            text += f" - {name}: {average:.4f}" if abs(average) > 1e-3 else f" - {name}: {average:.4e}"
        return text

    def _format_time(self, time_per_unit):
        if time_per_unit >= 1 or time_per_unit == 0:
            return f" {time_per_unit:.0f}s/{self.unit_name}"
        if time_per_unit >= 1e-3:
            return f" {time_per_unit * 1e3:.0f}ms/{self.unit_name}"
        return f" {time_per_unit * 1e6:.0f}us/{self.unit_name}"

    def _estimate_step_duration(self, current, now):
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_unit


__all__ = ["Progbar"]
