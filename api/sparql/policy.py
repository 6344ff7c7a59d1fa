"""What a public query may do, decided by parsing it: the first layer of the endpoint's defence.

Every query text that reaches the public endpoint is parsed with a real SPARQL 1.1 parser
(rdflib's grammar), and the parse tree is checked. The policy fails closed:

- whatever the parser cannot read is refused, with the line and column where it stopped;
- a query whose tree holds a ``SERVICE`` pattern anywhere (nested, in a subquery, in ``EXISTS`` …)
  is refused;
- an update (``INSERT``, ``LOAD``, ``CLEAR`` …) is refused on the query endpoint;
- a tree nested deeper than :data:`MAX_DEPTH` is refused (deep nesting crashes parsers and
  evaluators by stack overflow).

The engine evaluates exactly the text the policy parsed, made canonical first where the two parsers
are known to read the same text differently (found by the fuzz tests of ``tests/sparql/test_ssrf.py``):

- rdflib expands ``\\u``/``\\U`` codepoint escapes over the whole text before parsing (SPARQL 1.1
  §19.2), pyoxigraph only inside strings and IRIs, so ``"\\u0022"`` starts a long string for one and is
  a quote character for the other. A text with such an escape is refused (write the character itself).
- rdflib ends a comment only at a line feed, pyoxigraph (and the grammar) also at a carriage return.
  Line breaks are made line feeds (``CRLF`` and a lone ``CR`` alike) before either parser sees the text.

No keyword is ever looked for in the text. ``FROM`` and ``FROM NAMED`` are allowed: the engine
reads them as names of graphs in the store and never fetches anything for them.

The second layer does not depend on this one: the worker processes that evaluate queries cannot
open an internet socket at all (:mod:`api.sparql.sandbox`).
"""

from __future__ import annotations

import contextvars
import functools
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from api.errors import PolicyError  # defined with the whole hierarchy; importable from here as before

MAX_QUERY_LENGTH = 100_000
MAX_DEPTH = 120  # nesting of the parse tree; the deepest catalogue query has 27 (tested)
RECURSION_LIMIT = 12_000  # lets the parser reach MAX_DEPTH and fail cleanly well beyond it


@dataclass(frozen=True)
class Checked:
    """What the policy learnt of an accepted text."""

    form: str  # "SelectQuery", "AskQuery", "ConstructQuery", "DescribeQuery"; for an update, the operations joined by ","
    depth: int
    text: str  # the canonical text that was parsed: the one to evaluate


def prepare() -> None:
    """Let the parser nest deep enough to read :data:`MAX_DEPTH` levels (pyparsing recurses per level)."""
    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)


def _nodes(tree: Any, depth: int = 0) -> Iterator[tuple[Any, int]]:
    """Every parse-tree node with its depth, iteratively (a deep tree must not overflow the checker)."""
    from pyparsing import ParseResults

    stack = [(tree, depth)]
    while stack:
        node, d = stack.pop()
        yield node, d
        if isinstance(node, dict):  # CompValue is an OrderedDict
            stack.extend((v, d + 1) for v in node.values())
        elif isinstance(node, (list, tuple, ParseResults)):
            stack.extend((v, d + 1) for v in node)


def _name(node: Any) -> str | None:
    return getattr(node, "name", None) if isinstance(node, dict) else None


def _position(text: str, loc: int) -> tuple[int, int]:
    from pyparsing import col, lineno

    loc = max(0, min(loc, len(text)))
    return lineno(loc, text), col(loc, text)


def _deepest_location(exc: BaseException) -> int:
    """The furthest input position the parser had reached when it recursed too deep."""
    loc, tb = 0, exc.__traceback__
    while tb is not None:
        value = tb.tb_frame.f_locals.get("loc")
        if isinstance(value, int):
            loc = max(loc, value)
        tb = tb.tb_next
    return loc


_ESCAPE = re.compile(r"\\u[0-9a-f]{4}", re.IGNORECASE)  # what rdflib's pre-pass expands (its 8-digit form starts alike)


