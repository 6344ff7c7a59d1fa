"""Operations: liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from api import __version__
from api.errors import MhkgError
from api.web.deps import ServiceState, get_state

router = APIRouter(tags=["Operations"])


@router.get("/health", summary="Liveness: the process answers")
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get("/ready", summary="Readiness: the store answers and holds the knowledge graph", responses={503: {"description": "Not ready"}})
def ready(state: ServiceState = Depends(get_state)) -> JSONResponse:
    try:
        triples = state.store.count()
    except (OSError, MhkgError) as exc:
        return JSONResponse({"status": "not ready", "reason": str(exc)}, status_code=503)
    if triples == 0:
        return JSONResponse({"status": "not ready", "reason": "the store is empty"}, status_code=503)
    return JSONResponse({"status": "ready", "triples": triples, "data_version": state.store.data_version()})
