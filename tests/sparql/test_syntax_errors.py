"""A syntax error shows its line and column on every route that takes a query text, with the offending line and a
caret under the column: in both languages in the protocol's plain text (``/sparql`` by GET and both POSTs, ``/update``),
in the visitor's language on the ``/query`` page (the caret in a ``<pre>``).

The position is where the parser got furthest, counted in characters (a tab is one column), and the caret lines up
under the character in a monospace font whatever comes before it on the line: tabs, letters of more than one byte,
combining marks, wide characters. The alignment is checked in the real Chromium of the browser tests.
"""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from api.errors import PolicyError
from api.i18n import pointer
from api.sparql.policy import check_query, check_update
from api.store import EmbeddedStore
from api.web.app import create_app
from tests.web.test_browser import browser  # noqa: F401  (the shared Chromium launch, a fixture)

TOKEN = "test-token-syntax-errors"  # noqa: S105 - a test token

# An object is missing after "ex:q" and a ")" stands where it should be: line 3, column 22 (the tab is one column).
QUERY = 'PREFIX ex: <http://example.org/>\nSELECT ?x WHERE {\n\t?x ex:p "日本" ; ex:q ) .\n}\n'
UPDATE = 'PREFIX ex: <http://example.org/>\nDELETE WHERE {\n\t?x ex:p "日本" ; ex:q ) .\n}\n'
LINE, COLUMN = 3, 22
SOURCE = '\t?x ex:p "日本" ; ex:q ) .'
CARET = "\t" + " " * 9 + "    " + " " * 9 + "^"  # a tab under the tab, 2 cells under each wide character
PLAIN = f"3 | {SOURCE}\n  | {CARET}"


def offending(text: str, token: str) -> tuple[int, int]:
    """Line and column (1-based, in characters) of the first ``token`` in ``text``, counted here independently."""
    at = text.index(token)
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> TestClient:
    return TestClient(create_app(store, token=TOKEN))


def test_the_fixture_points_where_the_test_says() -> None:
    assert offending(QUERY, ")") == (LINE, COLUMN) == offending(UPDATE, ")")
    assert QUERY.split("\n")[LINE - 1] == SOURCE


# ------------------------------------------------------------------------------------------- the position
@pytest.mark.parametrize(
    ("text", "token"),
    [
        pytest.param("SELECT * WHERE { ?s ?p }", "}", id="missing-object"),  # pyparsing alone said column 18 (?s)
        pytest.param("SELECT * WHERE {\n\t?s ?p }", "}", id="after-a-tab"),  # pyparsing alone said column 9 (a tab as 8)
        pytest.param("SELECT * WHERE {\n\t\t?s ?p 'åäö' . ?x ) }", ")", id="two-tabs-and-multibyte"),
        pytest.param('SELECT * WHERE {\n  ?s ?p "e\u0301t\u00e9" . ?x ) }', ")", id="combining-mark"),
        pytest.param('SELECT * WHERE { ?s ?p "😀" ; ) }', ")", id="emoji-outside-the-bmp"),
        pytest.param("SELECT * WHERE { ?s ?p ?o } LIMIT x", "x", id="limit-not-a-number"),
        pytest.param("SELECT * WHERE { ?s <urn:a b> ?o }", " b>", id="space-in-an-iri"),
        pytest.param("SELECT * WHERE { ?s ?p ?o }}", "}}", id="one-brace-too-many"),
        pytest.param("SELECT * WHERE { ?s ?p ?o . FILTER(?o = ) }", ") }", id="operand-missing"),
    ],
)
def test_the_policy_names_the_character_where_reading_stopped(text: str, token: str) -> None:
    line, column = offending(text, token)
    if token.startswith("}}"):
        column += 1  # the second brace is the one too many
    with pytest.raises(PolicyError) as refused:
        check_query(text)
    assert (refused.value.line, refused.value.column) == (line, column)
    assert refused.value.params["source_line"] == text.split("\n")[line - 1]
    assert f"(line {line}, column {column})" in refused.value.text("en") and f"(rad {line}, kolumn {column})" in refused.value.text("sv")


def test_an_error_at_the_end_points_just_after_the_last_character() -> None:
    with pytest.raises(PolicyError) as refused:
        check_query("SELECT ?x WHERE { ?x a ?y } GROUP BY\n\n")
    assert (refused.value.line, refused.value.column) == (1, len("SELECT ?x WHERE { ?x a ?y } GROUP BY") + 1)
    assert "at the end of the text" in refused.value.text("en") and "i slutet av texten" in refused.value.text("sv")


def test_the_message_says_what_was_expected() -> None:
    with pytest.raises(PolicyError) as refused:
        check_query("SELECT * WHERE { ?s ?p ?o } LIMIT x")
    assert refused.value.text("en").endswith("Expected here: INTEGER") and refused.value.text("sv").endswith("Förväntat här: INTEGER")


