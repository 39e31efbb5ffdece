"""An audit entry's change in words, as the back office shows it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starter.common.audit_changes import audit_changes
from starter.common.i18n import translator


def _entry(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "at": datetime.now(UTC),
        "actor": "Rep",
        "action": "x",
        "before": before,
        "after": after,
    }


def test_a_block_reads_as_yes_and_no() -> None:
    """Blocking a user reads "Blocked: no → yes", in the page's language."""
    entry = _entry({"blocked": False}, {"blocked": True})
    assert audit_changes(entry, "JPY", translator("en")) == ["Blocked: no → yes"]
    assert audit_changes(entry, "JPY", translator("ja")) == ["停止: いいえ → はい"]


def test_a_cleared_value_reads_as_a_dash() -> None:
    """Removing a spending limit reads as the old amount to a dash."""
    entry = _entry({"spending_limit": "5000.00"}, {"spending_limit": None})
    assert audit_changes(entry, "JPY", translator("en")) == ["Spending limit: 5,000 JPY → —"]


def test_an_entry_that_changed_no_field_has_no_lines() -> None:
    """A link sent again by staff changed nothing, so it has nothing to say."""
    assert audit_changes(_entry(None, None), "JPY", translator("en")) == []
