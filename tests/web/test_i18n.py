"""One catalogue of interface text: complete in both languages, every key asked for exists and every key is
used, no template branches on the language, and the pages speak the language they were asked in."""

from __future__ import annotations

import ast
import html
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jinja2 import nodes

from api import i18n
from api.catalogue.certainty import certainty_scale
from api.knowledge.loader import parse_file
from api.store import EmbeddedStore
from api.web.app import create_app
from api.web.render import TEMPLATES, environment

API = Path(__file__).resolve().parents[2] / "api"


def certainty_names() -> dict[str, tuple[str, str]]:
    """The certainty levels' names, (Swedish, English) by code: the graph's certainty scheme, as the pages read it."""
    store = EmbeddedStore()
    store.add_triples(parse_file(API.parent / "ontology" / "vocabularies" / "certainty.ttl"))
    return {level.code: (level.labels.get("sv", ""), level.labels.get("en", "")) for level in certainty_scale(store)}


TABLES = {"TEXTS": i18n.TEXTS, "CERTAINTY": certainty_names(), "KINDS": i18n.KINDS, "MESSAGES": i18n.MESSAGES}
LOOKUPS = {"t", "text_map"}  # the catalogue's functions that take a key of TEXTS
PASS_THROUGH = {("api/web/render.py", "_t")}  # the templates' t(): its keys are checked in the templates


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> TestClient:
    return TestClient(create_app(store))


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def templates() -> dict[str, nodes.Template]:
    env = environment()
    return {p.name: env.parse(p.read_text(encoding="utf-8")) for p in sorted(TEMPLATES.glob("*.html"))}


def template_lookups(tree: nodes.Template) -> Iterator[nodes.Call]:
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name in LOOKUPS:
            yield call


def code_lookups() -> Iterator[tuple[str, ast.Call]]:
    """Every call of ``t``/``text_map`` in the package outside the catalogue itself and the templates' ``t``."""
    for path in sorted(API.rglob("*.py")):
        module = path.relative_to(API.parent).as_posix()
        if path.is_relative_to(API / "i18n"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        passed = {n for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and (module, f.name) in PASS_THROUGH for n in ast.walk(f)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node not in passed:
                name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr if isinstance(node.func, ast.Attribute) else None
                if name in LOOKUPS:
                    yield f"{module}:{node.lineno}", node


def language_branches(tree: nodes.Template) -> list[str]:
    """Where a template does anything with ``lang`` but print it (a comparison, a condition, a look-up …)."""
    found: list[str] = []

    def walk(node: nodes.Node, parent: nodes.Node | None) -> None:
        if isinstance(node, nodes.Name) and node.name in ("lang", "other_lang") and not isinstance(parent, nodes.Output):
            found.append(f"line {node.lineno}: {type(parent).__name__}")
        for child in node.iter_child_nodes():
            walk(child, node)

    walk(tree, None)
    return found


# ---------------------------------------------------------------------------- the catalogue
@pytest.mark.parametrize("table", TABLES)
def test_every_key_has_swedish_and_english_with_the_same_placeholders(table: str) -> None:
    for key, pair in TABLES[table].items():
        assert isinstance(pair, tuple) and len(pair) == 2, f"{table}[{key!r}] is not a (Swedish, English) pair"
        sv, en = pair
        assert isinstance(sv, str) and sv.strip(), f"{table}[{key!r}] has no Swedish text"
        assert isinstance(en, str) and en.strip(), f"{table}[{key!r}] has no English text"
        assert placeholders(sv) == placeholders(en), f"{table}[{key!r}]: the languages fill in different values"


def test_every_key_a_template_asks_for_exists_with_its_values() -> None:
    asked = 0
    for name, tree in templates().items():
        for call in template_lookups(tree):
            assert call.args and isinstance(call.args[0], nodes.Const), f"{name} line {call.lineno}: t() with a computed key"
            key = call.args[0].value
            assert key in i18n.TEXTS, f"{name} line {call.lineno}: no text {key!r} in the catalogue"
            given = {kw.key for kw in call.kwargs}
            assert given == placeholders(i18n.TEXTS[key][0]), f"{name} line {call.lineno}: {key!r} is given {sorted(given)}"
            asked += 1
    assert asked > 50, "the templates' t() calls were not found"


def test_every_key_the_code_asks_for_exists() -> None:
    for where, call in code_lookups():
        assert call.args and isinstance(call.args[0], ast.Constant), f"{where}: a computed key (the catalogue cannot be checked)"
        assert call.args[0].value in i18n.TEXTS, f"{where}: no text {call.args[0].value!r} in the catalogue"


def test_every_text_of_the_catalogue_is_used() -> None:
    used = {call.args[0].value for tree in templates().values() for call in template_lookups(tree)}
    used |= {call.args[0].value for _, call in code_lookups()}
    assert not sorted(set(i18n.TEXTS) - used), "texts no page, picture or message uses"


# ---------------------------------------------------------------------------- the templates
def test_no_template_compares_the_language() -> None:
    for path in sorted(TEMPLATES.glob("*.html")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\blang\s*[!=]=|[!=]=\s*lang\b", text), f"{path.name} branches on the language"


def test_templates_only_print_the_language() -> None:
    branches = {name: found for name, tree in templates().items() if (found := language_branches(tree))}
    assert not branches, f"language branches in templates: {branches}"


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'Hej' if lang == 'sv' else 'Hello' }}",
        "{% if lang != 'en' %}Hej{% endif %}",
        "{{ names.get(lang) }}",
        "{{ org['label_' ~ lang] }}",
    ],
)
def test_a_language_branch_would_be_seen(source: str) -> None:
    assert language_branches(environment().parse(source))


