"""strided.torch.save / load against real PyTorch 2.13: files move both ways with equal contents."""

import collections
import io

import numpy as np
import pytest
import torch as real
from hypothesis import given, settings
from hypothesis import strategies as st

import strided.torch as torch
from strided.torch.nn.parameter import Parameter

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def _strided_array(rng, dtype, shape):
    if dtype == "bool":
        return np.asarray(rng.random(shape) > 0.5)
    if np.dtype(dtype).kind == "f":
        return rng.standard_normal(shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)


def _assert_same(strided_value, real_value):
    assert np.array_equal(np.asarray(strided_value.detach().numpy()), real_value.detach().numpy())
    assert str(strided_value.dtype) == str(real_value.dtype)
    assert tuple(strided_value.shape) == tuple(real_value.shape)


def test_state_dict_of_every_dtype_opens_in_pytorch_with_weights_only(tmp_path, rng):
    state = collections.OrderedDict()
    for i, dtype in enumerate(DTYPES):
        state[f"layer{i}.weight"] = torch.from_numpy(_strided_array(rng, dtype, (3, i + 1)))
    state["scalar"] = torch.tensor(2.5, dtype=torch.float64)
    state["empty"] = torch.zeros(0, 4)
    state["bn.num_batches_tracked"] = torch.tensor(7)
    path = tmp_path / "every dtype.pt"
    torch.save(state, path)

    loaded = real.load(path, weights_only=True)
    assert type(loaded) is collections.OrderedDict and list(loaded) == list(state)
    for key in state:
        _assert_same(state[key], loaded[key])
    assert loaded["bn.num_batches_tracked"].item() == 7
    # the storages are 64-byte aligned, so PyTorch can also memory-map the file
    mapped = real.load(path, weights_only=True, mmap=True)
    _assert_same(state["layer0.weight"], mapped["layer0.weight"])


def test_optimizer_style_nested_containers_and_parameters(tmp_path):
    weight = Parameter(torch.ones(2, 3))
    frozen = Parameter(torch.zeros(2), requires_grad=False)
    checkpoint = {
        "epoch": 3,
        "big": 2**70,
        "negative": -123456789,
        "loss": 0.125,
        "name": "ConvNet ü",
        "blob": b"\x00\xff",
        "nothing": None,
        "flags": [True, False],
        "complex": 1 + 2j,
        "dtype": torch.float64,
        "optimizer": {
            "state": {0: {"step": torch.tensor(4.0), "exp_avg": torch.full((2, 3), 0.5)}},
            "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-08, "params": [0, 1]}],
        },
        "weight": weight,
        "frozen": frozen,
        "again": weight,
    }
    path = tmp_path / "checkpoint.pt"
    torch.save(checkpoint, path)
    loaded = real.load(path, weights_only=True)
    for key in ("epoch", "big", "negative", "loss", "name", "blob", "nothing", "flags", "complex"):
        assert loaded[key] == checkpoint[key] and type(loaded[key]) is type(checkpoint[key])
    assert loaded["dtype"] is real.float64
    assert loaded["optimizer"]["param_groups"] == checkpoint["optimizer"]["param_groups"]
    _assert_same(checkpoint["optimizer"]["state"][0]["exp_avg"], loaded["optimizer"]["state"][0]["exp_avg"])
    assert isinstance(loaded["weight"], real.nn.Parameter) and loaded["weight"].requires_grad
    assert isinstance(loaded["frozen"], real.nn.Parameter) and not loaded["frozen"].requires_grad
    assert loaded["again"].data_ptr() == loaded["weight"].data_ptr()  # one storage for one tensor

    back = torch.load(path)
    assert isinstance(back["weight"], Parameter) and back["weight"].requires_grad
    assert back["dtype"] is torch.float64
    assert back["optimizer"]["param_groups"] == checkpoint["optimizer"]["param_groups"]
    assert back["optimizer"]["state"][0]["step"].item() == 4.0


def test_save_to_a_file_object(rng):
    buffer = io.BytesIO()
    array = rng.standard_normal((4, 5)).astype(np.float32)
    torch.save({"w": torch.from_numpy(array)}, buffer)
    buffer.seek(0)
    assert np.array_equal(real.load(buffer, weights_only=True)["w"].numpy(), array)
    buffer.seek(0)
    assert np.array_equal(torch.load(buffer)["w"].numpy(), array)


def test_pytorch_files_load_without_running_torch(tmp_path):
    """Views sharing a storage, transposes, bfloat16, Parameters; zip and legacy formats."""
    real.manual_seed(0)
    base = real.randn(4, 6)
    state = collections.OrderedDict(
        base=base,
        column=base[:, 2],
        transposed=base.t(),
        strided=base[::2, 1::3],
        integers=real.arange(10, dtype=real.int32),
        half=real.randn(3).half(),
        bfloat=real.tensor([1.5, -2.25, 3.0], dtype=real.bfloat16),
        parameter=real.nn.Parameter(real.ones(2, 2)),
        scalar=real.tensor(3),
    )
    for legacy in (False, True):
        path = tmp_path / f"real_{legacy}.pt"
        real.save(state, path, _use_new_zipfile_serialization=not legacy)
        loaded = torch.load(path)
        assert list(loaded) == list(state)
        for key, value in state.items():
            expected = value.detach().float() if value.dtype == real.bfloat16 else value.detach()
            assert np.array_equal(loaded[key].detach().numpy(), expected.numpy()), (legacy, key)
        assert isinstance(loaded["parameter"], Parameter) and loaded["parameter"].requires_grad
        assert loaded["scalar"].item() == 3 and loaded["scalar"].dtype == torch.int64


