"""Where `nn.Module` puts a name that is registered again, compared with real PyTorch 2.13.

PyTorch replaces an entry of `_modules`, `_parameters` or `_buffers` in place, so re-assigning
`self.fc`, `add_module`, `register_parameter` or `register_buffer` under a name already there
keeps its position in `named_children()`, `named_parameters()`, `named_buffers()` and
`state_dict()`; setting None keeps the key; `del` forgets it (a later assignment goes last);
a name that moves to another kind (a Module over a Parameter) goes last in its new store.
Each case below runs the same code on `torch` and on `strided.torch` and compares the orders.
"""

import numpy as np
import pytest
import torch as real
from torch_compare import assert_close

import strided.torch as st


def _net(torch):
    """A small net whose child, parameter and buffer of interest sit in the middle of each store."""
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.first = nn.Linear(3, 4)
            self.fc = nn.Linear(4, 4)
            self.last = nn.Linear(4, 2)
            self.scale = nn.Parameter(torch.ones(2))
            self.weight = nn.Parameter(torch.ones(2))
            self.shift = nn.Parameter(torch.zeros(2))
            self.register_buffer("count", torch.zeros(1))
            self.register_buffer("mean", torch.zeros(2))
            self.register_buffer("scratch", torch.zeros(2), persistent=False)
            self.register_buffer("var", torch.ones(2))

        def forward(self, x):
            return (self.last(self.fc(self.first(x)).relu()) * self.scale + self.shift - self.mean) / self.var

    return Net()


def _orders(module):
    return {
        "_modules": list(module._modules),
        "named_children": [name for name, _ in module.named_children()],
        "named_parameters": [name for name, _ in module.named_parameters()],
        "named_buffers": [name for name, _ in module.named_buffers()],
        "state_dict": list(module.state_dict()),
        "None entries": sorted(
            name for store in (module._modules, module._parameters, module._buffers)
            for name, value in store.items() if value is None
        ),
    }


# Each case changes a fresh `_net(torch)` in the same way under either library.
CASES = {
    "setattr child again": lambda torch, m: setattr(m, "fc", torch.nn.Linear(4, 4)),
    "add_module child again": lambda torch, m: m.add_module("fc", torch.nn.Linear(4, 4, bias=False)),
    "register_module child again": lambda torch, m: m.register_module("first", torch.nn.Linear(3, 4)),
    "setattr parameter again": lambda torch, m: setattr(m, "weight", torch.nn.Parameter(torch.zeros(2))),
    "register_parameter again": lambda torch, m: m.register_parameter("scale", torch.nn.Parameter(torch.zeros(2))),
    "register_buffer again": lambda torch, m: m.register_buffer("mean", torch.ones(2)),
    "register_buffer again, now non-persistent": lambda torch, m: m.register_buffer("mean", torch.ones(2), persistent=False),
    "register_buffer again, now persistent": lambda torch, m: m.register_buffer("scratch", torch.ones(2)),
    "setattr tensor over buffer": lambda torch, m: setattr(m, "mean", torch.ones(2)),
    "setattr tensor over non-persistent buffer": lambda torch, m: setattr(m, "scratch", torch.ones(2)),
    "setattr nn.Buffer over buffer": lambda torch, m: setattr(m, "mean", torch.nn.Buffer(torch.ones(2))),
    "setattr non-persistent nn.Buffer over buffer": lambda torch, m: setattr(
        m, "count", torch.nn.Buffer(torch.ones(1), persistent=False)
    ),
    "setattr None over child": lambda torch, m: setattr(m, "fc", None),
    "setattr None over parameter": lambda torch, m: setattr(m, "weight", None),
    "setattr None over buffer": lambda torch, m: setattr(m, "mean", None),
    "None then child again": lambda torch, m: (setattr(m, "fc", None), setattr(m, "fc", torch.nn.Linear(4, 4))),
    "None then parameter again": lambda torch, m: (
        setattr(m, "weight", None), setattr(m, "weight", torch.nn.Parameter(torch.ones(2)))
    ),
    "None then buffer again": lambda torch, m: (setattr(m, "mean", None), setattr(m, "mean", torch.ones(2))),
    "register None then child again": lambda torch, m: (m.add_module("fc", None), m.add_module("fc", torch.nn.ReLU())),
    "del child then again": lambda torch, m: (delattr(m, "fc"), setattr(m, "fc", torch.nn.Linear(4, 4))),
    "del parameter then again": lambda torch, m: (delattr(m, "weight"), setattr(m, "weight", torch.nn.Parameter(torch.ones(2)))),
    "del buffer then again": lambda torch, m: (delattr(m, "mean"), m.register_buffer("mean", torch.zeros(2))),
    "del non-persistent buffer then again": lambda torch, m: (delattr(m, "scratch"), setattr(m, "scratch", torch.nn.Buffer(torch.ones(2)))),
    "module over buffer": lambda torch, m: setattr(m, "mean", torch.nn.ReLU()),
    "parameter over child": lambda torch, m: setattr(m, "fc", torch.nn.Parameter(torch.ones(2))),
    "parameter over buffer": lambda torch, m: setattr(m, "scratch", torch.nn.Parameter(torch.ones(2))),
    "parameter over plain attribute": lambda torch, m: (setattr(m, "extra", 3), setattr(m, "extra", torch.nn.Parameter(torch.ones(1)))),
    "module over plain attribute": lambda torch, m: (setattr(m, "extra", 3), setattr(m, "extra", torch.nn.Tanh())),
    "nn.Buffer over nothing": lambda torch, m: setattr(m, "extra", torch.nn.Buffer(torch.ones(1))),
    "grandchild again": lambda torch, m: (m.add_module("seq", torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 2))),
                                         m.seq.__setitem__(0, torch.nn.Linear(2, 2)), setattr(m.seq, "1", torch.nn.Tanh())),
}


