"""The SPARQL 1.1 Protocol endpoints: /sparql (public, read-only) and /update (write token only).

Every public query is checked by the parse policy and evaluated in a sandboxed worker
(:mod:`api.sparql.policy`, :mod:`api.sparql.executor`). A dataset given by ``FROM``/``FROM NAMED`` or by
``default-graph-uri``/``named-graph-uri`` names graphs of the store: nothing is ever fetched, and a
graph the store lacks is empty. Relative IRIs resolve against the endpoint's own IRI.
"""

from __future__ import annotations

import asyncio
import functools
import urllib.parse
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response

from api.catalogue import prefix_declarations
from api.curation import check_token, serialised
from api.errors import NotAcceptableError, QueryFailedError
from api.i18n import message
from api.knowledge.build import DOWNLOADS, void_description
from api.sparql.executor import Job
from api.sparql.policy import check_update, engine_error, iri_ref
from api.store import EmbeddedStore, RemoteStore
from api.store.protocol import serialize
from api.vocab import ID, PREFIXES
from api.web.deps import ServiceState, client_of, get_state
from api.web.negotiation import GRAPHS, RESULTS, SHORT, choose, media_type
from api.web.views import cached

router = APIRouter(tags=["SPARQL"])

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
UPDATE_PARAMS = ("update", "using-graph-uri", "using-named-graph-uri")
READ_ONLY = message("read_only_endpoint", "en") + "\n" + message("read_only_endpoint", "sv")


def _error(status: int, message: str, *, retry_after: int | None = None, headers: dict[str, str] | None = None) -> PlainTextResponse:
    extra = dict(headers or {})
    if retry_after is not None:
        extra["Retry-After"] = str(retry_after)
    return PlainTextResponse(message + "\n", status_code=status, headers=extra)


def _media_type(request: Request) -> tuple[str, PlainTextResponse | None]:
    """The request's media type (parsed as negotiation parses them), or a 415 for a charset other than UTF-8
    (the protocol's only encoding). A malformed Content-Type is no media type: ``""``."""
    parsed = media_type(request.headers.get("content-type") or "")
    if parsed is None:
        return "", None
    charset = dict(parsed.params).get("charset")
    if charset is not None and charset not in ("utf-8", "utf8"):
        return f"{parsed.type}/{parsed.subtype}", _error(415, f"Unsupported charset {charset}: SPARQL requests are UTF-8.")
    return f"{parsed.type}/{parsed.subtype}", None


async def _body_text(request: Request, what: str) -> tuple[str, PlainTextResponse | None]:
    """The request body as UTF-8 text, or a 400 naming ``what`` is not UTF-8."""
    try:
        return (await request.body()).decode("utf-8"), None
    except UnicodeDecodeError:
        return "", _error(400, f"The {what} is not UTF-8.")


def _read_only(items: list[tuple[str, Any]]) -> PlainTextResponse | None:
    """400 for the parameters of an update (update, using-graph-uri …): this endpoint only answers queries."""
    return _error(400, READ_ONLY) if any(k in UPDATE_PARAMS for k, _ in items) else None


def _dataset(items: list[tuple[str, Any]]) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """The protocol's dataset: graphs of the store named by default-graph-uri / named-graph-uri (never fetched).

    Raises:
        PolicyError: a graph name is not an IRI.
    """
    default = tuple(str(v) for k, v in items if k == "default-graph-uri")
    named = tuple(str(v) for k, v in items if k == "named-graph-uri")
    for iri in default + named:
        iri_ref(iri)
    if not default and not named:
        return None, None
    return default, named


QUERY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed query (with line and column), SERVICE, an update, too deep, or an answer over the row cap", "content": {"text/plain": {}}},
    406: {"description": "None of the offered result formats is acceptable", "content": {"text/plain": {}}},
    415: {"description": "Unsupported content type or charset", "content": {"text/plain": {}}},
    429: {"description": "This client already has as many queries in flight as one client may (Retry-After)", "content": {"text/plain": {}}},
    503: {
        "description": "Stopped at the timeout or the memory limit, or all workers busy (Retry-After)",
        "content": {"text/plain": {}},
    },
}
QUERY_PARAMETERS = [
    {"name": "query", "in": "query", "required": False, "schema": {"type": "string"}, "description": "A SPARQL 1.1 query; without it: the service description"},
    {
        "name": "default-graph-uri",
        "in": "query",
        "required": False,
        "schema": {"type": "array", "items": {"type": "string"}},
        "description": "A graph of the store to use as (part of) the default graph; never fetched",
    },
    {
        "name": "named-graph-uri",
        "in": "query",
        "required": False,
        "schema": {"type": "array", "items": {"type": "string"}},
        "description": "A graph of the store to use as a named graph; never fetched",
    },
    {"name": "format", "in": "query", "required": False, "schema": {"type": "string"}, "description": "json, xml, csv, tsv, ttl, nt, jsonld or rdf"},
]


