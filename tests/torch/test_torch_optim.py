"""Optimizers and learning-rate schedulers against real PyTorch 2.13: the same parameters and
gradients give the same updates step after step (float64 to 1e-10), with param groups, state
dicts in PyTorch's format (loadable both ways) and the schedulers' learning rates."""

import numpy as np
import pytest
import torch as real
from torch_compare import assert_close

import strided.torch as st
from strided.torch import optim

OPTIMIZERS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.5, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 0.1}),
    ("Adadelta", {"lr": 1.0}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1}),
]


def _pair_of_parameters(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal(4).astype(dtype)]
    ours = [st.nn.Parameter(st.tensor(a)) for a in arrays]
    theirs = [real.nn.Parameter(real.tensor(a)) for a in arrays]
    return ours, theirs


def _steps(ours_opt, theirs_opt, ours, theirs, count, seed=1):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        for p, q in zip(ours, theirs):
            grad = rng.standard_normal(tuple(q.shape)).astype(q.detach().numpy().dtype)
            p.grad = st.tensor(grad)
            q.grad = real.tensor(grad)
        ours_opt.step()
        theirs_opt.step()


@pytest.mark.parametrize("name, kwargs", OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)])
def test_optimizer_updates_match_pytorch(name, kwargs):
    ours, theirs = _pair_of_parameters()
    # two param groups: the second with its own learning rate
    ours_opt = getattr(optim, name)([{"params": [ours[0]]}, {"params": [ours[1]], "lr": kwargs["lr"] / 2}], **kwargs)
    theirs_opt = getattr(real.optim, name)([{"params": [theirs[0]]}, {"params": [theirs[1]], "lr": kwargs["lr"] / 2}],
                                           **kwargs)
    _steps(ours_opt, theirs_opt, ours, theirs, 5)
    for p, q in zip(ours, theirs):
        assert_close(p.detach(), q.detach(), 1e-10, 1e-10, f"{name} parameter")
    ours_state, theirs_state = ours_opt.state_dict(), theirs_opt.state_dict()
    assert ours_state["param_groups"] == theirs_state["param_groups"]
    assert ours_state["state"].keys() == theirs_state["state"].keys()
    for index, entries in theirs_state["state"].items():
        assert list(ours_state["state"][index]) == list(entries)
        for key, value in entries.items():
            assert_close(ours_state["state"][index][key], value, 1e-10, 1e-10, f"{name} state {key}")

    # a state dict made by real PyTorch continues identically in strided, and ours in PyTorch
    fresh_ours, _ = _pair_of_parameters()
    for p, q in zip(fresh_ours, theirs):
        p.data = st.tensor(q.detach().numpy())
    resumed = getattr(optim, name)([{"params": [fresh_ours[0]]}, {"params": [fresh_ours[1]]}], **kwargs)
    resumed.load_state_dict(theirs_opt.state_dict())
    back = getattr(real.optim, name)([{"params": [theirs[0]]}, {"params": [theirs[1]]}], **kwargs)
    back.load_state_dict({"state": {i: {k: real.tensor(np.array(v.numpy())) if isinstance(v, st.Tensor) else v
                                        for k, v in s.items()} for i, s in ours_opt.state_dict()["state"].items()},
                          "param_groups": ours_opt.state_dict()["param_groups"]})
    _steps(resumed, back, fresh_ours, theirs, 3, seed=2)
    for p, q in zip(fresh_ours, theirs):
        assert_close(p.detach(), q.detach(), 1e-10, 1e-10, f"{name} resumed parameter")


def test_float32_training_matches_within_float_tolerance():
    ours, theirs = _pair_of_parameters(dtype=np.float32)
    _steps(optim.Adam(ours, lr=0.01), real.optim.Adam(theirs, lr=0.01), ours, theirs, 10)
    for p, q in zip(ours, theirs):
        assert_close(p.detach(), q.detach(), 1e-6, 1e-5)


