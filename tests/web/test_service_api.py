"""REST API, curation, linked data and pages (FastAPI TestClient on the real graph)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from api.catalogue import catalogue
from api.store import EmbeddedStore
from api.web.app import create_app
from api.web.negotiation import GRAPHS

ID = "https://w3id.org/mhkg/id/"
CORPUS = Path(__file__).parents[1] / "data" / "validation"
TOKEN = "test-token-4b1d"  # noqa: S105 - a test token


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> TestClient:
    return TestClient(create_app(store))


@pytest.fixture()
def writable(built, root: Path, tmp_path: Path) -> tuple[TestClient, EmbeddedStore, Path]:
    """An app over a copy of the repository (so submissions write into a temporary evidence/)."""
    for folder in ("ontology", "evidence", "shapes", "queries"):
        shutil.copytree(root / folder, tmp_path / folder)
    s = EmbeddedStore()
    s.add_triples(built[1].triples())
    return TestClient(create_app(s, root=tmp_path, token=TOKEN)), s, tmp_path


# ---------------------------------------------------------------------------- REST
def test_organisations_list_paginates_and_searches(client: TestClient) -> None:
    page = client.get("/api/v1/organisations", params={"limit": 10}).json()
    assert page["total"] >= 60 and len(page["items"]) == 10
    rest = client.get("/api/v1/organisations", params={"offset": 10, "limit": 500}).json()
    assert {o["id"] for o in page["items"]}.isdisjoint({o["id"] for o in rest["items"]})
    found = client.get("/api/v1/organisations", params={"q": "trafik"}).json()["items"]
    assert {o["id"] for o in found} == {"trafiknamnden", "ab-storstockholms-lokaltrafik"}
    municipalities = client.get("/api/v1/organisations", params={"kind": "Municipality", "limit": 100}).json()
    assert municipalities["total"] == 26


def test_organisation_detail_and_measures(client: TestClient) -> None:
    org = client.get("/api/v1/organisations/trafiknamnden").json()
    assert org["label_sv"] == "Trafiknämnden" and org["responsibilities"][0]["settings"] == [ID + "setting/public-transport"]
    measures = client.get("/api/v1/organisations/trafiknamnden/measures").json()
    ids = [m["id"] for m in measures["items"]]
    assert "suicide-hotspot-means-restriction" in ids
    first = measures["items"][0]
    assert first["justification_sv"] and first["sources"] and first["certainty"] == "moderate"
    filtered = client.get("/api/v1/organisations/trafiknamnden/measures", params={"min_certainty": "moderate"}).json()
    assert 0 < filtered["total"] < measures["total"]
    assert client.get("/api/v1/organisations/nobody").status_code == 404
    assert client.get("/api/v1/organisations/trafiknamnden/measures", params={"setting": "not an iri"}).status_code == 422


def test_interventions_evidence_sources_vocabularies(client: TestClient) -> None:
    iv = client.get("/api/v1/interventions/housing-first").json()
    assert iv["label_en"] == "Housing First" or "Housing First" in iv["label_en"]
    assert {e["source"] for e in iv["entries"]} == {ID + "source/baxter-2019", ID + "source/aubry-2019"}
    assert client.get("/api/v1/interventions", params={"limit": 5}).json()["total"] >= 50
    entry = client.get("/api/v1/evidence/housing-first--housing-stability--baxter-2019").json()
    assert entry["properties"]["https://w3id.org/mhkg/ontology#intervention"] == [ID + "intervention/housing-first"]
    src = client.get("/api/v1/sources/patel-2018-lancet-commission").json()
    assert src["doi"] == "10.1016/S0140-6736(18)31612-X"
    schemes = {s["id"]: s for s in client.get("/api/v1/vocabularies").json()}
    assert schemes["settings"]["concepts"] == 18
    assert len(client.get("/api/v1/vocabularies/life-stages").json()["concepts"]) == 4


def test_gaps_and_stats(client: TestClient, store: EmbeddedStore) -> None:
    cells = client.get("/api/v1/gaps", params={"min_certainty": "high"}).json()
    assert len(cells) == 32 and all(c["gap"] for c in cells)
    stats = client.get("/api/v1/stats").json()
    assert stats["headline"]["municipalities"] == 26


def test_every_catalogue_query_is_an_operation(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for name, q in catalogue().items():
        op = spec["paths"][f"/api/v1/queries/{name}"]["get"]
        assert op["summary"] == q.summary
        declared = {p["name"]: p["required"] for p in op.get("parameters", [])}
        assert declared == {p.name: p.required for p in q.parameters}
    rows = client.get("/api/v1/queries/committee-measures", params={"org": ID + "organisation/trafiknamnden"}).json()
    assert rows["head"]["vars"][0] == "intervention" and rows["results"]["bindings"]
    assert client.get("/api/v1/queries/committee-measures").status_code == 422
    assert client.get("/api/v1/queries/committee-measures", params={"org": "x> } DROP ALL"}).status_code == 422
    assert client.get("/docs").status_code == 200 and "swagger" in client.get("/docs").text.lower()


# ---------------------------------------------------------------------------- curation
def test_validate_returns_the_report_and_stores_nothing(writable) -> None:
    client, store, root = writable
    files, count = sorted((root / "evidence").rglob("*")), store.count()
    bad = (CORPUS / "invalid" / "two-certainties.ttl").read_bytes()
    report = client.post("/api/v1/validate", content=bad, headers={"Content-Type": "text/turtle"}).json()
    assert report["conforms"] is False
    violation = next(r for r in report["results"] if r["severity"] == "Violation")
    assert violation["message"]["sv"].startswith("Ange exakt en GRADE-nivå") and violation["message"]["en"].startswith("Give exactly one")
    good = (CORPUS / "valid" / "entry-citing-existing-source.ttl").read_bytes()
    assert client.post("/api/v1/validate", content=good, headers={"Content-Type": "text/turtle"}).json()["conforms"] is True
    jsonld = ox.serialize(list(ox.parse(input=good, format=ox.RdfFormat.TURTLE)), format=ox.RdfFormat.JSON_LD)
    assert client.post("/api/v1/validate", content=jsonld, headers={"Content-Type": "application/ld+json"}).json()["conforms"] is True
    broken = client.post("/api/v1/validate", content=b"@prefix x: <y> .\nx:a x:b", headers={"Content-Type": "text/turtle"})
    assert broken.status_code == 400 and broken.json()["detail"]["line"] == 2
    assert sorted((root / "evidence").rglob("*")) == files and store.count() == count


def test_submission_needs_a_token(writable) -> None:
    client, _, _ = writable
    good = (CORPUS / "valid" / "entry-citing-existing-source.ttl").read_bytes()
    assert client.post("/api/v1/evidence", content=good, headers={"Content-Type": "text/turtle"}).status_code == 401
    wrong = client.post("/api/v1/evidence", content=good, headers={"Content-Type": "text/turtle", "Authorization": "Bearer nope"})
    assert wrong.status_code == 403


def test_refused_submission_leaves_files_and_store_untouched(writable) -> None:
    client, store, root = writable
    files, count = sorted((root / "evidence").rglob("*")), store.count()
    bad = (CORPUS / "invalid" / "cited-source-missing.ttl").read_bytes()
    r = client.post("/api/v1/evidence", content=bad, headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 422 and r.json()["conforms"] is False
    assert sorted((root / "evidence").rglob("*")) == files and store.count() == count


def test_accepted_submission_is_written_and_shows_in_the_measures_at_once(writable) -> None:
    client, store, root = writable
    # a reviewed entry for green-space improvement (so far drafts only), for adults in green space: a spatial planner's measure
    text = (
        (CORPUS / "valid" / "entry-citing-existing-source.ttl")
        .read_text()
        .replace("iv:school-sel", "iv:urban-green-space-improvement")
        .replace("setting:compulsory-school", "setting:green-space")
        .replace("stage:children", "stage:adults")
    )
    before = {m["id"] for m in client.get("/api/v1/organisations/tillvaxt-och-regionplanenamnden/measures").json()["items"]}
    r = client.post("/api/v1/evidence", content=text.encode(), headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 201, r.text
    path = root / r.json()["file"]
    assert path.exists() and not list(path.parent.glob(".*.tmp"))
    # a submitted entry is a draft: it counts as evidence only when drafts are asked for, and then at once
    after = {m["id"] for m in client.get("/api/v1/organisations/tillvaxt-och-regionplanenamnden/measures").json()["items"]}
    assert after == before
    drafts = client.get("/api/v1/organisations/tillvaxt-och-regionplanenamnden/measures", params={"min_status": "draft"}).json()["items"]
    assert "urban-green-space-improvement" in {m["id"] for m in drafts}
    iri = "https://w3id.org/mhkg/id/evidence/test-valid-entry"
    seen = client.get("/sparql", params={"query": f"ASK {{ <{iri}> a mh:EvidenceEntry }}"}, headers={"Accept": "application/sparql-results+json"})
    assert seen.json()["boolean"] is True  # the query workers serve the new content too
    again = client.post("/api/v1/evidence", content=text.encode(), headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"})
    assert again.status_code == 409


# ---------------------------------------------------------------------------- linked data
@pytest.mark.parametrize(
    ("accept", "suffix", "media"),
    [
        ("text/turtle", ".ttl", "text/turtle"),
        ("application/n-triples", ".nt", "application/n-triples"),
        ("application/ld+json", ".jsonld", "application/ld+json"),
        ("application/rdf+xml", ".rdf", "application/rdf+xml"),
    ],
)
def test_iris_dereference_by_accept_and_suffix(client: TestClient, accept: str, suffix: str, media: str) -> None:
    fmt = GRAPHS[media]
    for path in ("/id/organisation/trafiknamnden", "/id/intervention/housing-first", "/id/setting/education", "/ontology"):
        by_accept = client.get(path, headers={"Accept": accept})
        by_suffix = client.get(path + suffix)
        assert by_accept.headers["content-type"].startswith(media) and by_suffix.headers["content-type"].startswith(media)
        triples = list(ox.parse(input=by_accept.content, format=fmt))
        assert triples and len(triples) == len(list(ox.parse(input=by_suffix.content, format=fmt)))


def test_browsers_get_html_documentation(client: TestClient) -> None:
    html = {"Accept": "text/html,application/xhtml+xml"}
    onto = client.get("/ontology", headers=html).text
    assert "mh:EvidenceEntry" in onto and "evidenspost" in onto
    scheme = client.get("/id/scheme/settings", headers=html).text
    assert "Grundskola" in scheme and "Kollektivtrafikmiljö" in scheme
    assert client.get("/id/organisation/nobody", headers=html).status_code == 404
    shapes = client.get("/shapes", headers=html).text
    assert "shp:EvidenceEntryShape-certainty" in shapes and "GRADE-nivå" in shapes
    assert len(list(ox.parse(input=client.get("/shapes.ttl").content, format=ox.RdfFormat.TURTLE))) > 1000
    ctx = client.get("/context.jsonld").json()["@context"]
    assert ctx["mh"] == "https://w3id.org/mhkg/ontology#" and ctx["citesSource"]["@type"] == "@id"


# ---------------------------------------------------------------------------- pages
def test_pages_are_swedish_by_default_with_an_english_switch(client: TestClient) -> None:
    sv = client.get("/id/organisation/trafiknamnden").text
    assert '<html lang="sv">' in sv and "Insatser med stöd i forskningen" in sv and "Ni kan genomföra insatsen som kollektivtrafikmyndighet" in sv
    assert 'class="badge certainty-moderate"' in sv and "Tillförlitlighet: Måttlig" in sv
    assert "/id/source/pirkis-2015" in sv
    en = client.get("/id/organisation/trafiknamnden", params={"lang": "en"}).text
    assert (
        '<html lang="en">' in en
        and "Measures with research evidence" in en
        and "You can carry out this measure as a public-transport authority or operator" in en
    )


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/gaps",
        "/strategy",
        "/query",
        "/curation",
        "/briefing/stockholm",
        "/id/intervention/housing-first",
        "/id/source/durlak-2011",
        "/ontology",
        "/query?example=evidence-gaps",
    ],
)
def test_every_page_renders_accessibly(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    title = r.text.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title, f"markup inside <title>: {title[:80]}"
    assert "<main" in r.text and '<a class="skip"' in r.text and "<script" not in r.text


def test_start_page_chooses_an_organisation_without_javascript(client: TestClient) -> None:
    r = client.get("/organisation", params={"org": "trafiknamnden", "lang": "sv"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/id/organisation/trafiknamnden?lang=sv"
    assert "Trafiknämnden" in client.get("/", params={"q": "trafik"}).text


def test_query_page_runs_a_query(client: TestClient) -> None:
    r = client.post("/query", data={"query": "SELECT ?m WHERE { ?m a mh:Municipality }"})
    assert "(26 rader)" in r.text and "format=csv" in r.text
    remote = client.post("/query", data={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
    assert "SERVICE är inte tillåtet här" in remote.text and "not allowed" not in remote.text  # the page's language
    english = client.post("/query", params={"lang": "en"}, data={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
    assert "SERVICE is not allowed" in english.text
    bad = client.post("/query", data={"query": "SELECT ?m WHERE {"})
    assert 'class="error"' in bad.text


def test_curation_page_shows_the_violation(client: TestClient) -> None:
    r = client.post("/curation", data={"entry": (CORPUS / "invalid" / "two-certainties.ttl").read_text()})
    assert "Posten uppfyller inte kraven." in r.text and "Ange exakt en GRADE-nivå" in r.text
    syntax = client.post("/curation", data={"entry": "@prefix x: <y> .\nx:a x:b"})
    assert "Syntaxfel (rad 2" in syntax.text


def test_network_page_speaks_to_officials_in_both_languages(client: TestClient) -> None:
    sv = client.get("/network").text
    assert "modularitet" not in sv.lower() and "networkx" not in sv.lower() and "×" not in sv
    main, method = sv.split("<details>", 1)
    assert "samordna insatser" in main and "Kommunernas samverkanspartner i regionen" in main
    assert "ansvaret som arbetsgivare" in main, "the page should say what does not count"
    assert "alla åldrar i närsamhället" in main and "Tillväxt- och regionplanenämnden" in main
    assert "Arbetsmiljö" not in main and "på arbetsplatsen" not in main, "the employer's pair is no partner's reason"
    assert "Så räknas sambanden fram" in method and "minst hälften av alla" in method
    assert "Gäller 26 kommuner" in main and 'href="/id/organisation/huddinge?lang=sv"' in main
    en = client.get("/network", params={"lang": "en"}).text
    assert "coordinate measures" in en and "How the links are worked out" in en and "×" not in en and "modularity" not in en.lower()
    assert "all ages in the local community" in en and "Applies to 26 municipalities" in en
    svg = client.get("/network.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and "font-size: 12px" in svg.text


def test_strategy_page_shows_indicator_coverage(client: TestClient) -> None:
    text = client.get("/strategy").text
    assert "Indikatorer för uppföljning" in text and "Socialstyrelsen" in text and "saknas" in text


def test_briefing_lists_measures_with_numbered_references(client: TestClient) -> None:
    text = client.get("/briefing/trafiknamnden").text
    assert "Pirkis" in text and "[1]" in text and 'media="print"' in text


# ---------------------------------------------------------------------------- findings shown as they are
def test_organisation_page_shows_what_does_not_work_and_makes_no_recommendation(client: TestClient) -> None:
    page = client.get("/id/organisation/huddinge").text
    assert "Rekommender" not in page and "recommend" not in page.replace("rekommenderar ingenting", "").lower().replace("no recommendation", "")
    assert "Det som inte fungerar eller saknar tydlig effekt" in page
    assert "Bostad först" in page.split("Det som inte fungerar")[1]  # Housing First: no clear effect on psychological distress
    assert "Så läser du tillförlitligheten (GRADE)" in page and "Ny forskning ändrar troligen inte bilden." in page
    english = client.get("/id/organisation/huddinge", params={"lang": "en"}).text
    assert "What does not work or has no clear effect" in english and "The project makes no recommendation of its own" in english


def test_drafts_appear_only_when_asked_for_and_marked(client: TestClient) -> None:
    org = "tillvaxt-och-regionplanenamnden"  # urban green-space improvement rests on draft entries only
    plain = client.get(f"/id/organisation/{org}").text
    with_drafts = client.get(f"/id/organisation/{org}", params={"drafts": "1"}).text
    assert "Förbättring av grönytor i bostadsområden" not in plain.split("Insatser med stöd i forskningen")[1].split("Det som inte fungerar")[0]
    assert "Utkast: ännu inte granskat av någon annan än den som skrev det" in with_drafts
    measures = client.get(f"/api/v1/organisations/{org}/measures").json()["items"]
    assert all(m["drafts"] == 0 for m in measures)
    drafted = client.get(f"/api/v1/organisations/{org}/measures", params={"min_status": "draft"}).json()["items"]
    assert any(m["drafts"] > 0 for m in drafted)


def test_measures_carry_all_findings_and_the_certainty_rationale(client: TestClient) -> None:
    items = client.get("/api/v1/organisations/huddinge/measures", params={"limit": 500}).json()["items"]
    housing_first = next(m for m in items if m["id"] == "housing-first")
    assert housing_first["findings"]["no_clear_effect"] >= 1 and housing_first["findings"]["beneficial"] >= 1
    for m in items:
        assert m["certainty_basis"] and (m["certainty_rationale_sv"] or m["certainty_basis"].endswith("reported-by-source"))
        assert m["capacities"] and m["justification_sv"].count(" – i egenskap av ") >= 1
    without = client.get("/api/v1/organisations/huddinge/no-clear-benefit", params={"limit": 500}).json()
    assert without["total"] > 0 and {w["effect"].rsplit("/", 1)[-1] for w in without["items"]} <= {"no-clear-effect", "mixed", "harmful"}
    assert client.get("/api/v1/organisations/nobody/no-clear-benefit").status_code == 404
