"""The catalogue in SPARQL editors' terms, and the prefixes every query may use without declaring them.

The catalogue follows the SIB sparql-examples convention (github.com/sib-swiss/sparql-examples): a query is an
``sh:SPARQLExecutable`` with its text, an ``rdfs:comment``, ``sh:prefixes`` pointing to ``sh:declare``s,
``schema:target`` the endpoint and ``schema:keywords``. The queries below are the ones SIB's sparql-editor sends.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from pyparsing import ParseException
from rdflib.plugins.sparql import parser

from api.catalogue import PREFIXES_NODE, catalogue, catalogue_triples
from api.sparql.policy import check_query
from api.store import EmbeddedStore
from api.vocab import ID, ID_KINDS, PREDECLARED, PREFIXES, SPARQL_ENDPOINT

ROOT = Path(__file__).resolve().parents[2]
QUERY_FILES = sorted((ROOT / "queries").rglob("*.rq"))

# sparql-editor (packages/sparql-editor/src/metadata.ts): the examples and the prefixes it reads from an endpoint.
EDITOR_EXAMPLES = """PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?sq ?comment ?query WHERE {
  ?sq a sh:SPARQLExecutable ; rdfs:comment ?comment ; sh:select|sh:ask|sh:construct|sh:describe ?query .
} ORDER BY ?sq"""
EDITOR_PREFIXES = """PREFIX sh: <http://www.w3.org/ns/shacl#>
SELECT DISTINCT ?prefix ?namespace WHERE { [] sh:namespace ?namespace ; sh:prefix ?prefix } ORDER BY ?prefix"""


# ---------------------------------------------------------------------------- the predeclared prefixes
def test_every_kind_of_individual_in_the_graph_has_its_prefix(store: EmbeddedStore) -> None:
    """Every ``…/id/<kind>/`` the built graph uses is a predeclared prefix named as the kind, and no kind is left over."""
    used = set()
    for triple in store.triples():
        for term in (triple.subject, triple.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(ID) and "/" in term.value[len(ID) :]:
                used.add(term.value[len(ID) :].split("/", 1)[0])
    assert used == set(ID_KINDS)
    assert all(PREDECLARED[kind] == f"{ID}{kind}/" for kind in used)


def _declared(path: Path) -> dict[str, str]:
    """The prefixes a query file's prologue declares (of an update too: the build's closures), read by rdflib's SPARQL parser."""
    text = path.read_text(encoding="utf-8")
    try:
        prologue = parser.parseQuery(text)[0]
    except ParseException:
        prologue = parser.parseUpdate(text)["prologue"][0]
    return {str(d.prefix): str(d.iri) for d in prologue if d.name == "PrefixDecl"}


@pytest.mark.parametrize("path", QUERY_FILES, ids=[p.relative_to(ROOT / "queries").as_posix() for p in QUERY_FILES])
def test_the_queries_declare_what_is_predeclared_by_the_same_names(path: Path) -> None:
    """A prefix a query file declares has the predeclared name and namespace (``status:``, ``effect:``, ``w3org:`` …)."""
    for prefix, namespace in _declared(path).items():
        assert PREDECLARED.get(prefix) == namespace, f"{prefix}: <{namespace}>"


def test_the_shapes_declare_what_is_predeclared_by_the_same_names() -> None:
    store = ox.Store()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    rows = list(store.query("PREFIX sh: <http://www.w3.org/ns/shacl#> SELECT DISTINCT ?p ?ns WHERE { [] sh:declare [ sh:prefix ?p ; sh:namespace ?ns ] }"))
    assert len(rows) > 5
    assert {(r["p"].value, r["ns"].value) for r in rows} <= set(PREDECLARED.items())


def test_the_serialisers_prefixes_are_predeclared_unchanged() -> None:
    """PREFIXES (what Turtle output and the canonical entry files write) is part of PREDECLARED as it was: no file changes."""
    assert PREDECLARED.items() >= PREFIXES.items()
    assert PREDECLARED["org"] == "http://www.w3.org/ns/org#"
    assert PREDECLARED["status"] == PREDECLARED["curation-status"] == ID + "curation-status/"