def test_zero_grad_and_closure():
    ours, _ = _pair_of_parameters()
    opt = optim.SGD(ours, lr=0.1)
    for p in ours:
        p.grad = st.ones_like(p)
    opt.zero_grad(set_to_none=False)
    assert ours[0].grad.sum().item() == 0
    opt.zero_grad()
    assert ours[0].grad is None

    def closure():
        opt.zero_grad()
        loss = (ours[0] ** 2).sum()
        loss.backward()
        return loss

    before = ours[0].detach().clone()
    loss = opt.step(closure)
    np.testing.assert_allclose(ours[0].detach().numpy(), before.numpy() * 0.8)
    assert loss.item() > 0
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.Adam(ours, lr=-1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)


SCHEDULERS = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [2, 5, 5], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 4, "eta_min": 0.01}),
    ("OneCycleLR", {"max_lr": 0.5, "total_steps": 12}),
    ("OneCycleLR", {"max_lr": [0.5, 0.2], "total_steps": 12, "anneal_strategy": "linear", "three_phase": True}),
    ("LambdaLR", {"lr_lambda": lambda epoch: 0.9 ** epoch}),
    ("LinearLR", {"start_factor": 0.2, "total_iters": 4}),
    ("ConstantLR", {"factor": 0.5, "total_iters": 3}),
    ("MultiplicativeLR", {"lr_lambda": lambda epoch: 0.95}),
    ("PolynomialLR", {"total_iters": 6, "power": 2.0}),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2, "eta_min": 0.001}),
]


@pytest.mark.parametrize("name, kwargs", SCHEDULERS, ids=[s[0] + str(i) for i, s in enumerate(SCHEDULERS)])
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_schedulers_match_pytorch(name, kwargs, optimizer):
    ours, theirs = _pair_of_parameters()
    extra = {"momentum": 0.9} if optimizer == "SGD" else {}
    ours_opt = getattr(optim, optimizer)([{"params": [ours[0]]}, {"params": [ours[1]], "lr": 0.05}], lr=0.1, **extra)
    theirs_opt = getattr(real.optim, optimizer)([{"params": [theirs[0]]}, {"params": [theirs[1]], "lr": 0.05}],
                                                lr=0.1, **extra)
    ours_sched = getattr(optim.lr_scheduler, name)(ours_opt, **kwargs)
    theirs_sched = getattr(real.optim.lr_scheduler, name)(theirs_opt, **kwargs)
    for _ in range(11):
        _steps(ours_opt, theirs_opt, ours, theirs, 1)
        ours_sched.step()
        theirs_sched.step()
        np.testing.assert_allclose(ours_sched.get_last_lr(), theirs_sched.get_last_lr(), rtol=1e-13)
        for ours_group, theirs_group in zip(ours_opt.param_groups, theirs_opt.param_groups):
            for key in ("momentum", "betas"):
                if key in theirs_group:
                    np.testing.assert_allclose(ours_group[key], theirs_group[key], rtol=1e-13)
    for p, q in zip(ours, theirs):
        assert_close(p.detach(), q.detach(), 1e-10, 1e-10)
    ours_state = ours_sched.state_dict()
    theirs_state = theirs_sched.state_dict()
    for key in ("last_epoch", "base_lrs", "_last_lr", "_step_count"):
        assert ours_state[key] == pytest.approx(theirs_state[key]), key


def test_reduce_lr_on_plateau_matches_pytorch():
    ours, theirs = _pair_of_parameters()
    ours_opt, theirs_opt = optim.SGD(ours, lr=1.0), real.optim.SGD(theirs, lr=1.0)
    kwargs = {"mode": "min", "factor": 0.5, "patience": 2, "cooldown": 1, "min_lr": 0.1, "threshold": 0.01}
    ours_sched = optim.lr_scheduler.ReduceLROnPlateau(ours_opt, **kwargs)
    theirs_sched = real.optim.lr_scheduler.ReduceLROnPlateau(theirs_opt, **kwargs)
    for metric in [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]:
        ours_sched.step(metric)
        theirs_sched.step(metric)
        assert ours_sched.get_last_lr() == theirs_sched.get_last_lr()
        assert ours_sched.num_bad_epochs == theirs_sched.num_bad_epochs
    assert ours_opt.param_groups[0]["lr"] == theirs_opt.param_groups[0]["lr"] < 1.0
