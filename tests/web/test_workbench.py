"""The researcher's workbench: the SPARQL editor (YASGUI at /query/editor) and /docs (Swagger UI), both from npm
packages that scripts/setup installs into build/node, served by the service itself, asking no other host for anything.

The unit tests read the editor's configuration (the page's JSON block) with a TestClient; the browser tests drive the
real Chromium of harness.browser against a live service, with a log of every request the page makes.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect

from api import vocab
from api.catalogue import catalogue
from api.store import EmbeddedStore
from api.web.app import create_app
from api.web.routers import workbench
from harness.browser import desktop_page
from tests.web.test_browser import browser  # noqa: F401  (the shared Chromium launch, a fixture)

CONFIG = re.compile(r'<script type="application/json" id="workbench-config">(.*?)</script>', re.DOTALL)
EXAMPLE = "evidence-gaps"  # a catalogue query without required parameters, with IRIs in its rows


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> Iterator[TestClient]:
    with TestClient(create_app(store)) as c:
        yield c


def editor_config(client: TestClient, lang: str = "sv") -> dict[str, Any]:
    page = client.get(f"/query/editor?lang={lang}")
    assert page.status_code == 200, page.text
    found = CONFIG.search(page.text)
    assert found, "the page has no #workbench-config block"
    return json.loads(found.group(1))


# ------------------------------------------------------------------------------ the editor's configuration
def test_the_endpoint_is_the_services_own(client: TestClient) -> None:
    config = editor_config(client)
    assert config["endpoint"] == "http://testserver/sparql"
    assert config["base"] == vocab.BASE_IRI


def test_the_prefixes_are_the_projects_read_at_each_request(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    config = editor_config(client)
    assert config["prefixes"] == vocab.PREDECLARED
    assert config["prefixes"]["certainty"] == vocab.ID + "certainty/"  # the individuals' namespaces are among them
    monkeypatch.setitem(vocab.PREDECLARED, "newkind", vocab.ID + "new-kind/")  # as a namespace added to api.vocab
    config = editor_config(client)
    assert config["prefixes"]["newkind"] == vocab.ID + "new-kind/"
    assert f"PREFIX newkind: <{vocab.ID}new-kind/>" in config["start"]["query"]


@pytest.mark.parametrize(("lang", "field"), [("sv", "summary_sv"), ("en", "summary")])
def test_every_catalogue_query_is_a_tab_named_by_its_summary(client: TestClient, lang: str, field: str) -> None:
    tabs = editor_config(client, lang)["tabs"]
    queries = catalogue()
    assert [t["id"] for t in tabs] == [f"catalogue-{name}" for name in queries]
    assert [t["name"] for t in tabs] == [getattr(q, field) or q.summary for q in queries.values()]


def test_the_tabs_have_their_examples_bound_and_parse(client: TestClient) -> None:
    tabs = {t["id"].removeprefix("catalogue-"): t["query"] for t in editor_config(client)["tabs"]}
    for name, q in catalogue().items():
        text = tabs[name]
        for p in q.parameters:
            if p.required:
                assert str(p.term(p.example or "")) in text, f"{name}: {p.name}'s example is not bound"
        ox.Store().query(text)  # parses and evaluates (on an empty store): the tab is ready to run


def test_completion_offers_the_graphs_own_classes_and_properties(client: TestClient, store: EmbeddedStore) -> None:
    config = editor_config(client)
    classes, properties = set(config["classes"]), set(config["properties"])
    assert {vocab.VOCAB + "Committee", vocab.VOCAB + "EvidenceEntry", "http://www.w3.org/2004/02/skos/core#Concept"} <= classes
    assert {vocab.VOCAB + "certainty", "http://www.w3.org/2000/01/rdf-schema#label"} <= properties
    for term in sorted(properties)[:: max(1, len(properties) // 40)]:  # a sample: each is in the graph
        assert store.ask(f"ASK {{ {{ ?s <{term}> ?o }} UNION {{ <{term}> a ?kind }} }}"), term
    assert all(t.startswith(("http://", "https://", "urn:")) for t in classes | properties)


def test_the_page_loads_only_the_services_files(client: TestClient) -> None:
    page = client.get("/query/editor").text
    sources = re.findall(r'<(?:script|link)[^>]* (?:src|href)="([^"]+)"', page)
    assert "/static/vendor/yasgui/yasgui.min.js" in sources and "/static/workbench.js" in sources
    for src in sources:
        assert src.startswith("/static/"), src
        assert client.get(src).status_code == 200, src


def test_the_page_is_in_swedish_by_default_and_english_on_request(client: TestClient) -> None:
    assert "<h1>SPARQL-redigerare</h1>" in client.get("/query/editor").text
    english = client.get("/query/editor?lang=en").text
    assert "<h1>SPARQL editor</h1>" in english and "The query page works without JavaScript" in english
    assert editor_config(client, "en")["texts"] == {"tab": "Query", "editor": "SPARQL query", "endpoint": "SPARQL endpoint"}
    assert editor_config(client)["texts"] == {"tab": "Fråga", "editor": "SPARQL-fråga", "endpoint": "SPARQL-slutpunkt"}


def test_the_query_page_and_the_footer_link_to_the_editor(client: TestClient) -> None:
    query_page = client.get("/query").text
    assert query_page.count('href="/query/editor?lang=sv"') == 2  # the footer's link and the page's own
    assert 'href="/query/editor?lang=sv"' in client.get("/").text


def test_docs_use_the_services_own_swagger_ui(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)=["\']([^"\']+)["\']', page.text)
    assert {"/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/vendor/swagger-ui/swagger-ui.css"} <= set(sources)
    assert not [s for s in sources if "//" in s], "a third-party URL in /docs"
    assert '"validatorUrl": null' in page.text  # no validator badge (it would ask validator.swagger.io)
    assert '<html lang="en">' in page.text
    for src in sources:
        assert client.get(src).status_code == 200, src
    assert client.get("/redoc").status_code == 404  # ReDoc loads from a CDN: not offered


@pytest.mark.parametrize("package", ["YASGUI", "SWAGGER_UI"])
def test_a_missing_package_is_a_503_that_says_how_to_install_it(store: EmbeddedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    missing = dataclasses.replace(getattr(workbench, package), folder=workbench.PACKAGE_ROOT / "build" / "no-such-folder")
    monkeypatch.setattr(workbench, package, missing)
    monkeypatch.setattr(workbench, "PACKAGES", (missing,))
    path = {"YASGUI": "/query/editor", "SWAGGER_UI": "/docs"}[package]
    with TestClient(create_app(store)) as c:
        for lang, words in [("sv", "Kör scripts/setup"), ("en", "Run scripts/setup")]:
            answer = c.get(f"{path}?lang={lang}", headers={"Accept": "text/html"})
            assert answer.status_code == 503
            assert words in answer.text and missing.name in answer.text and "build/no-such-folder" in answer.text
        assert c.get(f"{missing.path}/{missing.files[0]}").status_code == 404  # its files: not found, not a server error


def test_the_served_packages_are_the_versions_the_set_up_pins() -> None:
    """scripts/setup installs build/node's packages in one npm command with pinned versions (a second
    ``npm install --no-save`` would remove the first's): what the service serves is what it pins."""
    setup = (workbench.PACKAGE_ROOT / "scripts" / "setup").read_text(encoding="utf-8")
    line = re.search(r"^NODE_PACKAGES=\((.*)\)$", setup, re.MULTILINE)
    assert line, "scripts/setup has no NODE_PACKAGES=(…) line"
    pins = dict(spec.rsplit("@", 1) for spec in line.group(1).split())
    assert {"axe-core", *(p.name for p in workbench.PACKAGES)} <= set(pins)
    assert len(re.findall(r"^\s*npm install ", setup, re.MULTILINE)) == 1  # one command installs them all
    for name, version in pins.items():
        installed = json.loads((workbench.NODE_MODULES / name / "package.json").read_text(encoding="utf-8"))["version"]
        assert installed == version, f"{name} {installed} is installed, scripts/setup pins {version}: run scripts/setup"