@pytest.mark.parametrize("case", list(CASES))
def test_registration_order_matches_pytorch(case):
    theirs, ours = _net(real), _net(st)
    CASES[case](real, theirs)
    CASES[case](st, ours)
    assert _orders(ours) == _orders(theirs)
    assert repr(ours) == repr(theirs)


def test_plain_tensor_keeps_a_non_persistent_buffer_out_of_the_state_dict():
    for torch in (real, st):
        module = _net(torch)
        module.scratch = torch.full((2,), 7.0)
        assert "scratch" not in module.state_dict(), torch.__name__
        assert float(dict(module.named_buffers())["scratch"][0]) == 7.0, torch.__name__


def test_fine_tuned_head_loads_pytorch_weights_and_agrees():
    """The usual fine-tuning step, `model.fc = nn.Linear(...)`, then weights moved from PyTorch."""
    real.manual_seed(0)
    theirs, ours = _net(real), _net(st)
    theirs.fc, ours.fc = real.nn.Linear(4, 4), st.nn.Linear(4, 4)
    theirs.double()
    ours.double()
    ours.load_state_dict({key: value.detach().numpy().copy() for key, value in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 3))
    assert_close(ours(st.tensor(x)), theirs(real.tensor(x)), what="forward after replacing fc")
    assert list(ours.state_dict()) == list(theirs.state_dict())


ERRORS = {
    "register_buffer over child": lambda torch, m: m.register_buffer("fc", torch.zeros(1)),
    "register_parameter over buffer": lambda torch, m: m.register_parameter("mean", torch.nn.Parameter(torch.zeros(1))),
    "add_module over parameter": lambda torch, m: m.add_module("weight", torch.nn.ReLU()),
    "register_buffer over None parameter": lambda torch, m: (setattr(m, "weight", None), m.register_buffer("weight", None)),
    "register_parameter over a method": lambda torch, m: m.register_parameter("forward", None),
    "add_module over training": lambda torch, m: m.add_module("training", torch.nn.ReLU()),
    "name with a dot": lambda torch, m: m.add_module("a.b", torch.nn.ReLU()),
    "parameter name with a dot": lambda torch, m: m.register_parameter("a.b", None),
    "empty buffer name": lambda torch, m: m.register_buffer("", None),
    "name not a string": lambda torch, m: m.register_buffer(3, None),
    "not a module": lambda torch, m: m.add_module("x", 3),
    "not a parameter": lambda torch, m: m.register_parameter("x", torch.zeros(1)),
    "not a tensor": lambda torch, m: m.register_buffer("x", [1.0]),
    "tensor over parameter": lambda torch, m: setattr(m, "weight", torch.zeros(2)),
    "module over parameter": lambda torch, m: setattr(m, "weight", torch.nn.ReLU()),
    "int over child": lambda torch, m: setattr(m, "fc", 3),
    "string over buffer": lambda torch, m: setattr(m, "mean", "zeros"),
    "nn.Buffer over parameter": lambda torch, m: setattr(m, "weight", torch.nn.Buffer(torch.zeros(2))),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_registration_errors_match_pytorch(case):
    theirs, ours = _net(real), _net(st)
    with pytest.raises(Exception) as expected:
        ERRORS[case](real, theirs)
    with pytest.raises(type(expected.value)) as got:
        ERRORS[case](st, ours)
    assert str(got.value).replace("strided.torch.", "torch.") == str(expected.value)
    assert _orders(ours) == _orders(theirs), "a refused registration changes nothing"


def test_assigning_before_init_names_the_fix():
    class Early(st.nn.Module):
        def __init__(self):
            self.fc = st.nn.Linear(2, 2)
            super().__init__()

    with pytest.raises(AttributeError, match=r"cannot assign module before Module.__init__\(\) call.*Early"):
        Early()
