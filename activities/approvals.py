"""Approval activities: the emails to whoever decides an order that needs approval.

Who that is is read when the emails go out, not when the order was placed: an approver
removed or blocked meanwhile gets nothing, a delegate of the day gets theirs. Each recipient's
email has its own stable Message-ID (order, recipient, kind) and goes through the outbox, so a
retried activity sends each at most once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from temporalio import activity

from activities.mail.sender import EmailActivities
from activities.models import ApprovalNoticeInput, EmailKind, SendEmailInput
from commerce.approvals import Approvals
from domain.currency import minor_units
from domain.locale import Locale

APPROVALS_PATH = "/organization/approvals"
REASONS: dict[str, tuple[str, str]] = {
    "over_spending_limit": ("over the buyer's per-order limit", "購入者の1回あたりの上限を超過"),
    "over_monthly_budget": ("over the buyer's monthly budget", "購入者の月間予算を超過"),
    "over_approval_threshold": (
        "above the organization's approval threshold",
        "組織の承認基準額を超過",
    ),
}


def notice_reference(order_reference: str, site_user_id: str) -> str:
    """The email's reference: one per order and recipient, so its Message-ID is stable."""
    return f"purchase-approval-{order_reference}.{site_user_id}"


def _amount(amount: Decimal, currency: str) -> str:
    return f"{amount:,.{minor_units(currency)}f} {currency}"


def _reason(reason: str | None, locale: str) -> str:
    texts = REASONS.get(reason or "", (reason or "", reason or ""))
    return texts[1] if locale == "ja" else texts[0]


class ApprovalActivities:
    def __init__(self, approvals: Approvals, email: EmailActivities, store_url: str) -> None:
        self._approvals = approvals
        self._email = email
        self._approvals_url = store_url.rstrip("/") + APPROVALS_PATH

    @activity.defn
    async def notify_deciders(self, data: ApprovalNoticeInput) -> int:
        """Email each decider of the order as it is now; nothing once the order is decided
        (or gone). How many emails this call or an earlier attempt sent."""
        order = await self._approvals.order(data.order_reference)
        if order is None or order["status"] != "needs_approval":
            return 0
        recipients = await self._approvals.recipients(data.order_reference)
        for recipient in recipients:
            kind = EmailKind.APPROVAL_REQUEST
            if data.notice == "reminder":
                kind = (
                    EmailKind.APPROVAL_ESCALATED
                    if recipient["role"] == "admin"
                    else EmailKind.APPROVAL_REMINDER
                )
            await self._email.send_email(self._email_to(recipient, order, kind, data))
            # One email at a time: however many deciders, the run hears this attempt lives.
            activity.heartbeat(recipient["site_user_id"])
        return len(recipients)

    def _email_to(
        self,
        recipient: dict[str, Any],
        order: dict[str, Any],
        kind: EmailKind,
        data: ApprovalNoticeInput,
    ) -> SendEmailInput:
        locale: Locale = "ja" if recipient["locale"] == "ja" else "en"
        return SendEmailInput(
            reference=notice_reference(data.order_reference, recipient["site_user_id"]),
            kind=kind,
            locale=locale,
            to=recipient["email"],
            context={
                "name": recipient["name"],
                "company": order["company"],
                "buyer": order["buyer"],
                "order_reference": order["order_reference"],
                "amount": _amount(order["amount"], order["currency"]),
                "reason_text": _reason(order["reason"], locale),
                "decide_by": order["expires_at"].strftime("%Y-%m-%d %H:%M UTC"),
                "escalate_hours": int(data.escalate_after.total_seconds() // 3600),
                "approvals_url": self._approvals_url,
            },
        )
