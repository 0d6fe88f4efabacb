"""Settings: production refuses to start without explicit secrets; development makes its own."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from app.core.config import (
    SECRET_FILE_NAME,
    ConfigurationError,
    Settings,
    normalise_database_url,
)

GOOD_SECRET = "s" * 32
PG = "postgresql+asyncpg://tandem:pw@db.example.com:5432/tandem"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No TANDEM_* variable or .env file of the machine may leak into these tests."""
    for name in list(os.environ):
        if name.upper().startswith("TANDEM_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def settings(**values) -> Settings:
    return Settings(_env_file=None, **values)


@pytest.mark.parametrize(
    ("values", "missing"),
    [
        ({}, ["TANDEM_SECRET_KEY", "TANDEM_DATABASE_URL"]),
        ({"database_url": PG}, ["TANDEM_SECRET_KEY"]),
        ({"secret_key": GOOD_SECRET}, ["TANDEM_DATABASE_URL"]),
        ({"secret_key": "", "database_url": ""}, ["TANDEM_SECRET_KEY", "TANDEM_DATABASE_URL"]),
    ],
)
def test_production_needs_explicit_secret_and_database(values, missing, tmp_path):
    with pytest.raises(ConfigurationError) as raised:
        settings(env="production", data_dir=tmp_path, **values)
    message = str(raised.value)
    for name in missing:
        assert name in message
    for name in {"TANDEM_SECRET_KEY", "TANDEM_DATABASE_URL"} - set(missing):
        assert name not in message
    assert not (tmp_path / SECRET_FILE_NAME).exists()


def test_production_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TANDEM_ENV", "production")
    monkeypatch.setenv("TANDEM_DATA_DIR", str(tmp_path))
    with pytest.raises(ConfigurationError):
        settings()
    monkeypatch.setenv("TANDEM_SECRET_KEY", GOOD_SECRET)
    monkeypatch.setenv("TANDEM_DATABASE_URL", "postgres://u:p@db/tandem")
    with pytest.raises(ConfigurationError, match="TANDEM_PUBLIC_BASE_URL"):
        settings()
    monkeypatch.setenv("TANDEM_PUBLIC_BASE_URL", "https://tandem.example.com/")
    loaded = settings()
    assert loaded.public_base_url == "https://tandem.example.com"
    assert loaded.is_production
    assert loaded.resolved_secret_key == GOOD_SECRET
    assert loaded.resolved_database_url == "postgresql+asyncpg://u:p@db/tandem"


def test_production_rejects_a_short_secret(tmp_path):
    with pytest.raises(ConfigurationError, match="32"):
        settings(
            env="production",
            data_dir=tmp_path,
            database_url=PG,
            secret_key="s" * 31,
            public_base_url="https://tandem.example.com",
        )
    ok = settings(
        env="production",
        data_dir=tmp_path,
        database_url=PG,
        secret_key=GOOD_SECRET,
        public_base_url="https://tandem.example.com",
    )
    assert ok.resolved_secret_key == GOOD_SECRET
    assert not (tmp_path / SECRET_FILE_NAME).exists()


def test_development_generates_a_private_secret_once(tmp_path):
    data_dir = tmp_path / "nested" / "data"
    first = settings(data_dir=data_dir)
    assert not first.is_production
    secret = first.resolved_secret_key
    assert len(secret) >= 32

    path = data_dir / SECRET_FILE_NAME
    assert path.read_text().strip() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    again = settings(data_dir=data_dir)
    assert again.resolved_secret_key == secret
    elsewhere = settings(data_dir=tmp_path / "other")
    assert elsewhere.resolved_secret_key != secret


def test_development_defaults_to_sqlite_in_the_data_dir(tmp_path):
    dev = settings(data_dir=tmp_path)
    assert dev.uses_sqlite
    assert dev.resolved_database_url == f"sqlite+aiosqlite:///{(tmp_path / 'tandem.db').resolve()}"
    assert dev.worker_in_process


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@h:5432/d", "postgresql+asyncpg://u:p@h:5432/d"),
        ("postgresql://u:p@h/d?timeout=5", "postgresql+asyncpg://u:p@h/d?timeout=5"),
        ("postgresql+psycopg://u@h/d", "postgresql+asyncpg://u@h/d"),
        ("postgresql+asyncpg://u@h/d", "postgresql+asyncpg://u@h/d"),
        ("sqlite:////var/lib/tandem.db", "sqlite+aiosqlite:////var/lib/tandem.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_normalise_database_url(url, expected, tmp_path):
    assert normalise_database_url(url) == expected
    configured = settings(data_dir=tmp_path, database_url=url, secret_key=GOOD_SECRET)
    assert configured.resolved_database_url == expected
    assert configured.uses_sqlite == expected.startswith("sqlite")


@pytest.mark.parametrize(
    "value",
    [
        "tandem.example.com",
        "ftp://tandem.example.com",
        "https://",
        "https://tandem.example.com/?next=x",
        "https://tandem.example.com/#top",
        "https://user:pw@tandem.example.com",
    ],
)
def test_the_public_base_url_is_a_plain_http_base(value, tmp_path):
    with pytest.raises(ValueError, match="base URL"):
        settings(data_dir=tmp_path, public_base_url=value)
    kept = settings(data_dir=tmp_path, public_base_url="https://example.com:8443/tandem/")
    assert kept.public_base_url == "https://example.com:8443/tandem"


@pytest.mark.parametrize("host", ["https://images.example.com", "images.example.com/x", "a b"])
def test_image_hosts_are_plain_host_names(host, tmp_path):
    with pytest.raises(ValueError, match="host name"):
        settings(data_dir=tmp_path, image_hosts=[host])
    kept = settings(data_dir=tmp_path, image_hosts=["Images.Example.com", "cdn.example.com:8443"])
    assert kept.image_hosts == ["images.example.com", "cdn.example.com:8443"]
