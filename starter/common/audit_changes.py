"""An audit entry's change as a reader says it: "Spending limit: 50,000 JPY → 100,000 JPY",
one line per field, labelled in the page's language."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from starter.common.money import money

# The label of each field the stores record, as the page's other forms and tables name it.
FIELD_LABELS = {
    "email": "account.email",
    "first_name": "users.first_name",
    "last_name": "users.last_name",
    "job_title": "users.job_title",
    "phone": "users.phone",
    "spending_limit": "users.spending_limit",
    "role": "org.role",
    "status": "common.status",
    "blocked": "audit.blocked",
    # A partner flag staff cleared: the finding, then why it was cleared.
    "partner_flag": "flag.finding",
    "reason": "flag.reason",
}
ORDER = {field: place for place, field in enumerate(FIELD_LABELS)}
NOTHING = "—"
# A hand-over is recorded as who the admin was and who is; its entry is about the new admin,
# whose role went from user to admin.
HAND_OVER = ({"role": "user"}, {"role": "admin"})


def _value(field: str, value: Any, currency: str | None, t: Callable[[str], str]) -> str:
    if field == "spending_limit":
        # The log keeps an amount as its text: JSON has no decimal type.
        return money(None if value is None else Decimal(str(value)), currency)
    if value is None:
        return NOTHING
    if isinstance(value, bool):
        return t("common.yes") if value else t("common.no")
    return str(value)


def audit_changes(
    entry: dict[str, Any], currency: str | None, t: Callable[[str], str]
) -> list[str]:
    """One line per field the entry changed: "Label: before → after", or "Label: value" for
    what was created (an invitation has no before). Empty for an entry that changed no field
    (an email sent again)."""
    before: dict[str, Any] | None = entry["before"]
    after: dict[str, Any] = entry["after"] or {}
    if "admin" in after:
        before, after = HAND_OVER
    # In the forms' order: the log's JSON keeps its keys in an order of its own.
    fields = sorted({*(before or {}), *after}, key=lambda f: (ORDER.get(f, len(ORDER)), f))
    lines = []
    for field in fields:
        label = t(FIELD_LABELS[field]) if field in FIELD_LABELS else field
        new = _value(field, after.get(field), currency, t)
        if before is None:
            lines.append(f"{label}: {new}")
        else:
            lines.append(f"{label}: {_value(field, before.get(field), currency, t)} → {new}")
    return lines
