"""What each kind of notification says, and the e-mail made from it (plain text and HTML)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html.j2"]),
    keep_trailing_newline=True,
)


@dataclass(frozen=True, slots=True)
class Kind:
    title: str
    body: str  # str.format with the intent's payload
    link: str | None  # str.format with the payload and `subject_id`


KINDS: dict[str, Kind] = {
    "evaluation.reminder": Kind(
        "Your scorecard is due",
        "Please submit your evaluation of the interview; it is due at {due_at}.",
        "/api/v1/evaluations/{evaluation_id}",
    ),
    "evaluation.daily_reminder": Kind(
        "Your scorecard is still waiting",
        "Your evaluation of the interview is not submitted yet; it is due at {due_at}.",
        "/api/v1/evaluations/{evaluation_id}",
    ),
    "evaluation.overdue": Kind(
        "Your scorecard is overdue",
        "Your evaluation of the interview was due at {due_at}. Please submit it now.",
        "/api/v1/evaluations/{evaluation_id}",
    ),
    "evaluation.escalated": Kind(
        "A scorecard on your hiring team is overdue",
        "An interviewer's evaluation was due at {due_at} and is still not submitted.",
        "/api/v1/evaluations/{evaluation_id}",
    ),
    "hm_review.due": Kind(
        "A shortlisted candidate is waiting for your review",
        "Your review of this shortlisted candidate was due at {due_at}.",
        "/api/v1/applications/{subject_id}",
    ),
    "intake.shortlist_due": Kind(
        "A shortlist is due soon",
        "The shortlist for {title} is due on {due_date}.",
        "/api/v1/intakes/{subject_id}",
    ),
    "intake.shortlist_overdue": Kind(
        "A shortlist is overdue",
        "The shortlist for {title} was due on {due_date}.",
        "/api/v1/intakes/{subject_id}",
    ),
    "intake.sign_off_waiting": Kind(
        "An intake is waiting for your sign-off",
        "Revision {revision} of {title} has waited for your sign-off for more than 2 days.",
        "/api/v1/intakes/{subject_id}",
    ),
    "intake.digest": Kind(
        "Pipeline digest: {title}",
        "The last {days} days: {new_candidates} new candidates, {stage_moves} stage moves. "
        "Waiting: {pending_reviews} hiring-manager reviews ({overdue_reviews} overdue) and "
        "{pending_evaluations} scorecards ({overdue_evaluations} overdue). Open for {days_open} "
        "days; target fill date {target_fill_date}.",
        "/api/v1/intakes/{subject_id}",
    ),
    "webhook.disabled": Kind(
        "A webhook subscription was disabled",
        "Deliveries to {url} were stopped ({reason}). Fix the receiver, then enable it again.",
        "/api/v1/webhooks/{subject_id}",
    ),
}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def render(kind: str, payload: Mapping[str, Any], subject_id: str) -> tuple[str, str, str | None]:
    """(title, body, link) of a notification."""
    spec = KINDS.get(kind, Kind(kind.replace("_", " ").replace(".", ": "), "", None))
    values = _Blank({**payload, "subject_id": subject_id})
    link = spec.link.format_map(values) if spec.link else None
    return spec.title, spec.body.format_map(values), link


def email(
    *, sender: str, to: str, name: str, title: str, body: str, link: str | None
) -> EmailMessage:
    """The e-mail of one notification: plain text with an HTML alternative."""
    context = {"name": name, "title": title, "body": body, "link": link}
    message = EmailMessage()
    message["Subject"] = title
    message["From"] = sender
    message["To"] = to
    message.set_content(_env.get_template("notification.txt.j2").render(context))
    message.add_alternative(
        _env.get_template("notification.html.j2").render(context), subtype="html"
    )
    return message
