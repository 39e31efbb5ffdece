"""Company checks: what the registries said about an onboarding's company identifiers, kept
as evidence, and the verification's progress while a registry has not answered.

A check is written once per (reference, registry, number): a retried activity that checked a
number before finds its row and neither checks nor writes it again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from domain.registry_checks import Registry, RegistryCheck
from storage.database import Database

# The company's identifier fields and the registry that knows each.
IDENTIFIER_REGISTRIES: dict[str, Registry] = {
    "corporate_number": "nta_corporate",
    "invoice_registration_number": "nta_invoice",
    "vat_number": "vies",
}


# The registries in the order the verification lists them, then the number.
CHECKS_ORDER = "array_position(ARRAY['nta_corporate', 'nta_invoice', 'vies'], registry), number"


@dataclass(frozen=True)
class Progress:
    """A verification that has met an unavailable registry."""

    pending_since: datetime
    last_attempt_at: datetime
    attempts: int
    reason: str | None
    resolved_at: datetime | None


# Its columns in the verification's row, named as its fields.
PROGRESS = tuple(field.name for field in fields(Progress))


@dataclass(frozen=True)
class CompanyEvidence:
    """An onboarding's company as submitted, its numbers, their checks and the progress."""

    company: dict[str, Any]
    wanted: list[tuple[Registry, str]]
    checks: list[RegistryCheck]
    progress: Progress | None

    @property
    def unresolved(self) -> list[tuple[Registry, str]]:
        done = {(c.registry, c.number) for c in self.checks}
        return [key for key in self.wanted if key not in done]


def wanted_numbers(company: dict[str, Any]) -> list[tuple[Registry, str]]:
    """The (registry, number) pairs the company's identifiers ask to check."""
    return [
        (registry, str(company[field]))
        for field, registry in IDENTIFIER_REGISTRIES.items()
        if company.get(field)
    ]


def _check(row: Any) -> RegistryCheck:
    return RegistryCheck(
        registry=row["registry"],
        number=row["number"],
        status=row["status"],
        registered_name=row["registered_name"],
        registered_address=row["registered_address"],
        details=json.loads(row["details"]),
        evidence=json.loads(row["evidence"]),
        checked_at=row["checked_at"],
    )


class CompanyChecks:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def company(self, reference: str) -> dict[str, Any] | None:
        """The company as the onboarding's prospect holds it; None before it is recorded or
        once it is erased."""
        value = await self._db.fetchval(
            "SELECT company FROM prospects WHERE reference = $1", reference
        )
        return json.loads(value) if value is not None else None

    async def record(self, reference: str, check: RegistryCheck) -> bool:
        """Keep the check unless this number's is kept already; True when written."""
        written = await self._db.fetchval(
            """INSERT INTO company_checks (reference, registry, number, status,
                   registered_name, registered_address, details, evidence, checked_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9)
               ON CONFLICT (reference, registry, number) DO NOTHING
               RETURNING true""",
            reference,
            check.registry,
            check.number,
            check.status,
            check.registered_name,
            check.registered_address,
            json.dumps(check.details),
            json.dumps(check.evidence, default=str),
            check.checked_at,
        )
        return bool(written)

    async def checks(self, reference: str) -> list[RegistryCheck]:
        rows = await self._db.fetch(
            f"SELECT * FROM company_checks WHERE reference = $1 ORDER BY {CHECKS_ORDER}",
            reference,
        )
        return [_check(row) for row in rows]

    async def attempt_failed(self, reference: str, reason: str, at: datetime) -> None:
        """Note an attempt that a registry left unanswered: the first sets since when."""
        await self._db.execute(
            """INSERT INTO company_verifications
                   (reference, pending_since, last_attempt_at, attempts, reason)
               VALUES ($1, $3, $3, 1, $2)
               ON CONFLICT (reference) DO UPDATE SET
                   last_attempt_at = EXCLUDED.last_attempt_at,
                   attempts = company_verifications.attempts + 1,
                   reason = EXCLUDED.reason""",
            reference,
            reason,
            at,
        )

    async def resolved(self, reference: str, at: datetime) -> None:
        """Every number has its check: the pending note, if any, is closed."""
        await self._db.execute(
            """UPDATE company_verifications SET resolved_at = $2, reason = NULL
               WHERE reference = $1 AND resolved_at IS NULL""",
            reference,
            at,
        )

    async def evidence(self, reference: str) -> CompanyEvidence | None:
        """The company, its numbers' checks and the progress; None without a prospect."""
        # One statement, one snapshot: every read and decision of an onboarding asks for it.
        row = await self._db.fetchrow(
            f"""SELECT p.company, v.pending_since, v.last_attempt_at, v.attempts, v.reason,
                       v.resolved_at,
                       ARRAY(SELECT c FROM company_checks c WHERE c.reference = p.reference
                             ORDER BY {CHECKS_ORDER}) AS checks
                FROM prospects p
                LEFT JOIN company_verifications v ON v.reference = p.reference
                WHERE p.reference = $1""",
            reference,
        )
        if row is None:
            return None
        company = json.loads(row["company"])
        progress = (
            Progress(**{f: row[f] for f in PROGRESS}) if row["attempts"] is not None else None
        )
        checks = [_check(check) for check in row["checks"]]
        return CompanyEvidence(company, wanted_numbers(company), checks, progress)
