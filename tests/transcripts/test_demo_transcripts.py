"""The demo's three transcripts: a good interview, one with low plan coverage and interviewer
monologues, one with prohibited questions; each attached to a held interview with consent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.demo.seed import seed_demo
from app.models.base import table_of
from app.models.transcripts import RecordingConsent, Transcript
from app.platform.runtime import Runtime
from app.services.transcripts.coaching import coverage_ratio
from tests.support.harness import TEST_SECRET


async def demo_transcripts(runtime: Runtime) -> list[Any]:
    async with runtime.db.unit_of_work(write=True) as session:
        await seed_demo(session, TEST_SECRET)
    async with runtime.db.unit_of_work(write=False) as session:
        rows = (
            await session.execute(select(Transcript).order_by(table_of(Transcript).c.created_at))
        ).scalars()
        transcripts = list(rows)
        consents = list((await session.execute(select(RecordingConsent))).scalars())
    assert {c.interview_id for c in consents} == {t.interview_id for t in transcripts}
    return transcripts


async def test_the_three_demo_interviews_read_as_intended(runtime: Runtime):
    good, low, prohibited = await demo_transcripts(runtime)
    for transcript in (good, low, prohibited):
        sides = {s["side"] for s in transcript.speakers}
        assert sides == {"candidate", "interviewer"}, transcript.speakers
    # The good interview asks one planned question per competency in the plan's own words.
    assert coverage_ratio(good.analysis) == 0.5
    assert all(c["covered"] for c in good.analysis["competency_coverage"])
    assert good.analysis["risky_topics"] == []
    assert good.analysis["talk_share"]["candidate"] > 0.7
    assert good.analysis["questions"]["open_share"] >= 0.8

    assert coverage_ratio(low.analysis) == 0.0
    assert not any(c["covered"] for c in low.analysis["competency_coverage"])
    assert low.analysis["talk_share"]["interviewers"] > 0.8
    assert low.analysis["longest_monologue"]["interviewers"]["seconds"] > 120
    assert low.analysis["questions"]["closed"] > low.analysis["questions"]["open"]

    assert [r["category"] for r in prohibited.analysis["risky_topics"]] == [
        "family_status",
        "national_origin",
    ]
