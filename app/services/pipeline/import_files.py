"""Reading an import file: its format, the column mapping, and each row as a candidate or as
its problems."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from app.core.errors import FieldProblem, ValidationFailed
from app.schemas.candidates import CandidateCreate

LIST_COLUMNS = ("other_emails", "skills", "tags")
LINK_COLUMNS = ("linkedin", "portfolio", "github")
KNOWN_COLUMNS = frozenset(
    {
        "full_name",
        "email",
        "other_emails",
        "phone",
        "location",
        "headline",
        "current_title",
        "current_company",
        "skills",
        "pay_expectation_amount",
        "pay_expectation_currency",
        "pay_expectation_period",
        "notice_period_days",
        "source",
        "tags",
        "external_source",
        "external_id",
        *LINK_COLUMNS,
    }
)


def check_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    """`{"file column": "our field"}`; unknown target fields are a 422."""
    unknown = sorted(target for target in mapping.values() if target not in KNOWN_COLUMNS)
    if unknown:
        raise ValidationFailed(
            "The mapping names fields that do not exist.",
            errors=[FieldProblem(f"body.mapping.{f}", "unknown field", "unknown") for f in unknown],
        )
    return dict(mapping)


def file_format_of(file_name: str | None, declared: str | None) -> str:
    """The upload's format: as declared, else from the file name (.csv, .jsonl, .ndjson)."""
    name = (file_name or "").lower()
    chosen = declared
    if chosen is None and name.endswith(".csv"):
        chosen = "csv"
    elif chosen is None and name.endswith((".jsonl", ".ndjson")):
        chosen = "jsonl"
    if chosen is None:
        raise ValidationFailed(
            "Say whether the file is CSV or JSON Lines.",
            errors=[FieldProblem("body.format", "csv or jsonl", "missing")],
        )
    return chosen


def parse_mapping(text: str | None) -> dict[str, str]:
    """The column mapping form field: a JSON object of file column names to field names."""
    try:
        parsed = orjson.loads(text) if text else {}
    except orjson.JSONDecodeError:
        parsed = None
    if not isinstance(parsed, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()
    ):
        raise ValidationFailed(
            "The mapping must be a JSON object of column names to field names.",
            errors=[FieldProblem("body.mapping", "not a JSON object of strings", "invalid")],
        )
    return parsed


NOT_TEXT = "not valid UTF-8 text"
Row = tuple[CandidateCreate, tuple[str, str] | None]


def _is_text(values: Iterator[Any]) -> bool:
    # Undecodable bytes survive decoding as lone surrogates, which cannot be encoded back.
    for value in values:
        if isinstance(value, str) and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True


# A CSV field may be this long (the csv module's own default limit, stated here).
MAX_CSV_FIELD = 128 * 1024


def read_rows(path: Path, file_format: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, raw row) for every data row; a bad line yields an `_error` row, and
    reading goes on with the next line."""
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        if file_format == "csv":
            yield from _csv_rows(text)
        else:
            yield from _json_lines(text)


def _csv_rows(text: io.TextIOWrapper) -> Iterator[tuple[int, dict[str, Any]]]:
    csv.field_size_limit(MAX_CSV_FIELD)
    reader = csv.DictReader(text)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # The csv module stops at the line without counting it; the next call goes on
            # after it.
            problem = "a field is longer than 128 KiB" if "field limit" in str(exc) else None
            yield reader.line_num + 1, {"_error": problem or "not a valid CSV line"}
            continue
        if not _is_text(iter((*row, *row.values()))):
            yield reader.line_num, {"_error": NOT_TEXT}
            continue
        yield reader.line_num, {k.strip(): v for k, v in row.items() if k}


def _json_lines(text: io.TextIOWrapper) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        if not _is_text(iter((line,))):
            yield number, {"_error": NOT_TEXT}
            continue
        try:
            # orjson bounds nesting (1,024 levels) and refuses numbers it cannot represent
            # with a JSONDecodeError, where the json module raised RecursionError or
            # ValueError for a 5,000-digit integer.
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield number, {"_error": f"not valid JSON: {exc.msg}"}
            continue
        if not isinstance(value, dict):
            yield number, {"_error": "each line must be a JSON object"}
            continue
        yield number, value


def _fields(raw: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """A raw row renamed by the mapping, blanks dropped, lists split on `;`."""
    values: dict[str, Any] = {}
    for column, value in raw.items():
        field = mapping.get(column, column)
        if field not in KNOWN_COLUMNS or value is None or value == "":
            continue
        if field in LIST_COLUMNS and isinstance(value, str):
            value = [part.strip() for part in value.split(";") if part.strip()]
        values[field] = value
    links = {k: values.pop(k) for k in LINK_COLUMNS if k in values}
    if links:
        values["links"] = links
    return values


def parse_row(raw: Mapping[str, Any], mapping: Mapping[str, str]) -> Row | list[dict[str, str]]:
    """A row as a valid candidate and its ATS id, or the row's problems."""
    values = _fields(raw, mapping)
    source, external_id = values.pop("external_source", None), values.pop("external_id", None)
    if (source is None) != (external_id is None):
        return [{"field": "external_id", "message": "give both external_source and external_id"}]
    try:
        data = CandidateCreate.model_validate(values)
    except ValidationError as exc:
        return _problems(exc)
    return data, (str(source), str(external_id)) if source is not None else None


def _problems(error: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(p) for p in e["loc"]) or "row", "message": e["msg"]}
        for e in error.errors()
    ]