def canonical(text: str) -> str:
    """The text both parsers read alike: line feeds for every line break; no codepoint escapes (refused).

    Raises:
        PolicyError: the text holds a ``\\u``/``\\U`` escape (its line and column are named).

    >>> canonical("SELECT * # note\\rWHERE {}\\r\\n")
    'SELECT * # note\\nWHERE {}\\n'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    found = _ESCAPE.search(text)
    if found:
        line, column = _position(text, found.start())
        raise PolicyError("escapes", line=line, column=column)
    return text


# ------------------------------------------------------------------------------------------- syntax errors
# pyparsing reports where the rule that failed *started*: in ``{ ?s ?p }`` that is ``?s``, because the optional
# triples block gave up and the parser then wanted a ``}`` there. The place a reader needs is the furthest point
# the parser reached, ``}`` (where an object was expected): every terminal of the grammar records where it failed,
# and the furthest failure, with what was expected there, is the error's position. And pyparsing turns tabs into
# eight spaces before parsing unless told not to, which shifts every column after a tab (and every position a
# parse action reads): the grammar's two entry rules are told to keep tabs.

_furthest: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar("furthest_failure", default=None)
_terminal_names: dict[int, tuple[int, str]] = {}  # id of a terminal -> (0 punctuation, 1 grammar terminal, 2 keyword; its name)
MAX_EXPECTED = 10  # terminals named in a message; more are "…"


def _record_failure(_text: str, loc: int, element: Any, error: BaseException) -> None:
    seen = _furthest.get()
    if seen is None:
        return
    at = getattr(error, "loc", loc)
    if at > seen[0]:
        seen[0], seen[1] = at, set()
    if at == seen[0]:
        seen[1].add(_terminal_names.get(id(element), (2, str(element))))


def _install_position_hooks() -> None:
    """Record every terminal's failures (for :func:`_parse`'s position) and keep tabs: once per process.

    A keyword or punctuation is named as written; any other terminal by the grammar's own name of the rule it
    belongs to (``IRIREF``, ``VAR1``, ``INTEGER``, ``LANGTAG`` …, the names of the SPARQL 1.1 grammar).
    """
    from pyparsing import CaselessKeyword, Keyword, Literal, ParseElementEnhance, ParseExpression, Token
    from rdflib.plugins.sparql import parser

    if getattr(parser.Query, "_mhkg_positions", False):
        return
    rule_names = {id(v): k for k, v in vars(parser).items() if k.isupper() and not k.startswith("_") and hasattr(v, "parse_string")}
    stack: list[tuple[Any, str | None]] = [(parser.Query, None), (parser.UpdateUnit, None)]
    done: set[int] = set()
    while stack:  # the ignored expressions (comments) are not searched: a comment is never what was expected
        element, rule = stack.pop()
        if id(element) in done:
            continue
        done.add(id(element))
        rule = rule_names.get(id(element), rule)
        if isinstance(element, Token):
            if isinstance(element, (Keyword, CaselessKeyword, Literal)):
                match = str(element.match)
                _terminal_names[id(element)] = (2, match) if re.fullmatch(r"\w+", match) else (0, repr(match))
            else:
                _terminal_names[id(element)] = (1, rule or str(element))
            if element.failAction is None:
                element.set_fail_action(_record_failure)
        elif isinstance(element, ParseExpression):
            stack.extend((e, rule) for e in element.exprs)
        elif isinstance(element, ParseElementEnhance) and element.expr is not None:
            stack.append((element.expr, rule))
    for unit in (parser.Query, parser.UpdateUnit):
        unit.parse_with_tabs()
    parser.Query._mhkg_positions = True  # type: ignore[attr-defined]


def _expected(names: set[tuple[int, str]]) -> str:
    """What the parser would have taken at the furthest point: punctuation, then the grammar's terminals, then keywords.

    >>> _expected({(1, "VAR1"), (0, "'}'"), (2, "WHERE"), (0, "'.'")})
    "'.', '}', VAR1, WHERE"
    """
    shown = list(dict.fromkeys(name for _, name in sorted(names)))
    return ", ".join(shown[:MAX_EXPECTED]) + (" …" if len(shown) > MAX_EXPECTED else "")


ENGINE_POSITION = re.compile(r"error at (\d+):(\d+): (.*)", re.S)
ENGINE_SENTENCE = re.compile(r"(?<![\w'\"\[])[A-Z][a-z]+(?: [A-Za-z_?()'-]+)+")  # "Duplicated variable name in SELECT"
MAX_DETAIL = 240


def engine_error(message: str, text: str) -> dict[str, Any]:
    """The parameters of the message of a syntax error the engine (pyoxigraph) found in a text the policy accepted.

    pyoxigraph says ``error at LINE:COLUMN: expected …`` (1-based, in characters): it reads some rules more strictly
    than the grammar (a variable both bound and grouped, a VALUES row of the wrong length, a blank node in DELETE
    DATA …), and for those it stops at the end of the text. Its explanation is the sentence among what it "expected";
    the position becomes ``line``/``column`` with the ``source_line`` for the caret, as for the policy's own errors.

    >>> engine_error("error at 1:30: expected one of Duplicated variable name in SELECT, [_]", "SELECT (1 AS ?x) (2 AS ?x) {}")
    {'detail': 'Duplicated variable name in SELECT', 'line': 1, 'column': 30, 'source_line': 'SELECT (1 AS ?x) (2 AS ?x) {}'}
    >>> engine_error("something else", "ASK {}")
    {'detail': 'something else'}
    """
    found = ENGINE_POSITION.fullmatch(message.strip())
    if not found:
        return {"detail": message}
    rest = found.group(3)
    sentences = ENGINE_SENTENCE.findall(rest)
    detail = "; ".join(sentences) if sentences else rest  # without a sentence: the engine's own words
    if len(detail) > MAX_DETAIL:
        detail = detail[:MAX_DETAIL].rstrip() + " …"
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # the text the engine read (made canonical by the policy)
    lines = text.split("\n")
    line = max(1, min(int(found.group(1)), len(lines)))
    loc = sum(len(x) + 1 for x in lines[: line - 1]) + int(found.group(2)) - 1
    line, column = _position(text, min(loc, len(text.rstrip())))  # past the end: just after the last character
    return {"detail": detail, "line": line, "column": column, "source_line": text.split("\n")[line - 1]}


def _parse(text: str, *, update: bool) -> Any:
    """Parse a canonical query (or update) or raise PolicyError naming the position.

    The error's ``line`` and ``column`` (1-based, in characters, a tab one character) are where the parser got
    furthest; its ``source_line`` is that line's text (for the caret under the column, :func:`api.i18n.pointer`),
    ``excerpt`` the text from there and ``detail`` what would have been read there.
    """
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql import parser

    if len(text) > MAX_QUERY_LENGTH:
        raise PolicyError("too_long", limit=MAX_QUERY_LENGTH)
    prepare()
    _install_position_hooks()
    seen: list[Any] = [0, set()]
    token = _furthest.set(seen)
    try:
        return parser.parseUpdate(text) if update else parser.parseQuery(text)
    except ParseBaseException as exc:
        loc, detail = (seen[0], _expected(seen[1])) if seen[0] >= exc.loc and seen[1] else (exc.loc, exc.msg.removeprefix("Expected "))
        loc = min(loc, len(text.rstrip()))  # at the end of the text: just after its last character, not on a blank line
        line, column = _position(text, loc)
        excerpt = " ".join(text[loc : loc + 30].split())
        source_line = text.split("\n")[line - 1] if text else ""
        raise PolicyError(
            "malformed_update" if update else "malformed_query", line=line, column=column, excerpt=excerpt, detail=detail, source_line=source_line
        ) from None
    except RecursionError as exc:
        line, column = _position(text, _deepest_location(exc))
        raise PolicyError("too_deep", line=line, column=column, limit=MAX_DEPTH) from None
    finally:
        _furthest.reset(token)


def _check_tree(tree: Any, *, service: str) -> int:
    """The tree's depth, after refusing a SERVICE anywhere in it (message ``service``) or too deep a tree."""
    depth, found = 0, False
    for node, d in _nodes(tree):
        depth = max(depth, d)
        found = found or _name(node) == "ServiceGraphPattern"
    if found:
        raise PolicyError(service)
    if depth > MAX_DEPTH:
        raise PolicyError("too_deep", limit=MAX_DEPTH)
    return depth


