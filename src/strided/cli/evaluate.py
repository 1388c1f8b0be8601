"""`strided evaluate`: a saved model's loss, accuracy and per-class accuracy on test images."""

import json
from pathlib import Path

from strided.cli._args import HelpFormatter, add_saved_model_argument, positive_int
from strided.cli._datasets import (
    VALID_DATASETS,
    check_dataset_argument,
    load_dataset,
    load_default_dataset,
)
from strided.cli._errors import CLIError
from strided.cli._models import (
    input_shape_of,
    load_saved,
    output_classes,
    read_labels,
    saved_model_path,
)
from strided.cli._output import note, prepare_output_dir, write_json
from strided.cli._report import evaluate_model, results_table, save_plots

DESCRIPTION = """\
Test a saved model on a dataset's test images: loss, accuracy and per-class accuracy.

MODEL is a .keras file (or a folder holding model.keras, such as a `strided train --out` folder).
Without --dataset, the dataset recorded in results.json beside the model is used (else Fashion-MNIST
or its bundled sample). Images of another size or colour are converted to the model's input.
"""

EPILOG = """\
examples:
  strided evaluate runs/quick/model.keras --dataset fashion-mnist
  strided evaluate runs/quick --limit 1000 --out runs/quick/eval
"""


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "evaluate",
        help="test a saved model on a dataset",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    add_saved_model_argument(parser)
    parser.add_argument("--dataset", default=None, metavar="NAME|FOLDER", help=VALID_DATASETS)
    parser.add_argument(
        "--limit", type=positive_int, default=None, metavar="N", help="only the first N test images"
    )
    parser.add_argument("--batch-size", type=positive_int, default=128, help="images per step")
    parser.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="also write evaluation.json, confusion_matrix.png and misclassified.png there",
    )
    parser.add_argument(
        "--verbose", type=int, choices=(0, 1), default=1, help="1 shows a progress bar"
    )
    parser.set_defaults(run=run)
    return parser


def recorded_run(path):
    """results.json written by `strided train` beside the model, or {}."""
    results = Path(path).parent / "results.json"
    try:
        return json.loads(results.read_text(encoding="utf-8")) if results.is_file() else {}
    except (OSError, ValueError):
        return {}


def ensure_compiled(model):
    """Compile for integer labels and accuracy, keeping the model's optimizer if it has one."""
    model.compile(
        optimizer=getattr(model, "optimizer", None) or "adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )


def run(args):
    path = saved_model_path(args.model, "evaluate")
    dataset_name = args.dataset
    if dataset_name is not None:
        check_dataset_argument(dataset_name)
    model = load_saved(path)
    out = prepare_output_dir(args.out) if args.out else None
    shape = input_shape_of(model)
    recorded = recorded_run(path)
    if dataset_name is None and recorded.get("dataset"):
        dataset_name = recorded["dataset"]
        note(f"no --dataset given: using {dataset_name}, "
             "the dataset recorded in results.json beside the model")
    # a folder without train/ and test/ is split with the training run's seed, so the same
    # images are held out again
    seed = recorded.get("seed", 0) if dataset_name == recorded.get("dataset") else 0
    if dataset_name:
        dataset = load_dataset(dataset_name, shape, args.limit, seed)
    else:
        dataset = load_default_dataset(shape, args.limit)
    for text in dataset.notes:
        note(text)
    classes = output_classes(model)
    if classes is not None and int(dataset.y_test.max()) >= classes:
        raise CLIError(
            f"the model predicts {classes} classes but {dataset.name} has "
            f"{len(dataset.class_names)}; is it the right dataset?"
        )
    names = read_labels(path, classes) or dataset.class_names
    ensure_compiled(model)
    print(f"Evaluating {path} on {len(dataset.x_test):,} test images of {dataset.name}", flush=True)
    evaluation = evaluate_model(
        model, dataset.x_test, dataset.y_test, names, args.batch_size, args.verbose
    )
    print()
    print(results_table(evaluation))
    if out is not None:
        written = [
            write_json(
                out / "evaluation.json",
                {
                    "model": str(path),
                    "dataset": dataset.name,
                    "source": dataset.source,
                    "limit": args.limit,
                    **evaluation.to_dict(),
                },
            )
        ]
        written += save_plots(out, evaluation, dataset.x_test)
        print(f"\nSaved to {out}/: " + ", ".join(p.name for p in written))
    return 0


__all__ = ["add_parser", "run", "recorded_run", "ensure_compiled"]
