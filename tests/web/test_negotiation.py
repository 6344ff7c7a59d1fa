"""Content negotiation (RFC 9110 §12.5.1, §12.4.2) and HTTP caching (Vary, ETag, 304; RFC 9110 §13.1.2).

The first half tests :mod:`api.web.negotiation` on its own: tables of cases (python-mimeparse's kind
of coverage, RFC 9110's own examples) and Hypothesis properties against a small reference model.
The second half tests :mod:`api.web.caching` through the real app on the bundled knowledge.
"""

from __future__ import annotations

import inspect
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from api.store import EmbeddedStore, RemoteStore
from api.web.app import create_app
from api.web.caching import entity_tag, if_none_match, negotiated, with_vary
from api.web.negotiation import GRAPHS, RESULTS, choose, parse_accept, parse_ranges, quality

ID = "https://w3id.org/mhkg/id/"
LD = ["text/html", "text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"]  # linked data's offer
RFC_EXAMPLE = "text/*;q=0.3, text/plain;q=0.7, text/plain;format=flowed, text/plain;format=fixed;q=0.4, */*;q=0.5"


# ============================================================================ the Accept parser
@pytest.mark.parametrize(
    ("media", "expected"),
    [
        pytest.param("text/plain;format=flowed", 1.0, id="rfc-flowed"),
        pytest.param("text/plain", 0.7, id="rfc-plain"),
        pytest.param("text/html", 0.3, id="rfc-html"),
        pytest.param("image/jpeg", 0.5, id="rfc-jpeg"),
        pytest.param("text/plain;format=fixed", 0.4, id="rfc-fixed"),
        # RFC 9110's table says 0.7, which its own rule cannot give: erratum 7138. text/* is the most specific match.
        pytest.param("text/html;level=3", 0.3, id="rfc-html-level3-erratum-7138"),
        pytest.param("TEXT/Plain; FORMAT=flowed", 1.0, id="rfc-flowed-case-insensitive-names"),
        pytest.param('text/plain;format="flowed"', 1.0, id="rfc-flowed-quoted-value"),
        pytest.param("text/plain;format=flowed;charset=utf-8", 1.0, id="rfc-extra-parameter-on-the-type-still-matches"),
        pytest.param("text/plain;format=Flowed", 0.7, id="rfc-parameter-values-case-sensitive"),
    ],
)
def test_rfc_9110_quality_table(media: str, expected: float) -> None:
    """RFC 9110 §12.5.1: the quality each media type gets from the elaborate example."""
    assert quality(RFC_EXAMPLE, media) == expected


RFC_OFFER = ["text/html", "text/plain;format=fixed", "image/jpeg", "text/plain", "text/plain;format=flowed"]


