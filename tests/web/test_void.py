"""The dataset described for machines: ``/.well-known/void`` (VoID §6.2), the service description of ``/sparql`` with
its class and property partitions and predeclared prefixes, DCAT distributions, and ``/api/v1/prefixes``.

Every description is parsed and asked with SPARQL; the counts are checked against the store itself.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from api.knowledge.build import IANA_MEDIA_TYPES, BuildReport
from api.store import EmbeddedStore, RemoteStore
from api.vocab import ID, PREDECLARED, PREFIXES
from api.web.app import create_app
from harness import OXIGRAPH_PROBE, oxigraph_binary, oxigraph_serve, wait_for

PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in {**PREFIXES, "sd": "http://www.w3.org/ns/sparql-service-description#"}.items())
DATASET = f"<{ID}dataset/mhkg>"
ENDPOINT = "http://testserver/sparql"
RDF = ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"]
# sparql-editor (packages/sparql-editor/src/metadata.ts) reads the classes and properties for completion this way.
EDITOR_VOID = """PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
PREFIX void: <http://rdfs.org/ns/void#>
SELECT DISTINCT ?subjectClass ?prop ?triples WHERE {
  OPTIONAL { ?graph sd:graph ?graphDesc . ?graphDesc void:classPartition ?cp . }
  ?cp void:class ?subjectClass ; void:propertyPartition ?pp .
  ?pp void:property ?prop .
  OPTIONAL { ?pp void:triples ?triples }
}"""
EDITOR_PREFIXES = "PREFIX sh: <http://www.w3.org/ns/shacl#> SELECT DISTINCT ?prefix ?namespace WHERE { [] sh:namespace ?namespace ; sh:prefix ?prefix }"


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> Iterator[TestClient]:
    with TestClient(create_app(store)) as c:
        yield c


def parsed(body: bytes, media: str = "text/turtle") -> ox.Store:
    graph = ox.Store()
    graph.load(body, format=ox.RdfFormat.from_media_type(media))
    return graph


def ask(graph: ox.Store, query: str) -> bool:
    result = graph.query(PROLOGUE + query)
    assert isinstance(result, ox.QueryBoolean)
    return bool(result)


def one(graph: ox.Store | EmbeddedStore, query: str) -> int:
    rows = list(graph.query(PROLOGUE + query)) if isinstance(graph, ox.Store) else graph.select(query)
    assert len(rows) == 1, rows
    return int(rows[0]["n"].value)


@pytest.fixture(scope="module")
def void(client: TestClient) -> ox.Store:
    response = client.get("/.well-known/void")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    return parsed(response.content)


# ---------------------------------------------------------------------------- /.well-known/void
def test_counts_are_the_stores(void: ox.Store, store: EmbeddedStore) -> None:
    assert one(void, f"SELECT ?n WHERE {{ {DATASET} a void:Dataset , dcat:Dataset ; void:triples ?n }}") == store.count()
    classes = one(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?x a ?c FILTER(isIRI(?c)) }")
    assert one(void, f"SELECT ?n WHERE {{ {DATASET} void:classes ?n }}") == classes
    assert one(void, f"SELECT (COUNT(?p) AS ?n) WHERE {{ {DATASET} void:classPartition ?p }}") == classes
    assert one(void, f"SELECT ?n WHERE {{ {DATASET} void:properties ?n }}") == one(store, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }")
    assert one(void, f"SELECT ?n WHERE {{ {DATASET} void:distinctSubjects ?n }}") == one(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }")
    assert one(void, f"SELECT ?n WHERE {{ {DATASET} void:distinctObjects ?n }}") == one(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }")


def test_property_partitions_add_up_to_the_triples(void: ox.Store, store: EmbeddedStore) -> None:
    total = one(void, f"SELECT (SUM(?t) AS ?n) WHERE {{ {DATASET} void:propertyPartition [ void:property ?p ; void:triples ?t ] }}")
    assert total == store.count()
    types = one(void, f"SELECT ?n WHERE {{ {DATASET} void:propertyPartition [ void:property rdf:type ; void:triples ?n ] }}")
    assert types == one(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?c }")


def test_class_partitions_have_their_resources_properties(void: ox.Store, store: EmbeddedStore) -> None:
    part = f"{DATASET} void:classPartition ?cp . ?cp void:class mh:Municipality"
    assert one(void, f"SELECT ?n WHERE {{ {part} ; void:entities ?n }}") == 26
    labels = one(void, f"SELECT ?n WHERE {{ {part} ; void:propertyPartition [ void:property rdfs:label ; void:triples ?n ] }}")
    assert labels == one(store, "SELECT (COUNT(*) AS ?n) WHERE { ?m a mh:Municipality ; rdfs:label ?l }") > 26


def test_each_download_is_a_distribution_with_its_url_and_iana_media_type(void: ox.Store, client: TestClient) -> None:
    rows = list(
        void.query(
            PROLOGUE + f"SELECT ?url ?access ?media WHERE {{ {DATASET} dcat:distribution ?d ; void:dataDump ?url . "
            "?d a dcat:Distribution ; dcat:downloadURL ?url ; dcat:accessURL ?access ; dcat:mediaType ?media }"
        )
    )
    assert {urllib.parse.urlsplit(r["url"].value).path for r in rows} == {"/dataset.nt", "/dataset.ttl", "/dataset.jsonld"}
    for r in rows:
        assert r["access"] == r["url"] and r["media"].value.startswith(IANA_MEDIA_TYPES)
        answer = client.get(r["url"].value)
        assert answer.status_code == 200
        assert answer.headers["content-type"].split(";")[0] == r["media"].value.removeprefix(IANA_MEDIA_TYPES)


def test_the_endpoint_is_a_distribution_through_a_data_service(void: ox.Store) -> None:
    assert ask(
        void,
        f"ASK {{ {DATASET} dcat:distribution ?d ; void:sparqlEndpoint <{ENDPOINT}> . ?d dcat:accessURL <{ENDPOINT}> ; dcat:accessService ?s . "
        f"?s a dcat:DataService ; dcat:endpointURL <{ENDPOINT}> ; dcat:endpointDescription <{ENDPOINT}> ; dcat:servesDataset {DATASET} }}",
    )


@pytest.mark.parametrize("media", RDF)
def test_the_description_is_negotiated(client: TestClient, void: ox.Store, media: str) -> None:
    response = client.get("/.well-known/void", headers={"Accept": media})
    assert response.status_code == 200 and response.headers["content-type"].split(";")[0] == media
    assert "Accept" in response.headers["vary"]
    assert len(parsed(response.content, media)) == len(void)


def test_a_description_nobody_accepts_is_406(client: TestClient) -> None:
    assert client.get("/.well-known/void", headers={"Accept": "text/html"}).status_code == 406


def test_the_builds_description_names_the_public_iris(built: tuple[BuildReport, EmbeddedStore, Path]) -> None:
    report, _, out = built
    graph = parsed((out / "void.ttl").read_bytes())
    assert ask(
        graph,
        f"ASK {{ {DATASET} void:triples {report.total_triples} ; dcterms:modified ?date ; mh:assertedTriples {report.asserted_triples} ; "
        "dcat:distribution [ dcat:downloadURL <https://w3id.org/mhkg/dataset.ttl> ; "
        "dcat:mediaType <https://www.iana.org/assignments/media-types/text/turtle> ] , "
        "[ dcat:accessService <https://w3id.org/mhkg/sparql> ] }",
    )
    assert one(graph, f"SELECT (SUM(?t) AS ?n) WHERE {{ {DATASET} void:propertyPartition/void:triples ?t }}") == report.total_triples


# ---------------------------------------------------------------------------- the service description
@pytest.fixture(scope="module")
def description(client: TestClient) -> ox.Store:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    return parsed(response.content)


def test_the_service_declares_every_predeclared_prefix(description: ox.Store) -> None:
    rows = description.query(PROLOGUE + f"SELECT ?p ?ns WHERE {{ <{ENDPOINT}> a sd:Service ; sh:declare [ sh:prefix ?p ; sh:namespace ?ns ] }}")
    declared = {r["p"].value: r["ns"] for r in rows}
    assert {p: ns.value for p, ns in declared.items()} == PREDECLARED
    assert declared["certainty"] == ox.Literal(ID + "certainty/", datatype=ox.NamedNode(PREFIXES["xsd"] + "anyURI"))
    assert {r["prefix"].value: r["namespace"].value for r in description.query(EDITOR_PREFIXES)} == PREDECLARED


def test_the_default_graph_has_class_and_property_partitions(description: ox.Store, store: EmbeddedStore) -> None:
    graph = f"<{ENDPOINT}> sd:defaultDataset/sd:defaultGraph ?g . ?g a sd:Graph , void:Dataset"
    assert one(description, f"SELECT ?n WHERE {{ {graph} ; void:triples ?n }}") == store.count()
    assert ask(
        description, f"ASK {{ {graph} ; void:classPartition [ void:class mh:Intervention ; void:propertyPartition [ void:property mh:implementableIn ] ] }}"
    )
    assert ask(description, f"ASK {{ {graph} ; void:propertyPartition [ void:property mh:certainty ; void:triples ?n ] ; void:dataDump ?dump }}")
    completion = {(r["subjectClass"].value, r["prop"].value) for r in description.query(EDITOR_VOID)}
    assert (PREFIXES["mh"] + "Municipality", PREFIXES["rdfs"] + "label") in completion
    assert len(completion) == one(store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?c ?p WHERE { ?x a ?c ; ?p ?o FILTER(isIRI(?c)) } }")


# ---------------------------------------------------------------------------- the prefixes in use
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("ASK { ?e mh:certainty certainty:moderate ; mh:curationStatus ?s ; mh:effect effect:beneficial }", True, id="predeclared"),
        pytest.param("ASK { ?e mh:lifeStage life-stage:adults }", True, id="kind-with-a-hyphen"),
        pytest.param("ASK { ?e mh:lifeStage stage:adults }", True, id="the-files-alias"),
        pytest.param("PREFIX certainty: <urn:other/> ASK { ?e mh:certainty certainty:moderate }", False, id="own-declaration-wins"),
    ],
)
def test_sparql_predeclares_and_a_query_declaration_wins(client: TestClient, query: str, expected: bool) -> None:
    response = client.get("/sparql?query=" + urllib.parse.quote(query), headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    assert response.json()["boolean"] is expected


def test_the_prefixes_are_listed_for_editors(client: TestClient) -> None:
    response = client.get("/api/v1/prefixes")
    assert response.status_code == 200
    assert response.json() == PREDECLARED
    assert json.loads(response.content)["certainty"] == ID + "certainty/"


# ---------------------------------------------------------------------------- a remote store
@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not oxigraph_binary().exists():
        pytest.fail("the oxigraph server is not installed (pip install oxigraph; scripts/setup does this)")
    with oxigraph_serve(tmp_path_factory.mktemp("oxigraph")) as server:
        assert wait_for(server.url + OXIGRAPH_PROBE, proc=server.proc), "oxigraph server did not start"
        yield server.url


def test_a_remote_store_predeclares_and_a_query_declaration_wins(oxigraph: str) -> None:
    remote = RemoteStore(oxigraph + "/query")
    assert remote.ask(f"ASK {{ FILTER(certainty:moderate = <{ID}certainty/moderate> && w3org:unitOf = org:unitOf) }}")
    assert remote.ask("PREFIX certainty: <urn:other/> ASK { FILTER(certainty:moderate = <urn:other/moderate>) }")


def test_the_service_on_a_remote_store_describes_it_without_downloads(oxigraph: str) -> None:
    with TestClient(create_app(RemoteStore(oxigraph + "/query"))) as remote_client:
        description = parsed(remote_client.get("/sparql", headers={"Accept": "text/turtle"}).content)
        void = parsed(remote_client.get("/.well-known/void").content)
    assert {r["prefix"].value for r in description.query(EDITOR_PREFIXES)} == set(PREDECLARED)
    for graph in (description, void):
        assert one(graph, f"SELECT ?n WHERE {{ {DATASET} void:triples ?n }}") == 0
        assert not ask(graph, "ASK { ?d void:dataDump ?dump }")
        assert ask(graph, f"ASK {{ {DATASET} dcat:distribution/dcat:accessService ?s . ?s dcat:endpointURL <{ENDPOINT}> }}")
