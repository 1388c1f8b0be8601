"""`strided train`: train a CNN on an image dataset, report test accuracy, save model, history and plots."""

import datetime
import math
from pathlib import Path

import numpy as np

from strided.cli._args import HelpFormatter, fraction, non_negative_int, positive_float, positive_int
from strided.cli._datasets import VALID_DATASETS, check_dataset_argument, load_dataset, load_default_dataset
from strided.cli._errors import CLIError
from strided.cli._models import (
    LABELS_FILE, VALID_MODELS, build_named, input_shape_of, named_model, output_classes, resolve_model,
)
from strided.cli._output import atomic_write_text, note, prepare_output_dir, save_history, write_json
from strided.cli._report import evaluate_model, results_table, save_plots
from strided.cli._training import OPTIMIZER_NAMES, EpochTimer, make_augmenter, make_optimizer, thread_limit

DESCRIPTION = """\
Train a CNN on an image dataset and report its test accuracy.

With no options: the lesson's Fashion-MNIST CNN (fashion-cnn) on Fashion-MNIST if the data is on
this machine or can be downloaded, otherwise on the bundled 3,000-image sample (a note says which).
Shows a progress bar per epoch, then a table: test loss, accuracy, per-class accuracy, time per
epoch and images/s. Writes into --out: model.keras, labels.txt, history.csv (one row per epoch),
history.json, results.json and the plots training_curves.png, confusion_matrix.png, misclassified.png.
"""

EPILOG = """\
examples:
  strided train --dataset fashion-mnist-sample --epochs 2 --out runs/quick
  strided train --model mnist-cnn --dataset mnist --epochs 5 --out runs/mnist
  strided train --model cifar-cnn --dataset cifar10 --augment --early-stopping 5
  strided train --model lenet5 --dataset photos/ --limit 500     (photos/<class>/<image>.png)
  strided train --model runs/mnist/model.keras --dataset mnist --epochs 1   (continue training)
"""


def add_parser(subparsers):
    parser = subparsers.add_parser("train", help="train a CNN and report its test accuracy",
                                   description=DESCRIPTION, epilog=EPILOG, formatter_class=HelpFormatter)
    parser.add_argument("--model", default="fashion-cnn", metavar="NAME|PATH", help=f"the model: {VALID_MODELS}")
    parser.add_argument("--dataset", default=None, metavar="NAME|FOLDER",
                        help=f"the data: {VALID_DATASETS}; folder images are resized/converted to the "
                             "model's input (default: fashion-mnist, or its bundled sample if absent)")
    parser.add_argument("--epochs", type=positive_int, default=5, help="passes over the training images")
    parser.add_argument("--batch-size", type=positive_int, default=64, help="images per training step")
    parser.add_argument("--optimizer", default=None, metavar="NAME",
                        help=f"{', '.join(OPTIMIZER_NAMES)} (default: the lesson's choice for the model, "
                             "or a saved model's own optimizer)")
    parser.add_argument("--lr", type=positive_float, default=None, help="learning rate (default: the optimizer's)")
    parser.add_argument("--augment", action="store_true",
                        help="random rotations (10 degrees), shifts (10%%) and, except for MNIST, horizontal flips")
    parser.add_argument("--validation-split", type=fraction, default=0.1,
                        help="fraction of the training images (the last ones) held out for validation")
    parser.add_argument("--early-stopping", type=positive_int, nargs="?", const=3, default=None, metavar="PATIENCE",
                        help="stop when the validation loss has not improved for PATIENCE epochs (3 if no "
                             "number is given) and keep the best weights")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="seed of weights, shuffling and augmentation")
    parser.add_argument("--out", default=None, metavar="DIR", help="output folder (default: runs/train-<date-time>)")
    parser.add_argument("--threads", type=positive_int, default=None, help="limit NumPy's BLAS threads")
    parser.add_argument("--limit", type=positive_int, default=None, metavar="N",
                        help="use only the first N training and first N test images (quick runs)")
    parser.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1,
                        help="0 silent, 1 progress bars, 2 one line per epoch")
    parser.set_defaults(run=run)
    return parser


def default_out_dir():
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = Path("runs") / f"train-{stamp}"
    counter = 1
    while folder.exists():
        folder = Path("runs") / f"train-{stamp}-{counter}"
        counter += 1
    return folder


def _split_validation(x, y, fraction_held_out):
    """Keras' validation_split: the last fraction of the arrays (before any shuffling)."""
    if not fraction_held_out:
        return (x, y), None
    split_at = int(math.ceil(len(x) * (1.0 - fraction_held_out)))
    if split_at >= len(x) or split_at == 0:
        note(f"--validation-split {fraction_held_out} leaves no validation (or no training) images "
             f"out of {len(x)}; training without validation")
        return (x, y), None
    return (x[:split_at], y[:split_at]), (x[split_at:], y[split_at:])


def _load_data(args, target_shape):
    if args.dataset is None:
        return load_default_dataset(target_shape, args.limit, args.seed)
    return load_dataset(args.dataset, target_shape, args.limit, args.seed)


