"""The layer matrix benchmark selects rows by name and runs end to end (no time is asserted)."""

import pathlib
import sys

import pytest

BENCHMARKS = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_layers  # noqa: E402
from _layer_cases import all_cases  # noqa: E402


def test_rows_are_chosen_by_id_part_or_family():
    cases = all_cases()
    assert {c.id for c in bench_layers.selected(cases, "gelu")} == {"gelu", "gelu-128x16x16x256"}
    assert {c.family for c in bench_layers.selected(cases, "depthwise,norm")} == {"depthwise", "norm"}
    assert len({c.id for c in cases}) == len(cases)  # ids are unique
    with pytest.raises(SystemExit, match="unknown row nonsense"):
        bench_layers.selected(cases, "gelu,nonsense")


def test_one_small_row_runs_in_both_formats_and_modes(capsys):
    rows = bench_layers.main(["--only", "upsampling2x", "--repeat", "1", "--threads", "1"])
    cells = {(fmt, mode) for _, fmt, mode, _, _ in rows}
    assert cells == {(f, m) for f in ("channels_last", "channels_first") for m in ("inference", "train")}
    for _, _, _, best, ratio in rows:
        assert isinstance(best["strided"], float) and isinstance(best["torch"], float), best
        assert ratio > 0
    assert "per family" in capsys.readouterr().out