def test_an_update_with_a_tab_gets_its_using_clause_in_the_right_place() -> None:
    """The grammar keeps tabs, so the WHERE keyword's recorded position is a position in the text itself."""
    text, _ = check_update("DELETE { ?s ?p ?o }\t\tWHERE { ?s ?p ?o }", using=["urn:g"])
    assert text == "DELETE { ?s ?p ?o }\t\tUSING <urn:g> WHERE { ?s ?p ?o }"


@pytest.mark.parametrize(
    ("source", "column", "under"),
    [
        pytest.param("abc", 3, "  ", id="ascii"),
        pytest.param("\t\tx", 3, "\t\t", id="tabs"),
        pytest.param("åäö x", 5, "    ", id="two-byte-letters-one-cell"),
        pytest.param("e\u0301x", 3, " ", id="a-combining-mark-takes-no-cell"),
        pytest.param("日本x", 3, "    ", id="wide-characters-two-cells"),
        pytest.param("😀x", 2, "  ", id="emoji-two-cells"),
        pytest.param("ab", 9, "  ", id="past-the-end-stops-after-the-line"),
    ],
)
def test_the_caret_line(source: str, column: int, under: str) -> None:
    assert pointer(source, 7, column) == f"7 | {source}\n  | {under}^"


# ------------------------------------------------------------------------------------------- every route
def _protocol(answer_text: str) -> None:
    """The protocol's plain text: English, Swedish, then the numbered line and the caret."""
    assert f"Malformed query (line {LINE}, column {COLUMN})" in answer_text or f"Malformed update (line {LINE}, column {COLUMN})" in answer_text
    assert f"felaktigt formulerad (rad {LINE}, kolumn {COLUMN})" in answer_text
    assert answer_text.rstrip("\n").endswith(PLAIN), answer_text


