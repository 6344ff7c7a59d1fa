"""The SPARQL 1.1 Protocol endpoint, exercised by real clients (SPARQLWrapper, curl) over HTTP."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own server's response

import pyoxigraph as ox
import pytest
from SPARQLWrapper import CSV, GET, JSON, POST, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from api.web.negotiation import GRAPHS, choose, parse_accept

COUNT = "SELECT (COUNT(?m) AS ?n) WHERE { ?m a <https://w3id.org/mhkg/ontology#Municipality> }"
CONSTRUCT = (
    "CONSTRUCT { ?m <http://www.w3.org/2000/01/rdf-schema#label> ?l } "
    "WHERE { ?m a <https://w3id.org/mhkg/ontology#Municipality> ; <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
)


def wrapper(url: str, method: str, fmt: str, query: str = COUNT) -> SPARQLWrapper:
    sw = SPARQLWrapper(url + "/sparql")
    sw.setMethod(method)
    sw.setReturnFormat(fmt)
    sw.setQuery(query)
    return sw


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_json(live_server: str, method: str) -> None:
    data = wrapper(live_server, method, JSON).query().convert()
    assert data["results"]["bindings"][0]["n"]["value"] == "26"


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_xml(live_server: str, method: str) -> None:
    doc = wrapper(live_server, method, XML).query().convert()
    values = [n.firstChild.data for n in doc.getElementsByTagName("literal")]
    assert values == ["26"]


@pytest.mark.parametrize(("fmt", "delimiter"), [(CSV, ","), (TSV, "\t")])
def test_sparqlwrapper_csv_and_tsv(live_server: str, fmt: str, delimiter: str) -> None:
    body = wrapper(live_server, GET, fmt).query().convert()
    rows = list(csv.reader(io.StringIO(body.decode() if isinstance(body, bytes) else body), delimiter=delimiter))
    assert rows[0][0].lstrip("?") == "n" and rows[1][0].split("^^")[0].strip('"') == "26"


def test_sparqlwrapper_construct_as_turtle(live_server: str) -> None:
    sw = wrapper(live_server, GET, TURTLE, CONSTRUCT)
    body = sw.query().response.read()
    triples = list(ox.parse(input=body, format=ox.RdfFormat.TURTLE))
    assert len({t.subject for t in triples}) == 26


def test_sparqlwrapper_reports_malformed_query(live_server: str) -> None:
    with pytest.raises(QueryBadFormed):
        wrapper(live_server, GET, JSON, "SELECT ?x WHERE {").query()


def curl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["curl", "-s", "-w", "\n%{http_code}", *args], capture_output=True, text=True, check=False)


def split(proc: subprocess.CompletedProcess[str]) -> tuple[str, int]:
    body, _, code = proc.stdout.rpartition("\n")
    return body, int(code)


def test_curl_get_and_post(live_server: str) -> None:
    body, code = split(curl("-G", f"{live_server}/sparql", "--data-urlencode", f"query={COUNT}", "-H", "Accept: application/sparql-results+json"))
    assert code == 200 and json.loads(body)["results"]["bindings"][0]["n"]["value"] == "26"
    body, code = split(curl("-X", "POST", f"{live_server}/sparql", "--data-urlencode", f"query={COUNT}", "-H", "Accept: text/csv"))
    assert code == 200 and body.splitlines()[1] == "26"
    body, code = split(
        curl(
            "-X",
            "POST",
            f"{live_server}/sparql",
            "-H",
            "Content-Type: application/sparql-query",
            "-H",
            "Accept: application/sparql-results+xml",
            "--data-binary",
            COUNT,
        )
    )
    assert code == 200 and ET.fromstring(body).tag.endswith("sparql")  # noqa: S314 - our own server's answer


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("text/turtle", "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
    ],
)
def test_curl_construct_negotiation(live_server: str, accept: str, media: str) -> None:
    fmt = GRAPHS[media]
    proc = subprocess.run(
        ["curl", "-s", "-D", "-", "-G", f"{live_server}/sparql", "--data-urlencode", f"query={CONSTRUCT}", "-H", f"Accept: {accept}"],
        capture_output=True,
        text=True,
        check=False,
    )
    head, _, body = proc.stdout.partition("\n\n")  # text mode turns CRLF into LF
    assert f"content-type: {media}" in head.lower()
    assert len({q.subject for q in ox.parse(input=body.encode(), format=fmt)}) == 26


def fetch(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str, str]:
    req = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310 - local test server
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
            return resp.status, resp.headers.get("content-type", ""), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("content-type", ""), exc.read().decode()


@pytest.mark.parametrize(
    ("path", "data", "headers", "status", "message"),
    [
        pytest.param("/sparql?query=" + urllib.parse.quote("SELECT ?x WHERE {"), None, {}, 400, "Malformed query", id="syntax-error"),
        pytest.param("/sparql?query=ASK%7B%7D&query=ASK%7B%7D", None, {}, 400, "More than one", id="two-query-parameters"),
        pytest.param("/sparql?update=" + urllib.parse.quote("DROP ALL"), None, {}, 400, "read-only", id="get-update"),
        pytest.param("/sparql", b"update=DROP%20ALL", {"Content-Type": "application/x-www-form-urlencoded"}, 400, "read-only", id="form-update"),
        pytest.param("/sparql", b"DROP ALL", {"Content-Type": "application/sparql-update"}, 400, "read-only", id="sparql-update-body"),
        pytest.param("/sparql", b"ASK {}", {"Content-Type": "text/plain"}, 415, "Unsupported content type", id="wrong-content-type"),
        pytest.param("/sparql?query=ASK%7B%7D", b"ASK {}", {"Content-Type": "application/sparql-query"}, 400, "not allowed", id="query-in-url-and-body"),
        pytest.param("/sparql?query=" + urllib.parse.quote(COUNT), None, {"Accept": "image/png"}, 406, "Not acceptable", id="not-acceptable"),
    ],
)
def test_protocol_errors(live_server: str, path: str, data: bytes | None, headers: dict[str, str], status: int, message: str) -> None:
    code, _, body = fetch(live_server + path, data=data, headers=headers)
    assert code == status and message in body


def test_updates_change_nothing(live_server: str, store) -> None:
    before = store.count()
    fetch(live_server + "/sparql", data=b"update=DROP%20ALL", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert store.count() == before


def test_service_description_with_void(live_server: str) -> None:
    code, ctype, body = fetch(live_server + "/sparql", headers={"Accept": "text/turtle"})
    assert code == 200 and ctype.startswith("text/turtle")
    s = ox.Store()
    s.load(body.encode(), format=ox.RdfFormat.TURTLE)
    assert s.query(
        "ASK { ?s a <http://www.w3.org/ns/sparql-service-description#Service> ; "
        "<http://www.w3.org/ns/sparql-service-description#supportedLanguage> <http://www.w3.org/ns/sparql-service-description#SPARQL11Query> }"
    )
    sd = "http://www.w3.org/ns/sparql-service-description#"
    n = next(iter(s.query(f"SELECT ?n WHERE {{ ?s <{sd}defaultDataset>/<{sd}defaultGraph>/<http://rdfs.org/ns/void#triples> ?n }}")))["n"].value
    assert int(n) > 20000
    assert not s.query(
        "ASK { ?s <http://www.w3.org/ns/sparql-service-description#feature> <http://www.w3.org/ns/sparql-service-description#BasicFederatedQuery> }"
    )


def test_accept_parser() -> None:
    assert parse_accept("text/csv;q=0.5, application/sparql-results+json") == [("application/sparql-results+json", 1.0), ("text/csv", 0.5)]
    assert choose("application/*;q=0.9, text/csv", ["application/sparql-results+json", "text/csv"]) == "text/csv"
    assert choose("application/*", ["text/csv", "application/sparql-results+json"]) == "application/sparql-results+json"
    assert choose("image/png", ["text/csv"]) is None
    assert choose(None, ["text/turtle", "application/n-triples"]) == "text/turtle"
    assert choose("text/csv;q=0", ["text/csv"]) is None


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", id="service"),
        pytest.param("select * where { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }", id="service-lowercase-silent"),
    ],
)
def test_queries_that_would_reach_another_server_are_refused(live_server: str, query: str) -> None:
    code, _, body = fetch(live_server + "/sparql?query=" + urllib.parse.quote(query))
    assert code == 400 and "SERVICE is not allowed" in body


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }", id="from"),
        pytest.param("SELECT * FROM NAMED <http://127.0.0.1:9/g> WHERE { GRAPH ?g { ?s ?p ?o } }", id="from-named"),
    ],
)
def test_from_names_a_graph_of_the_store_an_absent_one_is_empty(live_server: str, query: str) -> None:
    code, _, body = fetch(live_server + "/sparql?query=" + urllib.parse.quote(query), headers={"Accept": "application/sparql-results+json"})
    assert code == 200 and json.loads(body)["results"]["bindings"] == []


def test_keywords_inside_strings_variables_and_comments_are_fine(live_server: str) -> None:
    query = 'SELECT ?service ?from WHERE { BIND("SERVICE <x> FROM" AS ?service) BIND(<urn:load> AS ?from) } # SERVICE'
    code, _, body = fetch(live_server + "/sparql?query=" + urllib.parse.quote(query), headers={"Accept": "application/sparql-results+json"})
    assert code == 200 and json.loads(body)["results"]["bindings"][0]["service"]["value"] == "SERVICE <x> FROM"


def test_overlong_query_is_refused(live_server: str) -> None:
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 100_001
    code, _, body = fetch(live_server + "/sparql", data=query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert code == 400 and "longer than" in body


def test_refusals_say_why_in_english_and_swedish(live_server: str) -> None:
    """Every refusal of the policy and the workers exists in both languages: both in the protocol's plain text."""
    from api.i18n import MESSAGES

    assert all(len(pair) == 2 and all(pair) for pair in MESSAGES.values())
    code, _, body = fetch(live_server + "/sparql?query=" + urllib.parse.quote("SELECT * WHERE { ?s ?p }"))
    english, swedish, _, line, caret = body.strip().split("\n")
    assert code == 400 and english.startswith("Malformed query (line 1, column 24)") and swedish.startswith("Frågan är felaktigt formulerad (rad 1, kolumn 24)")
    assert (line, caret) == ("1 | SELECT * WHERE { ?s ?p }", "  |                        ^")
