"""RemoteExecutionContext bodies shaped as Dynamics 365 Sales (Dataverse) posts them."""

from __future__ import annotations

import uuid
from typing import Any

CONTRACTS = "http://schemas.microsoft.com/xrm/2011/Contracts"


def reference(logical_name: str, record_id: str) -> dict[str, Any]:
    return {"__type": f"EntityReference:{CONTRACTS}", "Id": record_id, "KeyAttributes": [],
            "LogicalName": logical_name, "Name": None, "RowVersion": None}  # fmt: skip


def option(value: int) -> dict[str, Any]:
    return {"__type": f"OptionSetValue:{CONTRACTS}", "Value": value}


def context(
    message: str, entity: str, record_id: str, parameters: list[dict[str, Any]]
) -> dict[str, Any]:
    user = str(uuid.uuid4())
    return {
        "BusinessUnitId": str(uuid.uuid4()), "CorrelationId": str(uuid.uuid4()), "Depth": 1,
        "InitiatingUserAzureActiveDirectoryObjectId": str(uuid.uuid4()),
        "InitiatingUserId": user, "InputParameters": parameters,
        "IsExecutingOffline": False, "IsInTransaction": False, "IsOfflinePlayback": False,
        "IsolationMode": 1, "MessageName": message, "Mode": 1,
        "OperationCreatedOn": "/Date(1795996800000+0000)/", "OperationId": str(uuid.uuid4()),
        "OrganizationId": str(uuid.uuid4()), "OrganizationName": "contoso",
        "OutputParameters": [], "OwningExtension": {
            "Id": str(uuid.uuid4()), "KeyAttributes": [], "LogicalName": "sdkmessageprocessingstep",
            "Name": f"{message} webhook", "RowVersion": None},
        "ParentContext": None, "PostEntityImages": [], "PreEntityImages": [],
        "PrimaryEntityId": record_id, "PrimaryEntityName": entity,
        "RequestId": str(uuid.uuid4()), "SecondaryEntityName": "none", "SharedVariables": [],
        "Stage": 40, "UserAzureActiveDirectoryObjectId": str(uuid.uuid4()), "UserId": user,
    }  # fmt: skip


def entity(logical_name: str, record_id: str, attributes: dict[str, Any]) -> dict[str, Any]:
    return {
        "__type": f"Entity:{CONTRACTS}",
        "Attributes": [{"key": key, "value": value} for key, value in attributes.items()],
        "EntityState": None, "FormattedValues": [], "Id": record_id, "KeyAttributes": [],
        "LogicalName": logical_name, "RelatedEntities": [], "RowVersion": None,
    }  # fmt: skip


def qualify_lead(lead_id: str, created: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """QualifyLead; `created` names the (logical name, id) of the records it made, if any."""
    body = context("QualifyLead", "lead", lead_id, [
        {"key": "LeadId", "value": reference("lead", lead_id)},
        {"key": "CreateAccount", "value": True}, {"key": "CreateContact", "value": True},
        {"key": "CreateOpportunity", "value": True}, {"key": "Status", "value": option(3)},
    ])  # fmt: skip
    if created:
        # An EntityReferenceCollection is serialized as a plain list of EntityReferences.
        references = [reference(name, record_id) for name, record_id in created]
        body["OutputParameters"] = [{"key": "CreatedEntities", "value": references}]
    return body


def update(logical_name: str, record_id: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """Update: the Target entity carries the changed columns and the record's id column."""
    target = entity(logical_name, record_id, {f"{logical_name}id": record_id, **attributes})
    return context("Update", logical_name, record_id, [{"key": "Target", "value": target}])


def set_lead_state(lead_id: str, state: int, status: int) -> dict[str, Any]:
    return context("SetState", "lead", lead_id, [
        {"key": "EntityMoniker", "value": reference("lead", lead_id)},
        {"key": "State", "value": option(state)}, {"key": "Status", "value": option(status)},
    ])  # fmt: skip


def close_opportunity(message: str, opportunity_id: str, status: int) -> dict[str, Any]:
    close = entity("opportunityclose", "00000000-0000-0000-0000-000000000000", {
        "opportunityid": reference("opportunity", opportunity_id),
        "subject": "Closed from Dynamics 365 Sales", "actualrevenue": None,
    })  # fmt: skip
    return context(message, "opportunity", opportunity_id, [
        {"key": "OpportunityClose", "value": close}, {"key": "Status", "value": option(status)},
    ])  # fmt: skip
