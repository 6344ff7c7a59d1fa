"""The catalogue runs every store is compared on: each catalogue query with the parameters worth trying, and one
``normalise`` that makes two answers comparable (``tests/store/test_remote.py``, ``tests/store/test_engines.py``).

Two answers are the same when they hold the same rows, in any order, where

* a ``GROUP_CONCAT`` column (:data:`CONCATENATED`) holds the same parts in any order: SPARQL gives its order no
  meaning, and engines differ;
* an ``xsd:boolean`` is compared by its value: ``"1"`` and ``"true"`` are two spellings of the same value
  (XML Schema 1.1 Part 2 §3.3.2), and Virtuoso writes the first.

Nothing else is forgiven: every other term must be the same RDF term, datatype and language tag included.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pyoxigraph as ox

from api.catalogue import catalogue, get_query

ID = "https://w3id.org/mhkg/id/"
PARAMS: dict[str, list[dict[str, str]]] = {
    "committee-measures": [
        {"org": ID + "organisation/trafiknamnden"},
        {"org": ID + "organisation/stockholm", "min_certainty": "moderate"},
        {"org": ID + "organisation/halso-och-sjukvardsnamnden", "life_stage": "adults", "direction": "prevention"},
        {"org": ID + "organisation/huddinge", "min_status": "draft", "effect": "no-clear-effect"},
    ],
    "committee-measure-details": [{"org": ID + "organisation/trafiknamnden"}, {"org": ID + "organisation/stockholm"}],
    "committee-no-clear-benefit": [{"org": ID + "organisation/huddinge"}, {"org": ID + "organisation/huddinge", "min_status": "draft"}],
    "measures-by-setting-and-life-stage": [{"setting": ID + "setting/education"}, {"setting": ID + "setting/work", "life_stage": "adults"}],
    "intervention-evidence": [{"intervention": ID + "intervention/housing-first"}],
    "intervention-organisations": [{"intervention": ID + "intervention/housing-first"}, {"intervention": ID + "intervention/platform-screen-doors"}],
    "entries-older-than": [{"years": "10"}],
    "organisation-responsibilities": [{"org": ID + "organisation/huddinge"}],
    "consultation-points": [{}, {"org": ID + "organisation/huddinge"}, {"org": ID + "organisation/huddinge-kommunstyrelsen"}],
    "evidence-gaps": [{}, {"min_certainty": "moderate"}],
    "shared-responsibility": [{}, {"org": ID + "organisation/trafiknamnden"}],
    "interventions-for-goal": [{}, {"sdg_target": "http://metadata.un.org/sdg/3.4"}],
    "evidence-by-outcome": [{}, {"outcome": ID + "outcome/loneliness"}],
    "entry-history": [{}, {"entry": ID + "evidence/housing-first--housing-stability--baxter-2019"}],
}
"""The parameters each query is run with (a query not named here runs once, with its defaults)."""
EMPTY_ON_THE_BUNDLED_KNOWLEDGE = {"entry-history"}
"""Queries with no rows on the bundled knowledge: no entry has been through the review service yet."""
CONCATENATED = {
    "justification_sv": "; ",
    "justification_en": "; ",
    "labels": "; ",
    "reasons_sv": " | ",
    "reasons_en": " | ",
    **dict.fromkeys(["responsibilities", "capacities", "sources", "members", "sdg_targets", "areas", "resting_on_it", "gaps"], " "),
}
"""The columns that are a ``GROUP_CONCAT``, with its separator."""
BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
BOOLEAN_VALUES = {"true": "true", "1": "true", "false": "false", "0": "false"}


def runs(name: str) -> Iterator[tuple[dict[str, str], str]]:
    """The runs of one catalogue query: its parameters and its bound text."""
    for params in PARAMS.get(name, [{}]):
        yield params, get_query(name).bind(params)


def all_runs() -> Iterator[tuple[str, dict[str, str], str]]:
    """Every run of the catalogue: query name, parameters, bound text."""
    for name in sorted(catalogue()):
        for params, text in runs(name):
            yield name, params, text


def _value(column: str, term: object) -> str:
    if isinstance(term, ox.Literal) and term.datatype == BOOLEAN and term.value in BOOLEAN_VALUES:
        return str(ox.Literal(BOOLEAN_VALUES[term.value], datatype=BOOLEAN))
    if column not in CONCATENATED or not isinstance(term, ox.Literal):
        return str(term)
    sep = CONCATENATED[column]
    parts = term.value.split(sep)
    if column.startswith("justification"):  # each part is a list of pairs, themselves concatenated in any order
        parts = [", ".join(sorted(part.replace(", för ", ", ").replace(", for ", ", ").split(", "))) for part in parts]
    return str(ox.Literal(sep.join(sorted(parts)), language=term.language, datatype=None if term.language else term.datatype))


def normalise(rows: list[Mapping[str, object]]) -> list[tuple[tuple[str, str], ...]]:
    """The rows in a form where two equal answers are equal (see the module's text): sorted, each a sorted tuple of (column, term)."""
    return sorted(tuple((column, _value(column, term)) for column, term in sorted(row.items())) for row in rows)
