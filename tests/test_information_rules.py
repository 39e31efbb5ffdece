"""The rules of an information request, pure: when its link expires, when the applicant is
reminded, which due dates can be, and the link's token."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from accounts.request_links import request_token
from domain.information_requests import (
    NewInformationRequest,
    due_problem,
    link_expiry,
    reminder_at,
)

TOKYO = ZoneInfo("Asia/Tokyo")


def test_the_link_expires_at_the_end_of_the_due_date_in_the_shops_zone() -> None:
    """Due 2026-12-24 in Tokyo: the link works until 15:00 UTC that day."""
    assert link_expiry(date(2026, 12, 24), TOKYO) == datetime(2026, 12, 24, 15, tzinfo=UTC)


def test_the_reminder_comes_two_days_before_a_long_wait_ends() -> None:
    """A ten-day wait: reminded on day eight."""
    start = datetime(2026, 12, 1, tzinfo=UTC)
    assert reminder_at(start, start + timedelta(days=10)) == start + timedelta(days=8)


def test_the_reminder_comes_half_way_through_a_short_wait() -> None:
    """A three-day wait: reminded after a day and a half."""
    start = datetime(2026, 12, 1, tzinfo=UTC)
    assert reminder_at(start, start + timedelta(days=3)) == start + timedelta(hours=36)


@pytest.mark.parametrize(
    ("due", "problem"),
    [(-1, "must be today or later"), (0, None), (90, None), (91, "must be within 90 days")],
)
def test_due_dates_from_today_to_ninety_days_ahead(due: int, problem: str | None) -> None:
    """Today is the earliest due date, 90 days ahead the latest."""
    today = date(2026, 12, 7)
    assert due_problem(today + timedelta(days=due), today) == problem


def test_a_request_names_each_bad_field() -> None:
    """An empty message and an unknown document kind are each named."""
    with pytest.raises(ValidationError) as refused:
        NewInformationRequest.model_validate(
            {"message": " \n ", "documents": ["passport"], "due": "2026-12-24"}
        )
    assert {e["loc"][0] for e in refused.value.errors()} == {"message", "documents"}


def test_each_request_has_its_own_token_which_needs_the_secret() -> None:
    """Another request, salt or secret makes another token; the same ones the same token."""
    token = request_token("secret-one", "IR-1", "salt")
    assert token == request_token("secret-one", "IR-1", "salt")
    others = {
        request_token("secret-two", "IR-1", "salt"),
        request_token("secret-one", "IR-2", "salt"),
        request_token("secret-one", "IR-1", "pepper"),
    }
    assert token not in others
    assert len(others) == 3
