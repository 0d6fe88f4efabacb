"""A real browser on another origin calls a real server: headless Chromium loads a page from
one origin that signs in and reads `/me` (a preflighted request) from the API on another.

Skipped where Chromium is not installed (`apt-get install chromium`), except in CI (`CI` set,
as `.ci/run` does), where a missing browser fails the test.
"""

from __future__ import annotations

import contextlib
import functools
import html
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.live_server import free_port, live_server, tandem

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="Chromium is not installed"
)

EMAIL, PASSWORD = "frontend@example.com", "a-long-enough-browser-password"
PAGE = """<!doctype html><html><body><pre id="out">pending</pre><script>
(async () => {
  const out = document.getElementById("out");
  try {
    const signIn = await fetch("API/api/v1/auth/token", {
      method: "POST", body: new URLSearchParams({username: "EMAIL", password: "PASSWORD"})});
    const token = (await signIn.json()).access_token;
    const me = await fetch("API/api/v1/me", {
      headers: {"Authorization": "Bearer " + token, "X-Request-ID": "from-the-browser"}});
    const body = await me.json();
    out.textContent = JSON.stringify({status: me.status, email: body.email,
      etag: me.headers.get("ETag"), request_id: me.headers.get("X-Request-ID"),
      rate_limit: me.headers.get("RateLimit")});
  } catch (error) {
    out.textContent = JSON.stringify({error: String(error)});
  }
})();
</script></body></html>"""


@contextlib.contextmanager
def page_origin(folder: Path) -> Iterator[str]:
    """Serve `folder` on its own origin (another port is another origin)."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def browse(url: str, profile: Path) -> dict[str, Any]:
    """Load `url` in headless Chromium and return what the page's script wrote."""
    assert CHROMIUM
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    )
    start = done.stdout.index('<pre id="out">') + len('<pre id="out">')
    result: dict[str, Any] = json.loads(
        html.unescape(done.stdout[start : done.stdout.index("</pre>")])
    )
    return result


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, str]]:
    """A folder served on two origins: the first is allowed, the second is not."""
    folder = tmp_path_factory.mktemp("front-end")
    with page_origin(folder) as allowed, page_origin(folder) as refused:
        yield folder, allowed, refused


@pytest.fixture(scope="module")
def api(sites, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API, allowing the first origin only, with one user to sign in as."""
    data_dir = tmp_path_factory.mktemp("api")
    with live_server(data_dir, TANDEM_CORS_ORIGINS=json.dumps([sites[1]])) as server:
        tandem(
            data_dir,
            "create-user",
            EMAIL,
            "--role",
            "recruiter",
            "--password-stdin",
            stdin=PASSWORD,
        )
        yield server.base_url


def page(folder: Path, name: str, api: str) -> str:
    text = PAGE.replace("API", api).replace("EMAIL", EMAIL).replace("PASSWORD", PASSWORD)
    (folder / name).write_text(text)
    return name


def test_a_browser_on_an_allowed_origin_calls_the_api_and_reads_its_headers(sites, api, tmp_path):
    folder, allowed, _ = sites
    result = browse(f"{allowed}/{page(folder, 'call.html', api)}", tmp_path / "profile")
    assert result.get("status") == 200, result
    assert result["email"] == EMAIL
    assert result["etag"].startswith(('"', 'W/"'))
    assert result["request_id"] == "from-the-browser"
    assert result["rate_limit"]


def test_a_browser_on_another_origin_is_refused(sites, api, tmp_path):
    folder, _, refused = sites
    result = browse(f"{refused}/{page(folder, 'call.html', api)}", tmp_path / "profile")
    # The browser hides the answer from the script: fetch fails as a network error.
    assert "Failed to fetch" in result.get("error", ""), result
