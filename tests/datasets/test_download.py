"""get_file/download: verified, atomic, mirror fallback, no partial files -- all without a network."""

import hashlib
import io
from types import MappingProxyType

import pytest

from strided.datasets import _download
from strided.datasets._download import download, get_file, sha256_file
from strided.datasets.errors import ChecksumError, DownloadError

PAYLOAD = bytes(range(256)) * 4000  # ~1 MB, more than one read chunk
DIGEST = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture
def origin(tmp_path):
    """A file served through a file:// URL."""
    path = tmp_path / "server" / "data.bin"
    path.parent.mkdir()
    path.write_bytes(PAYLOAD)
    return path.as_uri()


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_sha256_file(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(PAYLOAD)
    assert sha256_file(path) == DIGEST


def test_download_file_url(tmp_path, origin):
    target = download(origin, tmp_path / "cache" / "data.bin", DIGEST, progress=False)
    assert target.read_bytes() == PAYLOAD
    assert leftovers(tmp_path / "cache") == ["data.bin"]  # no temporary file left


def test_checksum_mismatch_removes_the_file(tmp_path, origin):
    with pytest.raises(ChecksumError, match="published value is 0+; it was deleted") as info:
        download(origin, tmp_path / "cache" / "data.bin", "0" * 64, progress=False)
    assert DIGEST in str(info.value) and origin in str(info.value)
    assert leftovers(tmp_path / "cache") == []


class BrokenResponse(io.BytesIO):
    """A response that delivers some bytes, then the connection dies."""

    headers = MappingProxyType({"Content-Length": str(len(PAYLOAD))})

    def read(self, size=-1):
        if self.tell() >= 300_000:
            raise ConnectionResetError("connection reset by peer")
        return super().read(min(size, 100_000))


def test_interrupted_download_leaves_no_partial_file(tmp_path, monkeypatch):
    monkeypatch.setattr(_download, "_open_url", lambda url, timeout: BrokenResponse(PAYLOAD))
    with pytest.raises(ConnectionResetError):
        download(
            "https://example.invalid/data.bin",
            tmp_path / "cache" / "data.bin",
            DIGEST,
            progress=False,
        )
    assert leftovers(tmp_path / "cache") == []


def test_keyboard_interrupt_leaves_no_partial_file(tmp_path, monkeypatch):
    class Interrupted(BrokenResponse):
        def read(self, size=-1):
            if self.tell() >= 200_000:
                raise KeyboardInterrupt
            return super().read(size)

    monkeypatch.setattr(_download, "_open_url", lambda url, timeout: Interrupted(PAYLOAD))
    with pytest.raises(KeyboardInterrupt):
        download(
            "https://example.invalid/data.bin",
            tmp_path / "cache" / "data.bin",
            DIGEST,
            progress=False,
        )
    assert leftovers(tmp_path / "cache") == []


def test_short_response_is_an_error(tmp_path, monkeypatch):
    class Short(io.BytesIO):
        headers = MappingProxyType({"Content-Length": str(len(PAYLOAD) + 10)})

    monkeypatch.setattr(_download, "_open_url", lambda url, timeout: Short(PAYLOAD))
    with pytest.raises(DownloadError, match="closed after"):
        download("https://example.invalid/x", tmp_path / "c" / "x", DIGEST, progress=False)
    assert leftovers(tmp_path / "c") == []


def test_get_file_falls_back_to_the_next_mirror(tmp_path, origin):
    dead = (tmp_path / "missing.bin").as_uri()
    target = get_file(
        "data.bin",
        [dead, origin],
        DIGEST,
        cache_subdir="sub",
        cache_root=tmp_path / "cache",
        progress=False,
    )
    assert target == tmp_path / "cache" / "sub" / "data.bin"
    assert target.read_bytes() == PAYLOAD


def test_get_file_lists_every_failed_mirror(tmp_path, origin):
    dead = (tmp_path / "missing.bin").as_uri()
    with pytest.raises(DownloadError) as info:
        get_file(
            "data.bin", [dead, origin], "f" * 64, cache_root=tmp_path / "cache", progress=False
        )
    message = str(info.value)
    assert dead in message and origin in message and "ChecksumError" in message
    assert leftovers(tmp_path / "cache") == []


def test_get_file_uses_a_verified_cache_without_network(tmp_path, monkeypatch):
    cached = tmp_path / "cache" / "data.bin"
    cached.parent.mkdir()
    cached.write_bytes(PAYLOAD)
    monkeypatch.setattr(
        _download, "_open_url", lambda url, timeout: pytest.fail("must not download")
    )
    assert (
        get_file("data.bin", ["https://example.invalid/x"], DIGEST, cache_root=tmp_path / "cache")
        == cached
    )


def test_get_file_replaces_a_tampered_cache(tmp_path, origin):
    cached = tmp_path / "cache" / "data.bin"
    cached.parent.mkdir()
    cached.write_bytes(b"tampered")
    get_file("data.bin", [origin], DIGEST, cache_root=tmp_path / "cache", progress=False)
    assert cached.read_bytes() == PAYLOAD


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("STRIDED_DATA", str(tmp_path / "data"))
    assert _download.cache_dir() == tmp_path / "data"
    monkeypatch.delenv("STRIDED_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _download.cache_dir() == tmp_path / "xdg" / "strided"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert _download.cache_dir() == tmp_path / "home" / ".cache" / "strided"


def test_progress_bar_runs_with_tqdm(tmp_path, origin):
    pytest.importorskip("tqdm")
    target = download(origin, tmp_path / "c" / "d.bin", DIGEST, progress=True)
    assert target.read_bytes() == PAYLOAD
