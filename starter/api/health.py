"""The health check that load balancers and the run script poll."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from starter.api.schemas import Health
from starter.common.auth import ServicesDep

router = APIRouter()


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
async def healthz(services: ServicesDep) -> Health | JSONResponse:
    """200 when the app reaches Temporal and both stores."""
    checks = await services.health.check()
    health = Health(status="ok" if all(checks.values()) else "unavailable", **checks)
    if health.status == "ok":
        return health
    return JSONResponse(status_code=503, content=health.model_dump())
