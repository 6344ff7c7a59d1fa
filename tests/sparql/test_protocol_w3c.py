"""The W3C SPARQL 1.1 Protocol test suite (34 tests), as the project's own table-driven tests.

The table below transcribes every entry of the W3C protocol manifest
(``data-sparql11/protocol/manifest.ttl``, W3C test suite licence), in manifest order, as Python
data: nothing here reads the reference at run time. One test alone, which skips when the
reference folder is absent, parses the manifest and checks that the table still says exactly
what it says, so the two can never drift apart.

The manifest writes every request against ``/sparql/`` and lets a runner use distinct query
and update endpoints. Each request here names its endpoint explicitly (``QUERY_EP`` or
``UPDATE_EP``): the POST requests that carry an update (the first request of each ``update_*``
test, the single request of ``bad_multiple_updates`` and of each ``bad_update_*`` test but
one) go to the update endpoint with the bearer token, every other request to the query
endpoint. The one: ``bad_update_get``. The protocol sends updates by POST only, so a GET is a
query-operation request whatever its parameters, and goes to the query endpoint, which must
refuse it (4xx). Oxigraph's update endpoint answers any GET with its service description (200),
so routing it there would make the reference run fail on a request that is not an update
operation at all; this service's ``GET /update`` is checked apart
(``test_mhkg_update_endpoint_refuses_get``).

The same table runs twice, over real HTTP:

* against the real Oxigraph server (``oxigraph serve``: ``/query`` and ``/update``), to show
  that the runner and the table are right;
* against this service (``/sparql`` and ``/update``), on its own embedded store holding the
  bundled knowledge plus the three graphs of the suite, reset before every case.

Results are checked as the W3C runner does: the status class, then for ``"boolean"`` the answer
parsed by its Content-Type (SPARQL JSON or XML results) and its boolean, for ``"tabular"`` a
SPARQL results format (JSON, XML, CSV, TSV) with a head, for ``"RDF"`` an RDF media type whose
body pyoxigraph parses (with no base IRI: relative IRIs must have been resolved by the server).
"""

from __future__ import annotations

import json
import urllib.parse
import xml.etree.ElementTree as ET  # noqa: S405 - parsing answers of local test servers only
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest

from api.knowledge.build import BuildReport
from api.store import EmbeddedStore
from harness import OXIGRAPH_PROBE, oxigraph_binary, oxigraph_serve, serve_app, wait_for

TOKEN = "w3c-protocol-suite-token"  # noqa: S105 - a test-only bearer token
REFERENCE = Path("/work/shared/data/w3c-sparql11-protocol")  # read by test_table_matches_the_w3c_manifest only
MANIFEST_IRI = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest"

KASEI = "http://kasei.us/2009/09/sparql/data/"
DATA0 = KASEI + "data0.rdf"  # named by the suite, held by no store: an empty graph
DATA1 = KASEI + "data1.rdf"
DATA2 = KASEI + "data2.rdf"
DATA3 = KASEI + "data3.rdf"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
FOAF_DOCUMENT = ox.NamedNode("http://xmlns.com/foaf/0.1/Document")
# The suite's data1.nt, data2.nt, data3.nt: graph <dataN.rdf> holds <dataN.rdf> rdf:type foaf:Document.
GRAPHS: dict[str, list[ox.Triple]] = {iri: [ox.Triple(ox.NamedNode(iri), RDF_TYPE, FOAF_DOCUMENT)] for iri in (DATA1, DATA2, DATA3)}
GRAPH_QUADS = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(iri)) for iri, triples in GRAPHS.items() for t in triples]

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"

QUERY_EP = "query"  # the query endpoint: /sparql here, /query on Oxigraph
UPDATE_EP = "update"  # the update endpoint: /update on both, with the bearer token
OK = "2xx-3xx"  # hts:StatusCode2xx, hts:StatusCode3xx
BAD = "4xx"  # hts:StatusCode4xx

SPARQL_RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"
JSON_RESULTS = {"application/sparql-results+json", "application/json"}
XML_RESULTS = {"application/sparql-results+xml", "application/xml", "text/xml"}
CSV_RESULTS = {"text/csv"}
TSV_RESULTS = {"text/tab-separated-values"}
RDF_MEDIA = {"text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json", "application/n-quads", "application/trig", "text/n3"}


@dataclass(frozen=True)
class Req:
    """One ht:Request of the manifest and its expected ht:Response."""

    method: str
    target: str  # path and query relative to the endpoint: the manifest's ht:absolutePath without its "/sparql/"
    endpoint: str  # QUERY_EP or UPDATE_EP
    status: str  # OK or BAD
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    boolean: bool | None = None  # mf:expectedBoolean
    fmt: str | None = None  # mf:expectedFormat: "boolean", "tabular" or "RDF"


