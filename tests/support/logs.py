"""Shared test helpers: what the log would show, formatted as production formats it."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from app.core.logging import JsonFormatter, RequestIdFilter, TextFormatter


def formatted_logs(records: Iterable[logging.LogRecord]) -> str:
    """Every record as the text and the JSON formats would write it, one per line."""
    lines: list[str] = []
    stamp = RequestIdFilter()
    for record in records:
        if record.name.startswith("httpx"):
            continue  # the test's own HTTP client, not the server
        stamp.filter(record)
        record.exc_text = None  # formatters cache the traceback text on the record
        lines.append(TextFormatter().format(record))
        record.exc_text = None
        lines.append(JsonFormatter().format(record))
    return "\n".join(lines)
