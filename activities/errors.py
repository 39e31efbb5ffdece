"""Business failures: retrying them cannot help, so the workflow's retry policy lists them."""

from temporalio.exceptions import ApplicationError

NON_RETRYABLE_ERRORS = [
    "ProspectNotPending",
    "LeadNotOpen",
    "OpportunityNotOpen",
    "RecordNotFound",
    "SiteUserEmailTaken",
    "EmailRejected",
]


def business_error(kind: str, message: str) -> ApplicationError:
    assert kind in NON_RETRYABLE_ERRORS, kind
    return ApplicationError(message, type=kind, non_retryable=True)
