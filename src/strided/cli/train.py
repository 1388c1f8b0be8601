"""`strided train`: train a CNN on images; report test accuracy; save model, history and plots."""

import datetime
import shutil
from pathlib import Path

from strided.cli import _output, _ranks
from strided.cli._args import (
    HelpFormatter,
    fraction,
    non_negative_int,
    positive_float,
    positive_int,
)
from strided.cli._datasets import (
    VALID_DATASETS,
    check_dataset_argument,
    load_dataset,
    load_default_dataset,
)
from strided.cli._errors import EXIT_INTERRUPTED, CLIError
from strided.cli._models import (
    LABELS_FILE,
    MODELS_HELP,
    VALID_MODELS,
    build_named,
    input_shape_of,
    named_model,
    output_classes,
    resolve_model,
)
from strided.cli._report import evaluate_model, results_table, save_plots
from strided.cli._resume import (
    BACKUP_DIR,
    make_backup,
    report_interruption,
    resumed_options,
    save_options,
)
from strided.cli._training import (
    OPTIMIZER_NAMES,
    fit_model,
    learning_rate_of,
    make_optimizer,
    split_validation,
    thread_limit,
)

DESCRIPTION = """\
Train a CNN on an image dataset and report its test accuracy.

With no options: the lesson's Fashion-MNIST CNN (fashion-cnn) on Fashion-MNIST if the data is on
this machine or can be downloaded, otherwise on the bundled 3,000-image sample (a note says which).
Shows a progress bar per epoch, then a table: test loss, accuracy, per-class accuracy, time per
epoch and images/s. Writes into --out: model.keras, labels.txt, history.csv (one row per epoch),
history.json, results.json, the plots training_curves.png, confusion_matrix.png and
misclassified.png, and report.html (one page with all of it, feature maps and Grad-CAM:
`strided report`).

Under an MPI launcher (`mpiexec -n 4 strided train ...`) the ranks train together, data-parallel
(--batch-size is the global batch, shared among the ranks); rank 0 alone prints and writes
--out (see docs/distributed.md).

The training state is backed up in --out/backup at the end of each epoch (and when stopped).
Ctrl-C stops at the end of the current step, saves the model trained so far and exits with
130; `strided train --resume --out DIR` then continues that run (or one that was killed) with
its own options, and ends with the same weights as a run never interrupted.
"""

EPILOG = """\
examples:
  strided train --dataset fashion-mnist-sample --epochs 2 --out runs/quick
  strided train --model mnist-cnn --dataset mnist --epochs 5 --out runs/mnist
  strided train --model cifar-cnn --dataset cifar10 --augment --early-stopping 5
  strided train --model lenet5 --dataset photos/ --limit 500     (photos/<class>/<image>.png)
  strided train --model runs/mnist/model.keras --dataset mnist --epochs 1   (continue training)
  strided train --resume --out runs/mnist      (continue a run stopped by Ctrl-C or killed)
"""

def add_parser(subparsers):
    parser = subparsers.add_parser("train", help="train a CNN and report its test accuracy",
                                   description=DESCRIPTION, epilog=MODELS_HELP + "\n\n" + EPILOG,
                                   formatter_class=HelpFormatter)
    add = parser.add_argument
    add("--model", default="fashion-cnn", metavar="NAME|PATH", help=f"the model: {VALID_MODELS}")
    add("--dataset", default=None, metavar="NAME|FOLDER",
        help=f"the data: {VALID_DATASETS}; folder images are resized/converted to the model's "
             "input (default: fashion-mnist, or its bundled sample if it is not available)")
    add("--epochs", type=positive_int, default=5, help="passes over the training images")
    add("--batch-size", type=positive_int, default=64, help="images per training step")
    add("--optimizer", default=None, metavar="NAME",
        help=f"{', '.join(OPTIMIZER_NAMES)} (default: the lesson's choice for the model, "
             "or a saved model's own optimizer)")
    add("--lr", type=positive_float, default=None, help="learning rate (default: the optimizer's)")
    add("--augment", action="store_true",
        help="random rotations (10 degrees), shifts (10%%) and, except for MNIST, horizontal flips")
    add("--validation-split", type=fraction, default=0.1,
        help="fraction of the training images (the last ones) held out for validation")
    add("--early-stopping", type=positive_int, nargs="?", const=3, default=None,
        metavar="PATIENCE", help="stop when the validation loss has not improved for PATIENCE "
                                 "epochs (3 if no number is given) and keep the best weights")
    add("--seed", type=non_negative_int, default=0,
        help="seed of the weights, the shuffling and the augmentation")
    add("--out", default=None, metavar="DIR",
        help="output folder (default: runs/train-<date-time>)")
    add("--threads", type=positive_int, default=None, help="threads for the kernels and BLAS (default: one per core)")
    add("--limit", type=positive_int, default=None, metavar="N",
        help="use only the first N training and the first N test images (quick runs)")
    add("--verbose", type=int, choices=(0, 1, 2), default=1,
        help="0 silent, 1 progress bars, 2 one line per epoch")
    add("--resume", action="store_true",
        help="continue the run in --out that was stopped (Ctrl-C) or killed, with its own options; "
             "it ends with the same weights as if it had not stopped")
    add("--backup-every", type=positive_int, default=None, metavar="STEPS",
        help="back up the training state every STEPS steps too (default: each epoch's end)")
    parser.set_defaults(run=run)
    return parser


