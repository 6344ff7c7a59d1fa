"""Linked data: every IRI in our namespace and the ontology IRI dereference (HTML or RDF)."""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from api.catalogue.internal import internal
from api.errors import NotAcceptableError, NotFoundError
from api.vocab import ID, ONTOLOGY_IRI, PREFIXES, VOCAB
from api.web.deps import ServiceState, get_state
from api.web.negotiation import GRAPHS, choose
from api.web.render import ontology_page, resource_page, shapes_page
from api.web.views import ref_or_404

router = APIRouter(tags=["Linked data"])
SUFFIXES = {".ttl": "text/turtle", ".nt": "application/n-triples", ".jsonld": "application/ld+json", ".rdf": "application/rdf+xml", ".html": "text/html"}
OFFERED = ["text/html", "text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"]
# What the documents answer, for the OpenAPI: every offered media type, and the errors negotiation and lookup give.
DOCUMENT_RESPONSES: dict[int | str, dict] = {
    200: {"description": "The document, in the media type chosen by suffix or Accept", "content": {m: {} for m in OFFERED}},
    404: {"description": "No such resource (or not an IRI), or an unknown suffix"},
    406: {"description": "None of the offered media types is acceptable"},
}


def split_suffix(path: str) -> tuple[str, str | None]:
    for suffix, media in SUFFIXES.items():
        if path.endswith(suffix):
            return path[: -len(suffix)], media
    return path, None


def describe(state: ServiceState, iri: str) -> list[ox.Triple]:
    """The resource's triples, with its objects' labels (404 when ``iri`` is not a valid IRI)."""
    ref_or_404(iri)
    return state.store.construct(internal("describe", {"resource": iri}))


def rdf_response(triples: list[ox.Triple], media: str) -> Response:
    prefixes = PREFIXES if media in ("text/turtle",) else None
    body = ox.serialize(triples, format=GRAPHS[media], prefixes=prefixes) if prefixes else ox.serialize(triples, format=GRAPHS[media])
    return Response(body, media_type=media, headers={"Vary": "Accept"})


def negotiate(request: Request, forced: str | None) -> str:
    media = forced or choose(request.headers.get("accept"), OFFERED)
    if media is None:
        raise NotAcceptableError(OFFERED)
    return media


@router.get(
    "/context.jsonld",
    summary="The JSON-LD context of the knowledge graph",
    response_class=JSONResponse,
    responses={200: {"content": {"application/ld+json": {}}}},
)
def jsonld_context(state: ServiceState = Depends(get_state)) -> JSONResponse:
    rows = state.store.select(internal("ontology-properties"))
    ctx: dict[str, object] = {p: iri for p, iri in PREFIXES.items()}
    ctx["id"] = ID
    for r in rows:
        name = r["p"].value[len(VOCAB) :]
        if r["kind"].value.endswith("ObjectProperty"):
            ctx[name] = {"@id": r["p"].value, "@type": "@id"}
        else:
            ctx[name] = {"@id": r["p"].value}
    return JSONResponse({"@context": ctx}, media_type="application/ld+json")


def document(path: str, summary: str) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """A route of linked data: HTML for browsers, RDF for machines, negotiated (no response model)."""
    return router.get(path, summary=summary, response_model=None, response_class=Response, responses=DOCUMENT_RESPONSES)


@document("/ontology{suffix:path}", "The ontology: documentation for browsers, RDF for machines")
def ontology(request: Request, suffix: str = "", state: ServiceState = Depends(get_state)) -> Response:
    if suffix not in SUFFIXES and suffix != "":
        raise NotFoundError("resource", request.url.path)
    media = negotiate(request, SUFFIXES.get(suffix))
    if media == "text/html":
        return ontology_page(request, state)
    triples = state.store.construct(internal("ontology-graph", {"ontology": ONTOLOGY_IRI}))
    return rdf_response(triples, media)


@document("/shapes{suffix:path}", "The SHACL shapes: documentation for browsers, RDF for machines")
def shapes(request: Request, suffix: str = "", state: ServiceState = Depends(get_state)) -> Response:
    if suffix not in SUFFIXES and suffix != "" and not suffix.startswith("/"):
        raise NotFoundError("resource", request.url.path)
    media = negotiate(request, SUFFIXES.get(suffix))
    if media == "text/html":
        return shapes_page(request, state)
    graph = state.validator.shapes_graph
    triples = [q.triple for q in ox.parse(input=graph.serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES)]
    return rdf_response(triples, media)


@document("/id/{path:path}", "Dereference a resource of the knowledge graph")
def resource(path: str, request: Request, state: ServiceState = Depends(get_state)) -> Response:
    base, forced = split_suffix(path)
    iri = ID + base
    ref_or_404(iri)  # not an IRI: 404 before any query, for the HTML pages too
    media = negotiate(request, forced)
    if media == "text/html":
        return resource_page(request, state, iri)
    triples = describe(state, iri)
    if not triples:
        raise NotFoundError("resource", iri)
    return rdf_response(triples, media)
