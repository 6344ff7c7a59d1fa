"""Read models of the pages that the REST API does not share: the strategy, the ontology's and the shapes'
documentation, and the page of any resource.

Plain dicts, no HTTP. What the graph says in both languages is a language map (``{"sv": …, "en": …}``), so
one read model serves the Swedish and the English page; the page takes its language with ``| pick``.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from api.analysis import LIFE_COURSE, indicator_coverage, life_course_order
from api.catalogue.internal import internal
from api.i18n import LANGUAGES
from api.vocab import BASE_IRI, ID, VOCAB
from api.web.deps import ServiceState
from api.web.views import _v, citation, labels, ref_or_404, sources_info

TARGET_PICTURE = ID + "goal/strategy-target-picture"


def strategy(state: ServiceState) -> dict[str, Any]:
    """The strategy's concept schemes with their top concepts, its target picture, cost figures and indicators.

    A cost figure's ``billions`` is its amount in billions of SEK: one number, or the two ends of a range.
    ``indicators`` is a language map of :func:`api.analysis.indicator_coverage`'s table.
    """
    rows = state.runner.run("strategy-structure")
    scheme_names = labels(state, [r["scheme"].value for r in rows])
    schemes: dict[str, dict[str, Any]] = {}
    for r in rows:
        scheme = schemes.setdefault(r["scheme"].value, {"name": scheme_names.get(r["scheme"].value, {}), "concepts": []})
        scheme["concepts"].append(
            {
                "iri": _v(r, "concept"),
                "label": {lang: _v(r, f"label_{lang}") for lang in LANGUAGES},
                "definition": {lang: _v(r, f"definition_{lang}") for lang in LANGUAGES},
                "quotation": _v(r, "quotation"),
            }
        )
    target: dict[str, str] = {}
    for lang in LANGUAGES:
        for r in state.store.select(internal("definition-in-language", {"resource": TARGET_PICTURE, "lang": lang})):
            target.setdefault(lang, r["d"].value)
    figures = state.runner.run("cost-figures")
    cost_names = labels(state, [c["cost"].value for c in figures])
    costs = []
    for c in figures:
        amounts = ("amount",) if "amount" in c else ("min_amount", "max_amount")
        costs.append(
            {
                "cost": c["cost"].value,
                "label": cost_names.get(c["cost"].value) or {"en": c["label_en"].value},
                "billions": [float(c[a].value) / 1e9 for a in amounts],
                "year": _v(c, "year"),
                "reference": _v(c, "reference"),
            }
        )
    for scheme in schemes.values():  # life stages in life-course order, everything else by name
        scheme["concepts"].sort(key=lambda c: (LIFE_COURSE.index(c["iri"]) if c["iri"] in LIFE_COURSE else len(LIFE_COURSE), c["label"]["sv"] or ""))
    sections: dict[str, dict[str, Any]] = {}
    for r in state.runner.run("strategy-sections"):
        sections.setdefault(
            r["section"].value,
            {
                "iri": r["section"].value,
                "heading": {lang: _v(r, f"heading_{lang}") for lang in LANGUAGES},
                "summary": {lang: _v(r, f"summary_{lang}") for lang in LANGUAGES},
                "assessment": {lang: _v(r, f"assessment_{lang}") for lang in LANGUAGES},
            },
        )
    return {
        "sections": list(sections.values()),
        "schemes": list(schemes.values()),
        "target": {lang: target.get(lang, "") for lang in LANGUAGES},
        "costs": costs,
        "indicators": {lang: indicator_coverage(state.store, lang=lang) for lang in LANGUAGES},
    }


def ontology_terms(state: ServiceState) -> list[dict[str, Any]]:
    """The ontology's classes and properties, by kind and name: label and definition (language maps), and
    ``extra``, the IRIs of the classes a class specialises or of a property's range."""
    terms: dict[tuple[str, str], dict[str, Any]] = {}
    for lang in LANGUAGES:  # a term is listed when it has a label in either language
        for r in state.store.select(internal("ontology-terms", {"lang": lang})):
            term = terms.setdefault(
                (r["kind"].value, r["x"].value),
                {
                    "kind": r["kind"].value.rsplit("#", 1)[-1],
                    "name": r["x"].value[len(VOCAB) :],
                    "label": dict.fromkeys(LANGUAGES),
                    "definition": dict.fromkeys(LANGUAGES, ""),
                    "extra": (_v(r, "extra") or "").split(),
                },
            )
            if term["label"][lang] is None:
                term["label"][lang] = r["l"].value
                term["definition"][lang] = _v(r, "d") or ""
    return [terms[key] for key in sorted(terms)]


def shape_descriptions(state: ServiceState) -> list[dict[str, Any]]:
    """Every named SHACL shape: its local name, name and description (language maps), severity and path."""
    import rdflib

    g = state.validator.shapes_graph
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    items = []
    for shape in sorted(set(g.subjects(sh.name, None)), key=str):

        def text(pred: rdflib.URIRef, lang: str, shape: rdflib.term.Node = shape) -> str:
            return next((str(o) for o in g.objects(shape, pred) if getattr(o, "language", None) == lang), "")

        severity = g.value(shape, sh.severity)
        path = g.value(shape, sh.path)
        items.append(
            {
                "name": str(shape).rsplit("#", 1)[-1],
                "label": {lang: text(sh.name, lang) for lang in LANGUAGES},
                "definition": {lang: text(sh.description, lang) for lang in LANGUAGES},
                "severity": str(severity).rsplit("#", 1)[-1] if severity else "",
                "path": str(path) if path else None,
            }
        )
    return items


