"""The event catalogue is complete: every recorded type is in it, the docs and the spec."""

from __future__ import annotations

import re
from pathlib import Path

from app.services.events.catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]
LITERAL_CALL = re.compile(r'record_event\(\s*session,\s*"([a-z_]+\.[a-z_]+)"')


def _sources() -> dict[Path, str]:
    return {
        p: p.read_text(encoding="utf-8")
        for p in (ROOT / "app").rglob("*.py")
        if "services/events" not in p.as_posix()
    }


def test_every_recorded_type_is_catalogued():
    recorded = {m for text in _sources().values() for m in LITERAL_CALL.findall(text)}
    assert recorded, "no record_event calls found"
    assert recorded - set(CATALOGUE) == set()


def test_every_catalogued_type_is_recorded_somewhere():
    text = "\n".join(_sources().values())
    missing = [name for name in CATALOGUE if f'"{name}"' not in text]
    assert missing == []


def test_docs_list_every_type_with_its_version():
    doc = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    for entry in CATALOGUE.values():
        assert f"| `{entry.name}` | {entry.version} |" in doc, entry.name


def test_openapi_publishes_every_type_with_its_schema(app):
    spec = app.openapi()
    assert spec["openapi"].startswith("3.1")
    assert set(spec["webhooks"]) == set(CATALOGUE) | {"ping"}
    schemas = spec["components"]["schemas"]
    for name, entry in CATALOGUE.items():
        operation = spec["webhooks"][name]["post"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        schema = schemas[ref.rsplit("/", 1)[1]]
        data_ref = schema["allOf"][1]["properties"]["data"]["$ref"]
        assert data_ref.rsplit("/", 1)[1] == entry.data.__name__
        headers = {p["name"] for p in operation["parameters"]}
        assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert "from" in schemas["ApplicationMovedData"]["properties"]
