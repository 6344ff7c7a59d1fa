"""Fuzzing: the service against its own OpenAPI schema, the SHACL validator, and catalogue parameter binding.

Three kinds of generated input, all bounded and reproducible (fixed seeds / derandomised Hypothesis, no example
database), so that CI runs the same cases every time; the file takes about 45 s (plus the session's build):

1. **Schemathesis** generates requests for every operation of ``/openapi.json`` and sends them in-process (ASGI)
   to an app over a *copy* of the repository and of the store (submissions write files; the session store is
   never touched). Checks: no server error (a 503 only where it is deliberate and explained), status codes,
   media types and JSON bodies as documented. Path ids that are not IRI text are sent too: they must give 404
   (they once went into the SPARQL text unchecked: 500s, and injection).
2. **Hypothesis for the validator**: evidence entries built from the real vocabularies (certainty, settings, life
   stages, directions …) with arbitrary Unicode texts, and with mutations a curator could make (a required
   property dropped, a functional one doubled, a value from the wrong scheme, a literal for an IRI, an untyped
   date, an untagged or German label, a malformed IRI). The validator must never crash, must name the broken
   property (``sh:path``) of every mutation, must accept every unmutated entry, and its targeted verdict for one
   entry must equal what full validation of the same data says about that entry.
3. **Hypothesis for parameter binding** (``api/catalogue/``): arbitrary text, rich in SPARQL syntax (quotes,
   braces, ``} UNION {``, ``#``, newlines, ``<``/``>``, ``DELETE``, ``SERVICE`` …), either is refused with a
   ``ParameterError`` or becomes exactly one RDF term whose value is the input: the query parses and its ``VALUES``
   binds nothing else. A naive binder (string interpolation) is shown to fail the same property, so the property
   can catch an injection. Over HTTP, the generated ``/api/v1/queries/{name}`` operations, the SPARQL endpoint and
   the HTML pages never answer 500 for arbitrary parameter strings.
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import re
import shutil
import tempfile
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, find, given, settings
from hypothesis import strategies as st
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from api.catalogue import WHERE, CatalogueQuery, Parameter, catalogue
from api.errors import ParameterError
from api.knowledge.loader import parse_file
from api.settings import PACKAGE_ROOT
from api.store import EmbeddedStore
from api.validation import ShaclValidator
from api.vocab import ID, PREFIXES, VOCAB
from api.web.app import create_app

TOKEN = "fuzz-token-5e0c"  # noqa: S105 - a test token
SEED = 20261123
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCT = "http://purl.org/dc/terms/"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
SH = "http://www.w3.org/ns/shacl#"
SHP = "https://w3id.org/mhkg/shapes#"


def bounded(n: int) -> settings:
    """Hypothesis settings for CI: ``n`` examples, the same ones every run, nothing written to disk."""
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    )


# Text that is syntax somewhere: SPARQL, Turtle, IRIs, URLs, JSON.
NASTY = [
    '"',
    "'",
    '"""',
    "\\",
    "\\u0022",
    "\\>",
    "{",
    "}",
    "} UNION {",
    ") } ",
    "(",
    ")",
    "#",
    "\n",
    "\r\n",
    "\t",
    " ",
    "<",
    ">",
    "> <",
    "^^",
    "^^xsd:integer",
    "@en",
    "?s",
    "$x",
    ".",
    ";",
    ",",
    "|",
    "`",
    "%3E",
    "%",
    "\x00",
    "\u2028",
    "\ufeff",
    "é",
    "Å",
    "😀",
    "DELETE WHERE { ?s ?p ?o }",
    "SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }",
    "INSERT DATA { <a:b> <a:b> <a:b> }",
    "LOAD <http://127.0.0.1:9/>",
    "FROM <http://127.0.0.1:9/>",
    "SELECT * WHERE { ?s ?p ?o }",
    "https://w3id.org/mhkg/id/organisation/trafiknamnden",
    "javascript:alert(1)",
    "../../etc/passwd",
]
ADVERSARIAL = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=4)), max_size=6).map("".join)
PARAM_TEXT = st.one_of(
    st.text(max_size=24),
    ADVERSARIAL,
    st.builds(str.__add__, st.sampled_from([ID + "organisation/", ID + "setting/", "https://example.org/", "urn:x:", "http:", ""]), ADVERSARIAL),
    st.from_regex(r"[+-]?[0-9]{1,20}(\.[0-9]{0,3})?", fullmatch=True),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
)
# Lone surrogates cannot travel over HTTP, but a command line passes them on (surrogateescape).
PARAM_TEXT_WITH_SURROGATES = st.one_of(PARAM_TEXT, st.builds(str.__add__, ADVERSARIAL, st.sampled_from(["\udcff", "\ud800"])))


