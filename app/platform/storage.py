"""Where files live (import uploads, interview recordings): a local directory by default, or an
S3-compatible bucket, so the API and the workers need not share a disk.

Both backends stream: a save takes an async iterator of chunks and never holds the whole file;
a read yields the requested byte range chunk by chunk. Keys are relative paths such as
`imports/<id>.csv` or `recordings/<interview id>/<id>`; callers store the key, never a path.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import anyio
import anyio.to_thread

from app.core.config import Settings

CHUNK_BYTES = 256 * 1024
# S3 multipart parts must be at least 5 MiB (but the last); 8 MiB keeps memory flat and the
# number of requests low.
S3_PART_BYTES = 8 * 1024 * 1024
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


class StoredFileMissing(LookupError):
    """The key names no stored file."""


@dataclass(frozen=True, slots=True)
class StoredFile:
    """What a save wrote: the key, its size in bytes, and the first bytes (for sniffing)."""

    key: str
    size: int
    head: bytes


class Storage(Protocol):
    """The operations every backend offers."""

    name: str

    async def save(
        self, key: str, chunks: AsyncIterator[bytes], *, content_type: str | None = None
    ) -> StoredFile:
        """Write the chunks under `key` (replacing what was there); the size and head."""
        ...

    async def size(self, key: str) -> int:
        """The stored file's size in bytes (StoredFileMissing if none)."""
        ...

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """Bytes `start`..`end` (inclusive; None: to the end), chunk by chunk."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the file; removing a missing file is not an error."""
        ...

    def local_copy(self, key: str) -> contextlib.AbstractAsyncContextManager[Path]:
        """A local file with the stored bytes for the duration of the block (the file itself
        for the local backend, a streamed temporary copy for S3)."""
        ...


def check_key(key: str) -> str:
    """Keys are relative paths of plain names: no `..`, no absolute paths, no odd characters."""
    if not _KEY.match(key) or ".." in key.split("/"):
        raise ValueError(f"not a storage key: {key!r}")
    return key


HEAD_BYTES = 8192


class _Head:
    """Keeps the first HEAD_BYTES of a stream (for content sniffing) while counting it all."""

    def __init__(self) -> None:
        self.head = b""
        self.size = 0

    def see(self, chunk: bytes) -> None:
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[: HEAD_BYTES - len(self.head)]
        self.size += len(chunk)


