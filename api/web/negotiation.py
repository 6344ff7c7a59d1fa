"""Content negotiation: one table from media type to serialiser, one Accept parser with q-values.

The Accept header is read as RFC 9110 §12.5.1 (Accept) and §12.4.2 (quality values) say:

* Each media range has a weight ``q`` from 0 to 1 (default 1); ``q=0`` means "not acceptable".
* The quality of an offered media type is the weight of the MOST SPECIFIC range that matches it:
  ``type/subtype;params`` beats ``type/subtype`` beats ``type/*`` beats ``*/*`` (a range with more
  parameters beats one with fewer). So ``text/html;q=0, */*;q=0.1`` excludes ``text/html`` although
  ``*/*`` admits everything else. Among equally specific matching ranges the first one in the header
  wins (as in python-mimeparse).
* A range with parameters matches only media types that carry every one of them with an equal value.
  Type, subtype and parameter names are case-insensitive, ``charset`` values too (RFC 9110 §8.3.2);
  other parameter values are case-sensitive; a quoted value equals the same value unquoted.
* A parameter named ``q`` is the weight wherever it stands (RFC 9110 §12.5.1: "Recipients SHOULD
  process any parameter named q as weight, regardless of parameter ordering"); RFC 9110 removed
  RFC 7231's accept-ext, so every other parameter, before or after ``q``, is a media-type parameter.
  Only the first ``q`` counts.
* The server picks the offered type with the highest quality above 0; ties go to the earlier entry
  of ``offered`` (the server's preference). No header, an empty one, or one without a single
  well-formed range is read as ``*/*``.

Malformed input, and what it becomes (the lenient reading, which never widens what a client admits):

* A weight that is not a decimal number from 0 to 1 (``q=abc``, ``q=2``, ``q=-1``, a bare ``q``)
  makes its range ``q=0``: it keeps its specificity, so it can exclude a type but never admit one.
  The number's form is read leniently (``q=.5`` as Java sends it, more than three decimals, a quoted
  value), since RFC 9110 §12.4.2 only binds senders to the strict ``qvalue`` grammar.
* An element that is not ``type/subtype`` made of tokens (``text``, ``*/html``, ``text/html/x``,
  ``"a"/b``) is skipped; the bare ``*`` some old clients send is read as ``*/*``. A parameter that is
  not ``name=value`` is skipped. Empty list elements (``a/b,,c/d``) are allowed (RFC 9110 §5.6.1).
* Optional whitespace is allowed around ``,``, ``;``, ``/`` and ``=``; commas and semicolons inside
  quoted strings are data, not separators.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from fastapi.responses import JSONResponse, Response

from api.sparql.results import to_sparql_json

RESULTS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/xml": ox.QueryResultsFormat.XML,
}
GRAPHS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}
SHORT: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "html": "text/html",
}

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_QVALUE = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)")
_CASELESS_VALUES = frozenset({"charset"})


@dataclass(frozen=True)
class MediaRange:
    """One element of an Accept header.

    Attributes:
        type: the type, lower-cased (``*`` for any).
        subtype: the subtype, lower-cased (``*`` for any).
        params: the media-type parameters (every parameter but the weight), names lower-cased.
        q: the weight, 0 to 1 (0: not acceptable).
    """

    type: str
    subtype: str
    params: tuple[tuple[str, str], ...]
    q: float

    @property
    def specificity(self) -> tuple[int, int, int]:
        """Larger is more specific: a concrete type, then a concrete subtype, then more parameters."""
        return (self.type != "*", self.subtype != "*", len(self.params))

    def matches(self, media: MediaRange) -> bool:
        """Whether this range admits the (concrete) media type ``media``."""
        if self.type != "*" and self.type != media.type:
            return False
        if self.subtype != "*" and self.subtype != media.subtype:
            return False
        have = dict(media.params)
        return all(have.get(name) == value for name, value in self.params)

    def __str__(self) -> str:
        return f"{self.type}/{self.subtype}" + "".join(f";{n}={_quote(v)}" for n, v in self.params)


def _quote(value: str) -> str:
    if _TOKEN.fullmatch(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _split(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside quoted strings (backslash escapes honoured inside them)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif quoted and ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str | None:
    """A parameter value as a plain string: a token as it is, a quoted string unescaped; None when it is neither."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value if value == "" or _TOKEN.fullmatch(value) else None


def _weight(value: str | None) -> float:
    """The weight a ``q`` parameter gives; 0 for a malformed one (see the module's docstring)."""
    if value is None or not _QVALUE.fullmatch(value):
        return 0.0
    q = float(value)
    return q if 0.0 <= q <= 1.0 else 0.0


