"""Reading market data: datasets, one occupation, ranked title search."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, select, true

from app.core.db import CompiledQuery, Database
from app.core.errors import FieldProblem, NotFound, ValidationFailed
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.models.base import table_of
from app.models.market import DatasetStatus, MarketBenchmark, MarketDataset
from app.schemas.market import DatasetSummary, OccupationRead
from app.services.market import figures
from app.services.market.matching import Match, Occupation, TitleIndex, words

_dataset = table_of(MarketDataset).c
_benchmark = table_of(MarketBenchmark).c

_DEFAULT = CompiledQuery(
    select(*table_of(MarketDataset).c)
    .where(_dataset.is_default == true(), _dataset.status == DatasetStatus.READY.value)
    .order_by(_dataset.id)
    .limit(1)
)
_DATASET = CompiledQuery(
    select(*table_of(MarketDataset).c).where(_dataset.id == bindparam("dataset_id"))
)
_BENCHMARK = CompiledQuery(
    select(*table_of(MarketBenchmark).c).where(
        _benchmark.dataset_id == bindparam("dataset_id"),
        _benchmark.soc_code == bindparam("soc_code"),
    )
)
_TITLES = CompiledQuery(
    select(
        _benchmark.soc_code, _benchmark.title, _benchmark.soc_level, _benchmark.employment
    ).where(_benchmark.dataset_id == bindparam("dataset_id"))
)

OCCUPATIONS = ListQuery(
    "market_occupations",
    select(_benchmark.soc_code, _benchmark.title, _benchmark.soc_level, _benchmark.employment),
    filters={
        "dataset_id": lambda p: _benchmark.dataset_id == p,
        "soc_level": lambda p: _benchmark.soc_level == p,
    },
    orders={"soc_code": Keyset((_benchmark.soc_code,), ("str",))},
)
DATASETS = ListQuery(
    "market_datasets",
    select(*table_of(MarketDataset).c),
    filters={"status": lambda p: _dataset.status == p},
    orders={"id": Keyset((_dataset.id,), ("uuid",))},
)


def summary(dataset: Mapping[str, Any]) -> DatasetSummary:
    return DatasetSummary.model_validate(
        {name: dataset[name] for name in DatasetSummary.model_fields}
    )


async def dataset(db: Database, dataset_id: uuid.UUID | None) -> Mapping[str, Any]:
    """The dataset asked for (ready ones only), or the default one."""
    if dataset_id is None:
        row = await db.fetch_one(_DEFAULT, {})
        if row is None:
            raise NotFound("No default market dataset is loaded; run `tandem migrate`.")
        return row
    row = await db.fetch_one(_DATASET, {"dataset_id": dataset_id})
    if row is None or row["status"] != DatasetStatus.READY.value:
        raise NotFound(f"No ready market dataset with id {dataset_id}.")
    return row


async def list_datasets(db: Database, cursors: CursorCodec, page: PageRequest) -> PageResult:
    """Every dataset, oldest first."""
    return await DATASETS.page(db, cursors, page, order="id")


async def benchmark(
    db: Database, dataset_row: Mapping[str, Any], soc_code: str
) -> Mapping[str, Any] | None:
    """One occupation's row in a dataset, if present."""
    return await db.fetch_one(_BENCHMARK, {"dataset_id": dataset_row["id"], "soc_code": soc_code})


def occupation_read(row: Mapping[str, Any], dataset_row: Mapping[str, Any]) -> OccupationRead:
    """A benchmark row as the API shows it."""
    floor = dataset_row["top_code_floor"]
    return OccupationRead(
        soc_code=row["soc_code"],
        title=row["title"],
        soc_level=row["soc_level"],
        employment=row["employment"],
        currency=row["currency"],
        period=row["period"],
        wages_status=figures.wage_status(row),
        wages_note=figures.wages_note(row, floor),
        dataset=summary(dataset_row),
        **{field: figures.figure(row, field, floor) for field in figures.WAGE_FIELDS},
    )


async def get_occupation(
    db: Database, soc_code: str, dataset_id: uuid.UUID | None
) -> OccupationRead:
    """One occupation of the dataset (the default one unless named)."""
    dataset_row = await dataset(db, dataset_id)
    row = await benchmark(db, dataset_row, soc_code)
    if row is None:
        raise NotFound(f"No occupation {soc_code} in {dataset_row['name']}.")
    return occupation_read(row, dataset_row)


# A dataset's rows never change once it is ready, so each process builds its title index once
# per dataset (a few tens of milliseconds) and keeps the most recently used few.
_INDEXES: OrderedDict[uuid.UUID, TitleIndex] = OrderedDict()
_INDEXES_KEPT = 8


async def title_index(db: Database, dataset_row: Mapping[str, Any]) -> TitleIndex:
    """The title index of a ready dataset."""
    key = uuid.UUID(str(dataset_row["id"]))
    index = _INDEXES.get(key)
    if index is None:
        rows = await db.fetch_all(_TITLES, {"dataset_id": dataset_row["id"]})
        index = TitleIndex(
            Occupation(r["soc_code"], r["title"], str(r["soc_level"]), r["employment"])
            for r in rows
        )
        _INDEXES[key] = index
        while len(_INDEXES) > _INDEXES_KEPT:
            _INDEXES.popitem(last=False)
    _INDEXES.move_to_end(key)
    return index


async def rank(
    db: Database, dataset_row: Mapping[str, Any], query: str, level: str | None = None
) -> list[Match]:
    """Occupations of the dataset matching `query`, best first (optionally of one level)."""
    matches = (await title_index(db, dataset_row)).rank(query)
    if level is not None:
        matches = [m for m in matches if m.occupation.soc_level == level]
    return matches


async def list_occupations(
    db: Database,
    cursors: CursorCodec,
    page: PageRequest,
    *,
    query: str | None,
    dataset_id: uuid.UUID | None,
    level: str | None,
) -> PageResult:
    """With `query`: the matching occupations, best first (a page is a slice of the ranking,
    which is the same on every call for a dataset). Without: every occupation by SOC code."""
    dataset_row = await dataset(db, dataset_id)
    if query is None:
        result = await OCCUPATIONS.page(
            db, cursors, page, order="soc_code", dataset_id=dataset_row["id"], soc_level=level
        )
        rows = [{**row, "score": None, "matched": None} for row in result.rows]
        return PageResult(rows, result.next_cursor)
    if not words(query):
        raise ValidationFailed(
            "Search for at least one word.",
            errors=[FieldProblem("query.q", "no words to search for", "invalid")],
        )
    scope = f"market_occupations|{dataset_row['id']}|{level}|{query}"
    start = cursors.decode(page.cursor, scope, ("int",))[0] if page.cursor else 0
    matches = await rank(db, dataset_row, query, level)
    chunk = matches[start : start + page.limit]
    rows = [
        {
            "soc_code": m.occupation.soc_code,
            "title": m.occupation.title,
            "soc_level": m.occupation.soc_level,
            "employment": m.occupation.employment,
            "score": m.score,
            "matched": m.matched,
        }
        for m in chunk
    ]
    end = start + len(chunk)
    return PageResult(rows, cursors.encode(scope, [end]) if end < len(matches) else None)
