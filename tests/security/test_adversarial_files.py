"""Hand-made hostile files for every parser, loaded in child processes with memory measured.

Each group of files (bombs, huge declared sizes, storage or links outside the file, types that
are not numbers, forbidden pickle globals) is loaded one after the other in a fresh Python;
every file must be refused with FileFormatError, the child's RSS may grow by at most 200 MB
over all of them, and the planted secret file's bytes may appear in no message.
"""

import gzip
import io
import json
import pickle
import struct
import tarfile
import zipfile

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
from loaders import torch_seed
from memory_probe import run_cases, run_load

h5py = pytest.importorskip("h5py")
MEMORY_MB = 200


def check_all_refused(cases, setup="import sys"):
    report = run_cases(cases, setup)
    assert report["outcomes"] is not None, report
    for (kind, path), (outcome, message) in zip(cases, report["outcomes"]):
        assert outcome == "FileFormatError", f"{path.name} ({kind}): {outcome}: {message}"
        assert path.name in message, f"{path.name}: the message does not name the file: {message}"
        assert SECRET.decode() not in message
    assert report["extra_mb"] < MEMORY_MB, report
    print(f"\nADVERSARIAL {cases[0][0]}: {len(cases)} files refused, peak growth {report['extra_mb']:.0f} MB")
    return report


def test_the_memory_probe_sees_a_large_allocation():
    report = run_load("block = np.ones(300 << 17)  # 300 MB of float64, touched")
    assert report["outcome"] == "loaded" and 290 < report["extra_mb"] < 400, report


