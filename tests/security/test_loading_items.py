"""Issue 18, items 1, 3, 4, 5 and 6: one reproduction each, as filed, now refused cleanly.

Every refusal is `strided.errors.FileFormatError` naming the file; the memory cases run in a
child process (see memory_probe.py) and must stay within 200 MB of growth.
"""

import hashlib
import json

import numpy as np
import pytest
from crafted import (
    SECRET,
    deflated_zeros_zip,
    gzip_bomb,
    keras3_h5,
    keras_file,
    legacy_h5,
    model_config,
    npz_bytes,
    plant_secret,
    safetensors_bytes,
    set_zip_flag,
    small_model,
    zip_bytes,
)
from memory_probe import run_load

from strided import layers
from strided.errors import FileFormatError
from strided.models import load_model
from strided.saving.keras_h5 import load_keras_weights
from strided.saving.torch_import import read_safetensors

h5py = pytest.importorskip("h5py")


def weights_of(model):
    return [w.copy() for w in model.get_weights()]


# ---------------------------------------------------------------- 1. nothing outside the file
def external_storage(secret):
    def extra(h5):
        del h5["layers/dense/vars/0"]
        h5.create_dataset("layers/dense/vars/0", shape=(3, 2), dtype="u1", external=[(str(secret), 0, 6)])
    return extra


def test_external_storage_is_refused_by_load_weights(tmp_path):
    path = keras3_h5(tmp_path / "e.weights.h5", extra=external_storage(plant_secret(tmp_path)))
    model = small_model()
    before = weights_of(model)
    with pytest.raises(FileFormatError, match="external") as info:
        model.load_weights(path)
    assert str(path) in str(info.value) and "layers/dense/vars/0" in str(info.value)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_external_link_and_virtual_dataset_are_refused(tmp_path):
    secret_h5 = tmp_path / "other.h5"
    with h5py.File(secret_h5, "w") as other:
        other["kernel"] = np.frombuffer(SECRET[:24], "u1").reshape(3, 8)[:, :2].astype("f4")

    def link(h5):
        del h5["layers/dense/vars/0"]
        h5["layers/dense/vars/0"] = h5py.ExternalLink(str(secret_h5), "kernel")

    def virtual(h5):
        del h5["layers/dense/vars/0"]
        source = h5py.VirtualSource(str(secret_h5), "kernel", shape=(3, 2), dtype="f4")
        layout = h5py.VirtualLayout(shape=(3, 2), dtype="f4")
        layout[...] = source
        h5.create_virtual_dataset("layers/dense/vars/0", layout)

    for name, extra in (("link", link), ("virtual", virtual)):
        path = keras3_h5(tmp_path / f"{name}.weights.h5", extra=extra)
        with pytest.raises(FileFormatError, match=str(path)):
            small_model().load_weights(path)


def test_legacy_h5_and_keras_archive_refuse_external_storage(tmp_path):
    secret = plant_secret(tmp_path)
    legacy = legacy_h5(tmp_path / "legacy.h5")
    with h5py.File(legacy, "a") as h5:
        del h5["dense/dense/kernel:0"]
        h5.create_dataset("dense/dense/kernel:0", shape=(3, 2), dtype="u1", external=[(str(secret), 0, 6)])
    with pytest.raises(FileFormatError, match="external"):
        load_keras_weights(small_model(), legacy)
    inner = keras3_h5(tmp_path / "inner.weights.h5", extra=external_storage(secret))
    archive = keras_file(tmp_path / "keras_layout.keras", weights=inner.read_bytes(),
                         weights_member="model.weights.h5")
    with pytest.raises(FileFormatError, match="external"):
        load_model(archive)


# ---------------------------------------------------------------- 3. bounded memory
def test_huge_dense_in_a_small_keras_file_is_refused_without_allocating(tmp_path):
    path = keras_file(tmp_path / "huge.keras", config=model_config(units=2**26))
    assert path.stat().st_size < 10_000
    report = run_load(f"strided.models.load_model({str(path)!r})")
    assert report["format_error"], report
    assert report["extra_mb"] < 200, report


