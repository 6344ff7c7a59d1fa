"""No public query reaches outside the store: server-side request forgery through SERVICE, LOAD and updates.

The oracle is a TCP listener on loopback (the ``listener`` fixture) standing in for an internal host: whatever the
service is asked, by whichever route, the listener must receive no connection. A status code alone is not enough:
a SERVICE call to a host that closes the connection fails, and the endpoint answers 400 *after* the request went out
(with a host that answers, the visitor gets its rows: :func:`test_internal_rows_never_reach_the_visitor`). Once the
query workers have no network at all (the second layer), a SERVICE that gets past the parse policy no longer reaches
the listener either; so the policy is checked on its own as well: a refusal must not be the engine's
report of a failed network call (:data:`NETWORK_FAILURE`), the table's SERVICE clauses are mostly SILENT (a SILENT
call that fails for want of network answers 200, not a 400 that looks like a refusal), and the fuzzer replays every
query the service accepted on the unguarded engine in this process, which must not call out.

1. A regression table of spellings of SERVICE, by every route (GET, form POST, direct ``application/sparql-query``
   POST, the researcher's ``/query`` page): 400 (the page: an error), never 200 with rows, never 500, and no
   connection. Each spelling is shown to be a real, evaluated SERVICE call for the query engine itself
   (:func:`test_witness_each_spelling_really_calls_out`), so that no row passes vacuously. Then LOAD and updates, a
   positive control table (the word SERVICE where there is no SERVICE clause: 200, so the policy is not a keyword
   scanner), and FROM / FROM NAMED / ``default-graph-uri`` / ``named-graph-uri`` naming the listener's URL:
   accepted (200), never fetched.
2. Hypothesis: SERVICE clauses aimed at the listener in generated spellings, by random routes; and mutated harmless
   queries: never a connection, never a 500.
3. Parse errors name the position (line and column), on the endpoint and on the page.
4. Nesting depth is bounded: 5,000 nested groups give 400 (they crashed the worker), and the service keeps answering.

The policy must read the text exactly as the engine (pyoxigraph) does. Lexical corners the table covers (SPARQL 1.1,
section 19): IRIREF (``#``, ``'`` and ``\\u``/``\\U`` escapes, non-ASCII white space such as U+00A0, which is legal in an
IRI), PNAME_LN with PN_LOCAL_ESC (``\\#``, ``\\'``) and PERCENT, STRING_LITERAL_LONG1/2 with embedded quotes and
newlines, ECHAR and UCHAR in strings, comments ended by a carriage return (a comment ends at CR or LF), keywords glued
to the preceding token (``1SERVICE``, ``trueSERVICE``, ``1.0e0SERVICE``, ``)SERVICE``, ``[]SERVICE``), case, SILENT,
a variable endpoint, relative and prefixed endpoints, SERVICE nested in every kind of group and in expressions
(EXISTS in FILTER, BIND, SELECT expressions, HAVING, ORDER BY), and every query form.

pyoxigraph decodes ``\\u`` escapes only inside strings and IRIs; rdflib's parser expands them over the whole text
first (SPARQL 1.1, section 19.2) and ends a comment only at LF. So ``"\\u0022"`` is a one-quote string for the engine
but three quotes, the start of a long string, for rdflib; ``"\\u005C"`` is a backslash for the engine but escapes
rdflib's closing quote; ``# \\u000A`` ends a comment for rdflib only; ``# …\\r`` ends one for the engine only. A SERVICE
between such an opener and a closer is code for the engine and text for rdflib: the ``string-uchar-*`` and
``comment-*`` rows.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.store import EmbeddedStore
from api.vocab import PREFIXES
from api.web.app import create_app
from harness import wait_until

SETTLE = 0.3  # seconds to wait for a late connection before concluding there was none
TEST_GRAPH = "urn:mhkg-test:g"  # the witness engine's one named graph (so that GRAPH ?g { … } is evaluated)


# ---------------------------------------------------------------------------- fixtures and helpers
@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> Iterator[TestClient]:
    """The service in-process; a 500 comes back as a response, not as an exception."""
    app = create_app(store)
    yield TestClient(app, raise_server_exceptions=False)
    app.state.mhkg.close()


@pytest.fixture(scope="module")
def engine(store: EmbeddedStore) -> ox.Store:
    """The query engine the service uses, unguarded, in this test process, over a copy of the bundled knowledge.

    One quad in a named graph is added so that ``GRAPH ?g { … }`` has something to iterate over (the service's
    store is getting named graphs too).
    """
    copy = ox.Store()
    copy.extend([ox.Quad(t.subject, t.predicate, t.object) for t in store.triples()])
    copy.add(ox.Quad(ox.NamedNode("urn:mhkg-test:a"), ox.NamedNode("urn:mhkg-test:b"), ox.NamedNode("urn:mhkg-test:c"), ox.NamedNode(TEST_GRAPH)))
    return copy


def assert_no_connection(received: list[bytes], what: object = "") -> None:
    wait_until(lambda: bool(received), timeout=SETTLE)
    assert received == [], f"the service connected to the internal host ({what}): {received[:3]!r}"


def fill(template: str, port: int) -> str:
    """Put the listener's address into a template (``@URL@`` its SPARQL endpoint as an IRI, ``@BASE@``, ``@PORT@``)."""
    base = f"http://127.0.0.1:{port}/"
    return template.replace("@URL@", f"<{base}sparql>").replace("@BASE@", base).replace("@PORT@", str(port))


ROUTES = ["get", "post-form", "post-direct", "query-page"]


def send(client: TestClient, route: str, text: str, params: dict[str, str] | None = None) -> httpx.Response:
    """Send a query by one route; ``params`` are extra protocol parameters (dataset, ``update`` …)."""
    extra = params or {}
    if route == "get":
        return client.get("/sparql", params={"query": text, **extra})
    if route == "post-form":
        return client.post("/sparql", data={"query": text, **extra})
    if route == "post-direct":
        return client.post("/sparql", content=text.encode("utf-8"), params=extra, headers={"Content-Type": "application/sparql-query"})
    if route == "query-page":
        return client.post("/query", params={"lang": "en"}, data={"query": text})
    if route == "update-form":  # the protocol's update operation, form-encoded
        return client.post("/sparql", data={"update": text})
    if route == "update-direct":
        return client.post("/sparql", content=text.encode("utf-8"), headers={"Content-Type": "application/sparql-update"})
    if route == "update-get":
        return client.get("/sparql", params={"update": text})
    raise AssertionError(route)


