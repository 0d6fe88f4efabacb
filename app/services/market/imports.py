"""Organisations' own benchmark datasets: a CSV upload, stored, then validated and loaded by
the worker. Good rows are loaded; each bad row is reported with its line and what is wrong."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.db import Database
from app.core.errors import NotFound
from app.core.ids import new_id
from app.core.principal import Principal
from app.models.base import table_of
from app.models.market import DatasetStatus, MarketBenchmark, MarketDataset
from app.platform.audit import record_audit
from app.platform.events import record_event
from app.platform.jobs import enqueue
from app.platform.storage import Storage, storage_for
from app.schemas.market import MarketDatasetCreate
from app.services.market import dataset_files

log = logging.getLogger(__name__)

IMPORT_JOB = "market.import_dataset"
MAX_ROWS = 20_000
ERRORS_KEPT = 200
INSERT_BATCH = 1_000

_dataset = table_of(MarketDataset).c


async def start_import(
    session: AsyncSession,
    principal: Principal,
    storage: Storage,
    chunks: AsyncIterator[bytes],
    data: MarketDatasetCreate,
) -> MarketDataset:
    """Store the uploaded CSV and queue its import; the dataset is `importing` until then."""
    dataset_id = new_id()
    stored = await storage.save(f"market/{dataset_id}.csv", chunks)
    dataset = MarketDataset(
        id=dataset_id,
        name=data.name,
        source=data.source,
        release=data.release,
        area=data.area,
        currency=data.currency,
        period=data.period,
        top_code_floor=data.top_code_floor,
        status=DatasetStatus.IMPORTING,
        created_by_id=principal.user_id,
        provenance=f"Uploaded {stored.size} bytes",
    )
    session.add(dataset)
    await session.flush()
    enqueue(
        session,
        IMPORT_JOB,
        {"dataset_id": str(dataset_id), "key": stored.key, "make_default": data.make_default},
        max_attempts=3,
    )
    record_audit(
        session, "market_dataset.uploaded", object_type="market_dataset", object_id=dataset_id
    )
    return dataset


async def get_dataset(session: AsyncSession, dataset_id: uuid.UUID) -> MarketDataset:
    """One dataset, whatever its status."""
    dataset = await session.get(MarketDataset, dataset_id)
    if dataset is None:
        raise NotFound(f"No market dataset with id {dataset_id}.")
    return dataset


async def make_default(session: AsyncSession, dataset_id: uuid.UUID) -> MarketDataset:
    """Use this (ready) dataset for market checks from now on."""
    dataset = await session.get(MarketDataset, dataset_id, with_for_update=True)
    if dataset is None or dataset.status is not DatasetStatus.READY:
        raise NotFound(f"No ready market dataset with id {dataset_id}.")
    await _set_default(session, dataset_id)
    await session.refresh(dataset)
    record_event(session, "market_dataset.made_default", ("market_dataset", dataset_id), {})
    return dataset


async def _set_default(session: AsyncSession, dataset_id: uuid.UUID) -> None:
    # The shipped dataset's row serves as the lock: two concurrent switches take turns, and
    # the second one's updates see the first one's default (one default, whoever wins).
    await session.execute(select(_dataset.id).where(_dataset.builtin.is_(True)).with_for_update())
    await session.execute(
        update(MarketDataset)
        .where(_dataset.is_default.is_(True), _dataset.id != dataset_id)
        .values(is_default=False)
    )
    await session.execute(
        update(MarketDataset).where(_dataset.id == dataset_id).values(is_default=True)
    )


# --- The job --------------------------------------------------------------------------------


async def import_job(db: Database, payload: dict[str, Any]) -> None:
    """Validate and load an uploaded dataset in one transaction (all its good rows, or none)."""
    dataset_id = uuid.UUID(payload["dataset_id"])
    storage = storage_for(db.settings)
    try:
        async with storage.local_copy(payload["key"]) as path:
            await _import(db, dataset_id, path, make_default=bool(payload.get("make_default")))
    except Exception as exc:  # an unreadable upload, a database gone: the import failed
        log.warning("market dataset import failed", extra={"id": str(dataset_id)}, exc_info=True)
        async with db.unit_of_work(write=True) as session:
            dataset = await session.get(MarketDataset, dataset_id, with_for_update=True)
            if dataset is not None and dataset.status is DatasetStatus.IMPORTING:
                _finish(dataset, 0, [_row_error(1, "file", f"{type(exc).__name__}: {exc}"[:500])])
        return
    await storage.delete(payload["key"])


async def _import(db: Database, dataset_id: uuid.UUID, path: Path, *, make_default: bool) -> None:
    raw = await anyio.to_thread.run_sync(path.read_bytes)
    async with db.unit_of_work(write=True) as session:
        dataset = await session.get(MarketDataset, dataset_id, with_for_update=True)
        if dataset is None or dataset.status is not DatasetStatus.IMPORTING:
            return
        good, errors = _parse(dataset, raw)
        for start in range(0, len(good), INSERT_BATCH):
            await session.execute(insert(MarketBenchmark), good[start : start + INSERT_BATCH])
        dataset.checksum_sha256 = hashlib.sha256(raw).hexdigest()
        _finish(dataset, len(good), errors)
        if good and make_default:
            await _set_default(session, dataset_id)
            dataset.is_default = True
        record_event(
            session,
            "market_dataset.imported",
            ("market_dataset", dataset_id),
            {"status": dataset.status.value, "rows": len(good), "errors": len(errors)},
        )


def _row_error(line: int, field: str, message: str) -> dict[str, Any]:
    return {"line": line, "errors": [{"field": field, "message": message}]}


def _parse(dataset: MarketDataset, raw: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows to load and the rows left out (with their problems)."""
    headers, rows = dataset_files.read_rows(raw)
    missing = dataset_files.missing_columns(headers)
    if not headers or missing:
        what = ", ".join(missing) if headers else "a header row of UTF-8 text"
        return [], [_row_error(1, "header", f"needs {what}")]
    good: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        if len(good) + len(errors) >= MAX_ROWS:
            errors.append(_row_error(line, "row", f"over {MAX_ROWS} rows"))
            continue
        parsed = dataset_files.parse_row(
            cells,
            currency=dataset.currency,
            period=dataset.period.value,
            floor=dataset.top_code_floor,
        )
        if isinstance(parsed, list):
            errors.append({"line": line, "errors": parsed})
        elif parsed["soc_code"] in seen:
            first = seen[parsed["soc_code"]]
            errors.append(_row_error(line, "soc_code", f"repeats the SOC code of line {first}"))
        else:
            seen[parsed["soc_code"]] = line
            good.append({"dataset_id": dataset.id, **parsed})
    return good, errors


def _finish(dataset: MarketDataset, loaded: int, errors: list[dict[str, Any]]) -> None:
    dataset.row_count = loaded
    dataset.error_count = len(errors)
    dataset.errors = errors[:ERRORS_KEPT]
    dataset.status = DatasetStatus.READY if loaded else DatasetStatus.FAILED
    dataset.completed_at = utcnow()
