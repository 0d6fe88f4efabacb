"""The event catalogue as the OpenAPI 3.1 `webhooks` section (what a receiver must accept)."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from app.schemas.events import EventEnvelope
from app.services.events.catalogue import CATALOGUE, PING_TYPE, EventType

REF = "#/components/schemas/{model}"
HEADERS = [
    ("webhook-id", "The event id: the same on every retry; use it to drop duplicates."),
    ("webhook-timestamp", "Seconds since the epoch when this attempt was signed."),
    (
        "webhook-signature",
        "`v1,<base64 HMAC-SHA256 of {id}.{timestamp}.{body}>`; several, space-separated, "
        "while a rotated secret is still valid.",
    ),
]


def _schema_name(entry: EventType) -> str:
    return "Event_" + entry.name.replace(".", "_")


def webhooks_section() -> tuple[dict[str, Any], dict[str, Any]]:
    """The `webhooks` map and the component schemas it refers to."""
    entries = [*CATALOGUE.values(), PING_TYPE]
    models = {entry.data for entry in entries} | {EventEnvelope}
    _, defs = models_json_schema([(model, "serialization") for model in models], ref_template=REF)
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    webhooks: dict[str, Any] = {}
    for entry in entries:
        name = _schema_name(entry)
        schemas[name] = {
            "title": name,
            "description": f"{entry.description} (data version {entry.version})",
            "allOf": [
                {"$ref": REF.format(model="EventEnvelope")},
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": entry.name},
                        "version": {"const": entry.version},
                        "data": {"$ref": REF.format(model=entry.data.__name__)},
                    },
                },
            ],
        }
        personal = ", ".join(f"`{f}` ({s})" for f, s in entry.personal.items())
        webhooks[entry.name] = {
            "post": {
                "operationId": "webhook_" + entry.name.replace(".", "_"),
                "summary": entry.description,
                "description": (
                    f"Sent to subscriptions whose `event_types` match `{entry.name}`."
                    + (f" Personal fields need scopes: {personal}." if personal else "")
                ),
                "tags": ["Webhooks"],
                "parameters": [
                    {
                        "name": h,
                        "in": "header",
                        "required": True,
                        "description": text,
                        "schema": {"type": "string"},
                    }
                    for h, text in HEADERS
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": REF.format(model=name)}}},
                },
                "responses": {
                    "200": {"description": "Any 2xx acknowledges the delivery."},
                    "410": {"description": "Gone: Tandem disables the subscription."},
                },
            }
        }
    return webhooks, schemas
