"""The approvals page: what waits for the signed-in approver (admin, delegate), and their
delegation to another approver until a date. Their decisions are the credit service's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from commerce.accounts import Account
from commerce.approvals import NotADecider as NotADecider
from commerce.authorization import SHOP_TIME_ZONE
from commerce.store import CommerceStore

Row = dict[str, Any]
# The longest a delegation may run: an absence, not a standing rule.
LONGEST_DELEGATION = timedelta(days=366)


class DelegationProblem(Exception):
    """A delegation form's field is wrong: `field` names it, `message_key` says why."""

    def __init__(self, field: str, message_key: str) -> None:
        super().__init__(field)
        self.field = field
        self.message_key = message_key


@dataclass(frozen=True)
class ApprovalsView:
    # The orders waiting for a decision the user may take, oldest first.
    waiting: list[Row]
    # The user's running delegation, if any, and whom they may delegate to.
    delegation: Row | None
    candidates: list[Row]
    # Whether the user approves at all (an approver or admin): only they may delegate.
    approves: bool

    @property
    def choices(self) -> list[tuple[str, str]]:
        """The delegation form's options: (site user id, name)."""
        return [(c["site_user_id"], c["name"]) for c in self.candidates]


class ApprovalsService:
    def __init__(self, commerce: CommerceStore, time_zone: str = SHOP_TIME_ZONE) -> None:
        self._commerce = commerce
        # ONBOARDING_SHOP_TIME_ZONE: a delegation runs to the end of its last day there.
        self._zone = ZoneInfo(time_zone)

    async def view(self, user: Account) -> ApprovalsView:
        assert user.hierarchy_id is not None
        approvals = self._commerce.approvals
        delegations = self._commerce.delegations
        candidates = await delegations.candidates(user.hierarchy_id, user.id)
        return ApprovalsView(
            waiting=await approvals.waiting_for(user.hierarchy_id, user.id),
            delegation=await delegations.delegation(user.id),
            candidates=candidates,
            approves=await approvals.approves(user.id),
        )

    async def delegate(self, user: Account, delegate_id: str, until: str) -> None:
        """Hand what reaches the user to another approver or admin until the end of `until`
        (YYYY-MM-DD, the shop's time zone). Raises DelegationProblem naming the field, or
        NotADecider when the user approves nothing."""
        assert user.hierarchy_id is not None
        if not await self._commerce.approvals.approves(user.id):
            raise NotADecider(user.id)
        last_day = self._last_day(until)
        ends_at = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=self._zone)
        if not await self._commerce.delegations.delegate(
            user.hierarchy_id,
            user.id,
            delegate_id,
            last_day,
            ends_at,
            f"delegation:{uuid.uuid4()}",
        ):
            raise DelegationProblem("delegate_id", "approvals.no_such_delegate")

    async def end_delegation(self, user: Account) -> bool:
        assert user.hierarchy_id is not None
        return await self._commerce.delegations.end_delegation(
            user.hierarchy_id, user.id, f"delegation-ended:{uuid.uuid4()}"
        )

    def _last_day(self, until: str) -> date:
        try:
            last_day = date.fromisoformat(until.strip())
        except ValueError:
            raise DelegationProblem("until", "approvals.until_format") from None
        today = datetime.now(self._zone).date()
        if last_day < today or last_day > today + LONGEST_DELEGATION:
            raise DelegationProblem("until", "approvals.until_range")
        return last_day
