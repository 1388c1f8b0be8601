import json

import numpy as np
import pytest

import strided
from strided import optimizers
from strided.optimizers import SGD, Adam, RMSprop, schedules


def variables_like(*arrays):
    return [strided.Variable(np.array(a, dtype=np.float64), dtype=np.float64) for a in arrays]


# ---------------------------------------------------------------- clipping
def test_clipnorm_clips_each_gradient_separately():
    w1, w2 = variables_like(np.zeros(2), np.zeros(2))
    SGD(1.0, clipnorm=1.0).apply([np.array([3.0, 4.0]), np.array([0.3, 0.4])], [w1, w2])
    np.testing.assert_allclose(w1.numpy(), [-0.6, -0.8])   # norm 5 -> rescaled to norm 1
    np.testing.assert_allclose(w2.numpy(), [-0.3, -0.4])   # norm 0.5 -> unchanged


def test_global_clipnorm_rescales_all_gradients_together():
    w1, w2 = variables_like(np.zeros(2), np.zeros(1))
    g1, g2 = np.array([3.0, 0.0]), np.array([4.0])            # global norm 5
    SGD(1.0, global_clipnorm=2.5).apply([g1, g2], [w1, w2])
    np.testing.assert_allclose(w1.numpy(), [-1.5, 0.0])
    np.testing.assert_allclose(w2.numpy(), [-2.0])
    w3, = variables_like(np.zeros(2))
    SGD(1.0, global_clipnorm=10.0).apply([g1], [w3])         # below the limit: unchanged
    np.testing.assert_allclose(w3.numpy(), [-3.0, 0.0])


def test_global_clipnorm_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    tensors = [torch.tensor(g) for g in grads]
    params = [torch.nn.Parameter(torch.zeros_like(t)) for t in tensors]
    for p, t in zip(params, tensors):
        p.grad = t.clone()
    torch.nn.utils.clip_grad_norm_(params, max_norm=1.0)
    variables = variables_like(np.zeros((3, 4)), np.zeros(5))
    SGD(1.0, global_clipnorm=1.0).apply(grads, variables)
    for v, p in zip(variables, params):
        np.testing.assert_allclose(-v.numpy(), p.grad.numpy(), rtol=1e-5)  # torch adds 1e-6


def test_global_clipnorm_with_nan_gives_nan():
    w, = variables_like(np.zeros(2))
    SGD(1.0, global_clipnorm=1.0).apply([np.array([np.nan, 1.0])], [w])
    assert np.isnan(w.numpy()).all()


def test_clipvalue_clips_elementwise():
    w, = variables_like(np.zeros(3))
    SGD(1.0, clipvalue=0.5).apply([np.array([-2.0, 0.2, 3.0])], [w])
    np.testing.assert_allclose(w.numpy(), [0.5, -0.2, -0.5])


def test_clipping_does_not_modify_the_callers_gradient():
    g = np.array([3.0, 4.0])
    SGD(1.0, clipnorm=1.0).apply([g], variables_like(np.zeros(2)))
    np.testing.assert_array_equal(g, [3.0, 4.0])


def test_only_one_clipping_argument():
    with pytest.raises(ValueError, match="Only one of"):
        Adam(clipnorm=1.0, clipvalue=1.0)


# ------------------------------------------------------------ weight decay
def test_decoupled_weight_decay_uses_learning_rate():
    # Keras: w <- w - w * wd * lr, then the optimizer's own step.
    w, = variables_like([2.0, -4.0])
    SGD(0.1, weight_decay=0.5).apply([np.array([1.0, 1.0])], [w])
    np.testing.assert_allclose(w.numpy(), [2.0 * 0.95 - 0.1, -4.0 * 0.95 - 0.1])


def test_exclude_from_weight_decay_by_name_and_variable():
    kernel = strided.Variable(np.ones(2), name="kernel", dtype=np.float64)
    bias = strided.Variable(np.ones(2), name="bias", dtype=np.float64)
    other = strided.Variable(np.ones(2), name="gamma", dtype=np.float64)
    opt = SGD(1.0, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_list=[other], var_names=["bias"])
    zero = np.zeros(2)
    opt.apply([zero, zero, zero], [kernel, bias, other])
    np.testing.assert_allclose(kernel.numpy(), 0.5)
    np.testing.assert_allclose(bias.numpy(), 1.0)
    np.testing.assert_allclose(other.numpy(), 1.0)


# ------------------------------------------------------------ learning rate
@pytest.mark.parametrize("lr", [-0.1, float("nan"), "fast"])
def test_invalid_learning_rate(lr):
    with pytest.raises(ValueError, match="Invalid learning rate"):
        SGD(learning_rate=lr)


def test_learning_rate_is_settable_float():
    opt = Adam(0.01)
    opt.learning_rate = 0.5
    assert opt.learning_rate == 0.5 and isinstance(opt.learning_rate, float)
    assert opt.get_config()["learning_rate"] == 0.5


def test_schedule_is_called_with_iterations_and_not_settable():
    schedule = schedules.PiecewiseConstantDecay([0, 1], [1.0, 0.5, 0.25])
    opt = SGD(learning_rate=schedule)
    w, = variables_like([0.0])
    seen = []
    for _ in range(3):
        seen.append(opt.learning_rate)
        opt.apply([np.array([1.0])], [w])
    assert seen == [1.0, 0.5, 0.25]
    np.testing.assert_allclose(w.numpy(), [-1.75])
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.1


def test_callable_learning_rate():
    opt = SGD(learning_rate=lambda: 0.25)
    w, = variables_like([0.0])
    opt.apply([np.array([1.0])], [w])
    np.testing.assert_allclose(w.numpy(), [-0.25])


