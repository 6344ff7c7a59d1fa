"""Every section of the officials' report is data (ontology/strategy/sections.ttl): its heading, place, summary and
quotation, the consequence sections as assessments of their area, and how the strategy's activities are funded.

The headings are pinned here, copied once from the document; the quotations are checked against the project's own
copy of it (ontology/strategy/documents/hsf-tjansteutlatande-2021.txt).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.catalogue import get_query
from api.store import EmbeddedStore
from api.validation import ShaclValidator, validate_repository

ID = "https://w3id.org/mhkg/id/"
REPORT = ID + "document/hsf-tjansteutlatande-2021"
SECTION = REPORT + "/section/"
AREA = ID + "consequence-area/"
COPY = Path("ontology/strategy/documents/hsf-tjansteutlatande-2021.txt")

# Every heading of the document, in its order (the title above the first heading is not a section). The document
# prints "Administrativa konsekvenser" and its one sentence twice in a row; it is one section.
HEADINGS = [
    "Ärendebeskrivning",
    "Beslutsunderlag",
    "Ärendets beredning",
    "Förslag till beslut",
    "Förvaltningens motivering till förslaget",
    "Bakgrund",
    "Om uppdraget och hur arbetet bedrivits",
    "Samverkan",
    "Strategins vetenskapliga grund och anknytning till internationella styrdokument",
    "Psykisk hälsa och psykiskt välbefinnande - en grundläggande resurs för samhällens utveckling",
    "Överväganden",
    "Fokus på psykisk hälsa genom två huvudinriktningar",
    "Rekommenderade tillvägagångssätt för de två huvudinriktningarna",
    "Strategin kompletterar Region Stockholms budget och styrande dokument",
    "Region Stockholms roll och utvecklingsansvar för Stockholmsregionen",
    "Stödjande åtgärder för implementering av strategin",
    "Ekonomiska konsekvenser",
    "Konsekvenser för patientsäkerhet",
    "Konsekvenser för jämlik och jämställd vård",
    "Miljökonsekvenser",
    "Administrativa konsekvenser",
    "Beslutet ska skickas till",
]
CONSEQUENCES = {
    "economic": "Ekonomiska konsekvenser",
    "patient-safety": "Konsekvenser för patientsäkerhet",
    "equal-and-gender-equal-care": "Konsekvenser för jämlik och jämställd vård",
    "environment": "Miljökonsekvenser",
    "administrative": "Administrativa konsekvenser",
}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def text(root: Path) -> str:
    return _norm((root / COPY).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sections(store: EmbeddedStore) -> dict[str, dict]:
    rows = store.select(
        "SELECT ?s ?heading ?order WHERE { ?s a mh:DocumentSection ; dcterms:isPartOf ?doc ; rdfs:label ?heading ; mh:sectionOrder ?order . "
        f'FILTER(?doc = <{REPORT}> && LANG(?heading) = "sv") }}'
    )
    return {r["heading"].value: {"iri": r["s"].value, "order": int(r["order"].value)} for r in rows}


def test_the_project_copy_is_the_documents_seed_file(store: EmbeddedStore, root: Path) -> None:
    rows = store.select(f"SELECT ?file WHERE {{ <{REPORT}> mh:seedFile ?file }}")
    assert [r["file"].value for r in rows] == [str(COPY)]
    assert (root / COPY).is_file()


def test_the_pinned_headings_stand_in_the_document_in_this_order(root: Path) -> None:
    lines = [line.strip() for line in (root / COPY).read_text(encoding="utf-8").splitlines()]
    joined = _norm(" ".join(lines))
    position = -1
    for heading in HEADINGS:
        found = joined.find(heading, position + 1)
        assert found > position, heading
        position = found
    assert lines.count("Administrativa konsekvenser") == 2  # printed twice, modelled once


def test_every_heading_has_one_section_resource_in_the_document_order(sections: dict[str, dict]) -> None:
    assert sorted(sections, key=lambda h: sections[h]["order"]) == HEADINGS
    assert [sections[h]["order"] for h in HEADINGS] == list(range(1, len(HEADINGS) + 1))
    assert all(s["iri"].startswith(SECTION) for s in sections.values())


def test_every_section_has_an_english_heading_a_bilingual_summary_and_provenance(store: EmbeddedStore, sections: dict[str, dict]) -> None:
    for heading, s in sections.items():
        iri = s["iri"]
        for lang in ("sv", "en"):
            assert store.ask(f'ASK {{ <{iri}> skos:definition ?d FILTER(LANG(?d) = "{lang}") }}'), (heading, lang)
        assert store.ask(f'ASK {{ <{iri}> rdfs:label ?l FILTER(LANG(?l) = "en") }}'), heading
        assert store.ask(f"ASK {{ <{iri}> prov:wasDerivedFrom <{REPORT}> ; mh:sourceSection ?h FILTER(STR(?h) = {_literal(heading)}) }}"), heading


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_every_section_quotation_is_verbatim_in_the_project_copy(store: EmbeddedStore, sections: dict[str, dict], text: str) -> None:
    rows = store.select(f'SELECT ?s ?q WHERE {{ ?s a mh:DocumentSection ; dcterms:isPartOf <{REPORT}> ; mh:quotation ?q }}')
    quoted = {r["s"].value for r in rows}
    assert len(quoted) >= len(HEADINGS) - 2  # only the two headings without text of their own have none
    missing = [(r["s"].value, r["q"].value) for r in rows if _norm(r["q"].value) not in text]
    assert not missing
    without = {h for h, s in sections.items() if s["iri"] not in quoted}
    assert without == {"Förvaltningens motivering till förslaget", "Bakgrund"}
    for heading in without:  # and they say why
        assert store.ask(f'ASK {{ <{sections[heading]["iri"]}> skos:scopeNote ?n FILTER(LANG(?n) = "en") }}'), heading


def test_each_consequence_area_has_exactly_one_assessment(store: EmbeddedStore, sections: dict[str, dict], text: str) -> None:
    areas = {r["a"].value for r in store.select("SELECT ?a WHERE { ?a skos:inScheme <https://w3id.org/mhkg/id/scheme/consequence-areas> }")}
    assert areas == {AREA + a for a in CONSEQUENCES}
    rows = store.select("SELECT ?area ?section WHERE { ?section a mh:ConsequenceAssessment ; mh:consequenceArea ?area }")
    per_area: dict[str, list[str]] = {}
    for r in rows:
        per_area.setdefault(r["area"].value, []).append(r["section"].value)
    assert {a: len(s) for a, s in per_area.items()} == {AREA + a: 1 for a in CONSEQUENCES}
    for area, heading in CONSEQUENCES.items():
        assert per_area[AREA + area] == [sections[heading]["iri"]]


def test_each_assessment_is_quoted_verbatim_and_translated(store: EmbeddedStore, text: str) -> None:
    rows = store.select("SELECT ?s ?a WHERE { ?s a mh:ConsequenceAssessment ; mh:assessment ?a }")
    by_lang: dict[str, dict[str, list[str]]] = {}
    for r in rows:
        by_lang.setdefault(r["s"].value, {}).setdefault(r["a"].language or "", []).append(r["a"].value)
    assert len(by_lang) == len(CONSEQUENCES)
    for section, texts in by_lang.items():
        assert sorted(texts) == ["en", "sv"] and len(texts["sv"]) == len(texts["en"]) == 1, section
        assert _norm(texts["sv"][0]) in text, section
    conclusions = {s.removeprefix(SECTION): t["sv"][0] for s, t in by_lang.items()}
    assert conclusions["patient-safety-consequences"] == "Strategin förväntas inte bidra till negativa konsekvenser för patientsäkerheten."
    assert conclusions["environmental-consequences"] == "Strategin förväntas inte bidra till negativa miljökonsekvenser."
    assert conclusions["administrative-consequences"] == "Förslaget bedöms inte medföra administrativa konsekvenser."


def test_the_funding_arrangements_exist_with_their_quotations(store: EmbeddedStore, text: str) -> None:
    rows = store.select(
        "SELECT ?f ?source ?q WHERE { ?f a mh:FundingArrangement ; mh:fundingFor <https://w3id.org/mhkg/id/document/strategy> ; "
        f'mh:fundingSource ?source ; mh:quotation ?q ; mh:statedInSection <{SECTION}economic-consequences> ; prov:wasDerivedFrom <{REPORT}> '
        'FILTER(LANG(?source) = "sv") }'
    )
    funding = {r["f"].value.removeprefix(ID + "funding/"): r["source"].value for r in rows}
    assert funding == {
        "activities-within-ordinary-budgets": "ordinarie budget hos aktuella nämnder och bolag",
        "supporting-measures": "erforderliga medel t.ex. från statsbidrag för psykisk hälsa",
    }
    assert all(_norm(r["source"].value) in text and _norm(r["q"].value) in text for r in rows)
    assert store.ask(f"ASK {{ <{ID}funding/activities-within-ordinary-budgets> mh:followedUpThrough <{ID}governance/follow-up> }}")
    assert store.ask(f"ASK {{ <{ID}funding/supporting-measures> mh:fundsSupport <{ID}support/support-planning-2021> }}")


def test_the_catalogue_query_lists_the_sections_in_order(store: EmbeddedStore) -> None:
    rows = store.select(get_query("strategy-sections").bind({}))
    assert [r["heading_sv"].value for r in rows] == HEADINGS
    with_area = {r["area"].value.removeprefix(AREA): r for r in rows if "area" in r}
    assert set(with_area) == set(CONSEQUENCES)
    assert all(r["assessment_sv"].language == "sv" and r["assessment_en"].language == "en" for r in with_area.values())
    assert int(next(r for r in rows if r["heading_sv"].value == "Ekonomiska konsekvenser")["facts"].value) >= 4
    one = store.select(get_query("strategy-sections").bind({"consequence_area": "patient-safety"}))
    assert [r["heading_sv"].value for r in one] == ["Konsekvenser för patientsäkerhet"]


# ---------------------------------------------------------------------------- the shapes refuse what is incomplete
BROKEN = """
@prefix mh: <https://w3id.org/mhkg/ontology#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
<https://w3id.org/mhkg/id/document/hsf-tjansteutlatande-2021/section/test-broken> a mh:ConsequenceAssessment ;
    rdfs:label "Testavsnitt"@sv , "Test section"@en ;
    dcterms:isPartOf <https://w3id.org/mhkg/id/document/hsf-tjansteutlatande-2021> ;
    skos:definition "Test."@sv , "Test."@en ;
    mh:consequenceArea <https://w3id.org/mhkg/id/societal-area/public-health> ;
    mh:assessment "Ingen bedömning på engelska."@sv ;
    prov:wasDerivedFrom <https://w3id.org/mhkg/id/document/hsf-tjansteutlatande-2021> ;
    mh:sourceSection "Testavsnitt"@sv .
"""


def test_the_shapes_refuse_an_incomplete_assessment_and_say_how_to_fix_it(tmp_path: Path) -> None:
    path = tmp_path / "broken-section.ttl"
    path.write_text(BROKEN, encoding="utf-8")
    report = validate_repository([path], validator=ShaclValidator())
    got = {r.source_shape.rsplit("#", 1)[1] for r in report.results if r.severity == "Violation"}
    assert got == {"DocumentSectionShape-sectionOrder", "ConsequenceAssessmentShape-consequenceArea", "ConsequenceAssessmentShape-assessment-en"}
    for r in report.results:
        assert r.message.get("sv") and r.message.get("en"), r
    assert any("consequence-areas.ttl" in r.message["en"] for r in report.results)
