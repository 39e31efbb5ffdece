"""Information requests: a salesperson asks the applicant for information and documents
while the lead stays open. Pure: the request's fields, when its link expires, when the
applicant is reminded, and the ids the run is told of (never the message or a file's content).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, Field

from domain.request import LINES, Model, checked_text

DocumentKind = Literal["registration_certificate", "credit_application", "bank_reference", "other"]
DOCUMENT_KINDS: tuple[DocumentKind, ...] = (
    "registration_certificate",
    "credit_application",
    "bank_reference",
    "other",
)
RequestStatus = Literal["open", "answered", "closed", "expired"]
# The applicant is reminded this long before the due date, or half-way for shorter waits.
REMIND_BEFORE = timedelta(days=2)
MAX_MESSAGE = 5000
# A request further ahead than this is no request for information but a second onboarding.
MAX_WAIT = timedelta(days=90)


def _some_text(value: str) -> str:
    if not value.strip():
        raise ValueError("must contain text")
    return value


Message = Annotated[
    str,
    Field(min_length=1, max_length=MAX_MESSAGE, json_schema_extra={"pattern": LINES}),
    checked_text(LINES, "must not contain control characters"),
    AfterValidator(_some_text),
]


def _distinct(kinds: list[DocumentKind]) -> list[DocumentKind]:
    return list(dict.fromkeys(kinds))


class NewInformationRequest(Model):
    """What the salesperson asks: a message, the documents wanted and the due date (the last
    day the applicant may answer)."""

    message: Message
    documents: Annotated[list[DocumentKind], AfterValidator(_distinct)] = Field(
        default_factory=list, max_length=len(DOCUMENT_KINDS) * 2
    )
    due: date


def due_problem(due: date, today: date) -> str | None:
    """Why the due date cannot be, if it cannot: in the past, or too far ahead."""
    if due < today:
        return "must be today or later"
    if due - today > MAX_WAIT:
        return f"must be within {MAX_WAIT.days} days"
    return None


def link_expiry(due: date, zone: ZoneInfo) -> datetime:
    """When the link stops working: the end of the due date in the shop's time zone."""
    return datetime.combine(due + timedelta(days=1), time(), tzinfo=zone)


def reminder_at(requested_at: datetime, expires_at: datetime) -> datetime:
    """The applicant's one reminder: two days before the link expires, or half-way there
    when the whole wait is shorter than four days."""
    return expires_at - min(REMIND_BEFORE, (expires_at - requested_at) / 2)


class InformationRequested(Model):
    """The run is told of a stored request: its id and dates, no text."""

    request_id: str
    requested_by: str
    requested_at: datetime
    expires_at: datetime
    due: date
    documents: list[DocumentKind]


class AnsweredFile(Model):
    id: str
    sha256: str


class InformationAnswered(Model):
    """The run is told of a stored answer: ids and the files' hashes, no content."""

    request_id: str
    answer_id: str
    received_at: datetime
    files: list[AnsweredFile] = Field(default_factory=list)
