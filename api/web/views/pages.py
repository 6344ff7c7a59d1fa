"""Read models of the pages that the REST API does not share: the strategy, the ontology's and the shapes'
documentation, and the page of any resource.

Plain dicts, no HTTP. What the graph says in both languages is a language map (``{"sv": …, "en": …}``), so
one read model serves the Swedish and the English page; the page takes its language with ``| pick``.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from api.analysis import indicator_coverage
from api.i18n import LANGUAGES
from api.vocab import BASE_IRI, ID, VOCAB
from api.web.deps import ServiceState
from api.web.views import _v, citation, labels, ref_or_404, sources_info


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
                "label": {lang: _v(r, f"label_{lang}") for lang in LANGUAGES},
                "definition": {lang: _v(r, f"definition_{lang}") for lang in LANGUAGES},
                "quotation": _v(r, "quotation"),
            }
        )
    target: dict[str, str] = {}
    for r in state.store.select(f"SELECT ?d WHERE {{ <{ID}goal/strategy-target-picture> skos:definition ?d }}"):
        target.setdefault(getattr(r["d"], "language", None) or "", r["d"].value)
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
    return {
        "schemes": list(schemes.values()),
        "target": {lang: target.get(lang, "") for lang in LANGUAGES},
        "costs": costs,
        "indicators": {lang: indicator_coverage(state.store, lang=lang) for lang in LANGUAGES},
    }


def ontology_terms(state: ServiceState) -> list[dict[str, Any]]:
    """The ontology's classes and properties, by kind and name: label and definition (language maps), and
    ``extra``, the IRIs of the classes a class specialises or of a property's range."""
    rows = state.store.select(f"""SELECT ?x ?kind ?l_sv ?l_en ?d_sv ?d_en (GROUP_CONCAT(DISTINCT STR(?e); separator=" ") AS ?extra) WHERE {{
        ?x a ?kind . VALUES ?kind {{ owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty }}
        FILTER(STRSTARTS(STR(?x), "{VOCAB}"))
        OPTIONAL {{ ?x rdfs:label ?l_sv FILTER(LANG(?l_sv) = "sv") }} OPTIONAL {{ ?x rdfs:label ?l_en FILTER(LANG(?l_en) = "en") }}
        FILTER(BOUND(?l_sv) || BOUND(?l_en))
        OPTIONAL {{ ?x skos:definition ?d_sv FILTER(LANG(?d_sv) = "sv") }} OPTIONAL {{ ?x skos:definition ?d_en FILTER(LANG(?d_en) = "en") }}
        OPTIONAL {{ ?x rdfs:subClassOf|rdfs:range ?e . FILTER(isIRI(?e)) }} }} GROUP BY ?x ?kind ?l_sv ?l_en ?d_sv ?d_en ORDER BY ?kind ?x""")
    return [
        {
            "kind": r["kind"].value.rsplit("#", 1)[-1],
            "name": r["x"].value[len(VOCAB) :],
            "label": {lang: _v(r, f"l_{lang}") for lang in LANGUAGES},
            "definition": {lang: _v(r, f"d_{lang}") or "" for lang in LANGUAGES},
            "extra": (_v(r, "extra") or "").split(),
        }
        for r in rows
    ]


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
    ref = ref_or_404(iri)
    rows = state.store.select(f"SELECT ?p ?o WHERE {{ {ref} ?p ?o }} ORDER BY ?p")
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
        for c in state.store.select(f"""SELECT ?c ?l ?d ?b WHERE {{ ?c skos:inScheme {ref} ; skos:prefLabel ?l .
                OPTIONAL {{ ?c skos:definition ?d FILTER(LANG(?d) = LANG(?l)) }} OPTIONAL {{ ?c skos:broader ?b }} }} ORDER BY ?c"""):
            language = getattr(c["l"], "language", None) or ""
            if language in concepts:
                concepts[language].append({"iri": c["c"].value, "label": c["l"].value, "definition": _v(c, "d"), "broader": _v(c, "b")})
    cite = None
    if kind == "source":
        info = sources_info(state, [iri]).get(iri)
        cite = citation(info) if info else None
    return {"names": labels(state, [iri]).get(iri, {}), "properties": properties, "concepts": concepts, "citation_text": cite}
