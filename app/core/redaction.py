"""Keep personal data and secrets out of logs and stored failure texts.

Database errors carry the values that failed (PostgreSQL's `DETAIL: Key (email)=(…)`, SQL
parameters, client-side encoding errors quoting the value) and validation errors quote their
input, so neither message is ever written: what is written is the error's class, SQLSTATE and
constraint, and for validation errors the locations and kinds of the problems.
"""

from __future__ import annotations

import re
import sqlite3
import traceback

from pydantic import ValidationError
from sqlalchemy import exc as sa_exc

# Paths whose segments are secrets: a public briefing link's token is its only key.
_SECRET_PATHS = (re.compile(r"^(/p/)[^/]+"),)
REDACTED = "<redacted>"

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators: anything a log
# reader could take for the end of a line or a terminal command.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def loggable_path(path: str) -> str:
    """The request path with secret segments replaced by `<redacted>`."""
    for pattern in _SECRET_PATHS:
        path = pattern.sub(rf"\g<1>{REDACTED}", path)
    return path


def escape_control(text: str) -> str:
    """`text` on one line: control characters written as `\\xNN` / `\\uNNNN` escapes, so a
    value in a log line cannot start a forged line of its own."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _is_database_error(exc: BaseException) -> bool:
    # SQLAlchemy's statement errors quote the driver's message; the asyncpg adapter's errors
    # (in sqlalchemy.dialects) and asyncpg's own carry PostgreSQL's DETAIL or the value.
    module = type(exc).__module__
    return isinstance(exc, sa_exc.StatementError) or module.startswith(
        ("asyncpg", "sqlalchemy.dialects")
    )


def _database_facts(exc: BaseException) -> list[str]:
    facts: list[str] = []
    for attr in ("sqlstate", "constraint_name", "table_name", "column_name"):
        value = getattr(exc, attr, None)
        if isinstance(value, str) and value:
            facts.append(f"{attr}={value}")
    return facts


def describe_exception(exc: BaseException) -> str:
    """One line naming the error without any value it may quote: `Class: message` for
    ordinary errors, `Class (sqlstate=…, constraint_name=…)` for database errors (the
    innermost driver error's facts), locations and kinds for validation errors."""
    name = type(exc).__name__
    if isinstance(exc, ValidationError):
        problems = ", ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())) or '-'}:{e.get('type')}"
            for e in exc.errors(include_input=False, include_url=False)
        )
        return f"{name}: {exc.error_count()} problem(s) [{problems}]"
    if isinstance(exc, sqlite3.Error):
        # SQLite's messages name tables and columns, never values.
        return f"{name}: {exc}"
    if _is_database_error(exc):
        facts: list[str] = []
        current: BaseException | None = exc
        seen: set[int] = set()
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            if isinstance(current, sqlite3.Error):
                return f"{name}: {current}"
            facts = _database_facts(current) or facts
            orig = getattr(current, "orig", None)
            current = orig if isinstance(orig, BaseException) else current.__cause__
        detail = f" ({', '.join(facts)})" if facts else ""
        return f"{name}{detail} [message withheld: database messages may quote values]"
    return f"{name}: {exc}"


def format_exception_safely(exc: BaseException) -> str:
    """A traceback like `traceback.format_exception`, with every exception in the chain
    described by `describe_exception` instead of its message."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, "The above exception was the direct cause"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, "During handling of the above exception"
        else:
            current = None
    parts: list[str] = []
    for error, following in reversed(chain):
        frames = "".join(traceback.format_tb(error.__traceback__))
        text = "Traceback (most recent call last):\n" + frames if frames else ""
        parts.append(text + escape_control(describe_exception(error)))
        if following:
            parts.append(f"\n{following} of the following:\n")
    return "\n".join(parts)
