"""What the web app's handlers need, built once at start-up (the app's composition root)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TypeVar

from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    WorkflowUpdateStage,
)
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from accounts.hashing import HashParameters, PasswordHasher
from accounts.throttle import per_address
from commerce.state_changes import StateChanges
from commerce.store import CommerceStore
from plumbing.codec import EncryptionCodec
from plumbing.settings import Settings
from plumbing.stores import Stores, open_stores
from plumbing.temporal import connect_temporal
from sales.builtin.deliveries import WebhookDeliveries
from sales.port import SalesBackend
from starter.common.metrics import WebMetrics
from starter.common.ratelimit import RateLimiter
from starter.common.sessions import SessionManager
from starter.services.accounts import AccountService
from starter.services.credit import CreditService
from starter.services.partner_users import PartnerUserService
from starter.services.reads import ERASED_REASON as ERASED_REASON
from starter.services.reads import OnboardingNotFound as OnboardingNotFound
from starter.services.reads import OnboardingReads
from starter.services.start import OnboardingStarter
from workflows.models import OnboardingState
from workflows.onboarding import OnboardingWorkflow

DecisionT = TypeVar("DecisionT")
DECISION_WAIT = 5.0
OUTCOME_GRACE = 0.5
DecisionUpdate = UpdateMethodMultiParam[[OnboardingWorkflow, DecisionT], OnboardingState]


class DecisionConflict(Exception):
    """The onboarding cannot take this decision now; the message says why."""


class Signer:
    """HMAC signatures for links and cookies, each purpose with its own key."""

    def __init__(self, secret: str, purpose: str) -> None:
        self._key = hashlib.sha256(f"{purpose}:{secret}".encode()).digest()

    def sign(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:32]

    def verify(self, value: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign(value), signature)


@dataclass(frozen=True)
class Services:
    settings: Settings
    client: Client
    stores: Stores
    starter: OnboardingStarter
    sales: SalesBackend
    commerce: CommerceStore
    webhook_deliveries: WebhookDeliveries
    status_links: Signer
    staff_token: str
    submit_limit: RateLimiter
    codec: EncryptionCodec
    sessions: SessionManager
    accounts: AccountService
    partner_users: PartnerUserService
    credit: CreditService
    storefront_token: str | None
    # Link and reset requests per client address: each one sends an email.
    link_limit: RateLimiter
    metrics: WebMetrics
    reads: OnboardingReads

    def handle(self, reference: str) -> WorkflowHandle[OnboardingWorkflow, OnboardingState]:
        return self.client.get_workflow_handle_for(OnboardingWorkflow.run, reference)

    async def state(self, reference: str) -> OnboardingState:
        return await self.reads.state(reference)

    async def decide(
        self, reference: str, update: DecisionUpdate[DecisionT], decision: DecisionT
    ) -> OnboardingState:
        """Deliver a decision as an update: the workflow accepts it or says why not."""
        try:
            return await _deliver(self.handle(reference), update, decision)
        except WorkflowUpdateFailedError as err:
            raise DecisionConflict(getattr(err.cause, "message", str(err.cause))) from err
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                raise DecisionConflict("the onboarding has ended") from err
            raise


async def _deliver(
    handle: WorkflowHandle[OnboardingWorkflow, OnboardingState],
    update: DecisionUpdate[DecisionT],
    decision: DecisionT,
) -> OnboardingState:
    """The state once the decision's work is done, or as it is if that takes longer; raises
    WorkflowUpdateFailedError when the workflow refuses the decision."""
    update_id = str(uuid.uuid4())
    try:
        # One call in the usual case: the server answers once the work is done (a qualify
        # completes when the opportunity exists).
        return await asyncio.wait_for(
            handle.execute_update(update, decision, id=update_id), timeout=DECISION_WAIT
        )
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        pass
    # Sent again with its id, the decision joins the one already sent (or arrives, if that
    # never did) and returns once the workflow has accepted or refused it.
    accepted = await handle.start_update(
        update, decision, id=update_id, wait_for_stage=WorkflowUpdateStage.ACCEPTED
    )
    try:
        # A refusal arrives with that answer, so this raises at once; work still running is
        # not waited for again: the caller gets the state as it is.
        return await asyncio.wait_for(accepted.result(), timeout=OUTCOME_GRACE)
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        return await handle.query(OnboardingWorkflow.state)


@contextlib.asynccontextmanager
async def _state_changes(settings: Settings) -> AsyncIterator[StateChanges]:
    changes = StateChanges(settings.commerce_database_url)
    try:
        yield changes
    finally:
        await changes.close()


@contextlib.asynccontextmanager
async def open_services(
    settings: Settings, staff_token: str, metrics: WebMetrics | None = None
) -> AsyncIterator[Services]:
    metrics = metrics or WebMetrics()
    client = await connect_temporal(settings)
    hasher = PasswordHasher(
        HashParameters(
            time_cost=settings.onboarding_argon2_time_cost,
            memory_kib=settings.onboarding_argon2_memory_kib,
            parallelism=settings.onboarding_argon2_parallelism,
        )
    )
    async with open_stores(settings) as stores, _state_changes(settings) as changes:
        commerce = stores.commerce_store()
        starter = OnboardingStarter(
            client, stores.commerce, settings.onboarding_task_queue, settings.policy()
        )
        accounts = AccountService(
            commerce,
            hasher,
            client,
            settings.onboarding_task_queue,
            per_address(settings.onboarding_sign_in_failures_per_address),
        )
        yield Services(
            settings=settings,
            client=client,
            stores=stores,
            starter=starter,
            sales=stores.sales_backend(),
            commerce=commerce,
            webhook_deliveries=stores.webhook_deliveries(),
            status_links=Signer(settings.onboarding_token_secret, "status-link"),
            staff_token=staff_token,
            codec=settings.codec(),
            submit_limit=RateLimiter(
                settings.onboarding_submit_rate_per_minute, settings.onboarding_submit_burst
            ),
            sessions=SessionManager(
                commerce,
                settings.onboarding_token_secret,
                secure=settings.onboarding_environment != "dev",
                idle=settings.onboarding_session_idle,
                lifetime=settings.onboarding_session_lifetime,
            ),
            accounts=accounts,
            link_limit=RateLimiter(settings.onboarding_link_requests_per_minute, 5),
            partner_users=PartnerUserService(
                commerce,
                accounts,
                starter,
                client,
                settings.onboarding_task_queue,
                settings.invitation_policy(),
            ),
            credit=CreditService(
                commerce,
                client,
                settings.onboarding_task_queue,
                settings.onboarding_purchase_approval_expire_after,
                metrics,
            ),
            storefront_token=settings.onboarding_storefront_token,
            metrics=metrics,
            reads=OnboardingReads(client, commerce, changes),
        )
