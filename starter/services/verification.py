"""The company verification of an onboarding as staff read it: the verdict over the checks
kept so far, each registry's answer, and why it is still pending."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from commerce.company_checks import CompanyChecks
from domain.registry_checks import RegistryCheck, VerificationStatus, overall_status


@dataclass(frozen=True)
class Verification:
    status: VerificationStatus
    # When the latest check was made; None before any.
    checked_at: datetime | None
    checks: list[RegistryCheck]
    # While pending after an attempt: since when, and which registry did not answer why.
    pending_since: datetime | None = None
    pending_reason: str | None = None


class CompanyVerifications:
    def __init__(self, checks: CompanyChecks) -> None:
        self._checks = checks

    async def of(self, reference: str) -> Verification | None:
        """The verification; None until the onboarding's request is recorded (or once it is
        erased). `pending` while a number given has no check yet, whatever the reason."""
        evidence = await self._checks.evidence(reference)
        if evidence is None:
            return None
        checks = evidence.checks
        unresolved = bool(evidence.unresolved)
        status = overall_status(checks, pending=unresolved, given=bool(evidence.wanted))
        progress = evidence.progress if unresolved else None
        return Verification(
            status=status,
            checked_at=max((check.checked_at for check in checks), default=None),
            checks=checks,
            pending_since=progress.pending_since if progress else None,
            pending_reason=progress.reason if progress else None,
        )
