"""What an admin's forms carry about a user, and how a refusal is told."""

from __future__ import annotations

import hashlib
from typing import Literal

from domain.outcomes import Amount
from domain.request import Email, Model, OptionalText, ShortText


class UserDetails(Model):
    first_name: ShortText
    last_name: ShortText
    job_title: OptionalText = None
    phone: OptionalText = None
    spending_limit: Amount | None = None


class NewUserForm(UserDetails):
    email: Email


class MemberDetails(UserDetails):
    """The user page's form: the details, and the role and monthly budget beside them."""

    monthly_budget: Amount | None = None
    role: Literal["admin", "approver", "buyer"] | None = None


class NotAllowed(Exception):
    """The user's state does not allow this now; the message says why."""


class FieldProblem(Exception):
    def __init__(self, field: str, message_key: str) -> None:
        self.field = field
        self.message_key = message_key


def invitation_id(hierarchy_id: str, email: str) -> str:
    # One id per organization and email: a double click finds the run the first one started.
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:24]
    return f"invitation-{hierarchy_id}-{digest}"
