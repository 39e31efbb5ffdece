"""Business failures: retrying them cannot help, so the workflow's retry policy lists them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from temporalio.exceptions import ApplicationError

from domain.errors import (
    BusinessRuleBroken,
    LeadNotOpen,
    OpportunityNotOpen,
    ProspectNotPending,
    RecordNotFound,
    SiteUserEmailTaken,
)

NON_RETRYABLE_ERRORS = [
    ProspectNotPending.kind,
    LeadNotOpen.kind,
    OpportunityNotOpen.kind,
    RecordNotFound.kind,
    SiteUserEmailTaken.kind,
    "EmailRejected",
]


def business_error(kind: str, message: str) -> ApplicationError:
    assert kind in NON_RETRYABLE_ERRORS, kind
    return ApplicationError(message, type=kind, non_retryable=True)


@contextlib.contextmanager
def broken_rules_fail_the_activity() -> Iterator[None]:
    """A store's refusal becomes a non-retryable failure named after the rule."""
    try:
        yield
    except BusinessRuleBroken as err:
        raise business_error(err.kind, str(err)) from err
