"""Read a Dynamics 365 Sales (Dataverse) webhook body: which decision on which record.

The body is a `RemoteExecutionContext`. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal

from domain.outcomes import DisqualifyReason, LostReason
from sales.dataverse.codes import (
    LEAD_DISQUALIFY_REASONS,
    LEAD_QUALIFIED,
    OPPORTUNITY_LOST_REASONS,
    OPPORTUNITY_WON,
)
from starter.services.pipeline import SalesEvent

WIN_MESSAGES = ("Win", "WinOpportunity")
CLOSE_MESSAGES = (*WIN_MESSAGES, "Lose", "LoseOpportunity")
_DATE = re.compile(r"/Date\((-?\d+)")


class NotADecision(ValueError):
    """A well-formed context that carries no decision we act on."""


def _pairs(items: Any) -> dict[str, Any]:
    """Dataverse's lists of {"key", "value"}; entries of another shape are not ours to read."""
    if not isinstance(items, list):
        return {}
    return {
        item["key"]: item.get("value")
        for item in items
        if isinstance(item, dict) and isinstance(item.get("key"), str)
    }


def _parameters(context: dict[str, Any]) -> dict[str, Any]:
    return _pairs(context.get("InputParameters"))


def _option(value: Any) -> int | None:
    return int(value["Value"]) if isinstance(value, dict) and "Value" in value else None


def _reference_id(value: Any) -> str | None:
    return str(value["Id"]) if isinstance(value, dict) and value.get("Id") else None


def _attribute(entity: Any, name: str) -> Any:
    if not isinstance(entity, dict):
        return None
    return _pairs(entity.get("Attributes")).get(name)


def _when(context: dict[str, Any]) -> datetime:
    match = _DATE.search(str(context.get("OperationCreatedOn", "")))
    if match is None:
        return datetime.now(UTC)
    return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC)


def _updated_status(params: dict[str, Any]) -> int | None:
    """The statuscode an Update sets, when it sets the state: the reason is what we act on."""
    target = params.get("Target")
    if _option(_attribute(target, "statecode")) is None:
        return None
    return _option(_attribute(target, "statuscode"))


def read_event(context: dict[str, Any]) -> SalesEvent:
    """The decision a context carries; NotADecision for any other message or state."""
    message = str(context.get("MessageName", ""))
    entity = str(context.get("PrimaryEntityName", ""))
    params = _parameters(context)
    record_id = str(context.get("PrimaryEntityId", ""))
    status = _option(params.get("Status"))
    if message == "Update":
        # Setting statecode and statuscode by an update decides like SetState does.
        message_acts_as, status = "SetState", _updated_status(params)
    else:
        message_acts_as = message
    action: Literal["qualify", "disqualify", "won", "lost"]
    reason: DisqualifyReason | LostReason | None = None
    if entity == "lead" and message == "QualifyLead":
        record_id = _reference_id(params.get("LeadId")) or record_id
        action = "qualify"
    elif entity == "lead" and message_acts_as == "SetState" and status == LEAD_QUALIFIED:
        action = "qualify"
    elif entity == "lead" and message_acts_as == "SetState" and status in LEAD_DISQUALIFY_REASONS:
        action, reason = "disqualify", LEAD_DISQUALIFY_REASONS[status]
    elif entity == "opportunity" and message in CLOSE_MESSAGES:
        close = params.get("OpportunityClose")
        record_id = _reference_id(_attribute(close, "opportunityid")) or record_id
        if message in WIN_MESSAGES:
            action = "won"
        else:
            action, reason = "lost", OPPORTUNITY_LOST_REASONS.get(status or 0, LostReason.CANCELED)
    elif entity == "opportunity" and message_acts_as == "SetState" and status == OPPORTUNITY_WON:
        action = "won"
    elif (
        entity == "opportunity"
        and message_acts_as == "SetState"
        and status in OPPORTUNITY_LOST_REASONS
    ):
        action, reason = "lost", OPPORTUNITY_LOST_REASONS[status]
    else:
        raise NotADecision(f"{message} on {entity or 'nothing'} is not a decision")
    if not record_id:
        raise ValueError("the context names no record")
    return SalesEvent(
        operation_id=str(context["OperationId"]),
        message=message,
        entity="lead" if entity == "lead" else "opportunity",
        record_id=record_id,
        action=action,
        reason=reason,
        decided_by=f"dynamics:{context.get('InitiatingUserId') or context.get('UserId')}",
        decided_at=_when(context),
    )
