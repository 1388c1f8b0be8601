"""Builders of hostile files for the loading tests: each returns the path it wrote.

Every builder starts from a small valid file (the two-Dense model of `small_model`) and breaks
one thing the way an attacker would: storage outside the file, huge declared sizes, text
where numbers belong, a bad member in a zip. The fuzz tests mutate the valid files further.
"""

import functools
import gzip
import io
import json
import struct
import zipfile

import numpy as np

from strided import layers
from strided.models import Sequential

SECRET = b"TOP-SECRET-4f1c2a-never-in-a-model"


def small_model():
    """Input (3,) -> Dense(2) -> Dense(2): four weights, 'layers/dense[_1]/vars/{0,1}'."""
    return Sequential([layers.Input((3,)), layers.Dense(2), layers.Dense(2)])


def plant_secret(folder):
    """A file outside the crafted file whose bytes must never reach a model or a message."""
    path = folder / "secret.bin"
    path.write_bytes(SECRET * 4)
    return path


def keras3_h5(path, values=None, extra=None):
    """A Keras 3 `.weights.h5` for `small_model`; `values` overrides {key: array}; `extra(h5)`
    may add or replace anything before closing."""
    import h5py

    arrays = {
        "layers/dense/vars/0": np.full((3, 2), 0.5, "f4"),
        "layers/dense/vars/1": np.zeros(2, "f4"),
        "layers/dense_1/vars/0": np.full((2, 2), 0.25, "f4"),
        "layers/dense_1/vars/1": np.zeros(2, "f4"),
    }
    arrays.update(values or {})
    with h5py.File(path, "w") as h5:
        h5.create_group("vars")
        for key, value in arrays.items():
            if value is not None:
                h5[key] = value
        if extra is not None:
            extra(h5)
    return path


def legacy_h5(path, last=None):
    """A legacy Keras 2 weights `.h5` (layer_names / weight_names attributes) for `small_model`;
    `last` replaces the data of the very last weight."""
    import h5py

    with h5py.File(path, "w") as h5:
        h5.attrs["layer_names"] = [b"dense", b"dense_1"]
        for name, shape in (("dense", (3, 2)), ("dense_1", (2, 2))):
            group = h5.create_group(name)
            group.attrs["weight_names"] = [f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()]
            group[f"{name}/kernel:0"] = np.full(shape, 0.5, "f4")
            group[f"{name}/bias:0"] = np.zeros(2, "f4")
        if last is not None:
            del h5["dense_1/dense_1/bias:0"]
            h5["dense_1/dense_1/bias:0"] = last
    return path


def npz_bytes(arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def zip_bytes(members, compression=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def gzip_bomb(megabytes):
    """A gzip stream of `megabytes` MiB of zeros in about 1 KB per MiB: one compressed MiB
    repeated as gzip members (cheap to build, decompresses in full)."""
    return _one_mib_of_zeros_gzipped() * megabytes


@functools.lru_cache(maxsize=None)
def _one_mib_of_zeros_gzipped():
    return gzip.compress(bytes(1 << 20), compresslevel=9)


@functools.lru_cache(maxsize=None)
def deflated_zeros_zip(member, megabytes, **others):
    """A zip whose `member` holds `megabytes` MiB of zeros, deflated (a zip bomb), plus the
    small text members in `others`; cached, as deflating takes a second per 200 MB."""
    return zip_bytes({**others, member: bytes(megabytes << 20)}, zipfile.ZIP_DEFLATED)


def model_config(units=2, batch_shape=(None, 3)):
    """The config.json of `small_model` with the first Dense's units replaced."""
    def dense(name, units, inputs):
        return {"module": "keras.layers", "class_name": "Dense", "registered_name": "Dense",
                "config": {"name": name, "units": units, "dtype": "float32"},
                "build_config": {"input_shape": [None, inputs]}}

    return {"module": "keras.layers", "class_name": "Sequential", "registered_name": "Sequential",
            "config": {"name": "sequential", "layers": [
                {"module": "keras.layers", "class_name": "InputLayer", "registered_name": "InputLayer",
                 "config": {"batch_shape": list(batch_shape), "dtype": "float32", "name": "input_layer"}},
                dense("dense", units, batch_shape[-1]), dense("dense_1", 2, units)]},
            "build_config": {"input_shape": list(batch_shape)}}


def keras_file(path, config=None, weights=None, weights_member="model.weights.npz", raw_config=None):
    """A `.keras` zip: config.json (+ metadata) and a weights member (npz bytes by default)."""
    if weights is None:
        weights = npz_bytes({"layers/dense/vars/0": np.full((3, 2), 0.5, "f4"),
                             "layers/dense/vars/1": np.zeros(2, "f4"),
                             "layers/dense_1/vars/0": np.full((2, 2), 0.25, "f4"),
                             "layers/dense_1/vars/1": np.zeros(2, "f4")})
    text = raw_config if raw_config is not None else json.dumps(config or model_config())
    path.write_bytes(zip_bytes({"metadata.json": "{}", "config.json": text, weights_member: weights}))
    return path


def set_zip_flag(data, member, flag_bits=None, method=None):
    """Rewrite the general-purpose flags / compression method of `member` in both its local
    header and its central-directory entry (what a crafted zip would hold)."""
    data = bytearray(data)
    name = member.encode()
    for signature, flag_at, method_at, name_at in ((b"PK\x03\x04", 6, 8, 30), (b"PK\x01\x02", 8, 10, 46)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + name_at:start + name_at + len(name)] == name:
                if flag_bits is not None:
                    struct.pack_into("<H", data, start + flag_at, flag_bits)
                if method is not None:
                    struct.pack_into("<H", data, start + method_at, method)
            start += 4
    return bytes(data)


def safetensors_bytes(tensors, header_override=None):
    """A .safetensors file; `tensors` {name: float32 array}; `header_override(header)` may edit
    the JSON header before it is written."""
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        raw = np.ascontiguousarray(array, "<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if header_override is not None:
        header_override(header)
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


__all__ = ["SECRET", "small_model", "plant_secret", "keras3_h5", "legacy_h5", "npz_bytes", "zip_bytes",
           "gzip_bomb", "deflated_zeros_zip",
           "model_config", "keras_file", "set_zip_flag", "safetensors_bytes"]
