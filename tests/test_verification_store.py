"""The evidence store of the company verification: one row per number, its progress while a
registry is silent, and the erasure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from commerce.company_checks import CompanyChecks
from domain.registry_checks import RegistryCheck
from domain.request import Company, OnboardingRequest
from plumbing.stores import Stores
from tests.factories import make_request, unique_reference

CORPORATE_NUMBER = "7000012050002"
VAT_NUMBER = "DE123456788"


def identified(corporate_number: str | None, vat_number: str | None = None) -> OnboardingRequest:
    request = make_request("ja")
    company = Company.model_validate(
        request.company.model_dump()
        | {"corporate_number": corporate_number, "vat_number": vat_number}
    )
    return request.model_copy(update={"company": company})


def verified(number: str = CORPORATE_NUMBER) -> RegistryCheck:
    return RegistryCheck(
        registry="nta_corporate",
        number=number,
        status="verified",
        registered_name="コントソ株式会社",
        registered_address="東京都千代田区丸の内1-2-3",
        details={"kind": "株式会社"},
        evidence={"name": "コントソ株式会社", "closeDate": None},
        checked_at=datetime.now(UTC),
    )


async def recorded(stores: Stores, request: OnboardingRequest) -> tuple[str, CompanyChecks]:
    reference = unique_reference()
    commerce = stores.commerce_store()
    prospect_id = f"PRO-{uuid.uuid4().hex[:20]}"
    await commerce.prospects.record(prospect_id, reference, request, datetime.now(UTC))
    return reference, commerce.company_checks


async def test_a_check_is_written_once(stores: Stores) -> None:
    """Recording the same number's check again writes nothing and keeps the first."""
    reference, checks = await recorded(stores, identified(CORPORATE_NUMBER))
    first = verified()
    assert await checks.record(reference, first)
    later = first.model_copy(update={"status": "mismatch", "checked_at": datetime.now(UTC)})
    assert not await checks.record(reference, later)
    assert await checks.checks(reference) == [first]


async def test_evidence_names_the_numbers_still_unchecked(stores: Stores) -> None:
    """Of two numbers given, the one without a check is the one left to check."""
    reference, checks = await recorded(stores, identified(CORPORATE_NUMBER, VAT_NUMBER))
    await checks.record(reference, verified())
    evidence = await checks.evidence(reference)
    assert evidence is not None
    assert evidence.wanted == [("nta_corporate", CORPORATE_NUMBER), ("vies", VAT_NUMBER)]
    assert evidence.unresolved == [("vies", VAT_NUMBER)]


async def test_failed_attempts_keep_when_pending_began(stores: Stores) -> None:
    """A second silent attempt counts and moves the last attempt, not the start."""
    reference, checks = await recorded(stores, identified(CORPORATE_NUMBER))
    began = datetime.now(UTC)
    await checks.attempt_failed(reference, "nta_corporate: unavailable", began)
    await checks.attempt_failed(reference, "nta_corporate: throttled", began + timedelta(1))
    evidence = await checks.evidence(reference)
    assert evidence is not None
    assert evidence.progress is not None
    assert evidence.progress.pending_since == began
    assert evidence.progress.last_attempt_at == began + timedelta(1)
    assert (evidence.progress.attempts, evidence.progress.reason) == (2, "nta_corporate: throttled")


async def test_no_identifier_wants_no_check(stores: Stores) -> None:
    """A company without identifiers asks no registry."""
    reference, checks = await recorded(stores, identified(None))
    evidence = await checks.evidence(reference)
    assert evidence is not None
    assert evidence.wanted == []


async def test_erasure_deletes_the_evidence(stores: Stores) -> None:
    """Erasing the onboarding deletes its checks and its progress."""
    reference, checks = await recorded(stores, identified(CORPORATE_NUMBER))
    await checks.record(reference, verified())
    await checks.attempt_failed(reference, "vies: unavailable", datetime.now(UTC))
    assert await stores.commerce_store().erase(reference)
    count = await stores.commerce.fetchval(
        """SELECT (SELECT count(*) FROM company_checks WHERE reference = $1)
                + (SELECT count(*) FROM company_verifications WHERE reference = $1)""",
        reference,
    )
    assert count == 0
    assert await checks.evidence(reference) is None