def test_schedule_config_round_trip_through_json():
    opt = Adam(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5))
    config = json.loads(json.dumps(optimizers.serialize(opt)))
    again = optimizers.deserialize(config)
    assert isinstance(again._learning_rate, schedules.ExponentialDecay)
    assert again.learning_rate == pytest.approx(0.1)


# ----------------------------------------------------------------- state
@pytest.mark.parametrize("make", [lambda: Adam(0.01, amsgrad=True),
                                  lambda: SGD(0.1, momentum=0.9, nesterov=True),
                                  lambda: RMSprop(0.01, momentum=0.5, centered=True)])
def test_state_round_trip_resumes_identically(make):
    rng = np.random.default_rng(0)
    grads = [[rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal(3).astype(np.float32)]
             for _ in range(6)]
    start = [rng.standard_normal((2, 3)), rng.standard_normal(3)]
    straight = [strided.Variable(a) for a in start]
    opt = make()
    for g in grads:
        opt.apply(g, straight)

    first_half = [strided.Variable(a) for a in start]
    opt1 = make()
    for g in grads[:3]:
        opt1.apply(g, first_half)
    state = opt1.get_state()
    resumed = [strided.Variable(w.numpy()) for w in first_half]   # "a loaded model"
    opt2 = make()
    opt2.set_state(state)            # before the optimizer has seen any variable
    assert opt2.iterations == 3
    for g in grads[3:]:
        opt2.apply(g, resumed)
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_state_keys_by_position_and_lr_persisted():
    opt = SGD(0.1, momentum=0.9)
    opt.apply([np.ones(2), np.ones(3)], variables_like(np.zeros(2), np.zeros(3)))
    opt.learning_rate = 0.05
    state = opt.get_state()
    assert set(state) == {"iterations", "learning_rate", "0/momentum", "1/momentum"}
    fresh = SGD(0.1, momentum=0.9)
    fresh.set_state(state)
    assert fresh.learning_rate == 0.05


def test_set_state_shape_mismatch_is_clear():
    opt = Adam()
    opt.apply([np.ones(2)], variables_like(np.zeros(2)))
    other = Adam()
    other.set_state(opt.get_state())
    with pytest.raises(ValueError, match=r"0/momentum.*\(2,\).*\(4,\)"):
        other.apply([np.ones(4)], variables_like(np.zeros(4)))


# ------------------------------------------------------------- apply API
def test_apply_gradients_and_apply_without_variables():
    w, = variables_like([1.0])
    opt = SGD(0.5)
    opt.apply_gradients(zip([np.array([1.0])], [w]))
    opt.apply([np.array([1.0])])
    np.testing.assert_allclose(w.numpy(), [0.0])
    assert opt.iterations == 2


def test_apply_before_build_without_variables_raises():
    with pytest.raises(ValueError, match="not built"):
        SGD().apply([np.ones(1)])


def test_missing_gradients_warn_and_skip():
    a, b = variables_like([1.0], [1.0])
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        SGD(1.0).apply([None, np.array([1.0])], [a, b])
    np.testing.assert_allclose(a.numpy(), [1.0])
    np.testing.assert_allclose(b.numpy(), [0.0])
    with pytest.raises(ValueError, match="No gradients"):
        SGD(1.0).apply([None], [a])


def test_gradient_shape_mismatch_names_variable():
    w = strided.Variable(np.zeros((2, 3)), name="kernel")
    with pytest.raises(ValueError, match=r"'kernel'.*\(3, 2\).*\(2, 3\)"):
        SGD().apply([np.zeros((3, 2))], [w])


def test_gradients_count_mismatch():
    with pytest.raises(ValueError, match="2 gradients for 1 variables"):
        SGD().apply([np.zeros(1), np.zeros(1)], variables_like([0.0]))


def test_tensor_gradients_and_float64_grads_on_float32_weights():
    w = strided.Variable(np.ones(2, np.float32))
    SGD(0.5).apply([strided.Tensor(np.ones(2), dtype=np.float64)], [w])
    assert w.dtype == np.float32
    np.testing.assert_allclose(w.numpy(), [0.5, 0.5])


def test_unknown_kwarg():
    with pytest.raises(TypeError, match="not recognized"):
        Adam(betta_1=0.5)


# -------------------------------------------------------------------- get
@pytest.mark.parametrize("name,cls", [("adam", optimizers.Adam), ("SGD", optimizers.SGD),
                                      ("rmsprop", optimizers.RMSprop), ("adamw", optimizers.AdamW),
                                      ("Adagrad", optimizers.Adagrad)])
def test_get_by_name(name, cls):
    assert type(optimizers.get(name)) is cls


def test_get_instance_and_config_and_error():
    opt = Adam(0.5)
    assert optimizers.get(opt) is opt
    again = optimizers.get({"class_name": "Adam", "config": {"learning_rate": 0.25}})
    assert isinstance(again, Adam) and again.learning_rate == 0.25
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get("adamax2")


@pytest.mark.parametrize("make", [
    lambda: SGD(0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda: Adam(schedules.CosineDecay(0.01, 10), amsgrad=True, clipnorm=1.0),
    lambda: optimizers.AdamW(global_clipnorm=1.0),
    lambda: RMSprop(momentum=0.5, centered=True, clipvalue=0.1),
    lambda: optimizers.Adagrad(),
])
def test_float32_weights_updated_in_place_and_stay_float32(make):
    w = strided.Variable(np.ones((3, 3), np.float32))
    buffer = w.data
    opt = make()
    for _ in range(3):
        opt.apply([np.full((3, 3), 0.5, np.float32)], [w])
    assert w.data is buffer and w.dtype == np.float32
    assert all(a.dtype == np.float32 for a in opt.variables[1:])
    assert not np.allclose(w.numpy(), 1.0)
