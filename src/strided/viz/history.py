"""Training curves: each metric per epoch, training vs validation (lesson 001's two panels).

    history = model.fit(x, y, validation_split=0.1, epochs=10)
    plot_history(history)                      # "Model Accuracy" and "Model Loss" panels
"""

import numpy as np

from strided.viz._figure import finish, new_figure

_SKIPPED = {"lr", "learning_rate", "epoch"}  # "epoch": the x axis of history.json files


def history_dict(history):
    """The {metric: [value per epoch]} dict of a History, a model that was fit, or a dict."""
    if isinstance(history, dict):
        logs = history
    elif isinstance(getattr(history, "history", None), dict):
        logs = history.history
    elif isinstance(getattr(getattr(history, "history", None), "history", None), dict):
        logs = history.history.history  # a model: model.history is its History callback
    else:
        raise TypeError(
            "plot_history: expected the History returned by model.fit(...), its `.history` dict, "
            f"or a model that was fit. Received {type(history).__name__}."
        )
    return {str(k): [float(v) for v in np.ravel(np.asarray(values, dtype=float))]
            for k, values in logs.items()}


def _default_metrics(logs):
    names = [k for k in logs if not k.startswith("val_") and k not in _SKIPPED]
    names += [k[4:] for k in logs if k.startswith("val_") and k[4:] not in logs]
    # as lesson 001: accuracy-like metrics first, the loss last
    return sorted(dict.fromkeys(names), key=lambda k: (k == "loss", names.index(k)))


def _title(metric):
    return "Model " + metric.replace("_", " ").title()


def plot_history(history, metrics=None, figsize=None, save_path=None):
    """Plot training and validation curves, one panel per metric (accuracy first, loss last).

    Args:
        history: the History from `model.fit`, its `.history` dict, or the fitted model.
        metrics: names to plot (e.g. ["accuracy", "loss"]); default every metric logged
            (learning rate excluded). "val_<name>" is drawn on the same panel when present.
        save_path: write the figure there (PNG by default), atomically.

    Returns:
        The Figure, one axes per metric, each with a "Training" line and, when validation was
        logged, a "Validation" line; x axis: epoch (1, 2, ...).

    Example:
        >>> fig = plot_history({"loss": [0.9, 0.5], "val_loss": [1.0, 0.7],
        ...                     "accuracy": [0.6, 0.8], "val_accuracy": [0.5, 0.7]})
        >>> len(fig.axes)
        2
    """
    from matplotlib.ticker import MaxNLocator

    logs = history_dict(history)
    names = list(metrics) if metrics is not None else _default_metrics(logs)
    missing = [m for m in names if m not in logs and "val_" + m not in logs]
    if missing or not names:
        raise ValueError(
            f"plot_history: no values logged for {missing or 'any metric'}. "
            f"The history holds: {sorted(logs) or 'nothing (was the model fit?)'}."
        )
    figure, axes = new_figure(1, len(names), figsize=figsize or (6 * len(names), 4))
    epochs = max(len(values) for values in logs.values())
    for ax, name in zip(axes[0], names):
        for key, label in ((name, "Training"), ("val_" + name, "Validation")):
            if key in logs:
                values = logs[key]
                ax.plot(range(1, len(values) + 1), values, marker="o" if len(values) < 30 else None,
                        label=label)
        ax.set(title=_title(name), xlabel="Epoch", ylabel=name.replace("_", " ").capitalize())
        ax.set_xlim(0.5, epochs + 0.5)             # whole epochs, also for a 1-epoch run
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.grid(True, alpha=0.3)
        ax.legend()
    return finish(figure, save_path)


__all__ = ["plot_history"]
