"""The SPARQL 1.1 Protocol endpoint at /sparql: read-only, with content negotiation."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response

from ..config import ID, PREFIXES
from .data import cached
from .deps import ServiceState, get_state
from .executor import QueryBusyError, QueryTimeoutError, TooManyRowsError
from .guard import ForbiddenQueryError, check_query
from .negotiation import GRAPHS, RESULTS, SHORT, choose

router = APIRouter(tags=["SPARQL"])

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


DATASET_PARAMS = ("default-graph-uri", "named-graph-uri")
DATASET_REFUSED = (
    "default-graph-uri and named-graph-uri are not accepted: queries run on this knowledge graph's default graph only and never fetch remote data."
)


UPDATE_PARAMS = ("update", "using-graph-uri", "using-named-graph-uri")


def _error(status: int, message: str) -> PlainTextResponse:
    return PlainTextResponse(message + "\n", status_code=status)


def _refused(items: list[tuple[str, object]]) -> PlainTextResponse | None:
    """400 for parameters of an update, or of a dataset this endpoint will not fetch; None when there are none."""
    if any(k in UPDATE_PARAMS for k, _ in items):
        return _error(400, "This endpoint is read-only: SPARQL Update is not accepted.")
    if any(k in DATASET_PARAMS for k, _ in items):
        return _error(400, DATASET_REFUSED)
    return None


QUERY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed query, an update, a query that would fetch remote data, or an answer over the row cap", "content": {"text/plain": {}}},
    406: {"description": "None of the offered result formats is acceptable", "content": {"text/plain": {}}},
    503: {"description": "The query ran longer than the timeout and was stopped, or all workers are busy", "content": {"text/plain": {}}},
}
QUERY_PARAMETERS = [
    {"name": "query", "in": "query", "required": False, "schema": {"type": "string"}, "description": "A SPARQL 1.1 query; without it: the service description"},
    {"name": "format", "in": "query", "required": False, "schema": {"type": "string"}, "description": "json, xml, csv, tsv, ttl, nt, jsonld or rdf"},
]


@router.get(
    "/sparql",
    summary="SPARQL 1.1 query (GET); without a query: the service description",
    responses={200: {"content": {m: {} for m in list(RESULTS) + list(GRAPHS)}}, **QUERY_ERRORS},
    openapi_extra={"parameters": QUERY_PARAMETERS},
)
def sparql_get(request: Request, state: ServiceState = Depends(get_state)) -> Response:
    items = request.query_params.multi_items()
    if refused := _refused(items):
        return refused
    queries = [v for k, v in items if k == "query"]
    if len(queries) > 1:
        return _error(400, "More than one 'query' parameter.")
    if not queries:
        return service_description(request, state)
    return _answer(queries[0], request, state)


@router.post(
    "/sparql",
    summary="SPARQL 1.1 query (POST, form-encoded or application/sparql-query)",
    responses={
        200: {"content": {m: {} for m in list(RESULTS) + list(GRAPHS)}},
        **QUERY_ERRORS,
        415: {"description": "Unsupported content type", "content": {"text/plain": {}}},
    },
    openapi_extra={
        "parameters": QUERY_PARAMETERS[1:],
        "requestBody": {
            "required": True,
            "content": {
                FORM: {"schema": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}},
                SPARQL_QUERY: {"schema": {"type": "string"}},
            },
        },
    },
)
async def sparql_post(request: Request, state: ServiceState = Depends(get_state)) -> Response:
    ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    url_items = request.query_params.multi_items()
    if ctype == SPARQL_UPDATE:
        return _error(400, "This endpoint is read-only: SPARQL Update is not accepted.")
    if refused := _refused(url_items):
        return refused
    if ctype == FORM:
        form = await request.form()
        items = list(form.multi_items())
        if refused := _refused(items):
            return refused
        queries = [str(v) for k, v in items if k == "query"] + [v for k, v in url_items if k == "query"]
        if len(queries) != 1:
            return _error(400, "Exactly one 'query' parameter is required.")
        text = queries[0]
    elif ctype == SPARQL_QUERY:
        if any(k == "query" for k, _ in url_items):
            return _error(400, "A 'query' URL parameter is not allowed with an application/sparql-query body.")
        text = (await request.body()).decode("utf-8", errors="replace")
    else:
        return _error(415, f"Unsupported content type {ctype or '(none)'}: use {FORM} or {SPARQL_QUERY}.")
    return await run_in_threadpool(_answer, text, request, state)  # waits on a worker: keep the event loop free


def _format(request: Request, offered: list[str]) -> str | None:
    forced = request.query_params.get("format")
    if forced:
        media = SHORT.get(forced, forced)
        return media if media in offered else None
    return choose(request.headers.get("accept"), offered)


def _answer(text: str, request: Request, state: ServiceState) -> Response:
    try:
        check_query(text)
    except ForbiddenQueryError as exc:
        return _error(400, str(exc))
    if not state.embedded:
        return _forward(text, request, state)
    results_media = _format(request, list(RESULTS))
    graph_media = _format(request, list(GRAPHS))
    if results_media is None and graph_media is None:
        return _error(406, "Not acceptable: " + ", ".join(list(RESULTS) + list(GRAPHS)))
    try:
        answer = state.executor.run(
            text,
            results_format=RESULTS[results_media or "application/sparql-results+json"].media_type,
            graph_format=GRAPHS[graph_media or "text/turtle"].media_type,
        )
    except QueryTimeoutError as exc:
        return _error(503, str(exc))
    except QueryBusyError as exc:
        return _error(503, str(exc))
    except TooManyRowsError as exc:
        return _error(400, str(exc))
    if answer.kind == "syntax":
        return _error(400, f"Malformed query: {answer.body.decode()}")
    if answer.kind == "error":
        return _error(400, f"Query evaluation failed: {answer.body.decode()}")
    chosen = graph_media if answer.kind == "graph" else results_media
    if chosen is None:
        offered = GRAPHS if answer.kind == "graph" else RESULTS
        return _error(406, "Not acceptable: " + ", ".join(offered))
    return Response(answer.body, media_type=chosen if not chosen.startswith("text/") else chosen + "; charset=utf-8")


def _forward(text: str, request: Request, state: ServiceState) -> Response:
    """Pass a query to the configured remote endpoint, with the client's Accept header."""
    import urllib.parse

    from ..store import _with_prefixes

    data = urllib.parse.urlencode({"query": _with_prefixes(text)}).encode()  # same predeclared prefixes as embedded
    accept = request.headers.get("accept") or "application/sparql-results+json"
    req = urllib.request.Request(state.store.endpoint, data=data, headers={"Accept": accept, "Content-Type": FORM})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=state.store.timeout) as resp:  # noqa: S310 - the configured endpoint
            return Response(resp.read(), media_type=resp.headers.get("content-type"))
    except urllib.error.HTTPError as exc:
        return _error(exc.code, exc.read().decode("utf-8", errors="replace"))
    except OSError as exc:
        return _error(502, f"The SPARQL server did not answer: {exc}")


