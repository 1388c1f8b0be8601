"""The committed notebooks in examples/notebooks/ hold exactly the cells examples/render_notebooks.py
makes of the scripts today, are valid nbformat-4 JSON, and were executed: their printed output
and figures are stored (no errors). The code also runs as a notebook would run it (no __file__,
working directory examples/notebooks/)."""

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
NOTEBOOKS = EXAMPLES / "notebooks"


def load_renderer():
    path = EXAMPLES / "render_notebooks.py"
    spec = importlib.util.spec_from_file_location("render_notebooks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


renderer = load_renderer()
SCRIPTS = renderer.example_scripts()


def test_there_is_a_notebook_per_script_and_no_other():
    assert len(SCRIPTS) >= 10
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(s.stem for s in SCRIPTS)


def test_committed_notebooks_are_up_to_date(tmp_path):
    written = renderer.render_all(tmp_path)
    assert len(written) == len(SCRIPTS)
    for path in written:
        committed = NOTEBOOKS / path.name
        assert renderer.cells_of(committed.read_text()) == renderer.cells_of(path.read_text()), (
            f"{committed.relative_to(ROOT)} is stale: run python examples/render_notebooks.py"
        )
    assert renderer.stale() == []


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.stem)
def test_committed_notebooks_were_executed_and_show_their_figures(script):
    notebook = json.loads((NOTEBOOKS / f"{script.stem}.ipynb").read_text(encoding="utf-8"))
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert all(isinstance(cell["execution_count"], int) for cell in code), "not executed"
    outputs = [output for cell in code for output in cell["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"]
    figures = sum("image/png" in o.get("data", {}) for o in outputs)
    saved = script.read_text(encoding="utf-8").count("save(fig")
    assert figures >= min(saved, 1) and outputs                      # shown inline
    assert notebook["metadata"]["executed_with"].startswith("STRIDED_EXAMPLE_QUICK=")


def test_check_mode_reports_stale_missing_and_orphan_notebooks(tmp_path, capsys):
    renderer.render_all(tmp_path)
    assert renderer.main(["--check", "--out", str(tmp_path)]) == 0
    first, second = sorted(tmp_path.glob("*.ipynb"))[:2]
    first.write_text(first.read_text().replace('"markdown"', '"code"', 1))
    second.unlink()
    (tmp_path / "old_example.ipynb").write_text("{}")
    problems = renderer.stale(tmp_path)
    assert f"{first.name}: out of date with {first.stem}.py" in problems
    assert f"{second.name}: missing" in problems
    assert "old_example.ipynb: no script" in problems
    assert renderer.main(["--check", "--out", str(tmp_path)]) == 1
    assert "render_notebooks.py" in capsys.readouterr().out


def test_rendering_is_deterministic():
    script = SCRIPTS[0]
    assert renderer.render(script) == renderer.render(script)


def test_split_cells_uncomments_markdown_and_keeps_code():
    text = (
        "# %% [markdown]\n# # Title\n#\n# Some *text*.\n\n"
        "# %%\nimport numpy as np\n\nx = 1  # a comment stays\n\n"
        "# %% [markdown]\n# More.\n"
        "# %% a titled code cell\nprint(x)\n\n"
    )
    assert renderer.split_cells(text) == [
        ("markdown", "# Title\n\nSome *text*."),
        ("code", "import numpy as np\n\nx = 1  # a comment stays"),
        ("markdown", "More."),
        ("code", "print(x)"),
    ]


CELL_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")  # nbformat 4.5


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.stem)
def test_notebook_is_valid_nbformat4_with_the_scripts_cells(script):
    notebook = json.loads((NOTEBOOKS / f"{script.stem}.ipynb").read_text(encoding="utf-8"))
    assert set(notebook) == {"cells", "metadata", "nbformat", "nbformat_minor"}
    assert notebook["nbformat"] == 4 and notebook["nbformat_minor"] == 5
    assert notebook["metadata"]["kernelspec"]["language"] == "python"
    assert notebook["metadata"]["language_info"]["name"] == "python"
    ids = [cell["id"] for cell in notebook["cells"]]
    assert len(set(ids)) == len(ids) and all(CELL_ID.match(i) for i in ids)

    # The script's cells, read independently: the lines between "# %%" markers.
    text = script.read_text(encoding="utf-8")
    blocks = re.split(r"^# %%(.*)$", text, flags=re.MULTILINE)[1:]
    expected = []
    for header, body in zip(blocks[0::2], blocks[1::2]):
        kind = "markdown" if "[markdown]" in header else "code"
        lines = body.strip("\n").splitlines()
        if kind == "markdown":
            lines = [re.sub(r"^# ?", "", line) for line in lines]
        expected.append((kind, [line for line in lines if line.strip()]))
    assert text.startswith("# %%"), f"{script.name}: content before the first cell"

    cells = notebook["cells"]
    assert len(cells) == len(expected), script.name
    for cell, (kind, lines) in zip(cells, expected):
        assert set(cell) >= {"cell_type", "id", "metadata", "source"}
        assert cell["cell_type"] == kind and cell["metadata"] == {}
        assert isinstance(cell["source"], list) and all(isinstance(s, str) for s in cell["source"])
        assert all(s.endswith("\n") for s in cell["source"][:-1])
        assert not cell["source"][-1].endswith("\n")
        if kind == "code":
            assert isinstance(cell["outputs"], list) and "execution_count" in cell
        else:
            assert "outputs" not in cell and "execution_count" not in cell
        source = "".join(cell["source"])
        assert [line for line in source.splitlines() if line.strip()] == lines


def test_notebook_code_runs_like_in_jupyter(tmp_path):
    """The notebook's code cells, run from examples/notebooks/ without __file__ (as in
    Jupyter), still find examples/data/ and write their plots to STRIDED_EXAMPLE_OUT."""
    notebook = json.loads((NOTEBOOKS / "04_blur_and_edges.ipynb").read_text(encoding="utf-8"))
    code = "\n\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    env = dict(os.environ, MPLBACKEND="Agg", STRIDED_EXAMPLE_QUICK="1",
               STRIDED_EXAMPLE_OUT=str(tmp_path), OPENBLAS_NUM_THREADS="1")
    process = subprocess.run([sys.executable, "-c", code], cwd=NOTEBOOKS, env=env,
                             capture_output=True, text=True, timeout=120, check=False)
    assert process.returncode == 0, process.stderr[-3000:]
    assert (tmp_path / "04_blur_and_edges.png").is_file()
    assert not (NOTEBOOKS / "example_output").exists()


def test_readme_lists_every_example_and_notebook():
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for script in SCRIPTS:
        assert f"{script.name}" in readme, f"examples/README.md does not mention {script.name}"
        assert f"notebooks/{script.stem}.ipynb" in readme, script.stem


@pytest.mark.parametrize("name", ["04_blur_and_edges", "08_feature_maps"])
def test_notebook_executes_in_a_jupyter_kernel(name, tmp_path, monkeypatch):
    """With nbclient and ipykernel installed (not strided dependencies; skipped otherwise), the
    notebook runs cell by cell in a real kernel and shows its figures inline."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    monkeypatch.delenv("MPLBACKEND", raising=False)  # let the kernel pick its inline backend
    monkeypatch.setenv("STRIDED_EXAMPLE_QUICK", "1")
    monkeypatch.setenv("STRIDED_EXAMPLE_OUT", str(tmp_path))
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = sum("image/png" in o.get("data", {}) for o in outputs)
    assert shown == len(list(tmp_path.glob("*.png"))) >= 2