def qs(*pairs: tuple[str, str]) -> str:
    """A query string, every reserved character percent-encoded (``%20`` for a space), as the manifest writes them."""
    return "?" + urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote, safe="")


def ct(media: str) -> tuple[tuple[str, str], ...]:
    """The headers of a request with this Content-Type (the only request header the manifest uses)."""
    return (("content-type", media),)


ASK_DEFAULT_1_2 = "ASK { <http://kasei.us/2009/09/sparql/data/data1.rdf> a ?type . <http://kasei.us/2009/09/sparql/data/data2.rdf> a ?type . }"
ASK_NAMED_1_2 = (
    "ASK { GRAPH ?g1 { <http://kasei.us/2009/09/sparql/data/data1.rdf> a ?type } GRAPH ?g2 { <http://kasei.us/2009/09/sparql/data/data2.rdf> a ?type } }"
)

CASES = [
    pytest.param(  # query via URL-encoded POST
        [Req("POST", qs(("default-graph-uri", DATA0)), QUERY_EP, OK, ct(FORM), b"query=ASK%20%7B%7D", boolean=True, fmt="boolean")],
        id="query_post_form",
    ),
    pytest.param(  # GET query with protocol-specified default graph
        [Req("GET", qs(("query", ASK_DEFAULT_1_2), ("default-graph-uri", DATA1), ("default-graph-uri", DATA2)), QUERY_EP, OK, boolean=True, fmt="boolean")],
        id="query_dataset_default_graphs_get",
    ),
    pytest.param(  # POST query with protocol-specified default graphs
        [
            Req(
                "POST",
                qs(("default-graph-uri", DATA1), ("default-graph-uri", DATA2)),
                QUERY_EP,
                OK,
                ct(QUERY),
                ASK_DEFAULT_1_2.encode(),
                boolean=True,
                fmt="boolean",
            )
        ],
        id="query_dataset_default_graphs_post",
    ),
    pytest.param(  # POST query with protocol-specified named graphs
        [Req("POST", qs(("named-graph-uri", DATA1), ("named-graph-uri", DATA2)), QUERY_EP, OK, ct(QUERY), ASK_NAMED_1_2.encode(), boolean=True, fmt="boolean")],
        id="query_dataset_named_graphs_post",
    ),
    pytest.param(  # GET query with protocol-specified named graphs
        [Req("GET", qs(("query", ASK_NAMED_1_2), ("named-graph-uri", DATA1), ("named-graph-uri", DATA2)), QUERY_EP, OK, boolean=True, fmt="boolean")],
        id="query_dataset_named_graphs_get",
    ),
    pytest.param(  # query with protocol-specified dataset (both named and default graphs)
        [
            Req(
                "POST",
                qs(("default-graph-uri", DATA3), ("named-graph-uri", DATA1), ("named-graph-uri", DATA2)),
                QUERY_EP,
                OK,
                ct(QUERY),
                b"""ASK {
  <http://kasei.us/2009/09/sparql/data/data3.rdf> a ?type
  GRAPH ?g1 { <http://kasei.us/2009/09/sparql/data/data1.rdf> a ?type }
  GRAPH ?g2 { <http://kasei.us/2009/09/sparql/data/data2.rdf> a ?type }
}""",
                boolean=True,
                fmt="boolean",
            )
        ],
        id="query_dataset_full",
    ),
    pytest.param(  # query specifying dataset in both query string and protocol; test for use of protocol-specified dataset
        [
            Req(
                "POST",
                qs(("named-graph-uri", DATA1), ("named-graph-uri", DATA2)),
                QUERY_EP,
                OK,
                ct(QUERY),
                b"ASK FROM <http://kasei.us/2009/09/sparql/data/data3.rdf> { GRAPH ?g1 { <http://kasei.us/2009/09/sparql/data/data1.rdf> a ?type } "
                b"GRAPH ?g2 { <http://kasei.us/2009/09/sparql/data/data2.rdf> a ?type } }",
                boolean=True,
                fmt="boolean",
            )
        ],
        id="query_multiple_dataset",
    ),
    pytest.param(  # query via GET
        [Req("GET", qs(("query", "ASK {}"), ("default-graph-uri", DATA0)), QUERY_EP, OK, boolean=True, fmt="boolean")],
        id="query_get",
    ),
    pytest.param(  # query appropriate content type (expect one of: XML, JSON, CSV, TSV)
        [Req("POST", qs(("default-graph-uri", DATA0)), QUERY_EP, OK, ct(QUERY), b"SELECT (1 AS ?value) {}", fmt="tabular")],
        id="query_content_type_select",
    ),
    pytest.param(  # query appropriate content type (expect one of: XML, JSON)
        [Req("POST", qs(("default-graph-uri", DATA0)), QUERY_EP, OK, ct(QUERY), b"ASK {}", fmt="boolean")],
        id="query_content_type_ask",
    ),
    pytest.param(  # query appropriate content type (expect one of: RDF/XML, Turtle, N-Triples, RDFa)
        [Req("POST", qs(("default-graph-uri", DATA0)), QUERY_EP, OK, ct(QUERY), b"DESCRIBE <http://example.org/>", fmt="RDF")],
        id="query_content_type_describe",
    ),
    pytest.param(  # query appropriate content type (expect one of: RDF/XML, Turtle, N-Triples, RDFa)
        [Req("POST", qs(("default-graph-uri", DATA0)), QUERY_EP, OK, ct(QUERY), b"CONSTRUCT { <s> <p> 1 } WHERE {}", fmt="RDF")],
        id="query_content_type_construct",
    ),
    pytest.param(  # update with protocol-specified default graph
        [
            Req(
                "POST",
                qs(("using-graph-uri", DATA1)),
                UPDATE_EP,
                OK,
                ct(UPDATE),
                b"""PREFIX dc: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
CLEAR ALL ;
INSERT DATA {
    GRAPH <http://kasei.us/2009/09/sparql/data/data1.rdf> {
        <http://kasei.us/2009/09/sparql/data/data1.rdf> a foaf:Document
    }
} ;
INSERT {
    GRAPH <http://example.org/protocol-update-dataset-test/> {
        ?s a dc:BibliographicResource
    }
}
WHERE {
    ?s a foaf:Document
}""",
            ),
            Req(
                "POST",
                "",
                QUERY_EP,
                OK,
                ct(QUERY),
                b"""ASK {
    GRAPH <http://example.org/protocol-update-dataset-test/> {
        <http://kasei.us/2009/09/sparql/data/data1.rdf> a <http://purl.org/dc/terms/BibliographicResource>
    }
}""",
                boolean=True,
                fmt="boolean",
            ),
        ],
        id="update_dataset_default_graph",
    ),
    pytest.param(  # update with protocol-specified default graphs
        [
            Req(
                "POST",
                qs(("using-graph-uri", DATA1), ("using-graph-uri", DATA2)),
                UPDATE_EP,
                OK,
                ct(UPDATE),
                b"""PREFIX dc: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
DROP ALL ;
INSERT DATA {
    GRAPH <http://kasei.us/2009/09/sparql/data/data1.rdf> { <http://kasei.us/2009/09/sparql/data/data1.rdf> a foaf:Document }
    GRAPH <http://kasei.us/2009/09/sparql/data/data2.rdf> { <http://kasei.us/2009/09/sparql/data/data2.rdf> a foaf:Document }
    GRAPH <http://kasei.us/2009/09/sparql/data/data3.rdf> { <http://kasei.us/2009/09/sparql/data/data3.rdf> a foaf:Document }
} ;
INSERT {
    GRAPH <http://example.org/protocol-update-dataset-graphs-test/> {
        ?s a dc:BibliographicResource
    }
}
WHERE {
    ?s a foaf:Document
}""",
            ),
            Req(
                "POST",
                "",
                QUERY_EP,
                OK,
                ct(QUERY),
                b"""ASK {
    GRAPH <http://example.org/protocol-update-dataset-graphs-test/> {
        <http://kasei.us/2009/09/sparql/data/data1.rdf> a <http://purl.org/dc/terms/BibliographicResource> .
        <http://kasei.us/2009/09/sparql/data/data2.rdf> a <http://purl.org/dc/terms/BibliographicResource> .
    }
    FILTER NOT EXISTS {
        GRAPH <http://example.org/protocol-update-dataset-graphs-test/> {
            <http://kasei.us/2009/09/sparql/data/data3.rdf> a <http://purl.org/dc/terms/BibliographicResource> .
        }
    }
}""",
                boolean=True,
                fmt="boolean",
            ),
        ],
        id="update_dataset_default_graphs",
    ),
    pytest.param(  # update with protocol-specified named graphs
        [
            Req(
                "POST",
                qs(("using-named-graph-uri", DATA1), ("using-named-graph-uri", DATA2)),
                UPDATE_EP,
                OK,
                ct(UPDATE),
                b"""PREFIX dc: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
DROP ALL ;
INSERT DATA {
    GRAPH <http://kasei.us/2009/09/sparql/data/data1.rdf> { <http://kasei.us/2009/09/sparql/data/data1.rdf> a foaf:Document }
    GRAPH <http://kasei.us/2009/09/sparql/data/data2.rdf> { <http://kasei.us/2009/09/sparql/data/data2.rdf> a foaf:Document }
    GRAPH <http://kasei.us/2009/09/sparql/data/data3.rdf> { <http://kasei.us/2009/09/sparql/data/data3.rdf> a foaf:Document }
} ;
INSERT {
    GRAPH <http://example.org/protocol-update-dataset-named-graphs-test/> {
        ?s a dc:BibliographicResource
    }
}
WHERE {
    GRAPH ?g {
        ?s a foaf:Document
    }
}""",
            ),
            Req(
                "POST",
                "",
                QUERY_EP,
                OK,
                ct(QUERY),
                b"""ASK {
    GRAPH <http://example.org/protocol-update-dataset-named-graphs-test/> {
        <http://kasei.us/2009/09/sparql/data/data1.rdf> a <http://purl.org/dc/terms/BibliographicResource> .
        <http://kasei.us/2009/09/sparql/data/data2.rdf> a <http://purl.org/dc/terms/BibliographicResource> .
    }
    FILTER NOT EXISTS {
        GRAPH <http://example.org/protocol-update-dataset-named-graphs-test/> {
            <http://kasei.us/2009/09/sparql/data/data3.rdf> a <http://purl.org/dc/terms/BibliographicResource> .
        }
    }
}""",
                boolean=True,
                fmt="boolean",
            ),
        ],
        id="update_dataset_named_graphs",
    ),
    pytest.param(  # update with protocol-specified dataset (both named and default graphs)
        [
            Req(
                "POST",
                qs(("using-graph-uri", DATA1), ("using-named-graph-uri", DATA2)),
                UPDATE_EP,
                OK,
                ct(UPDATE),
                b"""PREFIX dc: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
DROP ALL ;
INSERT DATA {
    GRAPH <http://kasei.us/2009/09/sparql/data/data1.rdf> { <http://kasei.us/2009/09/sparql/data/data1.rdf> a foaf:Document }
    GRAPH <http://kasei.us/2009/09/sparql/data/data2.rdf> { <http://kasei.us/2009/09/sparql/data/data2.rdf> a foaf:Document }
    GRAPH <http://kasei.us/2009/09/sparql/data/data3.rdf> { <http://kasei.us/2009/09/sparql/data/data3.rdf> a foaf:Document }
} ;
INSERT {
    GRAPH <http://example.org/protocol-update-dataset-full-test/> {
        ?s <http://example.org/in> ?in
    }
}
WHERE {
    {
        GRAPH ?g { ?s a foaf:Document }
        BIND(?g AS ?in)
    }
    UNION
    {
        ?s a foaf:Document .
        BIND("default" AS ?in)
    }
}""",
            ),
            Req(
                "POST",
                "",
                QUERY_EP,
                OK,
                ct(QUERY),
                b"""ASK {
    GRAPH <http://example.org/protocol-update-dataset-full-test/> {
        <http://kasei.us/2009/09/sparql/data/data1.rdf> <http://example.org/in> "default" .
        <http://kasei.us/2009/09/sparql/data/data2.rdf> <http://example.org/in> <http://kasei.us/2009/09/sparql/data/data2.rdf> .
    }
    FILTER NOT EXISTS {
        GRAPH <http://example.org/protocol-update-dataset-full-test/> {
            <http://kasei.us/2009/09/sparql/data/data3.rdf> ?p ?o
        }
    }
}""",
                boolean=True,
                fmt="boolean",
            ),
        ],
        id="update_dataset_full",
    ),
    pytest.param(  # update via URL-encoded POST
        [Req("POST", "", UPDATE_EP, OK, ct(FORM), b"update=CLEAR+ALL")],
        id="update_post_form",
    ),
    pytest.param(  # update via POST directly
        [Req("POST", "", UPDATE_EP, OK, ct(UPDATE), b"CLEAR ALL")],
        id="update_post_direct",
    ),
    pytest.param(  # test for service-defined BASE URI ("which MAY be the service endpoint")
        [
            Req(
                "POST",
                "",
                UPDATE_EP,
                OK,
                ct(UPDATE),
                b"""CLEAR SILENT GRAPH <http://example.org/protocol-base-test/> ;
INSERT DATA { GRAPH <http://example.org/protocol-base-test/> { <http://example.org/s> <http://example.org/p> <test> } }""",
            ),
            Req(
                "POST",
                "",
                QUERY_EP,
                OK,
                ct(QUERY),
                b"""ASK {
    GRAPH <http://example.org/protocol-base-test/> {
        <http://example.org/s> <http://example.org/p> ?o
        FILTER (isIRI(?o) && STR(?o) != "test")
    }
}""",
                boolean=True,
                fmt="boolean",
            ),
        ],
        id="update_base_uri",
    ),
    pytest.param(  # query via POST directly
        [Req("POST", "", QUERY_EP, OK, ct(QUERY), b"ASK {}", boolean=True, fmt="boolean")],
        id="query_post_direct",
    ),
    pytest.param(  # invoke query operation with a method other than GET or POST
        [Req("PUT", qs(("query", "ASK {}"), ("default-graph-uri", DATA0)), QUERY_EP, BAD, ct(FORM))],
        id="bad_query_method",
    ),
    pytest.param(  # invoke query operation with more than one query string
        [Req("GET", qs(("query", "ASK {}"), ("query", "SELECT * {}")), QUERY_EP, BAD)],
        id="bad_multiple_queries",
    ),
    pytest.param(  # invoke query operation with a POST with media type that's not url-encoded or application/sparql-query
        [Req("POST", "", QUERY_EP, BAD, ct("text/plain"), b"ASK {}")],
        id="bad_query_wrong_media_type",
    ),
    pytest.param(  # invoke query operation with url-encoded body, but without application/x-www-form-urlencoded media type
        [Req("POST", "", QUERY_EP, BAD, (), b"query=ASK%20%7B%7D")],
        id="bad_query_missing_form_type",
    ),
    pytest.param(  # invoke query operation with SPARQL body, but without application/sparql-query media type
        [Req("POST", "", QUERY_EP, BAD, (), b"ASK {}")],
        id="bad_query_missing_direct_type",
    ),
    pytest.param(  # invoke query operation with direct POST, but with a non-UTF8 encoding (UTF-16)
        [Req("POST", "", QUERY_EP, BAD, ct("application/sparql-query; charset=UTF-16"), "ASK {}".encode("utf-16"))],
        id="bad_query_non_utf8",
    ),
    pytest.param(  # invoke query operation with invalid query syntax (4XX result)
        [Req("GET", qs(("query", "ASK {")), QUERY_EP, BAD)],
        id="bad_query_syntax",
    ),
    pytest.param(  # invoke update operation with GET (a GET is never an update request: it goes to the query endpoint, see the module docstring)
        [Req("GET", qs(("update", "CLEAR ALL")), QUERY_EP, BAD)],
        id="bad_update_get",
    ),
    pytest.param(  # invoke update operation with more than one update string
        [Req("POST", "", UPDATE_EP, BAD, ct(FORM), b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT")],
        id="bad_multiple_updates",
    ),
    pytest.param(  # invoke update operation with a POST with media type that's not url-encoded or application/sparql-update
        [Req("POST", "", UPDATE_EP, BAD, ct("text/plain"), b"CLEAR NAMED")],
        id="bad_update_wrong_media_type",
    ),
    pytest.param(  # invoke update operation with url-encoded body, but without application/x-www-form-urlencoded media type
        [Req("POST", "", UPDATE_EP, BAD, (), b"update=CLEAR%20NAMED")],
        id="bad_update_missing_form_type",
    ),
    pytest.param(  # invoke update operation with direct POST, but with a non-UTF8 encoding
        [Req("POST", "", UPDATE_EP, BAD, ct("application/sparql-update; charset=UTF-16"), "CLEAR NAMED".encode("utf-16"))],
        id="bad_update_non_utf8",
    ),
    pytest.param(  # invoke update operation with invalid update syntax
        [Req("POST", "", UPDATE_EP, BAD, ct(FORM), b"update=CLEAR%20XYZ")],
        id="bad_update_syntax",
    ),
    pytest.param(  # invoke update with both using-graph-uri/using-named-graph-uri parameter and USING/WITH clause
        [
            Req(
                "POST",
                qs(("using-named-graph-uri", "http://example/people")),
                UPDATE_EP,
                BAD,
                ct(UPDATE),
                b"""PREFIX foaf:  <http://xmlns.com/foaf/0.1/>
WITH <http://example/addresses>
DELETE { ?person foaf:givenName 'Bill' }
INSERT { ?person foaf:givenName 'William' }
WHERE {
    ?person foaf:givenName 'Bill'
}""",
            )
        ],
        id="bad_update_dataset_conflict",
    ),
]

# The update requests the suite expects to succeed: the extra tests below send them where they must be refused.
ACCEPTED_UPDATES = [pytest.param(req, id=case.id) for case in CASES for req in case.values[0] if req.endpoint == UPDATE_EP and req.status == OK]


# ------------------------------------------------------------------ the runner


@dataclass
class Target:
    """A SPARQL service under test: where its two endpoints are, and how to put its data back."""

    base: str
    query_path: str
    update_path: str
    reset: Callable[[], None]

    def url(self, req: Req) -> str:
        return self.base + (self.update_path if req.endpoint == UPDATE_EP else self.query_path) + req.target


def send(client: httpx.Client, target: Target, req: Req, *, token: str | None = TOKEN) -> httpx.Response:
    """Send one request as the manifest writes it; an update request carries the bearer token."""
    headers = dict(req.headers)
    if req.endpoint == UPDATE_EP and token is not None:
        headers["authorization"] = f"Bearer {token}"
    return client.request(req.method, target.url(req), headers=headers, content=req.body)


def media_type(resp: httpx.Response) -> str:
    return (resp.headers.get("content-type") or "").split(";")[0].strip().lower()


def parse_boolean(resp: httpx.Response) -> bool:
    """The boolean of an ASK answer, read by its Content-Type: SPARQL JSON or XML results."""
    media = media_type(resp)
    if media in JSON_RESULTS:
        data = json.loads(resp.content)
        assert "head" in data and isinstance(data.get("boolean"), bool), f"not a SPARQL JSON boolean result: {resp.text[:300]!r}"
        return data["boolean"]
    if media in XML_RESULTS:
        root = ET.fromstring(resp.content)  # noqa: S314 - a local test server's answer
        assert root.tag == SPARQL_RESULTS_NS + "sparql", f"not a SPARQL XML result: {resp.text[:300]!r}"
        node = root.find(SPARQL_RESULTS_NS + "boolean")
        assert node is not None and (node.text or "").strip() in ("true", "false"), f"no boolean in the SPARQL XML result: {resp.text[:300]!r}"
        return (node.text or "").strip() == "true"
    raise AssertionError(f"not a SPARQL boolean results format (JSON or XML): Content-Type {media or '(none)'!r}")


def check_tabular(resp: httpx.Response) -> None:
    """A SPARQL results format (JSON, XML, CSV, TSV) with a head."""
    media = media_type(resp)
    if media in JSON_RESULTS:
        data = json.loads(resp.content)
        assert isinstance(data.get("head", {}).get("vars"), list), f"no head.vars: {resp.text[:300]!r}"
        assert isinstance(data.get("results", {}).get("bindings"), list), f"no results.bindings: {resp.text[:300]!r}"
    elif media in XML_RESULTS:
        root = ET.fromstring(resp.content)  # noqa: S314 - a local test server's answer
        assert root.tag == SPARQL_RESULTS_NS + "sparql", f"not a SPARQL XML result: {resp.text[:300]!r}"
        assert root.find(SPARQL_RESULTS_NS + "head") is not None, f"no head: {resp.text[:300]!r}"
        assert root.find(SPARQL_RESULTS_NS + "results") is not None, f"no results: {resp.text[:300]!r}"
    elif media in CSV_RESULTS | TSV_RESULTS:
        lines = resp.content.decode("utf-8").splitlines()
        assert lines, "an empty CSV/TSV answer: no head"
        head = lines[0].split("," if media in CSV_RESULTS else "\t")
        assert all(head), f"a blank variable in the head {lines[0]!r}"
        if media in TSV_RESULTS:
            assert all(v.startswith("?") for v in head), f"a TSV head names variables as ?name: {lines[0]!r}"
    else:
        raise AssertionError(f"not a SPARQL results format (JSON, XML, CSV, TSV): Content-Type {media or '(none)'!r}")


def check_rdf(resp: httpx.Response) -> None:
    """An RDF media type whose body pyoxigraph parses (no base IRI given: the server must send absolute IRIs)."""
    media = media_type(resp)
    assert media in RDF_MEDIA, f"not an RDF media type: Content-Type {media or '(none)'!r}"
    list(ox.parse(input=resp.content, format=ox.RdfFormat.from_media_type(media)))


def check(resp: httpx.Response, req: Req) -> None:
    """Compare one answer with the manifest's expectations, as the W3C runner does."""
    where = f"{req.method} {resp.request.url} -> {resp.status_code} {resp.headers.get('content-type')}: {resp.text[:300]!r}"
    if req.status == OK:
        assert 200 <= resp.status_code < 400, f"expected 2xx or 3xx; {where}"
    else:
        assert 400 <= resp.status_code < 500, f"expected 4xx; {where}"
    if req.fmt is None and req.boolean is None:
        return
    assert resp.status_code < 300, f"a result is expected, but a redirect has none to check; {where}"
    try:
        if req.fmt == "boolean":
            parse_boolean(resp)
        elif req.fmt == "tabular":
            check_tabular(resp)
        elif req.fmt == "RDF":
            check_rdf(resp)
        elif req.fmt is not None:
            raise AssertionError(f"unknown expected format {req.fmt!r}")
        if req.boolean is not None:
            value = parse_boolean(resp)
            assert value is req.boolean, f"expected {req.boolean}, got {value}"
    except (AssertionError, ValueError, SyntaxError, ET.ParseError) as exc:
        raise AssertionError(f"{exc}; {where}") from exc


def run_case(target: Target, requests: list[Req]) -> None:
    target.reset()
    with httpx.Client(timeout=60) as client:
        for req in requests:
            check(send(client, target, req), req)


# ------------------------------------------------------------------ the services


@pytest.fixture(scope="module")
def protocol_store(built: tuple[BuildReport, EmbeddedStore, Path]) -> Iterator[tuple[EmbeddedStore, Callable[[], None]]]:
    """A store of its own (the suite clears it), and how to put back "knowledge + the three graphs"."""
    release = built[2] / "mhkg-inferred.nt"
    assert release.exists(), f"the session build wrote no {release.name}"
    store = EmbeddedStore()
    expected: list[int] = []

    def reset() -> None:
        # Through the store's own methods, so that its data version changes and every cache follows.
        store.update("CLEAR ALL")
        store.load_file(release, ox.RdfFormat.N_TRIPLES)
        store.add_quads(GRAPH_QUADS)
        if not expected:
            expected.append(len(store))
        assert len(store) == expected[0], "the reset did not restore the knowledge and the three graphs"

    reset()
    assert all(store.native.contains_named_graph(ox.NamedNode(iri)) for iri in GRAPHS)
    yield store, reset


@pytest.fixture(scope="module")
def mhkg(protocol_store: tuple[EmbeddedStore, Callable[[], None]]) -> Iterator[Target]:
    """This service, live over HTTP (uvicorn in a thread on a free loopback port), on the suite's own store."""
    from api.web.app import create_app

    store, reset = protocol_store
    with serve_app(create_app(store, token=TOKEN)) as live:
        base = live.url
        assert wait_for(base + "/health"), "the service did not start"
        yield Target(base, "/sparql", "/update", reset)


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The real Oxigraph server (the PyPI package's ``oxigraph serve``), with the three graphs loaded through its Graph Store Protocol."""
    if not oxigraph_binary().exists():
        pytest.fail("the oxigraph server is not installed (pip install oxigraph; scripts/setup does this)")
    location = tmp_path_factory.mktemp("oxigraph-w3c")
    with oxigraph_serve(location, log=location.parent / f"{location.name}.log") as server:
        base = server.url
        if not wait_for(base + OXIGRAPH_PROBE, proc=server.proc):
            pytest.fail("the oxigraph server did not start")

        def reset() -> None:
            with httpx.Client(base_url=base, timeout=30) as client:
                client.post("/update", content=b"DROP ALL", headers=dict(ct(UPDATE))).raise_for_status()
                for iri, triples in GRAPHS.items():
                    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
                    client.put("/store", params={"graph": iri}, content=body, headers=dict(ct("application/n-triples"))).raise_for_status()

        yield Target(base, "/query", "/update", reset)


# ------------------------------------------------------------------ the tests


@pytest.mark.parametrize("requests", CASES)
def test_oxigraph_reference(oxigraph: Target, requests: list[Req]) -> None:
    """The table on the real Oxigraph server: the runner itself is right."""
    run_case(oxigraph, requests)


@pytest.mark.parametrize("requests", CASES)
def test_mhkg_endpoint(mhkg: Target, requests: list[Req]) -> None:
    """The table on this service: /sparql for queries, /update (bearer token) for updates."""
    run_case(mhkg, requests)


@pytest.mark.parametrize("req", ACCEPTED_UPDATES)
def test_mhkg_query_endpoint_refuses_updates(mhkg: Target, protocol_store: tuple[EmbeddedStore, Callable[[], None]], req: Req) -> None:
    """Every update the suite accepts on /update is refused on /sparql (a 4xx), token or not, and changes nothing."""
    store, reset = protocol_store
    reset()
    version = store.data_version()
    url = mhkg.base + mhkg.query_path + req.target
    with httpx.Client(timeout=60) as client:
        for auth in ({}, {"authorization": f"Bearer {TOKEN}"}):
            resp = client.request(req.method, url, headers={**dict(req.headers), **auth}, content=req.body)
            assert 400 <= resp.status_code < 500, f"{resp.status_code}: {resp.text[:300]!r}"
    assert store.data_version() == version, "a refused update changed the store"


@pytest.mark.parametrize("req", ACCEPTED_UPDATES)
def test_mhkg_update_endpoint_requires_the_token(mhkg: Target, protocol_store: tuple[EmbeddedStore, Callable[[], None]], req: Req) -> None:
    """Every update the suite accepts is refused on /update without the bearer token, or with a wrong one, and changes nothing."""
    store, reset = protocol_store
    reset()
    version = store.data_version()
    with httpx.Client(timeout=60) as client:
        for token in (None, "not-" + TOKEN):
            resp = send(client, mhkg, req, token=token)
            assert resp.status_code in (401, 403), f"token {token!r}: {resp.status_code}: {resp.text[:300]!r}"
    assert store.data_version() == version, "a refused update changed the store"


def test_mhkg_update_endpoint_refuses_get(mhkg: Target, protocol_store: tuple[EmbeddedStore, Callable[[], None]]) -> None:
    """bad_update_get on the update endpoint too: an update sent by GET, with the token, is a 4xx and changes nothing."""
    store, reset = protocol_store
    reset()
    version = store.data_version()
    with httpx.Client(timeout=60) as client:
        resp = send(client, mhkg, Req("GET", qs(("update", "CLEAR ALL")), UPDATE_EP, BAD))
    assert 400 <= resp.status_code < 500, f"{resp.status_code}: {resp.text[:300]!r}"
    assert store.data_version() == version, "a refused update changed the store"


# ------------------------------------------------------------------ the table against the reference

PY_CODEC = {"UTF-8": "utf-8", "UTF-16": "utf-16"}
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
HT = "http://www.w3.org/2011/http#"
CNT = "http://www.w3.org/2011/content#"
HTS = "http://www.w3.org/2011/http-statusCodes#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"
STATUS_CLASSES = {frozenset({HTS + "StatusCode2xx", HTS + "StatusCode3xx"}): OK, frozenset({HTS + "StatusCode4xx"}): BAD}


@pytest.mark.skipif(not (REFERENCE / "manifest.ttl").exists(), reason=f"the W3C reference {REFERENCE}/manifest.ttl is absent from this machine")
def test_table_matches_the_w3c_manifest() -> None:
    """The table holds exactly the manifest's entries, in order, with the same requests and expectations."""
    graph: dict[tuple[Any, str], list[Any]] = {}
    for t in ox.parse(path=str(REFERENCE / "manifest.ttl"), format=ox.RdfFormat.TURTLE, base_iri=MANIFEST_IRI):
        graph.setdefault((t.subject, t.predicate.value), []).append(t.object)

    def values(node: Any, pred: str) -> list[Any]:
        return graph.get((node, pred), [])

    def one(node: Any, pred: str) -> Any:
        """The single object of ``node pred``, or None."""
        found = values(node, pred)
        assert len(found) <= 1, f"{node} has {len(found)} {pred}"
        return found[0] if found else None

    def items(node: Any) -> list[Any]:
        """The members of an RDF list."""
        out = []
        while node != ox.NamedNode(RDF_NS + "nil"):
            out.append(one(node, RDF_NS + "first"))
            node = one(node, RDF_NS + "rest")
        return out

    entries = items(one(ox.NamedNode(MANIFEST_IRI), MF + "entries"))
    names = [e.value.rsplit("#", 1)[1] for e in entries]
    assert names == [c.id for c in CASES]
    tests = {s for (s, p), objs in graph.items() if p == RDF_NS + "type" and ox.NamedNode(MF + "ProtocolTest") in objs}
    assert tests == set(entries), "a test of the manifest is not among its entries"

    for entry, name, case in zip(entries, names, CASES, strict=True):
        expected: list[Req] = case.values[0]
        requests = items(one(one(entry, MF + "action"), HT + "requests"))
        assert len(requests) == len(expected), name
        for i, (node, req) in enumerate(zip(requests, expected, strict=True)):
            at = f"{name} request {i + 1}"
            assert one(node, HT + "methodName").value == req.method, at
            assert one(node, HT + "absolutePath").value == "/sparql/" + req.target, at
            header_list = one(node, HT + "headers")
            headers = [(one(h, HT + "fieldName").value.lower(), one(h, HT + "fieldValue").value) for h in (items(header_list) if header_list else [])]
            assert tuple(headers) == req.headers, at
            body = one(node, HT + "body")
            if body is None:
                assert req.body is None, at
            else:
                codec = PY_CODEC[one(body, CNT + "characterEncoding").value]
                assert one(body, CNT + "chars").value.encode(codec) == req.body, at
            resp = one(node, HT + "resp")
            assert STATUS_CLASSES[frozenset(s.value for s in values(resp, MF + "expectedStatus"))] == req.status, at
            boolean = one(resp, MF + "expectedBoolean")
            assert (None if boolean is None else boolean.value == "true") == req.boolean, at
            fmt = one(resp, MF + "expectedFormat")
            assert (None if fmt is None else fmt.value) == req.fmt, at
            # The routing rule this module states: an update goes to the update endpoint, everything else to the query endpoint.
            post_update = (name.startswith("update_") and i == 0) or (name.startswith("bad_update_") and req.method == "POST") or name == "bad_multiple_updates"
            assert req.endpoint == (UPDATE_EP if post_update else QUERY_EP), at
        # The graphs the test names are the three this module creates, with the reference files' content.
        for data in values(entry, UT + "graphData"):
            label = one(data, RDFS_LABEL).value
            file = Path(urllib.parse.urlparse(one(data, UT + "graph").value).path).name
            triples = [q.triple for q in ox.parse(path=str(REFERENCE / file), format=ox.RdfFormat.N_TRIPLES)]
            assert triples == GRAPHS[label], f"{name}: {file}"