PAGE_ERROR = re.compile(r'<p class="error" role="alert">(.*?)</p>', re.S)


def page_error(page: str) -> str | None:
    found = PAGE_ERROR.search(page)
    return found.group(1) if found else None


# what the engine says when a SERVICE call it made fails (the host closed the connection, or the sandbox said no):
# such a 400 means the query was evaluated, i.e. the policy let it through
NETWORK_FAILURE = re.compile(r"os error|errno|permission denied|operation not permitted|connection (?:refused|reset|aborted|closed)|empty http", re.I)


def assert_refused(route: str, answer: httpx.Response) -> None:
    """400 with a message (the page: an error and no results), given before evaluation; never 200 with rows, never 500."""
    if route == "query-page":
        assert answer.status_code in (200, 400), (answer.status_code, answer.text[:500])
        message = page_error(answer.text)
        assert message, "the page shows no error"
        assert 'class="results"' not in answer.text, "the page shows results"
    else:
        assert answer.status_code == 400, (answer.status_code, answer.text[:500])
        message = answer.text
        assert message.strip(), "a refusal says why"
    assert not NETWORK_FAILURE.search(message), f"the query was evaluated and its SERVICE call failed: {message[:300]!r}"


def assert_answered(route: str, answer: httpx.Response) -> None:
    """200 (the page: no error)."""
    if route == "query-page":
        assert answer.status_code == 200, (answer.status_code, answer.text[:500])
        assert page_error(answer.text) is None, page_error(answer.text)
    else:
        assert answer.status_code == 200, (answer.status_code, answer.text[:500])


# ---------------------------------------------------------------------------- 1. the regression table
@dataclass(frozen=True)
class Spelling:
    """A query holding a SERVICE clause aimed at the listener.

    ``calls_out``: the query engine itself (unguarded) really connects for this text on the bundled knowledge;
    when False, it does not (it cannot parse the text, or never evaluates the clause), and the row only checks
    that the service refuses it.
    """

    id: str
    template: str
    calls_out: bool = True


EX = "PREFIX ex: <http://example.org/> "
# SILENT by default: with SILENT, a SERVICE that gets past the policy but fails for want of network (the workers'
# sandbox) still answers 200; without it, the failure is a 400 that looks like a refusal
SVC = "SERVICE SILENT @URL@ { ?s ?p ?o }"
LOUD = "SERVICE @URL@ { ?s ?p ?o }"
SEED = "BIND(1 AS ?seed) "  # one solution on the left, so that MINUS / EXISTS / OPTIONAL evaluate their right side
ZERO = "?c <urn:mhkg-test:none>? "  # a zero-or-one path to a literal of the data: exactly one solution

