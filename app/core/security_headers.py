"""Security headers on every response.

- `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`
  (a public link's token never leaves in a `Referer`), and in production
  `Strict-Transport-Security`.
- A strict `Content-Security-Policy` everywhere: nothing may load but the HTML pages' own
  style blocks (allowed by hash) and images from this service or the configured image hosts,
  so a briefing page cannot make the candidate's browser call a third party; no framing, no
  `<base>`, no forms. `/docs` and `/redoc` get a policy their bundled scripts work with.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.DOTALL)
HSTS = "max-age=63072000; includeSubDomains"
DOCS_PATHS = ("/docs", "/redoc")


def style_hashes(html_templates: Iterable[str]) -> list[str]:
    """CSP sources (`'sha256-…'`) for the `<style>` blocks of HTML templates (blocks with no
    template expressions, so the rendered text is the template's)."""
    sources: list[str] = []
    for text in html_templates:
        for block in _STYLE_BLOCK.findall(text):
            digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
            sources.append(f"'sha256-{digest}'")
    return sorted(set(sources))


def strict_policy(*, styles: Iterable[str], image_hosts: Iterable[str]) -> str:
    """The policy of every response but the API docs."""
    images = " ".join(["'self'", *(f"https://{host}" for host in image_hosts)])
    style = " ".join(styles) or "'none'"
    return (
        f"default-src 'none'; img-src {images}; style-src {style}; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class SecurityHeaders:
    """The headers for a path, built once."""

    def __init__(
        self, *, production: bool, image_hosts: Iterable[str], styles: Iterable[str]
    ) -> None:
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
        ]
        if production:
            common.append((b"strict-transport-security", HSTS.encode()))
        strict = strict_policy(styles=styles, image_hosts=image_hosts)
        self.strict = [*common, (b"content-security-policy", strict.encode())]
        self.docs = [*common, (b"content-security-policy", DOCS_POLICY.encode())]

    def for_path(self, path: str) -> list[tuple[bytes, bytes]]:
        """The headers a response to `path` carries."""
        for prefix in DOCS_PATHS:
            if path == prefix or path.startswith(prefix + "/"):
                return self.docs
        return self.strict
