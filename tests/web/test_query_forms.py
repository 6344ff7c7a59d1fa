"""One form per catalogue query (``/query/{name}``): controls made from the typed parameters, the concepts and the
organisations by name from the graph, the permalink, the SPARQL text, linked results, downloads, and bilingual
refusals of bad values (never a 500)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import urllib.parse

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.catalogue import catalogue
from api.store import EmbeddedStore
from api.vocab import ID
from api.web.app import create_app

ORG = ID + "organisation/trafiknamnden"


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> TestClient:
    return TestClient(create_app(store))


def control(page: str, name: str) -> str:
    """The markup of one parameter's control (its <select> with the options, or its <input>)."""
    found = re.search(rf'<select id="p-{re.escape(name)}".*?</select>|<input id="p-{re.escape(name)}"[^>]*>', page, re.S)
    assert found, f"no control for {name}"
    return found.group(0)


OPTION = re.compile(r'<option value="([^"]*)"( selected)?>([^<]*)</option>')


def options(page: str, name: str) -> list[tuple[str, str, bool]]:
    """A <select>'s options: value, label, whether chosen."""
    return [(html.unescape(v), html.unescape(label), bool(sel)) for v, sel, label in OPTION.findall(control(page, name))]


@pytest.mark.parametrize("name", sorted(catalogue()))
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_catalogue_query_has_a_form(client: TestClient, name: str, lang: str) -> None:
    r = client.get(f"/query/{name}", params={"lang": lang})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    q = catalogue()[name]
    for p in q.parameters:
        assert f'name="{p.name}"' in r.text
    assert f'action="/query/{name}"' in r.text and 'method="get"' in r.text
    text = html.unescape(r.text)
    assert "<details><summary>" in r.text and q.text.splitlines()[-1] in text
    assert f"<h1>{q.summary_sv if lang == 'sv' else q.summary}</h1>" in text


def test_the_query_page_links_every_example_to_its_form(client: TestClient) -> None:
    page = client.get("/query").text
    for name in catalogue():
        assert f'href="/query/{name}?lang=sv"' in page and f"example={name}" in page


def test_enumerations_are_choices_with_the_concepts_labels_and_the_default_chosen(client: TestClient) -> None:
    sv = client.get("/query/committee-measures").text
    en = client.get("/query/committee-measures", params={"lang": "en"}).text
    certainty_sv, certainty_en = options(sv, "min_certainty"), options(en, "min_certainty")
    assert [v for v, _, _ in certainty_sv] == ["high", "moderate", "low", "very-low"]  # the header's order; a default: no empty choice
    assert [label for _, label, _ in certainty_sv] == ["Hög", "Måttlig", "Låg", "Mycket låg"]
    assert [label for _, label, _ in certainty_en][0] == "High"
    assert [v for v, _, chosen in certainty_sv if chosen] == ["very-low"]  # the default
    settings = dict((v, label) for v, label, _ in options(sv, "setting"))
    assert settings[""] == "(alla)" and settings["compulsory-school"] == "Grundskola"  # optional without default: "any" first


def test_organisations_are_chosen_by_name_in_order(client: TestClient) -> None:
    page = client.get("/query/committee-measures").text
    orgs = options(page, "org")
    assert orgs[0] == ("", "(välj)", False) and "required" in control(page, "org")
    names = [label for _, label, _ in orgs[1:]]
    assert len(names) > 40 and "Trafiknämnden" in names and "Huddinge kommun" in names
    assert names.index("Trafiknämnden") > names.index("Huddinge kommun")  # sorted by name
    assert all(v.startswith(ID + "organisation/") for v, _, _ in orgs[1:])


def test_integers_and_dates_get_their_input_types(client: TestClient) -> None:
    page = client.get("/query/entries-older-than").text
    years = control(page, "years")
    assert 'type="number"' in years and 'step="1"' in years and "required" in years
    assert "(obligatorisk)" in page


def test_a_required_value_missing_runs_nothing_and_asks_for_it(client: TestClient) -> None:
    r = client.get("/query/committee-measures")
    assert r.status_code == 200 and 'class="results"' not in r.text and "Fyll i de obligatoriska fälten" in r.text


def test_the_form_runs_and_links_the_results(client: TestClient) -> None:
    r = client.get("/query/committee-measures", params={"org": ORG, "min_certainty": "moderate", "run": "1"})
    assert r.status_code == 200 and 'class="results"' in r.text
    assert [v for v, _, chosen in options(r.text, "org") if chosen] == [ORG]
    assert [v for v, _, chosen in options(r.text, "min_certainty") if chosen] == ["moderate"]
    first_row = r.text.split("<tbody><tr>", 1)[1].split("</tr>", 1)[0]
    link = re.search(r'<td><a href="(/id/intervention/[^"]+)">([^<]+)</a></td>', first_row)
    assert link, first_row[:500]
    assert not link.group(2).startswith("id:")  # the label the row carries, not the IRI
    assert "https://w3id.org/mhkg/id/" not in re.sub(r'value="[^"]*"', "", r.text.split("<tbody>", 1)[1])  # every IRI is a local link
    assert client.get(link.group(1)).status_code == 200


def test_the_permalink_is_the_get_url_and_gives_the_same_page(client: TestClient) -> None:
    r = client.get("/query/committee-measures", params={"org": ORG, "min_certainty": "moderate", "run": "1", "lang": "en"})
    permalink = html.unescape(re.search(r'id="permalink" type="text" readonly value="([^"]+)"', r.text).group(1))
    parts = urllib.parse.urlsplit(permalink)
    assert parts.path == "/query/committee-measures"
    assert urllib.parse.parse_qs(parts.query) == {"lang": ["en"], "org": [ORG], "min_certainty": ["moderate"]}
    again = client.get(parts.path + "?" + parts.query)
    assert again.status_code == 200 and again.text.count("<tr>") == r.text.count("<tr>")


