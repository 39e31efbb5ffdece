"""Information requests in the onboarding's run: the salesperson asks the applicant for
information and documents while the lead stays open.

The web app stores the request (its message stays in Commerce) and tells the run with the
update `request_information`, which carries ids and dates only; an answer, stored by the web
app with its files, comes as the signal `information_answered` with ids and hashes. For each
request the run emails the applicant the link, reminds them once before the due date, and at
the due date ends the request (telling the Sales inbox when nobody answered). While a
request waits for the applicant, the Sales inbox's reminders pause; a lead decision, or the
lead's expiry, closes every request still open.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio import workflow

from workflows.activity_calls import crm_write, local_step, send_email_locally_first
from workflows.onboarding_decisions import DecisionIntake
from workflows.onboarding_state import PublishedState

with workflow.unsafe.imports_passed_through():
    from activities.information_requests import (
        REQUEST_GONE,
        AnswerNoteInput,
        CloseRequestsInput,
        InformationEmailInput,
        InformationRequestActivities,
        RequestRefInput,
    )
    from activities.models import EmailKind, SendEmailInput
    from domain.information_requests import (
        InformationAnswered,
        InformationRequested,
        reminder_at,
    )
    from workflows.models import OnboardingInput

# The Sales inbox's next reminder while the applicant must act: not before they have.
PAUSED = datetime.max.replace(tzinfo=UTC)


class _Tracked:
    """One request as the run follows it."""

    def __init__(self, sequence: int, request: InformationRequested) -> None:
        self.sequence = sequence
        self.request = request
        self.answered = False
        self.ended = False


class InformationRequests:
    """Workflow code: the run's information requests, and the pause they put on the Sales
    inbox's reminders."""

    def __init__(
        self, data: OnboardingInput, published: PublishedState, decisions: DecisionIntake
    ) -> None:
        self._input = data
        self._published = published
        self._decisions = decisions
        self._tracked: dict[str, _Tracked] = {}
        self._answers: set[str] = set()
        self._tasks: list[asyncio.Future[None]] = []
        self._paused_for = timedelta()
        self._paused_since: datetime | None = None
        # Changes whenever the pause starts or ends, to wake the wait for the lead decision.
        self.version = 0
        # When the lead expires, set by the run as its wait for the decision begins.
        self.lead_expires_at: datetime | None = None

    # -- the Sales inbox's reminders ------------------------------------------------------

    def shift(self, remind_at: datetime) -> datetime:
        """When a reminder due at `remind_at` goes out, given the pauses so far: never while
        a request waits for the applicant."""
        if self._paused_since is not None:
            return PAUSED
        return remind_at + self._paused_for

    def _moved(self) -> None:
        waiting = any(not t.answered and not t.ended for t in self._tracked.values())
        now = workflow.now()
        if waiting and self._paused_since is None:
            self._paused_since = now
        elif not waiting and self._paused_since is not None:
            self._paused_for += now - self._paused_since
            self._paused_since = None
        self._published.state.waiting_for_applicant = waiting
        self._published.unpublished = True
        self.version += 1

    # -- what the web app tells the run ---------------------------------------------------

    def refusal(self, request: InformationRequested) -> str | None:
        if request.request_id in self._tracked:
            return None  # told twice: the first time counts
        if self._decisions.lead_refusal() is not None:
            return "the lead is not open"
        return None

    def due_too_late(self, request: InformationRequested) -> datetime | None:
        """The lead's expiry, when the request's link would outlive it (its due date ends
        after the lead expires); None when it fits. Before the wait begins, the expiry is
        at least the policy's wait from now."""
        if request.request_id in self._tracked:
            return None
        expiry = self.lead_expires_at or workflow.now() + self._input.policy.expire_after
        return expiry if request.expires_at > expiry else None

    def open(self, request: InformationRequested) -> None:
        if request.request_id in self._tracked:
            return
        tracked = _Tracked(len(self._tracked) + 1, request)
        self._tracked[request.request_id] = tracked
        self._record("information_requested", tracked, f"due {request.due.isoformat()}")
        self._moved()
        self._tasks.append(asyncio.ensure_future(self._follow(tracked)))

    def answered(self, answer: InformationAnswered) -> None:
        tracked = self._tracked.get(answer.request_id)
        if tracked is None or answer.answer_id in self._answers:
            return
        self._answers.add(answer.answer_id)
        tracked.answered = True
        hashes = ", ".join(f"{f.id}:{f.sha256[:12]}" for f in answer.files)
        self._record("information_answered", tracked, f"answer {answer.answer_id} [{hashes}]")
        self._moved()
        receipt = self._receive(tracked, answer, len(self._answers))
        self._tasks.append(asyncio.ensure_future(receipt))

    # -- the run's steps ------------------------------------------------------------------

    async def close_all(self) -> None:
        """The lead is decided or expired: every request still open to answers closes."""
        if not any(not t.ended for t in self._tracked.values()):
            return
        for tracked in self._tracked.values():
            tracked.ended = True
        self._moved()
        closing = CloseRequestsInput(reference=self._input.reference)
        await local_step(InformationRequestActivities.close_information_requests, closing)

    async def finished(self) -> None:
        """Every email and note of the requests is out, those of an answer that came while
        the others were awaited included."""
        awaited = -1
        while awaited < len(self._tasks):
            awaited = len(self._tasks)
            await asyncio.gather(*self._tasks)

    async def _follow(self, tracked: _Tracked) -> None:
        request = tracked.request
        if (
            await self._email(EmailKind.INFORMATION_REQUEST, tracked, with_link=True)
            == REQUEST_GONE
        ):
            # Withdrawn: nobody was sent a link, so nobody is waited for.
            tracked.ended = True
            self._moved()
            return
        remind_at = reminder_at(request.requested_at, request.expires_at)
        if not await _until(lambda: tracked.answered or tracked.ended, remind_at):
            await self._email(EmailKind.INFORMATION_REMINDER, tracked, with_link=True)
            self._record("information_reminder_sent", tracked)
        if await _until(lambda: tracked.ended, request.expires_at):
            return
        ref = RequestRefInput(request_id=request.request_id)
        status = await local_step(InformationRequestActivities.settle_information_request, ref)
        tracked.ended = True
        self._moved()
        if status == "expired":
            self._record("information_request_expired", tracked)
            await self._email(
                EmailKind.INFORMATION_EXPIRED,
                tracked,
                to=self._input.policy.sales_inbox,
                lead_id=self._published.state.ids.lead_id,
            )

    async def _receive(self, tracked: _Tracked, answer: InformationAnswered, n: int) -> None:
        await self._email(EmailKind.INFORMATION_RECEIPT, tracked, sequence=n)
        lead_id = self._published.state.ids.lead_id
        assert lead_id is not None
        note = AnswerNoteInput(
            reference=self._input.reference,
            lead_id=lead_id,
            request_id=answer.request_id,
            answer_id=answer.answer_id,
        )
        await crm_write(InformationRequestActivities.note_information_answer, note)

    def _record(self, event: str, tracked: _Tracked, detail: str = "") -> None:
        note = f"request {tracked.request.request_id}" + (f": {detail}" if detail else "")
        self._published.state.record(event, at=workflow.now(), note=note)
        self._published.unpublished = True

    async def _email(
        self,
        kind: EmailKind,
        tracked: _Tracked,
        *,
        to: str | None = None,
        sequence: int | None = None,
        with_link: bool = False,
        **details: Any,
    ) -> Any:
        request = self._input.request
        email = SendEmailInput.about_request(
            self._input.reference,
            request,
            kind,
            to=to or request.contact.email,
            sequence=sequence or tracked.sequence,
            due=tracked.request.due.isoformat(),
            documents=list(tracked.request.documents),
            **details,
        )
        data = InformationEmailInput(
            email=email, request_id=tracked.request.request_id, with_link=with_link
        )
        return await send_email_locally_first(
            InformationRequestActivities.send_information_email,
            data,
            self._input.policy.local_email_attempts_for,
        )


async def _until(condition: Callable[[], bool], at: datetime) -> bool:
    """Wait for the condition until `at`; whether it holds."""
    if workflow.now() < at:
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(condition, timeout=at - workflow.now())
    return condition()
