"""The demo organisation in the test database, its principals, and a value for every path
parameter of the API, found through the API itself (so the objects are ones the demo's
interviewer can see: the most restricted role reads real objects, not 404s)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select

from app.core.principal import Principal
from app.core.roles import Role
from app.core.security import derived_api_key, new_api_key
from app.demo.seed import DEMO_USERS, seed_demo
from app.models.base import table_of
from app.models.candidates import Candidate
from app.models.identity import ApiClient, AuthSession, User
from app.models.notifications import Notification
from app.platform.runtime import Runtime
from app.schemas.webhooks import WebhookCreate
from app.services.events import recovery, subscriptions
from app.services.identity.auth import ACCESS_USE
from tests.support.harness import TEST_SECRET
from tests.support.transcripts import consent_body, wav_bytes

# The four roles, the demo integration's key, and that key acting for the interviewer (whose
# answers take the interviewer's shapes).
PRINCIPALS = (
    "admin",
    "recruiter",
    "hiring_manager",
    "interviewer",
    "api_client",
    "api_client_for_interviewer",
)
API = "/api/v1"
_user = table_of(User).c


@dataclass
class World:
    runtime: Runtime
    users: dict[str, uuid.UUID]  # role -> the demo user's id
    api_key: str
    # Path parameter name -> value; `for_writes` overrides it for PUT, POST, PATCH and DELETE, so
    # that writes deactivate, revoke or change spare objects, never the principals themselves.
    path: dict[str, str] = field(default_factory=dict)
    for_writes: dict[str, str] = field(default_factory=dict)

    async def headers(self, principal: str) -> dict[str, str]:
        """Credentials for one of PRINCIPALS: a fresh session for a person (a write such as
        sign-out may have ended the previous one), the demo integration's key otherwise
        (with `On-Behalf-Of` when it acts for the interviewer)."""
        if principal == "api_client":
            return {"Authorization": f"Bearer {self.api_key}"}
        if principal == "api_client_for_interviewer":
            interviewer = str(self.users["interviewer"])
            return {"Authorization": f"Bearer {self.api_key}", "On-Behalf-Of": interviewer}
        auth = AuthSession(user_id=self.users[principal])
        async with self.runtime.db.unit_of_work(write=True) as session:
            session.add(auth)
        token, _ = self.runtime.tokens.issue(
            subject=str(self.users[principal]),
            token_use=ACCESS_USE,
            ttl_seconds=900,
            claims={"sid": str(auth.id)},
        )
        return {"Authorization": f"Bearer {token}"}


async def seeded_world(runtime: Runtime) -> World:
    """Seed the demo organisation; the world before any path parameter is found."""
    async with runtime.db.unit_of_work(write=True) as session:
        logins = await seed_demo(session, TEST_SECRET)
        emails = {email: str(role) for email, _, role, _ in DEMO_USERS}
        rows = (await session.execute(select(_user.id, _user.email))).all()
    users = {emails[email]: user_id for user_id, email in rows if email in emails}
    assert logins.api_key == derived_api_key(TEST_SECRET, "demo-api-client")[0]
    return World(runtime, users, logins.api_key)


async def _get(client: httpx.AsyncClient, headers: dict[str, str], path: str) -> Any:
    response = await client.get(API + path, headers=headers)
    assert response.status_code == 200, f"{path}: {response.text}"
    return response.json()


async def _post(
    client: httpx.AsyncClient, headers: dict[str, str], path: str, **kwargs: Any
) -> Any:
    response = await client.post(API + path, headers=headers, **kwargs)
    assert response.status_code in (200, 201, 202), f"{path}: {response.text}"
    return response.json()


async def _interview_with_transcript(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> dict[str, Any]:
    interviews = (await _get(client, headers, "/interviews?limit=200"))["data"]
    for interview in interviews:
        found = await client.get(f"{API}/interviews/{interview['id']}/transcript", headers=headers)
        if found.status_code == 200:
            return dict(interview)
    raise AssertionError("the demo interviewer sits on no interview with a transcript")


async def _spare_objects(world: World) -> dict[str, str]:
    """A user, an API client and a candidate that only writes may change (deactivate, revoke,
    erase)."""
    _key, prefix, key_hash = new_api_key()
    spare_user = User(email="spare@example.com", full_name="Sam Spare", role=Role.INTERVIEWER)
    client = ApiClient(name="Spare integration", key_prefix=prefix, key_hash=key_hash, scopes=[])
    candidate = Candidate(full_name="Sam Spare", email="spare.candidate@example.com")
    async with world.runtime.db.unit_of_work(write=True) as session:
        session.add_all([spare_user, client, candidate])
    return {
        "user_id": str(spare_user.id),
        "api_client_id": str(client.id),
        "candidate_id": str(candidate.id),
    }


async def _interview_ids(client: httpx.AsyncClient, world: World) -> dict[str, str]:
    """The interviewer's interview (one with a transcript) and everything it hangs off."""
    mine = await world.headers("interviewer")
    interview = await _interview_with_transcript(client, mine)
    evaluations = (await _get(client, mine, "/me/evaluations?limit=200"))["data"]
    evaluation = next(e for e in evaluations if e["interview_id"] == interview["id"])
    application = await _get(client, mine, f"/applications/{interview['application_id']}")
    return {
        "interview_id": interview["id"],
        "evaluation_id": evaluation["id"],
        "competency_id": evaluation["competencies"][0]["id"],
        "application_id": application["id"],
        "candidate_id": application["candidate_id"],
        "intake_id": interview["intake_id"],
        "plan_id": interview["plan_id"],
        "stage_id": interview["stage_id"],
    }


