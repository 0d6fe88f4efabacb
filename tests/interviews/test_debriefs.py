"""Debriefs and decisions: the panel's evaluations of one application put together (ratings per
competency, recommendation tally, disagreements, missing and late scorecards), who may see
them (the independence rule), and the decision that moves the application.

Everything goes through the API: interviews are scheduled, scorecards saved and submitted
as the interviewers would, with a manual clock for due times.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import event, func, select

from app.core.roles import Role
from app.models.base import table_of
from app.models.candidates import StageChange
from app.models.interviews import ApplicationDecision
from app.platform.runtime import Runtime
from app.schemas.evaluations import DebriefRead, DecisionRead
from tests.support.candidates import new_candidate, subject_events
from tests.support.harness import Actor, MakeApiKey, MakeUser, ManualClock
from tests.support.intakes import act, intake_body
from tests.support.pipeline import APPLICATIONS, INTAKES, apply, competency, history
from tests.support.plans import agree, new_plan

INTERVIEWS = "/api/v1/interviews"
EVALUATIONS = "/api/v1/evaluations"
PROBLEM = "application/problem+json"


@dataclass
class Setting:
    """An agreed intake with a three-stage plan (screen, technical, final), its people, and
    one application in the pipeline."""

    recruiter: Actor
    manager: Actor
    coordinator: Actor
    interviewers: list[Actor]
    trainee: Actor
    bystander: Actor  # on the team as an interviewer, never on a panel
    guest: Actor  # in the stage pools, not on the team
    intake_id: str
    stage_ids: list[str]
    competencies: dict[str, str]
    application_id: str


async def setting(
    client: httpx.AsyncClient, make_user: MakeUser, *, shadows_evaluate: bool = True
) -> Setting:
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    coordinator = await make_user(Role.RECRUITER)
    interviewers = [await make_user(Role.INTERVIEWER) for _ in range(3)]
    trainee = await make_user(Role.INTERVIEWER)
    bystander = await make_user(Role.HIRING_MANAGER)
    guest = await make_user(Role.HIRING_MANAGER)  # another team's HM who helps interview
    team = [
        {"user_id": str(coordinator.id), "team_role": "coordinator"},
        {"user_id": str(bystander.id), "team_role": "interviewer"},
    ] + [{"user_id": str(p.id), "team_role": "interviewer"} for p in (*interviewers, trainee)]
    created = await act(
        client,
        recruiter,
        "POST",
        INTAKES,
        json=intake_body(None, manager, team=team, feedback_sla_hours=24),
    )
    assert created.status_code == 201, created.text
    intake_id = created.json()["id"]
    suffix = intake_id[-6:]
    names = ("Communication", "Design", "Craft", "Ownership")
    ids = {n: await competency(client, recruiter, f"{n} {suffix}", f"{n} at work") for n in names}
    pool = [str(p.id) for p in (*interviewers, trainee, manager, guest)]

    def stage(name: str, kind: str, competencies: list[str]) -> dict[str, Any]:
        return {
            "name": name,
            "kind": kind,
            "duration_minutes": 60,
            "competency_ids": [ids[c] for c in competencies],
            "questions": [],
            "interviewer_pool": pool,
        }

    plan = await new_plan(
        client,
        recruiter,
        [
            stage("Screen", "screen", ["Communication"]),
            stage("Technical", "technical", ["Design", "Craft"]),
            stage("Final", "hiring_manager", ["Ownership"]),
        ],
        name="Debrief loop",
        intake_id=intake_id,
        shadows_evaluate=shadows_evaluate,
    )
    await agree(client, recruiter, manager, intake_id)
    person = await new_candidate(client, recruiter, "Ada Lovelace")
    application = await apply(client, recruiter, person["id"], intake_id)
    return Setting(
        recruiter=recruiter,
        manager=manager,
        coordinator=coordinator,
        interviewers=interviewers,
        trainee=trainee,
        bystander=bystander,
        guest=guest,
        intake_id=intake_id,
        stage_ids=[s["id"] for s in plan["stages"]],
        competencies=ids,
        application_id=application["id"],
    )


async def interview(
    client: httpx.AsyncClient,
    s: Setting,
    stage: int,
    panel: list[tuple[Actor, str]],
    starts_at: datetime,
    application_id: str | None = None,
) -> dict[str, str]:
    """Schedule a one-hour interview; returns {interviewer id: evaluation id}, plus `id`. The
    first person leads unless someone else does (nobody is qualified: an override)."""
    if all(role != "lead" for _, role in panel):
        panel = [(panel[0][0], "lead"), *panel[1:]]
    response = await act(
        client,
        s.recruiter,
        "POST",
        INTERVIEWS,
        json={
            "application_id": application_id or s.application_id,
            "stage_id": s.stage_ids[stage],
            "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + timedelta(hours=1)).isoformat(),
            "interviewers": [{"user_id": str(p.id), "role": role} for p, role in panel],
            "override_reason": "A new loop: nobody is qualified for it yet.",
        },
    )
    assert response.status_code == 201, response.text
    interview_id = response.json()["id"]
    listed = await act(
        client, s.recruiter, "GET", EVALUATIONS, params={"interview_id": interview_id}
    )
    assert listed.status_code == 200, listed.text
    return {"id": interview_id} | {e["interviewer_id"]: e["id"] for e in listed.json()["data"]}


async def scorecard(
    client: httpx.AsyncClient,
    s: Setting,
    actor: Actor,
    evaluation_id: str,
    ratings: dict[str, int | None],
    recommendation: str,
    *,
    submit: bool = True,
) -> None:
    """Save the actor's scorecard (None: not assessed) and, unless told otherwise, submit it."""
    url = f"{EVALUATIONS}/{evaluation_id}"
    etag = (await act(client, actor, "GET", url)).headers["etag"]
    body = {
        "ratings": [
            {"competency_id": s.competencies[name], "rating": rating}
            if rating is not None
            else {"competency_id": s.competencies[name], "not_assessed": True}
            for name, rating in ratings.items()
        ],
        "recommendation": recommendation,
        "summary": "Evidence in the notes.",
    }
    saved = await act(client, actor, "PATCH", url, headers={"If-Match": etag}, json=body)
    assert saved.status_code == 200, saved.text
    if submit:
        submitted = await act(client, actor, "POST", f"{url}/submit")
        assert submitted.status_code == 200, submitted.text


