"""The committees' pages in a real headless Chromium (Debian's chromium, driven by Playwright)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

ARTIFACTS = Path(__file__).parents[1] / "artifacts"
CORPUS = Path(__file__).parents[1] / "data" / "validation"
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
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
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    pg = context.new_page()
    yield pg
    context.close()


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
