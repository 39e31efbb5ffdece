"""Business failures: retrying them cannot help, so the workflow's retry policy lists them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta

from temporalio.exceptions import ApplicationError

from domain.errors import (
    BusinessRuleBroken,
    LeadNotOpen,
    OpportunityNotOpen,
    ProspectNotPending,
    RecordNotFound,
    SiteUserEmailTaken,
)
from sales.port import SalesRefused, SalesUnavailable

NON_RETRYABLE_ERRORS = [
    ProspectNotPending.kind,
    LeadNotOpen.kind,
    OpportunityNotOpen.kind,
    RecordNotFound.kind,
    SiteUserEmailTaken.kind,
    "EmailRejected",
    # The Sales CRM refuses the call itself (settings or data): a person must fix it first.
    "SalesRefused",
]


def business_error(kind: str, message: str) -> ApplicationError:
    assert kind in NON_RETRYABLE_ERRORS, kind
    return ApplicationError(message, type=kind, non_retryable=True)


@contextlib.contextmanager
def crm_faults_as_activity_errors() -> Iterator[None]:
    """A CRM that is down retries with backoff, or after the wait it asked for (429
    Retry-After, without sleeping here); one that refuses the call fails it for good."""
    try:
        yield
    except SalesUnavailable as err:
        delay = timedelta(seconds=err.retry_after) if err.retry_after is not None else None
        raise ApplicationError(str(err), type="SalesUnavailable", next_retry_delay=delay) from err
    except SalesRefused as err:
        raise ApplicationError(str(err), type="SalesRefused", non_retryable=True) from err


@contextlib.contextmanager
def broken_rules_fail_the_activity() -> Iterator[None]:
    """A store's refusal becomes a non-retryable failure named after the rule."""
    try:
        yield
    except BusinessRuleBroken as err:
        raise business_error(err.kind, str(err)) from err
