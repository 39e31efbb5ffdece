"""What a company submits to become a partner, validated field by field.

Pure pydantic, imported by every layer: the stores, the activities, the workflow sandbox and
the web app.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from domain.company_identifiers import CorporateNumber, InvoiceRegistrationNumber, VatNumber
from domain.locale import Locale

# Control characters have no place in a name or an address, and can forge lines in emails.
_CONTROL = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
_CONTROL_BUT_NEWLINES = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029"
# Nor a lone surrogate (JSON's "\ud800" escape): no character, and no UTF-8 for it, so an
# email, the database or Temporal's payloads would refuse it later, far from the request.
# Checked apart from the patterns: /openapi.json's regular expressions cannot say it in a
# way every client's regex engine (or the contract test's generator) takes as written.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# What str.strip() removes, spelled out: regex engines disagree on what \s means.
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Each pattern is both what the validator checks and what /openapi.json says, so the two
# cannot disagree. Lengths count the text as sent; surrounding whitespace is then removed.
ONE_LINE = rf"^[^{_CONTROL}]*$"
SOME_TEXT = rf"^[^{_CONTROL}]*[^{_SPACE}{_CONTROL}][^{_CONTROL}]*$"
LINES = rf"^[^{_CONTROL_BUT_NEWLINES}]*$"
# A name is quoted in the acknowledgement we send to an address the requester chose: a web
# address in it (scheme:// or www., which mail programs turn into links) would make us a relay
# for spam. No real name contains either.
_WEB_ADDRESS = r"://|[Ww][Ww][Ww]\."
NAME = rf"^(?!.*(?:{_WEB_ADDRESS}))[^{_CONTROL}]*[^{_SPACE}{_CONTROL}][^{_CONTROL}]*$"
EMAIL = (
    rf"^[{_SPACE}]*[^@{_SPACE}{_CONTROL}<>\"(),;:\[\]\\]+"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    rf"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+[{_SPACE}]*$"
)


def whole_characters(value: str) -> bool:
    """Whether the text holds no lone surrogate."""
    return _SURROGATE.search(value) is None


def checked_text(pattern: str, message: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(message)
        if not whole_characters(value):
            raise ValueError("must not contain half a character (a lone surrogate)")
        return value.strip()

    return AfterValidator(check)


_NO_CONTROL = "must not contain control characters"
ShortText = Annotated[
    str,
    Field(min_length=1, max_length=200, json_schema_extra={"pattern": SOME_TEXT}),
    checked_text(SOME_TEXT, "must contain text, and no control characters"),
]
OptionalText = (
    Annotated[
        str,
        Field(max_length=200, json_schema_extra={"pattern": ONE_LINE}),
        checked_text(ONE_LINE, _NO_CONTROL),
    ]
    | None
)
CodeText = (
    Annotated[
        str,
        Field(max_length=40, json_schema_extra={"pattern": ONE_LINE}),
        checked_text(ONE_LINE, _NO_CONTROL),
    ]
    | None
)
LongText = (
    Annotated[
        str,
        Field(max_length=2000, json_schema_extra={"pattern": LINES}),
        checked_text(LINES, _NO_CONTROL),
    ]
    | None
)


def _checked_name() -> AfterValidator:
    """SOME_TEXT, then no web address; each with its own error, so the form can say which."""
    text, name = re.compile(SOME_TEXT), re.compile(NAME)

    def check(value: str) -> str:
        if not text.fullmatch(value):
            raise ValueError("must contain text, and no control characters")
        if not name.fullmatch(value):
            raise PydanticCustomError(
                "web_address", "must not contain a web address (scheme:// or www.)"
            )
        return value.strip()

    return AfterValidator(check)


NameText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        json_schema_extra={
            "pattern": NAME,
            "description": "Text without control characters or web addresses (scheme:// or www.)",
        },
    ),
    _checked_name(),
]
Email = Annotated[
    str,
    Field(max_length=254, json_schema_extra={"pattern": EMAIL, "description": "An email address"}),
    checked_text(EMAIL, "not a valid email address"),
]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Address(Model):
    line1: OptionalText = None
    city: OptionalText = None
    postal_code: CodeText = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None


class Company(Model):
    name: NameText
    website: OptionalText = None
    phone: CodeText = None
    tax_id: CodeText = None
    address: Address | None = None
    corporate_number: CorporateNumber | None = None
    invoice_registration_number: InvoiceRegistrationNumber | None = None
    vat_number: VatNumber | None = None


class Contact(Model):
    first_name: NameText
    last_name: NameText
    email: Email
    phone: CodeText = None
    job_title: OptionalText = None


class OnboardingRequest(Model):
    """What the requester submits on the B2B site."""

    company: Company
    contact: Contact
    comments: LongText = None
    locale: Locale = "en"