async def debrief(
    client: httpx.AsyncClient, actor: Actor | dict[str, str], application_id: str
) -> httpx.Response:
    url = f"{APPLICATIONS}/{application_id}/debrief"
    if isinstance(actor, dict):
        return await client.get(url, headers=actor)
    return await act(client, actor, "GET", url)


async def decide(
    client: httpx.AsyncClient, actor: Actor | dict[str, str], application_id: str, **body: Any
) -> httpx.Response:
    """Decide on the stage the application is at, as a client would after reading it."""
    url = f"{APPLICATIONS}/{application_id}/decide"
    headers = actor if isinstance(actor, dict) else actor.headers
    if "from_stage" not in body:
        read = await client.get(f"{APPLICATIONS}/{application_id}", headers=headers)
        if read.status_code == 200:
            body["from_stage"] = read.json()["stage"]
    return await client.post(url, headers=headers, json=body)


async def count_decisions(runtime: Runtime) -> int:
    async with runtime.db.engine.connect() as conn:
        query = select(func.count()).select_from(table_of(ApplicationDecision))
        return int((await conn.execute(query)).scalar_one())


async def count_moves(runtime: Runtime) -> int:
    async with runtime.db.engine.connect() as conn:
        return int(
            (
                await conn.execute(select(func.count()).select_from(table_of(StageChange)))
            ).scalar_one()
        )


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --- The debrief -----------------------------------------------------------------------------