@pytest.mark.parametrize(
    ("header", "offered", "expected"),
    [
        # --- RFC 9110 §12.5.1's examples
        pytest.param(RFC_EXAMPLE, RFC_OFFER, "text/plain;format=flowed", id="rfc-example-best"),
        pytest.param(RFC_EXAMPLE, RFC_OFFER[:-1], "text/plain", id="rfc-example-without-flowed"),
        pytest.param(RFC_EXAMPLE, RFC_OFFER[:-2], "image/jpeg", id="rfc-example-without-plain"),
        pytest.param(RFC_EXAMPLE, RFC_OFFER[:-3], "text/plain;format=fixed", id="rfc-example-without-jpeg"),
        pytest.param(RFC_EXAMPLE, ["text/html"], "text/html", id="rfc-example-html-only"),
        pytest.param("audio/*; q=0.2, audio/basic", ["audio/mpeg", "audio/basic"], "audio/basic", id="rfc-audio-basic-preferred"),
        pytest.param("audio/*; q=0.2, audio/basic", ["audio/mpeg"], "audio/mpeg", id="rfc-audio-any-after-markdown"),
        pytest.param("text/plain; q=0.5, text/html, text/x-dvi; q=0.8, text/x-c", ["text/plain", "text/x-dvi"], "text/x-dvi", id="rfc-dvi-before-plain"),
        pytest.param("text/plain; q=0.5, text/html, text/x-dvi; q=0.8, text/x-c", ["text/x-c", "text/html"], "text/x-c", id="rfc-equal-c-html-server-order"),
        pytest.param("text/plain; q=0.5, text/html, text/x-dvi; q=0.8, text/x-c", ["text/html", "text/x-c"], "text/html", id="rfc-equal-html-c-server-order"),
        # --- q=0 excludes, even when a wildcard admits everything else
        pytest.param("text/html;q=0, */*;q=0.1", LD, "text/turtle", id="q0-html-under-star"),
        pytest.param("*/*;q=0.1, text/html;q=0", LD, "text/turtle", id="q0-html-under-star-reversed"),
        pytest.param("text/html;q=0, text/*;q=0.1", ["text/html"], None, id="q0-html-under-text-star-nothing-else"),
        pytest.param("text/html;q=0", ["text/html"], None, id="q0-alone"),
        pytest.param("text/html;q=0.000, */*", ["text/html", "text/csv"], "text/csv", id="q0-three-decimals"),
        pytest.param("*/*;q=0", LD, None, id="q0-everything"),
        pytest.param("text/*;q=0, */*", ["text/html", "application/json"], "application/json", id="q0-type-range"),
        pytest.param("text/html;q=0, */*;q=0.1", ["text/html"], None, id="q0-only-offer-excluded"),
        pytest.param("application/sparql-results+json;q=0, */*;q=0.1", list(RESULTS), "application/sparql-results+xml", id="q0-json-results"),
        # --- specificity beats order and weight
        pytest.param("*/*;q=0.9, text/html;q=0.1", ["text/html", "text/turtle"], "text/turtle", id="specific-low-beats-star-high"),
        pytest.param("text/*;q=0.9, text/html;q=0.2", ["text/html", "text/csv"], "text/csv", id="specific-low-beats-type-range"),
        pytest.param("text/html;q=0.2, text/*;q=0.9", ["text/html", "text/csv"], "text/csv", id="specific-first-in-header"),
        pytest.param("text/plain;format=fixed;q=0.1, text/plain", ["text/plain;format=fixed", "text/plain"], "text/plain", id="parameters-most-specific"),
        pytest.param("text/plain;q=0.1, text/plain;format=fixed", ["text/plain", "text/plain;format=fixed"], "text/plain;format=fixed", id="parameters-raise"),
        pytest.param("application/*;q=0.9, text/csv", ["application/sparql-results+json", "text/csv"], "text/csv", id="exact-over-type-range"),
        pytest.param("application/sparql-results+json;q=0.1, application/*;q=0.9", list(RESULTS), "application/sparql-results+xml", id="results-specificity"),
        # --- ties go to the server's order
        pytest.param("text/csv, application/json", ["application/json", "text/csv"], "application/json", id="tie-server-order"),
        pytest.param("text/csv;q=0.5, application/json;q=0.5", ["text/csv", "application/json"], "text/csv", id="tie-equal-weights"),
        pytest.param("*/*", ["text/turtle", "application/n-triples"], "text/turtle", id="star-first-offer"),
        pytest.param("application/*", ["text/csv", "application/sparql-results+json"], "application/sparql-results+json", id="type-range-first-match"),
        # --- no header, an empty one
        pytest.param(None, ["text/turtle", "application/n-triples"], "text/turtle", id="no-header"),
        pytest.param("", ["text/turtle", "application/n-triples"], "text/turtle", id="empty-header"),
        pytest.param("  \t ", ["text/turtle"], "text/turtle", id="blank-header"),
        pytest.param(" , ,, ", ["text/turtle"], "text/turtle", id="only-empty-elements"),
        pytest.param("*/*", [], None, id="nothing-offered"),
        # --- case and whitespace
        pytest.param("TEXT/HTML", ["text/html"], "text/html", id="case-type"),
        pytest.param("text/turtle", ["Text/Turtle"], "Text/Turtle", id="case-offer-kept"),
        pytest.param("Text/*;Q=0.5, */*;q=0.1", ["application/json", "text/csv"], "text/csv", id="case-q"),
        pytest.param("text/plain;charset=UTF-8", ["text/plain;charset=utf-8"], "text/plain;charset=utf-8", id="case-charset-value"),
        pytest.param("text/plain;format=Flowed", ["text/plain;format=flowed"], None, id="case-other-value-sensitive"),
        pytest.param(" text/csv ; q = 0.5 ,\tapplication/json ;q=0.4 ", ["application/json", "text/csv"], "text/csv", id="whitespace"),
        pytest.param("text / csv", ["text/csv"], "text/csv", id="whitespace-around-slash"),
        pytest.param(", , text/csv ,,", ["application/json", "text/csv"], "text/csv", id="empty-elements"),
        # --- parameters (the weight wherever it stands; RFC 9110 has no accept-ext)
        pytest.param("text/plain;q=0.4;format=fixed", ["text/plain"], None, id="parameter-after-q-is-a-media-parameter"),
        pytest.param("text/plain;q=0.4;format=fixed", ["text/plain;format=fixed"], "text/plain;format=fixed", id="parameter-after-q-matches"),
        pytest.param("text/html;q=0.5;q=0", ["text/html"], "text/html", id="first-q-counts"),
        pytest.param("text/html;q=0.5, text/html;q=0", ["text/html"], "text/html", id="equally-specific-first-counts"),
        pytest.param("text/html;q=0, text/html;q=0.5", ["text/html"], None, id="equally-specific-first-counts-q0"),
        pytest.param("text/plain;a=1;q=0, text/plain;b=2", ["text/plain;a=1;b=2"], None, id="equally-specific-parameters-first-counts"),
        pytest.param('text/plain;x="a,b;c", text/html;q=0.1', ['text/plain;x="a,b;c"', "text/html"], 'text/plain;x="a,b;c"', id="quoted-comma-semicolon"),
        pytest.param('text/plain;x="a,b";q=0.1, text/csv;q=0.5', ['text/plain;x="a,b"', "text/csv"], "text/csv", id="quoted-comma-keeps-the-weight"),
        pytest.param('text/html;x="q=0;y", text/csv;q=0.5', ['text/html;x="q=0;y"', "text/csv"], 'text/html;x="q=0;y"', id="quoted-semicolon-is-no-weight"),
        pytest.param('text/plain;x="a\\"b"', ['text/plain;x="a\\"b"'], 'text/plain;x="a\\"b"', id="quoted-escape"),
        pytest.param("text/plain;level", ["text/plain"], "text/plain", id="parameter-without-value-skipped"),
        # --- malformed weights: the range counts as q=0 (it can exclude, never admit)
        pytest.param("text/html;q=abc, */*;q=0.1", ["text/html", "text/csv"], "text/csv", id="malformed-q-word"),
        pytest.param("text/html;q=2, */*;q=0.1", ["text/html", "text/csv"], "text/csv", id="malformed-q-above-1"),
        pytest.param("text/html;q=-0.5, */*;q=0.1", ["text/html", "text/csv"], "text/csv", id="malformed-q-negative"),
        pytest.param("text/html;q=, */*;q=0.1", ["text/html", "text/csv"], "text/csv", id="malformed-q-empty"),
        pytest.param("text/html;q, */*;q=0.1", ["text/html", "text/csv"], "text/csv", id="malformed-q-bare"),
        pytest.param("text/html;q=nan, */*;q=0.1", ["text/html", "text/csv"], "text/csv", id="malformed-q-nan"),
        pytest.param("text/html;q=1e-3, */*;q=0.1", ["text/html", "text/csv"], "text/csv", id="malformed-q-exponent"),
        pytest.param("text/html;q=abc", ["text/html"], None, id="malformed-q-alone"),
        # ... but lenient about the number's form
        pytest.param("text/csv;q=.2, text/html;q=0.1", ["text/html", "text/csv"], "text/csv", id="lenient-q-leading-dot"),
        pytest.param("text/csv;q=0.12345, text/html;q=0.1234", ["text/html", "text/csv"], "text/csv", id="lenient-q-many-decimals"),
        pytest.param('text/csv;q="0.5", text/html;q=0.4', ["text/html", "text/csv"], "text/csv", id="lenient-q-quoted"),
        pytest.param("text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2", list(RESULTS), "application/sparql-results+json", id="java-default-accept"),
        # --- malformed ranges are skipped; a header with none left is */*
        pytest.param("garbage", ["text/turtle"], "text/turtle", id="malformed-only-is-star"),
        pytest.param("text", ["text/csv"], "text/csv", id="malformed-no-slash"),
        pytest.param("text/, application/json", ["text/csv", "application/json"], "application/json", id="malformed-no-subtype"),
        pytest.param("/html, application/json", ["text/html", "application/json"], "application/json", id="malformed-no-type"),
        pytest.param("*/html, application/json", ["text/html", "application/json"], "application/json", id="malformed-star-type"),
        pytest.param("text/html/x, application/json", ["text/html", "application/json"], "application/json", id="malformed-two-slashes"),
        pytest.param('"text"/html, application/json', ["text/html", "application/json"], "application/json", id="malformed-quoted-type"),
        pytest.param(";q=0.5, application/json", ["text/html", "application/json"], "application/json", id="malformed-parameters-only"),
        pytest.param("*;q=0.3, text/csv", ["application/json", "text/csv"], "text/csv", id="bare-star-is-star-star"),
        pytest.param("image/png", ["text/csv"], None, id="nothing-matches"),
        # --- python-mimeparse's best_match cases
        pytest.param("application/xbel+xml", ["application/xbel+xml", "application/xml"], "application/xbel+xml", id="mimeparse-direct"),
        pytest.param("application/xbel+xml; q=1", ["application/xbel+xml", "application/xml"], "application/xbel+xml", id="mimeparse-direct-q"),
        pytest.param("application/xml; q=1", ["application/xbel+xml", "application/xml"], "application/xml", id="mimeparse-second"),
        pytest.param("application/*; q=1", ["application/xbel+xml", "application/xml"], "application/xbel+xml", id="mimeparse-subtype-wildcard"),
        pytest.param("text/*;q=0.5,*/*; q=0.1", ["application/xbel+xml", "text/xml"], "text/xml", id="mimeparse-type-over-star"),
        pytest.param("text/html,application/atom+xml; q=0.9", ["application/xbel+xml", "text/xml"], None, id="mimeparse-no-match"),
        pytest.param("application/json, text/javascript, */*", ["application/json", "text/html"], "application/json", id="mimeparse-ajax"),
        pytest.param("application/json, text/html;q=0.9", ["application/json", "text/html"], "application/json", id="mimeparse-weighted"),
        pytest.param(
            "text/*;q=0.3, text/html;q=0.7, text/html;level=1, text/html;level=2;q=0.4, */*;q=0.5", ["text/html;level=2"], "text/html;level=2", id="rfc7231"
        ),
        # --- offers that are not concrete media types are never chosen
        pytest.param("*/*", ["text/*", "nonsense", "text/csv"], "text/csv", id="bad-offers-skipped"),
    ],
)
def test_choose(header: str | None, offered: list[str], expected: str | None) -> None:
    assert choose(header, offered) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("text/csv;q=0.5, application/sparql-results+json", [("application/sparql-results+json", 1.0), ("text/csv", 0.5)], id="weights"),
        pytest.param(None, [("*/*", 1.0)], id="none"),
        pytest.param("", [("*/*", 1.0)], id="empty"),
        pytest.param("garbage, ,", [("*/*", 1.0)], id="nothing-well-formed"),
        pytest.param("a/b;q=0.5, c/d;q=0.5, e/f", [("e/f", 1.0), ("a/b", 0.5), ("c/d", 0.5)], id="ties-keep-header-order"),
        pytest.param("text/html;q=0, */*;q=0.1", [("*/*", 0.1)], id="q0-left-out"),
        pytest.param("TEXT/Plain;Format=flowed;q=0.7", [("text/plain;format=flowed", 0.7)], id="parameters-kept-lowercased-names"),
        pytest.param('text/plain;x="a b"', [('text/plain;x="a b"', 1.0)], id="non-token-value-requoted"),
        pytest.param("text/html;q=abc, text/csv", [("text/csv", 1.0)], id="malformed-weight-is-q0"),
        pytest.param(
            RFC_EXAMPLE, [("text/plain;format=flowed", 1.0), ("text/plain", 0.7), ("*/*", 0.5), ("text/plain;format=fixed", 0.4), ("text/*", 0.3)], id="rfc"
        ),
    ],
)
def test_parse_accept(header: str | None, expected: list[tuple[str, float]]) -> None:
    assert parse_accept(header) == expected