def json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


# ============================================================================ 1. Schemathesis against /openapi.json
# Schemathesis makes one test per operation when the module is collected, so the app exists before the session's
# graph is built: it starts over an empty store and an empty folder, and `fuzz_app` fills both before the first
# request with copies (submissions write files; neither the repository nor the session store is touched).
# (schemathesis.pytest.from_fixture would avoid this, but it does not work with pytest 9: it sets Node._nodeid.)
schemathesis.serializer.alias("application/n-triples", "text/plain")  # entries may be sent as N-Triples too
schemathesis.serializer.alias("application/sparql-query", "text/plain")  # and queries as a direct POST body
FUZZ_ROOT = Path(tempfile.mkdtemp(prefix="mhkg-fuzz-"))
atexit.register(shutil.rmtree, FUZZ_ROOT, True)
FUZZ_STORE = EmbeddedStore()
# The catalogue's routes are generated from the app's own queries/ when it is made: copy them before (the rest follows in the fixture).
shutil.copytree(PACKAGE_ROOT / "queries", FUZZ_ROOT / "queries", dirs_exist_ok=True)
FUZZ_APP = create_app(FUZZ_STORE, root=FUZZ_ROOT, token=TOKEN)
schema = schemathesis.openapi.from_asgi("/openapi.json", FUZZ_APP, config=schemathesis.Config.from_dict({"seed": SEED, "generation": {"database": "none"}}))


@pytest.fixture(scope="module")
def fuzz_app(store: EmbeddedStore, root: Path) -> Iterator[FastAPI]:
    for folder in ("ontology", "evidence", "shapes", "queries"):
        shutil.copytree(root / folder, FUZZ_ROOT / folder, dirs_exist_ok=True)
    if FUZZ_STORE.count() == 0:
        FUZZ_STORE.add_triples(store.triples())
    yield FUZZ_APP
    FUZZ_APP.state.mhkg.close()


# A 503 is an answer, not a failure, where it is deliberate: the SPARQL endpoint stops a runaway query (or has no
# free worker) and says so; /ready says why the service is not ready.
DELIBERATE_503 = {("GET", "/sparql"), ("POST", "/sparql"), ("GET", "/ready")}


