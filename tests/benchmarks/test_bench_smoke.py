"""The training benchmark's FLOP counter is exact, and its --quick path runs end to end.

Speed is never asserted here: the smoke run only checks that the report has its columns and that
strided and PyTorch both produced a number.
"""

import pathlib
import sys

import pytest

BENCHMARKS = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import _measure  # noqa: E402
import bench_training  # noqa: E402
from _flops import count_flops  # noqa: E402


def test_fashion_cnn_flops_match_the_hand_count():
    from strided.applications import fashion_cnn

    conv1 = 26 * 26 * 9 * 1 * 64 * 2
    conv2 = 11 * 11 * 9 * 64 * 64 * 2
    dense1 = 1600 * 128 * 2
    dense2 = 128 * 10 * 2
    flops = count_flops(fashion_cnn())
    assert flops.forward == conv1 + conv2 + dense1 + dense2 == 10_112_000
    # the first layer's input needs no gradient: 2x for it, 3x for the others
    assert flops.training == 2 * conv1 + 3 * (conv2 + dense1 + dense2)


def test_unknown_row_is_refused():
    with pytest.raises(SystemExit, match="unknown row"):
        bench_training.select_rows("train-fashion-b128")


def test_quick_run_prints_the_table(tmp_path, capsys):
    out = tmp_path / "report.md"
    report = bench_training.main([
        "--quick", "--only", "train-fashion-b64", "--images", "256", "--no-keras",
        "--threads", "1", "--markdown-out", str(out),
    ])
    assert out.read_text() == report
    lines = report.splitlines()
    header = next(line for line in lines if line.startswith("| model |"))
    assert [c.strip() for c in header.strip("|").split("|")] == list(bench_training.COLUMNS)
    row = next(line for line in lines if "train 1 epoch, 256 images" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[0] == "fashion_cnn" and cells[2] == "64"
    strided, torch, keras = cells[3:6]
    float(strided), float(torch)  # both frameworks produced a time, not an error
    assert keras == "-"
    assert any("peak RSS while training" in line for line in lines)


def test_stolen_cpu_time_is_read_and_reported(tmp_path):
    """On a shared virtual machine, a measurement during a burst of stolen CPU time is noted."""
    assert _measure.steal_share((10, 1000), (40, 1100)) == pytest.approx(0.3)
    assert _measure.steal_share((10, 1000), (10, 1000)) is None  # no time passed
    assert _measure.steal_share(None, (10, 1000)) is None  # not Linux
    if sys.platform.startswith("linux"):
        steal, total = _measure.cpu_times()
        assert 0 <= steal <= total
    report = bench_training.main([
        "--quick", "--only", "predict-fashion", "--no-keras", "--threads", "1", "--rounds", "2",
        "--markdown-out", str(tmp_path / "report.md"),
    ])
    assert "CPU time stolen by the hypervisor" in report
    assert "measured in 2 rounds" in report


def test_a_change_of_the_machines_speed_during_the_run_is_noted():
    """The matmul rate is measured before and after the rows; a change of more than 15% is said."""
    from types import SimpleNamespace

    import _report

    args = SimpleNamespace(threads=2, images=60000, rounds=1)
    flops = bench_training.model_flops()
    shapes = {"(2048, 2048) @ (2048, 2048)": 480.0}
    steady = _report.notes([], {}, flops, args, (480.0, shapes, 470.0))
    assert not any("rate changed" in line for line in steady)
    slowed = _report.notes([], {}, flops, args, (480.0, shapes, 240.0))
    assert any("480 GFLOP/s at the start, 240 at the end" in line for line in slowed)


def test_rounds_keep_each_time_of_a_check_row_at_its_own_best():
    first_round = {"seconds": 2.0, "second": 2.3, "steal": None}
    second_round = {"seconds": 2.2, "second": 2.1, "steal": None}
    kept = bench_training.keep_best(bench_training.keep_best(None, first_round), second_round)
    assert (kept["seconds"], kept["second"]) == (2.0, 2.1)  # not the first round's pair (2.0, 2.3)
    assert bench_training.keep_best({"error": "exit 1"}, second_round) == second_round
    assert bench_training.keep_best(second_round, {"error": "exit 1"}) == second_round
    faster = bench_training.keep_best({"seconds": 3.0}, {"seconds": 2.5, "peak_mb": 300})
    assert faster == {"seconds": 2.5, "peak_mb": 300}


def test_the_linearity_row_takes_its_two_epoch_sizes_in_turn(monkeypatch):
    """N, 2N, N, 2N, ... after the warm-up, each size's best kept: drift slows both alike."""
    import _keraslike_runner

    runner = object.__new__(_keraslike_runner.KerasLikeRunner)  # no framework imported
    x = y = list(range(200))
    monkeypatch.setattr(runner, "_trained_model", lambda task, images: (None, x, y), raising=False)
    sizes = []
    monkeypatch.setattr(runner, "fit", lambda model, xs, ys, batch: sizes.append(len(xs)), raising=False)
    times = {100: iter([3.0, 2.0, 2.5]), 200: iter([4.5, 5.0, 4.0])}
    monkeypatch.setattr(_keraslike_runner, "best_time", lambda fn, repeats: (fn(), next(times[sizes[-1]]))[1])
    result = runner.linearity({"images": 100, "batch": 32, "repeats": 3})
    assert sizes == [_keraslike_runner._warmup_count(100, 32), 100, 200, 100, 200, 100, 200]
    assert result == {"seconds": 2.0, "double": 4.0}
