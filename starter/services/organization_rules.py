"""An organization's own rules as its admins set them on the site: the approval threshold."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from commerce.accounts import Account
from commerce.approval_threshold import ThresholdAboveCredit
from commerce.store import CommerceStore
from domain.currency import fits_currency
from domain.outcomes import Amount
from domain.request import Model
from starter.services.errors import NotFound
from starter.services.partner_user_forms import FieldProblem

Row = dict[str, Any]
FIELD = "approval_threshold"
# A pydantic error's type, as the page says it.
ERROR_KEYS = {"greater_than_equal": "users.negative_limit"}


class ThresholdForm(Model):
    approval_threshold: Amount | None = None


def parse_threshold(typed: str) -> Decimal | None:
    """The typed threshold (empty: none); FieldProblem naming the field when it is not one."""
    try:
        form = ThresholdForm.model_validate({FIELD: typed} if typed else {})
    except ValidationError as err:
        kind = err.errors()[0]["type"]
        negative = typed.startswith("-")
        key = ERROR_KEYS.get(kind, "users.negative_limit" if negative else "users.limit_format")
        raise FieldProblem(FIELD, key) from None
    return form.approval_threshold


class OrganizationRules:
    def __init__(self, commerce: CommerceStore) -> None:
        self._commerce = commerce

    async def settings(self, admin: Account) -> Row:
        """The threshold, with the credit limit and currency it is set in."""
        assert admin.hierarchy_id is not None
        assert admin.customer_id is not None
        summary = await self._commerce.credit_limits.summary(admin.customer_id)
        if summary is None:
            raise NotFound("credit limit")
        threshold = await self._commerce.approval_thresholds.get(admin.customer_id)
        return {"threshold": threshold, **summary}

    async def set_threshold(self, admin: Account, typed: str) -> None:
        """Set the threshold the admin typed; FieldProblem (nothing changed) when it is not an
        amount of zero or more in the organization's currency, at most its credit limit."""
        assert admin.hierarchy_id is not None
        assert admin.customer_id is not None
        threshold = parse_threshold(typed)
        currency = (await self.settings(admin))["currency"]
        if threshold is not None and not fits_currency(threshold, currency):
            raise FieldProblem(FIELD, "users.limit_whole")
        try:
            await self._commerce.approval_thresholds.set(
                admin.hierarchy_id,
                admin.customer_id,
                threshold,
                admin.id,
                f"threshold:{uuid.uuid4().hex}",
            )
        except ThresholdAboveCredit:
            raise FieldProblem(FIELD, "settings.over_credit") from None
