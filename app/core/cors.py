"""Cross-origin access for browser front ends on other origins (`TANDEM_CORS_ORIGINS`).

Credentials (cookies) are never allowed: the API authenticates with bearer tokens in the
`Authorization` header, so a front end needs only the request headers below allowed and the
protocol's response headers exposed to its scripts.
"""

from __future__ import annotations

from typing import Any

ALLOWED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
ALLOWED_HEADERS = (
    "Accept",
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "If-None-Match",
    "On-Behalf-Of",
    "X-Request-ID",
)
EXPOSED_HEADERS = (
    "ETag",
    "Link",
    "Location",
    "X-Request-ID",
    "Retry-After",
    "RateLimit",
    "RateLimit-Policy",
    "Idempotent-Replayed",
    "Content-Disposition",
)
# Browsers cap this anyway (Chromium at 2 hours); 10 minutes keeps a changed policy prompt.
PREFLIGHT_MAX_AGE_SECONDS = 600


def cors_options(origins: list[str]) -> dict[str, Any]:
    """Keyword arguments for Starlette's `CORSMiddleware`: these origins (or `*`) may call."""
    return {
        "allow_origins": origins,
        "allow_methods": ALLOWED_METHODS,
        "allow_headers": ALLOWED_HEADERS,
        "allow_credentials": False,
        "expose_headers": EXPOSED_HEADERS,
        "max_age": PREFLIGHT_MAX_AGE_SECONDS,
    }