async def _staff_ids(client: httpx.AsyncClient, world: World, found: dict[str, str]) -> None:
    """Objects the recruiter and the admin make or list: comments, exercises, links, imports."""
    staff, admin = await world.headers("recruiter"), await world.headers("admin")
    intake = f"/intakes/{found['intake_id']}"
    comment = await _post(client, staff, f"{intake}/comments", json={"body": "Shortlist Friday?"})
    exercise_body = {
        "name": "Ledger design answer",
        "plan_id": found["plan_id"],
        "stage_id": found["stage_id"],
        "sample": "I would start from the double-entry invariant and partition by account.",
        "reference_ratings": {found["competency_id"]: 3},
    }
    exercise = await _post(client, admin, "/calibration-exercises", json=exercise_body)
    link = await _post(client, staff, f"/applications/{found['application_id']}/briefing/share")
    upload = {"file": ("people.csv", b"full_name,email\nNoor Haddad,noor@example.com\n")}
    imported = await _post(client, staff, "/imports", files=upload)
    await _recording(client, staff, found["interview_id"])
    training = (await _get(client, await world.headers("interviewer"), "/training"))["data"]
    questions = (await _get(client, admin, "/intake-questions"))["data"]
    clients = (await _get(client, admin, "/api-clients"))["data"]
    found.update(
        comment_id=comment["id"],
        exercise_id=exercise["id"],
        link_id=link["id"],
        token=link["url"].rsplit("/", 1)[1],
        import_id=imported["id"],
        training_id=training[0]["id"],
        question_id=questions[0]["id"],
        api_client_id=next(c["id"] for c in clients if c["name"] == "Demo ATS integration"),
    )


async def _recording(client: httpx.AsyncClient, staff: dict[str, str], interview_id: str) -> None:
    """A (silent) recording of the interview, with the candidate's consent."""
    url = f"{API}/interviews/{interview_id}"
    consent = await client.post(f"{url}/recording-consent", headers=staff, json=consent_body())
    assert consent.status_code in (201, 409), consent.text
    upload = {"file": ("interview.wav", wav_bytes(), "audio/wav")}
    response = await client.post(f"{url}/recording", headers=staff, files=upload)
    assert response.status_code == 201, response.text


async def discover(client: httpx.AsyncClient, world: World) -> World:
    """Fill in a value for every path parameter the API uses."""
    found = await _interview_ids(client, world)
    await _staff_ids(client, world, found)
    candidate = await _get(
        client, await world.headers("admin"), f"/candidates/{found['candidate_id']}"
    )
    external = (candidate["external_ids"] or [{"source": "greenhouse", "external_id": "c-1"}])[0]
    found.update(
        user_id=str(world.users["hiring_manager"]),
        revision="1",
        version="1",
        source=external["source"],
        external_id=external["external_id"],
    )
    datasets = await _get(client, await world.headers("admin"), "/market/datasets")
    found.update(
        soc_code="15-1252",
        dataset_id=next(d["id"] for d in datasets["data"] if d["builtin"]),
    )
    found.update(await _webhook_ids(world))
    world.path = found
    world.for_writes = await _spare_objects(world)
    return world


async def _webhook_ids(world: World) -> dict[str, str]:
    """A subscription (to a local address, allow-listed for it), one queued delivery, and a
    notification for the interviewer."""
    settings = world.runtime.settings.model_copy(update={"webhook_allowed_hosts": ["127.0.0.1"]})
    admin = Principal(user_id=world.users["admin"], role=Role.ADMIN)
    body = WebhookCreate.model_validate(
        {"url": "http://127.0.0.1:9/contract", "event_types": ["intake.*"]}
    )
    async with world.runtime.db.unit_of_work(write=True) as session:
        subscription, _secret = await subscriptions.create(session, settings, admin, body)
        delivery = await recovery.ping(session, admin, subscription.id)
        note = Notification(
            user_id=world.users["interviewer"],
            kind="evaluation.reminder",
            title="Your scorecard is due",
            body="Submit your scorecard for the technical interview.",
            subject_type="evaluation",
            subject_id=subscription.id,
        )
        session.add(note)
    return {
        "webhook_id": str(subscription.id),
        "delivery_id": str(delivery.id),
        "notification_id": str(note.id),
    }