def _prepare_model(args, spec, saved, dataset):
    """Build the named model for the data (or check the saved one) and compile it."""
    classes = len(dataset.class_names)
    if spec is not None:
        model, label = build_named(spec, dataset.input_shape, classes), spec.name
    else:
        model, label = saved
        outputs = output_classes(model)
        if outputs is not None and outputs < classes:
            raise CLIError(f"the model '{label}' predicts {outputs} classes but {dataset.name} has {classes}")
    if spec is None and args.optimizer is None and getattr(model, "optimizer", None) is not None:
        optimizer = model.optimizer  # continue with the saved optimizer state
        if args.lr is not None:
            optimizer.learning_rate = args.lr
    else:
        optimizer = make_optimizer(args.optimizer or (spec.optimizer if spec else "adam"), args.lr)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, label, optimizer


def run(args):
    from strided.utils import set_random_seed

    spec, saved, target_shape = named_model(args.model), None, None
    if spec is None:
        model, label, _ = resolve_model(args.model)
        saved, target_shape = (model, label), input_shape_of(model)
    if args.dataset is not None and check_dataset_argument(args.dataset) is None:
        target_shape = target_shape or spec.input_shape  # a folder: fit its images to the model
    if args.optimizer is not None:
        make_optimizer(args.optimizer)  # reject an unknown name before any work
    out = prepare_output_dir(args.out or default_out_dir())
    set_random_seed(args.seed)
    with thread_limit(args.threads):
        dataset = _load_data(args, target_shape)
        for text in dataset.notes:
            note(text)
        model, label, optimizer = _prepare_model(args, spec, saved, dataset)
        (x_train, y_train), validation = _split_validation(dataset.x_train, dataset.y_train, args.validation_split)
        print(f"Training {label} ({model.count_params():,} parameters) on {dataset.name}: "
              f"{len(x_train):,} training, {0 if validation is None else len(validation[0]):,} validation, "
              f"{len(dataset.x_test):,} test images; {args.epochs} epoch(s), batch size {args.batch_size}, "
              f"{type(optimizer).__name__} (learning rate {float(optimizer.learning_rate):g})", flush=True)
        history, timer = _fit(args, model, dataset, x_train, y_train, validation)
        evaluation = evaluate_model(model, dataset.x_test, dataset.y_test, dataset.class_names,
                                    batch_size=max(args.batch_size, 128))
    timing = timer.summary()
    print()
    print(results_table(evaluation, timing))
    written = _save_outputs(out, args, model, label, dataset, history, evaluation, timing,
                            len(x_train), 0 if validation is None else len(validation[0]))
    print(f"\nSaved to {out}/: " + ", ".join(p.name for p in written))
    return 0


def _fit(args, model, dataset, x_train, y_train, validation):
    from strided.callbacks import EarlyStopping

    timer = EpochTimer(len(x_train))
    callbacks = [timer]
    if args.early_stopping:
        callbacks.append(EarlyStopping(monitor="val_loss" if validation is not None else "loss",
                                       patience=args.early_stopping, restore_best_weights=True,
                                       verbose=1 if args.verbose else 0))
    if args.augment:
        from strided.data import DataLoader

        augmenter = make_augmenter(flip=dataset.name != "mnist")
        data = DataLoader(x_train, y_train, batch_size=args.batch_size, shuffle=True, seed=args.seed,
                          augment=augmenter)
        history = model.fit(data, epochs=args.epochs, validation_data=validation, callbacks=callbacks,
                            verbose=args.verbose)
    else:
        history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                            validation_data=validation, callbacks=callbacks, verbose=args.verbose)
    return history, timer


def _save_outputs(out, args, model, label, dataset, history, evaluation, timing, train_count, val_count):
    model_path = out / "model.keras"
    try:
        model.save(model_path)
    except OSError as error:
        raise CLIError(f"cannot save the model to '{model_path}': {error.strerror or error}") from None
    written = [model_path, atomic_write_text(out / LABELS_FILE, "\n".join(dataset.class_names) + "\n")]
    written += list(save_history(history, out))
    results = {
        "model": label, "dataset": dataset.name, "source": dataset.source, "limit": args.limit,
        "input_shape": list(dataset.input_shape), "class_names": dataset.class_names,
        "epochs_requested": args.epochs, "epochs_run": timing["epochs"],
        "seconds_per_epoch": timing["seconds_per_epoch"], "images_per_second": timing["images_per_second"],
        "train_images": train_count, "validation_images": val_count, "batch_size": args.batch_size,
        "optimizer": type(model.optimizer).__name__, "learning_rate": float(model.optimizer.learning_rate),
        "augment": args.augment, "seed": args.seed, **evaluation.to_dict(),
    }
    written.append(write_json(out / "results.json", results))
    written += save_plots(out, evaluation, dataset.x_test, history)
    return written


__all__ = ["add_parser", "run"]