@router.get(
    "/sparql",
    summary="SPARQL 1.1 query (GET); without a query: the service description",
    responses={200: {"content": {m: {} for m in list(RESULTS) + list(GRAPHS)}}, **QUERY_ERRORS},
    openapi_extra={"parameters": QUERY_PARAMETERS},
)
async def sparql_get(request: Request, state: ServiceState = Depends(get_state)) -> Response:
    items = request.query_params.multi_items()
    if refused := _read_only(items):
        return refused
    queries = [v for k, v in items if k == "query"]
    if len(queries) > 1:
        return _error(400, "More than one 'query' parameter.")
    if not queries:
        return service_description(request, state)
    return await _answer(queries[0], items, request, state)


@router.post(
    "/sparql",
    summary="SPARQL 1.1 query (POST, form-encoded or application/sparql-query)",
    responses={200: {"content": {m: {} for m in list(RESULTS) + list(GRAPHS)}}, **QUERY_ERRORS},
    openapi_extra={
        "parameters": QUERY_PARAMETERS[1:],
        "requestBody": {
            "required": True,
            "content": {
                FORM: {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "query": {"type": "string"},
                            "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                            "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                        },
                        "required": ["query"],
                    }
                },
                SPARQL_QUERY: {"schema": {"type": "string"}},
            },
        },
    },
)
async def sparql_post(request: Request, state: ServiceState = Depends(get_state)) -> Response:
    ctype, refused = _media_type(request)
    if refused:
        return refused
    url_items = request.query_params.multi_items()
    if ctype == SPARQL_UPDATE:
        return _error(400, READ_ONLY)
    if refused := _read_only(url_items):
        return refused
    if ctype == FORM:
        text, refused = await _body_text(request, "form")
        if refused:
            return refused
        form_items = urllib.parse.parse_qsl(text, keep_blank_values=True)
        if refused := _read_only(form_items):
            return refused
        queries = [v for k, v in form_items + url_items if k == "query"]
        if len(queries) != 1:
            return _error(400, "Exactly one 'query' parameter is required.")
        return await _answer(queries[0], url_items + form_items, request, state)
    if ctype == SPARQL_QUERY:
        if any(k == "query" for k, _ in url_items):
            return _error(400, "A 'query' URL parameter is not allowed with an application/sparql-query body.")
        text, refused = await _body_text(request, "query")
        if refused:
            return refused
        return await _answer(text, url_items, request, state)
    return _error(415, f"Unsupported content type {ctype or '(none)'}: use {FORM} or {SPARQL_QUERY}.")


def _format(request: Request, offered: list[str]) -> str | None:
    forced = request.query_params.get("format")
    if forced:
        media = SHORT.get(forced, forced)
        return media if media in offered else None
    return choose(request.headers.get("accept"), offered)


async def _answer(text: str, items: list[tuple[str, Any]], request: Request, state: ServiceState) -> Response:
    default, named = _dataset(items)
    results_media = _format(request, list(RESULTS))
    graph_media = _format(request, list(GRAPHS))
    if results_media is None and graph_media is None:
        return _error(406, "Not acceptable: " + ", ".join(list(RESULTS) + list(GRAPHS)))
    job = Job(
        text,
        results_format=RESULTS[results_media or "application/sparql-results+json"].media_type,
        graph_format=GRAPHS[graph_media or "text/turtle"].media_type,
        default_graph=default,
        named_graphs=named,
        base_iri=str(request.url_for("sparql_get")),
    )
    answer = await state.executor.run(job, client=client_of(request))  # its refusals and failures: api.web.errors answers them
    if answer.kind == "checked":  # a remote store: the policy accepted it, the server evaluates the text it parsed
        return await asyncio.to_thread(_forward, answer.body.decode(), items, request, state)
    chosen = graph_media if answer.kind == "graph" else results_media
    if chosen is None:
        offered = GRAPHS if answer.kind == "graph" else RESULTS
        return _error(406, "Not acceptable: " + ", ".join(offered))
    return Response(answer.body, media_type=chosen if not chosen.startswith("text/") else chosen + "; charset=utf-8")