def test_the_downloads_give_the_same_rows_as_the_page_and_the_api(client: TestClient) -> None:
    page = client.get("/query/committee-measures", params={"org": ORG}).text
    links = {f: html.unescape(h) for h, f in re.findall(r'<a href="([^"]+)" download>(CSV|TSV|JSON)</a>', page)}
    assert set(links) == {"CSV", "TSV", "JSON"}
    rows = page.split("<tbody>", 1)[1].count("<tr>")
    as_csv = client.get(links["CSV"])
    assert as_csv.headers["content-type"].startswith("text/csv") and "attachment" in as_csv.headers["content-disposition"]
    assert len(list(csv.reader(io.StringIO(as_csv.text)))) == rows + 1
    assert client.get(links["TSV"]).text.count("\n") == rows + 1
    answer = client.get(links["JSON"]).json()
    api = client.get("/api/v1/queries/committee-measures", params={"org": ORG}).json()
    assert len(answer["results"]["bindings"]) == rows and answer == api


@pytest.mark.parametrize(
    ("params", "sv", "en"),
    [
        pytest.param({"years": "ten"}, "”ten” i fältet ”Antal år” är inget heltal.", "“ten” in “Number of years” is not a whole number.", id="not-an-integer"),
        pytest.param({"years": "", "run": "1"}, "Fyll i ”Antal år”: fältet är obligatoriskt.", "Fill in “Number of years”: it is required.", id="required"),
    ],
)
def test_bad_values_are_refused_on_the_page_in_its_language(client: TestClient, params: dict[str, str], sv: str, en: str) -> None:
    for lang, said, other in (("sv", sv, en), ("en", en, sv)):
        r = client.get("/query/entries-older-than", params={**params, "lang": lang})
        text = html.unescape(r.text)
        assert r.status_code == 422 and said in text and other not in text and 'class="results"' not in r.text
        assert 'aria-invalid="true"' in control(r.text, "years")


@pytest.mark.parametrize(
    ("name", "params"),
    [
        pytest.param("committee-measures", {"org": "not an iri"}, id="org-not-an-iri"),
        pytest.param("committee-measures", {"org": ORG, "setting": "moon"}, id="not-a-choice"),
        pytest.param("committee-measures", {"org": ORG, "min_certainty": "<x>"}, id="markup"),
        pytest.param("entry-history", {"entry": "javascript:alert(1)"}, id="a-scheme-as-iri"),
    ],
)
def test_no_value_makes_a_server_error(client: TestClient, name: str, params: dict[str, str]) -> None:
    r = client.get(f"/query/{name}", params=params)
    assert r.status_code in (200, 422), (r.status_code, r.text[:300])
    assert "<x>" not in r.text  # what the visitor sent is escaped
    download = client.get(f"/query/{name}.csv", params=params)
    assert download.status_code in (200, 422)


@pytest.mark.parametrize("raw", ["org=%ED%B3%BF", "org=%FF%FE", "years=%00"])
def test_bytes_that_are_no_text_make_no_server_error(client: TestClient, raw: str) -> None:
    for name in ("committee-measures", "entries-older-than"):
        assert client.get(f"/query/{name}?{raw}").status_code in (200, 422)
        assert client.get(f"/query/{name}.csv?{raw}").status_code in (200, 422)


def test_an_unknown_query_or_format_is_a_404_page(client: TestClient) -> None:
    assert client.get("/query/no-such-query").status_code == 404
    assert client.get("/query/evidence-gaps.xlsx").status_code == 404


def test_json_download_is_sparql_results(client: TestClient) -> None:
    r = client.get("/query/evidence-gaps.json")
    assert r.status_code == 200 and json.loads(r.text)["head"]["vars"][0] == "setting"


VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["<x>", '"', "'", "%", "\\", "{}", "}", "?x", "javascript:x", "a b", "\u0000", "1e9", "-0", "2024-02-30", "\U0001f600"]),
    st.builds(str.__add__, st.sampled_from([ID + "organisation/", ID + "setting/", "https://example.org/", "urn:x:", "http:", ""]), st.text(max_size=12)),
    st.from_regex(r"[+-]?[0-9]{1,22}(\.[0-9]{0,3})?", fullmatch=True),
)


@given(data=st.data())
@settings(max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_forms_never_fail_on_arbitrary_values(client: TestClient, data: st.DataObject) -> None:
    """Any value for any parameter of any query: the page and its download answer, never with a server error."""
    q = catalogue()[data.draw(st.sampled_from(sorted(n for n, q in catalogue().items() if q.parameters)))]
    params = {p.name: data.draw(VALUES) for p in q.parameters if data.draw(st.booleans())}
    page = client.get(f"/query/{q.name}", params=params)
    assert page.status_code in (200, 422), (q.name, params, page.status_code, page.text[:300])
    download = client.get(f"/query/{q.name}.tsv", params=params)
    assert download.status_code in (200, 422), (q.name, params, download.status_code, download.text[:300])
    if any(v.strip() for v in params.values()):  # (a first visit with nothing given is the empty form, 200, where the download lacks its values)
        assert (page.status_code == 422) == (download.status_code == 422), (q.name, params)  # both take the same values
