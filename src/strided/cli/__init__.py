"""The `strided` command: train, evaluate, predict, summary, data, visualize and report.

    strided train --dataset fashion-mnist-sample --epochs 1 --out runs/quick
    strided predict runs/quick/model.keras shoe.png --top-k 3
    python -m strided --help

`main(argv)` runs one command and returns its exit code (0 success, 1 unusable input, 2 wrong
command line, 130 interrupted; see `strided.cli._errors`). Errors are printed as one line,
``strided: error: ...``, never as a traceback (set STRIDED_DEBUG=1 to get the traceback).
"""

import sys
import traceback

from strided.cli import _ranks
from strided.cli._args import ArgumentParser, HelpFormatter
from strided.cli._errors import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    debug_enabled,
    describe_exception,
)

DESCRIPTION = "strided: train a CNN on image data and look inside it, on NumPy."

EPILOG = (
    "Run `strided COMMAND --help` for a command's options. Errors exit with 1 (input) or 2 (usage)."
)


def build_parser():
    """The argparse parser of every command (each sub-parser sets `run`)."""
    from strided import __version__
    from strided.cli import data, evaluate, predict, report, summary, train, visualize

    parser = ArgumentParser(
        prog="strided", description=DESCRIPTION, epilog=EPILOG, formatter_class=HelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"strided {__version__}")
    subparsers = parser.add_subparsers(
        title="command", metavar="COMMAND", dest="command", parser_class=ArgumentParser
    )
    for module in (train, evaluate, predict, summary, data, visualize, report):
        module.add_parser(subparsers)
    return parser


def main(argv=None):
    """Run the `strided` command line with `argv` (default: sys.argv[1:]); return the exit code.

    Example:
        >>> main(["summary", "fashion-cnn"])  # doctest: +SKIP
        0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        with _ranks.speaking_rank() as primary:  # under mpiexec: rank 0 alone prints
            return _run(argv, primary)
    except SystemExit as stop:  # --help and --version exit through argparse
        return stop.code if isinstance(stop.code, int) else EXIT_OK
    except KeyboardInterrupt:
        if _ranks.is_primary():
            print("\nstrided: error: interrupted", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `strided data list | head`
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 -- the one place that turns errors into one line
        message, code = describe_exception(error)
        if debug_enabled():
            traceback.print_exc()
        sys.stdout.flush()
        if _ranks.is_primary() or debug_enabled():
            print(f"strided: error: {message}", file=sys.stderr, flush=True)
        return code


def _run(argv, primary):
    """Parse `argv` and run its command. Under an MPI launcher (`strided.cli._ranks`), `train`
    runs on every rank together; any other command on rank 0 alone."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if args.command == "train":
        with _ranks.guarded():
            return int(args.run(args) or EXIT_OK)
    if not primary:
        return EXIT_OK
    with _ranks.alone():
        return int(args.run(args) or EXIT_OK)


__all__ = ["main", "build_parser"]
