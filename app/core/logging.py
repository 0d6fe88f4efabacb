"""Logging: readable lines in development, one JSON object per line in production.

Every record carries the id of the request it belongs to.
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

from app.core.context import request_id_var
from app.core.redaction import escape_control, format_exception_safely

_STANDARD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "request_id", "color_message"}
)


DRIVER_LOGGERS = ("aiosqlite", "asyncpg", "sqlalchemy")


class RequestIdFilter(logging.Filter):
    """Stamp each record with the current request id ('-' outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get() or "-"
        return True


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029]")


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _safe_exception(exc_info: Any) -> str:
    """A traceback whose messages cannot quote personal data (see app.core.redaction)."""
    exc = exc_info[1] if isinstance(exc_info, tuple) else None
    return format_exception_safely(exc) if isinstance(exc, BaseException) else ""


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with any `extra=` fields included."""

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        return _safe_exception(ei)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # orjson escapes C0 controls; DEL, C1 and the Unicode line separators are valid JSON
        # yet end a line for some readers: escape them too (they only occur inside strings).
        return _JSON_UNSAFE.sub(_json_escape, orjson.dumps(entry, default=str).decode())


class TextFormatter(logging.Formatter):
    """A compact human-readable line with the request id and any extra fields.

    The message and every field are escaped (`escape_control`): a value with a line break
    (a `%0a` in a path, a name) cannot start a forged line. Only a traceback spans lines."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s")

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        return _safe_exception(ei)

    def format(self, record: logging.LogRecord) -> str:
        record.message = escape_control(record.getMessage())
        record.asctime = self.formatTime(record, self.datefmt)
        line = self.formatMessage(record)
        extras = {
            k: v
            for k, v in record.__dict__.items()
            if k not in _STANDARD_ATTRS and not k.startswith("_")
        }
        if extras:
            line += " " + " ".join(escape_control(f"{k}={v}") for k, v in extras.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return line


def quiet_driver_loggers() -> None:
    """Database drivers' debug lines quote every statement's parameters (personal data):
    they are never logged, whatever the level."""
    for name in DRIVER_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(*, level: str, json_format: bool) -> None:
    """Install one stderr handler on the root logger; uvicorn's loggers flow into it."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if json_format else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our middleware writes the access log, with the request id and the route template.
    logging.getLogger("uvicorn.access").disabled = True
    quiet_driver_loggers()
    # Readiness probes consult Alembic; its per-call INFO lines are noise.
    logging.getLogger("alembic").setLevel(max(root.level, logging.WARNING))
