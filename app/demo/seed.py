"""Demo data for trying Tandem locally: one user per role, an integration key, intakes.

Idempotent: running it again changes nothing and reports the same logins. The demo
passwords are published in the README; they exist only in databases seeded with this.
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.roles import Role
from app.core.scopes import KNOWN_SCOPES
from app.core.security import derived_api_key, hash_password
from app.demo.intakes import seed_intakes
from app.models.base import table_of
from app.models.identity import ApiClient, User

_api_client = table_of(ApiClient).c
_user = table_of(User).c

DEMO_USERS = (
    ("admin@tandem.example", "Ada Admin", Role.ADMIN, "tandem-demo-admin"),
    ("recruiter@tandem.example", "Rosa Recruiter", Role.RECRUITER, "tandem-demo-recruiter"),
    ("manager@tandem.example", "Hugo Manager", Role.HIRING_MANAGER, "tandem-demo-manager"),
    ("interviewer@tandem.example", "Iris Interviewer", Role.INTERVIEWER, "tandem-demo-interviewer"),
)
DEMO_API_CLIENT = "Demo ATS integration"


@dataclass(frozen=True, slots=True)
class DemoLogins:
    users: list[tuple[str, str, str]]  # (role, e-mail, password)
    api_key: str
    created: bool


async def seed_demo(session: AsyncSession, secret: str) -> DemoLogins:
    """Create the demo users and API client unless they exist; return the logins either way."""
    created = False
    for email, name, role, password in DEMO_USERS:
        exists = (await session.execute(select(_user.id).where(_user.email == email))).first()
        if exists is None:
            password_hash = await anyio.to_thread.run_sync(hash_password, password)
            session.add(User(email=email, full_name=name, role=role, password_hash=password_hash))
            created = True
    key, prefix, key_hash = derived_api_key(secret, "demo-api-client")
    client = (
        await session.execute(select(ApiClient).where(_api_client.key_prefix == prefix))
    ).scalar_one_or_none()
    if client is None:
        session.add(
            ApiClient(
                name=DEMO_API_CLIENT,
                key_prefix=prefix,
                key_hash=key_hash,
                scopes=sorted(KNOWN_SCOPES),
            )
        )
        created = True
    await session.flush()
    if await seed_intakes(session):
        created = True
    return DemoLogins(
        users=[(str(role), email, password) for email, _, role, password in DEMO_USERS],
        api_key=key,
        created=created,
    )


async def present_logins(session: AsyncSession, secret: str) -> DemoLogins | None:
    """The demo logins when the demo users and API client are in this database (nothing is
    changed); None when they are not."""
    emails = [email for email, *_ in DEMO_USERS]
    found = (await session.execute(select(_user.email).where(_user.email.in_(emails)))).all()
    key, prefix, _ = derived_api_key(secret, "demo-api-client")
    client = (
        await session.execute(select(_api_client.id).where(_api_client.key_prefix == prefix))
    ).first()
    if len(found) < len(emails) or client is None:
        return None
    return DemoLogins(
        users=[(str(role), email, password) for email, _, role, password in DEMO_USERS],
        api_key=key,
        created=False,
    )


async def database_is_empty(session: AsyncSession) -> bool:
    """True when no user exists yet."""
    return (await session.execute(select(_user.id).limit(1))).first() is None
