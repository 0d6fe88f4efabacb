"""Strong ETags from version counters, and `If-Match` preconditions."""

from __future__ import annotations

from app.core.errors import PreconditionFailed, PreconditionRequired


def etag_for(version: int) -> str:
    """The strong ETag of a resource at `version`."""
    return f'"{version}"'


def parse_if_match(header: str | None) -> list[str] | None:
    """The entity tags listed in an If-Match header (`None` when absent, or when it lists none:
    an empty If-Match states no precondition, so it is answered like a missing one)."""
    if header is None:
        return None
    return [tag.strip() for tag in header.split(",") if tag.strip()] or None


def require_match(if_match: list[str] | None, current_version: int) -> None:
    """Raise 428 when no precondition was sent and 412 when it does not match `current_version`."""
    if if_match is None:
        raise PreconditionRequired(
            "Send If-Match with the ETag from your last read to update this resource."
        )
    current = etag_for(current_version)
    # If-Match uses the strong comparison: weak validators never match.
    if "*" in if_match or current in if_match:
        return
    raise PreconditionFailed(
        "The resource changed since you read it; fetch it again and retry.",
        extensions={"current_etag": current},
    )
