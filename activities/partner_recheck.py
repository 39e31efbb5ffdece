"""The monthly re-check of approved partners: each identifier a partner gave at its request
asked of its registry again, and a flag raised on a company closed (merged away included) or
an invoice registration cancelled.

Inputs and results name the partner's hierarchy and a registry, never the number or the
registry's answer: those stay in Commerce, out of the workflow's history. A registry that
gives no usable answer fails the attempt with a retryable error and changes nothing; only
an answer raises a flag, and none clears one (staff do, with a reason).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

import httpx
from pydantic import ValidationError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.mail.sender import EmailActivities
from activities.models import EmailKind, SendEmailInput
from activities.verification import REGISTRY_NAMES, REGISTRY_UNAVAILABLE
from activities.verification import _count as count_check
from commerce.partner_flags import FLAGGED_STATUSES, PartnerFlags
from domain.registry_checks import CheckStatus
from domain.request import Company, Model
from registries.check import check_number, identifiers_to_check
from registries.models import Registry, RegistrySettings, RegistryUnavailable

log = logging.getLogger(__name__)


class PartnersPageInput(Model):
    # The last hierarchy id of the page before ("" for the first page).
    after: str
    limit: int


class PartnerToRecheck(Model):
    hierarchy_id: str
    # The registries its identifiers go to; the numbers themselves stay in the store.
    registries: list[Registry]


class RecheckInput(Model):
    hierarchy_id: str
    registry: Registry


class RecheckAnswer(Model):
    # None when the partner (or its identifier for that registry) is gone: erased meanwhile.
    status: CheckStatus | None
    # The flag the answer names, raised now or before; its email goes out once.
    flag_id: int | None = None


class FlagEmailInput(Model):
    flag_id: int


class RecheckSettings(Protocol):
    """What the re-check needs of the worker's settings."""

    @property
    def onboarding_sales_inbox(self) -> str: ...

    def registry_settings(self) -> RegistrySettings: ...


def _company(stored: dict[str, object]) -> Company | None:
    try:
        return Company.model_validate(stored)
    except ValidationError:
        # A request kept under rules since tightened: its identifiers cannot be trusted.
        log.warning("a partner's stored company no longer validates; not re-checked")
        return None


class PartnerRecheckActivities:
    def __init__(
        self,
        flags: PartnerFlags,
        email: EmailActivities,
        settings: RecheckSettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._flags, self._email = flags, email
        self._registries = settings.registry_settings()
        self._sales_inbox = settings.onboarding_sales_inbox
        self._clock = clock

    def registered(self) -> list[Callable[..., object]]:
        """The activities the worker registers."""
        return [self.partners_to_recheck, self.recheck_partner, self.send_flag_email]

    @activity.defn
    async def partners_to_recheck(self, data: PartnersPageInput) -> list[PartnerToRecheck]:
        """The next page of approved partners that gave identifiers, with their registries."""
        page = []
        for hierarchy_id in await self._flags.approved_partners(data.after, data.limit):
            partner = await self._flags.partner(hierarchy_id)
            company = _company(partner["company"]) if partner else None
            registries = [r for r, _ in identifiers_to_check(company)] if company else []
            page.append(PartnerToRecheck(hierarchy_id=hierarchy_id, registries=registries))
        return page

    @activity.defn
    async def recheck_partner(self, data: RecheckInput) -> RecheckAnswer:
        """Ask the registry about the partner's number again; raise the flag its answer
        calls for (once: the same finding again finds its flag)."""
        partner = await self._flags.partner(data.hierarchy_id)
        company = _company(partner["company"]) if partner else None
        numbers = dict(identifiers_to_check(company)) if company else {}
        if company is None or data.registry not in numbers:
            return RecheckAnswer(status=None)
        number = numbers[data.registry]
        try:
            # A client per check: a few calls a month need no pool kept open between them.
            async with httpx.AsyncClient() as http:
                # The re-check looks for a company gone, not for spelling: no address.
                check = await check_number(
                    http, self._registries, data.registry, number, company.name, None,
                    self._clock(),
                )  # fmt: skip
        except RegistryUnavailable as err:
            count_check(data.registry, "pending", err.reason)
            raise ApplicationError(
                f"no answer from {data.registry}: {err.reason}", type=REGISTRY_UNAVAILABLE
            ) from None
        count_check(data.registry, check.status, "")
        if check.status not in FLAGGED_STATUSES:
            return RecheckAnswer(status=check.status)
        flag_id, raised = await self._flags.raise_flag(
            data.hierarchy_id,
            check.registry,
            check.number,
            check.status,
            check.registered_name,
            check.registered_address,
            check.details,
            check.evidence,
            check.checked_at,
        )
        if raised:
            log.info("partner %s flagged: %s %s", data.hierarchy_id, data.registry, check.status)
        return RecheckAnswer(status=check.status, flag_id=flag_id)

    @activity.defn
    async def send_flag_email(self, data: FlagEmailInput) -> str | None:
        """The Sales inbox's email about the flag, at most once: its Message-ID is the
        partner's onboarding reference, the kind and the flag, so a later run finding the
        same flag sends nothing. None when the partner is gone."""
        flag = await self._flags.flag(data.flag_id)
        if flag is None:
            return None
        email = SendEmailInput(
            reference=flag["reference"],
            kind=EmailKind.PARTNER_FLAGGED,
            sequence=flag["id"],
            locale=flag["locale"],
            to=self._sales_inbox,
            context={
                "company": flag["name"],
                "hierarchy_id": flag["hierarchy_id"],
                "registry": REGISTRY_NAMES[flag["registry"]],
                "number": flag["number"],
                "status": flag["status"],
                "registered_name": flag["registered_name"] or "-",
                "details": sorted(flag["details"].items()),
            },
        )
        return await self._email.send_email(email)
