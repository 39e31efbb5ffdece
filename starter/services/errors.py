"""What any service may answer besides its own refusals."""

from __future__ import annotations

from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from sales.port import SalesUnavailable
from storage.database import StoreUnavailable


class NotFound(Exception):
    """No such record, or none the caller may see; `what` names the kind of record."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
        self.what = what


# Temporal or a store is down for a moment: the request may be tried again shortly.
UNAVAILABLE: tuple[type[Exception], ...] = (
    RPCError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    OSError,
    StoreUnavailable,
    SalesUnavailable,
)