# ------------------------------------------------------------------------------ in the browser
@pytest.fixture()
def scripted(browser: Browser) -> Iterator[Page]:  # noqa: F811
    with desktop_page(browser, javascript=True) as pg:
        yield pg


def record(page: Page) -> list[str]:
    """Every URL the page (and what it opens) asks for, from now on."""
    requests: list[str] = []
    page.context.on("request", lambda r: requests.append(r.url))
    return requests


def foreign(requests: list[str], server: str) -> list[str]:
    own = urlsplit(server).netloc
    return sorted({r for r in requests if urlsplit(r).scheme not in ("data", "blob") and urlsplit(r).netloc != own})


def test_a_catalogue_tab_runs_and_its_iris_link_to_their_pages(scripted: Page, live_server: str, store: EmbeddedStore) -> None:
    requests = record(scripted)
    scripted.goto(live_server + "/query/editor")
    query = catalogue()[EXAMPLE]
    scripted.get_by_role("tab", name=query.summary_sv).click()
    panel = scripted.locator(".tabPanel.active")
    expect(panel.locator(".CodeMirror-code")).to_contain_text("certainty:low")
    panel.locator(".yasqe_queryButton").click()
    rows = panel.locator(".yasr table.dataTable tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() == len(store.select(query.bind({})))
    first = panel.locator(".yasr a.iri").first
    shown = first.inner_text()  # YASR writes it short, with the tab's prefixes (setting:digital)
    prefix, _, local = shown.partition(":")
    iri = vocab.PREDECLARED[prefix] + local if prefix in vocab.PREDECLARED else shown
    assert iri.startswith(vocab.ID), shown
    assert first.get_attribute("href") == "/" + iri.removeprefix(vocab.BASE_IRI)  # our IRI, on this host
    opened = scripted.goto(live_server + (first.get_attribute("href") or ""))  # (YASR's first click on a cut cell widens it)
    assert opened is not None and opened.status == 200
    expect(scripted.get_by_role("heading", level=1)).to_be_visible()
    assert any(urlsplit(r).path == "/sparql" for r in requests), "the query did not go to the service's endpoint"
    assert any(urlsplit(r).path == "/static/vendor/yasgui/yasgui.min.js" for r in requests)
    assert not foreign(requests, live_server), f"requests to other hosts: {foreign(requests, live_server)}"


def test_completion_is_the_projects_own_and_asks_no_other_host(scripted: Page, live_server: str) -> None:
    requests = record(scripted)
    scripted.goto(live_server + "/query/editor?lang=en")
    enabled = scripted.evaluate("() => window.mhkgYasgui.getTab().getYasqe().config.autocompleters")
    assert enabled == ["variables", "mhkg-prefixes", "mhkg-classes", "mhkg-properties"]
    registered = scripted.evaluate("() => Object.keys(Yasgui.Yasqe.Autocompleters).sort()")
    assert not {"class", "property", "prefixes"} & set(registered), registered  # YASQE's own (LOV, prefix.cc's list) are gone
    hints = scripted.locator(".CodeMirror-hints li")
    for text, wanted in [
        ("PREFIX mh: <" + vocab.VOCAB + ">\nSELECT * WHERE { ?x a mh:Commi", "mh:Committee"),
        ("PREFIX mh: <" + vocab.VOCAB + ">\nSELECT * WHERE { ?x mh:certaintyR", "mh:certaintyRank"),
        ("PREFIX ", "mh: <" + vocab.VOCAB + ">"),
    ]:
        scripted.evaluate(
            "(text) => { const y = window.mhkgYasgui.getTab().getYasqe(); y.setValue(text); y.focus(); y.setCursor(y.lastLine(), 1000); return 1 }", text
        )
        scripted.keyboard.press("Control+Space")
        expect(hints.first).to_be_visible()
        assert wanted in hints.all_inner_texts()
        scripted.keyboard.press("Escape")
    scripted.wait_for_load_state("networkidle")
    assert not foreign(requests, live_server), f"requests to other hosts: {foreign(requests, live_server)}"


def test_the_add_tab_button_adds_a_tab_to_the_tab_list(scripted: Page, live_server: str) -> None:
    """YASGUI's "+" is moved out of the tab list (whose children must be tabs): it must still add a tab, into the list."""
    scripted.goto(live_server + "/query/editor")
    tabs = scripted.get_by_role("tablist").get_by_role("tab")
    before = tabs.count()
    assert before == 1 + len(catalogue())
    scripted.get_by_role("button", name="Add a new tab").click()
    expect(tabs).to_have_count(before + 1)
    expect(tabs.last).to_have_attribute("aria-selected", "true")
    expect(tabs.last).to_contain_text("Fråga")
    panel = tabs.last.get_attribute("aria-controls")
    assert panel and scripted.locator(f"[id='{panel}']").count() == 1  # it names its panel, which exists


def test_a_permalink_opens_and_runs_its_query(scripted: Page, live_server: str) -> None:
    scripted.goto(live_server + "/query/editor?lang=en")
    query = catalogue()["intervention-evidence"]
    scripted.get_by_role("tab", name=query.summary).click()
    link = scripted.evaluate("() => window.mhkgYasgui.getTab().getShareableLink()")
    assert link.startswith(live_server + "/query/editor?lang=en#")
    other = scripted.context.new_page()
    requests = record(other)
    other.goto(link)
    panel = other.locator(".tabPanel.active")
    expect(panel.locator(".yasr table.dataTable tbody tr").first).to_be_visible()  # run on opening
    expect(other.get_by_role("tab", name=query.summary, selected=True)).to_be_visible()
    expect(panel.locator(".CodeMirror-code")).to_contain_text("housing-first")
    expect(other.get_by_role("tab", name=query.summary)).to_have_count(1)  # not a second time among the catalogue's
    assert not foreign(requests, live_server), f"requests to other hosts: {foreign(requests, live_server)}"


def test_docs_render_every_operation_offline(scripted: Page, live_server: str) -> None:
    requests = record(scripted)
    scripted.goto(live_server + "/docs")
    expect(scripted.locator(".opblock").first).to_be_visible()
    spec = json.loads(scripted.context.request.get(live_server + "/openapi.json").text())
    operations = sum(len([m for m in ops if m in ("get", "post", "put", "delete", "patch")]) for ops in spec["paths"].values())
    expect(scripted.locator(".opblock")).to_have_count(operations)
    expect(scripted.locator(".opblock-summary-path").first).to_be_visible()
    scripted.wait_for_load_state("networkidle")
    assert any(urlsplit(r).path == "/static/vendor/swagger-ui/swagger-ui-bundle.js" for r in requests)
    assert not foreign(requests, live_server), f"requests to other hosts: {foreign(requests, live_server)}"


def test_the_editors_path_is_no_catalogue_querys_form(client: TestClient) -> None:
    from api.catalogue import catalogue

    assert "editor" not in catalogue()  # /query/{name} would then hide the editor, or the editor the form
    assert "yasgui" in client.get("/query/editor").text.lower()
    assert client.get("/query/cost-figures").status_code == 200