def no_server_error(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """Like schemathesis' not_a_server_error, but a deliberate 503 with a message passes."""
    op = (case.operation.method.upper(), case.operation.path)
    body = response.content.decode("utf-8", errors="replace")
    if response.status_code == 503 and op in DELIBERATE_503:
        assert body.strip(), f"{op}: a 503 must say why"
        return
    assert response.status_code < 500, f"{op}: server error {response.status_code}: {body[:500]}"


CHECKS = [no_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Not used: positive_data_acceptance (the API is deliberately stricter than a JSON schema can say: parameters must
# be IRIs, enum members, Turtle that declares an entry), negative_data_rejection and the method/Allow checks
# (Starlette's 405 lists only one route's methods for paths with GET and POST routes), and max_response_time.


@schema.parametrize()
@settings(max_examples=25, deadline=None, database=None, print_blob=False, suppress_health_check=list(HealthCheck))
def test_openapi_operations_answer_as_documented_and_never_fail(case: schemathesis.Case, fuzz_app: FastAPI) -> None:
    if case.operation.method.upper() == "POST" and case.operation.path == "/api/v1/evidence":
        # Authenticated, so that bodies reach parsing, validation and writing (401/403 are tested elsewhere).
        case.headers = {**(case.headers or {}), "authorization": f"Bearer {TOKEN}"}
    case.call_and_validate(checks=CHECKS)


def test_the_no_server_error_check_can_fail() -> None:
    """The custom check must reject a 500 and an unexplained 503 (else the schemathesis test could not fail)."""

    @dataclass
    class Op:
        method: str
        path: str

    @dataclass
    class Case:
        operation: Op

    @dataclass
    class Resp:
        status_code: int
        content: bytes

    no_server_error(None, Resp(503, b"Query timed out"), Case(Op("GET", "/sparql")))  # type: ignore[arg-type]
    no_server_error(None, Resp(404, b""), Case(Op("GET", "/id/{path}")))  # type: ignore[arg-type]
    for status, body, op in ((500, b"Internal Server Error", Op("GET", "/sparql")), (503, b"", Op("GET", "/sparql")), (503, b"busy", Op("GET", "/health"))):
        with pytest.raises(AssertionError):
            no_server_error(None, Resp(status, body), Case(op))  # type: ignore[arg-type]


# ============================================================================ 2. Hypothesis for the SHACL validator
SCHEMES = {
    VOCAB + "outcome": "outcomes",
    VOCAB + "effect": "effects",
    VOCAB + "setting": "settings",
    VOCAB + "lifeStage": "life-stages",
    VOCAB + "preventionLevel": "prevention-levels",
    VOCAB + "direction": "directions",
    VOCAB + "certainty": "certainty",
    VOCAB + "certaintyBasis": "certainty-basis",
    VOCAB + "studyDesign": "study-designs",
    VOCAB + "curationStatus": "curation-status",
}
# Required properties of an entry (an independent list: a test checks it against the shapes).
REQUIRED = [
    VOCAB + "intervention",
    *SCHEMES,
    VOCAB + "citesSource",
    VOCAB + "statement",
    RDFS_LABEL,
    VOCAB + "curator",
    DCT + "created",
    DCT + "modified",
    PROV_DERIVED,
]
FUNCTIONAL = [
    VOCAB + "intervention",
    VOCAB + "effect",
    VOCAB + "certainty",
    VOCAB + "certaintyBasis",
    VOCAB + "curationStatus",
    DCT + "created",
    DCT + "modified",
]
IRI_VALUED = [VOCAB + "intervention", *SCHEMES, VOCAB + "citesSource", VOCAB + "curator", PROV_DERIVED]
CURATOR_JUDGEMENT = ID + "certainty-basis/curator-judgement"
LATEST = dt.date(2025, 12, 31)  # dates stay in the past whenever the tests run
TEXT = st.one_of(st.text(max_size=40), ADVERSARIAL)
SLUG = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,6}){0,2}(--[a-z0-9]{1,6}){0,2}", fullmatch=True)


@dataclass
class World:
    """What entries are validated in: the ontology, the vocabularies and all of evidence/ (about 6,000 triples).

    The whole repository would make each full validation take about 5 s; entries refer to nothing outside this.
    """

    triples: list[ox.Triple]
    concepts: dict[str, list[str]]
    interventions: list[str]
    sources: list[str]
    existing: set[tuple[str, str, str]]
    validator: ShaclValidator

    def store(self, extra: list[ox.Triple]) -> EmbeddedStore:
        s = EmbeddedStore()
        s.add_triples(self.triples + extra)
        return s


@pytest.fixture(scope="module")
def world(root: Path) -> World:
    files = [root / "ontology" / "mhkg.ttl", *sorted((root / "ontology" / "vocabularies").glob("*.ttl")), *sorted((root / "evidence").rglob("*.ttl"))]
    triples = [t for f in files for t in parse_file(f)]
    s = EmbeddedStore()
    s.add_triples(triples)
    concepts = {
        scheme: [r["c"].value for r in s.select(f"SELECT ?c WHERE {{ ?c skos:inScheme <{ID}scheme/{scheme}> }} ORDER BY ?c")]
        for scheme in set(SCHEMES.values())
    }
    assert all(len(c) >= 2 for c in concepts.values()), {k: len(v) for k, v in concepts.items()}
    existing = {
        (r["i"].value, r["s"].value, r["o"].value)
        for r in s.select("SELECT ?i ?s ?o WHERE { ?e a mh:EvidenceEntry ; mh:intervention ?i ; mh:citesSource ?s ; mh:outcome ?o }")
    }
    return World(
        triples=triples,
        concepts=concepts,
        interventions=[r["x"].value for r in s.select("SELECT ?x WHERE { ?x a mh:Intervention } ORDER BY ?x")],
        sources=[r["x"].value for r in s.select("SELECT ?x WHERE { ?x a mh:Source } ORDER BY ?x")],
        existing=existing,
        validator=ShaclValidator(root),
    )


MUTATIONS = ["none", "drop", "double", "wrong-scheme", "literal-for-iri", "untyped-date", "label-language", "bad-iri", "no-rationale"]


@dataclass
class Entry:
    """A generated entry: its IRI, its properties, and the violations its mutation must produce."""

    iri: str
    props: dict[str, list[ox.NamedNode | ox.Literal]]
    mutation: str = "none"
    # (path, constraint components that may report it); path None = the node itself
    expected: list[tuple[str | None, set[str]]] = field(default_factory=list)

    def triples(self) -> list[ox.Triple]:
        s = ox.NamedNode(self.iri)
        return [ox.Triple(s, ox.NamedNode(RDF_TYPE), ox.NamedNode(VOCAB + "EvidenceEntry"))] + [
            ox.Triple(s, ox.NamedNode(p), o) for p, values in self.props.items() for o in values
        ]

    def value(self, p: str) -> str | None:
        return self.props[p][0].value if self.props.get(p) else None

    def combinations(self) -> set[tuple[str, str, str]]:
        def iris(p: str) -> list[str]:
            return [v.value for v in self.props.get(p, []) if isinstance(v, ox.NamedNode)]

        return {(i, s, o) for i in iris(VOCAB + "intervention") for s in iris(VOCAB + "citesSource") for o in iris(VOCAB + "outcome")}


def date_literal(d: dt.date) -> ox.Literal:
    return ox.Literal(d.isoformat(), datatype=ox.NamedNode(XSD + "date"))


@st.composite
def clean_entries(draw: st.DrawFn, world: World) -> Entry:
    """A conforming entry: values from the right schemes, both languages, dates in order, arbitrary texts."""

    def pick(values: list[str], most: int = 1) -> list[ox.NamedNode]:
        return [ox.NamedNode(v) for v in draw(st.lists(st.sampled_from(values), min_size=1, max_size=most, unique=True))]

    def bilingual() -> list[ox.Literal]:
        return [ox.Literal(draw(TEXT), language="sv"), ox.Literal(draw(TEXT), language="en")]

    created = draw(st.dates(min_value=dt.date(2020, 1, 1), max_value=LATEST))
    modified = draw(st.dates(min_value=created, max_value=LATEST))
    source = pick(world.sources)
    props: dict[str, list[ox.NamedNode | ox.Literal]] = {
        VOCAB + "intervention": pick(world.interventions),
        VOCAB + "citesSource": source,
        PROV_DERIVED: list(source),
        VOCAB + "curator": [ox.NamedNode(ID + "agent/mhkg-curation-team")],
        RDFS_LABEL: bilingual(),
        VOCAB + "statement": bilingual(),
        VOCAB + "certaintyRationale": bilingual(),
        # what the source measured; worded as deaths, so that any outcome drawn (suicide too) is coded as measured
        VOCAB + "outcomeMeasure": [ox.Literal(draw(TEXT) + " (antal dödsfall)", language="sv"), ox.Literal(draw(TEXT) + " (number of deaths)", language="en")],
        DCT + "created": [date_literal(created)],
        DCT + "modified": [date_literal(modified)],
    }
    for p, scheme in SCHEMES.items():
        props[p] = pick(world.concepts[scheme], 1 if p in FUNCTIONAL else 3)
    if draw(st.booleans()):
        props[VOCAB + "population"] = bilingual()
    return Entry(ID + "evidence/fuzz-" + draw(SLUG), props)


@st.composite
def entries(draw: st.DrawFn, world: World, kind: str | None = None) -> Entry:
    """A clean entry, or one with a single mutation (``kind``, or drawn) and the violation it must cause."""
    e = draw(clean_entries(world))
    kind = kind or draw(st.sampled_from(MUTATIONS))
    e.mutation = kind
    if kind == "drop":
        p = draw(st.sampled_from(REQUIRED))
        del e.props[p]
        e.mutation = f"drop {p}"
        components = {"QualifiedMinCountConstraintComponent"} if p in (RDFS_LABEL, VOCAB + "statement") else {"MinCountConstraintComponent"}
        e.expected.append((p, components))
    elif kind == "double":
        p = draw(st.sampled_from(FUNCTIONAL))
        if p.startswith(DCT):
            other = date_literal(draw(st.dates(min_value=dt.date(2020, 1, 1), max_value=LATEST).filter(lambda d: d.isoformat() != e.value(p))))
        else:
            pool = world.interventions if p == VOCAB + "intervention" else world.concepts[SCHEMES[p]]
            other = ox.NamedNode(draw(st.sampled_from([v for v in pool if v != e.value(p)])))
        e.props[p].append(other)
        e.mutation = f"double {p}"
        e.expected.append((p, {"MaxCountConstraintComponent"}))
    elif kind == "wrong-scheme":
        p = draw(st.sampled_from(list(SCHEMES)))
        right = set(world.concepts[SCHEMES[p]])
        wrong = sorted({c for scheme, cs in world.concepts.items() if scheme != SCHEMES[p] for c in cs} - right)
        e.props[p] = [ox.NamedNode(draw(st.sampled_from(wrong)))]
        e.mutation = f"wrong scheme {p}"
        e.expected.append((p, {"NodeConstraintComponent"}))
    elif kind == "literal-for-iri":
        p = draw(st.sampled_from(IRI_VALUED))
        e.props[p] = [ox.Literal(draw(TEXT))]
        e.mutation = f"literal for {p}"
        e.expected.append((p, {"NodeKindConstraintComponent"}))
    elif kind == "untyped-date":
        p = draw(st.sampled_from([DCT + "created", DCT + "modified"]))
        e.props[p] = [ox.Literal(e.props[p][0].value)]
        e.expected.append((p, {"DatatypeConstraintComponent"}))
    elif kind == "label-language":
        p = draw(st.sampled_from([RDFS_LABEL, VOCAB + "statement"]))
        extra = ox.Literal(draw(TEXT), language="de") if draw(st.booleans()) else ox.Literal(draw(TEXT))
        e.props[p].append(extra)
        e.mutation = f"{'German' if extra.language else 'untagged'} {p}"
        e.expected.append((p, {"LanguageInConstraintComponent", "DatatypeConstraintComponent"}))
    elif kind == "bad-iri":
        e.iri = ID + "evidence/" + draw(st.sampled_from(["Fuzz_", "fuzz---", "-", "ÅÄÖ-", "fuzz.", "fuzz%20"])) + e.iri.rsplit("/", 1)[1]
        e.expected.append((None, {"PatternConstraintComponent"}))
    elif kind == "no-rationale":
        del e.props[VOCAB + "certaintyRationale"]
        if e.value(VOCAB + "certaintyBasis") == CURATOR_JUDGEMENT:
            e.expected.append((VOCAB + "certaintyRationale", {"SPARQLConstraintComponent"}))
    return e


def check_verdict(world: World, e: Entry, results: list[Any], others: frozenset[tuple[str, str, str]] = frozenset()) -> None:
    """The violations of one entry must name every mutation's property, and a clean entry must have none
    (but the duplicate rule, exactly when it repeats an existing entry's intervention, source and outcome)."""
    found = {(r.path, r.constraint_component, r.source_shape) for r in violations_of(results, e.iri)}
    for path, components in e.expected:
        assert any(p == path and c in components for p, c, _ in found), f"{e.mutation}: expected {path} by {components}, got {found}"
    if not e.expected:
        duplicates = {f for f in found if f[2] == SHP + "NoDuplicateEntryShape"}
        assert bool(duplicates) == bool(e.combinations() & (world.existing | others)), f"{e.mutation}: {found}"
        assert found == duplicates, f"a conforming entry ({e.mutation}) was refused: {found - duplicates}"


def violations_of(results: list[Any], focus: str) -> list[Any]:
    return [r for r in results if r.severity == "Violation" and r.focus_node == focus]


def test_required_and_functional_lists_match_the_shapes(world: World) -> None:
    """The fuzzer's independent lists of required and functional properties agree with shapes/evidence-entry.ttl."""
    g = world.validator.shapes_graph
    sh = rdflib.Namespace(SH)
    entry_shape = rdflib.URIRef(SHP + "EvidenceEntryShape")
    required, functional = set(), set()
    for prop in g.objects(entry_shape, sh.property):
        if g.value(prop, sh.severity) != sh.Violation:
            continue
        path = str(g.value(prop, sh.path))
        if int(g.value(prop, sh.minCount) or 0) or int(g.value(prop, sh.qualifiedMinCount) or 0):
            required.add(path)
        if int(g.value(prop, sh.maxCount) or 0) == 1:
            functional.add(path)
    assert required == set(REQUIRED)
    assert functional == set(FUNCTIONAL)


@pytest.mark.parametrize("kind", MUTATIONS)
@given(data=st.data())
@bounded(8)
def test_validator_names_every_mutation_and_accepts_clean_entries(world: World, kind: str, data: st.DataObject) -> None:
    e = data.draw(entries(world, kind))
    event(e.mutation)  # --hypothesis-show-statistics shows which properties were mutated
    report = world.validator.validate(world.store(e.triples()), focus_nodes=[e.iri])
    assert {r.focus_node for r in report.results} <= {e.iri}
    for r in report.results:
        assert r.message.get("sv") and r.message.get("en"), r
    check_verdict(world, e, report.results)
    assert report.conforms == (not violations_of(report.results, e.iri))


@pytest.mark.parametrize("prop", REQUIRED, ids=lambda p: re.split(r"[#/]", p)[-1])
@given(data=st.data())
@bounded(3)
def test_dropping_a_required_property_is_reported_with_its_path(world: World, prop: str, data: st.DataObject) -> None:
    """Every required property, not only those the random draw above happens to hit."""
    e = data.draw(clean_entries(world))
    del e.props[prop]
    report = world.validator.validate(world.store(e.triples()), focus_nodes=[e.iri])
    assert prop in {r.path for r in violations_of(report.results, e.iri)}, [(r.path, r.constraint_component) for r in report.results]
    assert not report.conforms


@given(data=st.data())
@bounded(4)
def test_targeted_verdict_equals_full_validation(world: World, data: st.DataObject) -> None:
    batch = data.draw(st.lists(entries(world), min_size=1, max_size=4, unique_by=lambda e: e.iri))
    store = world.store([t for e in batch for t in e.triples()])
    full = world.validator.validate(store)

    def key(r: Any) -> tuple:
        return (r.severity, r.focus_node, r.source_shape, r.constraint_component, r.path, r.value)

    for e in batch:
        targeted = world.validator.validate(store, focus_nodes=[e.iri])
        assert {key(r) for r in targeted.results} == {key(r) for r in full.results if r.focus_node == e.iri}, e.mutation
        others = frozenset(c for o in batch if o is not e for c in o.combinations())
        check_verdict(world, e, targeted.results, others)


# ============================================================================ 3. Hypothesis for parameter binding
def probe(p: Parameter) -> CatalogueQuery:
    """A query that only returns what the parameter was bound to."""
    return CatalogueQuery(name="probe", path=Path("probe.rq"), summary="", summary_sv="", description="", tags=(), parameters=(p,), text="SELECT * WHERE { }\n")


def naive_bind(q: CatalogueQuery, values: Mapping[str, str]) -> str:
    """What the catalogue must not do: paste the text into the query."""
    terms = []
    for p in q.parameters:
        v = values[p.name]
        terms.append(f"<{p.prefix}{v}>" if p.type == "iri" else f'"{v}"' + ("" if p.type == "string" else f"^^<{XSD}{p.type}>"))
    block = "VALUES ({}) {{ ({}) }} ".format(" ".join(f"?{p.variable}" for p in q.parameters), " ".join(terms))
    return WHERE.sub(lambda m: m.group(0) + " " + block, q.text)


def real_bind(q: CatalogueQuery, values: Mapping[str, str]) -> str:
    return q.bind(values)


def binding_violation(bind: Callable[[CatalogueQuery, Mapping[str, str]], str], p: Parameter, value: str) -> str | None:
    """None when binding ``value`` refuses it clearly or binds exactly the input; else what went wrong."""
    try:
        text = bind(probe(p), {p.name: value})
    except ParameterError:
        return None
    except Exception as exc:  # noqa: BLE001 - anything but the project's error is a finding
        return f"binding crashed: {type(exc).__name__}: {exc}"
    try:
        solutions = ox.Store().query(text, prefixes=PREFIXES)
        rows = [{v.value: s[v] for v in solutions.variables if s[v] is not None} for s in solutions]  # type: ignore[union-attr]
    except SyntaxError as exc:
        return f"the bound query does not parse: {exc}\n{text}"
    wanted = value or p.default  # an empty value is a missing one: the default, or nothing
    if wanted is None:
        return None if rows == [{}] else f"an empty optional value bound {rows}"
    if len(rows) != 1 or set(rows[0]) != {p.variable}:
        return f"the query binds {rows}, not one value of ?{p.variable}\n{text}"
    term = rows[0][p.variable]
    if p.type == "iri":
        if not isinstance(term, ox.NamedNode) or term.value not in (wanted, p.prefix + wanted):
            return f"bound {term!r} for {value!r}"
    elif not isinstance(term, ox.Literal) or term.datatype.value != XSD + p.type:
        return f"bound {term!r} for {value!r}"
    elif p.type in ("integer", "decimal"):  # Oxigraph keeps numbers in canonical form ("00" -> "0"): same number
        if Decimal(term.value) != Decimal(wanted):
            return f"bound {term!r} for {value!r}"
    elif term.value != wanted:
        return f"bound {term!r} for {value!r}"
    return None


PARAMETERS = [p for q in catalogue().values() for p in q.parameters] + [
    Parameter(name="text", type="string", required=True),
    Parameter(name="amount", type="decimal", required=True),
    Parameter(name="since", type="date", required=True),
    Parameter(name="years", type="integer", required=False),
    Parameter(name="org", type="iri", required=True, prefix=ID + "organisation/"),
    Parameter(name="level", type="iri", required=False, enum=("high", "low"), prefix=ID + "certainty/"),
]


def test_the_parameters_cover_every_type() -> None:
    assert {p.type for p in PARAMETERS} == {"iri", "integer", "decimal", "date", "string"}
    assert any(p.enum for p in PARAMETERS) and any(p.prefix for p in PARAMETERS)


@given(p=st.sampled_from(PARAMETERS), value=PARAM_TEXT_WITH_SURROGATES)
@bounded(400)
def test_binding_refuses_clearly_or_binds_exactly_the_input(p: Parameter, value: str) -> None:
    assert binding_violation(real_bind, p, value) is None


@pytest.mark.parametrize("kind", ["iri", "string"])
def test_the_binding_property_catches_a_naive_binder(kind: str) -> None:
    """The same property and the same generator find an injection in string interpolation."""
    p = next(p for p in PARAMETERS if p.type == kind)
    found = find(PARAM_TEXT, lambda v: binding_violation(naive_bind, p, v) is not None, settings=bounded(400))
    assert binding_violation(naive_bind, p, found) is not None
    assert binding_violation(real_bind, p, found) is None


def values_rows(text: str) -> list[dict[str, Any]]:
    """What a query binds to parameter variables, as parsed by rdflib (a second, independent SPARQL parser): every
    VALUES row, and each ``BIND(term AS ?_x)`` of a constant to a parameter's variable as a row of its own."""
    rows: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, CompValue):
            if node.name == "values":
                rows.extend({str(k): v for k, v in r.items()} for r in node["res"])
            if node.name == "Extend" and str(node["var"]).startswith("_") and isinstance(node["expr"], rdflib.term.Identifier):
                rows.append({str(node["var"]): node["expr"]})
            for v in node.values():
                walk(v)
        elif isinstance(node, list | tuple):
            for v in node:
                walk(v)

    walk(prepareQuery(text, initNs=PREFIXES).algebra)
    return rows