SPELLINGS = [
    # -- the three reported bypasses, verbatim
    Spelling("known-iri-hash-escape", "SELECT * WHERE { BIND(<urn:x#\\u0041> AS ?z) " + LOUD + " }"),
    # as reported: passes today's guard, but ex:x has no triples, so the engine never evaluates the SERVICE
    Spelling("known-pname-escaped-hash", EX + "SELECT * WHERE { ex:x\\# ?p ?o . " + LOUD + " }", calls_out=False),
    Spelling("known-pname-escaped-quote", EX + "SELECT * WHERE { ex:x\\' ?p ?o . " + LOUD + " }", calls_out=False),
    Spelling("known-keyword-after-integer", "SELECT * WHERE { ?c ?p 1" + LOUD + " }"),
    Spelling("plain", "SELECT * WHERE { " + LOUD + " }"),
    # -- IRIREF: what a regular expression takes for the end of the IRI, or for white space
    Spelling("iri-hash-long-escape", "SELECT * WHERE { BIND(<urn:x#\\U00000041> AS ?z) " + SVC + " }"),
    Spelling("iri-escape-then-apostrophe", "SELECT * WHERE { BIND(<urn:x\\u0041'> AS ?z) " + SVC + " BIND('a' AS ?w) }"),
    Spelling("iri-nbsp-then-hash", "SELECT * WHERE { BIND(<urn:x#\u00a0> AS ?z) " + SVC + " }"),
    Spelling("iri-nbsp-then-apostrophe", "SELECT * WHERE { BIND(<urn:x\u00a0'> AS ?z) " + SVC + " BIND('a' AS ?w) }"),
    Spelling("iri-ideographic-space-hash", "SELECT * WHERE { BIND(<urn:x#\u3000> AS ?z) " + SVC + " }"),
    Spelling("iri-line-separator-hash", "SELECT * WHERE { BIND(<urn:x#\u2028> AS ?z) " + SVC + " }"),
    Spelling("iri-escaped-endpoint", "SELECT * WHERE { SERVICE <http://127.0.0.1:@PORT@/sp\\u0061rql> { ?s ?p ?o } }"),
    Spelling("iri-relative-endpoint", "BASE <@BASE@> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }"),
    # -- PNAME_LN: PN_LOCAL_ESC and PERCENT, and a prefixed endpoint
    Spelling("pname-escaped-hash", EX + "SELECT * WHERE { BIND(ex:x\\# AS ?z) " + SVC + " }"),
    Spelling("pname-escaped-quote-closed-later", EX + "SELECT * WHERE { BIND(ex:x\\' AS ?z) " + SVC + " BIND('a' AS ?w) }"),
    Spelling("pname-percent", EX + "SELECT * WHERE { BIND(ex:x%23 AS ?z) " + SVC + " }"),
    Spelling("pname-endpoint", "PREFIX internal: <@BASE@> SELECT * WHERE { SERVICE internal:sparql { ?s ?p ?o } }"),
    # -- strings: quotes, newlines, ECHAR, and UCHAR that a whole-text \u expansion turns into quotes
    Spelling("string-long2-embedded-quotes", 'SELECT * WHERE { BIND("""a""b""" AS ?x) ' + SVC + " }"),
    Spelling("string-long1-quotes-newline", "SELECT * WHERE { BIND('''a''\nb' ''' AS ?x) " + SVC + " }"),
    Spelling("string-escaped-quote", 'SELECT * WHERE { BIND("a\\"#" AS ?x) ' + SVC + " }"),
    Spelling("string-uchar-quote", 'SELECT * WHERE { BIND("\\u0022" AS ?a) ' + SVC + ' BIND("\\u0022" AS ?b) }'),
    Spelling("string-uchar-quote-not-silent", 'SELECT * WHERE { BIND("\\u0022" AS ?a) ' + LOUD + ' BIND("\\u0022" AS ?b) }'),
    Spelling("string-uchar-backslash", 'SELECT * WHERE { BIND("\\u005C" AS ?a) ' + SVC + " BIND('\" AS ?z) #' AS ?b)\n}"),
    Spelling("string-uchar-backslash-apostrophe", "SELECT * WHERE { BIND('\\u005C' AS ?a) " + SVC + ' BIND("\' AS ?z) #" AS ?b)\n}'),
    Spelling("string-uchar-apostrophe", "SELECT * WHERE { BIND('\\u0027' AS ?a) " + SVC + " BIND('\\u0027' AS ?b) }"),
    Spelling("string-long-uchar-quote", 'SELECT * WHERE { BIND("\\U00000022" AS ?a) ' + SVC + ' BIND("\\U00000022" AS ?b) }'),
    Spelling("string-uchar-eight-digits", 'SELECT * WHERE { BIND("\\u00000022" AS ?a) ' + SVC + ' BIND("\\u00000022" AS ?b) }'),
    # -- comments
    Spelling("comment-ended-by-cr", "SELECT * WHERE { # a note\r" + SVC + "\n}"),
    Spelling("comment-ended-by-cr-not-silent", "SELECT * WHERE { # a note\r" + LOUD + "\n}"),
    Spelling("comment-cr-after-pattern", "SELECT * WHERE { " + SEED + "# SERVICE is not here\r" + SVC + "\n}"),
    Spelling("comment-uchar-newline-long-string", 'SELECT * WHERE { BIND(1 AS ?x) # \\u000A BIND("""\n' + SVC + '\n# """ AS ?y)\n}'),
    Spelling("comment-uchar-newline-long1-string", "SELECT * WHERE { BIND(1 AS ?x) # \\u000A BIND('''\n" + SVC + "\n# ''' AS ?y)\n}"),
    Spelling("comment-between-keyword-and-endpoint", "SELECT * WHERE { SERVICE # where to?\n@URL@ { ?s ?p ?o } }"),
    # -- the keyword glued to the token before it
    # (a literal glued to the keyword ends a triple pattern, which must match for the SERVICE to be evaluated:
    # the literals are ones the bundled knowledge holds; it holds no negative number, no double and no 0.5)
    Spelling("glued-after-integer", "SELECT * WHERE { " + ZERO + "1" + SVC + " }"),
    Spelling("glued-after-signed-integer", "SELECT * WHERE { ?c ?p +25" + SVC + " }"),
    Spelling("glued-after-negative-integer", "SELECT * WHERE { ?c ?p -1" + SVC + " }", calls_out=False),
    Spelling("glued-after-decimal", "SELECT * WHERE { ?c ?p 20000000000.0" + SVC + " }"),
    Spelling("glued-after-leading-dot-decimal", "SELECT * WHERE { ?c ?p .5" + SVC + " }", calls_out=False),
    Spelling("glued-after-double", "SELECT * WHERE { ?c ?p 1.0e0" + SVC + " }", calls_out=False),
    Spelling("glued-after-boolean", "SELECT * WHERE { " + ZERO + "true" + SVC + " }"),
    Spelling("glued-after-string", 'SELECT * WHERE { ?c ?p "SEK"' + SVC + " }"),
    Spelling("glued-after-blank-node", "SELECT * WHERE { <https://w3id.org/mhkg/id/organisation/trafiknamnden> <urn:mhkg-test:none>? []" + SVC + " }"),
    Spelling("glued-after-paren", "SELECT * WHERE { BIND(1 AS ?x)" + SVC + " }"),
    Spelling("glued-after-brace", "SELECT * WHERE { {}" + SVC + " }"),
    Spelling("glued-lowercase-after-integer", "SELECT * WHERE { ?c ?p 1service @URL@ { ?s ?p ?o } }"),
    # -- case, SILENT, white space, encodings
    Spelling("case-mixed", "SELECT * WHERE { sErViCe @URL@ { ?s ?p ?o } }"),
    Spelling("plain-silent", "SELECT * WHERE { SERVICE SILENT @URL@ { ?s ?p ?o } }"),
    Spelling("silent-lowercase", "select * where { service silent @URL@ { ?s ?p ?o } }"),
    Spelling("whitespace-tab-cr", "SELECT\t*\rWHERE\t{\rSERVICE\t@URL@\r{\t?s ?p ?o\r}\t}"),
    Spelling("whitespace-crlf", "SELECT *\r\nWHERE {\r\n  SERVICE @URL@ {\r\n    ?s ?p ?o\r\n  }\r\n}\r\n"),
    Spelling("whitespace-none", "SELECT*WHERE{SERVICE@URL@{?s?p?o}}"),
    Spelling("whitespace-nbsp", "SELECT * WHERE {\u00a0SERVICE\u00a0@URL@ { ?s ?p ?o } }", calls_out=False),
    Spelling("byte-order-mark", "\ufeffSELECT * WHERE { " + SVC + " }", calls_out=False),
    Spelling("keyword-as-uchar", "SELECT * WHERE { SERVIC\\u0045 @URL@ { ?s ?p ?o } }", calls_out=False),
    # -- a variable endpoint (the engine does not call a variable endpoint today; the policy must refuse it anyway)
    Spelling("variable-endpoint-values", "SELECT * WHERE { VALUES ?e { @URL@ } SERVICE ?e { ?s ?p ?o } }", calls_out=False),
    Spelling("variable-endpoint-bind", "SELECT * WHERE { BIND(@URL@ AS ?e) SERVICE ?e { ?s ?p ?o } }", calls_out=False),
    Spelling("variable-endpoint-trailing-values", "SELECT * WHERE { SERVICE ?e { ?s ?p ?o } } VALUES ?e { @URL@ }", calls_out=False),
    Spelling("variable-endpoint-iri-function", 'SELECT * WHERE { BIND(IRI("@BASE@sparql") AS ?e) SERVICE SILENT ?e { ?s ?p ?o } }', calls_out=False),
    # -- nested
    Spelling("in-optional", "SELECT * WHERE { " + SEED + "OPTIONAL { " + SVC + " } }"),
    Spelling("in-minus", "SELECT * WHERE { " + SEED + "MINUS { " + SVC + " } }"),
    Spelling("in-filter-exists", "SELECT * WHERE { " + SEED + "FILTER EXISTS { " + SVC + " } }"),
    Spelling("in-filter-not-exists", "SELECT * WHERE { " + SEED + "FILTER NOT EXISTS { " + SVC + " } }"),
    Spelling("in-graph-variable", "SELECT * WHERE { GRAPH ?g { " + SVC + " } }"),
    Spelling("in-graph-iri", f"SELECT * WHERE {{ GRAPH <{TEST_GRAPH}> {{ " + SVC + " } }"),
    Spelling("in-subquery", "SELECT * WHERE { { SELECT * WHERE { " + SVC + " } } }"),
    Spelling("in-union", "SELECT * WHERE { { " + SEED + "} UNION { " + SVC + " } }"),
    Spelling("in-nested-groups", "SELECT * WHERE { { { { OPTIONAL { { " + SVC + " } } } } } }"),
    Spelling("in-lateral", "SELECT * WHERE { " + SEED + "LATERAL { " + SVC + " } }"),
    Spelling("in-service", "SELECT * WHERE { SERVICE @URL@ { SERVICE @URL@ { ?s ?p ?o } } }"),
    Spelling("in-bind-exists", "SELECT * WHERE { BIND(EXISTS { " + SVC + " } AS ?x) }"),
    Spelling("in-select-expression", "SELECT (EXISTS { " + SVC + " } AS ?x) WHERE { }"),
    Spelling("in-having", "SELECT (COUNT(*) AS ?n) WHERE { } HAVING (EXISTS { " + SVC + " })"),
    Spelling("in-order-by", "SELECT * WHERE { " + SEED + "} ORDER BY (EXISTS { " + SVC + " })"),
    Spelling("second-of-two", "SELECT * WHERE { { ?x <urn:mhkg-test:none> ?y } UNION { " + SVC + " } }"),
    # -- every query form
    Spelling("ask", "ASK { " + SVC + " }"),
    Spelling("construct", "CONSTRUCT { ?s ?p ?o } WHERE { " + SVC + " }"),
    Spelling("describe", "DESCRIBE ?s WHERE { " + SVC + " }"),
    Spelling("describe-star", "DESCRIBE * WHERE { " + SVC + " }"),
]
SPELLING_IDS = [s.id for s in SPELLINGS]
assert len(set(SPELLING_IDS)) == len(SPELLING_IDS)


