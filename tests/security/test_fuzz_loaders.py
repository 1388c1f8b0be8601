"""Fuzzing every file parser: mutated and adversarial files give a result or FileFormatError only.

For each parser (.keras zip + config JSON, .weights.h5 / legacy .h5, .npz, safetensors, torch
state-dict zips, IDX, CIFAR pickles) hypothesis mutates a valid file (byte flips, truncation,
insertions, overwrites with extreme values) or, for the config, replaces any JSON value with a
random one; derandomized, so every run tries the same cases. Every case must load or raise
`strided.errors.FileFormatError`, and Python may open no file but the one given (an audit hook
records every `open`). The adversarial cases (bombs, huge declared sizes, storage outside the
file) run in child processes whose memory growth must stay under 200 MB, and the planted
secret's bytes must appear nowhere in what comes back.

Each test prints "FUZZ <parser>: <cases> cases, 0 failures" (see with `pytest -s`) and, when
$STRIDED_FUZZ_REPORT names a file, appends it there as a JSON line (the figures of docs/security.md).
"""

import contextlib
import json
import os
import sys
import zipfile

import numpy as np
import pytest
from crafted import (
    SECRET,
    keras3_h5,
    keras_file,
    legacy_h5,
    model_config,
    safetensors_bytes,
    small_model,
    zip_bytes,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from loaders import cifar_seed, idx_labels_seed, load, torch_seed

from strided.errors import FileFormatError

h5py = pytest.importorskip("h5py")

SCALE = float(os.environ.get("STRIDED_FUZZ_SCALE", "1"))  # e.g. 20 for a long hunt outside the suite
FUZZ = settings(max_examples=int(120 * SCALE), deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


def examples(count):
    return settings(FUZZ, max_examples=max(1, int(count * SCALE)))
EXTREMES = [b"\xff" * 8, b"\x00" * 8, b"\x7f\xff\xff\xff", b"\xff\xff\xff\xff\xff\xff\xff\x7f", b"\x80\x00\x00\x00",
            b"-1", b"1e400", b"[[[[", b'"', b"\\u0000"]

_operation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 2**31), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.integers(0, 2**31), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, 2**31), st.binary(min_size=1, max_size=24)),
    st.tuples(st.just("overwrite"), st.integers(0, 2**31), st.sampled_from(EXTREMES)),
)
mutations = st.lists(_operation, min_size=1, max_size=4)


def mutate(data, operations):
    data = bytearray(data)
    for kind, position, value in operations:
        if not data:
            break
        at = position % len(data)
        if kind == "flip":
            data[at] ^= value
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = value
        else:
            data[at:at + len(value)] = value
    return bytes(data)


# ------------------------------------------------------------------ what Python may open
_recording = []


def _audit(event, args):
    if event == "open" and _recording and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.fsdecode(args[0])
        if not path.endswith((".py", ".pyc", ".so")) and not path.startswith(sys.prefix) and path != "/dev/null":
            _recording[-1].add(os.path.abspath(path))


sys.addaudithook(_audit)


@contextlib.contextmanager
def opened_files():
    """The set of files (other than Python modules) opened inside the block."""
    found = set()
    _recording.append(found)
    try:
        yield found
    finally:
        _recording.pop()


class Tally:
    """Counts cases for one parser; each case must load or raise FileFormatError only."""

    def __init__(self, parser, request):
        self.parser, self.request, self.cases = parser, request, 0

    def check(self, kind, path):
        self.cases += 1
        with opened_files() as opened:
            try:
                result = load(kind, path)
            except FileFormatError as error:
                result = error
                assert SECRET not in str(error).encode(), "the secret reached an error message"
        assert opened <= {os.path.abspath(path)}, f"{kind} opened {opened - {os.path.abspath(path)}}"
        if hasattr(result, "get_weights"):
            assert all(SECRET[:6] not in np.asarray(w).tobytes() for w in result.get_weights())
        return result

    def report(self):
        print(f"\nFUZZ {self.parser}: {self.cases} cases, 0 failures")
        if os.environ.get("STRIDED_FUZZ_REPORT"):
            with open(os.environ["STRIDED_FUZZ_REPORT"], "a") as report:
                report.write(json.dumps({"parser": self.parser, "cases": self.cases, "failures": 0}) + "\n")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def _fuzz(parser, seed, kind, suffix, folder, request, examples=FUZZ):
    tally = Tally(parser, request)
    path = folder / f"case{suffix}"

    @examples
    @given(mutations)
    def run(operations):
        path.write_bytes(mutate(seed, operations))
        tally.check(kind, path)

    run()
    tally.report()


