"""argparse, made to fail in one line: option value checkers and the parser class."""

import argparse

from strided.cli._errors import UsageError


class ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors raise UsageError (one line, exit 2) instead of printing
    the usage block and exiting, so `main` reports every error the same way."""

    def error(self, message):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keep the hand-wrapped descriptions and examples; add "(default: X)" to an option's help
    when it has a meaningful default and its help does not already explain it."""

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        if (action.option_strings and "default" not in text and default not in (None, False)
                and default is not argparse.SUPPRESS):
            text += " (default: %(default)s)"
        return text


def _convert(convert, text, expected):
    """`convert(text)`, or the argparse error "expected <expected>, got '<text>'"."""
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got '{text}'") from None


def positive_int(text):
    """An int >= 1 (--epochs, --batch-size, --limit, ...)."""
    value = _convert(int, text, "a whole number >= 1")
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def non_negative_int(text):
    """An int >= 0 (--seed)."""
    value = _convert(int, text, "a whole number >= 0")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {value}")
    return value


def positive_float(text):
    """A finite float > 0 (--lr)."""
    value = _convert(float, text, "a number > 0")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def fraction(text):
    """A float in [0, 1) (--validation-split)."""
    value = _convert(float, text, "a fraction between 0 and 1")
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a fraction >= 0 and < 1, got {text}")
    return value


def add_saved_model_argument(parser):
    """The MODEL positional of the commands that use a trained model."""
    parser.add_argument(
        "model", metavar="MODEL", help="a saved model (.keras) or a folder with model.keras"
    )


def add_images_argument(parser):
    """The IMAGE... positional of the commands that read image files."""
    parser.add_argument("images", metavar="IMAGE", nargs="+", help="image files (PNG, JPEG, ...) or folders of them")


__all__ = [
    "ArgumentParser",
    "HelpFormatter",
    "positive_int",
    "non_negative_int",
    "positive_float",
    "fraction",
    "add_saved_model_argument",
    "add_images_argument",
]
