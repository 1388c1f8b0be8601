"""`strided train --resume` and Ctrl-C: a run's options and backup in its folder.

A run started with `--out DIR` writes its options to DIR/train_options.json and backs up its
training state in DIR/backup (`strided.callbacks.BackupAndRestore`: weights, optimizer, where
training stands and every random state). Stopped by Ctrl-C, it saves the model trained so far
and says where; killed, it keeps its last backup. `--resume --out DIR` reads the options back
and continues from the backup, to the same weights as a run never interrupted.
"""

import json
import shutil
import sys
from pathlib import Path

from strided.cli import _output
from strided.cli._errors import EXIT_INTERRUPTED, CLIError, UsageError

OPTIONS_FILE = "train_options.json"  # the options of a run, for --resume
BACKUP_DIR = "backup"                # its BackupAndRestore folder
# options that --resume may change (the others are the run's own)
_RESUME_MAY_CHANGE = ("out", "resume", "verbose", "threads", "backup_every")


def resumed_options(args):
    """The options of the run in --out (saved when it started), with those --resume may change."""
    if args.out is None:
        raise UsageError("--resume needs --out DIR: the folder of the run to continue")
    path = Path(args.out) / OPTIONS_FILE
    try:
        saved = json.loads(path.read_text())
    except FileNotFoundError:
        raise CLIError(f"nothing to resume in '{args.out}': it has no {OPTIONS_FILE} "
                       "(was the run started by `strided train --out`?)") from None
    except (OSError, ValueError) as error:
        raise CLIError(f"cannot read '{path}': {error}") from None
    if not (Path(args.out) / BACKUP_DIR).is_dir():
        if (Path(args.out) / "results.json").exists():
            raise CLIError(f"nothing to resume in '{args.out}': the run finished; start a new one "
                           "without --resume")
        _output.note(f"'{args.out}' has no backup yet (the run stopped before its first one): "
                     "training from the start")
    for name, value in saved.items():
        if name not in _RESUME_MAY_CHANGE and hasattr(args, name):
            setattr(args, name, value)
    return args


def save_options(out, args):
    options = {name: value for name, value in vars(args).items()
               if name not in ("run", "command") and isinstance(value, (str, int, float, bool, type(None)))}
    _output.write_json(out / OPTIONS_FILE, options)


def make_backup(out, args):
    from strided.callbacks import BackupAndRestore

    if not args.resume and (out / BACKUP_DIR).exists():
        shutil.rmtree(out / BACKUP_DIR)  # an earlier run's: this one starts afresh
    # kept when fit ends (stopped by Ctrl-C, it is what --resume continues from); removed by
    # `run` once the run is complete
    return BackupAndRestore(out / BACKUP_DIR, save_freq=args.backup_every or "epoch", delete_checkpoint=False)


def report_interruption(out, model, history, backup):
    """After Ctrl-C: the model so far and its history saved, and where (exit code 130)."""
    model_path = out / "model.keras"
    try:
        model.save(model_path)
    except OSError as error:
        raise CLIError(f"cannot save the model to '{model_path}': {error.strerror or error}") from None
    if history is not None and history.history:
        _output.save_history(history, out)
    epoch, step = backup.last_saved_at or (0, 0)
    print(f"\nStopped by Ctrl-C after {step} step(s) of epoch {epoch + 1}. The model trained so far "
          f"is saved to {model_path}; the training state to {backup.backup_path}.\n"
          f"Continue this run with: strided train --resume --out {out}", file=sys.stderr, flush=True)
    return EXIT_INTERRUPTED


__all__ = ["OPTIONS_FILE", "BACKUP_DIR", "resumed_options", "save_options", "make_backup",
           "report_interruption"]