# --------------------------------------------------------------------------------- .keras
def test_hostile_keras_files(tmp_path):
    secret = plant_secret(tmp_path)
    valid = tmp_path / "valid.keras"
    small_model().save(valid)
    config = json.dumps(model_config())
    files = {
        "bomb.keras": deflated_zeros_zip("model.weights.npz", 150, **{"metadata.json": "{}", "config.json": config}),
        "encrypted.keras": set_zip_flag(valid.read_bytes(), "model.weights.npz", flag_bits=1),
        "method99.keras": set_zip_flag(valid.read_bytes(), "config.json", method=99),
        "not_a_zip.keras": b"PK\x03\x04" + bytes(200),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    keras_file(tmp_path / "dense_2_26.keras", config=model_config(units=2**26))
    keras_file(tmp_path / "huge_input.keras", config=model_config(batch_shape=(None, 2**20, 2**20)))
    keras_file(tmp_path / "brackets.keras", raw_config="[" * 100_000)
    keras_file(tmp_path / "nested.keras", raw_config='{"a":' * 50_000 + "1" + "}" * 50_000)
    keras_file(tmp_path / "lying_npz.keras", weights=zip_bytes(
        {"layers/dense/vars/0.npy": _npy_header_only((2**31, 4))}))
    unwritten = keras3_h5(tmp_path / "unwritten.weights.h5", extra=lambda h5: h5.create_dataset(
        "layers/dense/vars/2", shape=(2**15, 2**15), dtype="f4", chunks=(64, 64)))
    keras_file(tmp_path / "keras_unwritten.keras", weights=unwritten.read_bytes(), weights_member="model.weights.h5")
    external = keras3_h5(tmp_path / "external.weights.h5", extra=_external_storage(secret))
    keras_file(tmp_path / "keras_external.keras", weights=external.read_bytes(), weights_member="model.weights.h5")
    names = ["bomb", "encrypted", "method99", "not_a_zip", "dense_2_26", "huge_input", "brackets", "nested",
             "lying_npz", "keras_unwritten", "keras_external"]
    check_all_refused([("keras", tmp_path / f"{name}.keras") for name in names])


def _npy_header_only(shape, descr="<f4"):
    header = repr({"descr": descr, "fortran_order": False, "shape": tuple(shape)}).encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + bytes(16)


def _external_storage(secret, key="layers/dense/vars/0"):
    def extra(h5):
        del h5[key]
        h5.create_dataset(key, shape=(3, 2), dtype="u1", external=[(str(secret), 0, 6)])
    return extra


# ------------------------------------------------------------------------------------ HDF5
def _replace(key, make):
    def extra(h5):
        del h5[key]
        make(h5, key)
    return extra


def test_hostile_hdf5_files(tmp_path):
    secret = plant_secret(tmp_path)
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as h5:
        h5["kernel"] = np.frombuffer(SECRET[:24], "u1").reshape(3, 8)[:, :2].astype("f4")

    def virtual(h5, key):
        layout = h5py.VirtualLayout(shape=(3, 2), dtype="f4")
        layout[...] = h5py.VirtualSource(str(other), "kernel", shape=(3, 2), dtype="f4")
        h5.create_virtual_dataset(key, layout)

    key = "layers/dense/vars/0"
    makers = {
        "external_storage": _external_storage(secret),
        "external_link": _replace(key, lambda h5, k: h5.__setitem__(k, h5py.ExternalLink(str(other), "kernel"))),
        "soft_link": _replace(key, lambda h5, k: h5.__setitem__(k, h5py.SoftLink("/layers/dense_1/vars/0"))),
        "virtual": _replace(key, virtual),
        "unwritten": lambda h5: h5.create_dataset("layers/dense/vars/9", shape=(2**16, 2**16), dtype="f8",
                                                  chunks=(128, 128)),
        "gzip_bomb": lambda h5: h5.create_dataset("layers/dense/vars/9", data=np.zeros((8192, 8192), "f4"),
                                                  compression="gzip", compression_opts=9, chunks=(4096, 4096)),
        "strings": _replace(key, lambda h5, k: h5.__setitem__(k, np.array([[b"1.5"] * 2] * 3))),
        "vlen": _replace(key, lambda h5, k: h5.create_dataset(k, data=[["a", "b"]] * 3, dtype=h5py.string_dtype())),
        "compound": _replace(key, lambda h5, k: h5.__setitem__(k, np.zeros((3, 2), "f4,i4"))),
        "complex": _replace(key, lambda h5, k: h5.__setitem__(k, np.ones((3, 2), "c8"))),
        "booleans": _replace(key, lambda h5, k: h5.__setitem__(k, np.ones((3, 2), bool))),
        "opaque": _replace(key, lambda h5, k: h5.__setitem__(k, np.zeros((3, 2), "V4"))),
        "null": _replace(key, lambda h5, k: h5.create_dataset(k, data=h5py.Empty("f4"))),
        "cycle": lambda h5: h5["layers/dense"].__setitem__("loop", h5["layers/dense"]),
        "not_digits": lambda h5: h5["layers/dense/vars"].__setitem__("kernel", np.zeros(2, "f4")),
    }
    cases = []
    for name, extra in makers.items():
        cases.append(("weights", keras3_h5(tmp_path / f"{name}.weights.h5", extra=extra)))
    legacy = legacy_h5(tmp_path / "legacy_external.h5")
    with h5py.File(legacy, "a") as h5:
        del h5["dense/dense/kernel:0"]
        h5.create_dataset("dense/dense/kernel:0", shape=(3, 2), dtype="u1", external=[(str(secret), 0, 6)])
    cases.append(("keras_h5", legacy))
    cases.append(("keras_h5", legacy_h5(tmp_path / "legacy_text.h5", last=np.array([b"1", b"2"]))))
    missing = legacy_h5(tmp_path / "legacy_missing.h5")
    with h5py.File(missing, "a") as h5:
        h5.attrs["layer_names"] = [b"dense", b"nowhere"]
    cases.append(("keras_h5", missing))
    check_all_refused(cases)


# ------------------------------------------------------------------------------------ npz
def test_hostile_npz_files(tmp_path):
    valid = npz_bytes({"layers/dense/vars/0": np.zeros((3, 2), "f4")})
    objects = io.BytesIO()
    np.savez(objects, **{"layers/dense/vars/0": np.array([{"a": 1}] * 6, dtype=object).reshape(3, 2)})
    files = {
        "lying_header": zip_bytes({"layers/dense/vars/0.npy": _npy_header_only((2**40, 2))}),
        "objects": objects.getvalue(),
        "structured": zip_bytes({"layers/dense/vars/0.npy": _npy_header_only((3, 2), descr=[("a", "<f4")])}),
        "bomb": deflated_zeros_zip("layers/dense/vars/0.npy", 150),
        "encrypted": set_zip_flag(valid, "layers/dense/vars/0.npy", flag_bits=1),
        "bad_magic": zip_bytes({"layers/dense/vars/0.npy": b"\x93NUMPX" + bytes(100)}),
        "huge_header": zip_bytes({"layers/dense/vars/0.npy": b"\x93NUMPY\x02\x00" + (10**6).to_bytes(4, "little")
                                  + b"{" * 10**6}),
    }
    cases = []
    for name, data in files.items():
        (tmp_path / f"{name}.weights.npz").write_bytes(data)
        cases.append(("weights", tmp_path / f"{name}.weights.npz"))
    check_all_refused(cases)


# ------------------------------------------------------------------------- safetensors, torch
def test_hostile_safetensors_and_torch_files(tmp_path):
    tensors = {"0.weight": np.ones((2, 3)), "0.bias": np.zeros(2), "1.weight": np.ones((2, 2)), "1.bias": np.zeros(2)}

    def edited(change):
        def override(header):
            change(header)
        return safetensors_bytes(tensors, override)

    files = {
        "header_length.safetensors": struct.pack("<Q", 2**63) + b"{}",
        "offsets_far.safetensors": edited(lambda h: h["1.bias"].update(data_offsets=[48, 2**60])),
        "huge_shape.safetensors": edited(lambda h: h["0.weight"].update(shape=[2**40, 2**40])),
        "negative.safetensors": edited(lambda h: h["0.bias"].update(shape=[-2])),
        "overlap.safetensors": edited(lambda h: h["1.weight"].update(data_offsets=[0, 16])),
        "dtype.safetensors": edited(lambda h: h["0.bias"].update(dtype="C64")),
        "deep.safetensors": struct.pack("<Q", 200_000) + b"[" * 200_000,
        "complex_values.safetensors": edited(lambda h: h["0.bias"].update(dtype="I64", shape=[1])),
    }
    cases = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        cases.append(("torch", tmp_path / name))
    torch = pytest.importorskip("torch")
    legacy = tmp_path / "legacy.pt"
    torch.save({"0.weight": torch.ones(2, 3)}, legacy, _use_new_zipfile_serialization=False)
    seed = torch_seed(tmp_path / "seed.pt")
    with zipfile.ZipFile(seed) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    pickle_name = next(name for name in members if name.endswith("data.pkl"))

    class Evil:
        def __reduce__(self):
            return (os_system, (f"cat {tmp_path}/secret.bin",))

    import os

    os_system = os.system
    (tmp_path / "code.pt").write_bytes(zip_bytes({**members, pickle_name: pickle.dumps(Evil(), protocol=2)}))
    data_name = next(name for name in members if "/data/" in name)
    others = {name: data for name, data in members.items() if name != data_name}
    (tmp_path / "bomb.pt").write_bytes(deflated_zeros_zip(data_name, 150, **others))
    cases += [("torch", legacy), ("torch", tmp_path / "code.pt"), ("torch", tmp_path / "bomb.pt")]
    check_all_refused(cases, setup="import torch")
    assert not (tmp_path / "pwned").exists()


# ----------------------------------------------------------------------------- IDX, CIFAR
def test_hostile_dataset_files(tmp_path):
    plant_secret(tmp_path)
    files = {
        "bomb.gz": gzip_bomb(400),
        "huge_dims": bytes([0, 0, 8, 2]) + (2**32 - 1).to_bytes(4, "big") * 2 + bytes(64),
        "many_dims": bytes([0, 0, 8, 255]) + (2**32 - 1).to_bytes(4, "big") * 255,
        "truncated.gz": gzip.compress(bytes([0, 0, 8, 1]) + (6).to_bytes(4, "big") + bytes(6))[:-9],
    }
    cases = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        cases.append(("idx", tmp_path / name))
    pickles = {
        "declared_bytes": b"\x80\x04\x8e" + struct.pack("<Q", 2**40) + b"abc",
        "code": b"cos\nsystem\n(S'touch " + str(tmp_path / "pwned").encode() + b"'\ntR.",
        "float_data": pickle.dumps({b"data": np.zeros((1, 3072)), b"labels": [1]}, protocol=2),
        "lying_shape": pickle.dumps({b"data": np.zeros((1, 3072), np.uint8), b"labels": [1]}, protocol=2)
        .replace(b"K\x01M\x00\x0c\x86", b"J\x00\xca\x9a;M\x00\x0c\x86"),
        "labels": pickle.dumps({b"data": np.zeros((1, 3072), np.uint8), b"labels": [99]}, protocol=2),
    }
    for name, data in pickles.items():
        (tmp_path / name).write_bytes(data)
        cases.append(("cifar", tmp_path / name))
    archive = tmp_path / "links.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        link = tarfile.TarInfo("cifar-10-batches-py/data_batch_1")
        link.type, link.linkname = tarfile.SYMTYPE, str(tmp_path / "secret.bin")
        tar.addfile(link)
    big = tmp_path / "big_member.tar.gz"
    header = tarfile.TarInfo("cifar-10-batches-py/data_batch_1")
    header.size = 2**36
    big.write_bytes(gzip.compress(header.tobuf()))
    cases += [("cifar_archive", archive), ("cifar_archive", big)]
    check_all_refused(cases)
    assert not (tmp_path / "pwned").exists()