async def test_the_debrief_puts_the_panels_evidence_together(
    client, make_user: MakeUser, manual_clock: ManualClock
):
    s = await setting(client, make_user)
    first, second, third = s.interviewers
    now = manual_clock.now
    screen = await interview(client, s, 0, [(third, "interviewer")], now - timedelta(hours=10))
    technical = await interview(
        client,
        s,
        1,
        [(p, "interviewer") for p in (first, second, third)] + [(s.trainee, "shadow")],
        now - timedelta(hours=5),
    )
    final = await interview(client, s, 2, [(s.manager, "interviewer")], now - timedelta(hours=3))
    upcoming = await interview(client, s, 2, [(first, "interviewer")], now + timedelta(hours=48))
    dropped = await interview(client, s, 1, [(second, "interviewer")], now + timedelta(hours=30))
    cancelled = await act(
        client, s.recruiter, "POST", f"{INTERVIEWS}/{dropped['id']}/cancel", json={"reason": "Ill"}
    )
    assert cancelled.status_code == 200, cancelled.text

    await scorecard(client, s, third, screen[str(third.id)], {"Communication": 3}, "yes")
    tech = {p.id: technical[str(p.id)] for p in (first, second, third, s.trainee)}
    await scorecard(client, s, first, tech[first.id], {"Design": 4, "Craft": 3}, "strong_yes")
    await scorecard(client, s, second, tech[second.id], {"Design": 2, "Craft": None}, "strong_no")
    # The trainee's scorecard is listed but never counted.
    await scorecard(client, s, s.trainee, tech[s.trainee.id], {"Design": 1, "Craft": 1}, "no")
    # A draft says nothing to anyone but its author.
    await scorecard(
        client, s, s.manager, final[str(s.manager.id)], {"Ownership": 1}, "no", submit=False
    )
    manual_clock.advance(25 * 3600)  # past the technical interview's 24 h SLA
    await scorecard(client, s, third, tech[third.id], {"Design": 2, "Craft": 4}, "yes")

    response = await debrief(client, s.recruiter, s.application_id)
    assert response.status_code == 200, response.text
    body = response.json()
    DebriefRead.model_validate(body)
    assert (body["application_id"], body["intake_id"]) == (s.application_id, s.intake_id)
    assert (body["stage"], body["status"]) == ("applied", "active")

    # Competencies in plan stage order; only submitted scorecards of leads and interviewers.
    summary = {c["name"].split()[0]: c for c in body["competencies"]}
    assert list(summary) == ["Communication", "Design", "Craft"]
    facts = {
        name: (c["count"], c["mean"], c["spread"], c["not_assessed"], c["disagreement"])
        for name, c in summary.items()
    }
    assert facts == {
        "Communication": (1, 3.0, 0, 0, False),
        "Design": (3, 2.67, 2, 0, True),
        "Craft": (2, 3.5, 1, 1, False),
    }
    assert sorted(
        (r["interviewer_id"], r["rating"], r["not_assessed"]) for r in summary["Craft"]["ratings"]
    ) == sorted(
        [(str(first.id), 3, False), (str(second.id), None, True), (str(third.id), 4, False)]
    )
    assert {r["evaluation_id"] for r in summary["Design"]["ratings"]} == {
        tech[first.id],
        tech[second.id],
        tech[third.id],
    }
    assert body["recommendations"] == {"strong_no": 1, "no": 0, "yes": 2, "strong_yes": 1}

    flags = {f["kind"]: f for f in body["disagreements"]}
    assert set(flags) == {"competency_spread", "split_recommendation"}
    spread = flags["competency_spread"]
    assert (spread["competency_id"], spread["min_rating"], spread["max_rating"]) == (
        s.competencies["Design"],
        2,
        4,
    )
    assert spread["spread"] == 2
    assert flags["split_recommendation"]["recommendations"] == body["recommendations"]

    listed = {e["evaluation_id"]: e for e in body["evaluations"]}
    assert set(listed) == {
        screen[str(third.id)],
        *tech.values(),
        final[str(s.manager.id)],
        upcoming[str(first.id)],
    }  # the cancelled interview's evaluation is left out
    trainee = listed[tech[s.trainee.id]]
    assert (trainee["panel_role"], trainee["counts_toward_decision"]) == ("shadow", False)
    assert trainee["recommendation"] == "no"
    draft = listed[final[str(s.manager.id)]]
    assert (draft["status"], draft["recommendation"], draft["overdue"]) == ("draft", None, True)
    assert listed[upcoming[str(first.id)]]["status"] == "pending"
    assert listed[upcoming[str(first.id)]]["overdue"] is False

    # Missing: unsubmitted scorecards of interviews that have ended (not the upcoming one).
    assert [e["evaluation_id"] for e in body["missing"]] == [final[str(s.manager.id)]]
    assert [e["evaluation_id"] for e in body["late"]] == [tech[third.id]]
    assert body["late"][0]["on_time"] is False
    assert (body["decision"], body["decisions"]) == (None, [])


async def test_no_evaluations_is_an_empty_debrief(client, make_user: MakeUser):
    s = await setting(client, make_user)
    response = await debrief(client, s.manager, s.application_id)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["competencies"] == body["disagreements"] == body["evaluations"] == []
    assert body["recommendations"] == {"strong_no": 0, "no": 0, "yes": 0, "strong_yes": 0}


