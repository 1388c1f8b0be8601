"""The distributed benchmark's cost model is the ring formula, and its --quick path runs end to end
under mpiexec (no time is asserted: only that every way produced a number)."""

import pathlib
import shutil
import sys

import pytest

BENCHMARKS = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import _distributed_cost as cost  # noqa: E402
import bench_distributed  # noqa: E402


def test_ring_allreduce_time_is_latency_steps_plus_two_passes_of_the_bytes():
    gigabit = cost.GIGABIT
    assert cost.allreduce_seconds(1, 1e9, gigabit, 1e-5) == 0.0  # alone: nothing to sum
    # p = 2: 2 steps of latency, each rank sends half the array twice = the whole array once
    assert cost.allreduce_seconds(2, 4e6, 10 * gigabit, 1e-5) == pytest.approx(2e-5 + 4e6 / (10 * gigabit))
    # many machines: the bandwidth term tends to 2 x bytes / bandwidth, the latency term grows
    big = cost.allreduce_seconds(1000, 1e8, gigabit, 0.0)
    assert big == pytest.approx(2 * 1e8 / gigabit, rel=1e-2)
    assert cost.allreduce_seconds(64, 0, gigabit, 1e-5) == pytest.approx(2 * 63 * 1e-5)


def test_efficiency_with_and_without_overlap():
    assert cost.efficiency(3.0, 1.0) == pytest.approx(0.75)
    assert cost.efficiency(3.0, 1.0, overlap=True) == 1.0  # hidden behind the backward pass
    assert cost.efficiency(1.0, 3.0, overlap=True) == pytest.approx(1 / 3)


def test_latency_and_bandwidth_are_recovered_from_timings():
    sizes = [1e3, 1e5, 1e7]
    seconds = [20e-6 + s / 5e9 for s in sizes]
    latency, bandwidth = cost.fit_latency_bandwidth(sizes, seconds)
    assert latency == pytest.approx(20e-6, rel=1e-6) and bandwidth == pytest.approx(5e9, rel=1e-6)


def test_parameters_are_counted_on_strideds_models():
    counts = cost.parameter_counts(include_resnet50=False)
    assert counts["fashion-cnn (lesson 002)"] == 243_786  # the lesson's summary
    assert counts["mnist-cnn (lesson 000)"] == 104_202
    lines = cost.allreduce_table({"fashion-cnn (lesson 002)": 243_786})
    assert len(lines) == 2 + len(cost.BANDWIDTHS_GBIT)


def test_allreduce_table_says_when_strideds_row_is_missing():
    outcome = {"ranks": 2, "results": {"mpi4py": {"4096": 1e-5, "65536": 4e-5},
                                       "gloo": {"4096": 5e-4, "65536": 6e-4},
                                       "strided": {"error": "no strided.distributed"}}}
    lines = bench_distributed.allreduce_lines(outcome)
    assert lines[2].startswith("| 4,096 | 0.01 | nan | 0.5 |")
    assert "- strided: no strided.distributed" in lines
    assert any(line.startswith("- mpi4py: fitted t =") for line in lines)


@pytest.mark.skipif(shutil.which("mpiexec") is None, reason="mpiexec is not installed (pip install mpich)")
def test_quick_run_prints_the_scaling_and_allreduce_tables(tmp_path):
    out = tmp_path / "report.md"
    report = bench_distributed.main(["--quick", "--modes", "strided-1,strided-mpi", "--images", "128",
                                     "--no-cost", "--markdown-out", str(out)])
    assert out.read_text() == report
    rows = {line.split("|")[3].strip(): [c.strip() for c in line.strip("|").split("|")]
            for line in report.splitlines() if line.startswith("| fashion_cnn |")}
    assert set(rows) == {"strided-1", "strided-mpi"}
    assert rows["strided-mpi"][3] == "2 x 1"
    float(rows["strided-1"][4]), float(rows["strided-mpi"][4])  # images/s, not an error
    assert rows["strided-1"][5] == "1.00"  # the baseline's speedup over itself
    allreduce = [line for line in report.splitlines() if line.startswith("| 4,096 |")]
    assert len(allreduce) == 1
    mpi4py, strided, gloo = (float(c) for c in allreduce[0].strip("|").split("|")[1:4])
    assert mpi4py > 0 and strided > 0 and gloo > 0
