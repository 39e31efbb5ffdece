"""Information requests as the web app serves them: a salesperson asks (staff API and Sales
console), the applicant reads and answers through the emailed link, staff read the requests
with their answers.

A request is stored first, then told to the onboarding's run, whose update validator says
whether the lead can still take one; a refused request is discarded, nobody having heard of
it. An answer is stored with its files in one transaction (taken only while the link works),
then signalled to the run; the form's one-time submission key makes a re-post of the same
page the same answer, while two pages (two tabs) make two answers.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from accounts.request_links import new_salt, request_token
from accounts.tokens import token_hash
from commerce.documents import Answer, Documents
from commerce.information_requests import InformationRequests, NewRequest, StoredRequest
from domain.documents import AcceptedFile
from domain.information_requests import (
    AnsweredFile,
    InformationAnswered,
    InformationRequested,
    NewInformationRequest,
    due_problem,
    link_expiry,
)
from sales.port import SalesBackend
from starter.services.errors import NotFound
from workflows.information_request_handlers import DUE_AFTER_EXPIRY
from workflows.models import OnboardingState
from workflows.onboarding import OnboardingWorkflow

_SUBMISSION = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class RequestRefused(Exception):
    """The onboarding takes no request now (its lead is decided, or it has ended)."""

    def __init__(self, reference: str, reason: str) -> None:
        super().__init__(reason)
        self.reference = reference


class DueRefused(ValueError):
    """The due date cannot be; the message says why. `last_day` is set when it falls after
    the onboarding's expiry: the last due date that ends before it."""

    def __init__(self, message: str, last_day: date | None = None) -> None:
        super().__init__(message)
        self.last_day = last_day


class LinkUnusable(Exception):
    """A wrong link, or the request's: closed, expired."""


@dataclass(frozen=True)
class RequestWithAnswers:
    request: StoredRequest
    answers: list[Answer]


class InformationRequestService:
    def __init__(
        self,
        client: Client,
        requests: InformationRequests,
        documents: Documents,
        sales: SalesBackend,
        token_secret: str,
        zone: ZoneInfo,
    ) -> None:
        self._client = client
        self._requests = requests
        self._documents = documents
        self._sales = sales
        self._secret = token_secret
        self._zone = zone

    def today(self) -> str:
        """Today in the shop's time zone, the earliest due date."""
        return datetime.now(self._zone).date().isoformat()

    async def ask(self, lead_id: str, staff: str, body: NewInformationRequest) -> StoredRequest:
        """Store the request and tell its run; NotFound without such a lead, DueRefused for
        a due date that cannot be, RequestRefused when the lead takes no request now."""
        reference = await self._sales.reference_of_lead(lead_id)
        if reference is None:
            raise NotFound("lead")
        now = datetime.now(UTC)
        if (problem := due_problem(body.due, now.astimezone(self._zone).date())) is not None:
            raise DueRefused(problem)
        request_id, salt = f"IR-{uuid.uuid4().hex[:20]}", new_salt()
        expires_at = link_expiry(body.due, self._zone)
        await self._requests.create(
            NewRequest(
                id=request_id,
                reference=reference,
                lead_id=lead_id,
                message=body.message,
                documents=list(body.documents),
                due=body.due,
                expires_at=expires_at,
                created_by=staff,
                token_salt=salt,
                token_hash=token_hash(request_token(self._secret, request_id, salt)),
            )
        )
        told = InformationRequested(
            request_id=request_id,
            requested_by=staff,
            requested_at=now,
            expires_at=expires_at,
            due=body.due,
            documents=body.documents,
        )
        try:
            await self._handle(reference).execute_update(
                OnboardingWorkflow.request_information, told, id=request_id
            )
        except WorkflowUpdateFailedError as err:
            await self._requests.discard(request_id)
            if isinstance(err.cause, ApplicationError) and err.cause.type == DUE_AFTER_EXPIRY:
                raise self._after_expiry(str(err.cause.details[0])) from None
            reason = getattr(err.cause, "message", str(err.cause))
            raise RequestRefused(reference, reason) from err
        except RPCError as err:
            # Temporal away, or the run ended: the request is withdrawn, so the lead never
            # shows one nobody was told of; if the run did take it before the error, its
            # email finds no request and sends nothing. The salesperson asks again.
            await self._requests.discard(request_id)
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
            raise RequestRefused(reference, "the onboarding has ended") from err
        return await self._stored(lead_id, request_id)

    def _after_expiry(self, expiry: str) -> DueRefused:
        """The refusal of a due date that ends after the onboarding expires (at `expiry`):
        the last day is the one before the expiry's, in the shop's time zone."""
        last = datetime.fromisoformat(expiry).astimezone(self._zone).date() - timedelta(days=1)
        return DueRefused(
            f"must be {last.isoformat()} or earlier: the onboarding expires the day after", last
        )

    async def of_lead(self, lead_id: str) -> list[RequestWithAnswers]:
        """The lead's requests, oldest first, each with its answers; NotFound without a lead."""
        if await self._sales.reference_of_lead(lead_id) is None:
            raise NotFound("lead")
        requests = await self._requests.of_lead(lead_id)
        answers = await self._documents.answers_of([r.id for r in requests])
        return [RequestWithAnswers(r, answers.get(r.id, [])) for r in requests]

    async def holder(self, token: str) -> StoredRequest:
        """The request whose link this is, while it takes answers; LinkUnusable otherwise."""
        request = await self._requests.by_token_hash(token_hash(token))
        if request is None or not request.usable(datetime.now(UTC)):
            raise LinkUnusable()
        return request

    @staticmethod
    def new_submission() -> str:
        """The one-time key of a page of the answer form."""
        return secrets.token_urlsafe(24)

    async def answer(
        self, token: str, submission: str, text: str, files: Sequence[AcceptedFile]
    ) -> StoredRequest:
        """Keep the answer with its files and tell the run; the request answered. The same
        `submission` twice keeps one answer. LinkUnusable when the link takes none."""
        request = await self.holder(token)
        key = submission if _SUBMISSION.fullmatch(submission) else None
        answer_id = await self._requests.take_answer(
            request.id,
            lambda: self._documents.store_answer(request.id, text, files, submission=key),
        )
        if answer_id is None:
            raise LinkUnusable()
        answer = next(a for a in await self._documents.answers(request.id) if a.id == answer_id)
        told = InformationAnswered(
            request_id=request.id,
            answer_id=answer_id,
            received_at=answer.received_at,
            files=[AnsweredFile(id=f.id, sha256=f.sha256) for f in answer.files],
        )
        try:
            await self._handle(request.reference).signal(
                OnboardingWorkflow.information_answered, told
            )
        except RPCError as err:
            # An ended run needs no word; otherwise a re-post of the page tells it again.
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
        return request

    async def _stored(self, lead_id: str, request_id: str) -> StoredRequest:
        return next(r for r in await self._requests.of_lead(lead_id) if r.id == request_id)

    def _handle(self, reference: str) -> WorkflowHandle[OnboardingWorkflow, OnboardingState]:
        return self._client.get_workflow_handle_for(OnboardingWorkflow.run, reference)
