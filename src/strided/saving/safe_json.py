"""JSON from a file, parsed without recursion errors and without unbounded nesting.

Python's `json` recurses once per nested `[` or `{`; a config of 100,000 `[` raises
RecursionError (or exhausts the C stack). `loads_bounded` measures the nesting first with one
linear scan that skips strings, refuses more than `MAX_DEPTH` levels, and only then parses.
"""

import json
import re

from strided.errors import file_format_error

MAX_DEPTH = 256  # a functional model nested in models ten times needs about 60
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def nesting_depth(data):
    """The deepest nesting of [ and { in JSON bytes, ignoring brackets inside strings."""
    depth = deepest = 0
    for match in _TOKENS.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def loads_bounded(data, file, part):
    """The JSON value in `data` (bytes or str); FileFormatError naming `file` and `part` if it is
    not UTF-8 JSON or nests deeper than MAX_DEPTH."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    depth = nesting_depth(data)
    if depth > MAX_DEPTH:
        raise file_format_error(file, part, f"the JSON nests more than {MAX_DEPTH} levels deep; expected a "
                                "model or tensor description")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise file_format_error(file, part, f"not valid UTF-8 JSON ({type(error).__name__}: {error})") from None


__all__ = ["MAX_DEPTH", "loads_bounded", "nesting_depth"]