def default_out_dir():
    """runs/train-<date-time>, with a counter if that folder already exists."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder, counter = Path("runs") / f"train-{stamp}", 1
    while folder.exists():
        folder, counter = Path("runs") / f"train-{stamp}-{counter}", counter + 1
    return folder


def _prepare_model(args, spec, saved, dataset):
    """Build the named model for the data (or check the saved one) and compile it."""
    classes = len(dataset.class_names)
    if spec is not None:
        model, label = build_named(spec, dataset.input_shape, classes), spec.name
    else:
        model, label = saved
        outputs = output_classes(model)
        if outputs is not None and outputs < classes:
            raise CLIError(f"the model '{label}' predicts {outputs} classes "
                           f"but {dataset.name} has {classes}")
    if spec is None and args.optimizer is None and getattr(model, "optimizer", None) is not None:
        optimizer = model.optimizer  # continue with the saved optimizer and its state
        if args.lr is not None:
            optimizer.learning_rate = args.lr
    else:
        optimizer = make_optimizer(args.optimizer or (spec.optimizer if spec else "adam"), args.lr)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, label


def run(args):
    from strided.utils import set_random_seed

    if args.resume:  # rank 0 reads the run's options; under mpiexec every rank gets them
        args = _ranks.from_primary(lambda: resumed_options(args))
    # everything that can be checked cheaply is checked before any folder is made
    spec, saved, target_shape = named_model(args.model), None, None
    if spec is None:
        model, label, _ = resolve_model(args.model)
        saved, target_shape = (model, label), input_shape_of(model)
    if args.dataset is not None and check_dataset_argument(args.dataset) is None:
        target_shape = target_shape or spec.input_shape  # a folder: fit its images to the model
    if args.optimizer is not None:
        make_optimizer(args.optimizer)
    # Under mpiexec, rank 0 alone makes the folder and writes into it (strided.cli._ranks)
    primary = _ranks.is_primary()
    out = _ranks.from_primary(lambda: _output.prepare_output_dir(args.out or default_out_dir()))
    if primary and not args.resume:
        save_options(out, args)
    backup = make_backup(out, args) if primary else None
    set_random_seed(args.seed)
    with thread_limit(args.threads or _ranks.default_threads()):
        if args.dataset is None:
            dataset = load_default_dataset(target_shape, args.limit, args.seed)
        else:
            dataset = load_dataset(args.dataset, target_shape, args.limit, args.seed)
        for text in dataset.notes:
            _output.note(text)
        model, label = _prepare_model(args, spec, saved, dataset)
        train, validation = split_validation(dataset.x_train, dataset.y_train,
                                             args.validation_split)
        counts = {"train_images": len(train[0]),
                  "validation_images": 0 if validation is None else len(validation[0])}
        print(f"Training {label} ({model.count_params():,} parameters) on {dataset.name}: "
              f"{counts['train_images']:,} training, {counts['validation_images']:,} validation, "
              f"{len(dataset.x_test):,} test images; {args.epochs} epoch(s), batch size "
              f"{args.batch_size}, {type(model.optimizer).__name__} "
              f"(learning rate {learning_rate_of(model.optimizer):g})", flush=True)
        if args.resume:
            print(f"Resuming the run in {out} from its backup", flush=True)
        history, timer, interrupted = fit_model(model, train, validation, args,
                                                flip=dataset.name != "mnist", backup=backup)
        if interrupted:
            return report_interruption(out, model, history, backup) if primary else EXIT_INTERRUPTED
        if primary:
            shutil.rmtree(out / BACKUP_DIR, ignore_errors=True)  # the run is complete
        evaluation = evaluate_model(model, dataset.x_test, dataset.y_test, dataset.class_names,
                                    batch_size=max(args.batch_size, 128))
    if not primary:
        return 0  # the other ranks' part ends with the evaluation; rank 0 writes alone
    timing = timer.summary()
    print()
    print(results_table(evaluation, timing))
    results = {"model": label, "dataset": dataset.name, "source": dataset.source,
               "limit": args.limit, "input_shape": list(dataset.input_shape),
               "class_names": dataset.class_names, "epochs_requested": args.epochs,
               "epochs_run": timing["epochs"], "seconds_per_epoch": timing["seconds_per_epoch"],
               "images_per_second": timing["images_per_second"], **counts,
               "batch_size": args.batch_size, "optimizer": type(model.optimizer).__name__,
               "learning_rate": learning_rate_of(model.optimizer), "augment": args.augment,
               "seed": args.seed, **evaluation.to_dict()}
    with _ranks.alone():  # the report's predictions on rank 0 only: the others have finished
        written = save_outputs(out, model, dataset, history, evaluation, results)
    print(f"\nSaved to {out}/: " + ", ".join(p.name for p in written))
    return 0


def save_outputs(out, model, dataset, history, evaluation, results):
    """model.keras, labels.txt, history.csv/.json, results.json and the plots; returns the paths."""
    model_path = out / "model.keras"
    try:
        model.save(model_path)
    except OSError as error:
        raise CLIError(f"cannot save the model to '{model_path}': "
                       f"{error.strerror or error}") from None
    labels = "\n".join(dataset.class_names) + "\n"
    written = [model_path, _output.atomic_write_text(out / LABELS_FILE, labels)]
    written += list(_output.save_history(history, out))
    written.append(_output.write_json(out / "results.json", results))
    written += save_plots(out, evaluation, dataset.x_test, history)
    written.append(_write_report(out))
    return [path for path in written if path is not None]


def _write_report(out):
    """report.html (`strided report`); a run is kept even if the page cannot be drawn."""
    from strided.cli.report import write_report

    try:
        return write_report(out)
    except (CLIError, ImportError, ValueError) as error:
        _output.note(f"report.html skipped: {error}")
        return None


__all__ = ["add_parser", "run", "save_outputs", "default_out_dir"]