def test_the_policy_accepts_a_predeclared_prefix() -> None:
    assert check_query("ASK { ?e mh:certainty certainty:moderate ; mh:curationStatus status:reviewed }").form == "AskQuery"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("ASK { ?e mh:certainty certainty:moderate }", True, id="predeclared"),
        pytest.param("ASK { ?e mh:certainty life-stage:moderate }", False, id="predeclared-kind-with-a-hyphen"),
        pytest.param("PREFIX certainty: <urn:other/> ASK { FILTER(certainty:moderate = <urn:other/moderate>) }", True, id="own-declaration-wins"),
        pytest.param("PREFIX certainty: <urn:other/> ASK { ?e mh:certainty certainty:moderate }", False, id="own-declaration-wins-in-patterns"),
    ],
)
def test_the_embedded_store_predeclares_and_a_query_declaration_wins(store: EmbeddedStore, query: str, expected: bool) -> None:
    assert store.ask(query) is expected


# ---------------------------------------------------------------------------- the catalogue in the graph
def test_every_catalogue_query_is_an_executable_as_sib_writes_one(store: EmbeddedStore) -> None:
    rows = store.select(
        """SELECT ?q ?text WHERE {
          ?q a sh:SPARQLExecutable , sh:SPARQLSelectExecutable ; sh:select ?text ; rdfs:comment ?comment ;
             sh:prefixes ?prefixes ; <https://schema.org/target> ?target ; <https://schema.org/keywords> ?keyword ;
             schema:target ?target ; schema:keywords ?keyword .
          ?prefixes sh:declare [ sh:prefix "certainty" ; sh:namespace "https://w3id.org/mhkg/id/certainty/"^^xsd:anyURI ] .
          FILTER(LANG(?comment) = "en" && ?target = <https://w3id.org/mhkg/sparql> && ?prefixes = <https://w3id.org/mhkg/id/dataset/mhkg/prefixes>)
        }"""
    )
    assert {r["q"].value for r in rows} == {f"{ID}query/{name}" for name in catalogue()}
    assert SPARQL_ENDPOINT == "https://w3id.org/mhkg/sparql" and PREFIXES_NODE == ID + "dataset/mhkg/prefixes"


@pytest.mark.parametrize("schema", ["http://schema.org/", "https://schema.org/"])
def test_keywords_are_the_tags(store: EmbeddedStore, schema: str) -> None:
    for name, query in catalogue().items():
        rows = store.select(f"SELECT ?k WHERE {{ <{ID}query/{name}> <{schema}keywords> ?k }}")
        assert sorted(r["k"].value for r in rows) == sorted(query.tags), name


def test_the_prefixes_node_declares_exactly_the_predeclared_prefixes(store: EmbeddedStore) -> None:
    """SHACL §5.2.1 collects a query's prefixes along sh:prefixes/owl:imports*/sh:declare."""
    q = f"<{ID}query/committee-measures>"
    rows = store.select(f"SELECT ?p ?ns WHERE {{ {q} sh:prefixes/owl:imports*/sh:declare [ sh:prefix ?p ; sh:namespace ?ns ] }}")
    assert {r["p"].value: r["ns"].value for r in rows} == PREDECLARED
    assert all(r["ns"].datatype == ox.NamedNode(PREFIXES["xsd"] + "anyURI") for r in rows)


def test_sib_sparql_editor_reads_one_example_per_query_and_every_prefix(store: EmbeddedStore) -> None:
    examples = store.select(EDITOR_EXAMPLES)
    assert [r["sq"].value for r in examples] == sorted(f"{ID}query/{name}" for name in catalogue())
    assert {r["query"].value for r in examples} == {q.text for q in catalogue().values()}
    assert {r["prefix"].value: r["namespace"].value for r in store.select(EDITOR_PREFIXES)} == PREDECLARED


def test_a_query_run_with_the_declared_prefixes_only(store: EmbeddedStore) -> None:
    """What a SHACL processor does with an executable: prepend its declared prefixes, and the text runs as it is."""
    triples = catalogue_triples()
    declared = ox.Store()
    declared.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    prologue = "".join(
        f"PREFIX {r['p'].value}: <{r['ns'].value}>\n"
        for r in declared.query("PREFIX sh: <http://www.w3.org/ns/shacl#> SELECT ?p ?ns WHERE { ?x sh:declare [ sh:prefix ?p ; sh:namespace ?ns ] }")
    )
    check_query(prologue + "ASK { ?e mh:certainty certainty:low ; mh:curationStatus ?s . ?s skos:inScheme ?scheme }")
    assert store.ask(prologue + "ASK { ?e mh:certainty certainty:low }")