def test_zip_bomb_member_is_refused(tmp_path):
    bomb = deflated_zeros_zip("model.weights.npz", 150, **{"metadata.json": "{}",
                                                           "config.json": json.dumps(model_config())})
    path = tmp_path / "bomb.keras"
    path.write_bytes(bomb)
    assert len(bomb) < 1 << 20
    report = run_load(f"strided.models.load_model({str(path)!r})")
    assert report["format_error"] and "model.weights.npz" in report["message"], report
    assert report["extra_mb"] < 200, report


def test_unwritten_chunked_dataset_is_refused(tmp_path):
    def extra(h5):
        h5.create_dataset("layers/dense/vars/2", shape=(2**14, 2**14), dtype="f4", chunks=(256, 256))
    path = keras3_h5(tmp_path / "sparse.weights.h5", extra=extra)
    assert path.stat().st_size < 20_000
    model = small_model()
    report = run_load(f"model = Sequential([layers.Input((3,)), layers.Dense(2), layers.Dense(2)])\n"
                      f"model.load_weights({str(path)!r})")
    assert report["format_error"] and "layers/dense/vars/2" in report["message"], report
    assert report["extra_mb"] < 200, report
    with pytest.raises(FileFormatError):
        model.load_weights(path)


def test_npz_header_declaring_more_than_the_file_holds_is_refused(tmp_path):
    path = tmp_path / "lying.weights.npz"
    path.write_bytes(zip_bytes({"layers/dense/vars/0.npy": _npy_with_shape((40_000_000, 2))}))
    report = run_load(f"model = Sequential([layers.Input((3,)), layers.Dense(2), layers.Dense(2)])\n"
                      f"model.load_weights({str(path)!r})")
    assert report["format_error"] and "layers/dense/vars/0" in report["message"], report
    assert report["extra_mb"] < 200, report


def _npy_with_shape(shape):
    """An .npy member whose header declares `shape` float32 but which holds 24 bytes."""
    header = repr({"descr": "<f4", "fortran_order": False, "shape": tuple(shape)}).encode()
    header = header + b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + bytes(24)


def test_gzip_bomb_checksum_is_checked_before_decompressing(tmp_path):
    folder = tmp_path / "fashion"
    folder.mkdir()
    from strided.datasets import fashion_mnist

    bomb = gzip_bomb(400)
    for spec in fashion_mnist.FILES:
        (folder / spec.name).write_bytes(bomb)
    report = run_load(f"from strided.datasets import fashion_mnist\n"
                      f"fashion_mnist.load_data(path={str(folder)!r}, download=False)")
    assert report["outcome"] == "ChecksumError", report
    assert report["extra_mb"] < 200, report
    assert hashlib.sha256(bomb).hexdigest() in report["message"]


# ---------------------------------------------------------------- 4. all or nothing
@pytest.mark.parametrize("bad", [np.array([b"1.5", b"2.5"]), np.array([1 + 2j, 3j]),
                                 np.array(["2020-01-01", "2020-01-02"], "datetime64[D]")],
                         ids=["strings", "complex", "datetime"])
def test_a_bad_last_weight_leaves_the_model_unchanged(tmp_path, bad):
    model = small_model()
    before = weights_of(model)
    if bad.dtype.kind != "M":
        path = keras3_h5(tmp_path / "last.weights.h5", values={"layers/dense_1/vars/1": bad})
        with pytest.raises(FileFormatError, match="layers/dense_1/vars/1"):
            model.load_weights(path)
        legacy = legacy_h5(tmp_path / "last.h5", last=bad)
        with pytest.raises(FileFormatError, match="bias"):
            load_keras_weights(model, legacy)
    arrays = {"layers/dense/vars/0": np.ones((3, 2), "f4"), "layers/dense/vars/1": np.ones(2, "f4"),
              "layers/dense_1/vars/0": np.ones((2, 2), "f4"), "layers/dense_1/vars/1": bad}
    npz = tmp_path / "last.weights.npz"
    npz.write_bytes(npz_bytes(arrays))
    with pytest.raises(FileFormatError, match="layers/dense_1/vars/1"):
        model.load_weights(npz)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_variable_length_last_weight_leaves_the_model_unchanged(tmp_path):
    def extra(h5):
        del h5["layers/dense_1/vars/1"]
        h5.create_dataset("layers/dense_1/vars/1", data=[b"1", b"2"], dtype=h5py.string_dtype())
    path = keras3_h5(tmp_path / "vlen.weights.h5", extra=extra)
    model = small_model()
    before = weights_of(model)
    with pytest.raises(FileFormatError, match="layers/dense_1/vars/1"):
        model.load_weights(path)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- 5. one exception class