@pytest.mark.parametrize(
    "route",
    ["sparql-get", "sparql-post-form", "sparql-post-query", "update-form", "update-direct"],
)
def test_the_protocol_routes_give_line_column_and_caret_in_both_languages(client: TestClient, route: str) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    if route == "sparql-get":  # also the endpoint YASGUI sends its queries to
        r = client.get("/sparql", params={"query": QUERY})
    elif route == "sparql-post-form":
        r = client.post("/sparql", data={"query": QUERY})
    elif route == "sparql-post-query":
        r = client.post("/sparql", content=QUERY.encode(), headers={"Content-Type": "application/sparql-query"})
    elif route == "update-form":
        r = client.post("/update", data={"update": UPDATE}, headers=auth)
    else:
        r = client.post("/update", content=UPDATE.encode(), headers={**auth, "Content-Type": "application/sparql-update"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/plain"), (r.status_code, r.text)
    _protocol(r.text)


@pytest.mark.parametrize(
    ("lang", "said", "other"),
    [
        pytest.param("sv", f"Frågan är felaktigt formulerad (rad {LINE}, kolumn {COLUMN})", "Malformed query", id="sv"),
        pytest.param("en", f"Malformed query (line {LINE}, column {COLUMN})", "felaktigt formulerad", id="en"),
    ],
)
def test_the_query_page_gives_them_in_the_visitors_language(client: TestClient, lang: str, said: str, other: str) -> None:
    r = client.post("/query", params={"lang": lang}, data={"query": QUERY})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    error = re.search(r'<p class="error" role="alert">(.*?)</p>', r.text, re.S)
    assert error and said in html.unescape(error.group(1)) and other not in html.unescape(error.group(1))
    pre = re.search(r'<pre class="caret"[^>]*>(.*?)</pre>', r.text, re.S)
    assert pre and html.unescape(pre.group(1)) == PLAIN
    assert 'class="results"' not in r.text


def test_a_query_text_the_policy_accepts_has_no_caret(client: TestClient) -> None:
    r = client.post("/query", data={"query": "SELECT ?m WHERE { ?m a mh:Municipality }"})
    assert r.status_code == 200 and 'class="caret"' not in r.text and 'class="results"' in r.text


# ------------------------------------------------------------------------------------------- in a browser
@pytest.mark.parametrize(
    ("text", "token"),
    [
        pytest.param("SELECT * WHERE {\n\t\t?s ?p 'åäö' . ?x ) }", ")", id="tabs-and-multibyte"),
        pytest.param('SELECT * WHERE {\n  ?s ?p "e\u0301t\u00e9" . ?x ) }', ")", id="combining-mark"),
    ],
)
def test_the_caret_stands_under_the_character_in_chromium(browser: Browser, live_server: str, text: str, token: str) -> None:  # noqa: F811
    """The page's <pre> in the real browser: the caret's left edge is the offending character's left edge.

    (Wide characters are left to the unit test above: this machine's Chromium has no CJK or emoji font, so their
    glyphs are substitutes of no fixed width.)"""
    _, column = offending(text, token)
    context = browser.new_context(java_script_enabled=True)
    page = context.new_page()
    try:
        page.goto(live_server + "/query?lang=en")
        page.fill("#query", text)
        page.click("#run")
        xs = page.evaluate(
            """(column) => {
              const text = document.querySelector('pre.caret').firstChild;
              const [first, second] = text.data.split('\\n');
              const left = (offset) => { const r = document.createRange(); r.setStart(text, offset); r.setEnd(text, offset + 1);
                                         return r.getBoundingClientRect().left; };
              const prefix = first.indexOf(' | ') + 3;
              return [left(prefix + column - 1), left(first.length + 1 + second.indexOf('^')), first.slice(prefix + column - 1, prefix + column)];
            }""",
            column,
        )
    finally:
        context.close()
    character_x, caret_x, character = xs
    assert character == token
    assert abs(character_x - caret_x) < 1, f"the caret is at {caret_x:.1f} px, the character {character!r} at {character_x:.1f} px"


# ------------------------------------------------------------------------------------------- the engine's own syntax errors
# Texts the grammar reads and pyoxigraph refuses as syntax (it checks some rules the grammar leaves to evaluation).
# pyoxigraph names the position where it stopped, which for these is the end of the text: that is what is shown.
ENGINE_QUERY = "SELECT ?x WHERE {\n  ?x ?p ?o\n}\nGROUP BY ?p"
ENGINE_UPDATE = "DELETE DATA { _:b <urn:p> 1 }"


def test_the_engines_syntax_error_has_line_column_and_caret_on_sparql(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": ENGINE_QUERY})
    assert r.status_code == 400, r.text
    assert "Malformed query (line 4, column 12): The SELECT contains a variable that is unbound" in r.text
    assert "Frågan är felaktigt formulerad (rad 4, kolumn 12)" in r.text
    assert r.text.rstrip("\n").endswith("4 | GROUP BY ?p\n  |            ^")


def test_the_engines_syntax_error_on_the_query_page(client: TestClient) -> None:
    r = client.post("/query", data={"query": ENGINE_QUERY})
    error = re.search(r'<p class="error" role="alert">(.*?)</p>', r.text, re.S)
    assert error and "Frågan är felaktigt formulerad (rad 4, kolumn 12)" in error.group(1)
    pre = re.search(r'<pre class="caret"[^>]*>(.*?)</pre>', r.text, re.S)
    assert pre and html.unescape(pre.group(1)) == "4 | GROUP BY ?p\n  |            ^"


def test_the_engines_syntax_error_on_update(client: TestClient) -> None:
    r = client.post("/update", data={"update": ENGINE_UPDATE}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 400, r.text
    assert "Malformed update (line 1, column 30); it changed nothing: Variables and blank nodes are not allowed in DELETE DATA" in r.text
    assert "Uppdateringen är felaktigt formulerad (rad 1, kolumn 30) och ändrade ingenting" in r.text
    assert r.text.rstrip("\n").endswith(f"1 | {ENGINE_UPDATE}\n  | {' ' * 29}^")


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_page_with_a_syntax_error_passes_axe_and_fits_a_phone(browser: Browser, live_server: str, lang: str) -> None:  # noqa: F811
    """The caret's <pre> keeps its lines (no wrapping) and scrolls inside itself: the page does not scroll sideways."""
    from tests.web.test_accessibility import AXE, PHONE

    long_line = "SELECT * WHERE { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(30)) + " ?x ) }"
    context = browser.new_context(viewport=PHONE, java_script_enabled=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/query?lang={lang}")
        page.fill("#query", long_line)
        page.click("#run")
        assert page.locator("pre.caret").count() == 1
        scroll_width, inner_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll_width <= inner_width, f"the page is {scroll_width} px wide at {inner_width} px"
        scrolls, tops = page.evaluate(
            """() => { const p = document.querySelector('pre.caret'); const t = p.firstChild; const [first] = t.data.split('\\n');
                       const top = (o) => { const r = document.createRange(); r.setStart(t, o); r.setEnd(t, o + 1); return r.getBoundingClientRect().top; };
                       return [p.scrollWidth > p.clientWidth, [top(0), top(first.length - 1)]]; }"""
        )
        assert scrolls and tops[0] == tops[1], "the offending line wraps instead of scrolling inside its <pre>"
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate("async () => (await axe.run(document)).violations")
        serious = [f"{v['id']}: {v['help']}" for v in violations if v["impact"] in ("serious", "critical")]
        assert not serious, serious
    finally:
        context.close()
