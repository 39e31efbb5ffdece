"""The company verification of an onboarding: each identifier the requester gave checked
against its registry, each answer kept as evidence, and the verdict noted on the lead.

The input names the onboarding only: the identifiers are read from the stored prospect, so
neither they nor the registries' answers enter the workflow's history; its result is the
verdict alone. A number whose check is kept is never asked again, so a retry asks only the
registries that did not answer. A registry that did not answer leaves the verification
`pending` and fails the attempt with a retryable error: Temporal retries it with backoff.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from activities.errors import crm_faults_as_activity_errors
from commerce.company_checks import CompanyChecks
from domain.registry_checks import RegistryCheck, VerificationStatus, overall_status
from domain.request import Company, Model
from registries.check import check_number, identifiers_to_check, typed_address
from registries.models import Registry, RegistrySettings, RegistryUnavailable
from sales.port import SalesBackend

# The ApplicationError type of an attempt a registry left unanswered: retried.
REGISTRY_UNAVAILABLE = "RegistryUnavailable"
# The lead's note about the verification, one per onboarding.
NOTE_KEY = "verification"
REGISTRY_NAMES: dict[Registry, str] = {
    "nta_corporate": "NTA corporate number",
    "nta_invoice": "NTA invoice registration",
    "vies": "EU VIES",
}

log = logging.getLogger(__name__)


class VerifyCompanyInput(Model):
    reference: str
    lead_id: str


def note_text(status: VerificationStatus, checks: list[RegistryCheck]) -> str:
    """The lead's note: the verdict, then each registry's answer beside its number."""
    lines = [f"Company verification: {status}."]
    for check in checks:
        found = ", ".join(
            f"{label} {value}"
            for label, value in (
                ("registered name", check.registered_name),
                ("registered address", check.registered_address),
            )
            if value
        )
        details = ", ".join(f"{key} {value}" for key, value in sorted(check.details.items()))
        line = f"{REGISTRY_NAMES[check.registry]} {check.number}: {check.status}"
        lines.append(" — ".join(part for part in (line, found, details) if part))
    return "\n".join(lines)


class VerificationActivities:
    def __init__(
        self,
        checks: CompanyChecks,
        sales: SalesBackend,
        http: httpx.AsyncClient,
        settings: RegistrySettings,
    ) -> None:
        self._checks, self._sales = checks, sales
        self._http, self._settings = http, settings

    async def close(self) -> None:
        await self._http.aclose()

    @activity.defn
    async def verify_company(self, data: VerifyCompanyInput) -> VerificationStatus:
        """Check the numbers not checked yet; the verdict once every one has its check."""
        reference = data.reference
        stored = await self._checks.company(reference)
        if stored is None:  # erased meanwhile: nothing left to check
            return "not_given"
        company = Company.model_validate(stored)
        wanted = identifiers_to_check(company)
        if not wanted:
            return "not_given"
        done = {(check.registry, check.number) for check in await self._checks.checks(reference)}
        unanswered: list[RegistryUnavailable] = []
        for registry, number in wanted:
            if (registry, number) in done:
                continue
            try:
                check = await check_number(
                    self._http,
                    self._settings,
                    registry,
                    number,
                    company.name,
                    typed_address(company),
                    datetime.now(UTC),
                )
            except RegistryUnavailable as err:
                unanswered.append(err)
                _count(registry, "pending", err.reason)
                continue
            await self._checks.record(reference, check)
            _count(registry, check.status, "")
        if unanswered:
            reason = "; ".join(sorted({f"{err.registry}: {err.reason}" for err in unanswered}))
            await self._checks.attempt_failed(reference, reason, datetime.now(UTC))
            log.info("verification of %s pending (%s)", reference, reason)
            # Benign: an outage is expected and logged above, not as a failure with its trace.
            raise ApplicationError(
                f"no answer from {reason}",
                type=REGISTRY_UNAVAILABLE,
                category=ApplicationErrorCategory.BENIGN,
            )
        await self._checks.resolved(reference, datetime.now(UTC))
        checks = await self._checks.checks(reference)
        status = overall_status(checks, pending=False, given=True)
        with crm_faults_as_activity_errors():
            await self._sales.note_on_lead(
                data.lead_id, NOTE_KEY, f"Company verification: {status}", note_text(status, checks)
            )
        return status


def _count(registry: Registry, outcome: str, reason: str) -> None:
    """The registry checks counter, served with the worker's Temporal metrics."""
    counter = activity.metric_meter().create_counter(
        "onboarding_registry_checks", "Registry checks, by registry, outcome and reason."
    )
    counter.add(1, {"registry": registry, "outcome": outcome, "reason": reason})
