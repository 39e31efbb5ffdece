"""Start one onboarding workflow per validated request, one open onboarding per email."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from commerce.claims import Claim, OnboardingClaims
from domain.request import OnboardingRequest
from storage.database import Database
from workflows.models import OnboardingInput, OnboardingPolicy
from workflows.onboarding import OnboardingWorkflow

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class AlreadyInProgress(Exception):
    """The requester's email already has an open onboarding, or belongs to a site user: one
    answer for both, so that the form tells nobody whether an address has an account."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"an onboarding for this email is already in progress: {reference}")
        self.reference = reference


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key was first used for a different request."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"this Idempotency-Key was used for another request ({reference})")
        self.reference = reference


@dataclass(frozen=True)
class Started:
    reference: str
    # False when the same request was submitted again and the open onboarding is returned.
    created: bool


def new_reference() -> str:
    return "B2B-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(10))


def email_key(email: str) -> str:
    return email.strip().lower()


def request_fingerprint(request: OnboardingRequest) -> str:
    canonical = request.model_copy(
        update={
            "contact": request.contact.model_copy(
                update={"email": email_key(request.contact.email)}
            )
        }
    )
    return hashlib.sha256(canonical.model_dump_json().encode()).hexdigest()


class OnboardingStarter:
    def __init__(
        self,
        client: Client,
        commerce: Database,
        task_queue: str,
        policy: OnboardingPolicy,
        secret: str | None = None,
    ) -> None:
        self._client = client
        self._claims = OnboardingClaims(commerce)
        self._task_queue = task_queue
        self._policy = policy
        # Keys the reference that stands in for a site user's email; every process of the
        # web app must draw the same, hence the shared secret (a process of its own without).
        secret = secret or secrets.token_hex(32)
        self._stand_in_key = hashlib.sha256(f"stand-in-reference:{secret}".encode()).digest()

    async def start(
        self, request: OnboardingRequest, idempotency_key: str | None = None
    ) -> Started:
        """Start the workflow, or return the one this request already started, or refuse."""
        key = email_key(request.contact.email)
        fingerprint = request_fingerprint(request)
        async with self._claims.transaction() as claims:
            if idempotency_key is not None:
                seen = await claims.by_idempotency_key(idempotency_key)
                if seen is not None:
                    if seen.request_hash != fingerprint:
                        raise IdempotencyKeyReused(seen.reference)
                    return Started(reference=seen.reference, created=False)
            claim = await claims.lock_email(key)
            if claim is not None and await self.is_open(claim.reference):
                if claim.request_hash == fingerprint:
                    return Started(reference=claim.reference, created=False)
                raise AlreadyInProgress(claim.reference)
            if await claims.site_user_holds(key):
                stand_in = self.stand_in_reference(key)
                if claim is None:
                    # An open onboarding's refusal asked Temporal about it: this one asks too,
                    # so that the time to answer does not tell a user's address from it.
                    await self.is_open(stand_in)
                raise AlreadyInProgress(stand_in)
            reference = new_reference()
            await self._client.start_workflow(
                OnboardingWorkflow.run,
                OnboardingInput(reference=reference, request=request, policy=self._policy),
                id=reference,
                task_queue=self._task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
            await claims.claim(key, Claim(reference, fingerprint), idempotency_key)
        return Started(reference=reference, created=True)

    def stand_in_reference(self, email_key: str) -> str:
        """What the refusal names for an email that belongs to a site user: shaped like a
        reference and the same at every try, as an open onboarding's would be, but nobody's."""
        digest = hmac.new(self._stand_in_key, email_key.encode(), hashlib.sha256).digest()
        # 256 is a multiple of the alphabet's 32 letters: each letter is as likely.
        letters = (_REFERENCE_ALPHABET[b % len(_REFERENCE_ALPHABET)] for b in digest[:10])
        return "B2B-" + "".join(letters)

    async def open_for_email(self, email: str) -> bool:
        """Whether a partner request from this email is running now."""
        async with self._claims.transaction() as claims:
            claim = await claims.lock_email(email_key(email))
            return claim is not None and await self.is_open(claim.reference)

    async def is_open(self, reference: str) -> bool:
        try:
            description = await self._client.get_workflow_handle(reference).describe()
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return False
            raise
        return description.status == WorkflowExecutionStatus.RUNNING