def _is_update(text: str) -> bool:
    try:
        _parse(text, update=True)
    except PolicyError:
        return False
    return True


def check_query(text: str) -> Checked:
    """Accept a public query, or raise PolicyError saying why not (with its position where there is one).

    Verdicts of acceptance are remembered per exact text (the same text always gets the same verdict), so a
    query sent again is not parsed again; refusals are not remembered.

    >>> check_query("SELECT ?service WHERE { ?s ?p 'SERVICE' }").form
    'SelectQuery'
    >>> check_query("ASK { OPTIONAL { SERVICE <http://example.org/sparql> { ?s ?p ?o } } }")
    Traceback (most recent call last):
    ...
    api.errors.PolicyError: SERVICE is not allowed on this endpoint: public queries run on this knowledge graph only and never reach another server.
    >>> check_query("SELECT * WHERE { ?s ?p }")
    Traceback (most recent call last):
    ...
    api.errors.PolicyError: Malformed query (line 1, column 24), near '}'. Expected here: '$', '(', '+', '-', ':', '<', '?', '[', BLANK_NODE_LABEL, DECIMAL …
    """
    return _accepted(text)


@functools.lru_cache(maxsize=4096)
def _accepted(raw: str) -> Checked:
    text = canonical(raw)
    try:
        tree = _parse(text, update=False)
    except PolicyError:
        if _is_update(text):
            raise PolicyError("read_only") from None
        raise
    depth = _check_tree(tree, service="service")
    form = next((name for name in map(_name, tree) if name), "Query")
    return Checked(form=form, depth=depth, text=text)