class LocalStorage:
    """Files under one directory (mode 0700), each file mode 0600, written atomically."""

    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _ensure_dir(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        # mkdir's mode is masked by the umask, and an existing root keeps its own: set it.
        current = folder
        while current != self.root.parent and current.is_relative_to(self.root):
            os.chmod(current, 0o700)
            current = current.parent

    async def save(
        self, key: str, chunks: AsyncIterator[bytes], *, content_type: str | None = None
    ) -> StoredFile:
        target = self._path(key)
        await anyio.to_thread.run_sync(self._ensure_dir, target.parent)
        fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        os.close(fd)  # mkstemp made it 0600
        head = _Head()
        try:
            async with await anyio.open_file(temp_name, "wb") as out:
                async for chunk in chunks:
                    head.see(chunk)
                    await out.write(chunk)
            await anyio.Path(temp_name).rename(target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
            raise
        return StoredFile(key, head.size, head.head)

    async def size(self, key: str) -> int:
        try:
            return (await anyio.Path(self._path(key)).stat()).st_size
        except FileNotFoundError as exc:
            raise StoredFileMissing(key) from exc

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        try:
            handle = await anyio.open_file(self._path(key), "rb")
        except FileNotFoundError as exc:
            raise StoredFileMissing(key) from exc
        async with handle:
            await handle.seek(start)
            remaining = None if end is None else end - start + 1
            while remaining is None or remaining > 0:
                want = CHUNK_BYTES if remaining is None else min(CHUNK_BYTES, remaining)
                chunk = await handle.read(want)
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    async def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            await anyio.Path(self._path(key)).unlink()

    @contextlib.asynccontextmanager
    async def local_copy(self, key: str) -> AsyncIterator[Path]:
        path = self._path(key)
        if not await anyio.Path(path).exists():
            raise StoredFileMissing(key)
        yield path


class S3Storage:
    """Objects in one bucket of an S3-compatible service (AWS S3, MinIO, Ceph, moto...).

    boto3 is synchronous, so each call runs in a worker thread; uploads go as multipart
    uploads of S3_PART_BYTES parts (one PUT for small files), reads as ranged GETs.
    """

    name = "s3"

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    async def _call(self, function: Callable[..., Any], **kwargs: Any) -> Any:
        return await anyio.to_thread.run_sync(lambda: function(**kwargs))

    async def save(
        self, key: str, chunks: AsyncIterator[bytes], *, content_type: str | None = None
    ) -> StoredFile:
        name = self._key(key)
        extra = {"ContentType": content_type} if content_type else {}
        head = _Head()
        buffer = bytearray()
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        try:
            async for chunk in chunks:
                head.see(chunk)
                buffer += chunk
                if len(buffer) >= S3_PART_BYTES:
                    if upload_id is None:
                        started = await self._call(
                            self.client.create_multipart_upload,
                            Bucket=self.bucket,
                            Key=name,
                            **extra,
                        )
                        upload_id = started["UploadId"]
                    parts.append(await self._part(name, upload_id, len(parts) + 1, bytes(buffer)))
                    buffer.clear()
            if upload_id is None:
                await self._call(
                    self.client.put_object,
                    Bucket=self.bucket,
                    Key=name,
                    Body=bytes(buffer),
                    **extra,
                )
            else:
                if buffer:
                    parts.append(await self._part(name, upload_id, len(parts) + 1, bytes(buffer)))
                await self._call(
                    self.client.complete_multipart_upload,
                    Bucket=self.bucket,
                    Key=name,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
        except BaseException:
            if upload_id is not None:
                with contextlib.suppress(Exception):
                    await self._call(
                        self.client.abort_multipart_upload,
                        Bucket=self.bucket,
                        Key=name,
                        UploadId=upload_id,
                    )
            raise
        return StoredFile(key, head.size, head.head)

    async def _part(self, name: str, upload_id: str, number: int, data: bytes) -> dict[str, Any]:
        answer = await self._call(
            self.client.upload_part,
            Bucket=self.bucket,
            Key=name,
            UploadId=upload_id,
            PartNumber=number,
            Body=data,
        )
        return {"ETag": answer["ETag"], "PartNumber": number}

    async def size(self, key: str) -> int:
        try:
            answer = await self._call(
                self.client.head_object, Bucket=self.bucket, Key=self._key(key)
            )
        except Exception as exc:
            if _is_missing(exc):
                raise StoredFileMissing(key) from exc
            raise
        return int(answer["ContentLength"])

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        wanted = f"bytes={start}-{'' if end is None else end}"
        try:
            answer = await self._call(
                self.client.get_object, Bucket=self.bucket, Key=self._key(key), Range=wanted
            )
        except Exception as exc:
            if _is_missing(exc):
                raise StoredFileMissing(key) from exc
            raise
        body = answer["Body"]
        try:
            while chunk := await anyio.to_thread.run_sync(body.read, CHUNK_BYTES):
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        await self._call(self.client.delete_object, Bucket=self.bucket, Key=self._key(key))

    @contextlib.asynccontextmanager
    async def local_copy(self, key: str) -> AsyncIterator[Path]:
        fd, temp_name = tempfile.mkstemp(prefix="tandem-")
        os.close(fd)
        try:
            async with await anyio.open_file(temp_name, "wb") as out:
                async for chunk in self.read(key):
                    await out.write(chunk)
            yield Path(temp_name)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)


def _is_missing(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    code = str((response or {}).get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


def s3_client(settings: Settings) -> Any:
    """A boto3 S3 client from the settings (credentials fall back to boto3's usual chain)."""
    import boto3  # only deployments on S3 pay for importing it
    from botocore.config import Config

    secret = settings.s3_secret_access_key
    return boto3.session.Session().client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": settings.s3_addressing_style},
            retries={"max_attempts": 5, "mode": "standard"},
        ),
    )


_BUILT: dict[tuple[Any, ...], Storage] = {}


def storage_for(settings: Settings) -> Storage:
    """The backend the settings choose (one instance per distinct configuration)."""
    identity = (
        settings.storage_backend,
        str(settings.resolved_storage_dir),
        settings.s3_endpoint_url,
        settings.s3_bucket,
        settings.s3_prefix,
        settings.s3_region,
        settings.s3_access_key_id,
    )
    built = _BUILT.get(identity)
    if built is None:
        if settings.storage_backend == "s3":
            assert settings.s3_bucket  # noqa: S101 - the settings validator demands it
            built = S3Storage(s3_client(settings), settings.s3_bucket, settings.s3_prefix)
        else:
            built = LocalStorage(settings.resolved_storage_dir)
        _BUILT[identity] = built
    return built