def test_parse_ranges_keeps_q0_and_order() -> None:
    ranges = parse_ranges("text/html;q=0, */*;q=0.1")
    assert [(str(r), r.q) for r in ranges] == [("text/html", 0.0), ("*/*", 0.1)]
    assert [r.specificity for r in parse_ranges("*/*, text/*, text/plain, text/plain;a=1")] == [
        (False, False, 0),
        (True, False, 0),
        (True, True, 0),
        (True, True, 1),
    ]


def test_a_long_header_is_parsed_too() -> None:
    header = ", ".join(f"x/y{i};q=0.5" for i in range(500)) + ", text/html;q=0, */*;q=0.1"
    assert choose(header, ["text/html", "text/csv"]) == "text/csv"


# ---------------------------------------------------------------------------- properties
TYPES = ["text", "application", "image"]
SUBTYPES = ["plain", "html", "csv", "json"]
PARAMS = [("format", "flowed"), ("format", "fixed"), ("level", "1"), ("charset", "utf-8")]
WEIGHTS = [None, 0.0, 0.001, 0.1, 0.5, 0.7, 0.999, 1.0]


@st.composite
def media_ranges(draw: st.DrawFn) -> tuple[str, str, dict[str, str], float | None]:
    kind = draw(st.sampled_from(["any", "type", "exact"]))
    major = "*" if kind == "any" else draw(st.sampled_from(TYPES))
    minor = draw(st.sampled_from(SUBTYPES)) if kind == "exact" else "*"
    params = dict(draw(st.lists(st.sampled_from(PARAMS), max_size=2, unique_by=lambda p: p[0])))
    return major, minor, params, draw(st.sampled_from(WEIGHTS))