# ------------------------------------------------------------------------------------------- updates
# Updates are for holders of the write token only (the /update endpoint). They pass the same parse
# policy (no SERVICE, nothing fetched: no LOAD), and the protocol's using-graph-uri and
# using-named-graph-uri become USING clauses of every DELETE/INSERT … WHERE operation.

_where_locations: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("where_locations", default=None)


def _record_where(_text: str, loc: int, _tokens: Any) -> None:
    seen = _where_locations.get()
    if seen is not None and loc not in seen:
        seen.append(loc)


def _install_where_recorder() -> None:
    """Record where the WHERE keyword of each DELETE/INSERT operation starts (rdflib's grammar keeps no positions)."""
    from pyparsing import And, Keyword, ParserElement
    from rdflib.plugins.sparql import parser

    if getattr(parser.Modify, "_mhkg_where", False):
        return
    # The keyword is a direct part of the rule's sequence; the sub-rules (patterns) are not searched.
    keyword, stack = None, [parser.Modify.expr]
    while stack and keyword is None:
        element: ParserElement = stack.pop()
        if isinstance(element, And):  # pyparsing nests sequences: And(And(…, WHERE), where)
            stack.extend(element.exprs)
        elif isinstance(element, Keyword) and element.match == "WHERE":
            keyword = element
    if keyword is None:  # pragma: no cover - only if rdflib's grammar changes shape
        raise RuntimeError("rdflib's Modify rule has no WHERE keyword")
    keyword.add_parse_action(_record_where)
    parser.Modify._mhkg_where = True  # type: ignore[attr-defined]


def iri_ref(value: str) -> str:
    """``<value>`` for a valid IRI (:func:`api.store.iri_ref`); else PolicyError "not an IRI" (in both languages)."""
    from api.vocab import iri_ref as valid_iri

    try:
        return valid_iri(value)
    except ValueError as exc:
        raise PolicyError("not_iri", value=value, detail=str(exc)) from None


def check_update(text: str, *, using: list[str] | None = None, using_named: list[str] | None = None) -> tuple[str, Checked]:
    """Accept an update for the write endpoint, with the protocol's USING graphs applied.

    Returns:
        The update text to execute (USING clauses added where the protocol asked for them) and what was checked.

    Raises:
        PolicyError: malformed, SERVICE or LOAD in it, too deep, or using-graph-uri given for an operation
            that has USING or WITH of its own (SPARQL 1.1 Protocol §2.2.3).
    """
    _install_where_recorder()
    text = canonical(text)
    seen: list[int] = []
    token = _where_locations.set(seen)
    try:
        tree = _parse(text, update=True)
    finally:
        _where_locations.reset(token)
    depth = _check_tree(tree, service="service_update")
    operations = list(tree["request"]) if "request" in tree else []
    names = [_name(op) or "?" for op in operations]
    if "Load" in names:
        raise PolicyError("load")
    checked = Checked(form=",".join(names), depth=depth, text=text)
    if not using and not using_named:
        return text, checked
    modifies = [op for op in operations if _name(op) == "Modify"]
    if any("using" in op or "withClause" in op for op in modifies):  # CompValue.get returns the key itself when absent
        raise PolicyError("using_conflict")
    if len(seen) != len(modifies):  # pragma: no cover - a grammar change; refuse rather than guess
        raise PolicyError("using_failed")
    clause = "".join(f"USING {iri_ref(g)} " for g in using or []) + "".join(f"USING NAMED {iri_ref(g)} " for g in using_named or [])
    rewritten = text
    for loc in sorted(seen, reverse=True):
        rewritten = rewritten[:loc] + clause + rewritten[loc:]
    again = _parse(rewritten, update=True)  # the rewrite is checked by the parser, not trusted
    counts = [len(op["using"]) if "using" in op else 0 for op in again["request"] if _name(op) == "Modify"]
    if counts != [len(using or []) + len(using_named or [])] * len(modifies):
        raise PolicyError("using_failed")  # pragma: no cover
    return rewritten, checked
