"""`CSVLogger`: write one row per epoch (epoch, then the logs' keys sorted) to a CSV file."""

import csv
import io
import os
import tempfile

from strided.callbacks.callback import Callback


class CSVLogger(Callback):
    """Stream epoch results to a CSV file, with a header row.

    Args:
        filename: path of the CSV file.
        separator: the column separator. Defaults to ",".
        append: keep the rows already in the file (a resumed run adds to them).

    The file is rewritten atomically (temporary file + rename) after every epoch, so an
    interrupted run leaves a complete file.

    Example:
        >>> model.fit(x, y, epochs=5, callbacks=[CSVLogger("training.csv")])
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self._text = ""

    def on_train_begin(self, logs=None):
        self.keys = None
        self._text = ""
        if self.append and os.path.exists(self.filename):
            with open(self.filename, newline="", encoding="utf-8") as handle:
                self._text = handle.read()
            lines = self._text.splitlines()
            if lines:
                self.keys = lines[0].split(self.sep)[1:]
            if self._text and not self._text.endswith("\n"):
                self._text += "\n"

    @staticmethod
    def _cell(value):
        if isinstance(value, str):
            return value
        if hasattr(value, "__len__"):
            return '"[' + ", ".join(str(v) for v in value) + ']"'
        return value

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        buffer = io.StringIO()
        if self.keys is None:
            self.keys = sorted(logs)
            writer = csv.writer(buffer, delimiter=self.sep, lineterminator="\n")
            writer.writerow(["epoch"] + self.keys)
        writer = csv.writer(buffer, delimiter=self.sep, lineterminator="\n")
        writer.writerow([epoch] + [self._cell(logs.get(key, "NA")) for key in self.keys])
        self._text += buffer.getvalue()
        self._write()

    def _write(self):
        directory = os.path.dirname(os.path.abspath(self.filename))
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".csvlogger-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", newline="", encoding="utf-8") as file:
                file.write(self._text)
            os.replace(temporary, self.filename)
        except BaseException:
            if os.path.exists(temporary):
                os.remove(temporary)
            raise


__all__ = ["CSVLogger"]