@st.composite
def offers(draw: st.DrawFn) -> list[tuple[str, str, dict[str, str]]]:
    kinds = st.tuples(st.sampled_from(TYPES), st.sampled_from(SUBTYPES), st.lists(st.sampled_from(PARAMS), max_size=2, unique_by=lambda p: p[0]).map(dict))
    return draw(st.lists(kinds, min_size=1, max_size=6, unique_by=lambda o: (o[0], o[1], tuple(sorted(o[2].items())))))


def _case(draw: st.DrawFn, text: str) -> str:
    return "".join(c.upper() if draw(st.booleans()) else c for c in text)


@st.composite
def rendered(draw: st.DrawFn, ranges: list[tuple[str, str, dict[str, str], float | None]]) -> str:
    """The ranges as an Accept header, with random case, whitespace, quoting and position of q."""
    ows = st.sampled_from(["", " ", "  ", "\t"])
    elements = []
    for major, minor, params, q in ranges:
        fields = [f"{_case(draw, major)}{draw(ows)}/{draw(ows)}{_case(draw, minor)}"]
        for name, value in params.items():
            value = value.upper() if name == "charset" and draw(st.booleans()) else value
            fields.append(f"{_case(draw, name)}=" + (f'"{value}"' if draw(st.booleans()) else value))
        if q is not None:
            weight = draw(st.sampled_from([f"{q:g}", f"{q:.3f}"]))
            fields.insert(draw(st.integers(1, len(fields))), f"{draw(st.sampled_from(['q', 'Q']))}={weight}")
        elements.append((draw(ows) + ";" + draw(ows)).join(fields))
    empties = draw(st.sampled_from(["", ", ", " ,, "]))
    return empties + (draw(ows) + "," + draw(ows)).join(elements)


def _render_offer(offer: tuple[str, str, dict[str, str]]) -> str:
    major, minor, params = offer
    return f"{major}/{minor}" + "".join(f";{n}={v}" for n, v in params.items())


def _model_quality(ranges: list[tuple[str, str, dict[str, str], float | None]], offer: tuple[str, str, dict[str, str]]) -> float:
    """The reference: the weight of the most specific matching range (the first of equally specific ones)."""
    if not ranges:
        return 1.0
    best, best_key = None, None
    for major, minor, params, q in ranges:
        if major not in ("*", offer[0]) or minor not in ("*", offer[1]) or any(offer[2].get(n) != v for n, v in params.items()):
            continue
        key = (major != "*", minor != "*", len(params))
        if best_key is None or key > best_key:
            best, best_key = (1.0 if q is None else q), key
    return 0.0 if best is None else best


