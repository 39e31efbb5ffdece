"""Onboardings as their requester and staff see them: submitted from the site's form or by
a program, read (waiting for the next state when asked to), and erased."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Protocol

from domain.request import OnboardingRequest
from sales.port import Row, SalesBackend
from starter.services.erasure import Erasure
from starter.services.errors import NotFound
from starter.services.reads import OnboardingNotFound, OnboardingReads, Unchanged
from starter.services.signing import Signer
from starter.services.start import OnboardingStarter
from starter.services.verification import CompanyVerifications, Verification

# The onboarding's data as its run keeps it: handlers take these names from here, not from
# the workflow's package.
from workflows.models import HistoryEntry as HistoryEntry
from workflows.models import OnboardingIds as OnboardingIds
from workflows.models import OnboardingState as OnboardingState
from workflows.models import OnboardingStatus as OnboardingStatus


class OnboardingCounters(Protocol):
    def onboarding_started(self, channel: str) -> None: ...

    def read_waiting(self) -> contextlib.AbstractContextManager[None]: ...


@dataclass(frozen=True)
class Submission:
    reference: str
    # The signature of the requester's status link.
    signature: str


@dataclass(frozen=True)
class Shown:
    state: OnboardingState
    # The published version; None for a state read from the run, which has no version.
    tag: str | None
    sales_records: list[Row]
    verification: Verification | None = None


class Onboardings:
    def __init__(
        self,
        starter: OnboardingStarter,
        reads: OnboardingReads,
        erasure: Erasure,
        sales: SalesBackend,
        status_links: Signer,
        counters: OnboardingCounters,
        verifications: CompanyVerifications,
    ) -> None:
        self._starter = starter
        self._reads = reads
        self._erasure = erasure
        self._sales = sales
        self._status_links = status_links
        self._counters = counters
        self._verifications = verifications

    async def submit(
        self, request: OnboardingRequest, channel: str, idempotency_key: str | None = None
    ) -> Submission:
        """Start the onboarding, or return the one this request already started; raises
        AlreadyInProgress or IdempotencyKeyReused (starter.services.start)."""
        started = await self._starter.start(request, idempotency_key=idempotency_key)
        if started.created:
            self._counters.onboarding_started(channel)
        return Submission(started.reference, self._status_links.sign(started.reference))

    def check_status_link(self, reference: str, signature: str) -> None:
        # One answer for a wrong signature and an unknown reference: nothing to enumerate.
        if not self._status_links.verify(reference, signature):
            raise NotFound("onboarding")

    async def status(self, reference: str, signature: str) -> str:
        """The status that the requester's signed link shows."""
        self.check_status_link(reference, signature)
        try:
            state = await self._reads.state(reference)
        except OnboardingNotFound:
            raise NotFound("onboarding") from None
        return state.status.value

    async def read(
        self, reference: str, seen: frozenset[str], wait: float | None
    ) -> Shown | Unchanged:
        """The state with its Sales records, or Unchanged while its tag is one of `seen`;
        with `wait`, the read waits up to that many seconds for a state not seen."""
        try:
            if wait:
                with self._counters.read_waiting():
                    read = await self._reads.read_changed(reference, seen, wait)
            else:
                read = await self._reads.read(reference)
        except OnboardingNotFound:
            raise NotFound("onboarding") from None
        if isinstance(read, Unchanged):
            return read
        if read.tag is not None and read.tag in seen:
            return Unchanged(read.tag)
        records = await self._sales.record_links(reference)
        return Shown(read.state, read.tag, records, await self._verifications.of(reference))

    async def erase(self, reference: str) -> None:
        """Stop the run and delete the onboarding's rows in Commerce and Sales."""
        if not await self._erasure.erase(reference):
            raise NotFound("onboarding")