def test_real_model_and_optimizer_state_dicts(tmp_path):
    real.manual_seed(1)
    model = real.nn.Sequential(real.nn.Conv2d(1, 4, 3), real.nn.BatchNorm2d(4), real.nn.Flatten(), real.nn.LazyLinear(2))
    model(real.randn(2, 1, 5, 5))
    optimizer = real.optim.Adam(model.parameters(), lr=0.01)
    model(real.randn(2, 1, 5, 5)).sum().backward()
    optimizer.step()
    real.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, tmp_path / "ckpt.pth")

    loaded = torch.load(tmp_path / "ckpt.pth", map_location="cpu", weights_only=True)
    for key, value in model.state_dict().items():
        _assert_same(loaded["model"][key], value)
    state = optimizer.state_dict()
    assert loaded["optimizer"]["param_groups"] == state["param_groups"]
    for index, slots in state["state"].items():
        for name, value in slots.items():
            _assert_same(loaded["optimizer"]["state"][index][name], value)


def test_save_refuses_objects_pytorch_could_not_load_safely(tmp_path):
    class Net:
        pass

    with pytest.raises(TypeError, match=r"the saved object\['net'\] of type Net.*state_dict"):
        torch.save({"net": Net()}, tmp_path / "net.pt")
    with pytest.raises(TypeError, match="ndarray"):
        torch.save([np.zeros(2)], tmp_path / "array.pt")


def _convnet(nn):
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(4 * 4 * 4, 3))


def test_model_and_optimizer_checkpoints_move_both_ways(tmp_path, rng):
    import strided.torch.nn as nn

    x = rng.standard_normal((2, 1, 8, 8)).astype(np.float32)
    ours, theirs = _convnet(nn), _convnet(real.nn)
    optimizer = torch.optim.Adam(ours.parameters(), lr=0.01)
    ours(torch.from_numpy(x)).sum().backward()
    optimizer.step()
    ours.eval()
    torch.save({"model": ours.state_dict(), "optimizer": optimizer.state_dict()}, tmp_path / "ours.pt")

    checkpoint = real.load(tmp_path / "ours.pt", weights_only=True)
    theirs.load_state_dict(checkpoint["model"])
    theirs.eval()
    expected = theirs(real.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(ours(torch.from_numpy(x)).detach().numpy(), expected, atol=1e-6)
    real_optimizer = real.optim.Adam(theirs.parameters(), lr=0.01)
    real_optimizer.load_state_dict(checkpoint["optimizer"])
    assert real_optimizer.state_dict()["param_groups"] == optimizer.state_dict()["param_groups"]

    real.manual_seed(0)
    source = _convnet(real.nn)
    source(real.randn(3, 1, 8, 8))  # training-mode batch statistics move the running averages
    source.eval()
    real.save(source.state_dict(), tmp_path / "theirs.pt")
    target = _convnet(nn)
    target.load_state_dict(torch.load(tmp_path / "theirs.pt"))
    target.eval()
    np.testing.assert_allclose(target(torch.from_numpy(x)).detach().numpy(),
                               source(real.from_numpy(x)).detach().numpy(), atol=1e-6)


@settings(max_examples=15, deadline=None)
@given(
    shapes=st.lists(st.lists(st.integers(0, 4), max_size=4), min_size=1, max_size=4),
    dtypes=st.lists(st.sampled_from(DTYPES), min_size=4, max_size=4),
    seed=st.integers(0, 2**16),
)
def test_random_state_dicts_round_trip_both_ways(tmp_path_factory, shapes, dtypes, seed):
    rng = np.random.default_rng(seed)
    arrays = {f"m{i}.t": _strided_array(rng, dtype, tuple(shape)) for i, (shape, dtype) in enumerate(zip(shapes, dtypes))}
    folder = tmp_path_factory.mktemp("round")
    torch.save(collections.OrderedDict((k, torch.from_numpy(a)) for k, a in arrays.items()), folder / "ours.pt")
    theirs = real.load(folder / "ours.pt", weights_only=True)
    real.save(collections.OrderedDict((k, real.from_numpy(a.copy())) for k, a in arrays.items()), folder / "theirs.pt")
    back = torch.load(folder / "theirs.pt")
    for key, array in arrays.items():
        assert theirs[key].numpy().dtype == array.dtype and np.array_equal(theirs[key].numpy(), array)
        assert back[key].numpy().dtype == array.dtype and np.array_equal(back[key].numpy(), array)


def test_load_arrays_gives_numpy_for_importers(tmp_path):
    real.save({"conv.weight": real.ones(2, 1, 3, 3), "step": 5}, tmp_path / "w.pth")
    arrays = torch.serialization.load_arrays(tmp_path / "w.pth")
    assert isinstance(arrays["conv.weight"], np.ndarray) and arrays["conv.weight"].shape == (2, 1, 3, 3)
    assert arrays["step"] == 5