DUMPS = {"nt": "application/n-triples", "ttl": "text/turtle", "jsonld": "application/ld+json"}


@router.get(
    "/dataset.{ext}",
    summary="The whole dataset (asserted and inferred triples) as one download: nt, ttl or jsonld",
    responses={200: {"content": {m: {} for m in DUMPS.values()}}, 404: {"description": "Unknown format, or a remote store"}},
)
def dataset_dump(ext: str, state: ServiceState = Depends(get_state)) -> Response:
    """The data dump the row cap points to: what the endpoint will not return in one answer."""
    if ext not in DUMPS or not state.embedded:
        return _error(404, "Download the dataset as /dataset.nt, /dataset.ttl or /dataset.jsonld (embedded store only).")

    def serialise() -> bytes:
        triples = sorted(state.store.triples(), key=str)
        return ox.serialize(triples, format=GRAPHS[DUMPS[ext]], prefixes=PREFIXES if ext != "nt" else None)

    body = cached(state, ("dataset", ext), serialise)  # kept until the next write
    return Response(body, media_type=DUMPS[ext], headers={"Content-Disposition": f'attachment; filename="mhkg.{ext}"'})


def service_description(request: Request, state: ServiceState) -> Response:
    """A SPARQL 1.1 Service Description with a VoID description of the default dataset."""
    endpoint = str(request.url_for("sparql_get"))
    count = state.store.count()
    dumps = ""
    if state.embedded:
        urls = " , ".join(f"<{request.url_for('dataset_dump', ext=ext)}>" for ext in DUMPS)
        dumps = f"            void:dataDump {urls} ;\n"
    ttl = f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix formats: <http://www.w3.org/ns/formats/> .

<{endpoint}> a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat formats:SPARQL_Results_JSON , formats:SPARQL_Results_XML , formats:SPARQL_Results_CSV , formats:SPARQL_Results_TSV ,
        formats:Turtle , formats:N-Triples , formats:JSON-LD , formats:RDF_XML ;
    sd:defaultDataset [
        a sd:Dataset ;
        sd:defaultGraph [ a sd:Graph , void:Dataset ;
            dcterms:title "Kunskapsgraf för psykisk hälsa (Region Stockholm)"@sv , "Mental Health Knowledge Graph (Region Stockholm)"@en ;
            void:triples {count} ;
            void:uriSpace "{ID}" ;
            void:sparqlEndpoint <{endpoint}> ;
{dumps}            void:vocabulary <https://w3id.org/mhkg/ontology> ]
    ] .
"""
    media = choose(request.headers.get("accept"), ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"])
    if media in (None, "text/turtle"):
        return Response(ttl, media_type="text/turtle")
    triples = [q.triple for q in ox.parse(input=ttl.encode(), format=ox.RdfFormat.TURTLE)]
    return Response(ox.serialize(triples, format=GRAPHS[media]), media_type=media)
