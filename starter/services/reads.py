"""Reading an onboarding: the state its run published, else the run itself; and waiting for
the next state, so that a client who wants to see a step need not poll for it."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from temporalio.client import (
    Client,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowQueryRejectedError,
)
from temporalio.common import QueryRejectCondition
from temporalio.exceptions import TerminatedError
from temporalio.service import RPCError, RPCStatusCode

from commerce.onboarding_states import PublishedState
from commerce.state_changes import RECHECK, StateChanges
from commerce.store import CommerceStore
from workflows.models import OnboardingState
from workflows.onboarding import OnboardingWorkflow

ERASED_REASON = "erased on request"
# The entity tag of an onboarding whose run has published no state yet; published states
# are tagged with their version, which starts at 1.
NOT_PUBLISHED = "0"
MAX_WAIT = 20.0


class OnboardingNotFound(Exception):
    pass


@dataclass(frozen=True)
class Read:
    state: OnboardingState
    # The published version; None for a state read from the run, which has no version.
    tag: str | None


@dataclass(frozen=True)
class Unchanged:
    tag: str


def _tag(published: PublishedState | None) -> str:
    return str(published.version) if published is not None else NOT_PUBLISHED


def _published_read(published: PublishedState) -> Read:
    return Read(OnboardingState.model_validate(published.state), _tag(published))


class OnboardingReads:
    def __init__(self, client: Client, commerce: CommerceStore, changes: StateChanges) -> None:
        self._client = client
        self._commerce = commerce
        self._changes = changes

    async def state(self, reference: str) -> OnboardingState:
        return (await self.read(reference)).state

    async def read(self, reference: str) -> Read:
        # Runs publish their state as they go: only older ones, or one just started, are asked.
        published = await self._commerce.onboarding_states.latest(reference)
        if published is not None:
            return _published_read(published)
        return Read(await self._from_run(reference), None)

    async def read_changed(
        self, reference: str, seen: frozenset[str], wait: float
    ) -> Read | Unchanged:
        """The state once its tag is none of `seen`; Unchanged if it still is after `wait`
        seconds. Waiting asks the run nothing: a step's announcement (or a recheck) ends it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(wait, MAX_WAIT)
        async with self._changes.watch(reference) as announced:
            while True:
                announced.clear()
                published = await self._commerce.onboarding_states.latest(reference)
                if _tag(published) not in seen:
                    break
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(announced.wait(), min(RECHECK, remaining))
        if published is not None:
            if _tag(published) in seen:
                return Unchanged(_tag(published))
            return _published_read(published)
        # Nothing published: ask the run, which also tells whether the onboarding exists.
        return Read(await self._from_run(reference), None)

    async def _from_run(self, reference: str) -> OnboardingState:
        # An erased onboarding is not asked about: its run may have ended otherwise (no
        # erasure reason to find) on a queue no worker serves, and a replay would wait there.
        if await self._commerce.was_erased(reference):
            raise OnboardingNotFound(reference)
        handle = self._client.get_workflow_handle_for(OnboardingWorkflow.run, reference)
        try:
            try:
                return await handle.query(
                    OnboardingWorkflow.state, reject_condition=QueryRejectCondition.NOT_OPEN
                )
            except WorkflowQueryRejectedError:
                pass
            except RPCError as err:
                # A run that closed before its first workflow task cannot even be queried.
                if err.status != RPCStatusCode.FAILED_PRECONDITION:
                    raise
            state = await _finished_state(handle)
        except RPCError as err:
            if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
                raise OnboardingNotFound(reference) from err
            raise
        # An erasure may have landed while the run was asked.
        if await self._commerce.was_erased(reference):
            raise OnboardingNotFound(reference)
        return state


async def _finished_state(
    handle: WorkflowHandle[OnboardingWorkflow, OnboardingState],
) -> OnboardingState:
    """A finished run's last state is its result, read from the history. A query would need
    a worker to replay the whole run, and none may serve its task queue any more."""
    try:
        return await handle.result()
    except WorkflowFailureError as err:
        if isinstance(err.cause, TerminatedError) and ERASED_REASON in err.cause.details:
            # Its rows are gone; the run's history is not a record of it any more.
            raise OnboardingNotFound(handle.id) from err
        # Terminated or failed: no result, so replay it after all.
        return await handle.query(OnboardingWorkflow.state)
