"""What the commands write: the output folder, tables on the terminal, history as CSV and JSON.

Every file is written atomically (a temporary file in the same folder, then `os.replace`), so an
interrupted run never leaves a half-written history or model behind.
"""

import csv
import io
import json
import math
import os
import sys
import tempfile
from pathlib import Path

from strided.cli._errors import CLIError
from strided.utils.atomic_files import atomic_write


def prepare_output_dir(path):
    """Create `path` (and parents) and prove it is writable, before any long work starts.

    Raises CLIError naming the folder and the reason (a file in the way, no permission, ...).

    Example:
        >>> prepare_output_dir("runs/fashion")  # doctest: +SKIP
        PosixPath('runs/fashion')
    """
    folder = Path(path).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".strided-write-test-", dir=folder)
        os.close(fd)
        os.remove(probe)
    except OSError as error:
        reason = error.strerror or str(error)
        raise CLIError(f"cannot write to the output folder '{path}': {reason}") from None
    return folder


def atomic_write_bytes(path, data):
    """Write `data` to `path` atomically, through strided's one atomic writer
    (`strided.utils.atomic_files`: a temporary file in the same folder, renamed into place)."""
    with atomic_write(path) as handle:
        handle.write(data)
    return Path(path)


def atomic_write_text(path, text):
    """Write UTF-8 `text` to `path` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _jsonable(value):
    """Floats that JSON can hold (NaN and infinities become None), recursively."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(path, data):
    """Write `data` as indented JSON, atomically."""
    return atomic_write_text(path, json.dumps(_jsonable(data), indent=2) + "\n")


def save_history(history, folder):
    """Write a Keras-style history as `history.csv` (one row per epoch) and `history.json`.

    Args:
        history: a `History` callback (its `.history` dict and `.epoch` list) or a plain
            dict {metric name: [value per epoch]}.
        folder: the output folder.

    Returns:
        (csv path, json path). The CSV's first column is `epoch` (1-based), then the metrics in
        the order Keras logs them: loss, accuracy, val_loss, val_accuracy, ...

    Example:
        >>> save_history({"loss": [0.9, 0.5], "accuracy": [0.7, 0.8]}, "runs/x")  # doctest: +SKIP
    """
    logs = getattr(history, "history", history) or {}
    epochs = list(getattr(history, "epoch", []) or [])
    length = max((len(values) for values in logs.values()), default=0)
    if len(epochs) != length:
        epochs = list(range(length))
    columns = list(logs)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["epoch"] + columns)
    for row, epoch in enumerate(epochs):
        values = [logs[name][row] if row < len(logs[name]) else "" for name in columns]
        writer.writerow([epoch + 1] + [repr(float(v)) if v != "" else "" for v in values])
    folder = Path(folder)
    csv_path = atomic_write_text(folder / "history.csv", buffer.getvalue())
    record = {
        "epoch": [e + 1 for e in epochs],
        **{k: [float(v) for v in vals] for k, vals in logs.items()},
    }
    json_path = write_json(folder / "history.json", record)
    return csv_path, json_path


def format_table(rows, headers=None, align=None):
    """A plain-text table with columns padded to their widest cell.

    Args:
        rows: list of rows (sequences of values; floats are shown as given by the caller).
        headers: optional list of column titles (underlined with dashes).
        align: a string of "l"/"r" per column (default: first column left, the rest right).

    >>> print(format_table([["loss", "0.31"], ["accuracy", "0.89"]], ["metric", "value"]))
    metric    value
    --------  -----
    loss       0.31
    accuracy   0.89
    """
    table = [[str(cell) for cell in row] for row in rows]
    if headers:
        table.insert(0, [str(h) for h in headers])
    if not table:
        return ""
    count = max(len(row) for row in table)
    table = [row + [""] * (count - len(row)) for row in table]
    widths = [max(len(row[i]) for row in table) for i in range(count)]
    align = align or "l" + "r" * (count - 1)

    def render(row):
        cells = [
            cell.ljust(w) if a == "l" else cell.rjust(w) for cell, w, a in zip(row, widths, align)
        ]
        return "  ".join(cells).rstrip()

    lines = [render(row) for row in table]
    if headers:
        lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def note(message):
    """Tell the user something on stderr, as one `strided: note: ...` line."""
    print(f"strided: note: {message}", file=sys.stderr, flush=True)


__all__ = [
    "prepare_output_dir",
    "atomic_write_bytes",
    "atomic_write_text",
    "write_json",
    "save_history",
    "format_table",
    "note",
]