@settings(max_examples=400, deadline=None)
@given(data=st.data(), ranges=st.lists(media_ranges(), max_size=6), offered=offers())
def test_choose_agrees_with_the_reference_model(data: st.DataObject, ranges: list[Any], offered: list[Any]) -> None:
    """The chosen type is one of offered, has the highest quality above 0 (first offered on ties),
    and is never one whose most specific matching range has q=0; None only when every offer has q=0."""
    header = data.draw(rendered(ranges))
    offered_text = [_render_offer(o) for o in offered]
    qualities = [_model_quality(ranges, o) for o in offered]
    chosen = choose(header, offered_text)
    for text, q in zip(offered_text, qualities, strict=True):
        assert quality(header, text) == q, text
    if max(qualities) == 0:
        assert chosen is None
    else:
        assert chosen in offered_text
        index = offered_text.index(chosen)
        assert qualities[index] > 0 and qualities[index] == max(qualities)
        assert index == qualities.index(max(qualities))


@settings(max_examples=300, deadline=None)
@given(
    header=st.one_of(st.none(), st.text(max_size=80), st.text(alphabet=' \t,;=/*"\\qQ.-019abtexhml', max_size=80)),
    offered=st.lists(st.sampled_from(LD + list(RESULTS)), unique=True),
)
def test_any_header_gives_an_offer_or_none(header: str | None, offered: list[str]) -> None:
    """Whatever the header, no exception; the answer is an offered type of quality > 0, or None; parse_accept is sorted."""
    chosen = choose(header, offered)
    assert chosen is None or (chosen in offered and quality(header, chosen) > 0)
    if chosen is None:
        assert all(quality(header, o) == 0 for o in offered)
    weights = [q for _, q in parse_accept(header)]
    assert all(0 < q <= 1 for q in weights) and weights == sorted(weights, reverse=True)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), ranges=st.lists(media_ranges(), max_size=5), offered=offers())
def test_excluding_a_chosen_type_never_chooses_it(data: st.DataObject, ranges: list[Any], offered: list[Any]) -> None:
    """Putting ``<chosen>;q=0`` first in a header makes the chosen type unacceptable, whatever wildcards say (first,
    because of equally specific ranges the first counts); an offer
    the new range does not match keeps its quality (when the header was not empty, that is ``*/*``)."""
    header = data.draw(rendered(ranges))
    offered_text = [_render_offer(o) for o in offered]
    chosen = choose(header, offered_text)
    if chosen is None:
        return
    excluding = f"{chosen};q=0, {header}"
    assert choose(excluding, offered_text) != chosen
    assert quality(excluding, chosen) == 0
    if ranges:
        major, minor, params = offered[offered_text.index(chosen)]
        for offer, text in zip(offered, offered_text, strict=True):
            if (offer[0], offer[1]) != (major, minor) or any(offer[2].get(n) != v for n, v in params.items()):
                assert quality(excluding, text) == quality(header, text)


# ============================================================================ caching: the helpers
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param([], "Accept", id="none"),
        pytest.param([(b"vary", b"Accept")], "Accept", id="already"),
        pytest.param([(b"Vary", b"accept")], "accept", id="already-other-case"),
        pytest.param([(b"vary", b"Accept-Encoding")], "Accept-Encoding, Accept", id="merged"),
        pytest.param([(b"vary", b"Origin, accept"), (b"vary", b"Accept-Language, Origin")], "Origin, accept, Accept-Language", id="two-headers-merged"),
        pytest.param([(b"vary", b"*")], "*", id="star-stays"),
        pytest.param([(b"vary", b" , Cookie ,")], "Cookie, Accept", id="empty-elements"),
    ],
)
def test_with_vary(headers: list[tuple[bytes, bytes]], expected: str) -> None:
    merged = with_vary([(b"content-type", b"text/plain"), *headers])
    assert [v.decode() for k, v in merged if k.lower() == b"vary"] == [expected]
    assert (b"content-type", b"text/plain") in merged


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param([], None, id="absent"),
        pytest.param([b'"abc"'], {"abc"}, id="one"),
        pytest.param([b'W/"abc"'], {"abc"}, id="weak"),
        pytest.param([b' "a" ,W/"b",, "c,d"'], {"a", "b", "c,d"}, id="list-with-comma-in-tag"),
        pytest.param([b'"a"', b'W/"b"'], {"a", "b"}, id="two-fields"),
        pytest.param([b"*"], {"*"}, id="star"),
        pytest.param([b" * "], {"*"}, id="star-whitespace"),
        pytest.param([b'"a,*,b"'], {"a,*,b"}, id="star-inside-a-tag-is-no-star"),
        pytest.param([b"garbage"], set(), id="garbage-matches-nothing"),
    ],
)
def test_if_none_match(values: list[bytes], expected: set[str] | None) -> None:
    assert if_none_match({"headers": [(b"if-none-match", v) for v in values]}) == expected


