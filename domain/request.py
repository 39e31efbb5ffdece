"""What a company submits to become a partner, validated field by field.

Pure pydantic, imported by every layer: the stores, the activities, the workflow sandbox and
the web app.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

# Control characters have no place in a name or an address, and can forge lines in emails.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_BUT_NEWLINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def _lines(value: str) -> str:
    if _CONTROL_BUT_NEWLINES.search(value):
        raise ValueError("must not contain control characters")
    return value


ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_one_line),
]
OptionalText = (
    Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_one_line)
    ]
    | None
)
CodeText = (
    Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(_one_line)
    ]
    | None
)
LongText = (
    Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_lines)
    ]
    | None
)
_EMAIL = re.compile(
    r"^[^@\s<>\"(),;:\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("not a valid email address")
    return value


Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_email)
]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Address(Model):
    line1: OptionalText = None
    city: OptionalText = None
    postal_code: CodeText = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None


class Company(Model):
    name: ShortText
    website: OptionalText = None
    phone: CodeText = None
    tax_id: CodeText = None
    address: Address | None = None


class Contact(Model):
    first_name: ShortText
    last_name: ShortText
    email: Email
    phone: CodeText = None
    job_title: OptionalText = None


class OnboardingRequest(Model):
    """What the requester submits on the B2B site."""

    company: Company
    contact: Contact
    comments: LongText = None
    locale: Literal["ja", "en"] = "en"