def _forward(text: str, items: list[tuple[str, Any]], request: Request, state: ServiceState) -> Response:
    """Pass a checked query to the configured remote endpoint, with the client's Accept header and dataset."""
    assert isinstance(state.store, RemoteStore)
    dataset = [(k, str(v)) for k, v in items if k in ("default-graph-uri", "named-graph-uri")]
    answer = state.store.forward(text, dataset=dataset, accept=request.headers.get("accept") or "application/sparql-results+json")  # StoreError: 502
    if answer.is_error:
        return _error(answer.status_code, answer.text)
    return Response(answer.content, media_type=answer.headers.get("content-type"))


# ------------------------------------------------------------------------------------------- /update
@router.post(
    "/update",
    summary="SPARQL 1.1 Update (POST, form-encoded or application/sparql-update); needs the write token",
    responses={
        204: {"description": "The update was applied, all of it (one transaction)"},
        400: {"description": "Malformed update (with line and column), LOAD or SERVICE, or a dataset conflict", "content": {"text/plain": {}}},
        401: {"description": "No write token", "content": {"text/plain": {}}},
        403: {"description": "A wrong write token, or writes are switched off (no token configured)", "content": {"text/plain": {}}},
        415: {"description": "Unsupported content type or charset", "content": {"text/plain": {}}},
        501: {"description": "The service runs on a remote SPARQL server: send updates there", "content": {"text/plain": {}}},
    },
    openapi_extra={
        "parameters": [
            {"name": "using-graph-uri", "in": "query", "required": False, "schema": {"type": "array", "items": {"type": "string"}}},
            {"name": "using-named-graph-uri", "in": "query", "required": False, "schema": {"type": "array", "items": {"type": "string"}}},
        ],
        "requestBody": {
            "required": True,
            "content": {
                FORM: {"schema": {"type": "object", "properties": {"update": {"type": "string"}}, "required": ["update"]}},
                SPARQL_UPDATE: {"schema": {"type": "string"}},
            },
        },
    },
)
async def sparql_update(request: Request, state: ServiceState = Depends(get_state)) -> Response:
    check_token(state.token, request.headers.get("authorization"))  # as for submissions: 401 without a token, 403 for a wrong one or when writes are off
    ctype, refused = _media_type(request)
    if refused:
        return refused
    url_items = request.query_params.multi_items()
    if ctype == FORM:
        text, refused = await _body_text(request, "form")
        if refused:
            return refused
        items = url_items + urllib.parse.parse_qsl(text, keep_blank_values=True)
        updates = [v for k, v in items if k == "update"]
        if len(updates) != 1 or any(k == "query" for k, _ in items):
            return _error(400, "Exactly one 'update' parameter (and no 'query') is required.")
        update = updates[0]
    elif ctype == SPARQL_UPDATE:
        if any(k in ("update", "query") for k, _ in url_items):
            return _error(400, "An 'update' or 'query' URL parameter is not allowed with an application/sparql-update body.")
        update, refused = await _body_text(request, "update")
        if refused:
            return refused
        items = url_items
    else:
        return _error(415, f"Unsupported content type {ctype or '(none)'}: use {FORM} or {SPARQL_UPDATE}.")
    if not state.embedded:
        return _error(501, "This service runs on a remote SPARQL server: send updates to that server.")
    using = [str(v) for k, v in items if k == "using-graph-uri"]
    using_named = [str(v) for k, v in items if k == "using-named-graph-uri"]
    text, _ = await asyncio.to_thread(check_update, update, using=using, using_named=using_named)  # PolicyError: 400
    base = str(request.url_for("sparql_update"))

    try:
        assert isinstance(state.store, EmbeddedStore)
        await serialised(state.write_lock, functools.partial(state.store.update, text, base_iri=base))  # one write at a time, with submissions
    except SyntaxError as exc:  # read more strictly by the engine than by the grammar (a blank node in DELETE DATA …)
        return _error(400, QueryFailedError("engine_syntax_update", **engine_error(str(exc), text)).both())
    except (ValueError, OSError) as exc:
        return _error(400, f"The update failed and changed nothing: {exc}")
    return Response(status_code=204)


DUMPS = DOWNLOADS