VALID = {"iri": ID + "organisation/trafiknamnden", "integer": "10", "decimal": "1.5", "date": "2024-01-01", "string": "x"}


@given(data=st.data())
@bounded(60)
def test_catalogue_queries_parse_and_bind_exactly_the_value(data: st.DataObject) -> None:
    """On the real catalogue texts: the bound query parses (Oxigraph and rdflib) and binds the value only."""
    queries = [q for q in catalogue().values() if q.parameters]
    q = data.draw(st.sampled_from(queries))
    p = data.draw(st.sampled_from(q.parameters))
    value = data.draw(PARAM_TEXT)
    values = {o.name: (o.enum[0] if o.enum else VALID[o.type]) for o in q.parameters if o.required}
    values[p.name] = value
    try:
        text = q.bind(values)
    except ParameterError:
        return
    ox.Store().query(text, prefixes=PREFIXES)  # raises SyntaxError if the text no longer parses
    wanted = value or p.default  # an empty value is a missing one
    rows = [r for r in values_rows(text) if p.variable in r]
    if wanted is None:
        assert not rows, text
        return
    assert rows, text
    for r in rows:
        got = r[p.variable]
        if p.type == "iri":
            assert isinstance(got, rdflib.URIRef) and str(got) in (wanted, p.prefix + wanted), (got, wanted)
        elif p.type in ("integer", "decimal"):  # rdflib normalises the lexical form ("+5" -> "5")
            assert isinstance(got, rdflib.Literal) and Decimal(got) == Decimal(wanted), (got, wanted)
        else:
            assert got == rdflib.Literal(wanted, datatype=None if p.type == "string" else rdflib.URIRef(XSD + p.type)), (got, wanted)
        assert set(r) <= {o.variable for o in q.parameters}, r


