"""Idempotency keys: the first request with a key runs; repeats replay its stored response.

The claim is committed in its own short transaction before the work starts, so a concurrent
duplicate sees it (409). The response is stored in the request's own transaction, so it
exists exactly when the work it describes committed. A request that fails releases its claim.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.db import Database
from app.core.errors import FieldProblem, IdempotencyInProgress, IdempotencyKeyReused
from app.models.base import table_of
from app.models.platform import IdempotencyKey, IdempotencyStatus

_idem = table_of(IdempotencyKey).c

# How long a claim blocks duplicates if its process dies mid-request.
CLAIM_LEASE = timedelta(seconds=60)
# Marks a stored body that is sealed (encrypted); kept with the response, never replayed.
SEALED_HEADER = "x-tandem-sealed"
STORED_HEADERS = ("content-type", "location", "etag", "link", SEALED_HEADER)


@dataclass(slots=True)
class Claim:
    """A key this request owns until it completes or releases it."""

    id: uuid.UUID
    completed: bool = False
    # The response holds a secret shown once (a public link's token): store it encrypted,
    # so reading the database does not reveal it.
    sealed: bool = False


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """What the first request answered, to be replayed verbatim."""

    status: int
    headers: dict[str, str]
    body: bytes


def _sealer(secrets: Sequence[str]) -> MultiFernet:
    """Encryption keyed by the service secret (and the previous ones, to open older seals)."""
    keys = [
        Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"idempotency\0{s}".encode()).digest()))
        for s in secrets
    ]
    return MultiFernet(keys)


def seal(body: bytes, secrets: Sequence[str]) -> bytes:
    """Encrypt a response body for storage with the current secret."""
    return _sealer(secrets).encrypt(body)


def unseal(stored: StoredResponse, secrets: Sequence[str]) -> StoredResponse:
    """The stored response as it was answered (sealed bodies decrypted)."""
    if SEALED_HEADER not in stored.headers:
        return stored
    headers = {k: v for k, v in stored.headers.items() if k != SEALED_HEADER}
    return StoredResponse(stored.status, headers, _sealer(secrets).decrypt(stored.body))


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """A hash of everything that makes two requests "the same request"."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def claim(
    db: Database, *, principal: str, key: str, request_hash: str, ttl: timedelta
) -> Claim | StoredResponse:
    """Take the key for this request, or return the response to replay; raise on misuse."""
    now = utcnow()
    async with db.unit_of_work(write=True) as session:
        row = (
            await session.execute(
                select(IdempotencyKey)
                .where(_idem.principal == principal, _idem.key == key)
                .with_for_update()
            )
        ).scalar_one_or_none()
        if row is not None and row.expires_at <= now:
            await session.delete(row)
            await session.flush()
            row = None
        if row is None:
            new = IdempotencyKey(
                principal=principal,
                key=key,
                request_hash=request_hash,
                locked_until=now + CLAIM_LEASE,
                expires_at=now + ttl,
            )
            session.add(new)
            try:
                await session.flush()
            except IntegrityError:
                # Another request inserted the same key between our read and our insert.
                raise _in_progress() from None
            return Claim(new.id)
        if row.request_hash != request_hash:
            raise IdempotencyKeyReused(
                "This Idempotency-Key was used for a different request; use a new key.",
                errors=[
                    FieldProblem(
                        "header.Idempotency-Key", "already used with another body", "reused"
                    )
                ],
            )
        if row.status == IdempotencyStatus.COMPLETED and row.response_status is not None:
            return StoredResponse(
                status=row.response_status,
                headers=dict(row.response_headers or {}),
                body=row.response_body or b"",
            )
        if row.locked_until > now:
            raise _in_progress()
        # The request that held it died; take it over.
        row.locked_until = now + CLAIM_LEASE
        return Claim(row.id)


def _in_progress() -> IdempotencyInProgress:
    return IdempotencyInProgress(
        "A request with this Idempotency-Key is still in progress; retry after it finishes.",
        headers={"Retry-After": "1"},
    )


async def complete(
    session: AsyncSession, claim_: Claim, status: int, headers: dict[str, str], body: bytes
) -> None:
    """Store the response in the request's transaction; it commits with the work itself."""
    await session.execute(
        update(IdempotencyKey)
        .where(_idem.id == claim_.id)
        .values(
            status=IdempotencyStatus.COMPLETED,
            response_status=status,
            response_headers={k: v for k, v in headers.items() if k in STORED_HEADERS},
            response_body=body,
        )
    )
    claim_.completed = True


async def release(db: Database, claim_: Claim) -> None:
    """Give the key back after a failed request, so a retry can run."""
    async with db.unit_of_work(write=True) as session:
        await session.execute(
            delete(IdempotencyKey).where(
                _idem.id == claim_.id,
                _idem.status == IdempotencyStatus.IN_PROGRESS,
            )
        )


async def purge_expired(session: AsyncSession) -> int:
    """Delete keys past their lifetime; returns how many."""
    result = await session.execute(delete(IdempotencyKey).where(_idem.expires_at <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)
