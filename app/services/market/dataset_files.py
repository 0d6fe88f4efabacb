"""Reading an organisation's benchmark CSV: one row per occupation, each either a benchmark
row or the list of what is wrong with it.

Columns (header names, any order; the BLS file's own names work too): `soc_code`, `title`,
`soc_level` (or `group`; default `detailed`), `employment`, `mean`, `p10`, `p25`, `median`,
`p75`, `p90` (or `annual_mean`, `annual_p10`, ...). A wage cell is a number (thousands
separators allowed), empty (not published), `#` (at or above the dataset's top-code floor)
or `*` (no figure exists: every wage cell of the row is then `*` or empty)."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from app.models.market import SocLevel
from app.services.market.figures import PERCENTILES, WAGE_FIELDS

ALIASES = {
    "group": "soc_level",
    "occ_code": "soc_code",
    "occ_title": "title",
    **{f"annual_{field}": field for field in WAGE_FIELDS},
    "annual_pct10": "p10",
    "annual_pct25": "p25",
    "annual_pct75": "p75",
    "annual_pct90": "p90",
}
REQUIRED = ("soc_code", "title")
SOC_CODE = re.compile(r"^\d{2}-\d{4}$")
TOP_CODED, NOT_AVAILABLE = "#", "*"
MAX_WAGE = Decimal("1e11")
MAX_EMPLOYMENT = 2_000_000_000

Problems = list[dict[str, str]]


def column_name(header: str) -> str:
    name = header.strip().lower().replace(" ", "_")
    return ALIASES.get(name, name)


def missing_columns(headers: list[str]) -> list[str]:
    present = {column_name(h) for h in headers}
    return [c for c in REQUIRED if c not in present]


def read_rows(raw: bytes) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header and (line number, row by our column names) per data row (an empty header
    when the file is not UTF-8 text)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], iter(())
    reader = csv.reader(io.StringIO(text, newline=""))
    headers = next(reader, [])
    names = [column_name(h) for h in headers]

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            yield reader.line_num, {n: c.strip() for n, c in zip(names, cells, strict=False)}

    return headers, rows()


def _wage(text: str, field: str, problems: Problems) -> Decimal | str | None:
    if text in ("", TOP_CODED, NOT_AVAILABLE):
        return text or None
    try:
        value = Decimal(text.replace(",", "").replace("$", ""))
    except InvalidOperation:
        problems.append({"field": field, "message": "not a number"})
        return None
    if not value.is_finite() or value < 0 or value >= MAX_WAGE:
        problems.append({"field": field, "message": "must be a positive amount"})
        return None
    return value.quantize(Decimal("0.01"))


def parse_row(
    raw: Mapping[str, str], *, currency: str, period: str, floor: Decimal | None
) -> dict[str, Any] | Problems:
    """A benchmark row (without its dataset id), or what is wrong with it."""
    problems: Problems = []
    soc_code = raw.get("soc_code", "")
    if not SOC_CODE.match(soc_code):
        problems.append({"field": "soc_code", "message": "must be a SOC code such as 15-1252"})
    title = raw.get("title", "")
    if not title or len(title) > 300:
        problems.append({"field": "title", "message": "must be 1 to 300 characters"})
    level = raw.get("soc_level") or SocLevel.DETAILED.value
    if level not in {lvl.value for lvl in SocLevel}:
        problems.append({"field": "soc_level", "message": "unknown SOC level"})
    employment: int | None = None
    if raw.get("employment"):
        text = raw["employment"].replace(",", "")
        if not text.isdigit() or int(text) > MAX_EMPLOYMENT:
            problems.append({"field": "employment", "message": "must be a whole number"})
        else:
            employment = int(text)
    wages = {field: _wage(raw.get(field, ""), field, problems) for field in WAGE_FIELDS}
    symbols = {f: v for f, v in wages.items() if isinstance(v, str)}
    available = NOT_AVAILABLE not in symbols.values()
    if not available and any(v is not None and v != NOT_AVAILABLE for v in wages.values()):
        problems.append({"field": "row", "message": "`*` (no figure) with other wage figures"})
    top_coded = [f for f, v in symbols.items() if v == TOP_CODED]
    if top_coded and floor is None:
        problems.append({"field": top_coded[0], "message": "`#` needs the dataset's floor"})
    published = [(name, wages[name]) for _, name in PERCENTILES]
    known = [(n, v) for n, v in published if isinstance(v, Decimal)]
    for (low_name, low), (high_name, high) in itertools.pairwise(known):
        if low > high:
            problems.append({"field": high_name, "message": f"is below {low_name}"})
    if problems:
        return problems
    return {
        "soc_code": soc_code,
        "title": title,
        "soc_level": level,
        "employment": employment,
        **{f: (v if isinstance(v, Decimal) else None) for f, v in wages.items()},
        "top_coded": top_coded,
        "wages_available": available,
        "currency": currency,
        "period": period,
    }
