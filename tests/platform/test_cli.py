"""The `tandem` command, run in-process against a fresh SQLite database."""

import json
import sqlite3
import uuid
from io import StringIO
from pathlib import Path

import pytest

from app.cli import main


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("TANDEM_DATABASE_URL", "TANDEM_SECRET_KEY", "TANDEM_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TANDEM_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_migrate_create_user_and_api_key(data_dir, capsys, monkeypatch):
    assert run(capsys, "migrate")[0] == 0
    monkeypatch.setattr("sys.stdin", StringIO("a-long-and-unusual-passphrase\n"))
    code, out, _ = run(
        capsys, "create-user", "Lea@Example.com", "--role", "recruiter", "--password-stdin"
    )
    assert code == 0
    user_id = uuid.UUID(out.strip())
    db = sqlite3.connect(data_dir / "tandem.db")
    email, role, password_hash = db.execute(
        "SELECT email, role, password_hash FROM users WHERE id = ?", (user_id.hex,)
    ).fetchone()
    assert (email, role) == ("lea@example.com", "recruiter")
    assert password_hash.startswith("$argon2id$")

    # A duplicate (any case) and a weak password are refused with a message, not a trace.
    monkeypatch.setattr("sys.stdin", StringIO("password1234\n"))
    code, _, err = run(
        capsys, "create-user", "new@example.com", "--role", "admin", "--password-stdin"
    )
    assert code == 1
    assert "password" in err
    code, _, err = run(capsys, "create-user", "LEA@example.com", "--role", "admin")
    assert code == 1
    assert "already exists" in err

    code, out, _ = run(capsys, "create-api-key", "ATS", "--scopes", "candidates:write,events:read")
    assert code == 0
    key = out.strip()
    assert key.startswith("tnd_")
    stored = db.execute("SELECT key_prefix, key_hash, scopes FROM api_clients").fetchall()
    assert len(stored) == 1
    assert key.startswith(stored[0][0])
    assert key not in stored[0][1]
    assert json.loads(stored[0][2]) == ["candidates:write", "events:read"]
    code, _, err = run(capsys, "create-api-key", "ATS", "--scopes", "everything:please")
    assert code == 2
    assert "unknown scopes" in err


def test_seed_demo_is_idempotent_and_prints_logins(data_dir, capsys):
    assert run(capsys, "migrate")[0] == 0
    code, first, _ = run(capsys, "seed-demo")
    assert code == 0
    assert "demo data loaded" in first
    for role in ("admin", "recruiter", "hiring_manager", "interviewer"):
        assert role in first
    code, second, _ = run(capsys, "seed-demo")
    assert "already present" in second
    # The same logins both times (the key is derived from this instance's secret).
    assert first.splitlines()[1:] == second.splitlines()[1:]
    db = sqlite3.connect(data_dir / "tandem.db")
    assert db.execute("SELECT count(*) FROM users").fetchone()[0] == 4
    assert db.execute("SELECT count(*) FROM api_clients").fetchone()[0] == 1
    statuses = {row[0] for row in db.execute("SELECT status FROM intakes")}
    assert statuses == {"open", "in_review", "draft", "filled", "on_hold"}


def test_seed_demo_is_refused_in_production(data_dir, capsys, monkeypatch):
    monkeypatch.setenv("TANDEM_ENV", "production")
    monkeypatch.setenv("TANDEM_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("TANDEM_DATABASE_URL", f"sqlite:///{data_dir / 'prod.db'}")
    monkeypatch.setenv("TANDEM_PUBLIC_BASE_URL", "https://tandem.example.com")
    assert run(capsys, "seed-demo")[0] == 2


def test_production_without_secret_refuses_to_start(data_dir, capsys, monkeypatch):
    monkeypatch.setenv("TANDEM_ENV", "production")
    with pytest.raises(SystemExit, match="TANDEM_SECRET_KEY"):
        main(["migrate"])


def test_openapi_to_file(data_dir, capsys):
    target = data_dir / "openapi.json"
    assert run(capsys, "openapi", "--output", str(target))[0] == 0
    spec = json.loads(target.read_text())
    assert spec["info"]["title"] == "Tandem API"
    assert "/api/v1/users" in spec["paths"]


def test_serve_with_demo_prints_the_logins_on_every_start(data_dir, capsys, monkeypatch):
    """`tandem serve --demo` loads the demo into an empty database, and on a restart prints
    the same logins and key again (never a false "not loaded")."""
    import asyncio

    from app.cli import _seed
    from app.core.config import Settings

    assert run(capsys, "migrate")[0] == 0
    asyncio.run(_seed(Settings(), only_if_empty=True))
    first = capsys.readouterr().out
    asyncio.run(_seed(Settings(), only_if_empty=True))
    again = capsys.readouterr().out
    assert first.startswith("demo data loaded")
    assert again.startswith("demo data already present")
    assert "not loaded" not in again
    assert first.splitlines()[1:] == again.splitlines()[1:]
    assert "api key         tnd_" in again
    assert "admin@tandem.example" in again


def test_serve_with_demo_leaves_another_database_alone(data_dir, capsys, monkeypatch):
    import asyncio

    from app.cli import _seed
    from app.core.config import Settings

    assert run(capsys, "migrate")[0] == 0
    monkeypatch.setattr("sys.stdin", StringIO("a-long-and-unusual-passphrase\n"))
    assert (
        run(capsys, "create-user", "ops@example.com", "--role", "admin", "--password-stdin")[0] == 0
    )
    asyncio.run(_seed(Settings(), only_if_empty=True))
    out = capsys.readouterr().out
    assert "demo data not loaded" in out
    assert "tandem-demo" not in out
    db = sqlite3.connect(data_dir / "tandem.db")
    assert db.execute("SELECT count(*) FROM users").fetchone()[0] == 1