def test_entity_tag_depends_on_each_input() -> None:
    base: dict[str, Any] = {"path": "/sparql", "raw_path": b"/sparql", "query_string": b"query=ASK{}", "headers": [(b"host", b"a"), (b"accept", b"text/csv")]}
    tag = entity_tag(base, "v1")
    assert re.fullmatch(rb'W/"[0-9a-f]{32}"', tag)
    assert entity_tag(dict(base), "v1") == tag  # a pure function of its inputs
    variants = [
        ({**base, "method": "HEAD"}, "v1", ""),  # not the method
    ]
    assert all(entity_tag(s, v, f) == tag for s, v, f in variants)
    changed = [
        (base, "v2", ""),
        (base, "v1", "other code"),
        ({**base, "path": "/sparq", "raw_path": b"/sparq"}, "v1", ""),
        ({**base, "query_string": b"query=ASK{ }"}, "v1", ""),
        ({**base, "headers": [(b"host", b"b"), (b"accept", b"text/csv")]}, "v1", ""),
        ({**base, "headers": [(b"host", b"a"), (b"accept", b"text/tsv")]}, "v1", ""),
        ({**base, "headers": [*base["headers"], (b"accept-language", b"sv")]}, "v1", ""),
        ({**base, "headers": [*base["headers"], (b"accept", b"text/tsv")]}, "v1", ""),  # a second Accept field counts
        ({**base, "scheme": "https"}, "v1", ""),
        ({**base, "root_path": "/kg"}, "v1", ""),
    ]
    tags = [entity_tag(s, v, f) for s, v, f in changed]
    assert tag not in tags and len(set(tags)) == len(tags)
    # Length-prefixed fields: moving a character from one field to the next changes the tag.
    assert entity_tag({**base, "path": "/a", "query_string": b"b"}, "v") != entity_tag({**base, "path": "/ab", "query_string": b""}, "v")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("/sparql", True, id="sparql"),
        pytest.param("/", True, id="start"),
        pytest.param("/id/organisation/x", True, id="linked-data"),
        pytest.param("/api/v1/stats", True, id="rest"),
        pytest.param("/dataset.nt", True, id="dump"),
        pytest.param("/shapes.ttl", True, id="shapes"),
        pytest.param("/staticky", True, id="not-static"),
        pytest.param("/health", False, id="health"),
        pytest.param("/ready", False, id="ready"),
        pytest.param("/static", False, id="static-root"),
        pytest.param("/static/site.css", False, id="static"),
    ],
)
def test_negotiated_paths(path: str, expected: bool) -> None:
    assert negotiated(path) is expected


# ============================================================================ caching: the app
@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> Iterator[TestClient]:
    with TestClient(create_app(store)) as c:  # the lifespan stops the query workers at the end
        yield c


def _q(query: str) -> str:
    return "/sparql?query=" + urllib.parse.quote(query)


HTML_EXCLUDED = {"Accept": "text/html;q=0, */*;q=0.1"}
ORG = "/id/organisation/trafiknamnden"
TURTLE = {"Accept": "text/turtle"}
# One GET per kind of negotiated answer: SPARQL, service description, page, REST, linked data (RDF and HTML), dumps, shapes, ontology.
ROUTES = [
    pytest.param(_q("ASK {}"), {}, id="sparql-ask"),
    pytest.param(_q("SELECT ?s WHERE { ?s a mh:Committee } ORDER BY ?s LIMIT 3"), {"Accept": "text/csv"}, id="sparql-select-csv"),
    pytest.param("/sparql", TURTLE, id="service-description"),
    pytest.param("/.well-known/void", {}, id="well-known-void"),
    pytest.param("/", {}, id="page-start"),
    pytest.param("/strategy?lang=en", {}, id="page-strategy"),
    pytest.param("/api/v1/organisations?limit=2", {}, id="rest-organisations"),
    pytest.param("/api/v1/queries", {}, id="rest-queries"),
    pytest.param(ORG, TURTLE, id="linked-data-turtle"),
    pytest.param(ORG, {"Accept": "text/html"}, id="linked-data-html"),
    pytest.param("/id/source/durlak-2011.nt", {}, id="linked-data-suffix"),
    pytest.param("/ontology", {"Accept": "application/n-triples"}, id="ontology"),
    pytest.param("/shapes.ttl", {}, id="shapes"),
    pytest.param("/dataset.nt", {}, id="dataset"),
]


def _vary(response: Any) -> list[str]:
    """Every field name the Vary headers list, as sent (one Vary header is expected)."""
    return [name.strip() for value in response.headers.get_list("vary") for name in value.split(",")]


def test_sparql_excluded_html_is_never_chosen(client: TestClient) -> None:
    r = client.get(_q("ASK {}"), headers=HTML_EXCLUDED)
    assert r.status_code == 200 and not r.headers["content-type"].startswith("text/html")