async def test_a_split_without_strong_views_is_no_disagreement(
    client, make_user: MakeUser, manual_clock: ManualClock
):
    """`yes` against `no` is an ordinary debrief; a strong view against the other side is a flag."""
    s = await setting(client, make_user, shadows_evaluate=False)
    first, second, _ = s.interviewers
    panel = [(first, "interviewer"), (second, "interviewer")]
    ids = await interview(client, s, 1, panel, manual_clock.now - timedelta(hours=2))
    await scorecard(client, s, first, ids[str(first.id)], {"Design": 3, "Craft": 2}, "yes")
    await scorecard(client, s, second, ids[str(second.id)], {"Design": 2, "Craft": 3}, "no")
    body = (await debrief(client, s.coordinator, s.application_id)).json()
    assert body["disagreements"] == []
    assert body["recommendations"] == {"strong_no": 0, "no": 1, "yes": 1, "strong_yes": 0}

    other = await new_candidate(client, s.recruiter, "Grace Hopper")
    second_app = (await apply(client, s.recruiter, other["id"], s.intake_id))["id"]
    ids = await interview(
        client, s, 1, panel, manual_clock.now + timedelta(hours=3), application_id=second_app
    )
    await scorecard(client, s, first, ids[str(first.id)], {"Design": 4, "Craft": 4}, "strong_yes")
    await scorecard(client, s, second, ids[str(second.id)], {"Design": 3, "Craft": 3}, "no")
    body = (await debrief(client, s.coordinator, second_app)).json()
    assert [f["kind"] for f in body["disagreements"]] == ["split_recommendation"]


