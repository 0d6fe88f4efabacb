"""The long-lived objects one application instance shares across requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from app.core.cache import TtlCache
from app.core.config import Settings
from app.core.db import Database
from app.core.metrics import Metrics
from app.core.pagination import CursorCodec
from app.core.principal import Principal
from app.core.tokens import ExternalIdentityProvider, TokenService
from app.platform.audit import ReadAudit
from app.platform.rate_limits import RequestBudget, SignInLimiter


@dataclass
class Runtime:
    """Settings, database, token keys, caches and metrics for one app instance."""

    settings: Settings
    db: Database
    tokens: TokenService
    cursors: CursorCodec
    metrics: Metrics
    budget: RequestBudget
    sign_in_limiter: SignInLimiter
    read_audit: ReadAudit
    oidc: ExternalIdentityProvider | None = None
    principals: TtlCache[Principal | None] = field(default_factory=lambda: TtlCache(0))

    @property
    def secrets(self) -> list[str]:
        """The service secret, then the previous ones (still accepted while rotating)."""
        previous = [s.get_secret_value() for s in self.settings.previous_secret_keys]
        return [self.settings.resolved_secret_key, *previous]

    @property
    def idempotency_ttl(self) -> timedelta:
        return timedelta(hours=self.settings.idempotency_ttl_hours)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        """Wire everything from settings."""
        secret = settings.resolved_secret_key
        oidc = None
        if settings.oidc_issuer and settings.oidc_jwks:
            oidc = ExternalIdentityProvider(
                issuer=settings.oidc_issuer,
                audience=settings.oidc_audience or settings.jwt_audience,
                jwks=settings.oidc_jwks,
                email_claim=settings.oidc_email_claim,
            )
        db = Database(settings)
        metrics = Metrics()
        return cls(
            settings=settings,
            db=db,
            tokens=TokenService(
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
                secret=secret,
                previous_secrets=[s.get_secret_value() for s in settings.previous_secret_keys],
                private_key_file=settings.jwt_private_key_file,
                previous_public_key_files=settings.jwt_previous_public_key_files,
            ),
            cursors=CursorCodec(secret),
            metrics=metrics,
            budget=RequestBudget(db, settings.rate_limit_per_minute),
            read_audit=ReadAudit(db, metrics),
            sign_in_limiter=SignInLimiter(
                db,
                per_account=settings.login_max_failures_per_account,
                per_address=settings.login_max_failures_per_address,
                window_minutes=settings.login_lockout_minutes,
            ),
            oidc=oidc,
            principals=TtlCache(settings.principal_cache_seconds),
        )