@pytest.mark.parametrize("spelling", [s for s in SPELLINGS if s.calls_out], ids=[s.id for s in SPELLINGS if s.calls_out])
def test_witness_each_spelling_really_calls_out(engine: ox.Store, listener: tuple[int, list[bytes]], spelling: Spelling) -> None:
    """Without any policy, the query engine connects to the listener for this text: the row below is not vacuous."""
    port, received = listener
    try:
        result = engine.query(fill(spelling.template, port), prefixes=PREFIXES)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
    except (OSError, RuntimeError):  # the listener closes the connection without an answer
        pass
    assert wait_until(lambda: bool(received)), "the engine did not call the endpoint: this row would pass vacuously"


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("spelling", SPELLINGS, ids=SPELLING_IDS)
def test_service_is_refused(client: TestClient, listener: tuple[int, list[bytes]], spelling: Spelling, route: str) -> None:
    port, received = listener
    answer = send(client, route, fill(spelling.template, port))
    assert_no_connection(received, (spelling.id, route, answer.status_code))
    assert_refused(route, answer)


# -- the leak itself: an internal host that answers
SECRET = "urn:mhkg-test:internal-secret"  # noqa: S105 - a marker, not a password
LEAKS = ["known-iri-hash-escape", "known-keyword-after-integer", "pname-escaped-hash", "comment-ended-by-cr", "string-uchar-quote", "glued-after-decimal"]


