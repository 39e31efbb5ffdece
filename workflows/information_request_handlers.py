"""The onboarding workflow's update and signal of information requests
(workflows/information_requests.py does the work)."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.information_requests import InformationRequests
from workflows.onboarding_decisions import refuse_if

with workflow.unsafe.imports_passed_through():
    from domain.information_requests import InformationAnswered, InformationRequested

# The update's refusal of a due date after the lead's expiry; its one detail is the expiry.
DUE_AFTER_EXPIRY = "DueAfterExpiry"


class InformationRequestHandlers:
    """The onboarding workflow's handlers of information requests (it inherits them)."""

    _requests: InformationRequests

    @workflow.update
    def request_information(self, request: InformationRequested) -> None:
        self._requests.open(request)

    @request_information.validator
    def _validate_request_information(self, request: InformationRequested) -> None:
        refuse_if(self._requests.refusal(request))
        if (expiry := self._requests.due_too_late(request)) is not None:
            raise ApplicationError(
                "the due date ends after the onboarding expires",
                expiry.isoformat(),
                type=DUE_AFTER_EXPIRY,
                non_retryable=True,
            )

    @workflow.signal
    def information_answered(self, answer: InformationAnswered) -> None:
        self._requests.answered(answer)
