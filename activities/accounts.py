"""Account activities: which email an account request leads to, if any."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity

from activities.models import EmailKind, EmailLink, PlanAccountEmailInput, SendEmailInput
from commerce.accounts import Account, Accounts

LINK_COOLDOWN = timedelta(minutes=1)
NOTICES = {
    "password_changed": EmailKind.PASSWORD_CHANGED,
    "role_changed": EmailKind.ROLE_CHANGED,
}
# The page each audience's links open, per purpose.
LINK_PATHS = {
    ("site", "activation"): "/activate",
    ("site", "reset"): "/reset-password",
    ("staff", "activation"): "/staff/activate",
    ("staff", "reset"): "/staff/reset-password",
}


class AccountActivities:
    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    @activity.defn
    async def plan_account_email(self, data: PlanAccountEmailInput) -> SendEmailInput | None:
        """The email to send for the request; None when there is nobody to send it to, which
        the requester is never told (the page answers the same either way)."""
        if data.purpose in NOTICES:
            assert data.account_id is not None
            account = await self._accounts.by_id(data.audience, data.account_id)
            if account is None:
                return None
            return self._email(data, account, NOTICES[data.purpose], None)
        assert data.email is not None
        account = await self._accounts.by_email(data.audience, data.email)
        if account is None or account.status not in ("invited", "active"):
            return None
        # One link a minute per account, whatever the number of addresses asking for it: the
        # form cannot be used to flood someone's inbox.
        if await self._accounts.link_issued_within(account.audience, account.id, LINK_COOLDOWN):
            return None
        if account.status == "invited":
            return self._email(data, account, EmailKind.ACTIVATION, "activation")
        return self._email(data, account, EmailKind.PASSWORD_RESET, "reset")

    @staticmethod
    def _email(
        data: PlanAccountEmailInput, account: Account, kind: EmailKind, purpose: str | None
    ) -> SendEmailInput:
        link = None
        if purpose is not None:
            link = EmailLink.model_validate(
                {
                    "audience": account.audience,
                    "account_id": account.id,
                    "purpose": purpose,
                    "path": LINK_PATHS[(account.audience, purpose)],
                }
            )
        return SendEmailInput(
            reference=data.reference,
            kind=kind,
            locale=data.locale,
            to=account.email,
            context={
                "name": account.name,
                "company": account.company,
                "email": account.email,
                "role": data.role,
            },
            link=link,
        )