# ------------------------------------------------------------------ mutated files, per parser
def test_fuzz_keras_zip(folder, request):
    model = small_model()
    model.compile(optimizer="adam", loss="mse")
    model.save(folder / "seed.keras")
    _fuzz("keras zip", (folder / "seed.keras").read_bytes(), "keras", ".keras", folder, request)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _replaced(node, path, value):
    if not path:
        return value
    node = json.loads(json.dumps(node))
    parent = node
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return node


def test_fuzz_keras_config_json(folder, request):
    config = model_config()
    paths = list(_paths(config))
    tally = Tally("keras config.json", request)
    path = folder / "config_case.keras"

    @FUZZ
    @given(st.integers(0, len(paths) - 1), json_values, mutations, st.booleans())
    def run(index, value, operations, as_bytes):
        text = json.dumps(_replaced(config, paths[index], value))
        if as_bytes:
            text = mutate(text.encode(), operations).decode("utf-8", "replace")
        keras_file(path, raw_config=text)
        tally.check("keras", path)

    run()
    tally.report()


def test_fuzz_keras_layout_archive(folder, request):
    inner = keras3_h5(folder / "inner.weights.h5").read_bytes()
    tally = Tally("keras archive (model.weights.h5)", request)
    path = folder / "keras_layout.keras"

    @examples(60)
    @given(mutations)
    def run(operations):
        keras_file(path, weights=mutate(inner, operations), weights_member="model.weights.h5")
        tally.check("keras", path)

    run()
    tally.report()


def test_fuzz_weights_h5(folder, request):
    seed = keras3_h5(folder / "seed.weights.h5").read_bytes()
    _fuzz("weights.h5", seed, "weights", ".weights.h5", folder, request)


def test_fuzz_legacy_h5(folder, request):
    seed = legacy_h5(folder / "seed_legacy.h5").read_bytes()
    _fuzz("legacy .h5", seed, "keras_h5", ".h5", folder, request)


def _legacy_model_seed(folder):
    """A whole-model legacy .h5 of `small_model`, compiled and trained one step (optimizer_weights)."""
    model = small_model()
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 3), "float32"), np.zeros((4, 2), "float32"), epochs=1, verbose=0)
    model.save(folder / "seed_model.h5")
    return folder / "seed_model.h5"


def test_fuzz_legacy_h5_model(folder, request):
    seed = _legacy_model_seed(folder).read_bytes()
    _fuzz("legacy .h5 model", seed, "keras", ".h5", folder, request, examples(60))


def test_fuzz_legacy_h5_model_config(folder, request):
    seed = _legacy_model_seed(folder)
    with h5py.File(seed, "r") as h5:
        configs = {key: json.loads(h5.attrs[key]) for key in ("model_config", "training_config")}
    cases = [(key, path) for key, config in configs.items() for path in _paths(config)]
    tally = Tally("legacy .h5 model_config/training_config", request)
    path = folder / "config_case.h5"

    @examples(60)
    @given(st.integers(0, len(cases) - 1), json_values)
    def run(index, value):
        key, where = cases[index]
        path.write_bytes(seed.read_bytes())
        with h5py.File(path, "r+") as h5:
            h5.attrs[key] = json.dumps(_replaced(configs[key], where, value)).encode()
        tally.check("keras", path)

    run()
    tally.report()


def test_fuzz_npz(folder, request):
    small_model().save_weights(folder / "seed.weights.npz")
    _fuzz("npz", (folder / "seed.weights.npz").read_bytes(), "weights", ".weights.npz", folder, request)


def test_fuzz_safetensors(folder, request):
    seed = safetensors_bytes({"0.weight": np.ones((2, 3)), "0.bias": np.zeros(2), "1.weight": np.ones((2, 2)),
                              "1.bias": np.zeros(2)})
    _fuzz("safetensors", seed, "torch", ".safetensors", folder, request)


def test_fuzz_torch_state_dict(folder, request):
    pytest.importorskip("torch")
    seed = torch_seed(folder / "seed.pt").read_bytes()
    _fuzz("torch state_dict", seed, "torch", ".pt", folder, request, examples(80))
    # the pickle inside, mutated and zipped again (so the zip's CRC does not catch it first)
    with zipfile.ZipFile(folder / "seed.pt") as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    pickle_name = next(name for name in members if name.endswith("data.pkl"))
    tally = Tally("torch state_dict pickle", request)
    path = folder / "repacked.pt"

    @examples(80)
    @given(mutations)
    def run(operations):
        path.write_bytes(zip_bytes({**members, pickle_name: mutate(members[pickle_name], operations)}))
        tally.check("torch", path)

    run()
    tally.report()


def test_fuzz_idx(folder, request):
    _fuzz("IDX (gzip)", idx_labels_seed(), "idx", ".gz", folder, request, examples(200))


def test_fuzz_cifar_pickle(folder, request):
    for protocol in (2, 5):
        _fuzz(f"CIFAR pickle (protocol {protocol})", cifar_seed(protocol), "cifar", "", folder, request,
              examples(150))
