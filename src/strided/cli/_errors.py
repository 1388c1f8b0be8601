"""How the `strided` command fails: one line on stderr, a non-zero exit code, no traceback.

Exit codes:

* 0 -- success;
* 1 -- the command was well formed but its input was unusable: a missing or corrupt file, an
  image of the wrong size, data that cannot be found, an output folder that cannot be written;
* 2 -- the command line itself was wrong: an unknown option, model or dataset name, a bad value;
* 130 -- interrupted with Ctrl-C.

Commands raise `CLIError` (or `UsageError`) with a message written for the user; `main` prints
it as ``strided: error: <message>``. Any other exception is turned into one line the same way
(set STRIDED_DEBUG=1 to see the traceback instead).
"""

import os

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CLIError(Exception):
    """A failure to report to the user as one line, with an exit code (1 by default).

    Example:
        >>> raise CLIError("model file not found: 'runs/model.keras'")
    """

    exit_code = EXIT_FAILURE

    def __init__(self, message, exit_code=None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(CLIError):
    """The command line is wrong (unknown name, bad option value): exit code 2."""

    exit_code = EXIT_USAGE


def one_line(text, limit=400):
    """Squeeze a (possibly multi-line) message onto one line of at most `limit` characters.

    >>> one_line("first line\\n  second line")
    'first line; second line'
    """
    parts = [part.strip() for part in str(text).splitlines() if part.strip()]
    line = "; ".join(parts) if parts else str(text).strip()
    line = line.replace(":;", ":")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def debug_enabled():
    """True when STRIDED_DEBUG asks for full tracebacks instead of one-line errors."""
    return os.environ.get("STRIDED_DEBUG", "").strip().lower() in ("1", "true", "yes")


def describe_exception(error):
    """The one-line message and exit code for any exception escaping a command."""
    if isinstance(error, CLIError):
        return one_line(error), error.exit_code
    name = type(error).__name__
    message = one_line(error) or name
    if isinstance(error, MemoryError):
        return "out of memory; try a smaller --batch-size or --limit", EXIT_FAILURE
    if isinstance(error, (OSError, ValueError, TypeError, RuntimeError)):
        return f"{message} ({name}; set STRIDED_DEBUG=1 for the traceback)", EXIT_FAILURE
    return f"unexpected {name}: {message} (set STRIDED_DEBUG=1 for the traceback)", EXIT_FAILURE


__all__ = [
    "CLIError",
    "UsageError",
    "one_line",
    "describe_exception",
    "debug_enabled",
    "EXIT_OK",
    "EXIT_FAILURE",
    "EXIT_USAGE",
    "EXIT_INTERRUPTED",
]
