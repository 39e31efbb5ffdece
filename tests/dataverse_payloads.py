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


def qualify_lead(lead_id: str) -> dict[str, Any]:
    return context("QualifyLead", "lead", lead_id, [
        {"key": "LeadId", "value": reference("lead", lead_id)},
        {"key": "CreateAccount", "value": True}, {"key": "CreateContact", "value": True},
        {"key": "CreateOpportunity", "value": True}, {"key": "Status", "value": option(3)},
    ])  # fmt: skip


def set_lead_state(lead_id: str, state: int, status: int) -> dict[str, Any]:
    return context("SetState", "lead", lead_id, [
        {"key": "EntityMoniker", "value": reference("lead", lead_id)},
        {"key": "State", "value": option(state)}, {"key": "Status", "value": option(status)},
    ])  # fmt: skip


def close_opportunity(message: str, opportunity_id: str, status: int) -> dict[str, Any]:
    close = {
        "__type": f"Entity:{CONTRACTS}",
        "Attributes": [
            {"key": "opportunityid", "value": reference("opportunity", opportunity_id)},
            {"key": "subject", "value": "Closed from Dynamics 365 Sales"},
            {"key": "actualrevenue", "value": None},
        ],
        "EntityState": None, "FormattedValues": [], "Id": "00000000-0000-0000-0000-000000000000",
        "KeyAttributes": [], "LogicalName": "opportunityclose", "RelatedEntities": [],
        "RowVersion": None,
    }  # fmt: skip
    return context(message, "opportunity", opportunity_id, [
        {"key": "OpportunityClose", "value": close}, {"key": "Status", "value": option(status)},
    ])  # fmt: skip
