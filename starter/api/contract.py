"""What /openapi.json says beyond FastAPI's own document, so that it tells the whole truth:
links from each answer to the operations it leads to, the 503 every operation may give
while a dependency is down, and the methods each path allows."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

Link = tuple[str, str, dict[str, str]]  # method, path, parameters

ONBOARDING = "/api/onboarding-requests/{reference}"
LEAD = "/api/sales/leads/{lead_id}"
OPPORTUNITY = "/api/sales/opportunities/{opportunity_id}"
PROSPECT = "/api/commerce/prospects/{prospect_id}"
HIERARCHY = "/api/commerce/customer-hierarchies/{hierarchy_id}"


def _onboarding(source: str) -> dict[str, Link]:
    return {
        "GetOnboarding": ("get", ONBOARDING, {"reference": f"{source}/reference"}),
        "EraseOnboarding": ("delete", ONBOARDING, {"reference": f"{source}/reference"}),
    }


def _lead(source: str) -> dict[str, Link]:
    return {
        "GetLead": ("get", LEAD, {"lead_id": source}),
        "QualifyLead": ("post", f"{LEAD}/qualify", {"lead_id": source}),
        "DisqualifyLead": ("post", f"{LEAD}/disqualify", {"lead_id": source}),
    }


def _opportunity(source: str) -> dict[str, Link]:
    return {
        "GetOpportunity": ("get", OPPORTUNITY, {"opportunity_id": source}),
        "CloseOpportunity": ("post", f"{OPPORTUNITY}/close", {"opportunity_id": source}),
    }


def _hierarchy() -> dict[str, Link]:
    hierarchy_id = "$response.body#/customer_hierarchy_id"
    return {"GetHierarchy": ("get", HIERARCHY, {"hierarchy_id": hierarchy_id})}


# (method, path, status) of an answer -> the operations its body or request leads to.
LINKS: dict[tuple[str, str, str], dict[str, Link]] = {
    ("post", "/api/onboarding-requests", "202"): _onboarding("$response.body#"),
    ("get", ONBOARDING, "200"): {
        **_onboarding("$response.body#"),
        **_lead("$response.body#/lead_id"),
        **_opportunity("$response.body#/opportunity_id"),
        "GetProspect": ("get", PROSPECT, {"prospect_id": "$response.body#/prospect_id"}),
        **_hierarchy(),
    },
    ("get", LEAD, "200"): {
        **_lead("$request.path.lead_id"),
        **_opportunity("$response.body#/opportunity_id"),
        **_onboarding("$response.body#"),
    },
    ("post", f"{LEAD}/qualify", "202"): {
        **_opportunity("$response.body#/opportunity_id"),
        **_onboarding("$response.body#"),
    },
    ("post", f"{LEAD}/disqualify", "202"): _onboarding("$response.body#"),
    ("get", OPPORTUNITY, "200"): {
        **_opportunity("$request.path.opportunity_id"),
        **_onboarding("$response.body#"),
    },
    ("post", f"{OPPORTUNITY}/close", "202"): _onboarding("$response.body#"),
    ("get", PROSPECT, "200"): {
        **_hierarchy(),
        **_onboarding("$response.body#"),
    },
    ("get", HIERARCHY, "200"): _onboarding("$response.body#"),
}

UNAVAILABLE = {
    "description": "Temporal or a store is down for a moment; nothing changed. Try again.",
    "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


def document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document of the app, with the links and the 503s added."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    paths = schema["paths"]
    for (method, path, status), links in LINKS.items():
        response = paths[path][method]["responses"][status]
        response["links"] = {
            name: {"operationId": paths[to_path][to_method]["operationId"], "parameters": params}
            for name, (to_method, to_path, params) in links.items()
        }
    for path, operations in paths.items():
        if path.startswith("/api/"):
            for operation in operations.values():
                operation["responses"].setdefault("503", UNAVAILABLE)
    app.openapi_schema = schema
    return schema


def _same_path(template: str, path: str) -> bool:
    parts, given = template.split("/"), path.split("/")
    return len(parts) == len(given) and all(
        part == value or (part.startswith("{") and part.endswith("}") and value != "")
        for part, value in zip(parts, given, strict=True)
    )


def allowed_methods(app: FastAPI, path: str) -> list[str] | None:
    """The methods the document lists for the path, or None if it does not know the path."""
    for template, operations in document(app)["paths"].items():
        if _same_path(template, path):
            return sorted(method.upper() for method in operations)
    return None
