"""REST API under /api/v1 (JSON; the Pydantic models of the OpenAPI are in :mod:`api.web.schemas`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import TypeAdapter

from api.catalogue import CatalogueQuery, catalogue, projection
from api.catalogue.internal import internal
from api.errors import NotAcceptableError, NotFoundError
from api.knowledge.stats import statistics
from api.vocab import PREDECLARED, VOCAB, slug
from api.web import views as data
from api.web.deps import ServiceState, error, get_state
from api.web.negotiation import choose, results_response  # results_response: the pages' catalogue forms use it too
from api.web.schemas import (
    CatalogueParameters,
    GapCell,
    InterventionDetail,
    Measure,
    NoClearBenefit,
    OrganisationDetail,
    OrganisationSummary,
    Page,
    Resource,
    SourceModel,
    SparqlResults,
    query_model,
)

ERRORS: dict[int | str, dict[str, Any]] = {404: error("Not found"), 422: error("A parameter is not valid (the message says which and why)")}
router = APIRouter(prefix="/api/v1", tags=["REST"], responses=ERRORS)
T = TypeVar("T")


def _or_404(value: T | None, what: str, name: str) -> T:
    if value is None:
        raise NotFoundError(what, name)
    return value


def paginate(items: list[Any], offset: int, limit: int) -> dict[str, Any]:
    return {"total": len(items), "offset": offset, "limit": limit, "items": items[offset : offset + limit]}


@router.get("/organisations", response_model=Page[OrganisationSummary], summary="Organisations (search, filter by kind)")
def list_organisations(
    state: ServiceState = Depends(get_state), q: str | None = None, kind: str | None = None, offset: int = Query(0, ge=0), limit: int = Query(50, ge=1, le=500)
) -> dict[str, Any]:
    return paginate(data.organisations(state, q=q, kind=kind), offset, limit)


@router.get("/organisations/{org_id}", response_model=OrganisationDetail, summary="An organisation with its responsibilities")
def get_organisation(org_id: str, state: ServiceState = Depends(get_state)) -> dict[str, Any]:
    return _or_404(data.organisation(state, org_id), "organisation", org_id)


MEASURES_PAGE = TypeAdapter(Page[Measure])


async def current_state(request: Request) -> ServiceState:
    """The service state, as get_state, but as a coroutine: FastAPI runs it on the event loop, not in a thread."""
    return get_state(request)


@router.get("/organisations/{org_id}/measures", response_model=Page[Measure], summary="An organisation's evidence-backed measures")
async def organisation_measures(
    org_id: str,
    state: ServiceState = Depends(current_state),
    setting: str | None = None,
    life_stage: str | None = None,
    area: str | None = None,
    sdg_target: str | None = None,
    direction: str | None = None,
    min_certainty: str | None = None,
    min_status: str | None = Query(
        None,
        description="The lowest curation status that counts: reviewed (default: reviewed and published), published, or draft (drafts too, counted in drafts)",
    ),
    effect: str | None = Query(None, description="The effect that makes an intervention a measure: beneficial (default), no-clear-effect, mixed or harmful"),
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=500),
) -> Response:
    # The JSON of each answer is kept per data version (a write empties the cache). On the embedded store a kept
    # answer is sent straight from the event loop; everything else (a query, the remote store's data version) runs
    # in a worker thread.
    filters = {
        "setting": setting,
        "life_stage": life_stage,
        "area": area,
        "sdg_target": sdg_target,
        "direction": direction,
        "min_certainty": min_certainty,
        "min_status": min_status,
        "effect": effect,
    }
    key = ("measures-json", org_id, tuple(sorted((k, v) for k, v in filters.items() if v)), offset, limit)

    def answer() -> bytes:
        return data.cached(state, key, lambda: _measures_json(state, org_id, filters, offset, limit))

    body = data.peek(state, key) if state.embedded else None
    if body is None:
        body = await run_in_threadpool(answer)
    return Response(body, media_type="application/json")


def _measures_json(state: ServiceState, org_id: str, filters: dict[str, str | None], offset: int, limit: int) -> bytes:
    if data.organisation_index(state).get(data.ORG + org_id) is None:
        raise NotFoundError("organisation", org_id)
    page = paginate(data.measures(state, org_id, filters), offset, limit)  # a filter that is not valid: ParameterError
    return MEASURES_PAGE.dump_json(MEASURES_PAGE.validate_python(page))


@router.get(
    "/organisations/{org_id}/no-clear-benefit",
    response_model=Page[NoClearBenefit],
    summary="What does not work, or has no clear effect, in an organisation's remit",
)
def organisation_no_clear_benefit(
    org_id: str,
    state: ServiceState = Depends(get_state),
    life_stage: str | None = None,
    min_status: str | None = Query(None, description="The lowest curation status that counts (default reviewed)"),
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=500),
) -> dict[str, Any]:
    if data.organisation_index(state).get(data.ORG + org_id) is None:
        raise NotFoundError("organisation", org_id)
    return paginate(data.no_clear_benefit(state, org_id, {"life_stage": life_stage, "min_status": min_status}), offset, limit)


def _simple_list(state: ServiceState, cls: str, kind: str) -> list[dict[str, Any]]:
    rows = state.store.select(internal("resources-of-class", {"class": VOCAB + cls, "namespace": f"{data.ID}{kind}/"}))
    return [{"iri": r["x"].value, "id": slug(r["x"].value), "label_sv": data._v(r, "sv"), "label_en": data._v(r, "en")} for r in rows]


@router.get("/interventions", response_model=Page[Resource], summary="Interventions")
def list_interventions(state: ServiceState = Depends(get_state), offset: int = Query(0, ge=0), limit: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
    return paginate(_simple_list(state, "Intervention", "intervention"), offset, limit)


@router.get("/interventions/{iv_id}", response_model=InterventionDetail, summary="An intervention with its evidence")
def get_intervention(iv_id: str, state: ServiceState = Depends(get_state)) -> dict[str, Any]:
    return _or_404(data.intervention(state, iv_id), "intervention", iv_id)


@router.get("/evidence", response_model=Page[Resource], summary="Evidence entries")
def list_evidence(state: ServiceState = Depends(get_state), offset: int = Query(0, ge=0), limit: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
    return paginate(_simple_list(state, "EvidenceEntry", "evidence"), offset, limit)


@router.get("/evidence/{entry_id}", summary="An evidence entry (all its properties)")
def get_evidence(entry_id: str, state: ServiceState = Depends(get_state)) -> dict[str, Any]:
    iri = f"{data.ID}evidence/{entry_id}"
    data.ref_or_404(iri, "evidence")  # not an IRI: 404 before any query
    rows = state.store.select(internal("properties-of-typed-resource", {"resource": iri, "class": VOCAB + "EvidenceEntry"}))
    if not rows:
        raise NotFoundError("evidence", entry_id)
    props: dict[str, list[str]] = {}
    for r in rows:
        language = getattr(r["o"], "language", None)
        props.setdefault(r["p"].value, []).append(r["o"].value + (f"@{language}" if language else ""))
    return {"iri": iri, "id": entry_id, "properties": props}


@router.get("/sources", response_model=Page[SourceModel], summary="Sources (bibliographic records)")
def list_sources(state: ServiceState = Depends(get_state), offset: int = Query(0, ge=0), limit: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
    iris = [r["iri"] for r in _simple_list(state, "Source", "source")]
    infos = data.sources_info(state, iris)
    return paginate([infos[i] for i in iris if i in infos], offset, limit)


@router.get("/sources/{source_id}", response_model=SourceModel, summary="A source")
def get_source(source_id: str, state: ServiceState = Depends(get_state)) -> dict[str, Any]:
    iri = f"{data.ID}source/{source_id}"
    info = data.sources_info(state, [iri])
    if iri not in info:
        raise NotFoundError("source", source_id)
    return info[iri]


@router.get("/vocabularies", summary="The concept schemes")
def list_vocabularies(state: ServiceState = Depends(get_state)) -> list[dict[str, Any]]:
    rows = state.store.select(internal("concept-schemes"))
    return [{"iri": r["s"].value, "id": slug(r["s"].value), "label_sv": r["sv"].value, "label_en": r["en"].value, "concepts": int(r["n"].value)} for r in rows]


@router.get("/vocabularies/{scheme_id}", summary="A concept scheme with its concepts")
def get_vocabulary(scheme_id: str, state: ServiceState = Depends(get_state)) -> dict[str, Any]:
    iri = f"{data.ID}scheme/{scheme_id}"
    data.ref_or_404(iri, "scheme")  # not an IRI: 404 before any query
    rows = state.store.select(internal("scheme-concepts", {"scheme": iri}))
    if not rows:
        raise NotFoundError("scheme", scheme_id)
    return {
        "iri": iri,
        "id": scheme_id,
        "concepts": [
            {
                "iri": r["c"].value,
                "label_sv": r["sv"].value,
                "label_en": r["en"].value,
                "definition_sv": data._v(r, "dsv"),
                "definition_en": data._v(r, "den"),
                "broader": data._v(r, "broader"),
            }
            for r in rows
        ],
    }


@router.get("/gaps", response_model=list[GapCell], summary="Evidence gap map: settings × life stages")
def get_gaps(state: ServiceState = Depends(get_state), min_certainty: str = Query("low", pattern="^(high|moderate|low|very-low)$")) -> list[dict[str, Any]]:
    g = data.gaps(state, min_certainty)
    return [
        {
            "setting": s,
            "life_stage": st,
            "entries": g["cells"][(s, st)]["entries"],
            "best_certainty": g["cells"][(s, st)]["best"],
            "gap": g["cells"][(s, st)]["entries"] == 0,
        }
        for s in g["settings"]
        for st in g["stages"]
    ]


@router.get("/network", summary="The collaboration network: organisations sharing a setting and life stage, with communities")
def get_network(state: ServiceState = Depends(get_state)) -> dict[str, Any]:
    from api.analysis import collaboration_network, communities, network_data

    g = collaboration_network(state.store)
    return network_data(state.store, g, communities(g))


@router.get("/stats", summary="Counts per class and concept scheme, cost figures, cited sources")
def get_stats(state: ServiceState = Depends(get_state)) -> dict[str, Any]:
    return statistics(state.store)


@router.get("/prefixes", response_model=dict[str, str], summary="The prefixes every query may use without declaring them: prefix -> namespace")
def list_prefixes() -> dict[str, str]:
    """What ``/sparql`` predeclares (:data:`api.vocab.PREDECLARED`), as the service description lists it with ``sh:declare``."""
    return PREDECLARED


@router.get("/queries", summary="The query catalogue")
def list_queries(state: ServiceState = Depends(get_state)) -> list[dict[str, Any]]:
    return [q.to_dict() for q in catalogue(state.root).values()]


# The catalogue's answers: JSON by default (as for */* and no Accept), SPARQL 1.1 Query Results CSV and TSV on request.
RESULT_TYPES = ["application/json", "application/sparql-results+json", "text/csv", "text/tab-separated-values"]
RESULTS_SCHEMA = {"$ref": "#/components/schemas/SparqlResults"}
CATALOGUE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The answer, as the Accept header asks: SPARQL 1.1 Query Results JSON (default), CSV or TSV",
        "content": {
            "application/sparql-results+json": {"schema": RESULTS_SCHEMA},
            "text/csv": {"schema": {"type": "string"}},
            "text/tab-separated-values": {"schema": {"type": "string"}},
        },
    },
    406: error("None of the offered media types is acceptable: " + ", ".join(RESULT_TYPES)),
    422: ERRORS[422],
}


def catalogue_router(root: Path) -> APIRouter:
    """One GET operation per queries/*.rq, generated at start-up from the files (grlc-style), its parameters typed by the query's model."""
    r = APIRouter(prefix="/api/v1/queries", tags=["Query catalogue"], responses={422: ERRORS[422]})
    for name, q in catalogue(root).items():
        r.add_api_route(
            f"/{name}",
            _make_operation(q),
            methods=["GET"],
            summary=q.summary,
            description=q.description,
            name=f"query_{name.replace('-', '_')}",
            response_model=SparqlResults,
            responses=CATALOGUE_RESPONSES,
        )
    return r


def _make_operation(q: CatalogueQuery) -> Callable[..., Response]:
    variables = projection(q.text)

    def operation(params: CatalogueParameters, request: Request, state: ServiceState = Depends(get_state)) -> Response:
        media = choose(request.headers.get("accept"), RESULT_TYPES)
        if media is None:
            raise NotAcceptableError(RESULT_TYPES)
        rows = state.runner.run(q.name, params.values())  # a value the binder refuses: ParameterError, 422
        return results_response(variables, rows, media)

    # The parameters are the query's own model, read by FastAPI as query parameters. (The module's annotations are
    # strings, resolved in its globals, where a model made per query is not: the one annotation is given as the type.)
    operation.__annotations__["params"] = Annotated[query_model(q), Query()]
    operation.__name__ = f"query_{q.name.replace('-', '_')}"
    return operation
