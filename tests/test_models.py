"""Validation of requests and decisions: pure logic, no servers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from domain.request import OnboardingRequest
from starter.services.start import request_fingerprint
from tests.factories import make_request
from workflows.models import OpportunityClosed


def error_fields(err: ValidationError) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in err.errors()}


def test_spec_example_request_is_valid() -> None:
    """The request body from the interface contract validates as it stands."""
    request = OnboardingRequest.model_validate(make_request("en").model_dump())
    assert request.contact.email.endswith("@contoso.example")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("contact.email", "not-an-email"),
        ("contact.first_name", "   "),
        ("company.name", "x" * 201),
        ("locale", "fr"),
    ],
)
def test_invalid_field_is_named(path: str, value: str) -> None:
    """An invalid field fails validation under its own name."""
    data = make_request("en").model_dump()
    section, _, field = path.rpartition(".")
    (data[section] if section else data)[field] = value
    with pytest.raises(ValidationError) as err:
        OnboardingRequest.model_validate(data)
    assert error_fields(err.value) == {path}


def test_lost_needs_a_reason() -> None:
    """Closing as lost without a reason is refused."""
    with pytest.raises(ValidationError, match="reason is required"):
        OpportunityClosed(decided_by="rep", decided_at=datetime.now(UTC), outcome="lost")


def test_fingerprint_ignores_email_case() -> None:
    """The same request with the email in capitals is the same request."""
    request = make_request("en")
    shouted = request.model_copy(
        update={
            "contact": request.contact.model_copy(update={"email": request.contact.email.upper()})
        }
    )
    assert request_fingerprint(request) == request_fingerprint(shouted)
