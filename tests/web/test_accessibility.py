"""Every page type, in Swedish and English, in the real Chromium of the browser tests: nothing scrolls sideways on a
390 px wide phone, axe-core finds no serious or critical violation, and no page asks any other host for anything.

axe-core is installed from the npm registry by ``scripts/setup`` into ``build/node`` (git-ignored, never committed).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page

from tests.web.test_browser import browser  # noqa: F401  (the shared Chromium launch, a fixture)

AXE = Path(__file__).parents[2] / "build" / "node" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
NOT_FOUND = "/id/organisation/no-such-organisation"

# One page of every type: path, test id.
PAGES = [
    ("/", "start"),
    ("/?q=skola", "start-search"),
    ("/id/organisation/trafiknamnden", "organisation-committee"),
    ("/id/organisation/huddinge", "organisation-municipality"),
    ("/briefing/trafiknamnden", "briefing"),
    ("/id/intervention/housing-first", "intervention"),
    ("/id/source/durlak-2011", "source"),
    ("/id/evidence/housing-first--housing-stability--baxter-2019", "evidence"),
    ("/gaps", "gaps"),
    ("/strategy", "strategy"),
    ("/network", "network"),
    ("/query", "query"),
    ("/query?example=committee-measures", "query-example"),
    ("/query/editor", "editor"),
    ("/query/committee-measures?org=https%3A%2F%2Fw3id.org%2Fmhkg%2Fid%2Forganisation%2Ftrafiknamnden", "query-form"),
    ("/curation", "curation"),
    ("/curation/school-sel--school-results--durlak-2011", "review"),
    ("/ontology", "ontology"),
    ("/shapes", "shapes"),
    ("/id/scheme/settings", "concept-scheme"),
    (NOT_FOUND, "not-found"),
]
CASES = [pytest.param(path, lang, id=f"{name}-{lang}") for path, name in PAGES for lang in ("sv", "en")]

# The widest elements sticking out past the right edge of the viewport, for the failure message.
WIDEST = """() => {
  const w = window.innerWidth;
  return [...document.querySelectorAll('body *')]
    .map(e => [e, e.getBoundingClientRect()])
    .filter(([e, r]) => r.right > w + 0.5 && r.width > 0)
    .sort((a, b) => b[1].right - a[1].right)
    .slice(0, 8)
    .map(([e, r]) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}`
      + `${e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : ''}`
      + ` (right edge ${Math.round(r.right)} px): ${(e.textContent || '').trim().slice(0, 60)}`);
}"""


def url(server: str, path: str, lang: str) -> str:
    return f"{server}{path}{'&' if '?' in path else '?'}lang={lang}"


@pytest.fixture()
def phone(browser: Browser) -> Iterator[Page]:  # noqa: F811
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def scripted(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:  # noqa: F811
    """A page with JavaScript on, which axe needs (the pages themselves have no script), at desktop and at phone width:
    a table that scrolls inside itself on a phone must still be reachable by keyboard."""
    context = browser.new_context(viewport=request.param, java_script_enabled=True)
    pg = context.new_page()
    yield pg
    context.close()


def open_page(page: Page, server: str, path: str, lang: str) -> None:
    response = page.goto(url(server, path, lang))
    assert response is not None
    if path == NOT_FOUND:
        assert response.status == 404
        assert response.headers.get("content-type", "").startswith("text/html")
    else:
        assert response.status == 200, f"{path}: {response.status}"
    assert page.locator("html").get_attribute("lang") == lang


@pytest.mark.parametrize(("path", "lang"), CASES)
def test_nothing_scrolls_sideways_on_a_phone(phone: Page, live_server: str, path: str, lang: str) -> None:
    open_page(phone, live_server, path, lang)
    scroll_width, inner_width = phone.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if scroll_width > inner_width:
        widest = "\n  ".join(phone.evaluate(WIDEST))
        pytest.fail(f"{path} ({lang}) is {scroll_width} px wide at a {inner_width} px viewport; sticking out:\n  {widest}")


@pytest.mark.parametrize(("path", "lang"), CASES)
def test_axe_finds_no_serious_violation(scripted: Page, live_server: str, path: str, lang: str) -> None:
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed at {AXE} (scripts/setup installs it)")
    open_page(scripted, live_server, path, lang)
    scripted.add_script_tag(path=str(AXE))
    violations = scripted.evaluate("async () => (await axe.run(document)).violations")
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    lines = [f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:6]}" for v in serious]
    assert not serious, f"{path} ({lang}):\n  " + "\n  ".join(lines)


@pytest.mark.parametrize("scripted", [DESKTOP], ids=["desktop"], indirect=True)
def test_no_page_asks_another_host(scripted: Page, live_server: str) -> None:
    """With JavaScript on, every page's requests (styles, images, fonts, anything) go to the service itself."""
    own = urlsplit(live_server).netloc
    requests: list[str] = []
    scripted.on("request", lambda r: requests.append(r.url))
    for path, _ in PAGES:
        for lang in ("sv", "en"):
            scripted.goto(url(live_server, path, lang))
            scripted.wait_for_load_state("networkidle")
    assert len(requests) >= 2 * len(PAGES)  # the recorder records: at least every document itself
    assert any(urlsplit(r).path == "/static/site.css" for r in requests)
    foreign = sorted({r for r in requests if urlsplit(r).scheme not in ("data", "blob") and urlsplit(r).netloc != own})
    assert not foreign, f"requests to other hosts: {foreign}"