# ---------------------------------------------------------------------------- the same through HTTP
@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> Iterator[TestClient]:
    """A read-only app on the session store (these requests write nothing)."""
    app = create_app(store)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    app.state.mhkg.close()


OPERATIONS = [(q.name, tuple(p.name for p in q.parameters)) for q in catalogue().values() if q.parameters]


@given(op=st.sampled_from(OPERATIONS), data=st.data())
@bounded(60)
def test_catalogue_operations_never_fail_on_arbitrary_parameters(client: TestClient, op: tuple[str, tuple[str, ...]], data: st.DataObject) -> None:
    name, names = op
    params = {n: data.draw(PARAM_TEXT, label=n) for n in data.draw(st.lists(st.sampled_from(names), min_size=1, unique=True))}
    r = client.get(f"/api/v1/queries/{name}", params=params)
    assert r.status_code in (200, 422), f"{name} {params!r}: {r.status_code} {r.text[:300]}"
    if r.status_code == 200:
        assert "results" in r.json()
    else:
        assert isinstance(r.json()["detail"], str | list)


@given(
    query=st.one_of(
        PARAM_TEXT, st.builds(str.__add__, st.sampled_from(["SELECT * WHERE { ?s ?p ", "ASK { ", "DESCRIBE <", "CONSTRUCT WHERE { ?s ?p "]), ADVERSARIAL)
    )
)
@bounded(30)
def test_sparql_endpoint_never_fails_on_arbitrary_queries(client: TestClient, query: str) -> None:
    r = client.get("/sparql", params={"query": query})
    assert r.status_code in (200, 400, 406) or (r.status_code == 503 and r.text.strip()), f"{query!r}: {r.status_code} {r.text[:300]}"


PAGES = [
    "/?q={}",
    "/organisation?org={}",
    "/briefing/{}",
    "/id/organisation/{}",
    "/id/intervention/{}",
    "/id/source/{}",
    "/id/scheme/{}",
    "/id/{}",
    "/id/{}.ttl",
    "/gaps?min_certainty={}",
    "/explain/trafiknamnden/{}.svg",
    "/explain/{}/school-sel.svg",
    "/query?example={}",
    "/api/v1/evidence/{}",
    "/api/v1/interventions/{}",
    "/api/v1/sources/{}",
    "/api/v1/vocabularies/{}",
]


@given(page=st.sampled_from(PAGES), text=PARAM_TEXT)
@bounded(60)
def test_pages_never_fail_on_arbitrary_text(client: TestClient, page: str, text: str) -> None:
    url = page.format(urllib.parse.quote(text, safe=""))
    r = client.get(url, follow_redirects=False)
    assert r.status_code < 500, f"{url}: {r.status_code} {r.text[:300]}"
