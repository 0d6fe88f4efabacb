"""The demo's competency library reads like a real organisation's: distinct questions and
"listen for" notes per competency, never a template and never a copy of the rubric."""

from __future__ import annotations

import itertools

from app.core.roles import Role
from app.demo.questions import LIBRARY, QUESTIONS
from app.demo.seed import seed_demo
from app.platform.runtime import Runtime
from tests.support.harness import TEST_SECRET, MakeUser
from tests.support.intakes import act
from tests.support.plans import PLANS


def test_every_competency_has_its_own_questions_and_notes():
    assert set(QUESTIONS) == set(LIBRARY)
    texts = [q.text for qs in QUESTIONS.values() for q in qs]
    assert len(texts) == len(set(texts)), "a question appears twice"
    for name, questions in QUESTIONS.items():
        assert len(questions) >= 2, name
        for question in questions:
            # Not a template with the competency's name dropped in.
            assert name.lower() not in question.text.lower(), question.text
            assert question.text.endswith(("?", ".", '."')), question.text
            assert len(question.follow_ups) >= 2
            assert question.good
    notes = [entry.listen_for for entry in LIBRARY.values()]
    assert len(notes) == len(set(notes))
    for name, entry in LIBRARY.items():
        levels = entry.rubric
        assert sorted(levels) == ["1", "2", "3", "4"], name
        assert entry.listen_for not in levels.values(), f"{name}: listen-for copies the rubric"
    rubric_texts = [text for entry in LIBRARY.values() for text in entry.rubric.values()]
    assert len(rubric_texts) == len(set(rubric_texts)), "rubrics are templated"
    for a, b in itertools.combinations(LIBRARY.values(), 2):
        assert a.description != b.description


async def test_demo_kits_carry_the_questions_and_notes_and_templates_are_staffed(
    client, runtime: Runtime, make_user: MakeUser
):
    async with runtime.db.unit_of_work(write=True) as session:
        await seed_demo(session, TEST_SECRET)
    recruiter = await make_user(Role.RECRUITER)
    templates = await act(client, recruiter, "GET", f"{PLANS}?is_template=true")
    assert templates.status_code == 200, templates.text
    seen_questions: set[str] = set()
    for plan in templates.json()["data"]:
        for stage in plan["stages"]:
            assert stage["interviewer_pool"], f"{plan['name']}: {stage['name']} has no pool"
            kit = await act(
                client, recruiter, "GET", f"{PLANS}/{plan['id']}/stages/{stage['id']}/kit"
            )
            assert kit.status_code == 200, kit.text
            body = kit.json()
            for competency in body["competencies"]:
                assert competency["listen_for"] == LIBRARY[competency["name"]].listen_for
                assert competency["listen_for"] not in competency["rubric"].values()
            asked = {q["text"] for q in body["questions"]}
            assert asked == {q.text for c in body["competencies"] for q in QUESTIONS[c["name"]]}
            seen_questions |= asked
    assert len(seen_questions) >= 10
