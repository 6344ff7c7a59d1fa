"""The pages an official reads: the organisation page at a glance, its filters, the briefing and its CSV, the
municipality's own facts, search over everything, and words a non-statistician can read."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from fastapi.testclient import TestClient

from api import i18n
from api.store import EmbeddedStore
from api.vocab import ID
from api.web import views
from api.web.app import create_app
from api.web.state import ServiceState


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> TestClient:
    return TestClient(create_app(store))


@pytest.fixture(scope="module")
def state(client: TestClient) -> ServiceState:
    return client.app.state.mhkg  # type: ignore[attr-defined,no-any-return]


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def cards(page: str) -> list[str]:
    """The measure cards of an organisation page: the intervention id of each, in page order."""
    return re.findall(r'<li class="measure[^"]*">\s*<h4><a href="/id/intervention/([^"?]+)', page)


# ------------------------------------------------------------------------------ the organisation page
@pytest.mark.parametrize("org", ["huddinge", "trafiknamnden", "kulturnamnden", "halso-och-sjukvardsnamnden"])
def test_one_card_per_measure_and_the_summary_counts_them(client: TestClient, state: ServiceState, org: str) -> None:
    page = client.get(f"/id/organisation/{org}").text
    ids = cards(page)
    expected = {m["id"] for m in views.measures(state, org)}
    assert ids and len(ids) == len(set(ids)), "a measure appears on more than one card"
    assert set(ids) == expected
    moderate = sum(1 for m in views.measures(state, org) if m["certainty"] in ("moderate", "high"))
    summary = text_of(page[page.index('class="summary"') : page.index("</section>", page.index('class="summary"'))])
    assert f"{len(ids)} insatser med stöd i forskningen" in summary and f"{moderate} av dem har minst måttlig" in summary


def test_cards_are_ordered_by_certainty_within_each_group(client: TestClient, state: ServiceState) -> None:
    page = views.measure_cards(state, "huddinge")
    assert len(page["groups"]) > 1
    for g in page["groups"]:
        ranks = [m["rank"] for m in g["measures"]]
        assert ranks == sorted(ranks, reverse=True), g["topic"]


def test_the_life_stages_are_tags_on_one_card(client: TestClient) -> None:
    page = client.get("/id/organisation/trafiknamnden").text
    card = page[page.index('href="/id/intervention/platform-screen-doors') :]
    card = card[: card.index("</li>\n")]
    assert [t for t in re.findall(r'<span class="tag">([^<]+)</span>', card)] == ["Unga", "Vuxna", "Äldre"]


def test_the_justification_is_one_natural_swedish_sentence(client: TestClient) -> None:
    page = client.get("/id/organisation/trafiknamnden").text
    whys = [text_of(w).strip() for w in re.findall(r'<p class="why">(.*?)</p>', page, re.S)]
    assert whys
    for why in whys:
        assert why.startswith("Ni kan genomföra insatsen som kollektivtrafikmyndighet eller trafikföretag, för ") and why.endswith(" i kollektivtrafiken.")
        assert why.count(":") == 0 and "Trafiknämnden" not in why and "×" not in why


def test_a_measure_matching_two_capacities_names_both_in_one_sentence(state: ServiceState) -> None:
    school, employer = ID + "role/school-organiser", ID + "role/employer"
    preschool, work = ID + "setting/preschool", ID + "setting/work"
    children, adults, older = (ID + f"life-stage/{s}" for s in ("children", "adults", "older-people"))
    uses = [(employer, work, older), (school, preschool, children), (employer, work, adults)]
    names = views.labels(state, [children, adults, older, preschool, work, school, employer])
    said = views.phrases(state)
    why = views.justification(uses, names, said)
    assert (
        why["sv"] == "Ni kan genomföra insatsen som arbetsgivare, för vuxna och äldre på arbetsplatsen och som huvudman för utbildning, för barn i förskolan."
    )
    assert (
        why["en"]
        == "You can carry out this measure as an employer, for adults and older people at work and as a school organiser (huvudman), for children in preschool."
    )


def test_filters_change_the_list(client: TestClient, state: ServiceState) -> None:
    everything = set(cards(client.get("/id/organisation/huddinge").text))
    children = set(cards(client.get("/id/organisation/huddinge?life_stage=children").text))
    sure = set(cards(client.get("/id/organisation/huddinge?min_certainty=moderate").text))
    promotion = set(cards(client.get("/id/organisation/huddinge?direction=promotion").text))
    assert children and children < everything
    assert sure and sure < everything
    assert promotion and promotion < everything
    assert children == {m["id"] for m in views.measures(state, "huddinge", {"life_stage": "children"})}
    for iv in sure:
        assert next(m for m in views.measures(state, "huddinge") if m["id"] == iv)["certainty"] in ("moderate", "high")


def test_the_filter_form_is_a_plain_get_form_that_keeps_its_choices(client: TestClient) -> None:
    page = client.get("/id/organisation/huddinge?life_stage=older-people&min_certainty=low&drafts=1").text
    form = page[page.index('<form method="get" class="filters"') : page.index("</form>", page.index('class="filters"'))]
    assert "<script" not in page
    assert '<option value="older-people" selected>' in form and '<option value="low" selected>' in form and 'name="drafts" value="1" checked' in form
    assert 'name="direction"' in form


def test_drafts_appear_only_when_asked_for_and_marked(client: TestClient, state: ServiceState) -> None:
    with_drafts = views.measure_cards(state, "huddinge", {"min_status": "draft"})
    drafted = [m for g in with_drafts["groups"] for m in g["measures"] if m["draft_entries"]]
    assert drafted, "the bundled knowledge has drafts in Huddinge's remit"
    plain = client.get("/id/organisation/huddinge").text
    shown = client.get("/id/organisation/huddinge?drafts=1").text
    assert i18n.t("draft_mark", "sv") not in plain and "Delvis utkast" not in plain
    assert i18n.t("draft_mark", "sv") in shown or "Delvis utkast" in shown
    only = [m["id"] for m in drafted if m["drafts_only"]]
    for iv in only:
        assert iv not in cards(plain) and iv in cards(shown)


def test_an_invalid_filter_is_an_error_page_in_swedish(client: TestClient) -> None:
    r = client.get("/id/organisation/huddinge?min_certainty=bogus", headers={"accept": "text/html"})
    assert r.status_code == 422 and "text/html" in r.headers["content-type"]
    assert "Parametern min_certainty ska ha ett av värdena" in html.unescape(r.text)


def test_no_measure_groups_say_so_and_why(client: TestClient, state: ServiceState) -> None:
    page = views.measure_cards(state, "huddinge", {"life_stage": "children"})
    assert page["without_measures"]
    text = text_of(client.get("/id/organisation/huddinge?life_stage=children").text)
    assert "Inga insatser med gynnsam effekt i granskade fynd hittades inom:" in text and "inte att inget går att göra" in text


def test_no_evidence_entry_coinage_and_no_recommendation_claim(client: TestClient) -> None:
    for path in ("/id/organisation/huddinge", "/briefing/huddinge"):
        text = text_of(client.get(path).text)
        assert "evidenspost" not in text.lower(), path
        assert "Rekommenderade" not in text and "rekommenderar ingenting" in text


# ------------------------------------------------------------------------------ the municipality's own facts
def test_huddinge_shows_its_consultation_points(client: TestClient, store: EmbeddedStore) -> None:
    points = store.select(
        "SELECT ?l WHERE { ?r <https://w3id.org/mhkg/ontology#makesPoint> ?p . ?p <http://www.w3.org/2000/01/rdf-schema#label> ?l . FILTER(LANG(?l) = 'sv') }"
    )
    assert len(points) == 5
    for path in ("/id/organisation/huddinge", "/id/organisation/huddinge-kommunstyrelsen"):
        text = text_of(client.get(path).text)
        assert "Remissvar på strategin" in text and "5 maj 2021" in text
        for p in points:
            assert p["l"].value in text, (path, p["l"].value)


def test_other_municipalities_show_no_consultation_response_but_the_pilot_note(client: TestClient) -> None:
    text = text_of(client.get("/id/organisation/botkyrka").text)
    assert "Remissvar på strategin" not in text
    assert "Underlagen namnger inte de tre kommunerna" in text and "Botkyrka kommun" in text
    assert "Pilotkommuner" not in text_of(client.get("/id/organisation/trafiknamnden").text)


def test_two_municipality_pages_differ_in_more_than_the_name(client: TestClient) -> None:
    a = text_of(client.get("/id/organisation/huddinge").text).replace("Huddinge", "X")
    b = text_of(client.get("/id/organisation/botkyrka").text).replace("Botkyrka", "X")
    assert a != b


# ------------------------------------------------------------------------------ the briefing
def test_the_briefing_has_date_version_permalink_grade_and_separated_references(client: TestClient, state: ServiceState) -> None:
    page = client.get("/briefing/trafiknamnden").text
    text = text_of(page)
    assert "Utskrivet " in text and "Dataversion " + state.store.data_version() in text
    assert "/id/organisation/trafiknamnden" in text
    grade = page[page.index('<dl class="grade">') : page.index("</dl>", page.index('<dl class="grade">'))]
    assert len(re.findall("<dt>", grade)) == 4
    assert "rekommenderar ingenting" in text
    assert not re.search(r"\]\[", text), "references run together"
    numbers = [int(n) for n in re.findall(r'<li value="(\d+)">', page)]
    assert numbers == list(range(1, len(numbers) + 1))


def test_the_briefing_marks_drafts(client: TestClient) -> None:
    plain = client.get("/briefing/huddinge").text
    drafts = client.get("/briefing/huddinge?drafts=1").text
    assert "(utkast)" not in text_of(plain) and "(utkast)" in text_of(drafts)


def test_the_briefing_downloads_as_csv_with_one_row_per_measure(client: TestClient, state: ServiceState) -> None:
    r = client.get("/briefing/trafiknamnden.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Ansvar", "Insats", "Tillförlitlighet"]
    assert {row[1] for row in rows[1:]} == {m["label_sv"] for m in views.measures(state, "trafiknamnden")}
    en = list(csv.reader(io.StringIO(client.get("/briefing/trafiknamnden.csv?lang=en").content.decode("utf-8-sig"))))
    assert en[0][:3] == ["Responsibility", "Measure", "Certainty"]


# ------------------------------------------------------------------------------ words for people
STATISTICS = re.compile(r"\b(SMD|incidenskvot|riskkvot|oddskvot|relativ risk)\b")


def test_effect_sizes_come_with_a_plain_reading_and_the_figure_in_brackets(store: EmbeddedStore) -> None:
    rows = store.select("SELECT ?e ?s WHERE { ?e <https://w3id.org/mhkg/ontology#statement> ?s . FILTER(LANG(?s) = 'sv') }")
    checked = 0
    for r in rows:
        s = r["s"].value
        for m in STATISTICS.finditer(s):
            checked += 1
            before = s[: m.start()]
            assert before.count("(") > before.count(")"), f"{r['e'].value}: {m.group(0)} is not in brackets"
    assert checked >= 8
    assert not [r["e"].value for r in rows if r["s"].value.startswith(("Samma ", "Den här "))], "a statement refers to another card"


def test_every_setting_and_capacity_has_a_phrase_in_both_languages(store: EmbeddedStore) -> None:
    rows = store.select(
        "SELECT ?c (COUNT(DISTINCT LANG(?p)) AS ?n) WHERE { { ?c a <https://w3id.org/mhkg/ontology#EverydaySetting> } UNION "
        "{ ?c a <https://w3id.org/mhkg/ontology#OrganisationalRole> } OPTIONAL { ?c <https://w3id.org/mhkg/ontology#phrase> ?p } } GROUP BY ?c"
    )
    assert len(rows) >= 30
    assert [r["c"].value for r in rows if int(r["n"].value) != 2] == []


# ------------------------------------------------------------------------------ search and the start page
def test_search_finds_measures_outcomes_settings_and_sources(client: TestClient) -> None:
    text = text_of(client.get("/?q=mobbning").text)
    assert "Skolbaserat antimobbningsprogram" in text and "Program mot nätmobbning" in text and "Utfall (1)" in text
    school = client.get("/?q=skola").text
    assert "/id/setting/compulsory-school" in school and "/id/intervention/" in school
    assert "/id/source/" in client.get("/?q=Pirkis").text
    assert "/id/intervention/" in client.get("/?q=bullying&lang=en").text


def test_search_without_hits_says_what_to_try(client: TestClient) -> None:
    text = text_of(client.get("/?q=zzqqxx").text)
    assert "Inget matchade ”zzqqxx”" in text and "Pröva ett kortare ord" in text


def test_start_page_headings_are_plural_and_english_sorts_by_english_names(client: TestClient, state: ServiceState) -> None:
    sv = client.get("/").text
    assert "<h2>Nämnder</h2>" in sv and "<h2>Kommuner</h2>" in sv and "<h2>Nämnd</h2>" not in sv
    en = client.get("/?lang=en").text
    section = en[en.index("<h2>Committees</h2>") :]
    names = [html.unescape(n) for n in re.findall(r'<li><a href="/id/organisation/[^"]+">([^<]+)</a></li>', section[: section.index("</section>")])]
    assert len(names) > 3 and names == sorted(names, key=str.casefold)
    assert names != sorted(names, key=lambda n: next(o["label_sv"] for o in views.organisations(state) if o["label_en"] == n).casefold())


def test_no_page_heading_uses_the_times_sign(client: TestClient) -> None:
    for path in ("/", "/gaps", "/id/organisation/huddinge", "/briefing/huddinge", "/strategy"):
        for lang in ("sv", "en"):
            page = client.get(f"{path}?lang={lang}").text
            headings = re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", page, re.S)
            assert not [h for h in headings if "×" in h], (path, lang)


def test_the_intervention_link_of_a_card_and_its_source_exist(client: TestClient, state: ServiceState) -> None:
    page = views.measure_cards(state, "kulturnamnden")
    card = page["groups"][0]["measures"][0]
    assert client.get(f"/id/intervention/{card['id']}").status_code == 200
    assert card["sources"] and all(s.startswith(ID + "source/") for s in card["sources"])


def test_the_network_picture_speaks_the_pages_language(client: TestClient) -> None:
    sv, en = client.get("/network.svg").text, client.get("/network.svg?lang=en").text
    assert i18n.t("network_picture", "sv") in html.unescape(sv) and i18n.t("network_picture", "en") in html.unescape(en)
    assert 'src="/network.svg?lang=en"' in client.get("/network?lang=en").text


# ------------------------------------------------------------------------------ source, evidence and intervention pages
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_source_page_is_a_reference_not_a_property_table(client: TestClient, store: EmbeddedStore, lang: str) -> None:
    page = client.get(f"/id/source/pirkis-2015?lang={lang}").text
    text = text_of(page)
    assert "prism:" not in text and "fabio:" not in text and "rdf:type" not in text
    assert page.count('href="https://doi.org/10.1016/S2215-0366(15)00266-7"') == 1
    assert "Pirkis J" in text and "(2015)" in text and "The Lancet Psychiatry" in text
    assert "hub.hku.hk" in text, "the verification note is shown"
    citing = store.select("SELECT ?e WHERE { ?e <https://w3id.org/mhkg/ontology#citesSource> <https://w3id.org/mhkg/id/source/pirkis-2015> }")
    assert citing
    for r in citing:
        assert r["e"].value.replace(ID, "/id/") in page
    assert 'href="/id/source/pirkis-2015.ttl"' in page


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_an_evidence_page_shows_labels_not_iris(client: TestClient, lang: str) -> None:
    page = client.get(f"/id/evidence/platform-screen-doors--suicide--chung-2016?lang={lang}").text
    text = text_of(page)
    assert "id:certainty/" not in text and "mh:" not in text and "https://w3id.org" not in text
    assert ("Tillförlitlighet: Låg" if lang == "sv" else "Certainty: Low") in text
    assert ("Vad källan mätte" if lang == "sv" else "What the source measured") in text
    assert 'href="/id/intervention/platform-screen-doors?lang=' in page and 'href="/id/source/chung-2016?lang=' in page
    assert 'href="/id/evidence/platform-screen-doors--suicide--chung-2016.ttl"' in page


def test_an_intervention_page_says_who_can_apply_it(client: TestClient, state: ServiceState) -> None:
    doors = client.get("/id/intervention/platform-screen-doors").text
    who = doors[doors.index('id="who"') : doors.index("</section>", doors.index('id="who"'))]
    assert "/id/organisation/trafiknamnden" in who and "/id/organisation/kulturnamnden" not in who
    assert "Kollektivtrafikmyndighet eller trafikföretag" in who and "kuratorns bedömning" in who
    for o in views.organisations(state):
        offered = {m["id"] for m in views.measures(state, o["id"])}
        assert ("/id/organisation/" + o["id"] + "?") in who or "platform-screen-doors" not in offered, o["id"]
    choir = client.get("/id/intervention/community-group-singing").text
    assert "/id/organisation/kulturnamnden" in choir


def test_an_intervention_page_lists_every_finding_whatever_its_effect(client: TestClient, store: EmbeddedStore) -> None:
    rows = store.select(
        "SELECT ?e WHERE { ?e <https://w3id.org/mhkg/ontology#intervention> <https://w3id.org/mhkg/id/intervention/early-childhood-home-visiting> }"
    )
    page = client.get("/id/intervention/early-childhood-home-visiting").text
    assert rows
    for r in rows:
        assert r["e"].value.replace(ID, "/id/") in page


def test_a_text_only_in_english_is_marked_as_english_on_a_swedish_page(client: TestClient) -> None:
    """The verification notes are written in English only: on the Swedish page the note sits in ``lang="en"`` (WCAG 3.1.2),
    on the English page it needs no mark."""
    swedish = client.get("/id/source/kuyken-2022?lang=sv").text
    english = client.get("/id/source/kuyken-2022?lang=en").text
    assert re.search(r'<span lang="en">Checked 2026-11-23 against the PubMed abstract', swedish)
    assert "Checked 2026-11-23 against the PubMed abstract" in english
    assert '<span lang="en">Checked' not in english
