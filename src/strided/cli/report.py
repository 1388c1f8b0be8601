"""`strided report RUN`: one self-contained HTML page about a training run.

The page holds the run's results and settings, its training curves, per-class accuracy, the
confusion matrix, misclassified test images, feature maps and Grad-CAM of a few test images:
everything drawn anew from the run folder (model.keras, results.json, history.json) and the
run's test set, embedded in the file so that it opens anywhere, offline, and can be mailed.
`strided train` writes it at the end of each run (report.html).
"""

import json
from pathlib import Path

import numpy as np

from strided.cli._args import HelpFormatter, positive_int
from strided.cli._errors import CLIError
from strided.cli._html import escape, figure_tag, page, table
from strided.cli._output import atomic_write_text

DESCRIPTION = """\
Write one HTML page about a training run (a `strided train --out` folder): results and
settings, training curves, per-class accuracy, confusion matrix, misclassified images, feature
maps and Grad-CAM. Figures are embedded: the page opens offline, in any browser.
"""

EPILOG = """\
examples:
  strided report runs/fashion                      (writes runs/fashion/report.html)
  strided report runs/fashion --out fashion.html --images 6
"""


def add_parser(subparsers):
    parser = subparsers.add_parser("report", help="an HTML page about a training run",
                                   description=DESCRIPTION, epilog=EPILOG,
                                   formatter_class=HelpFormatter)
    parser.add_argument("folder", metavar="RUN", help="a `strided train --out` folder")
    parser.add_argument("--out", default=None, metavar="FILE",
                        help="where to write the page (default: RUN/report.html)")
    parser.add_argument("--images", type=positive_int, default=4,
                        help="test images in the feature-map and Grad-CAM figures (default 4)")
    parser.set_defaults(run=run)
    return parser


def run(args):
    out = write_report(Path(args.folder), args.out, images=args.images)
    print(f"Wrote {out} (open it in a browser)")
    return 0


def _read_json(path, required):
    if not path.is_file():
        if required:
            raise CLIError(f"'{path.parent}' has no {path.name}: is it a `strided train --out` "
                           "folder?")
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise CLIError(f"cannot read '{path}': {error}") from None


def write_report(folder, out=None, images=4):
    """Write the report of the run in `folder`; returns the path written."""
    from strided import viz
    from strided.cli._datasets import load_dataset
    from strided.cli._models import input_shape_of, load_saved

    folder = Path(folder)
    if not folder.is_dir():
        raise CLIError(f"run folder not found: '{folder}'")
    results = _read_json(folder / "results.json", required=True)
    history = _read_json(folder / "history.json", required=False)
    model = load_saved(folder / "model.keras")
    dataset = load_dataset(results.get("dataset", "fashion-mnist-sample"),
                           target_shape=input_shape_of(model), limit=results.get("limit"))
    names = list(results.get("class_names") or dataset.class_names)
    x, y = dataset.x_test, dataset.y_test
    predicted = np.argmax(np.asarray(model.predict(x, verbose=0)), axis=1)
    shown = x[:images]
    sections = [("Results", _results_table(results))]
    if history:
        sections.append(("Training curves", figure_tag(viz.plot_history(history),
                                                       "training curves")))
    sections += [
        ("Accuracy per class", _per_class(y, predicted, names)),
        ("Confusion matrix", figure_tag(viz.plot_confusion_matrix(y, predicted, class_names=names),
                                        "confusion matrix")),
        ("Misclassified test images", figure_tag(
            viz.plot_misclassified(x, y, predicted, class_names=names, max_images=16),
            "misclassified images")),
        ("Feature maps", "<p class=\"note\">What each convolution and pooling layer outputs for "
         "the first test images: each layer's most active channel, one colour scale per "
         "layer.</p>" + figure_tag(viz.plot_feature_maps(model, shown, show_input=True),
                                   "feature maps")),
        ("Grad-CAM", "<p class=\"note\">Where the evidence for the predicted class lies (the "
         "class score before the softmax; Selvaraju et al. 2017).</p>"
         + figure_tag(viz.plot_grad_cam(model, shown, class_names=names), "Grad-CAM")),
    ]
    title = f"strided: {results.get('model', model.name)} on {results.get('dataset', '?')}"
    accuracy = float(np.mean(predicted == y)) if len(y) else float("nan")
    subtitle = (f"test accuracy {accuracy:.2%} on {len(y)} images; "
                f"{results.get('epochs_run', '?')} epoch(s); run folder {folder}")
    target = Path(out) if out is not None else folder / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, page(title, subtitle, sections))
    return target


def _results_table(results):
    keys = [("model", "model"), ("dataset", "dataset"), ("test accuracy", "test_accuracy"),
            ("test loss", "test_loss"), ("test images", "test_images"),
            ("epochs", "epochs_run"), ("batch size", "batch_size"), ("optimizer", "optimizer"),
            ("learning rate", "learning_rate"), ("time per epoch (s)", "seconds_per_epoch"),
            ("images per second", "images_per_second"), ("training images", "train_images"),
            ("validation images", "validation_images"), ("seed", "seed")]
    rows = []
    for label, key in keys:
        if key in results and results[key] is not None:
            value = results[key]
            text = f"{value:.4g}" if isinstance(value, float) else value
            rows.append([escape(label), escape(text)])
    return table(rows, ["", "value"])


def _per_class(y, predicted, names):
    rows = []
    for index, name in enumerate(names):
        mask = y == index
        total = int(mask.sum())
        correct = int((predicted[mask] == index).sum())
        share = correct / total if total else 0.0
        bar = f'<div class="bar" style="width:{share * 12:.2f}rem"></div>'
        rows.append([escape(name), f"{share:.2%}" if total else "-", f"{correct}/{total}", bar])
    return table(rows, ["class", "accuracy", "correct", ""], numeric=(1, 2))


__all__ = ["add_parser", "run", "write_report"]
