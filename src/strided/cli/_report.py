"""Test-set results: loss, accuracy, per-class accuracy, the final table and the PNG plots."""

from dataclasses import dataclass

import numpy as np

from strided.cli._output import format_table, note


@dataclass
class Evaluation:
    """What `evaluate_model` measured on a test set."""

    loss: float
    accuracy: float
    probabilities: np.ndarray
    y_true: np.ndarray
    class_names: list

    @property
    def y_pred(self):
        return np.argmax(self.probabilities, axis=1)

    def per_class(self):
        """[(class name, correct, total, accuracy or None)] in class order."""
        rows = []
        predicted = self.y_pred
        for index, name in enumerate(self.class_names):
            mask = self.y_true == index
            total = int(mask.sum())
            correct = int((predicted[mask] == index).sum())
            rows.append((name, correct, total, correct / total if total else None))
        return rows

    def to_dict(self):
        return {
            "test_loss": self.loss,
            "test_accuracy": self.accuracy,
            "test_images": len(self.y_true),
            "per_class_accuracy": {name: acc for name, _, _, acc in self.per_class()},
        }


def evaluate_model(model, x, y, class_names, batch_size=128, verbose=0):
    """Loss and accuracy from `model.evaluate`, and the predictions for per-class figures."""
    results = model.evaluate(x, y, batch_size=batch_size, verbose=verbose, return_dict=True)
    probabilities = np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
    accuracy = results.get("accuracy", results.get("compile_metrics"))
    if accuracy is None:
        accuracy = float(np.mean(np.argmax(probabilities, axis=1) == y))
    names = list(class_names) + [str(i) for i in range(len(class_names), probabilities.shape[1])]
    return Evaluation(float(results["loss"]), float(accuracy), probabilities, np.asarray(y), names)


def results_table(evaluation, timing=None):
    """The final table: test loss and accuracy, then one row per class, then speed."""
    count = len(evaluation.y_true)
    accuracy = f"{evaluation.accuracy:.4f}  ({evaluation.accuracy:.2%} of {count} images)"
    summary = [["test loss", f"{evaluation.loss:.4f}"], ["test accuracy", accuracy]]
    lines = [format_table(summary, ["result", "value"], align="ll"), ""]
    rows = [[name, "-" if acc is None else f"{acc:.2%}", f"{correct}/{total}"]
            for name, correct, total, acc in evaluation.per_class()]
    lines.append(format_table(rows, ["class", "accuracy", "correct"]))
    if timing:
        speed = [["epochs", str(timing["epochs"])],
                 ["time per epoch", f"{timing['seconds_per_epoch']:.2f} s"],
                 ["training speed", f"{timing['images_per_second']:.0f} images/s"]]
        lines += ["", format_table(speed, ["training", "value"], align="ll")]
    return "\n".join(lines)


def save_plots(folder, evaluation, x_test, history=None):
    """Write the PNGs through strided.viz; returns the paths written (none without matplotlib)."""
    try:
        from strided import viz
    except ImportError as error:
        note(f"plots skipped: {error}")
        return []
    written = []
    try:
        if history is not None and getattr(history, "history", None):
            written.append(viz.plot_history(history, save_path=folder / "training_curves.png"))
        written.append(
            viz.plot_confusion_matrix(
                evaluation.y_true,
                evaluation.y_pred,
                class_names=evaluation.class_names,
                save_path=folder / "confusion_matrix.png",
            )
        )
        written.append(
            viz.plot_misclassified(
                x_test,
                evaluation.y_true,
                evaluation.y_pred,
                class_names=evaluation.class_names,
                save_path=folder / "misclassified.png",
            )
        )
    except ImportError as error:  # matplotlib missing: an optional extra
        note(f"plots skipped: {error}")
    _close(written)
    return [
        folder / name
        for name in ("training_curves.png", "confusion_matrix.png", "misclassified.png")
        if (folder / name).exists()
    ]


def _close(figures):
    """Release pyplot-tracked figures (a GUI backend keeps them otherwise)."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        return
    for figure in figures:
        if hasattr(figure, "number"):
            plt.close(figure)


__all__ = ["Evaluation", "evaluate_model", "results_table", "save_plots"]
