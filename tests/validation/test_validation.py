"""SHACL validation: the repository conforms, every invalid case is rejected for the right reason,
targeted validation agrees with full validation, and the fast path agrees with plain pyshacl."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import rdflib

from api.validation import ShaclValidator, load_context, validate_repository
from harness import run_cli

CORPUS = Path(__file__).parents[1] / "data" / "validation"
ID = "https://w3id.org/mhkg/id/"
MH = "https://w3id.org/mhkg/ontology#"
SHP = "https://w3id.org/mhkg/shapes#"
PROV = "http://www.w3.org/ns/prov#"

STEP = "evidence/school-sel--school-results--durlak-2011/activity/1"  # a workflow step (see transition-without-agent.ttl)

# file -> the exact violations expected: (constraint component, focus node, path, source shape)
INVALID = {
    "missing-intervention": {("MinCountConstraintComponent", "evidence/test-missing-intervention", MH + "intervention", "EvidenceEntryShape-intervention")},
    "two-certainties": {("MaxCountConstraintComponent", "evidence/test-two-certainties", MH + "certainty", "EvidenceEntryShape-certainty")},
    "setting-from-wrong-scheme": {("NodeConstraintComponent", "evidence/test-wrong-scheme", MH + "setting", "EvidenceEntryShape-setting")},
    "certainty-not-in-scheme": {("NodeConstraintComponent", "evidence/test-certainty-medium", MH + "certainty", "EvidenceEntryShape-certainty")},
    "source-as-literal": {
        ("NodeKindConstraintComponent", "evidence/test-source-literal", MH + "citesSource", "EvidenceEntryShape-citesSource"),
        ("SPARQLConstraintComponent", "evidence/test-source-literal", MH + "citesSource", "CitedSourceExistsShape"),
    },
    "date-as-plain-string": {
        ("DatatypeConstraintComponent", "evidence/test-date-string", "http://purl.org/dc/terms/created", "EvidenceEntryShape-created"),
        ("MinInclusiveConstraintComponent", "evidence/test-date-string", "http://purl.org/dc/terms/created", "EvidenceEntryShape-created"),
    },
    "date-too-early": {("MinInclusiveConstraintComponent", "evidence/test-date-early", "http://purl.org/dc/terms/created", "EvidenceEntryShape-created")},
    "statement-without-swedish": {("QualifiedMinCountConstraintComponent", "evidence/test-no-swedish", MH + "statement", "EvidenceEntryShape-statement-sv")},
    "two-swedish-statements": {("QualifiedMaxCountConstraintComponent", "evidence/test-two-swedish", MH + "statement", "EvidenceEntryShape-statement-sv")},
    "statement-in-german": {("LanguageInConstraintComponent", "evidence/test-german", MH + "statement", "EvidenceEntryShape-statement-languages")},
    "iri-not-following-pattern": {("PatternConstraintComponent", "evidence/Test_Entry", None, "EvidenceEntryShape")},
    "cited-source-missing": {("SPARQLConstraintComponent", "evidence/test-source-missing", MH + "citesSource", "CitedSourceExistsShape")},
    "derivation-source-missing": {("SPARQLConstraintComponent", "evidence/test-derivation-missing", PROV + "wasDerivedFrom", "CitedSourceExistsShape")},
    "gap-derived-from-missing-source": {
        ("SPARQLConstraintComponent", "gap/test-derived-from-missing", PROV + "wasDerivedFrom", "SourceReferenceResolvesShape"),
    },
    "strategy-fact-from-missing-document": {
        ("SPARQLConstraintComponent", "cost/test-cost-missing-document", PROV + "wasDerivedFrom", "SourceReferenceResolvesShape"),
        ("ClassConstraintComponent", "cost/test-cost-missing-document", PROV + "wasDerivedFrom", "StrategyFactShape-wasDerivedFrom"),
    },
    "transition-without-agent": {
        ("MinCountConstraintComponent", STEP, PROV + "wasAssociatedWith", "StatusTransitionShape-agent"),
        ("MinCountConstraintComponent", STEP, PROV + "endedAtTime", "StatusTransitionShape-time"),
        ("InConstraintComponent", STEP, MH + "workflowStep", "StatusTransitionShape-step"),
    },
    "intervention-missing": {("SPARQLConstraintComponent", "evidence/test-intervention-missing", MH + "intervention", "InterventionExistsShape")},
    "duplicate-entry": {("SPARQLConstraintComponent", "evidence/test-duplicate", None, "NoDuplicateEntryShape")},
    "rationale-missing": {("SPARQLConstraintComponent", "evidence/test-no-rationale", MH + "certaintyRationale", "CertaintyRationaleShape")},
    "modified-before-created": {("SPARQLConstraintComponent", "evidence/test-dates-reversed", "http://purl.org/dc/terms/modified", "DateOrderShape")},
    "doi-as-url": {("PatternConstraintComponent", "source/test-doi-url", "http://prismstandard.org/namespaces/basic/2.0/doi", "SourceShape-doi")},
    "source-without-authors-or-publisher": {("OrConstraintComponent", "source/test-no-authors", None, "SourceShape")},
    "year-out-of-range": {("PatternConstraintComponent", "source/test-year-1850", "http://purl.org/dc/terms/issued", "SourceShape-issued")},
    "sdg-goal-instead-of-target": {("ClassConstraintComponent", "intervention/test-sdg-goal", MH + "servesSdgTarget", "InterventionShape-servesSdgTarget")},
    "cost-without-amount": {("OrConstraintComponent", "cost/test-no-amount", None, "CostEstimateShape")},
    "currency-not-iso": {("PatternConstraintComponent", "cost/test-currency", MH + "currency", "CostEstimateShape-currency")},
    "organisation-without-responsibility": {
        ("MinCountConstraintComponent", "organisation/test-no-resp", MH + "hasResponsibility", "OrganisationShape-hasResponsibility")
    },
    "responsibility-without-swedish-basis": {
        ("QualifiedMinCountConstraintComponent", "responsibility/test-basis--work", MH + "basisNote", "ResponsibilityShape-basisNote-sv")
    },
    "responsibility-cross-product": {
        ("MaxCountConstraintComponent", "responsibility/test-cross--schools", MH + "setting", "ResponsibilityShape-setting"),
        ("MaxCountConstraintComponent", "responsibility/test-cross--schools", MH + "lifeStage", "ResponsibilityShape-lifeStage"),
        ("MinCountConstraintComponent", "responsibility/test-cross--schools", MH + "covers", "ResponsibilityShape-covers"),
    },
    "pair-with-two-life-stages": {("NodeConstraintComponent", "responsibility/test-pair--schools", MH + "covers", "ResponsibilityShape-covers")},
    "pair-without-setting-outside-governance": {
        ("SPARQLConstraintComponent", "responsibility/test-nosetting--employer", MH + "covers", "ScopeWithoutSettingShape")
    },
    "intervention-without-capacity": {
        ("MinCountConstraintComponent", "intervention/test-no-capacity", MH + "implementableIn", "InterventionCapacityShape-implementableIn")
    },
    "capacity-from-source-without-source": {
        ("SPARQLConstraintComponent", "intervention/test-unsourced-capacity", MH + "implementableIn", "SourceDescriptionNamesSourceShape")
    },
    "suicide-outcome-measuring-attempts": {("SPARQLConstraintComponent", "evidence/test-attempts-as-deaths", MH + "outcome", "SuicideDeathsMeasuredShape")},
    "suicidal-outcome-without-measure": {
        ("SPARQLConstraintComponent", "evidence/test-self-harm-no-measure", MH + "outcome", "SuicidalOutcomeMeasuredShape"),
    },
    "gap-without-reason": {
        ("QualifiedMinCountConstraintComponent", "gap/test-no-reason", MH + "gapReason", "EvidenceGapShape-reason-sv"),
        ("QualifiedMinCountConstraintComponent", "gap/test-no-reason", MH + "gapReason", "EvidenceGapShape-reason-en"),
    },
}
VALID = [
    ("entry-citing-existing-source",),
    ("entry-citing-new-source", "new-source"),
    ("new-source",),
    ("new-intervention",),
    ("new-organisation",),
    ("new-cost-estimate",),
]


@pytest.fixture(scope="module")
def validator() -> ShaclValidator:
    return ShaclValidator()


def test_repository_conforms(validator: ShaclValidator) -> None:
    report = validate_repository(validator=validator)
    violations = [(r.focus_node, r.source_shape, r.value) for r in report.results if r.severity == "Violation"]
    assert violations == []
    assert report.conforms


def test_fast_path_equals_plain_pyshacl_on_the_repository(validator: ShaclValidator) -> None:
    ctx = load_context()
    fast = validator.validate(ctx.store)
    reference = validator.validate_with_pyshacl(ctx.store)

    def key(r):
        return (r.severity, r.focus_node, r.source_shape, r.constraint_component, r.path, r.value)

    assert {key(r) for r in fast.results} == {key(r) for r in reference.results}
    assert len(fast.results) == len(reference.results)


def test_every_constraint_kind_is_covered_by_the_corpus() -> None:
    assert sorted(p.stem for p in (CORPUS / "invalid").glob("*.ttl")) == sorted(INVALID)
    components = {c for expected in INVALID.values() for c, *_ in expected}
    for component in (
        "MinCount",
        "MaxCount",
        "Node",
        "NodeKind",
        "Datatype",
        "MinInclusive",
        "QualifiedMinCount",
        "QualifiedMaxCount",
        "LanguageIn",
        "Pattern",
        "Or",
        "Class",
        "SPARQL",
    ):
        assert f"{component}ConstraintComponent" in components


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_case_is_rejected_for_the_right_reason(validator: ShaclValidator, name: str) -> None:
    report = validate_repository([CORPUS / "invalid" / f"{name}.ttl"], validator=validator)
    got = {
        (r.constraint_component, r.focus_node.removeprefix(ID), r.path, r.source_shape.removeprefix(SHP)) for r in report.results if r.severity == "Violation"
    }
    assert got == INVALID[name]
    assert not report.conforms
    for r in report.results:
        assert r.message.get("sv") and r.message.get("en"), r
        assert r.name.get("sv") and r.name.get("en"), r
        assert r.file == f"tests/data/validation/invalid/{name}.ttl"


@pytest.mark.parametrize("names", VALID, ids=[v[0] for v in VALID])
def test_valid_case_is_accepted(validator: ShaclValidator, names: tuple[str, ...]) -> None:
    report = validate_repository([CORPUS / "valid" / f"{n}.ttl" for n in names], validator=validator)
    assert [r for r in report.results if r.severity in ("Violation", "Warning")] == []
    assert report.conforms_strictly()


def test_entry_is_checked_in_the_context_of_the_repository(validator: ShaclValidator) -> None:
    alone = validate_repository([CORPUS / "valid" / "entry-citing-new-source.ttl"], validator=validator)
    assert {r.source_shape for r in alone.results if r.severity == "Violation"} == {SHP + "CitedSourceExistsShape"}


def test_warning_passes_unless_strict(validator: ShaclValidator) -> None:
    report = validate_repository([CORPUS / "warning" / "journal-article-without-doi.ttl"], validator=validator)
    assert report.conforms and not report.conforms_strictly()
    assert [(r.severity, r.source_shape) for r in report.results] == [("Warning", SHP + "JournalArticleShape-doi")]


def test_an_entry_without_its_outcome_measure_is_a_warning(validator: ShaclValidator) -> None:
    report = validate_repository([CORPUS / "warning" / "entry-without-outcome-measure.ttl"], validator=validator)
    assert report.conforms and not report.conforms_strictly()
    assert sorted((r.severity, r.source_shape) for r in report.results if r.severity != "Info") == [
        ("Warning", SHP + "OutcomeMeasureShape-en"),
        ("Warning", SHP + "OutcomeMeasureShape-sv"),
    ]


def test_targeted_verdicts_equal_full_validation(validator: ShaclValidator) -> None:
    cases = sorted((CORPUS / "invalid").glob("*.ttl")) + sorted((CORPUS / "valid").glob("*.ttl"))
    ctx = load_context(cases)
    full = validator.validate(ctx.store)

    def key(r):
        # a blank node (a responsibility's pair, a capacity statement) gets a new label in each graph: compare it as one
        value = "_:blank" if r.value and re.fullmatch(r"N?[0-9a-f]{32}", r.value) else r.value
        return (r.severity, r.focus_node, r.source_shape, r.constraint_component, r.path, value)

    for case in cases:
        nodes = {iri for iri, f in ctx.defined_in.items() if f.endswith(case.name)}
        targeted = validator.validate(ctx.store, focus_nodes=nodes)
        assert {key(r) for r in targeted.results} == {key(r) for r in full.results if r.focus_node in nodes}, case.name


def test_validate_command_on_the_repository(cli_env: dict[str, str]) -> None:
    proc = run_cli("validate")
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "conforms: 0 violations" in proc.stdout


def test_validate_command_explains_a_violation_in_both_languages() -> None:
    proc = run_cli("validate", str(CORPUS / "invalid" / "two-certainties.ttl"))
    assert proc.returncode == 1
    out = proc.stdout
    assert "tests/data/validation/invalid/two-certainties.ttl" in out
    assert "id:evidence/test-two-certainties" in out
    assert "shp:EvidenceEntryShape-certainty mh:certainty" in out
    assert "sv: Ange exakt en GRADE-nivå med mh:certainty" in out
    assert "en: Give exactly one GRADE certainty with mh:certainty" in out


def test_validate_command_formats() -> None:
    bad = str(CORPUS / "invalid" / "cited-source-missing.ttl")
    data = json.loads(run_cli("validate", "--format", "json", bad).stdout)
    assert data["conforms"] is False and data["counts"]["Violation"] == 1
    turtle = run_cli("validate", "--format", "turtle", bad).stdout
    g = rdflib.Graph().parse(data=turtle, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    report = g.value(predicate=rdflib.RDF.type, object=sh.ValidationReport)
    assert g.value(report, sh.conforms) == rdflib.Literal(False)
    assert len(list(g.objects(report, sh.result))) >= 1


def test_validate_command_strict_and_exit_codes(tmp_path: Path) -> None:
    warning = str(CORPUS / "warning" / "journal-article-without-doi.ttl")
    assert run_cli("validate", warning).returncode == 0
    assert run_cli("validate", "--strict", warning).returncode == 1
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ev: <https://w3id.org/mhkg/id/evidence/> .\nev:x a ev:y ;\n")
    proc = run_cli("validate", str(broken))
    assert proc.returncode == 2
    assert f"{broken}:3:1: syntax error" in proc.stderr
    assert run_cli("validate", str(tmp_path / "missing.ttl")).returncode == 2


def test_every_shape_has_name_description_and_message_in_both_languages(validator: ShaclValidator) -> None:
    g = validator.shapes_graph
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    shapes = set(g.subjects(rdflib.RDF.type, sh.NodeShape)) | set(g.subjects(rdflib.RDF.type, sh.PropertyShape))
    shapes |= set(g.objects(None, sh.property)) | set(g.objects(None, sh.node)) | set(g.objects(None, sh.qualifiedValueShape))
    shapes |= set(g.subjects(rdflib.RDF.type, sh.SPARQLConstraint))
    assert len(shapes) > 100
    for shape in shapes:
        assert isinstance(shape, rdflib.URIRef), f"a shape without an IRI: {shape}"
        for pred in (sh.name, sh.description, sh.message):
            langs = {o.language for o in g.objects(shape, pred)}
            assert {"sv", "en"} <= langs, f"{shape} lacks {pred} in sv/en"
    for prop in set(g.subjects(rdflib.RDF.type, sh.PropertyShape)):
        assert g.value(prop, sh.severity) is not None, f"{prop} states no severity"


# ---------------------------------------------------------------------------- messages that say how to fix
CERTAINTY_LEVELS = {
    "sv": "certainty:high (Hög), certainty:moderate (Måttlig), certainty:low (Låg), certainty:very-low (Mycket låg)",
    "en": "certainty:high (High), certainty:moderate (Moderate), certainty:low (Low), certainty:very-low (Very low)",
}


def _violation(report, shape: str):
    (result,) = [r for r in report.results if r.severity == "Violation" and r.source_shape == SHP + shape]
    return result


def test_a_wrong_certainty_lists_the_four_levels_with_their_labels_in_both_languages(validator: ShaclValidator) -> None:
    report = validate_repository([CORPUS / "invalid" / "certainty-not-in-scheme.ttl"], validator=validator)
    r = _violation(report, "EvidenceEntryShape-certainty")
    assert r.value == ID + "certainty/medium"
    assert r.message["sv"].endswith(f"Tillåtna värden för mh:certainty: {CERTAINTY_LEVELS['sv']}.")
    assert r.message["en"].endswith(f"Allowed values of mh:certainty: {CERTAINTY_LEVELS['en']}.")
    assert r.message["sv"].startswith("Ange exakt en GRADE-nivå med mh:certainty")  # the shape's own message stays first
    assert r.allowed == [
        {"value": "certainty:high", "iri": ID + "certainty/high", "label": {"sv": "Hög", "en": "High"}},
        {"value": "certainty:moderate", "iri": ID + "certainty/moderate", "label": {"sv": "Måttlig", "en": "Moderate"}},
        {"value": "certainty:low", "iri": ID + "certainty/low", "label": {"sv": "Låg", "en": "Low"}},
        {"value": "certainty:very-low", "iri": ID + "certainty/very-low", "label": {"sv": "Mycket låg", "en": "Very low"}},
    ]
    # every format says the same: the dictionary (the API's and the JSON output's) and the report graph (Turtle)
    data = report.to_dict()["results"]
    assert next(d for d in data if d["source_shape"] == SHP + "EvidenceEntryShape-certainty")["allowed"] == r.allowed
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    results = report.graph.subjects(sh.sourceShape, rdflib.URIRef(SHP + "EvidenceEntryShape-certainty"))
    messages = {str(m) for res in results for m in report.graph.objects(res, sh.resultMessage)}
    assert messages == {r.message["sv"], r.message["en"]}


def test_the_allowed_values_are_read_from_the_concept_scheme_in_the_graph(validator: ShaclValidator, tmp_path: Path) -> None:
    ctx = load_context()
    members = {
        (row["c"].value, row["sv"].value, row["en"].value)
        for row in ctx.store.select(
            "SELECT ?c ?sv ?en WHERE { ?c skos:inScheme <https://w3id.org/mhkg/id/scheme/certainty> ; skos:prefLabel ?sv , ?en "
            'FILTER(LANG(?sv) = "sv" && LANG(?en) = "en") }'
        )
    }
    assert len(members) == 4
    allowed = validator.allowed_values(ctx.store, ID + "scheme/certainty")
    assert {(v["iri"], v["label"]["sv"], v["label"]["en"]) for v in allowed} == members  # type: ignore[index]
    # a fifth level, added to the scheme in the data only, is listed as well: nothing is typed twice
    extra = tmp_path / "extra-level.ttl"
    extra.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<https://w3id.org/mhkg/id/certainty/test-extra> skos:inScheme <https://w3id.org/mhkg/id/scheme/certainty> ;\n"
        '    skos:prefLabel "Extranivå"@sv , "Extra level"@en .\n'
    )
    report = validate_repository([CORPUS / "invalid" / "certainty-not-in-scheme.ttl", extra], validator=validator)
    r = _violation(report, "EvidenceEntryShape-certainty")
    assert "certainty:test-extra (Extranivå)" in r.message["sv"] and "certainty:test-extra (Extra level)" in r.message["en"]
    assert ID + "certainty/test-extra" in {v["iri"] for v in r.allowed}


def test_every_enumerated_property_names_a_scheme_whose_members_have_both_labels(validator: ShaclValidator) -> None:
    ctx = load_context()
    paths = {str(validator.shapes_graph.value(rdflib.URIRef(s), rdflib.URIRef("http://www.w3.org/ns/shacl#path"))) for s in validator.enumerations}
    enumerated = ("certainty", "effect", "setting", "lifeStage", "direction", "studyDesign", "preventionLevel", "curationStatus", "certaintyBasis")
    for name in (*enumerated, "capacity", "capacityBasis"):
        assert MH + name in paths, name
    for shape, scheme in validator.enumerations.items():
        allowed = validator.allowed_values(ctx.store, scheme)
        in_scheme = {row["c"].value for row in ctx.store.select(f"SELECT ?c WHERE {{ ?c skos:inScheme <{scheme}> }}")}
        assert allowed and {v["iri"] for v in allowed} == in_scheme, shape
        for v in allowed:
            assert v["label"]["sv"] and v["label"]["en"], v  # type: ignore[index]
            assert not str(v["value"]).startswith(("http", "id:")), v  # written as in the vocabulary file (setting:home …)


SOURCE_FILE = "evidence/sources/<slug>.ttl"


@pytest.mark.parametrize(
    ("name", "path", "missing", "fix"),
    [
        ("derivation-source-missing", "prov:wasDerivedFrom", ID + "source/does-not-exist", (f"Lägg till {SOURCE_FILE}", f"Add {SOURCE_FILE}")),
        ("cited-source-missing", "mh:citesSource", ID + "source/nobody-1999", (f"Lägg till {SOURCE_FILE}", f"Add {SOURCE_FILE}")),
        ("gap-derived-from-missing-source", "prov:wasDerivedFrom", ID + "source/does-not-exist", (f"Lägg till {SOURCE_FILE}", f"Add {SOURCE_FILE}")),
        ("strategy-fact-from-missing-document", "prov:wasDerivedFrom", ID + "document/does-not-exist", ("ontology/strategy/strategy.ttl",) * 2),
    ],
)
def test_an_unresolved_source_is_a_violation_naming_property_iri_and_fix(
    validator: ShaclValidator, name: str, path: str, missing: str, fix: tuple[str, str]
) -> None:
    report = validate_repository([CORPUS / "invalid" / f"{name}.ttl"], validator=validator)
    (r,) = [r for r in report.results if r.severity == "Violation" and r.constraint_component == "SPARQLConstraintComponent"]
    assert r.value == missing
    assert r.message["sv"].startswith(f"{path} pekar på {missing}, som inte finns")
    assert r.message["en"].startswith(f"{path} points at {missing}, which ")
    assert fix[0] in r.message["sv"] and "rätta hänvisningen" in r.message["sv"]
    assert fix[1] in r.message["en"] and "correct the reference" in r.message["en"]


def test_every_derivation_in_the_repository_resolves(validator: ShaclValidator) -> None:
    """The whole repository: all it derives from or cites is a source or a policy document (an independent query)."""
    ctx = load_context()
    dangling = ctx.store.select(
        "SELECT ?s ?p ?o WHERE { VALUES ?p { prov:wasDerivedFrom mh:citesSource } ?s ?p ?o "
        "FILTER NOT EXISTS { ?o a/rdfs:subClassOf* ?kind VALUES ?kind { mh:Source mh:PolicyDocument } } }"
    )
    assert list(dangling) == []
    assert ctx.store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s prov:wasDerivedFrom ?o }")[0]["n"].value != "0"


def test_a_blank_node_derived_from_a_missing_source_is_found_by_full_validation(validator: ShaclValidator, tmp_path: Path) -> None:
    """sh:targetSubjectsOf takes blank nodes too (an intervention's capacity statement), which no focus node list can bind."""
    bad = tmp_path / "capacity.ttl"
    bad.write_text(
        "@prefix mh: <https://w3id.org/mhkg/ontology#> .\n@prefix prov: <http://www.w3.org/ns/prov#> .\n"
        "<https://w3id.org/mhkg/id/intervention/test-capacity-derivation> mh:implementableIn [ a mh:CapacityStatement ;\n"
        "    prov:wasDerivedFrom <https://w3id.org/mhkg/id/source/does-not-exist> ] .\n"
    )
    ctx = load_context([bad])
    fast = validator.validate(ctx.store)
    reference = validator.validate_with_pyshacl(ctx.store)
    for report in (fast, reference):
        found = [r for r in report.results if r.source_shape == SHP + "SourceReferenceResolvesShape"]
        assert [(r.severity, r.path, r.value) for r in found] == [("Violation", PROV + "wasDerivedFrom", ID + "source/does-not-exist")]


def test_the_validate_endpoint_carries_the_allowed_values() -> None:
    from fastapi.testclient import TestClient

    from api.web.app import create_app

    client = TestClient(create_app(load_context().store))
    bad = (CORPUS / "invalid" / "certainty-not-in-scheme.ttl").read_bytes()
    report = client.post("/api/v1/validate", content=bad, headers={"Content-Type": "text/turtle"}).json()
    (r,) = [r for r in report["results"] if r["severity"] == "Violation"]
    assert [(v["value"], v["label"]["sv"], v["label"]["en"]) for v in r["allowed"]] == [
        ("certainty:high", "Hög", "High"),
        ("certainty:moderate", "Måttlig", "Moderate"),
        ("certainty:low", "Låg", "Low"),
        ("certainty:very-low", "Mycket låg", "Very low"),
    ]
    assert r["message"]["sv"].endswith(f"{CERTAINTY_LEVELS['sv']}.") and r["message"]["en"].endswith(f"{CERTAINTY_LEVELS['en']}.")


def test_validate_command_lists_the_allowed_values() -> None:
    proc = run_cli("validate", str(CORPUS / "invalid" / "certainty-not-in-scheme.ttl"))
    assert proc.returncode == 1
    assert f"Tillåtna värden för mh:certainty: {CERTAINTY_LEVELS['sv']}." in proc.stdout
    assert f"Allowed values of mh:certainty: {CERTAINTY_LEVELS['en']}." in proc.stdout
    data = json.loads(run_cli("validate", "--format", "json", str(CORPUS / "invalid" / "certainty-not-in-scheme.ttl")).stdout)
    (r,) = [r for r in data["results"] if r["severity"] == "Violation"]
    assert [v["value"] for v in r["allowed"]] == ["certainty:high", "certainty:moderate", "certainty:low", "certainty:very-low"]
