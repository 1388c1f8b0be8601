import json
import math

import pytest

from strided.optimizers import schedules


def test_exponential_decay():
    s = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    for step in (0, 3, 10, 25):
        assert s(step) == pytest.approx(0.1 * 0.5 ** (step / 10))
    stair = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert stair(9) == pytest.approx(0.1) and stair(10) == pytest.approx(0.05)


def test_inverse_time_decay():
    s = schedules.InverseTimeDecay(0.1, decay_steps=2, decay_rate=0.5)
    assert s(3) == pytest.approx(0.1 / (1 + 0.5 * 1.5))
    stair = schedules.InverseTimeDecay(0.1, decay_steps=2, decay_rate=0.5, staircase=True)
    assert stair(3) == pytest.approx(0.1 / 1.5)


def test_piecewise_constant_decay_boundaries_inclusive():
    s = schedules.PiecewiseConstantDecay([100, 110], [1.0, 0.5, 0.1])
    assert [s(0), s(100), s(101), s(110), s(111)] == [1.0, 1.0, 0.5, 0.5, 0.1]
    with pytest.raises(ValueError, match="1 less than"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0])


def test_cosine_decay_without_warmup():
    s = schedules.CosineDecay(0.2, decay_steps=100, alpha=0.1)
    for step in (0, 25, 50, 100, 150):
        expected = 0.2 * ((1 - 0.1) * 0.5 * (1 + math.cos(math.pi * min(step, 100) / 100)) + 0.1)
        assert s(step) == pytest.approx(expected)


def test_cosine_decay_with_warmup():
    s = schedules.CosineDecay(0.0, decay_steps=100, warmup_target=1.0, warmup_steps=10)
    assert s(0) == 0.0 and s(5) == pytest.approx(0.5)
    assert s(10) == pytest.approx(1.0)
    assert s(60) == pytest.approx(0.5)
    assert s(500) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("cls", [schedules.ExponentialDecay, schedules.InverseTimeDecay,
                                 schedules.CosineDecay])
def test_decay_steps_must_be_positive(cls):
    with pytest.raises(ValueError, match="decay_steps"):
        cls(0.1, 0, 0.5)


@pytest.mark.parametrize("schedule", [
    schedules.ExponentialDecay(0.1, 10, 0.9, staircase=True),
    schedules.InverseTimeDecay(0.1, 5, 0.5),
    schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001]),
    schedules.CosineDecay(0.1, 100, alpha=0.2, warmup_target=0.5, warmup_steps=3),
])
def test_serialisation_round_trip(schedule):
    config = json.loads(json.dumps(schedules.serialize(schedule)))
    again = schedules.deserialize(config)
    assert type(again) is type(schedule) and again.get_config() == schedule.get_config()
    assert all(again(s) == schedule(s) for s in (0, 4, 15, 200))


def test_unknown_schedule():
    with pytest.raises(ValueError, match="Unknown learning rate schedule"):
        schedules.deserialize({"class_name": "Nope", "config": {}})


def test_schedules_return_python_floats():
    # A NumPy float64 coefficient would upcast float32 weights in the optimizer.
    for s in (schedules.ExponentialDecay(0.1, 10, 0.9), schedules.CosineDecay(0.1, 10),
              schedules.PiecewiseConstantDecay([1], [1, 2])):
        assert type(s(3)) is float
