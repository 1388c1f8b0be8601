"""Helpers of the command-line tests (imported by the test modules)."""

import json

from strided.cli import main

LIMIT = 300  # training and test images of the shared run (keeps the CLI tests fast)


def run_cli(capsys, *argv):
    """Run `strided argv...` in-process; return (exit code, stdout, stderr)."""
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code, err, expected_code, *fragments):
    """The error contract: a non-zero code, exactly one `strided: error:` line, no traceback."""
    assert code == expected_code, err
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("strided: error: ")]
    assert len(errors) == 1, err
    assert all(line.startswith("strided: ") for line in lines), err  # only notes besides the error
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


def read_results(folder):
    return json.loads((folder / "results.json").read_text())
