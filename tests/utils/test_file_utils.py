"""`get_file`: cache hits need no network, hashes are checked, offline errors say where to put the file."""

import hashlib
import io
import os
import tarfile

import pytest

from strided.utils import get_file

UNREACHABLE = "http://127.0.0.1:9/data/archive.tar.gz"  # port 9 (discard): refused at once


def test_a_cached_file_is_used_without_downloading(tmp_path):
    folder = tmp_path / "datasets"
    folder.mkdir()
    (folder / "weights.h5").write_bytes(b"abc")
    digest = hashlib.sha256(b"abc").hexdigest()
    path = get_file("weights.h5", origin=UNREACHABLE, cache_dir=str(tmp_path), file_hash=digest)
    assert path == str(folder / "weights.h5")
    assert get_file("weights.h5", UNREACHABLE, cache_dir=str(tmp_path), md5_hash=hashlib.md5(b"abc").hexdigest()) == path


def test_offline_error_names_the_url_and_the_place(tmp_path):
    with pytest.raises(OSError) as error:
        get_file("archive.tar.gz", origin=UNREACHABLE, cache_dir=str(tmp_path))
    message = str(error.value)
    assert UNREACHABLE in message and os.path.join(str(tmp_path), "datasets", "archive.tar.gz") in message
    assert not [p for p in os.listdir(tmp_path / "datasets") if p.startswith(".partial")]


def test_a_cached_file_with_the_wrong_hash_is_downloaded_again(tmp_path):
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "f.bin").write_bytes(b"stale")
    with pytest.raises(OSError, match="could not download"):
        get_file("f.bin", UNREACHABLE, cache_dir=str(tmp_path), file_hash="0" * 64)


def test_download_from_a_file_url_is_hash_checked(tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(b"payload")
    url = source.as_uri()
    good = hashlib.sha256(b"payload").hexdigest()
    path = get_file(origin=url, cache_dir=str(tmp_path / "cache"), file_hash=good)
    assert open(path, "rb").read() == b"payload" and os.path.basename(path) == "source.bin"
    with pytest.raises(ValueError, match="does not match"):
        get_file("other.bin", origin=url, cache_dir=str(tmp_path / "cache"), file_hash="1" * 64)
    assert not os.path.exists(tmp_path / "cache" / "datasets" / "other.bin")


def test_archives_are_extracted_with_keras_names(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("photos/a.txt")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"hi"))
    source = tmp_path / "photos.tgz"
    source.write_bytes(buffer.getvalue())
    cache = str(tmp_path / "cache")
    folder = get_file("photos", origin=source.as_uri(), untar=True, cache_dir=cache)
    assert folder == os.path.join(cache, "datasets", "photos")
    assert open(os.path.join(folder, "photos", "a.txt")).read() == "hi"
    named = get_file("photos.tgz", origin=source.as_uri(), extract=True, cache_dir=cache)
    assert named == os.path.join(cache, "datasets", "photos_extracted")
    with pytest.raises(ValueError, match="origin"):
        get_file("x")
    with pytest.raises(ValueError, match="cache_dir"):
        get_file("a/b", origin=UNREACHABLE)