def resource(state: ServiceState, iri: str) -> dict[str, Any] | None:
    """Any resource of the graph for its page; None when the graph says nothing about it.

    ``properties`` and a scheme's ``concepts`` are language maps of lists: each language's list holds the values
    in that language and those in none. A property's ``link`` is the value's page on this site, or the value
    itself for another web IRI. ``citation`` is a source's reference.
    """
    ref_or_404(iri)  # not an IRI: NotFoundError before any query
    rows = state.store.select(internal("properties", {"resource": iri}))
    if not rows:
        return None
    properties: dict[str, list[dict[str, Any]]] = {lang: [] for lang in LANGUAGES}
    for r in rows:
        o = r["o"]
        named = isinstance(o, ox.NamedNode)
        link = o.value.replace(BASE_IRI.rstrip("/"), "", 1) if o.value.startswith(ID) else (o.value if named and o.value.startswith("http") else None)
        item = {"property": r["p"].value, "value": o.value, "iri": named, "link": link}
        for lang in LANGUAGES:
            if getattr(o, "language", None) in (None, "", lang):
                properties[lang].append(item)
    kind = iri.removeprefix(ID).partition("/")[0]
    concepts: dict[str, list[dict[str, Any]]] = {lang: [] for lang in LANGUAGES}
    if kind == "scheme":
        for lang in LANGUAGES:
            for c in state.store.select(internal("scheme-concepts-in-language", {"scheme": iri, "lang": lang})):
                concepts[lang].append({"iri": c["c"].value, "label": c["l"].value, "definition": _v(c, "d"), "broader": _v(c, "b")})
    cite = None
    if kind == "source":
        info = sources_info(state, [iri]).get(iri)
        cite = citation(info) if info else None
    return {"names": labels(state, [iri]).get(iri, {}), "properties": properties, "concepts": concepts, "citation_text": cite}


DCT, PRISM = "http://purl.org/dc/terms/", "http://prismstandard.org/namespaces/basic/2.0/"


def _values(rows: list[dict], prop: str) -> list[Any]:
    return [r["o"] for r in rows if r["p"].value == prop]


def _first(rows: list[dict], prop: str, lang: str | None = None) -> str | None:
    for o in _values(rows, prop):
        if lang is None or getattr(o, "language", None) in (lang, None, ""):
            return str(o.value)
    return None


def source_page(state: ServiceState, iri: str) -> dict[str, Any] | None:
    """A source for people: its reference in a standard style (authors, year, title, venue, volume, issue, pages),
    DOI and URL once each, the verification note, its curation status, and what rests on it (the entries citing it
    and the facts derived from it, by kind); None when the graph says nothing of it."""
    ref_or_404(iri, "source")
    rows = state.store.select(internal("properties", {"resource": iri}))
    if not rows:
        return None
    doi, status = _first(rows, PRISM + "doi"), _first(rows, VOCAB + "curationStatus")
    url = _first(rows, VOCAB + "url") or _first(rows, "http://schema.org/url")
    record = {
        "iri": iri,
        "authors": _first(rows, VOCAB + "authors") or _first(rows, DCT + "creator"),
        "year": (_first(rows, DCT + "issued") or "")[:4] or None,
        "title": {lang: _first(rows, DCT + "title", lang) for lang in LANGUAGES},
        "venue": _first(rows, PRISM + "publicationName") or _first(rows, DCT + "publisher"),
        "volume": _first(rows, PRISM + "volume"),
        "issue": _first(rows, PRISM + "issueIdentifier"),
        "pages": _first(rows, PRISM + "pageRange"),
        "doi": doi,
        "doi_url": "https://doi.org/" + doi if doi else None,
        "url": url if url and (not doi or url.lower() != "https://doi.org/" + doi.lower()) else None,
        "verification": {lang: _first(rows, VOCAB + "verificationNote", lang) for lang in LANGUAGES},
        "status": status,
    }
    resting: dict[str, list[str]] = {}
    for r in state.store.select(internal("resting-on-source", {"source": iri})):
        kind = (_v(r, "kind") or "").removeprefix(VOCAB) or "Resource"
        if r["x"].value not in resting.setdefault(kind, []):
            resting[kind].append(r["x"].value)
    kind_iris = {k: VOCAB + k for k in resting}
    names = labels(state, [iri, *([status] if status else []), *(x for xs in resting.values() for x in xs), *kind_iris.values()])
    return {**record, "resting": resting, "names": names, "kind_iris": kind_iris}


ENTRY_FIELDS = (
    "intervention",
    "outcome",
    "effect",
    "certainty",
    "certaintyBasis",
    "studyDesign",
    "curationStatus",
    "setting",
    "lifeStage",
    "direction",
    "citesSource",
)


def evidence_page(state: ServiceState, iri: str) -> dict[str, Any] | None:
    """An evidence entry for people: each of its references by label and page, never as an IRI; the statement, what
    the source measured, the population, the certainty's rationale and its plain explanation; None when unknown."""
    ref_or_404(iri, "evidence")
    rows = state.store.select(internal("properties", {"resource": iri}))
    if not rows:
        return None
    refs = {f: [o.value for o in _values(rows, VOCAB + f)] for f in ENTRY_FIELDS}
    refs["lifeStage"] = life_course_order(refs["lifeStage"])
    texts = {f: {lang: _first(rows, VOCAB + f, lang) for lang in LANGUAGES} for f in ("statement", "outcomeMeasure", "population", "certaintyRationale")}
    names = labels(state, [iri, *(v for vs in refs.values() for v in vs)])
    from api.catalogue.certainty import certainty_scale

    level = next((lv for lv in certainty_scale(state.store) if lv.iri in refs["certainty"]), None)
    return {
        "iri": iri,
        "refs": refs,
        "texts": texts,
        "names": names,
        "certainty_code": level.code if level else None,
        "certainty_note": dict(level.notes) if level else {},
        "modified": _first(rows, DCT + "modified"),
    }
