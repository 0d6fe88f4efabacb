"""Typed domain errors. Services raise these; one handler turns them into problem+json."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One problem with one input field: where it is and what is wrong."""

    location: str
    message: str
    code: str = "invalid"


class DomainError(Exception):
    """Base class: a status, a stable problem type slug and a human title."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Iterable[FieldProblem] = (),
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = list(errors)
        self.headers = dict(headers or {})
        self.extensions = dict(extensions or {})


class BadRequest(DomainError):
    pass


class MalformedBody(DomainError):
    slug = "malformed-body"
    title = "Malformed request body"


class Unauthorized(DomainError):
    status = 401
    slug = "unauthorized"
    title = "Authentication required"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.headers.setdefault("WWW-Authenticate", 'Bearer realm="tandem"')


class Forbidden(DomainError):
    status = 403
    slug = "forbidden"
    title = "Not allowed"


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = "Not found"


class MethodNotAllowed(DomainError):
    status = 405
    slug = "method-not-allowed"
    title = "Method not allowed"


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class InvalidState(Conflict):
    """A transition that the object's current state does not allow."""

    slug = "invalid-state"
    title = "Not allowed in the current state"

    def __init__(self, action: str, current: str, allowed_from: Iterable[str]) -> None:
        allowed = sorted(allowed_from)
        super().__init__(
            f"Cannot {action} while the status is '{current}'; "
            f"allowed from: {', '.join(allowed) or 'no state'}.",
            extensions={"current_status": current, "allowed_from": allowed},
        )


class DoubleBooked(Conflict):
    """Someone on the panel (or the candidate) already has an interview at that time."""

    slug = "double-booked"
    title = "Already booked at that time"


class IdempotencyInProgress(Conflict):
    slug = "idempotency-key-in-use"
    title = "A request with this Idempotency-Key is still being processed"


class PreconditionFailed(DomainError):
    status = 412
    slug = "precondition-failed"
    title = "The resource has changed"


class PayloadTooLarge(DomainError):
    status = 413
    slug = "payload-too-large"
    title = "Request body too large"


class HeaderTooLarge(DomainError):
    """Answered by the server protocol (`app/core/server.py`), before the app sees the request."""

    status = 431
    slug = "request-header-too-large"
    title = "Request header fields too large"


class UnsupportedMediaType(DomainError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class RangeNotSatisfiable(DomainError):
    status = 416
    slug = "range-not-satisfiable"
    title = "Range not satisfiable"


class ValidationFailed(DomainError):
    status = 422
    slug = "validation-error"
    title = "The request is not valid"


class IdempotencyKeyReused(ValidationFailed):
    slug = "idempotency-key-reused"
    title = "Idempotency-Key reused with a different request"


class PreconditionRequired(DomainError):
    status = 428
    slug = "precondition-required"
    title = "If-Match header required"


class RateLimited(DomainError):
    status = 429
    slug = "rate-limited"
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.headers["Retry-After"] = str(max(1, retry_after))


class ServiceUnavailable(DomainError):
    status = 503
    slug = "service-unavailable"
    title = "Service temporarily unavailable"

    def __init__(self, detail: str | None = None, *, retry_after: int = 2, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.headers["Retry-After"] = str(retry_after)


class InternalError(DomainError):
    status = 500
    slug = "internal-error"
    title = "Internal server error"


PROBLEM_TYPES: dict[str, type[DomainError]] = {
    cls.slug: cls
    for cls in (
        BadRequest,
        MalformedBody,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        RangeNotSatisfiable,
        Conflict,
        InvalidState,
        DoubleBooked,
        IdempotencyInProgress,
        PreconditionFailed,
        PayloadTooLarge,
        HeaderTooLarge,
        UnsupportedMediaType,
        ValidationFailed,
        IdempotencyKeyReused,
        PreconditionRequired,
        RateLimited,
        ServiceUnavailable,
        InternalError,
    )
}
