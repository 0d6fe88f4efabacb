"""Settings read from `TANDEM_*` environment variables (and an optional `.env` file)."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_FILE_NAME = "secret_key"  # noqa: S105 - a file name
SQLITE_FILE_NAME = "tandem.db"
# A host name with an optional port, for CSP sources.
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"{_LABEL}(\.{_LABEL})*(:[0-9]{{1,5}})?")
# A browser origin: scheme, host and an optional port; nothing after it.
_ORIGIN = re.compile(r"https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?")


class ConfigurationError(RuntimeError):
    """The settings cannot describe a service that may start."""


class Settings(BaseSettings):
    """Every knob of the service; each one is documented in the README's configuration table."""

    model_config = SettingsConfigDict(
        env_prefix="TANDEM_", env_file=".env", extra="ignore", frozen=True
    )

    env: Literal["development", "production"] = "development"
    # Where clients reach this service (`https://tandem.example.com`): every absolute URL
    # (share links, the kit link in invitations) starts with it, never with the Host header.
    public_base_url: str | None = None
    # Hosts that HTML pages (the public briefing, kits) may load images from, over https;
    # from any other host a candidate's browser loads nothing (the page's policy forbids it).
    image_hosts: list[str] = Field(default_factory=list)
    data_dir: Path = Path("./var")
    database_url: str | None = None
    secret_key: SecretStr | None = None
    previous_secret_keys: list[SecretStr] = Field(default_factory=list)

    log_level: str = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"
    access_log: bool = True
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_upload_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    # The request line and headers together (431 beyond): 32 KiB fits large cookies and tokens.
    max_request_head_bytes: int = Field(default=32 * 1024, ge=8 * 1024, le=1024 * 1024)

    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout_seconds: float = Field(default=10.0, gt=0)
    db_connect_timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    sqlite_busy_timeout_ms: int = Field(default=15_000, ge=5_000)

    run_worker_in_process: bool | None = None
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    worker_concurrency: int = Field(default=4, ge=1, le=64)
    worker_lease_seconds: int = Field(default=300, ge=5)
    worker_heartbeat_seconds: float = Field(default=15.0, ge=1, le=300)

    storage_backend: Literal["local", "s3"] = "local"
    storage_dir: Path | None = None
    s3_endpoint_url: str | None = None
    s3_bucket: str | None = None
    s3_prefix: str = ""
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"

    recording_max_bytes: int = Field(default=2 * 1024**3, ge=1024)
    recording_retention_days: int = Field(default=180, ge=1)
    transcript_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    transcript_engine: Literal["lexical", "semantic"] = "lexical"
    salary_history_banned: bool = True

    webhook_allowed_hosts: list[str] = Field(default_factory=list)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=15)

    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_from: str = "Tandem <tandem@localhost>"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=60)

    idempotency_ttl_hours: int = Field(default=24, ge=1)
    training_valid_days: int = Field(default=365, ge=1)

    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=30, ge=1)
    jwt_issuer: str = "tandem"
    jwt_audience: str = "tandem-api"
    jwt_private_key_file: Path | None = None
    jwt_previous_public_key_files: list[Path] = Field(default_factory=list)
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks: str | None = None
    oidc_email_claim: str = "email"

    principal_cache_seconds: float = Field(default=2.0, ge=0, le=60)
    rate_limit_per_minute: int = Field(default=1200, ge=0)
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=30, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    trusted_proxy_count: int = Field(default=0, ge=0)
    cors_origins: list[str] = Field(default_factory=list)
    metrics_token: SecretStr | None = Field(default=None, min_length=16)

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # Compose passes `${TANDEM_METRICS_TOKEN:-}`: an empty value means "not set".
        return None if value == "" else value

    @field_validator("public_base_url")
    @classmethod
    def _base_url_is_an_origin_with_an_optional_path(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        parts = urlsplit(value)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.query
            or parts.fragment
            or parts.username
            or parts.password
        ):
            raise ValueError(
                f"{value!r} is not a base URL: write scheme://host[:port][/path], e.g. "
                "https://tandem.example.com"
            )
        return value.rstrip("/")

    @field_validator("image_hosts")
    @classmethod
    def _image_hosts_are_hosts(cls, hosts: list[str]) -> list[str]:
        for host in hosts:
            if not _HOST.fullmatch(host):
                raise ValueError(f"{host!r} is not a host name (e.g. images.example.com)")
        return [host.lower() for host in hosts]

    @field_validator("cors_origins")
    @classmethod
    def _origins_are_origins(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if origin != "*" and not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"{origin!r} is not an origin: write scheme://host[:port] with no path "
                    'and no trailing slash (e.g. https://app.example.com), or "*"'
                )
        return origins

    @field_validator("webhook_allowed_hosts")
    @classmethod
    def _hosts_or_networks(cls, entries: list[str]) -> list[str]:
        for entry in entries:
            if "/" in entry or entry.replace(".", "").isdigit() or ":" in entry:
                try:
                    ipaddress.ip_network(entry, strict=False)
                except ValueError:
                    raise ValueError(
                        f"{entry!r} is neither a host name nor an address/CIDR"
                    ) from None
            elif not re.fullmatch(r"[A-Za-z0-9.-]+", entry):
                raise ValueError(f"{entry!r} is neither a host name nor an address/CIDR")
        return [e.lower() for e in entries]

    @model_validator(mode="after")
    def _production_needs_explicit_secrets(self) -> Settings:
        if self.env == "production":
            missing = [
                name
                for name, value in (
                    ("TANDEM_SECRET_KEY", self.secret_key),
                    ("TANDEM_DATABASE_URL", self.database_url),
                    ("TANDEM_PUBLIC_BASE_URL", self.public_base_url),
                )
                if not value
            ]
            if missing:
                raise ConfigurationError(
                    "production mode needs explicit settings: " + ", ".join(missing)
                )
            if self.secret_key and len(self.secret_key.get_secret_value()) < 32:
                raise ConfigurationError("TANDEM_SECRET_KEY must be at least 32 characters")
        return self

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> Settings:
        if self.storage_backend == "s3" and not self.s3_bucket:
            raise ConfigurationError("TANDEM_STORAGE_BACKEND=s3 needs TANDEM_S3_BUCKET")
        return self

    @property
    def resolved_storage_dir(self) -> Path:
        """Where the local storage backend keeps files (default: `files` in the data dir)."""
        return self.storage_dir or self.data_dir / "files"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @cached_property
    def resolved_database_url(self) -> str:
        """The configured URL, or an SQLite file in the data directory."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / SQLITE_FILE_NAME).resolve()}"

    @cached_property
    def resolved_secret_key(self) -> str:
        """The configured secret, or one generated once and kept in the data directory."""
        if self.secret_key:
            return self.secret_key.get_secret_value()
        return _load_or_create_secret(self.data_dir / SECRET_FILE_NAME)

    @property
    def uses_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def worker_in_process(self) -> bool:
        """Run the job loop inside `tandem serve` (the default on SQLite)."""
        if self.run_worker_in_process is None:
            return self.uses_sqlite
        return self.run_worker_in_process

    @property
    def json_logs(self) -> bool:
        if self.log_format == "auto":
            return self.is_production
        return self.log_format == "json"


def normalise_database_url(url: str) -> str:
    """Accept the usual spellings and pick the async driver for each database."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


def _load_or_create_secret(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        existing = path.read_text().strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    secret = secrets.token_urlsafe(48)
    # O_EXCL so two processes starting together agree on one secret.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret
