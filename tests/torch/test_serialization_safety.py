"""strided.torch.load never runs code from a file and never trusts the sizes a file declares."""

import os
import pickle
import zipfile

import numpy as np
import pytest
import torch as real

import strided.torch as torch
from strided.errors import FileFormatError
from strided.torch import _pickle_reader


class _RunsShell:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def _torch_zip(path, pickle_bytes, records=None):
    """A zip laid out as torch.save writes it, with the given data.pkl."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", pickle_bytes)
        archive.writestr("archive/byteorder", "little")
        for name, data in (records or {}).items():
            archive.writestr(f"archive/{name}", data)
        archive.writestr("archive/version", "3\n")
    return path


def test_os_system_in_a_zip_checkpoint_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"w": _RunsShell(f"touch {marker}")}, protocol=2)
    path = _torch_zip(tmp_path / "evil.pt", payload)
    with pytest.raises(FileFormatError, match=r"evil\.pt.*refusing to load 'posix\.system'") as info:
        torch.load(path, weights_only=False)  # strided never unpickles arbitrary objects
    assert isinstance(info.value, ValueError)
    assert not marker.exists()


def test_os_system_in_a_legacy_checkpoint_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "legacy.pt"
    with open(path, "wb") as f:
        for part in (_pickle_reader.LEGACY_MAGIC, _pickle_reader.LEGACY_PROTOCOL, {"little_endian": True}):
            pickle.dump(part, f, protocol=2)
        pickle.dump(_RunsShell(f"touch {marker}"), f, protocol=2)
    with pytest.raises(FileFormatError, match="refusing to load"):
        torch.load(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    "module, name",
    [("builtins", "eval"), ("builtins", "__import__"), ("subprocess", "Popen"), ("numpy", "load"),
     ("torch.nn.modules.linear", "Linear"), ("__main__", "Net")],
)
def test_every_global_outside_the_allow_list_is_refused(tmp_path, module, name):
    payload = b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\n)R."
    path = _torch_zip(tmp_path / "global.pt", payload)
    with pytest.raises(FileFormatError, match=f"'{module}.{name}'.*state_dict"):
        torch.load(path)


def test_a_whole_pickled_pytorch_model_is_refused_with_advice(tmp_path):
    real.save(real.nn.Linear(2, 3), tmp_path / "model.pt")
    with pytest.raises(FileFormatError, match=r"torch\.nn\.modules\.linear\.Linear.*model\.state_dict\(\)"):
        torch.load(tmp_path / "model.pt")


def test_allowed_globals_cannot_be_modified_by_build(tmp_path):
    # GLOBAL torch._utils._rebuild_tensor_v2, then BUILD {'__defaults__': ...} on it
    payload = b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n}X\x0c\x00\x00\x00__defaults__)sb."
    with pytest.raises(FileFormatError):
        torch.load(_torch_zip(tmp_path / "build.pt", payload))
    payload = b"\x80\x02ctorch\nfloat32\n}X\x01\x00\x00\x00aK\x01sb."
    with pytest.raises(FileFormatError):
        torch.load(_torch_zip(tmp_path / "build2.pt", payload))
    assert "a" not in dir(_pickle_reader.ALLOWED_GLOBALS[("torch", "float32")])


def test_huge_allocations_are_refused(tmp_path):
    payload = b"\x80\x02cbuiltins\nbytearray\n\x8a\x06\x00\x00\x00\x00\x00\x01\x85R."  # bytearray(2**40)
    with pytest.raises(FileFormatError, match="bytearray"):
        torch.load(_torch_zip(tmp_path / "bytes.pt", payload))


def _raw_tensor_pickle(numel, size, stride, offset=0):
    def tuple_of(values):
        return b"(" + b"".join(b"J" + v.to_bytes(4, "little", signed=True) for v in values) + b"t"

    return (
        b"\x80\x02}X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v2\n("
        b"(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuJ"
        + numel.to_bytes(4, "little", signed=True)
        + b"tQJ" + offset.to_bytes(4, "little", signed=True)
        + tuple_of(size) + tuple_of(stride)
        + b"\x89ccollections\nOrderedDict\n)RtRs."
    )


def test_declared_storage_larger_than_its_record_is_refused(tmp_path):
    payload = _raw_tensor_pickle(numel=1_000_000_000, size=(1_000_000_000,), stride=(1,))
    path = _torch_zip(tmp_path / "big.pt", payload, {"data/0": b"\x00" * 16})
    with pytest.raises(FileFormatError, match="declares 4000000000 bytes but holds 16"):
        torch.load(path)


def test_a_tensor_reaching_outside_its_storage_is_refused(tmp_path):
    payload = _raw_tensor_pickle(numel=4, size=(3, 3), stride=(3, 1))
    path = _torch_zip(tmp_path / "outside.pt", payload, {"data/0": b"\x00" * 16})
    with pytest.raises(FileFormatError, match="reaches element 8, but its storage holds 4"):
        torch.load(path)
    good = _torch_zip(tmp_path / "inside.pt", _raw_tensor_pickle(4, (2, 2), (1, 2)),
                      {"data/0": bytes(range(16))})
    assert torch.load(good)["w"].shape == (2, 2)


@pytest.mark.parametrize("content", [b"", b"not a torch file at all", b"PK\x03\x04broken zip"])
def test_files_that_are_not_checkpoints_raise_format_errors(tmp_path, content):
    path = tmp_path / "junk.pt"
    path.write_bytes(content)
    with pytest.raises(FileFormatError, match="junk.pt"):
        torch.load(path)


def test_truncated_pytorch_file(tmp_path):
    real.save({"w": real.ones(1000)}, tmp_path / "full.pt")
    data = (tmp_path / "full.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError, match="cut.pt"):
        torch.load(tmp_path / "cut.pt")


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="no such file"):
        torch.load("/nonexistent/model.pt")


def test_an_expanded_tensor_is_read_but_a_huge_one_is_refused(tmp_path):
    small = _torch_zip(tmp_path / "expanded.pt", _raw_tensor_pickle(2, (3, 2), (0, 1)),
                       {"data/0": np.array([1.0, 2.0], np.float32).tobytes()})
    assert torch.load(small)["w"].tolist() == [[1.0, 2.0]] * 3  # as PyTorch's expand()
    huge = _torch_zip(tmp_path / "huge.pt", _raw_tensor_pickle(1, (1 << 20, 1 << 20), (0, 0)),
                      {"data/0": b"\x00" * 4})
    with pytest.raises(FileFormatError, match="refused to bound memory"):
        torch.load(huge)


def test_a_list_holding_itself_is_refused(tmp_path):
    payload = b"\x80\x02]q\x00h\x00a."  # l = []; l.append(l)
    with pytest.raises(FileFormatError, match="nested too deeply"):
        torch.load(_torch_zip(tmp_path / "loop.pt", payload))


def test_a_compressed_bomb_is_refused_before_it_is_inflated(tmp_path):
    path = tmp_path / "bomb.pt"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_BZIP2) as archive:  # ratios far beyond deflate's
        archive.writestr("archive/data.pkl", _raw_tensor_pickle(5_000_000, (5_000_000,), (1,)))
        archive.writestr("archive/data/0", b"\x00" * 20_000_000)
    assert path.stat().st_size < 10_000
    with pytest.raises(FileFormatError, match="implausibly compressed"):
        torch.load(path)


def test_build_cannot_rewrite_a_tensor_or_a_malformed_tensor_is_reported(tmp_path):
    tensor = _raw_tensor_pickle(4, (2, 2), (2, 1))
    rewritten = tensor.replace(b"RtRs.", b"RtR}X\x07\x00\x00\x00storageK\x01sbs.")  # BUILD on the tensor
    with pytest.raises(FileFormatError, match="set attributes"):
        torch.load(_torch_zip(tmp_path / "rewrite.pt", rewritten, {"data/0": b"\x00" * 16}))
    malformed = tensor.replace(b"(J\x02\x00\x00\x00J\x02\x00\x00\x00t(J\x02", b"(X\x01\x00\x00\x00aJ\x02\x00\x00\x00t(J\x02")
    assert malformed != tensor
    with pytest.raises(FileFormatError, match="malformed"):
        torch.load(_torch_zip(tmp_path / "malformed.pt", malformed, {"data/0": b"\x00" * 16}))
