"""A candidate through an intake's pipeline: shortlist, HM review, briefing, share, hire."""

from __future__ import annotations

import re

from app.core.roles import Role
from app.platform.runtime import Runtime
from app.worker import Worker
from tests.support.harness import MakeUser
from tests.support.intakes import act, agreed_intake


async def test_candidate_pipeline_briefing_and_import(
    client, make_user: MakeUser, runtime: Runtime
):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    url = await agreed_intake(client, recruiter, manager)
    intake_id = url.rsplit("/", 1)[1]
    etag = (
        await act(
            client,
            manager,
            "PUT",
            f"/api/v1/users/{manager.id}/hm-profile",
            headers={"If-Match": '"0"'},
            json={
                "headline": "Leads Payments",
                "bio": "Twelve years in payments.",
                "internal_notes": "SECRET NOTE",
            },
        )
    ).headers["etag"]
    assert etag

    created = await act(
        client,
        recruiter,
        "POST",
        "/api/v1/candidates",
        json={
            "full_name": "Sam Okafor",
            "email": "Sam.Okafor@Example.com",
            "phone": "+31 20 123 4567",
            "pay_expectation_amount": 90000,
            "pay_expectation_currency": "EUR",
        },
    )
    assert created.status_code == 201, created.text
    candidate = created.json()
    assert (candidate["email"], candidate["phone"]) == ("sam.okafor@example.com", "+31201234567")
    duplicate = await act(
        client,
        recruiter,
        "POST",
        "/api/v1/candidates",
        json={"full_name": "Sam O.", "email": "SAM.OKAFOR@example.com"},
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["existing_id"] == candidate["id"]

    application = await act(
        client,
        recruiter,
        "POST",
        "/api/v1/applications",
        json={"candidate_id": candidate["id"], "intake_id": intake_id},
    )
    assert application.status_code == 201, application.text
    app_url = f"/api/v1/applications/{application.json()['id']}"
    shortlisted = await act(
        client, recruiter, "POST", f"{app_url}/move", json={"stage": "shortlisted"}
    )
    assert shortlisted.json()["hm_review_due_at"] is not None
    queue = await act(client, manager, "GET", "/api/v1/me/review-queue")
    assert [a["id"] for a in queue.json()["data"]] == [application.json()["id"]]
    rejected = await act(
        client,
        manager,
        "POST",
        f"{app_url}/hm-review",
        json={"decision": "reject", "reason_code": "not_qualified"},
    )
    assert rejected.json()["status"] == "rejected", rejected.text
    history = await act(client, recruiter, "GET", f"{app_url}/history")
    assert [h["to_stage"] for h in history.json()["data"]] == ["applied", "shortlisted", "rejected"]

    # A second application is allowed once the first is closed; the briefing hides internals.
    again = await act(
        client,
        recruiter,
        "POST",
        "/api/v1/applications",
        json={"candidate_id": candidate["id"], "intake_id": intake_id},
    )
    assert again.status_code == 201, again.text
    app_url = f"/api/v1/applications/{again.json()['id']}"
    briefing = await act(client, recruiter, "GET", f"{app_url}/briefing?format=html")
    assert "Leads Payments" in briefing.text
    assert "SECRET NOTE" not in briefing.text
    assert "90000" not in briefing.text
    shared = await act(client, recruiter, "POST", f"{app_url}/briefing/share", json={})
    assert shared.status_code == 201, shared.text
    path = re.sub(r"^https?://[^/]+", "", shared.json()["url"])
    page = await client.get(path)
    assert page.status_code == 200
    assert "Twelve years in payments." in page.text
    tampered = await client.get(path[:-2] + ("AA" if not path.endswith("AA") else "BB"))
    assert tampered.status_code == 404
    links = await act(client, recruiter, "GET", f"{app_url}/briefing/links")
    assert links.json()[0]["view_count"] == 1
    revoked = await act(
        client, recruiter, "POST", f"{app_url}/briefing/links/{links.json()[0]['id']}/revoke"
    )
    assert revoked.json()["revoked_at"] is not None
    assert (await client.get(path)).status_code == 404
    hired = await act(client, recruiter, "POST", f"{app_url}/hire")
    assert hired.json()["status"] == "hired"

    # An import: one good row, one bad; running it again creates nothing.
    csv_text = (
        "Name,Email,Source,ATS,Ext\n"
        "Ada Lovelace,ada@example.com,referral,greenhouse,42\n"
        "No Email Person,not-an-email,referral,greenhouse,43\n"
    )
    mapping = (
        '{"Name": "full_name", "Email": "email", "Source": "source", '
        '"ATS": "external_source", "Ext": "external_id"}'
    )
    outcomes = []
    for _ in range(2):
        upload = await client.post(
            "/api/v1/imports",
            headers=recruiter.headers,
            files={"file": ("people.csv", csv_text.encode(), "text/csv")},
            data={"mapping": mapping, "intake_id": intake_id},
        )
        assert upload.status_code == 202, upload.text
        await Worker(runtime).run_until_idle()
        report = (
            await act(client, recruiter, "GET", f"/api/v1/imports/{upload.json()['id']}")
        ).json()
        assert report["status"] == "completed", report
        assert report["errors"][0]["line"] == 3
        assert report["errors"][0]["errors"][0]["field"] == "email"
        outcomes.append((report["created_count"], report["unchanged_count"], report["error_count"]))
    assert outcomes == [(1, 0, 1), (0, 1, 1)]
    ada = await act(client, recruiter, "GET", "/api/v1/candidates?q=lovelace")
    assert len(ada.json()["data"]) == 1
    assert ada.json()["data"][0]["external_ids"] == [{"source": "greenhouse", "external_id": "42"}]
    applied = await act(
        client,
        recruiter,
        "GET",
        f"/api/v1/applications?intake_id={intake_id}&candidate_id={ada.json()['data'][0]['id']}",
    )
    assert len(applied.json()["data"]) == 1  # applied once, not twice
