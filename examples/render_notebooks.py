"""Turn every example script (percent format) into a Jupyter notebook in examples/notebooks/,
executed, with its printed output and figures stored in it.

The scripts are the source of truth: they run with plain `python`, are tested, and diff
well. A cell starts at a line `# %%` (code) or `# %% [markdown]` (markdown, every line a
comment: the leading `# ` is removed). The notebooks are nbformat 4.5 JSON with stable cell
ids; each is run in a Jupyter kernel (nbclient), so that GitHub and nbviewer show its figures,
with STRIDED_EXAMPLE_QUICK=1 (a few hundred images, one epoch: about two minutes for all).
A notebook is stale when its cells differ from its script's (outputs are not compared).

    python examples/render_notebooks.py                # write and execute examples/notebooks/*.ipynb
    python examples/render_notebooks.py --no-execute   # write them without outputs (seconds)
    python examples/render_notebooks.py --check        # exit 1 if a notebook is out of date
    python examples/render_notebooks.py --out DIR      # write elsewhere
"""

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent
NOTEBOOKS = EXAMPLES / "notebooks"
CELL_MARKER = re.compile(r"^# %%(?P<rest>.*)$")
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def example_scripts(folder=EXAMPLES):
    """The example scripts: every .py in the folder except this one and private _*.py files."""
    return sorted(
        path for path in folder.glob("*.py")
        if path.name != Path(__file__).name and not path.name.startswith("_")
    )


def split_cells(text):
    """[(cell_type, source)] from a percent-format script; blank edge lines trimmed."""
    cells, cell_type, lines = [], "code", []

    def close():
        while lines and not lines[0].strip():
            lines.pop(0)
        while lines and not lines[-1].strip():
            lines.pop()
        if lines:
            cells.append((cell_type, "\n".join(lines)))

    for line in text.splitlines():
        marker = CELL_MARKER.match(line)
        if marker:
            close()
            cell_type = "markdown" if "[markdown]" in marker.group("rest") else "code"
            lines = []
        elif cell_type == "markdown":
            lines.append(_uncomment(line))
        else:
            lines.append(line)
    close()
    return cells


def _uncomment(line):
    return line[2:] if line.startswith("# ") else line.removeprefix("#")


def notebook(script):
    """The nbformat-4 notebook dict for one script."""
    cells = []
    for index, (cell_type, source) in enumerate(split_cells(script.read_text(encoding="utf-8"))):
        cell = {
            "cell_type": cell_type,
            "id": f"{script.stem[:50]}-{index}".replace(".", "-"),
            "metadata": {},
            "source": source.splitlines(keepends=True),
        }
        if cell_type == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        cells.append(cell)
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": KERNELSPEC,
            "language_info": {"name": "python"},
            "source": f"generated from examples/{script.name} by examples/render_notebooks.py",
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


EXECUTED_WITH = {"STRIDED_EXAMPLE_QUICK": "1", "OPENBLAS_NUM_THREADS": "1"}


def execute(document, timeout=1800):
    """Run the notebook dict in a fresh python3 kernel from examples/notebooks/ (as Jupyter
    would) and return it with its outputs; figures go to a temporary folder, whose name is
    replaced by `example_output` in the printed text so that outputs do not depend on it."""
    import nbclient
    import nbformat

    with tempfile.TemporaryDirectory() as folder:
        saved = {key: os.environ.get(key) for key in (*EXECUTED_WITH, "STRIDED_EXAMPLE_OUT",
                                                       "MPLBACKEND")}
        os.environ.update(EXECUTED_WITH, STRIDED_EXAMPLE_OUT=folder)
        os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend shows the figures
        try:
            node = nbformat.reads(json.dumps(document), as_version=4)
            nbclient.NotebookClient(node, timeout=timeout, kernel_name="python3",
                                    record_timing=False,
                                    resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        text = nbformat.writes(node).replace(folder, "example_output")
    executed = json.loads(text)
    executed["metadata"]["executed_with"] = " ".join(f"{k}={v}" for k, v in EXECUTED_WITH.items())
    return executed


def render(script, executed=False):
    """The notebook as text (what is written to disk), executed or without outputs."""
    document = notebook(script)
    if executed:
        document = execute(document)
    return json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def cells_of(text):
    """[(cell type, id, source)] of a notebook's JSON text: what `stale` compares."""
    return [(cell["cell_type"], cell["id"], "".join(cell["source"]))
            for cell in json.loads(text)["cells"]]


def write_atomic(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def render_all(out=NOTEBOOKS, scripts=None, executed=False):
    """Write one notebook per script into `out` (executed, with outputs, if asked); returns
    the written paths."""
    written = []
    for script in scripts or example_scripts():
        target = Path(out) / f"{script.stem}.ipynb"
        write_atomic(target, render(script, executed=executed))
        written.append(target)
    return written


def stale(out=NOTEBOOKS, scripts=None):
    """Names of notebooks in `out` that are missing, differ from their script, or have no script."""
    scripts = scripts or example_scripts()
    problems = []
    for script in scripts:
        target = Path(out) / f"{script.stem}.ipynb"
        if not target.is_file():
            problems.append(f"{target.name}: missing")
        elif cells_of(target.read_text(encoding="utf-8")) != cells_of(render(script)):
            problems.append(f"{target.name}: out of date with {script.name}")
    expected = {f"{script.stem}.ipynb" for script in scripts}
    orphans = [p for p in sorted(Path(out).glob("*.ipynb")) if p.name not in expected]
    problems += [f"{p.name}: no script" for p in orphans]
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=NOTEBOOKS, help="folder for the notebooks")
    parser.add_argument("--check", action="store_true", help="only check they are up to date")
    parser.add_argument("--no-execute", action="store_true",
                        help="write the notebooks without running them (no outputs)")
    args = parser.parse_args(argv)
    if args.check:
        problems = stale(args.out)
        for problem in problems:
            print(problem)
        if problems:
            print("run: python examples/render_notebooks.py")
        return 1 if problems else 0
    for script in example_scripts():
        path = render_all(args.out, [script], executed=not args.no_execute)[0]
        print(f"wrote {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