async def test_the_debrief_costs_the_same_queries_for_one_or_many_evaluations(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    """No query per evaluation or decision: a bigger panel is the same statements."""
    s = await setting(client, make_user)
    small_app = s.application_id
    other = await new_candidate(client, s.recruiter, "Grace Hopper")
    big_app = (await apply(client, s.recruiter, other["id"], s.intake_id))["id"]
    start = manual_clock.now - timedelta(hours=30)
    lone = s.interviewers[0]
    one = await interview(client, s, 1, [(lone, "interviewer")], start)
    await scorecard(client, s, lone, one[str(lone.id)], {"Design": 3, "Craft": 3}, "yes")
    asked: list[dict[str, int | None]] = [
        {"Communication": 3},
        {"Design": 3, "Craft": 2},
        {"Ownership": 4},
    ]
    for stage, ratings in enumerate(asked):
        panel = [(p, "interviewer") for p in s.interviewers] + [(s.trainee, "shadow")]
        ids = await interview(
            client, s, stage, panel, start + timedelta(hours=2 + 2 * stage), application_id=big_app
        )
        for person in (*s.interviewers, s.trainee):
            await scorecard(client, s, person, ids[str(person.id)], ratings, "no")
    for decision in ("advance", "advance"):
        await decide(client, s.manager, big_app, decision=decision, rationale="Next")

    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = runtime.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        counts = []
        for application_id in (small_app, big_app):
            statements.clear()
            response = await debrief(client, s.manager, application_id)
            assert response.status_code == 200, response.text
            # Only this feature's statements (sign-in checks may hit a cache or not).
            counts.append(
                len([q for q in statements if "evaluations" in q or "application_decisions" in q])
            )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    big = (await debrief(client, s.manager, big_app)).json()
    assert (len(big["evaluations"]), len(big["competencies"]), len(big["decisions"])) == (12, 4, 2)
    assert counts[0] == counts[1] >= 2


# --- Who sees it -----------------------------------------------------------------------------


async def test_interviewers_see_the_debrief_only_after_submitting_their_own(
    client, make_user: MakeUser, manual_clock: ManualClock
):
    s = await setting(client, make_user)
    first, second, _ = s.interviewers
    ids = await interview(
        client,
        s,
        1,
        [(first, "interviewer"), (s.guest, "interviewer")],
        manual_clock.now - timedelta(hours=2),
    )
    admin = await make_user(Role.ADMIN)
    for actor in (s.recruiter, s.manager, s.coordinator, admin):
        response = await debrief(client, actor, s.application_id)
        assert response.status_code == 200, (actor.user.role, response.text)

    # On the panel (on the team or not): 403 until their own scorecard is in.
    for actor in (first, s.guest):
        refused = await debrief(client, actor, s.application_id)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith(PROBLEM)
        assert "submit your own evaluation" in refused.json()["detail"].lower()
    await scorecard(
        client, s, first, ids[str(first.id)], {"Design": 3, "Craft": 3}, "yes", submit=False
    )
    assert (
        await debrief(client, first, s.application_id)
    ).status_code == 403  # a draft is not enough
    await act(client, first, "POST", f"{EVALUATIONS}/{ids[str(first.id)]}/submit")
    opened = await debrief(client, first, s.application_id)
    assert opened.status_code == 200, opened.text
    assert opened.json()["recommendations"]["yes"] == 1
    await scorecard(client, s, s.guest, ids[str(s.guest.id)], {"Design": 2, "Craft": 2}, "no")
    assert (await debrief(client, s.guest, s.application_id)).status_code == 200

    # On the team but on no panel: 403; off the team and the panel: 404, like any object.
    for actor in (second, s.bystander):
        assert (await debrief(client, actor, s.application_id)).status_code == 403
    for role in (Role.RECRUITER, Role.HIRING_MANAGER, Role.INTERVIEWER):
        outsider = await make_user(role)
        hidden = await debrief(client, outsider, s.application_id)
        assert hidden.status_code == 404, (role, hidden.text)
        assert hidden.headers["content-type"].startswith(PROBLEM)
    unknown = await debrief(client, s.recruiter, str(uuid.uuid4()))
    assert unknown.status_code == 404
    assert (
        await client.get(f"{APPLICATIONS}/not-a-uuid/debrief", headers=s.recruiter.headers)
    ).status_code == 422


# --- Deciding --------------------------------------------------------------------------------


async def test_decisions_move_the_application_and_keep_a_history(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    s = await setting(client, make_user)
    screen, _technical, final = s.stage_ids
    app_id = s.application_id

    advanced = await decide(client, s.manager, app_id, decision="advance", rationale="Good screen")
    assert advanced.status_code == 201, advanced.text
    first = advanced.json()
    DecisionRead.model_validate(first)
    assert (first["decision"], first["from_stage"], first["to_stage"]) == (
        "advance",
        "applied",
        screen,
    )
    assert (first["decided_by_id"], first["decided_by_api_client_id"]) == (str(s.manager.id), None)
    assert at(first["decided_at"]) == manual_clock.now
    assert first["rationale"] == "Good screen"
    assert first["reason_code"] is None

    manual_clock.advance(3600)
    skipped = await decide(
        client, s.coordinator, app_id, decision="advance", rationale="Skip to final", stage=final
    )
    assert skipped.status_code == 201, skipped.text
    assert (skipped.json()["from_stage"], skipped.json()["to_stage"]) == (screen, final)
    rows = await history(client, s.recruiter, app_id)
    assert [(r["from_stage"], r["to_stage"]) for r in rows[-2:]] == [
        ("applied", screen),
        (screen, final),
    ]
    assert rows[-1]["by_user_id"] == str(s.coordinator.id)
    assert rows[-1]["reason"] == "Skip to final"

    # At the last stage there is no next one: hire, or name a stage.
    last = await decide(client, s.manager, app_id, decision="advance", rationale="More")
    assert last.status_code == 422, last.text
    assert [e["location"] for e in last.json()["errors"]] == ["body.stage"]

    manual_clock.advance(3600)
    hired = await decide(client, s.manager, app_id, decision="hire", rationale="Unanimous")
    assert hired.status_code == 201, hired.text
    assert (hired.json()["from_stage"], hired.json()["to_stage"]) == (final, "hired")
    application = (await act(client, s.recruiter, "GET", f"{APPLICATIONS}/{app_id}")).json()
    assert (application["status"], application["stage"]) == ("hired", "hired")

    events = await subject_events(runtime, app_id)
    decided = [p for t, p in events if t == "debrief.decided"]
    assert [(p["decision"], p["from"], p["to"]) for p in decided] == [
        ("advance", "applied", screen),
        ("advance", screen, final),
        ("hire", final, "hired"),
    ]
    assert decided[0]["decided_by"] == str(s.manager.id)
    assert decided[1]["decided_by"] == str(s.coordinator.id)
    assert [t for t, _ in events][-3:] == [
        "application.stage_changed",
        "application.hired",
        "debrief.decided",
    ]

    body = (await debrief(client, s.recruiter, app_id)).json()
    assert [d["id"] for d in body["decisions"]] == [
        first["id"],
        skipped.json()["id"],
        hired.json()["id"],
    ]
    assert body["decision"]["id"] == hired.json()["id"]
    assert (body["stage"], body["status"]) == ("hired", "hired")

    # Closed is closed: 409, nothing written.
    before = (await count_decisions(runtime), await count_moves(runtime))
    again = await decide(client, s.manager, app_id, decision="reject", rationale="Changed mind")
    assert again.status_code == 409, again.text
    assert again.json()["current_status"] == "hired"
    assert (await count_decisions(runtime), await count_moves(runtime)) == before


async def test_reject_records_the_reason_code(client, make_user: MakeUser, runtime: Runtime):
    s = await setting(client, make_user)
    other = await new_candidate(client, s.recruiter, "Grace Hopper")
    second = (await apply(client, s.recruiter, other["id"], s.intake_id, stage="hm_review"))["id"]

    rejected = await decide(client, s.manager, s.application_id, decision="reject", rationale="No")
    assert rejected.status_code == 201, rejected.text
    assert (rejected.json()["to_stage"], rejected.json()["reason_code"]) == (
        "rejected",
        "not_qualified",
    )
    application = (
        await act(client, s.recruiter, "GET", f"{APPLICATIONS}/{s.application_id}")
    ).json()
    assert (application["status"], application["reason_code"], application["reason_note"]) == (
        "rejected",
        "not_qualified",
        "No",
    )

    # From a review stage, advancing goes to the plan's first stage (and is the HM's review).
    advanced = await decide(client, s.manager, second, decision="advance", rationale="Yes")
    assert advanced.json()["to_stage"] == s.stage_ids[0]
    reviewed = (await act(client, s.recruiter, "GET", f"{APPLICATIONS}/{second}")).json()
    assert at(reviewed["hm_reviewed_at"]) == at(advanced.json()["decided_at"])
    paid = await decide(
        client,
        s.coordinator,
        second,
        decision="reject",
        rationale="Wants far more",
        reason_code="pay_mismatch",
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["reason_code"] == "pay_mismatch"
    events = await subject_events(runtime, second)
    assert [t for t, _ in events][-3:] == [
        "application.stage_changed",
        "application.rejected",
        "debrief.decided",
    ]
    assert events[-2][1]["reason_code"] == "pay_mismatch"


async def test_bad_decisions_are_4xx_problems_and_write_nothing(
    client, make_user: MakeUser, runtime: Runtime
):
    s = await setting(client, make_user)
    other = await setting(client, make_user, shadows_evaluate=False)
    app_id = s.application_id
    screen, technical, _final = s.stage_ids
    moved = await act(
        client, s.recruiter, "POST", f"{APPLICATIONS}/{app_id}/move", json={"stage": technical}
    )
    assert moved.status_code == 200, moved.text
    before = (await count_decisions(runtime), await count_moves(runtime))

    cases: list[tuple[dict[str, Any], str | None]] = [
        ({"decision": "advance", "rationale": "x", "stage": "onsite"}, "body.stage"),
        ({"decision": "advance", "rationale": "x", "stage": "shortlisted"}, "body.stage"),
        ({"decision": "advance", "rationale": "x", "stage": other.stage_ids[2]}, "body.stage"),
        ({"decision": "advance", "rationale": "x", "stage": screen}, "body.stage"),  # backwards
        ({"decision": "advance", "rationale": "x", "stage": technical}, "body.stage"),  # same
        ({"decision": "reject", "rationale": "x", "stage": screen}, "body.stage"),
        ({"decision": "hire", "rationale": "x", "reason_code": "other"}, "body.reason_code"),
        ({"decision": "reject", "rationale": "x", "reason_code": "too_tall"}, "body.reason_code"),
        ({"decision": "promote", "rationale": "x"}, "body.decision"),
        ({"decision": "hire"}, "body.rationale"),
        ({"decision": "hire", "rationale": "   "}, "body.rationale"),
        ({"decision": "hire", "rationale": "x", "extra": 1}, "body.extra"),
        ({"decision": "hire", "rationale": "x" * 2001}, "body.rationale"),
    ]
    for body, location in cases:
        response = await decide(client, s.manager, app_id, **body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
        assert location in [e["location"] for e in response.json()["errors"]], (body, response.text)
    not_json = await client.post(
        f"{APPLICATIONS}/{app_id}/decide",
        headers={**s.manager.headers, "Content-Type": "application/json"},
        content=b"{not json",
    )
    assert 400 <= not_json.status_code < 500

    # Who may not decide: the panel (on the team or not) and team interviewers 403, others 404.
    await interview(client, s, 1, [(s.guest, "interviewer")], datetime.now(UTC), app_id)
    for actor in (s.interviewers[0], s.bystander, s.guest):
        refused = await decide(client, actor, app_id, decision="hire", rationale="Me")
        assert refused.status_code == 403, refused.text
    for role in (Role.RECRUITER, Role.HIRING_MANAGER):
        outsider = await make_user(role)
        hidden = await decide(client, outsider, app_id, decision="hire", rationale="Me")
        assert hidden.status_code == 404, (role, hidden.text)
    unknown = await decide(client, s.manager, str(uuid.uuid4()), decision="hire", rationale="x")
    assert unknown.status_code == 404
    assert (await count_decisions(runtime), await count_moves(runtime)) == before
    application = (await act(client, s.recruiter, "GET", f"{APPLICATIONS}/{app_id}")).json()
    assert (application["stage"], application["status"]) == (technical, "active")


async def test_without_a_plan_there_is_nowhere_to_advance(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    created = await act(client, recruiter, "POST", INTAKES, json=intake_body(None, manager))
    intake_id = created.json()["id"]
    await agree(client, recruiter, manager, intake_id)
    person = await new_candidate(client, recruiter)
    application = await apply(client, recruiter, person["id"], intake_id)
    response = await decide(client, manager, application["id"], decision="advance", rationale="x")
    assert response.status_code == 422, response.text
    hired = await decide(client, manager, application["id"], decision="hire", rationale="x")
    assert hired.status_code == 201, hired.text


async def test_api_keys_read_with_evaluations_scope_and_decide_with_applications_write(
    client, make_user: MakeUser, make_api_key: MakeApiKey, runtime: Runtime
):
    s = await setting(client, make_user)
    reader = await make_api_key("evaluations:read")
    applications_only = await make_api_key("applications:read", "applications:write")
    writer = await make_api_key("applications:write")
    acting = await make_api_key("applications:write", "evaluations:read", "on_behalf_of")

    assert (await debrief(client, reader.headers(), s.application_id)).status_code == 200
    refused = await debrief(client, applications_only.headers(), s.application_id)
    assert refused.status_code == 403
    assert (
        await decide(client, reader.headers(), s.application_id, decision="advance", rationale="x")
    ).status_code == 403

    decided = await decide(
        client, writer.headers(), s.application_id, decision="advance", rationale="From the ATS"
    )
    assert decided.status_code == 201, decided.text
    assert (decided.json()["decided_by_id"], decided.json()["decided_by_api_client_id"]) == (
        None,
        str(writer.id),
    )
    rows = await history(client, s.recruiter, s.application_id)
    assert (rows[-1]["by_user_id"], rows[-1]["by_api_client_id"]) == (None, str(writer.id))
    decided_event = [
        p for t, p in await subject_events(runtime, s.application_id) if t == "debrief.decided"
    ]
    assert decided_event[-1]["decided_by_api_client_id"] == str(writer.id)

    # Acting for a person, the key has that person's rights and names them.
    as_manager = acting.headers(on_behalf_of=s.manager.id)
    assert (await debrief(client, as_manager, s.application_id)).status_code == 200
    for_manager = await decide(
        client, as_manager, s.application_id, decision="advance", rationale="HM"
    )
    assert for_manager.status_code == 201, for_manager.text
    assert (
        for_manager.json()["decided_by_id"],
        for_manager.json()["decided_by_api_client_id"],
    ) == (
        str(s.manager.id),
        str(acting.id),
    )
    as_interviewer = acting.headers(on_behalf_of=s.interviewers[0].id)
    assert (await debrief(client, as_interviewer, s.application_id)).status_code == 403


async def test_a_retried_decision_is_recorded_once(client, make_user: MakeUser, runtime: Runtime):
    s = await setting(client, make_user)
    headers = {**s.manager.headers, "Idempotency-Key": "decide-1"}
    url = f"{APPLICATIONS}/{s.application_id}/decide"
    body = {"decision": "advance", "rationale": "Good", "from_stage": "applied"}
    first = await client.post(url, headers=headers, json=body)
    assert first.status_code == 201, first.text
    again = await client.post(url, headers=headers, json=body)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert await count_decisions(runtime) == 1
