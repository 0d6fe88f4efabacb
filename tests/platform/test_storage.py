"""The storage backends: a local directory and an S3-compatible service (a real moto server),
each saving streams, reading byte ranges, deleting; import uploads go through them."""

from __future__ import annotations

import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.core.config import ConfigurationError
from app.platform.storage import LocalStorage, S3Storage, Storage, StoredFileMissing, storage_for
from tests.support.harness import make_settings
from tests.support.s3 import S3Server, new_bucket


async def chunks_of(data: bytes, size: int = 100_000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read_all(storage: Storage, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in storage.read(key, start, end)])


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    server: S3Server = request.getfixturevalue("s3")
    settings = make_settings("sqlite://", tmp_path, **server.settings(new_bucket(server)))
    return storage_for(settings)


async def test_save_read_ranges_and_delete(storage: Storage):
    data = os.urandom(700_000)
    stored = await storage.save("recordings/a/b.bin", chunks_of(data), content_type="video/mp4")
    assert (stored.key, stored.size, stored.head) == ("recordings/a/b.bin", len(data), data[:8192])
    assert await storage.size("recordings/a/b.bin") == len(data)
    assert await read_all(storage, "recordings/a/b.bin") == data
    assert await read_all(storage, "recordings/a/b.bin", 10, 19) == data[10:20]
    assert await read_all(storage, "recordings/a/b.bin", 699_990) == data[699_990:]
    async with storage.local_copy("recordings/a/b.bin") as path:
        assert path.read_bytes() == data
    await storage.delete("recordings/a/b.bin")
    await storage.delete("recordings/a/b.bin")  # twice is fine
    with pytest.raises(StoredFileMissing):
        await storage.size("recordings/a/b.bin")
    with pytest.raises(StoredFileMissing):
        await read_all(storage, "recordings/a/b.bin")


async def test_saving_again_replaces(storage: Storage):
    await storage.save("imports/x.csv", chunks_of(b"old contents"))
    await storage.save("imports/x.csv", chunks_of(b"new"))
    assert await read_all(storage, "imports/x.csv") == b"new"


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs/path", "a//b", "a/../b", "", "a b"])
async def test_keys_are_plain_relative_paths(storage: Storage, key: str):
    with pytest.raises(ValueError, match="not a storage key"):
        await storage.save(key, chunks_of(b"x"))


async def test_local_directory_and_files_are_private(tmp_path: Path):
    storage = LocalStorage(tmp_path / "files")
    await storage.save("imports/one.csv", chunks_of(b"a,b\n"))
    assert stat.S_IMODE((tmp_path / "files").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "files" / "imports").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "files" / "imports" / "one.csv").stat().st_mode) == 0o600


async def test_a_failed_save_leaves_nothing(tmp_path: Path):
    storage = LocalStorage(tmp_path / "files")

    async def broken() -> AsyncIterator[bytes]:
        yield b"first"
        raise OSError("client went away")

    with pytest.raises(OSError, match="went away"):
        await storage.save("imports/x.csv", broken())
    assert list((tmp_path / "files" / "imports").iterdir()) == []


async def test_s3_multipart_upload_of_a_large_stream(s3: S3Server, tmp_path: Path):
    settings = make_settings("sqlite://", tmp_path, **s3.settings(new_bucket(s3)))
    storage = storage_for(settings)
    assert isinstance(storage, S3Storage)
    data = os.urandom(11 * 1024 * 1024)  # two parts: 8 MiB and 3 MiB
    stored = await storage.save("recordings/big.webm", chunks_of(data, 1024 * 1024))
    assert stored.size == len(data)
    assert await storage.size("recordings/big.webm") == len(data)
    middle = await read_all(
        storage, "recordings/big.webm", 8 * 1024 * 1024 - 5, 8 * 1024 * 1024 + 4
    )
    assert middle == data[8 * 1024 * 1024 - 5 : 8 * 1024 * 1024 + 5]
    uploads = storage.client.list_multipart_uploads(Bucket=storage.bucket)
    assert not uploads.get("Uploads")  # completed, none left dangling


def test_s3_needs_a_bucket(tmp_path: Path):
    with pytest.raises(ConfigurationError, match="TANDEM_S3_BUCKET"):
        make_settings("sqlite://", tmp_path, storage_backend="s3")
