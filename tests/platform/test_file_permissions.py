"""What Tandem writes to disk is its own: the data directory is 0700, the SQLite database and
its WAL 0600 (also when they existed with looser modes), uploads 0600, and an import's upload
is deleted once the import has ended."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx

from app.core.roles import Role
from app.platform.runtime import Runtime
from app.worker import Worker
from tests.support.harness import MakeUser
from tests.support.live_server import tandem


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_directory_and_the_database_are_private(tmp_path: Path):
    data_dir = tmp_path / "fresh" / "data"
    tandem(data_dir, "migrate")
    assert mode(data_dir) == 0o700
    files = [p for p in data_dir.iterdir() if p.name.startswith("tandem.db")]
    assert any(p.name == "tandem.db" for p in files)
    for path in files:
        assert mode(path) == 0o600, path.name
    for path in data_dir.rglob("*"):
        assert mode(path) & 0o077 == 0, path


def test_loose_modes_of_an_existing_data_directory_are_tightened(tmp_path: Path):
    data_dir = tmp_path / "data"
    tandem(data_dir, "migrate")
    data_dir.chmod(0o755)
    (data_dir / "tandem.db").chmod(0o644)
    tandem(data_dir, "migrate")
    assert mode(data_dir) == 0o700
    assert mode(data_dir / "tandem.db") == 0o600


async def test_an_import_upload_is_deleted_once_processed(
    client: httpx.AsyncClient, make_user: MakeUser, runtime: Runtime
):
    recruiter = await make_user(Role.RECRUITER)
    started = await client.post(
        "/api/v1/imports",
        headers=recruiter.headers,
        files={"file": ("people.csv", b"full_name,email\nAda,ada@example.com\n", "text/csv")},
    )
    assert started.status_code == 202, started.text
    root = runtime.settings.resolved_storage_dir
    import_id = started.json()["id"]
    [stored] = [p for p in root.rglob(f"{import_id}*") if p.is_file()]  # until the worker runs
    assert mode(stored) == 0o600
    assert mode(stored.parent) == 0o700
    await Worker(runtime).run_until_idle()
    report = await client.get(f"/api/v1/imports/{import_id}", headers=recruiter.headers)
    assert report.json()["status"] == "completed", report.text
    assert not stored.exists()