def _parse_element(element: str, *, weighted: bool) -> MediaRange | None:
    """One media range (``weighted``) or media type, or None when it is malformed."""
    fields = _split(element, ";")
    name = fields[0].strip()
    if name == "*" and weighted:
        name = "*/*"
    major, slash, minor = name.partition("/")
    major, minor = major.strip().lower(), minor.strip().lower()
    if not slash or not _TOKEN.fullmatch(major) or not _TOKEN.fullmatch(minor):
        return None
    if major == "*" and minor != "*":
        return None
    if "*" in (major, minor) and not weighted:
        return None
    params: list[tuple[str, str]] = []
    q: float | None = None
    for field in fields[1:]:
        key, eq, raw = field.partition("=")
        key = key.strip().lower()
        value = _unquote(raw.strip()) if eq else None
        if key == "q" and weighted:
            if q is None:  # the first q is the weight; later ones are ignored
                q = _weight(value)
            continue
        if not _TOKEN.fullmatch(key) or value is None:
            continue  # not name=value: skipped
        params.append((key, value.lower() if key in _CASELESS_VALUES else value))
    return MediaRange(major, minor, tuple(params), 1.0 if q is None else q)


ANY = MediaRange("*", "*", (), 1.0)


def parse_ranges(header: str | None) -> tuple[MediaRange, ...]:
    """Every well-formed media range of an Accept header, in header order, ``q=0`` ones included.

    No header, an empty one, or one without a well-formed range gives ``*/*``. Headers of ordinary
    length are parsed once (an LRU cache: clients send few distinct ones).

    >>> [str(r) for r in parse_ranges("text/plain;format=flowed;q=0.4, image/*")]
    ['text/plain;format=flowed', 'image/*']
    """
    if header is not None and len(header) <= CACHED_HEADER_LENGTH:
        return _parse_ranges_cached(header)
    return _parse_ranges(header)


CACHED_HEADER_LENGTH = 1024


@lru_cache(maxsize=512)
def _parse_ranges_cached(header: str) -> tuple[MediaRange, ...]:
    return _parse_ranges(header)


def _parse_ranges(header: str | None) -> tuple[MediaRange, ...]:
    ranges = tuple(r for r in (_parse_element(e, weighted=True) for e in _split(header or "", ",") if e.strip()) if r is not None)
    return ranges or (ANY,)


def media_type(text: str) -> MediaRange | None:
    """A concrete media type (no wildcard, no weight) parsed like a range; None when malformed."""
    return _parse_element(text, weighted=False)


def quality(ranges: tuple[MediaRange, ...] | str | None, media: str) -> float:
    """The quality an Accept header (or its parsed ranges) gives ``media``: the weight of its most specific matching range.

    >>> quality("text/*;q=0.3, text/html;q=0, */*;q=0.5", "text/html"), quality("text/*;q=0.3, */*;q=0.5", "text/csv")
    (0.0, 0.3)
    """
    if ranges is None or isinstance(ranges, str):
        ranges = parse_ranges(ranges)
    target = media_type(media)
    if target is None:
        return 0.0
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(target) and (best is None or r.specificity > best.specificity):
            best = r
    return best.q if best is not None else 0.0


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """The acceptable media ranges of an Accept header, best first (ties keep header order); ``q=0`` ones are left out.

    A range is given with its media-type parameters (``text/plain;format=flowed``), lower-cased
    but for parameter values. No header gives ``*/*``.

    >>> parse_accept("text/csv;q=0.5, application/sparql-results+json")
    [('application/sparql-results+json', 1.0), ('text/csv', 0.5)]
    """
    ranges = parse_ranges(header)
    order = sorted(range(len(ranges)), key=lambda i: -ranges[i].q)  # stable: header order for equal weights
    return [(str(ranges[i]), ranges[i].q) for i in order if ranges[i].q > 0]


def choose(header: str | None, offered: list[str]) -> str | None:
    """The offered media type the Accept header prefers, or None when it accepts none of them.

    Each offered type gets the quality of its most specific matching range; the highest one above 0
    wins, and on equal quality the earlier entry of ``offered`` (so ``offered[0]`` is the default for
    ``*/*``). An offered type that is not a well-formed concrete media type is never chosen.

    >>> choose("text/html;q=0, */*;q=0.1", ["text/html", "text/turtle"])
    'text/turtle'
    """
    ranges = parse_ranges(header)
    best, best_q = None, 0.0
    for media in offered:
        q = quality(ranges, media)
        if q > best_q:
            best, best_q = media, q
    return best


def results_response(variables: list[str], rows: list[dict[str, Any]], media: str) -> Response:
    """Rows of a SELECT query in the chosen results format (CSV and TSV by pyoxigraph's serialisers)."""
    answer = to_sparql_json(variables, rows)
    if media not in ("text/csv", "text/tab-separated-values"):
        return JSONResponse(answer, media_type=media)
    solutions = ox.parse_query_results(json.dumps(answer).encode(), format=ox.QueryResultsFormat.JSON)
    return Response(solutions.serialize(format=RESULTS[media]), media_type=media + "; charset=utf-8")
