"""Typed catalogue operations: the #+ header checked against the variables at load, one typed query model per
.rq file in the OpenAPI, one SPARQL-results response model, and CSV/TSV negotiated by the Accept header."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pydantic
import pytest
from fastapi.testclient import TestClient

from api.catalogue import catalogue, parse_query_file
from api.store import EmbeddedStore
from api.web.app import create_app
from api.web.schemas import SparqlResults, query_model

ID = "https://w3id.org/mhkg/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"
FIXTURES = Path(__file__).resolve().parents[1] / "data" / "catalogue"
MEASURES = "/api/v1/queries/committee-measures"
TRAFIK = {"org": ID + "organisation/trafiknamnden"}


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> TestClient:
    return TestClient(create_app(store))


@pytest.fixture(scope="module")
def spec(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()


# ---------------------------------------------------------------------------- the header checked at load
MISMATCHES = {
    "type-differs": ("years", "declared type 'string', but the query's ?_years_integer makes it 'integer'"),
    "declared-required-but-optional": ("org", "declared required, but the query's ?__org_iri makes it optional"),
    "declared-optional-but-required": ("org", "declared optional, but the query's ?_org_iri makes it required"),
    "undeclared": ("org", "?_org_iri is not declared in #+ params"),
    "unused": ("org", "declared in #+ params, but the query has no ?_org_<type> or ?__org_<type> variable"),
    "two-variables": ("org", "the query writes it as ?_org_iri and ?__org_iri"),
    "no-type": ("org", "the declaration gives no type"),
    "enum-on-integer": ("years", "enum applies to IRI parameters only"),
    "default-on-required": ("years", "a required parameter has no default"),
    "default-not-in-enum": ("level", "the default 'excellent' is refused"),
    "example-not-an-integer": ("years", "the example 'ten' is refused"),
}


@pytest.mark.parametrize(("fixture", "expected"), MISMATCHES.items(), ids=list(MISMATCHES))
def test_a_header_that_does_not_fit_the_variables_is_refused_at_load(fixture: str, expected: tuple[str, str]) -> None:
    name, says = expected
    with pytest.raises(ValueError, match=re.escape(f"mismatch/{fixture}.rq")) as refused:
        parse_query_file(FIXTURES / "mismatch" / f"{fixture}.rq")
    lines = str(refused.value).splitlines()
    assert any(line.strip().startswith(f"parameter {name!r}:") and says in line for line in lines[1:]), lines


def test_every_mismatch_fixture_has_its_case_and_a_fitting_header_loads() -> None:
    assert {p.stem for p in (FIXTURES / "mismatch").glob("*.rq")} == set(MISMATCHES)
    q = parse_query_file(FIXTURES / "typed" / "every-type.rq")  # the control: the checks do not refuse a good header
    assert [(p.name, p.type, p.required) for p in q.parameters] == [
        ("org", "iri", True),
        ("years", "integer", False),
        ("amount", "decimal", False),
        ("since", "date", False),
        ("text", "string", False),
        ("level", "iri", False),
    ]
    assert catalogue()  # and every published query fits its header


# ---------------------------------------------------------------------------- the typed query model
def test_the_query_model_types_every_parameter() -> None:
    model = query_model(parse_query_file(FIXTURES / "typed" / "every-type.rq"))
    props = model.model_json_schema()["properties"]
    assert model.model_json_schema()["required"] == ["org"]
    assert (props["org"]["type"], props["org"]["format"], props["org"]["examples"]) == ("string", "iri", [ID + "organisation/trafiknamnden"])
    assert (props["years"]["type"], props["years"]["examples"]) == ("integer", [10])
    assert props["amount"]["type"] == "number"
    assert (props["since"]["type"], props["since"]["format"]) == ("string", "date")
    assert props["text"]["type"] == "string" and "format" not in props["text"]
    assert (props["level"]["enum"], props["level"]["default"]) == (["high", "moderate", "low", "very-low"], "low")
    assert not any("anyOf" in p or p.get("default", "") is None for p in props.values()), "an optional parameter is absent, never null"


def test_the_query_model_checks_values_as_the_binder_does() -> None:
    model: Any = query_model(parse_query_file(FIXTURES / "typed" / "every-type.rq"))  # made at run time: fields unknown to a type checker
    given = model(org=ID + "organisation/x", years="+10", amount="1.50", since="2024-01-31", text='a "b"', level=ID + "certainty/high")
    assert (given.years, given.amount, given.since, given.level) == (10, Decimal("1.50"), dt.date(2024, 1, 31), "high")
    assert given.values() == {"org": ID + "organisation/x", "years": "10", "amount": "1.50", "since": "2024-01-31", "text": 'a "b"', "level": "high"}
    assert model(org="urn:x:y", years="", level="").values() == {"org": "urn:x:y"}  # empty is missing: the binder's default applies
    for bad in ({"org": "x> } DROP ALL"}, {"years": "1e5"}, {"years": "1_000"}, {"since": "1700000000"}, {"amount": "NaN"}, {"level": "excellent"}):
        with pytest.raises(pydantic.ValidationError):
            model(**{"org": "urn:x:y", **bad})


def _schema(param: dict[str, Any]) -> dict[str, Any]:
    return param["schema"]


def test_the_openapi_types_every_catalogue_parameter(spec: dict[str, Any]) -> None:
    for name, q in catalogue().items():
        params = {p["name"]: p for p in spec["paths"][f"/api/v1/queries/{name}"]["get"].get("parameters", [])}
        assert set(params) == {p.name for p in q.parameters}, name
        for p in q.parameters:
            schema = _schema(params[p.name])
            assert params[p.name]["required"] is p.required, (name, p.name)
            if p.type == "integer":
                assert schema["type"] == "integer", (name, p.name)
            elif p.enum:
                assert schema["type"] == "string" and schema["enum"] == list(p.enum), (name, p.name)
                assert schema.get("default") == p.default, (name, p.name)
            elif p.type == "iri":
                assert schema["type"] == "string" and schema["format"] == "iri", (name, p.name)
            assert "anyOf" not in schema, (name, p.name)
    years = _schema(spec["paths"]["/api/v1/queries/entries-older-than"]["get"]["parameters"][0])
    assert years["type"] == "integer" and years["examples"] == [10]
    org = next(p for p in spec["paths"][MEASURES]["get"]["parameters"] if p["name"] == "org")
    assert "/api/v1/organisations" in org["description"] and _schema(org)["examples"] == [ID + "organisation/trafiknamnden"]


def test_every_enumeration_is_the_vocabulary_in_the_graph(store: EmbeddedStore) -> None:
    """The names in the headers are the concepts of their scheme, so the list cannot drift from the knowledge."""
    checked = set()
    for q in catalogue().values():
        for p in q.parameters:
            if p.enum:
                rows = store.select(f'SELECT DISTINCT ?c WHERE {{ ?c skos:inScheme ?s FILTER(STRSTARTS(STR(?c), "{p.prefix}")) }}')
                scheme = {r["c"].value for r in rows}
                if p.name == "min_status":  # a retracted entry never counts, so it is no lowest status to ask for
                    scheme -= {p.prefix + "retracted"}
                assert scheme == {p.prefix + e for e in p.enum}, (q.name, p.name)
                checked.add(p.name)
    assert {"min_certainty", "setting", "life_stage", "area", "direction"} <= checked


def test_typed_values_over_http(client: TestClient) -> None:
    short = client.get(MEASURES, params={**TRAFIK, "min_certainty": "moderate"}).json()
    full = client.get(MEASURES, params={**TRAFIK, "min_certainty": ID + "certainty/moderate"}).json()
    assert short == full and short["results"]["bindings"]
    assert client.get(MEASURES, params={**TRAFIK, "min_certainty": ""}).json() == client.get(MEASURES, params=TRAFIK).json()
    for bad in ({"min_certainty": "excellent"}, {"setting": "not an iri"}, {"area": ID + "societal-area/nowhere"}):
        r = client.get(MEASURES, params={**TRAFIK, **bad})
        assert r.status_code == 422 and isinstance(r.json()["detail"], list), bad
    assert client.get("/api/v1/queries/entries-older-than", params={"years": "ten"}).status_code == 422
    assert client.get("/api/v1/queries/entries-older-than", params={"years": "100"}).json()["results"]["bindings"] == []


# ---------------------------------------------------------------------------- the response model
def test_every_catalogue_route_documents_the_sparql_results_model(spec: dict[str, Any]) -> None:
    term = spec["components"]["schemas"]["SparqlTerm"]
    assert set(term["properties"]) == {"type", "value", "xml:lang", "datatype"} and term["required"] == ["type", "value"]
    assert term["properties"]["type"]["enum"] == ["uri", "literal", "bnode"]
    for name in catalogue():
        ok = spec["paths"][f"/api/v1/queries/{name}"]["get"]["responses"]["200"]["content"]
        assert ok["application/json"]["schema"] == {"$ref": "#/components/schemas/SparqlResults"}, name
        assert ok["application/sparql-results+json"]["schema"] == {"$ref": "#/components/schemas/SparqlResults"}, name
        assert {"text/csv", "text/tab-separated-values"} <= set(ok), name
        assert "406" in spec["paths"][f"/api/v1/queries/{name}"]["get"]["responses"], name


def test_the_answers_are_what_the_model_says(client: TestClient) -> None:
    for path, params in ((MEASURES, TRAFIK), ("/api/v1/queries/entries-older-than", {"years": 10}), ("/api/v1/queries/cost-figures", {})):
        body = client.get(path, params=params).json()
        parsed = SparqlResults.model_validate(body)
        assert parsed.model_dump(by_alias=True, exclude_none=True) == body, path
    terms = [t for b in client.get(MEASURES, params=TRAFIK).json()["results"]["bindings"] for t in b.values()]
    assert {t["type"] for t in terms} == {"uri", "literal"} and any("xml:lang" in t for t in terms) and any("datatype" in t for t in terms)


# ---------------------------------------------------------------------------- CSV and TSV
def test_csv_has_the_header_and_the_rows_of_the_json_answer(client: TestClient) -> None:
    data = client.get(MEASURES, params=TRAFIK).json()
    r = client.get(MEASURES, params=TRAFIK, headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.content.split(b"\n")[0].endswith(b"\r")  # CRLF line ends (RFC 4180)
    table = list(csv.reader(io.StringIO(r.text, newline="")))
    variables = data["head"]["vars"]
    assert table[0] == variables and variables[:4] == ["intervention", "label_sv", "label_en", "best_certainty"]
    assert table[1:] == [[b[v]["value"] if v in b else "" for v in variables] for b in data["results"]["bindings"]]
    assert len(table) > 3


TURTLE_SHORTHAND = {
    XSD + "integer": r"[+-]?[0-9]+",
    XSD + "decimal": r"[+-]?[0-9]*\.[0-9]+",
    XSD + "double": r"[+-]?([0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+",
    XSD + "boolean": r"true|false",
}


def tsv_term(t: dict[str, str] | None) -> str:
    """A JSON term in TSV: Turtle syntax, numbers and booleans abbreviated where Turtle allows it (an independent reading of the spec)."""
    if t is None:
        return ""
    if t["type"] == "uri":
        return f"<{t['value']}>"
    if t["type"] == "bnode":
        return f"_:{t['value']}"
    datatype = t.get("datatype")
    if datatype in TURTLE_SHORTHAND and re.fullmatch(TURTLE_SHORTHAND[datatype], t["value"]):
        return t["value"]
    escaped = t["value"].replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    if "xml:lang" in t:
        return f'"{escaped}"@{t["xml:lang"]}'
    return f'"{escaped}"' + (f"^^<{datatype}>" if datatype else "")


@pytest.mark.parametrize(("path", "params"), [(MEASURES, TRAFIK), ("/api/v1/queries/entries-older-than", {"years": 10})], ids=["measures", "older-than"])
def test_tsv_has_the_header_and_the_terms_of_the_json_answer(client: TestClient, path: str, params: dict[str, Any]) -> None:
    data = client.get(path, params=params).json()
    r = client.get(path, params=params, headers={"Accept": "text/tab-separated-values"})
    assert r.status_code == 200 and r.headers["content-type"] == "text/tab-separated-values; charset=utf-8"
    lines = r.text.split("\n")
    assert lines[-1] == "" and not any(line.endswith("\r") for line in lines)
    variables = data["head"]["vars"]
    assert lines[0] == "\t".join("?" + v for v in variables)
    assert lines[1:-1] == ["\t".join(tsv_term(b.get(v)) for v in variables) for b in data["results"]["bindings"]]
    assert len(lines) > 3


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "application/json"),
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/json;q=0, */*", "application/sparql-results+json"),
        ("text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
        ("text/*;q=0.9, application/json;q=0.1", "text/csv"),
        ("text/csv;q=0, text/*", "text/tab-separated-values"),
    ],
)
def test_the_format_is_negotiated_with_q_values(client: TestClient, accept: str | None, media: str) -> None:
    r = client.get(MEASURES, params=TRAFIK, headers={"Accept": accept} if accept else {})
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media
    assert "accept" in r.headers["vary"].lower()


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "text/csv;q=0, text/tab-separated-values;q=0, application/*;q=0"])
def test_an_unacceptable_type_gets_406(client: TestClient, accept: str) -> None:
    r = client.get(MEASURES, params=TRAFIK, headers={"Accept": accept})
    assert r.status_code == 406 and "text/csv" in r.json()["detail"]
    assert "accept" in r.headers["vary"].lower()


def test_each_format_has_its_own_entity_tag(client: TestClient) -> None:
    json_tag = client.get(MEASURES, params=TRAFIK).headers["etag"]
    csv_answer = client.get(MEASURES, params=TRAFIK, headers={"Accept": "text/csv"})
    assert csv_answer.headers["etag"] != json_tag
    again = client.get(MEASURES, params=TRAFIK, headers={"Accept": "text/csv", "If-None-Match": csv_answer.headers["etag"]})
    assert again.status_code == 304
    assert client.get(MEASURES, params=TRAFIK, headers={"If-None-Match": csv_answer.headers["etag"]}).status_code == 200