# ---------------------------------------------------------------------------- the pages
def cost_items(page: str, lang: str) -> list[str]:
    heading = f"<h2>{i18n.t('costs', lang)}</h2>"
    assert heading in page, f"no cost section headed {heading}"
    section = page.split(heading, 1)[1].split("</ul>", 1)[0]
    return re.findall(r"<li>(.*?)</li>", section)


def test_the_strategy_shows_the_cost_figures_in_the_page_language(client: TestClient, store: EmbeddedStore) -> None:
    rows = store.select("""SELECT ?c ?sv ?en ?amount ?min ?max WHERE { ?c a mh:CostEstimate ; rdfs:label ?sv , ?en .
        FILTER(LANG(?sv) = "sv" && LANG(?en) = "en") OPTIONAL { ?c mh:amount ?amount } OPTIONAL { ?c mh:minAmount ?min ; mh:maxAmount ?max } }""")
    assert len(rows) >= 3, "the strategy's cost figures were not found in the graph"
    for lang, other in (("sv", "en"), ("en", "sv")):
        page = html.unescape(client.get("/strategy", params={"lang": lang} if lang == "en" else {}).text)
        items = cost_items(page, lang)
        assert len(items) == len(rows)
        for r in rows:
            label = r[lang].value
            mine = [item for item in items if item.endswith(label) or f"{label} [" in item]
            assert len(mine) == 1, f"{lang}: the cost figure {label!r} is not shown in its language"
            amounts = [r["amount"]] if "amount" in r else [r["min"], r["max"]]
            amount = "–".join(i18n.number(float(a.value) / 1e9, lang) for a in amounts)
            assert mine[0].startswith(i18n.t("billions_sek", lang, amount=amount)), mine[0]
            assert r[other].value not in page, f"{lang}: the {other} label {r[other].value!r} is on the page"
    assert i18n.t("billions_sek", "sv", amount="") != i18n.t("billions_sek", "en", amount="")


def test_the_ontology_page_has_its_headings_in_the_page_language(client: TestClient) -> None:
    keys = ("classes", "object_properties", "datatype_properties", "annotation_properties")
    headings = {}
    for lang in ("sv", "en"):
        page = html.unescape(client.get("/ontology", params={"lang": lang} if lang == "en" else {}, headers={"Accept": "text/html"}).text)
        headings[lang] = re.findall(r"<h2>(.*?)</h2>", page)
        assert headings[lang] == [i18n.t(k, lang) for k in keys]
        assert f"<h1>{i18n.t('ontology_title', lang)}</h1>" in page
    assert set(headings["sv"]).isdisjoint(headings["en"]), "the Swedish page has English headings"


def test_the_shapes_page_has_its_title_in_the_page_language(client: TestClient) -> None:
    for lang in ("sv", "en"):
        page = html.unescape(client.get("/shapes", params={"lang": lang} if lang == "en" else {}, headers={"Accept": "text/html"}).text)
        assert f"<h2>{i18n.t('shapes_title', lang)}</h2>" in page


@pytest.mark.parametrize(
    ("params", "headers", "lang"),
    [
        pytest.param({}, {}, "sv", id="swedish-by-default"),
        pytest.param({"lang": "en"}, {}, "en", id="english-by-parameter"),
        pytest.param({"lang": "sv"}, {}, "sv", id="swedish-by-parameter"),
        pytest.param({"lang": "fr"}, {}, "sv", id="any-other-parameter-is-swedish"),
        pytest.param({}, {"Accept-Language": "en"}, "sv", id="accept-language-is-not-read"),
        pytest.param({}, {"Cookie": "lang=en"}, "sv", id="no-cookie-is-read"),
    ],
)
def test_a_page_chooses_its_language_by_the_lang_parameter_only(client: TestClient, params: dict, headers: dict, lang: str) -> None:
    page = html.unescape(client.get("/gaps", params={"min_certainty": "high", **params}, headers=headers).text)
    other = "en" if lang == "sv" else "sv"
    assert f'<html lang="{lang}">' in page and f"<h1>{i18n.t('gaps_title', lang)}</h1>" in page
    switch = re.search(r'<a id="lang-switch" href="([^"]*)" hreflang="(\w+)"', page)
    assert switch and switch.group(2) == other
    assert switch.group(1).startswith("/gaps?min_certainty=high") and f"lang={other}" in switch.group(1)