@pytest.fixture()
def internal_endpoint() -> Iterator[tuple[int, list[str]]]:
    """A SPARQL endpoint on loopback that answers every query with one row binding each of its variables to :data:`SECRET`."""
    calls: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            calls.append(self.requestline)
            query = urllib.parse.unquote_plus(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", "replace") + self.path)
            names = sorted(set(re.findall(r"[?$](\w+)", query))) or ["s"]
            body = json.dumps({"head": {"vars": names}, "results": {"bindings": [{v: {"type": "uri", "value": SECRET} for v in names}]}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer  # noqa: N815 - http.server's names

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], calls
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("spelling_id", LEAKS)
def test_internal_rows_never_reach_the_visitor(client: TestClient, internal_endpoint: tuple[int, list[str]], spelling_id: str) -> None:
    """With an internal host that answers, a bypass hands its rows to the visitor: 200 with the internal data."""
    port, calls = internal_endpoint
    template = next(s for s in SPELLINGS if s.id == spelling_id).template
    text = fill(template.replace("{ ?s ?p ?o }", "{ ?leak_s ?leak_p ?leak_o }"), port)  # variables of their own: nothing joins the rows away
    answers = {route: send(client, route, text) for route in ROUTES}
    leaked = {route: a.status_code for route, a in answers.items() if SECRET in a.text or "internal-secret" in a.text}
    assert leaked == {}, f"the internal host's rows reached the visitor by {leaked}"
    for route, answer in answers.items():
        assert_refused(route, answer)
    time.sleep(SETTLE)
    assert calls == []


def test_over_real_http_too(live_server: str, listener: tuple[int, list[bytes]]) -> None:
    """The same refusals through uvicorn and a real socket (GET and direct POST), for the reported spellings."""
    port, received = listener
    for spelling in [s for s in SPELLINGS if s.id.startswith("known-")] + [s for s in SPELLINGS if s.id == "comment-ended-by-cr"]:
        text = fill(spelling.template, port)
        requests = [
            urllib.request.Request(live_server + "/sparql?" + urllib.parse.urlencode({"query": text})),  # noqa: S310 - local test server
            urllib.request.Request(live_server + "/sparql", data=text.encode(), headers={"Content-Type": "application/sparql-query"}),  # noqa: S310
        ]
        for req in requests:
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
                    status = resp.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            assert status == 400, (spelling.id, req.get_method(), status)
    assert_no_connection(received, "over HTTP")


# -- LOAD and updates
UPDATES = {
    "insert-data": "INSERT DATA { <urn:mhkg-test:a> <urn:mhkg-test:b> <urn:mhkg-test:c> }",
    "delete-where": "DELETE WHERE { ?s ?p ?o }",
    "clear-all": "CLEAR ALL",
    "drop-all": "DROP ALL",
    "create-graph": f"CREATE GRAPH <{TEST_GRAPH}>",
    "add": f"ADD DEFAULT TO <{TEST_GRAPH}>",
    "copy": f"COPY DEFAULT TO <{TEST_GRAPH}>",
    "move": f"MOVE DEFAULT TO <{TEST_GRAPH}>",
    "load": "LOAD <@BASE@data.ttl>",
    "load-lowercase": "load <@BASE@data.ttl>",
    "load-silent-into": f"LOAD SILENT <@BASE@data.ttl> INTO GRAPH <{TEST_GRAPH}>",
    "load-after-cr-comment": "# a note\rLOAD <@BASE@data.ttl>\n",
    "load-after-escaped-iri": "INSERT DATA { <urn:x#\\u0041> <urn:b> <urn:c> } ;\nLOAD <@BASE@data.ttl>",
    "insert-where-service": "INSERT { ?s ?p ?o } WHERE { SERVICE @URL@ { ?s ?p ?o } }",
    "with-modify": "WITH <@BASE@g> DELETE { ?s ?p ?o } INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "sequence": f"INSERT DATA {{ <urn:mhkg-test:a> <urn:mhkg-test:b> <urn:mhkg-test:c> }} ; LOAD <@BASE@data.ttl> ; CLEAR GRAPH <{TEST_GRAPH}>",
}


@pytest.mark.parametrize("route", [*ROUTES, "update-form", "update-direct", "update-get"])
@pytest.mark.parametrize("name", list(UPDATES))
def test_updates_and_load_are_refused(client: TestClient, store: EmbeddedStore, listener: tuple[int, list[bytes]], name: str, route: str) -> None:
    port, received = listener
    before = (store.count(), store.data_version())
    answer = send(client, route, fill(UPDATES[name], port))
    assert_refused(route, answer)
    assert_no_connection(received, (name, route))
    assert (store.count(), store.data_version()) == before


# -- positive controls: the word, not the clause
CONTROLS = {
    "in-string": 'SELECT ?service WHERE { BIND("SERVICE @URL@ { ?s ?p ?o }" AS ?service) }',
    "in-single-quoted-string": "SELECT * WHERE { BIND('SERVICE @URL@ { ?s ?p ?o }' AS ?x) }",
    "in-long-string": 'SELECT * WHERE { BIND("""\nSERVICE @URL@ { ?s ?p ?o }\n""" AS ?x) }',
    "in-long-single-quoted-string": "SELECT * WHERE { BIND('''it's a \"SERVICE\"''' AS ?x) }",
    "in-comment": "SELECT * WHERE {\n  # SERVICE @URL@ { ?s ?p ?o }\n  BIND(1 AS ?x)\n}",
    "in-comment-at-end": "SELECT * WHERE { BIND(1 AS ?x) } # SERVICE @URL@ { ?s ?p ?o }",
    "variable": "SELECT ?service WHERE { BIND(1 AS ?service) }",
    "dollar-variable": "SELECT $SERVICE WHERE { BIND(1 AS $SERVICE) }",
    "aggregate-alias": "SELECT (COUNT(*) AS ?service) WHERE { ?m a mh:Municipality }",
    "prefixed-name": "PREFIX ex: <http://example.org/> SELECT * WHERE { BIND(ex:SERVICE AS ?x) }",
    "prefix-named-service": "PREFIX service: <urn:service:> SELECT * WHERE { BIND(service:x AS ?x) }",
    "prefix-named-SERVICE": "PREFIX SERVICE: <urn:service:> SELECT * WHERE { BIND(SERVICE:x AS ?x) }",
    "prefixed-name-hyphen": "PREFIX ex: <http://example.org/> SELECT * WHERE { BIND(ex:web-SERVICE AS ?x) }",
    "prefixed-name-dot": "PREFIX ex: <http://example.org/> SELECT * WHERE { BIND(ex:web.SERVICE AS ?x) }",
    "iri": "SELECT * WHERE { BIND(<urn:SERVICE> AS ?x) }",
    "iri-of-the-internal-host": "SELECT * WHERE { BIND(<@BASE@SERVICE> AS ?x) }",
    "language-tag": 'SELECT * WHERE { BIND("x"@service AS ?x) }',
    "blank-node-label": "SELECT * WHERE { _:SERVICE ?p ?o } LIMIT 1",
    "in-filter": 'SELECT ?l WHERE { ?m a mh:Municipality ; rdfs:label ?l FILTER(?l != "SERVICE") } LIMIT 3',
    "words-of-updates": 'SELECT ?load ?from ?insert WHERE { BIND("LOAD <@BASE@x> ; CLEAR ALL ; INSERT DATA {}" AS ?load) BIND(1 AS ?from) BIND(2 AS ?insert) }',
    "whitespace-tab-crlf": "SELECT ?m\r\nWHERE {\r\n\t?m a mh:Municipality\r\n}\r\nLIMIT 1\t# no final newline",
}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("name", list(CONTROLS))
def test_the_word_service_alone_is_fine(client: TestClient, listener: tuple[int, list[bytes]], name: str, route: str) -> None:
    """The policy reads the query, not its words: no SERVICE clause, so 200."""
    port, received = listener
    answer = send(client, route, fill(CONTROLS[name], port))
    assert_answered(route, answer)
    assert_no_connection(received, (name, route))


# -- codepoint escapes: the two parsers read them differently, so they are refused, with their position
ESCAPES = {
    "in-string": ('SELECT * WHERE { BIND("SERVIC\\u0045" AS ?x) }', 1, 30),
    "quote-escape-hiding-a-service": ('SELECT * WHERE {\n  BIND("\\u0022" AS ?a) SERVICE SILENT @URL@ { ?s ?p ?o } BIND("\\u0022" AS ?b) }', 2, 9),
    "eight-digit-form": ("SELECT * WHERE { BIND('\\U00000027' AS ?a) }", 1, 24),
}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("name", list(ESCAPES))
def test_codepoint_escapes_are_refused_with_their_position(client: TestClient, listener: tuple[int, list[bytes]], name: str, route: str) -> None:
    text, line, column = ESCAPES[name]
    port, received = listener
    answer = send(client, route, fill(text, port))
    assert_refused(route, answer)
    assert "escapes are not accepted" in answer.text and f"line {line}, column {column}" in answer.text
    assert_no_connection(received, (name, route))


# -- datasets name graphs of the store: accepted, never fetched
DATASETS = {
    "from": "SELECT * WHERE { ?s ?p ?o } LIMIT 1".replace("WHERE", "FROM <@BASE@data.ttl> WHERE"),
    "from-lowercase": "select * from <@BASE@data.ttl> where { ?s ?p ?o } limit 1",
    "from-named": "SELECT * FROM NAMED <@BASE@g> WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1",
    "from-and-from-named": "SELECT * FROM <@BASE@a.ttl> FROM NAMED <@BASE@b.ttl> WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } } LIMIT 1",
    "from-prefixed": "PREFIX internal: <@BASE@> SELECT * FROM internal:data.ttl WHERE { ?s ?p ?o } LIMIT 1",
    "ask-from": "ASK FROM <@BASE@data.ttl> { ?s ?p ?o }",
    "construct-from": "CONSTRUCT { ?s ?p ?o } FROM <@BASE@data.ttl> WHERE { ?s ?p ?o } LIMIT 1",
    "describe-from": "DESCRIBE <urn:mhkg-test:a> FROM <@BASE@data.ttl>",
}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("name", list(DATASETS))
def test_from_names_a_graph_and_is_never_fetched(client: TestClient, listener: tuple[int, list[bytes]], name: str, route: str) -> None:
    port, received = listener
    answer = send(client, route, fill(DATASETS[name], port))
    assert_answered(route, answer)
    assert_no_connection(received, (name, route))


@pytest.mark.parametrize("route", ["get", "post-form", "post-direct"])
@pytest.mark.parametrize("params", [["default-graph-uri"], ["named-graph-uri"], ["default-graph-uri", "named-graph-uri"]], ids="+".join)
def test_protocol_dataset_parameters_are_accepted_and_never_fetched(
    client: TestClient, listener: tuple[int, list[bytes]], params: list[str], route: str
) -> None:
    port, received = listener
    extra = {p: f"http://127.0.0.1:{port}/{p}.ttl" for p in params}
    answer = send(client, route, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", extra)
    assert_answered(route, answer)
    assert_no_connection(received, (params, route))


# ---------------------------------------------------------------------------- 2. fuzzing
FUZZ_SETTINGS = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,  # the same cases on every run (no example database)
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],  # one listener for the whole run, on purpose
)

IRI_PIECES = ["a", "/", "#", "'", "\\u0041", "\\U00000041", "\u00a0", "\u3000", "\u2028", "%23", "\\u0023"]
STRING_PIECES = ["a", " ", "#", "'", '\\"', "\\'", "\\\\", "\\u0022", "\\u0027", "\\U00000022", "\\u00000022", "\\u005C", "\\u000A", "\\n", "SERVICE", "{"]
LONG_PIECES = [*STRING_PIECES, '"', '""', "\n", "\r\n", "''"]
LOCAL_PIECES = ["x", "\\#", "\\'", "\\-", "\\.", "\\?", "\\%", "%23", "%41", ":"]
LITERALS = ["1", "-1", "+1", "1.5", ".5", "1.0e0", "1E5", "true", "false", '"x"', "'x'", '"x"@en', '"1"^^xsd:integer']
GLUES = ["", " ", "\t", "\r", "\n", "\r\n", " # note\r", " # note\n", " #\\u000A ", "\u00a0", "  # '\n", ' # """\n']


def random_case(word: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda flags: "".join(c.lower() if f else c for c, f in zip(word, flags, strict=True))
    )


iris = st.lists(st.sampled_from(IRI_PIECES), max_size=4).map(lambda parts: "<urn:x" + "".join(parts) + ">")
short_strings = st.tuples(st.sampled_from(['"', "'"]), st.lists(st.sampled_from(STRING_PIECES), max_size=4)).map(
    lambda qp: qp[0] + "".join(p for p in qp[1] if p != qp[0]) + qp[0]
)
long_strings = st.tuples(st.sampled_from(['"""', "'''"]), st.lists(st.sampled_from(LONG_PIECES), max_size=5)).map(lambda qp: qp[0] + "".join(qp[1]) + qp[0])
local_names = st.lists(st.sampled_from(LOCAL_PIECES), min_size=1, max_size=3).map(lambda parts: "ex:x" + "".join(parts))
comments = st.tuples(st.lists(st.sampled_from(STRING_PIECES), max_size=3), st.sampled_from(["\n", "\r", "\r\n"])).map(lambda ct: "# " + "".join(ct[0]) + ct[1])
terms = st.one_of(iris, short_strings, long_strings, local_names, st.sampled_from(LITERALS))
# each noise item is a group element with a "{}" slot for a fresh variable name
noise_items = st.one_of(
    terms.map(lambda t: "BIND(" + t.replace("{", "{{").replace("}", "}}") + " AS ?{})"),
    terms.map(lambda t: "VALUES ?{} {{ " + t.replace("{", "{{").replace("}", "}}") + " }}"),
    st.sampled_from(LITERALS).map(lambda lit: "?{} <urn:mhkg-test:none>? " + lit),  # ends in a literal: the keyword may be glued to it
    comments.map(lambda c: c.replace("{", "{{").replace("}", "}}") + "BIND(1 AS ?{})"),
    st.just("BIND(1 AS ?{})"),
    st.just("{{}}"),
)


def noise(tag: str) -> st.SearchStrategy[str]:
    """Up to three noise items, with variables ``?<tag><i>`` (fresh in each list)."""
    return st.lists(noise_items, max_size=3).map(lambda items: " ".join(item.format(f"{tag}{i}") for i, item in enumerate(items)))


# an opener before the SERVICE clause and a closer after it: what one lexer reads as a string or a comment around the
# clause and another as code (whole-text \\u expansion, comments ended by CR, PN_LOCAL escapes, escapes in IRIs)
PAIRS = [
    ('BIND("\\u0022" AS ?{0}o) ', ' BIND("\\u0022" AS ?{0}c)'),
    ("BIND('\\u0027' AS ?{0}o) ", " BIND('\\u0027' AS ?{0}c)"),
    ('BIND("\\U00000022" AS ?{0}o) ', ' BIND("\\U00000022" AS ?{0}c)'),
    ('BIND("\\u00000022" AS ?{0}o) ', ' BIND("\\u00000022" AS ?{0}c)'),
    ('BIND("\\u005C" AS ?{0}o) ', " BIND('\" AS ?{0}z) #' AS ?{0}c)\n"),
    ("BIND('\\u005C' AS ?{0}o) ", ' BIND("\' AS ?{0}z) #" AS ?{0}c)\n'),
    ('# \\u000A BIND("""\n', '\n# """ AS ?{0}c)\n'),
    ("# \\u000A BIND('''\n", "\n# ''' AS ?{0}c)\n"),
    ("# note\r", "\n"),
    ("BIND(<urn:x#\\u0041> AS ?{0}o) ", ""),
    ("BIND(<urn:x\\u0041'> AS ?{0}o) ", " BIND('a' AS ?{0}c)"),
    ("BIND(ex:x\\# AS ?{0}o) ", ""),
    ("BIND(ex:x\\' AS ?{0}o) ", " BIND('a' AS ?{0}c)"),
    ("BIND(<urn:x#\u00a0> AS ?{0}o) ", ""),
]
ENDPOINTS = {
    "iri": ("", "@URL@"),
    "iri-escaped": ("", "<http://127.0.0.1:@PORT@/sp\\u0061rql>"),
    "iri-fragment-escape": ("", "<http://127.0.0.1:@PORT@/sparql#\\u0041>"),
    "prefixed": ("PREFIX internal: <@BASE@> ", "internal:sparql"),
    "relative": ("BASE <@BASE@> ", "<sparql>"),
    "variable-values": ("", "?endpoint"),
}
WRAPPERS = [
    "OPTIONAL {{ {} }}",
    "BIND(1 AS ?w{d}) MINUS {{ {} }}",
    "GRAPH ?g{d} {{ {} }}",
    f"GRAPH <{TEST_GRAPH}> {{{{ {{}} }}}}",
    "{{ SELECT * WHERE {{ {} }} }}",
    "BIND(1 AS ?w{d}) FILTER EXISTS {{ {} }}",
    "BIND(1 AS ?w{d}) FILTER NOT EXISTS {{ {} }}",
    "{{ BIND(1 AS ?w{d}) }} UNION {{ {} }}",
    "{{ {} }} UNION {{ BIND(1 AS ?w{d}) }}",
    "{{ {} }}",
]
FORMS = ["SELECT * WHERE {{ {} }}", "ASK {{ {} }}", "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {} }}", "DESCRIBE ?s WHERE {{ {} }}", "select * where {{ {} }}"]


@st.composite
def service_queries(draw: st.DrawFn) -> str:
    """A query holding a SERVICE clause aimed at the listener (placeholders as in :func:`fill`), in a generated spelling."""
    keyword = draw(random_case("SERVICE"))
    silent = draw(st.one_of(st.just(""), random_case("SILENT").map(lambda s: " " + s)))
    declaration, endpoint = ENDPOINTS[draw(st.sampled_from(list(ENDPOINTS)))]
    body = draw(st.sampled_from(["{ ?s ?p ?o }", "{}", "{ BIND(1 AS ?inner) }"]))
    opener, closer = (p.format("pair") for p in draw(st.one_of(st.just(("", "")), st.sampled_from(PAIRS))))
    clause = (
        draw(noise("before"))
        + opener
        + draw(st.sampled_from(GLUES))
        + keyword
        + silent
        + draw(st.sampled_from([" ", "\t", "\r", "\n", " # x\n"]))
        + endpoint
        + " "
        + body
        + closer
    )
    if endpoint == "?endpoint":
        clause = "VALUES ?endpoint { @URL@ } " + clause
    clause += " " + draw(noise("after"))
    for depth, wrapper in enumerate(draw(st.lists(st.sampled_from(WRAPPERS), max_size=3))):
        clause = _wrap(wrapper, clause, depth)
    return "PREFIX ex: <http://example.org/> " + declaration + _wrap(draw(st.sampled_from(FORMS)), clause, 0)


def _wrap(wrapper: str, inner: str, depth: int) -> str:
    """Put ``inner`` into a wrapper template (``{}`` the slot, ``{d}`` a depth tag, doubled braces literal)."""
    literal = wrapper.replace("{{", "\0").replace("}}", "\1").replace("{d}", str(depth))
    return literal.replace("{}", inner, 1).replace("\0", "{").replace("\1", "}")


def accepted(route: str, answer: httpx.Response) -> bool:
    """The service answered the query (200; the page: results and no error)."""
    return answer.status_code == 200 and (route != "query-page" or page_error(answer.text) is None)


def engine_calls_out(engine: ox.Store, text: str, received: list[bytes]) -> bool:
    """Replay an accepted query on the unguarded engine in this process: does it connect to the listener?"""
    before = len(received)
    try:
        result = engine.query(text, prefixes=PREFIXES)
        if not isinstance(result, ox.QueryBoolean):
            for _ in zip(range(200), result, strict=False):
                pass
    except (SyntaxError, OSError, RuntimeError, ValueError):
        return len(received) > before
    return wait_until(lambda: len(received) > before, timeout=0.1)


def fuzz_one(client: TestClient, engine: ox.Store, received: list[bytes], text: str, route: str, statuses: tuple[int, ...] | None = None) -> None:
    """Oracle for one generated query: no connection, no 500 (or only ``statuses``), nothing accepted that calls out.

    A SERVICE call is made while the worker evaluates the query, before the answer is sent, and the listener records
    the connection before it closes it: a connection this query caused is recorded by the time its answer arrives.
    The replay on the unguarded engine catches a SERVICE the policy let through even when the workers' sandbox
    stops the call itself (SILENT makes that a 200).
    """
    before = len(received)
    answer = send(client, route, text)
    case = f"{text!r} by {route}"
    assert answer.status_code != 500, (case, answer.text[:500])
    if statuses is not None:
        assert answer.status_code in statuses, (case, answer.status_code, answer.text[:500])
    assert len(received) == before, f"{case}: the service connected to the internal host"
    message = (page_error(answer.text) or "") if route == "query-page" else answer.text
    assert answer.status_code == 200 or not NETWORK_FAILURE.search(message), f"{case}: the query was evaluated and its SERVICE call failed: {message[:300]!r}"
    if accepted(route, answer):
        replayed = engine_calls_out(engine, text, received)
        del received[before:]  # the replay's own connections
        assert not replayed, f"{case}: the service accepted a query whose SERVICE the engine evaluates"


def test_fuzz_no_spelling_of_service_reaches_out(client: TestClient, engine: ox.Store, listener: tuple[int, list[bytes]]) -> None:
    """Generated SERVICE spellings by random routes; the listener must receive nothing during the whole run."""
    port, received = listener

    @FUZZ_SETTINGS
    @given(query=service_queries(), route=st.sampled_from(ROUTES))
    def one(query: str, route: str) -> None:
        fuzz_one(client, engine, received, fill(query, port), route)

    one()
    assert_no_connection(received, "during the fuzz run")


HARMLESS = [
    "SELECT ?m ?l WHERE { ?m a mh:Municipality ; rdfs:label ?l } LIMIT 5",
    'SELECT ?l WHERE { <https://w3id.org/mhkg/id/organisation/trafiknamnden> rdfs:label ?l FILTER(LANG(?l) = "sv") }',
    "ASK { ?m a mh:Municipality }",
    "CONSTRUCT { ?m a mh:Municipality } WHERE { ?m a mh:Municipality } LIMIT 3",
    "SELECT (COUNT(*) AS ?n) WHERE { ?m a mh:Municipality }",
    'SELECT * WHERE { BIND("""SERVICE @URL@ { ?s ?p ?o }""" AS ?text) }',
    "SELECT * WHERE { BIND(<urn:x#a> AS ?z) # SERVICE @URL@ { ?s ?p ?o }\n}",
    "PREFIX ex: <http://example.org/> SELECT * WHERE { VALUES ?x { ex:a\\# ex:b%23 1 1.5 true 'it''s' } } ORDER BY ?x",
    "SELECT * WHERE { OPTIONAL { BIND(1 AS ?a) } MINUS { BIND(2 AS ?a) } FILTER EXISTS { BIND(3 AS ?b) } }",
    "SELECT ?service WHERE { { SELECT (1 AS ?service) WHERE { } } UNION { BIND(<@BASE@x> AS ?service) } }",
]
TOKENS = [
    *["{", "}", "(", ")", "<", ">", '"', "'", '"""', "#", "\\", "\\u0041", "\n", "\r", "\t", " ", ".", ";", ",", "?", "$", ":", "@", "^^", "*", "!", "|", "/"],
    *["\u00a0", "\ufeff", "1", "e", "a", "_:", "[]", "SELECT", "WHERE", "OPTIONAL", "FILTER", "GRAPH", "VALUES", "UNION", "MINUS", "EXISTS", "LIMIT"],
]


@st.composite
def mutated_queries(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(HARMLESS))
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 8)))
        op = draw(st.sampled_from(["delete", "insert", "duplicate", "swapcase", "replace"]))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[i:]
        elif op == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        elif op == "swapcase":
            text = text[:i] + text[i:j].swapcase() + text[j:]
        else:
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[j:]
    return text


