"""Limits of the public SPARQL endpoint: a runaway query is really stopped (503 with a message, never
a truncated 200) while the service keeps answering; answers beyond the row cap are refused, not cut;
and no query ever reaches outside the store (a loopback listener must receive nothing)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from api.store import EmbeddedStore
from api.web.app import create_app
from harness import serve_app, wait_for, wait_until

CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"


@pytest.fixture(scope="module")
def limited_server(store: EmbeddedStore) -> Iterator[str]:
    app = create_app(store)
    app.state.mhkg.query_timeout = 2.0
    with serve_app(app) as live:
        url = live.url
        assert wait_for(url + "/health")
        yield url


def get(url: str, timeout: float = 60) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - local test server
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def post(url: str, body: bytes, content_type: str, timeout: float = 60) -> tuple[int, str]:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})  # noqa: S310 - local test server
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


RUNAWAYS = {
    "get": lambda url: get(url + "/sparql?query=" + urllib.parse.quote(CARTESIAN)),
    "post-form": lambda url: post(url + "/sparql", urllib.parse.urlencode({"query": CARTESIAN}).encode(), "application/x-www-form-urlencoded"),
    "post-direct": lambda url: post(url + "/sparql", CARTESIAN.encode(), "application/sparql-query"),
}


@pytest.mark.parametrize("how", list(RUNAWAYS))
def test_runaway_query_is_stopped_and_the_service_keeps_answering(limited_server: str, how: str) -> None:
    outcome: dict[str, object] = {}

    def runaway() -> None:
        outcome["status"], outcome["body"] = RUNAWAYS[how](limited_server)

    t = threading.Thread(target=runaway)
    t.start()
    time.sleep(0.5)
    # answers that came back while the runaway was still running (it ends at the 2 s timeout)
    during: dict[str, int] = {"/health": 0, "/api/v1/organisations/trafiknamnden/measures?limit=5": 0}
    while t.is_alive():
        for path in during:
            status, _ = get(limited_server + path, timeout=5)
            assert status == 200
            during[path] += t.is_alive()
        time.sleep(0.2)
    t.join()
    assert outcome["status"] == 503 and "was stopped" in str(outcome["body"])  # by the timeout: a cross product of 35 k triples runs for hours
    assert all(n >= 2 for n in during.values()), during
    status, body = get(limited_server + "/sparql?query=" + urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?m a mh:Municipality }"))
    assert status == 200 and '"26"' in body  # a fresh worker answers the next query


def test_query_page_is_limited_too(limited_server: str) -> None:
    data = urllib.parse.urlencode({"query": CARTESIAN}).encode()
    req = urllib.request.Request(limited_server + "/query", data=data)  # noqa: S310 - local test server
    with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
        page = resp.read().decode()
    assert "och avbröts" in page  # stopped by the timeout, said on the page (Swedish by default)


# ---------------------------------------------------------------------------- row caps
CAP = 20
MUNICIPALITIES = "SELECT ?m WHERE { ?m a mh:Municipality }"  # 26 rows
COUNTERS = {
    "application/sparql-results+json": lambda body: len(json.loads(body)["results"]["bindings"]),
    "application/sparql-results+xml": lambda body: body.count("<result>"),
    "text/csv": lambda body: len(body.strip().splitlines()) - 1,
    "text/tab-separated-values": lambda body: len(body.strip().splitlines()) - 1,
}


@pytest.fixture(scope="module")
def capped(store: EmbeddedStore) -> Iterator[TestClient]:
    app = create_app(store)
    app.state.mhkg.max_rows = CAP
    yield TestClient(app)
    app.state.mhkg.close()


@pytest.mark.parametrize("accept", list(COUNTERS))
def test_answers_beyond_the_row_cap_are_refused_not_truncated(capped: TestClient, accept: str) -> None:
    over = capped.get("/sparql", params={"query": MUNICIPALITIES}, headers={"Accept": accept})
    assert over.status_code == 400 and f"more than {CAP} rows" in over.text and "LIMIT" in over.text and "/dataset.nt" in over.text
    within = capped.get("/sparql", params={"query": MUNICIPALITIES + f" LIMIT {CAP}"}, headers={"Accept": accept})
    assert within.status_code == 200 and within.headers["content-type"].startswith(accept)
    assert COUNTERS[accept](within.text) == CAP


def test_construct_is_capped_too(capped: TestClient) -> None:
    construct = "CONSTRUCT { ?m a mh:Municipality } WHERE { ?m a mh:Municipality }"
    assert capped.get("/sparql", params={"query": construct}, headers={"Accept": "text/turtle"}).status_code == 400
    within = capped.get("/sparql", params={"query": construct + f" LIMIT {CAP}"}, headers={"Accept": "application/n-triples"})
    assert within.status_code == 200 and len(list(ox.parse(within.content, format=ox.RdfFormat.N_TRIPLES))) == CAP


def test_the_cap_stops_evaluation_early(capped: TestClient) -> None:
    """A cross product of the whole graph with itself (~10^9 rows) is refused at row CAP + 1: the answer is the row
    cap's 400, not the timeout's 503, which it would be if the evaluation ran on."""
    r = capped.get("/sparql", params={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"})
    assert r.status_code == 400 and f"more than {CAP} rows" in r.text


def test_typed_and_tagged_terms_survive_the_capped_serialisation(capped: TestClient, store: EmbeddedStore) -> None:
    query = "SELECT ?c ?l ?n WHERE { ?c a mh:CostEstimate ; rdfs:label ?l . OPTIONAL { ?c mh:amount ?n } } ORDER BY ?c ?l LIMIT 10"
    got = capped.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    expected = json.loads(store.results_json(query))["results"]["bindings"]
    assert got == expected and any("xml:lang" in b["l"] for b in got)


def test_the_whole_dataset_is_a_download(capped: TestClient, store: EmbeddedStore) -> None:
    dump = capped.get("/dataset.nt")
    assert dump.status_code == 200 and dump.headers["content-type"].startswith("application/n-triples")
    assert len(set(ox.parse(dump.content, format=ox.RdfFormat.N_TRIPLES))) == store.count()
    description = capped.get("/sparql", headers={"Accept": "text/turtle"}).text
    assert "void:dataDump" in description and "/dataset.nt>" in description
    assert capped.get("/dataset.exe").status_code == 404


# ---------------------------------------------------------------------------- no outbound requests
REFUSED = [
    pytest.param("SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}", "SERVICE is not allowed", id="service"),
    pytest.param("SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}", "SERVICE is not allowed", id="service-silent"),
    pytest.param("SELECT * WHERE {{ ?x ?y ?z . service <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}", "SERVICE is not allowed", id="service-lowercase"),
    pytest.param("LOAD <http://127.0.0.1:{port}/data.ttl>", "read-only", id="load"),
]
ACCEPTED = [
    pytest.param("SELECT * FROM <http://127.0.0.1:{port}/data.ttl> WHERE {{ ?s ?p ?o }}", id="from"),
    pytest.param("SELECT * FROM NAMED <http://127.0.0.1:{port}/g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", id="from-named"),
]


def _by_every_route(client: TestClient, text: str) -> tuple[list[int], list[str]]:
    answers = [
        client.get("/sparql", params={"query": text}),
        client.post("/sparql", data={"query": text}),
        client.post("/sparql", content=text, headers={"Content-Type": "application/sparql-query"}),
    ]
    return [a.status_code for a in answers], [a.text for a in answers]


@pytest.mark.parametrize(("template", "message"), REFUSED)
def test_service_and_load_are_refused_by_every_route(capped: TestClient, listener: tuple[int, list[bytes]], template: str, message: str) -> None:
    port, received = listener
    text = template.format(port=port)
    codes, bodies = _by_every_route(capped, text)
    assert codes == [400, 400, 400] and all(message in b for b in bodies), bodies
    page = capped.post("/query", params={"lang": "en"}, data={"query": text})
    assert page.status_code == 200 and message in page.text
    time.sleep(0.5)
    assert received == []


@pytest.mark.parametrize("template", ACCEPTED)
def test_from_names_graphs_of_the_store_and_fetches_nothing(capped: TestClient, listener: tuple[int, list[bytes]], template: str) -> None:
    port, received = listener
    codes, bodies = _by_every_route(capped, template.format(port=port))
    assert codes == [200, 200, 200] and all('"bindings":[]' in b for b in bodies), bodies  # a graph the store lacks is empty
    time.sleep(0.5)
    assert received == []


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
def test_protocol_dataset_parameters_name_graphs_of_the_store(capped: TestClient, listener: tuple[int, list[bytes]], param: str) -> None:
    port, received = listener
    params = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", param: f"http://127.0.0.1:{port}/g"}
    for answer in (capped.get("/sparql", params=params), capped.post("/sparql", data=params)):
        assert answer.status_code == 200 and answer.json()["results"]["bindings"] == []
    time.sleep(0.3)
    assert received == []


def test_control_the_engine_itself_does_fetch(store: EmbeddedStore, listener: tuple[int, list[bytes]]) -> None:
    """Unprotected (in this test process, no policy, no sandbox) the query engine calls the SERVICE and FROM
    is not fetched at all: the listener above is a real witness, and FROM never needed refusing."""
    port, received = listener
    with pytest.raises(OSError):
        list(store.native.query(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"))
    assert wait_until(lambda: bool(received)) and received[0].startswith(b"POST /sparql")
    received.clear()
    assert list(store.native.query(f"SELECT * FROM <http://127.0.0.1:{port}/g> WHERE {{ ?s ?p ?o }}")) == []  # noqa: S608 - SPARQL, a test port
    time.sleep(0.3)
    assert received == []


# ---------------------------------------------------------------------------- ids never become query text
INJECTION = "housing-first--housing-stability--baxter-2019> ?q ?r . ?p ?o ?a . ?b ?c ?d . ?e ?f ?g } #"


VALID_IDS = {
    "/api/v1/evidence/{}": "housing-first--housing-stability--baxter-2019",
    "/api/v1/sources/{}": "baxter-2019",
    "/api/v1/interventions/{}": "housing-first",
    "/api/v1/vocabularies/{}": "settings",
    "/id/evidence/{}": "housing-first--housing-stability--baxter-2019",
}


@pytest.mark.parametrize("path", list(VALID_IDS))
def test_path_ids_cannot_inject_sparql(capped: TestClient, store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    """An id that closes the IRI and adds patterns (here a cross product of the graph with itself, run in the
    service process with no timeout) is not an IRI: 404, and no query holding it is ever evaluated."""
    evaluated: list[str] = []
    original = store.query

    def spy(sparql: str, **kwargs: Any) -> Any:
        evaluated.append(sparql)
        return original(sparql, **kwargs)

    monkeypatch.setattr(store, "query", spy)
    r = capped.get(path.format(urllib.parse.quote(INJECTION, safe="")))
    assert r.status_code == 404
    assert not [text for text in evaluated if "?p ?o ?a" in text], "the injected patterns reached the store"
    # CONTROL: the spy sees what the route evaluates: a valid id's queries name it
    assert capped.get(path.format(VALID_IDS[path])).status_code == 200
    assert [text for text in evaluated if VALID_IDS[path] in text], "the route's queries did not pass the spy"
