"""The application-model benchmark runs a model end to end in its worker (no time is asserted)."""

import pathlib
import sys

BENCHMARKS = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_applications  # noqa: E402


def test_every_keras_style_application_is_a_row():
    from strided import applications

    names = bench_applications.model_names()
    assert "ResNet50" in names and "MobileNetV2" in names and "LeNet5" not in names
    assert all(callable(getattr(applications, name)) for name in names)


def test_one_small_model_gives_a_time_for_each_mode(capsys):
    rows = bench_applications.main(["--only", "MobileNetV3Small", "--size", "32", "--repeat", "1",
                                    "--no-keras", "--threads", "1"])
    assert [mode for _, mode, _, _ in rows] == list(bench_applications.MODES)
    for _, _, times, ratio in rows:
        assert times["strided"] > 0 and ratio is None
    assert "MobileNetV3Small" in capsys.readouterr().out