@router.get(
    "/dataset.{ext}",
    summary="The whole dataset (asserted and inferred triples) as one download: nt, ttl or jsonld",
    responses={200: {"content": {m: {} for m in DUMPS.values()}}, 404: {"description": "Unknown format, or a remote store"}},
)
def dataset_dump(ext: str, state: ServiceState = Depends(get_state)) -> Response:
    """The data dump the row cap points to: what the endpoint will not return in one answer."""
    if ext not in DUMPS or not state.embedded:
        return _error(404, "Download the dataset as /dataset.nt, /dataset.ttl or /dataset.jsonld (embedded store only).")

    store = state.store
    assert isinstance(store, EmbeddedStore)

    def serialise() -> bytes:
        return serialize(sorted(store.triples(), key=str), GRAPHS[DUMPS[ext]], prefixes=PREFIXES if ext != "nt" else None)

    body = cached(state, ("dataset", ext), serialise)  # kept until the next write
    return Response(body, media_type=DUMPS[ext], headers={"Content-Disposition": f'attachment; filename="mhkg.{ext}"'})


SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
DESCRIPTION_PREFIXES = {**PREFIXES, "sd": SD, "formats": FORMATS}
DESCRIBED_AS = ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"]


def dataset_description(request: Request, state: ServiceState) -> list[ox.Triple]:
    """The dataset's VoID and DCAT description (:func:`api.knowledge.build.void_description`) with this service's own
    URLs: its endpoint and, on an embedded store, its downloads. Computed once per data version."""
    endpoint = str(request.url_for("sparql_get"))
    downloads = {ext: str(request.url_for("dataset_dump", ext=ext)) for ext in DUMPS} if state.embedded else {}
    return cached(state, ("void", endpoint, tuple(downloads.values())), lambda: void_description(state.store, endpoint=endpoint, downloads=downloads))


def service_description(request: Request, state: ServiceState) -> Response:
    """A SPARQL 1.1 Service Description: the endpoint, what it speaks, the prefixes it predeclares (``sh:declare``, as
    SHACL declares prefixes and SIB's sparql-editor reads them), and its default graph described by VoID and DCAT with
    class and property partitions (:func:`dataset_description`)."""
    endpoint = ox.NamedNode(str(request.url_for("sparql_get")))
    rdf_type = ox.NamedNode(PREFIXES["rdf"] + "type")
    dataset, graph = ox.BlankNode("defaultDataset"), ox.NamedNode(ID + "dataset/mhkg")
    formats = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML")
    triples = [
        ox.Triple(endpoint, rdf_type, ox.NamedNode(SD + "Service")),
        ox.Triple(endpoint, ox.NamedNode(SD + "endpoint"), endpoint),
        ox.Triple(endpoint, ox.NamedNode(SD + "supportedLanguage"), ox.NamedNode(SD + "SPARQL11Query")),
        *(ox.Triple(endpoint, ox.NamedNode(SD + "resultFormat"), ox.NamedNode(FORMATS + f)) for f in formats),
        ox.Triple(endpoint, ox.NamedNode(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, ox.NamedNode(SD + "Dataset")),
        ox.Triple(dataset, ox.NamedNode(SD + "defaultGraph"), graph),
        ox.Triple(graph, rdf_type, ox.NamedNode(SD + "Graph")),
        *prefix_declarations(endpoint.value),
        *dataset_description(request, state),
    ]
    media = choose(request.headers.get("accept"), DESCRIBED_AS) or "text/turtle"
    return _described(triples, media)


def _described(triples: list[ox.Triple], media: str) -> Response:
    prefixes = DESCRIPTION_PREFIXES if media == "text/turtle" else None
    return Response(serialize(triples, GRAPHS[media], prefixes=prefixes), media_type=media)  # Vary: Accept comes from api.web.caching


@router.get(
    "/.well-known/void",
    summary="The dataset's VoID description (VoID §6.2, the well-known URI), with its DCAT distributions",
    response_class=Response,
    responses={200: {"content": {m: {} for m in DESCRIBED_AS}}, 406: {"description": "None of the offered media types is acceptable"}},
)
def well_known_void(request: Request, state: ServiceState = Depends(get_state)) -> Response:
    """What the service description says of its default graph, on its own: VoID, DCAT, the partitions."""
    media = choose(request.headers.get("accept"), DESCRIBED_AS)
    if media is None:
        raise NotAcceptableError(DESCRIBED_AS)
    return _described(dataset_description(request, state), media)