def _valid_keras(tmp_path):
    path = tmp_path / "valid.keras"
    small_model().save(path)
    return path.read_bytes()


@pytest.mark.parametrize("case", ["encrypted", "method99", "deep_json", "truncated_h5", "not_h5",
                                  "safetensors_short", "safetensors_header"])
def test_every_failure_is_one_documented_error_naming_the_file(tmp_path, case):
    model = small_model()
    if case in ("encrypted", "method99"):
        data = _valid_keras(tmp_path)
        flags = {"flag_bits": 1} if case == "encrypted" else {"method": 99}
        path = tmp_path / f"{case}.keras"
        path.write_bytes(set_zip_flag(data, "config.json", **flags))
        load = lambda: load_model(path)  # noqa: E731
    elif case == "deep_json":
        path = keras_file(tmp_path / "deep.keras", raw_config="[" * 100_000)
        load = lambda: load_model(path)  # noqa: E731
    elif case in ("truncated_h5", "not_h5"):
        good = keras3_h5(tmp_path / "good.weights.h5").read_bytes()
        path = tmp_path / f"{case}.weights.h5"
        path.write_bytes(good[: len(good) // 2] if case == "truncated_h5" else b"\x89HDF\r\n\x1a\n" + bytes(100))
        load = lambda: model.load_weights(path)  # noqa: E731
    else:
        good = safetensors_bytes({"w": np.ones((2, 2))})
        path = tmp_path / f"{case}.safetensors"
        path.write_bytes(good[:5] if case == "safetensors_short" else b"\x05" + bytes(7) + b"[1,2]")
        load = lambda: read_safetensors(path)  # noqa: E731
    with pytest.raises(FileFormatError) as info:
        load()
    assert str(path) in str(info.value)


# ---------------------------------------------------------------- 6. garbage refused
@pytest.mark.parametrize("edit", ["negative_offset", "overlap", "out_of_range", "negative_shape", "bad_dtype",
                                  "size_mismatch"])
def test_bad_safetensors_are_refused(tmp_path, edit):
    def override(header):
        a, b = header["a"], header["b"]
        if edit == "negative_offset":
            a["data_offsets"] = [-16, 0]
        elif edit == "overlap":
            b["data_offsets"] = [8, 24]
        elif edit == "out_of_range":
            b["data_offsets"] = [16, 10**12]
        elif edit == "negative_shape":
            a["shape"] = [-2, -2]
        elif edit == "bad_dtype":
            a["dtype"] = {"evil": 1}
        else:
            a["shape"] = [3, 3]
    path = tmp_path / f"{edit}.safetensors"
    path.write_bytes(safetensors_bytes({"a": np.ones((2, 2)), "b": np.ones((2, 2))}, override))
    with pytest.raises(FileFormatError, match=str(path)):
        read_safetensors(path)


def test_lambda_refuses_dunder_and_private_names():
    for name in ("__setattr__", "__class__", "_private", "relu.__globals__", "os"):
        with pytest.raises(FileFormatError if name != "os" else ValueError, match="Lambda"):
            layers.Lambda.from_config({"function": name, "name": "evil"})
    assert layers.Lambda.from_config({"function": "relu", "name": "ok"}).function.__name__ == "relu"


def test_lambda_dunder_in_a_model_file_is_a_format_error(tmp_path):
    config = model_config()
    config["config"]["layers"].insert(1, {"module": "keras.layers", "class_name": "Lambda",
                                          "registered_name": "Lambda",
                                          "config": {"name": "evil", "function": "__class__"}})
    path = keras_file(tmp_path / "lambda.keras", config=config)
    with pytest.raises(FileFormatError, match="__class__"):
        load_model(path)