def test_fuzz_mutated_harmless_queries_never_500(client: TestClient, engine: ox.Store, listener: tuple[int, list[bytes]]) -> None:
    """Harmless queries, mutated (a mutation may also expose a SERVICE hidden in a string): 200 or 400, nothing else."""
    port, received = listener

    @FUZZ_SETTINGS
    @given(query=mutated_queries(), route=st.sampled_from(ROUTES))
    def one(query: str, route: str) -> None:
        fuzz_one(client, engine, received, fill(query, port), route, statuses=(200, 400))

    one()
    assert_no_connection(received, "during the fuzz run")


# ---------------------------------------------------------------------------- 3. parse errors name the position
LINE = re.compile(r"\bline\b\W{0,3}(\d+)", re.I)
COLUMN = re.compile(r"\bcol(?:umn)?\b\W{0,3}(\d+)", re.I)
MALFORMED = {
    "missing-object": ("SELECT * WHERE { ?s ?p }", 1),
    "unclosed": ("ASK {", 1),
    "multi-line": ("SELECT ?x\nWHERE {\n  ?s ?p ?o .\n  FILTER(?x = )\n}", 3),
    "unterminated-string": ('SELECT * WHERE {\n  BIND("open AS ?x)\n}', 2),
}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("name", list(MALFORMED))
def test_parse_errors_name_line_and_column(client: TestClient, name: str, route: str) -> None:
    text, first_possible_line = MALFORMED[name]
    answer = send(client, route, text)
    assert_refused(route, answer)
    message = page_error(answer.text) if route == "query-page" else answer.text
    assert message is not None
    line, column = LINE.search(message), COLUMN.search(message)
    assert line and column, f"no line and column in {message!r}"
    assert first_possible_line <= int(line.group(1)) <= text.count("\n") + 1, message  # the position, not "line 1" for everything
    assert int(column.group(1)) >= 1


# ---------------------------------------------------------------------------- 4. nesting depth
DEEP = {
    "groups": "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000,
    "parentheses": "SELECT * WHERE { BIND(1 AS ?x) FILTER(" + "(" * 5000 + "?x" + ")" * 5000 + ") }",
}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("name", list(DEEP))
def test_deep_nesting_is_refused_and_the_service_keeps_answering(client: TestClient, name: str, route: str) -> None:
    text = DEEP[name]
    assert len(text) <= 11_000  # a 10 KB query
    answer = send(client, route, text)
    health = client.get("/health")
    ordinary = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?m a mh:Municipality }"})
    assert health.status_code == 200, "the service stopped answering"
    assert ordinary.status_code == 200 and '"26"' in ordinary.text, (ordinary.status_code, ordinary.text[:300])
    assert_refused(route, answer)


def test_moderate_nesting_is_fine(client: TestClient) -> None:
    """The bound is on depth, not on ordinary structure: ten nested groups and a few OPTIONALs answer."""
    text = "SELECT * WHERE " + "{ OPTIONAL " * 5 + "{" * 5 + " ?m a mh:Municipality " + "}" * 10 + " LIMIT 1"
    for route in ROUTES:
        assert_answered(route, send(client, route, text))