def test_sparql_q0_excludes_the_default_format(client: TestClient) -> None:
    """The old parser dropped q=0 ranges and let */* pick offered[0], here the excluded JSON."""
    r = client.get(_q("ASK {}"), headers={"Accept": "application/sparql-results+json;q=0, */*;q=0.1"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/sparql-results+xml"


def test_sparql_specificity_beats_a_heavier_wildcard(client: TestClient) -> None:
    """application/* (0.9) must not give JSON, which its own, more specific range weighs 0.1."""
    r = client.get(_q("SELECT ?s WHERE { ?s a mh:Committee } LIMIT 1"), headers={"Accept": "application/sparql-results+json;q=0.1, application/*;q=0.9"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/sparql-results+xml"


@pytest.mark.parametrize("path", [ORG, "/id/intervention/housing-first", "/ontology", "/shapes"])
def test_linked_data_excluded_html_gives_rdf(client: TestClient, path: str) -> None:
    r = client.get(path, headers=HTML_EXCLUDED)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == "text/turtle"  # the first RDF format offered
    assert len(list(ox.parse(input=r.content, format=GRAPHS["text/turtle"]))) > 0


def test_linked_data_specific_html_weight_wins(client: TestClient) -> None:
    r = client.get(ORG, headers={"Accept": "*/*;q=0.9, text/html;q=0.1"})
    assert r.headers["content-type"].split(";")[0] == "text/turtle"
    r = client.get(ORG, headers={"Accept": "text/*;q=0.1, text/html;q=0.9"})
    assert r.headers["content-type"].split(";")[0] == "text/html"


@pytest.mark.parametrize(("path", "headers"), ROUTES)
def test_vary_accept_once_on_every_negotiated_answer(client: TestClient, path: str, headers: dict[str, str]) -> None:
    r = client.get(path, headers=headers)
    assert r.status_code == 200, r.text[:200]
    assert len(r.headers.get_list("vary")) == 1
    assert [n.lower() for n in _vary(r)].count("accept") == 1


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        pytest.param("GET", "/id/organisation/nobody", {"headers": TURTLE}, 404, id="not-found"),
        pytest.param("GET", ORG, {"headers": {"Accept": "image/png"}}, 406, id="not-acceptable"),
        pytest.param("GET", _q("ASK {}"), {"headers": {"Accept": "image/png"}}, 406, id="sparql-not-acceptable"),
        pytest.param("GET", _q("NOT SPARQL"), {}, 400, id="sparql-malformed"),
        pytest.param("POST", "/sparql", {"data": {"query": "ASK {}"}}, 200, id="post-query"),
    ],
)
def test_errors_and_posts_vary_but_have_no_etag(client: TestClient, method: str, path: str, kwargs: dict[str, Any], status: int) -> None:
    r = client.request(method, path, **kwargs)
    assert r.status_code == status
    assert [n.lower() for n in _vary(r)] == ["accept"]
    assert "etag" not in r.headers


@pytest.mark.parametrize("path", ["/health", "/ready", "/static/site.css"])
def test_operations_and_static_are_left_alone(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200 and "vary" not in r.headers
    if path != "/static/site.css":
        assert "etag" not in r.headers
    else:  # StaticFiles' own tag and 304
        assert client.get(path, headers={"If-None-Match": r.headers["etag"]}).status_code == 304


@pytest.mark.parametrize(("path", "headers"), ROUTES)
def test_etag_stable_and_304(client: TestClient, path: str, headers: dict[str, str]) -> None:
    first, second = client.get(path, headers=headers), client.get(path, headers=headers)
    assert first.status_code == second.status_code == 200
    tag = first.headers["etag"]
    assert re.fullmatch(r'W/"[0-9a-f]{32}"', tag) and second.headers["etag"] == tag
    assert first.content == second.content  # same inputs, same bytes
    r = client.get(path, headers={**headers, "If-None-Match": tag})
    assert r.status_code == 304 and r.content == b""
    assert r.headers["etag"] == tag and [n.lower() for n in _vary(r)] == ["accept"]
    assert "content-type" not in r.headers


@pytest.mark.parametrize(
    ("condition", "status"),
    [
        pytest.param("{tag}", 304, id="as-given"),
        pytest.param("{opaque}", 304, id="weak-comparison-with-the-strong-form"),
        pytest.param('"x", W/"y", {tag}', 304, id="in-a-list"),
        pytest.param("*", 304, id="star"),
        pytest.param('"x", W/"y"', 200, id="other-tags"),
        pytest.param("{bare}", 200, id="unquoted-is-no-tag"),
    ],
)
def test_if_none_match_forms(client: TestClient, condition: str, status: int) -> None:
    tag = client.get("/api/v1/queries").headers["etag"]
    opaque = tag.removeprefix("W/")
    r = client.get("/api/v1/queries", headers={"If-None-Match": condition.format(tag=tag, opaque=opaque, bare=opaque.strip('"'))})
    assert r.status_code == status
    assert r.headers["etag"] == tag
    assert (r.content == b"") is (status == 304)


def test_etag_differs_with_accept_host_and_target(client: TestClient) -> None:
    def tag(path: str, **headers: str) -> str:
        r = client.get(path, headers=headers)
        assert r.status_code == 200
        return r.headers["etag"]

    tags = [
        tag(ORG, accept="text/turtle"),
        tag(ORG, accept="application/n-triples"),
        tag(ORG, accept="text/turtle", host="other.example"),
        tag(ORG, accept="text/turtle", **{"accept-language": "en"}),
        tag(ORG + "?lang=en", accept="text/turtle"),
        tag("/id/organisation/fardtjanstnamnden", accept="text/turtle"),
        tag(_q("ASK {}"), accept="application/sparql-results+json"),
        tag(_q("ASK {}"), accept="application/sparql-results+xml"),
    ]
    assert len(set(tags)) == len(tags)
    old = tags[0]
    assert client.get(ORG, headers={"Accept": "application/n-triples", "If-None-Match": old}).status_code == 200  # another Accept: not this copy


def test_head_is_conditional_only_where_head_is_answered(client: TestClient) -> None:
    tag = client.get("/api/v1/queries").headers["etag"]
    plain = client.head("/api/v1/queries")
    conditional = client.head("/api/v1/queries", headers={"If-None-Match": tag})
    assert conditional.status_code == (304 if plain.status_code == 200 else plain.status_code)


def test_a_304_does_not_evaluate_the_query(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    state = client.app.state.mhkg  # type: ignore[attr-defined]
    calls: list[object] = []
    run = state.executor.run  # whatever its signature: the worker pool every public query goes through

    if inspect.iscoroutinefunction(run):

        async def counting(*args: Any, **kwargs: Any) -> Any:
            calls.append(args)
            return await run(*args, **kwargs)

    else:

        def counting(*args: Any, **kwargs: Any) -> Any:
            calls.append(args)
            return run(*args, **kwargs)

    monkeypatch.setattr(state.executor, "run", counting)
    path = _q("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?s a mh:Committee }")
    first = client.get(path)
    assert first.status_code == 200 and len(calls) == 1
    for _ in range(3):
        assert client.get(path, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    assert len(calls) == 1  # no worker was asked
    assert client.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200 and len(calls) == 2  # the counter counts


@pytest.fixture()
def small() -> Iterator[tuple[TestClient, EmbeddedStore]]:
    """An app over its own little store, which the test may write to (never the session's store)."""
    s = EmbeddedStore()
    s.add_triples(
        [ox.Triple(ox.NamedNode(ID + "organisation/test-org"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("Test", language="en"))]
    )
    with TestClient(create_app(s)) as c:
        yield c, s


def test_a_write_changes_the_etag(small: tuple[TestClient, EmbeddedStore]) -> None:
    client, s = small
    paths = ["/id/organisation/test-org.ttl", _q("SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o")]
    before = {p: client.get(p) for p in paths}
    assert all(r.status_code == 200 and "etag" in r.headers for r in before.values())
    assert all(client.get(p, headers={"If-None-Match": before[p].headers["etag"]}).status_code == 304 for p in paths)
    s.add_triples(
        [ox.Triple(ox.NamedNode(ID + "organisation/test-org"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("Test", language="sv"))]
    )
    for p in paths:
        r = client.get(p, headers={"If-None-Match": before[p].headers["etag"]})
        assert r.status_code == 200 and "sv" in r.text  # the new label
        assert r.headers["etag"] != before[p].headers["etag"]
        assert client.get(p, headers={"If-None-Match": r.headers["etag"]}).status_code == 304


def test_a_write_during_the_answer_leaves_it_untagged(small: tuple[TestClient, EmbeddedStore]) -> None:
    client, s = small

    def writes() -> dict[str, str]:
        s.add_triples([ox.Triple(ox.NamedNode(ID + "x"), ox.NamedNode(ID + "p"), ox.Literal(str(len(s))))])
        return {"status": "written"}

    client.app.add_api_route("/test-writes", writes, methods=["GET"])  # type: ignore[attr-defined]
    r = client.get("/test-writes")
    assert r.status_code == 200 and "etag" not in r.headers and _vary(r) == ["Accept"]


def test_a_request_with_authorization_gets_no_etag(client: TestClient) -> None:
    tag = client.get("/api/v1/queries").headers["etag"]
    r = client.get("/api/v1/queries", headers={"Authorization": "Bearer x", "If-None-Match": tag})
    assert r.status_code == 200 and "etag" not in r.headers and _vary(r) == ["Accept"]


def test_a_remote_store_gets_vary_but_no_etag(monkeypatch: pytest.MonkeyPatch) -> None:
    remote = RemoteStore("http://127.0.0.1:9/sparql", timeout=1)
    asked: list[str] = []

    def data_version() -> str:
        asked.append("data_version")
        raise AssertionError("a remote data_version() is a query per request")

    monkeypatch.setattr(remote, "data_version", data_version)
    client = TestClient(create_app(remote))
    r = client.get("/api/v1/queries")
    assert r.status_code == 200 and "etag" not in r.headers and _vary(r) == ["Accept"]
    assert client.get("/api/v1/queries", headers={"If-None-Match": "*"}).status_code == 200
    assert asked == []


@pytest.mark.parametrize("path", ["/sparql?query=ASK%20%7B%7D", "/api/v1/queries", "/id/organisation/trafiknamnden"])
def test_head_is_get_without_a_body(client: TestClient, path: str) -> None:
    """RFC 9110 §9.3.2: HEAD gets GET's status and headers (ETag, Vary, Content-Length), and no body; before, 405."""
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == 200 == get.status_code and head.content == b""
    assert head.headers["etag"] == get.headers["etag"] and head.headers["content-length"] == str(len(get.content))
    assert head.headers["content-type"] == get.headers["content-type"]
