"""The committees' pages in a real headless Chromium (Debian's chromium, driven by Playwright)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from harness.browser import FLAGS, desktop_page
from harness.browser import chromium_path as installed_chromium

ARTIFACTS = Path(__file__).parents[1] / "artifacts"
CORPUS = Path(__file__).parents[1] / "data" / "validation"


def chromium_path() -> str:
    path = installed_chromium()
    if not path:
        pytest.fail("Chromium is not installed (scripts/setup installs Debian's chromium)")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=FLAGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    with desktop_page(browser, javascript=False) as pg:
        yield pg


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_choose_an_organisation_and_see_its_measures(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.get_by_role("combobox", name="Välj din organisation").select_option(label="Trafiknämnden")
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trafiknämnden")
    expect(page.get_by_role("heading", name="Insatser med stöd i forskningen")).to_be_visible()
    expect(page.get_by_role("link", name="Fysiska hinder på platser där suicid ofta sker").first).to_be_visible()
    expect(page.locator(".badge.certainty-moderate").first).to_contain_text("Måttlig")
    expect(page.locator(".why").first).to_contain_text(
        "Ni kan genomföra insatsen som kollektivtrafikmyndighet eller trafikföretag, för unga och vuxna i kollektivtrafiken"
    )
    shot(page, "organisation-sv")


def test_switch_language(page: Page, live_server: str) -> None:
    page.goto(live_server + "/id/organisation/trafiknamnden")
    page.get_by_role("link", name="In English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Measures with research evidence")).to_be_visible()
    expect(page.get_by_role("link", name="Means restriction at suicide hotspots").first).to_be_visible()
    shot(page, "organisation-en")


def test_run_a_catalogue_query_and_see_rows(page: Page, live_server: str) -> None:
    page.goto(live_server + "/query")
    page.get_by_role("link", name="Evidensluckor – vardagsmiljöer × livsskeden utan evidens på eller över en viss tillförlitlighet").click()
    expect(page.get_by_role("heading", name="Resultat (32 rader)")).to_be_visible()
    page.get_by_role("textbox", name="SPARQL-fråga").fill("SELECT ?m WHERE { ?m a mh:Municipality } ORDER BY ?m")
    page.get_by_role("button", name="Kör").click()
    expect(page.get_by_role("heading", name="Resultat (26 rader)")).to_be_visible()
    expect(page.locator("table.results tbody tr")).to_have_count(26)
    shot(page, "query")


def test_paste_an_invalid_entry_and_see_the_violation(page: Page, live_server: str) -> None:
    page.goto(live_server + "/curation")
    page.get_by_label("Post (Turtle)").fill((CORPUS / "invalid" / "two-certainties.ttl").read_text())
    page.get_by_role("button", name="Kontrollera").click()
    expect(page.get_by_role("heading", name="Posten uppfyller inte kraven.")).to_be_visible()
    expect(page.locator("tr.severity-violation")).to_contain_text("Ange exakt en GRADE-nivå")
    shot(page, "curation")


def test_gap_map_and_keyboard_navigation(page: Page, live_server: str) -> None:
    page.goto(live_server + "/gaps")
    expect(page.locator("table.gapmap td.gap").first).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    shot(page, "gaps")


# ------------------------------------------------------------------------------ an official's page at a glance
def test_the_summary_and_one_card_per_measure(page: Page, live_server: str) -> None:
    page.goto(live_server + "/id/organisation/huddinge")
    summary = page.get_by_role("region", name="Sammanfattning")
    expect(summary).to_contain_text("insatser med stöd i forskningen passar ert ansvar")
    cards = page.locator("li.measure h4 a")
    hrefs = [cards.nth(i).get_attribute("href") for i in range(cards.count())]
    assert hrefs and len(hrefs) == len(set(hrefs)), "a measure has more than one card"
    count = int(summary.inner_text().split(" insatser")[0].split()[-1])
    assert count == len(hrefs)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 25_000, f"the page is {height} px long"
    shot(page, "organisation-huddinge-sv")


def test_the_filters_change_the_list(page: Page, live_server: str) -> None:
    page.goto(live_server + "/id/organisation/huddinge")
    before = page.locator("li.measure").count()
    page.get_by_label("Livsskede").select_option(label="Barn")
    page.get_by_label("Lägsta tillförlitlighet").select_option(label="Måttlig")
    page.locator("form.filters").get_by_role("button", name="Visa").click()
    expect(page).to_have_url(re.compile(r"life_stage=children.*min_certainty=moderate"))
    after = page.locator("li.measure")
    assert 0 < after.count() < before
    for i in range(after.count()):
        expect(after.nth(i).locator(".tag", has_text="Barn")).to_have_count(1)
        expect(after.nth(i).locator(".badge")).to_contain_text(re.compile("Måttlig|Hög"))
    expect(page.get_by_label("Livsskede")).to_have_value("children")
    page.get_by_role("link", name="Visa alla").click()
    expect(page.locator("li.measure")).to_have_count(before)


def test_the_briefing_prints_on_two_a4_pages_for_trafiknamnden(page: Page, live_server: str) -> None:
    page.goto(live_server + "/briefing/trafiknamnden")
    expect(page.get_by_role("heading", level=1)).to_have_text("Trafiknämnden")
    expect(page.locator("article.briefing")).to_contain_text("Dataversion")
    pdf = page.pdf(format="A4")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "briefing-trafiknamnden.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 2, f"{pages} A4 pages"
    page.emulate_media(media="print")
    shot(page, "briefing-sv")


def test_a_municipality_briefing_prints_on_at_most_four_a4_pages(page: Page, live_server: str) -> None:
    page.goto(live_server + "/briefing/huddinge")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", page.pdf(format="A4")))
    assert 1 <= pages <= 4, f"{pages} A4 pages"


def test_huddinge_shows_its_consultation_points(page: Page, live_server: str) -> None:
    page.goto(live_server + "/id/organisation/huddinge")
    expect(page.get_by_role("heading", name="Remissvar på strategin")).to_be_visible()
    expect(page.locator("ol.points > li")).to_have_count(5)
    expect(page.locator("ol.points")).to_contain_text("Kommunernas del och ansvar är vagt formulerat")


def test_search_for_mobbning_finds_the_anti_bullying_measures(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    page.get_by_role("searchbox").fill("mobbning")
    page.get_by_role("button", name="Sök").click()
    results = page.locator("section.search-results")
    expect(results.get_by_role("link", name="Skolbaserat antimobbningsprogram")).to_be_visible()
    expect(results.get_by_role("link", name="KiVa – antimobbningsprogram")).to_be_visible()
    results.get_by_role("link", name="Skolbaserat antimobbningsprogram").click()
    expect(page).to_have_url(re.compile("/id/intervention/anti-bullying-programme"))


def test_a_broken_link_gives_a_swedish_page_with_navigation(page: Page, live_server: str) -> None:
    response = page.goto(live_server + "/id/organisation/finns-inte")
    assert response is not None and response.status == 404
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sidan finns inte")
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_be_visible()
    page.get_by_role("link", name="Start").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kunskapsgraf för psykisk hälsa")
