"""Counts per class and per concept scheme, and the strategy's headline figures."""

from __future__ import annotations

from typing import Any

from api.store import EmbeddedStore
from api.vocab import ID, VOCAB

SCHEMES = ID + "scheme/"

HEADLINES: dict[str, str] = {
    "settings": f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ <{SCHEMES}settings> skos:hasTopConcept ?c }}",
    "life_stages": f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ <{SCHEMES}life-stages> skos:hasTopConcept ?c }}",
    "directions": f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ <{SCHEMES}directions> skos:hasTopConcept ?c }}",
    "levels": f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ <{SCHEMES}levels> skos:hasTopConcept ?c }}",
    "societal_areas": f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ <{SCHEMES}societal-areas> skos:hasTopConcept ?c }}",
    "principles": f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ <{SCHEMES}principles> skos:hasTopConcept ?c }}",
    "sdg_goals": "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { ?g a sdgo:Goal }",
    "sdg_targets": "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { ?g a sdgo:Target }",
    "sdg_indicators": "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { ?g a sdgo:Indicator }",
    "municipalities": "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a mh:Municipality }",
    "organisations": "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a mh:Organisation }",
    "committees": "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a mh:Committee }",
    "companies": "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a mh:Company }",
    "responsibilities": "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a mh:Responsibility }",
    "interventions": "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a mh:Intervention }",
    "evidence_entries": "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a mh:EvidenceEntry }",
    "sources": "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a mh:Source }",
    "cost_estimates": "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a mh:CostEstimate }",
    "strategy_references": "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a mh:StrategyReference }",
}

COSTS = """
SELECT ?cost ?label ?amount ?min ?max ?year ?perYear ?bearer ?reference WHERE {
  ?cost a mh:CostEstimate ; rdfs:label ?label .
  FILTER(LANGMATCHES(LANG(?label), "en"))
  OPTIONAL { ?cost mh:amount ?amount } OPTIONAL { ?cost mh:minAmount ?min } OPTIONAL { ?cost mh:maxAmount ?max }
  OPTIONAL { ?cost mh:referenceYear ?ownYear }
  OPTIONAL { ?cost mh:isPartOfEstimate/mh:referenceYear ?parentYear }
  BIND(COALESCE(?ownYear, ?parentYear) AS ?year)
  OPTIONAL { ?cost mh:perYear ?perYear }
  OPTIONAL { ?cost mh:costBearer/rdfs:label ?bearer . FILTER(LANGMATCHES(LANG(?bearer), "en")) }
  OPTIONAL { ?cost mh:citesReference/mh:referenceLabel ?reference }
} ORDER BY DESC(COALESCE(?amount, ?max))
"""

REFERENCES = """
SELECT ?ref ?label ?printed ?source ?status WHERE {
  ?ref a mh:StrategyReference ; rdfs:label ?label ; mh:referenceLabel ?printed .
  FILTER(LANGMATCHES(LANG(?label), "en"))
  OPTIONAL { ?ref mh:identifiedSource ?identified }
  OPTIONAL { ?ref mh:candidateSource ?candidate }
  BIND(COALESCE(?identified, ?candidate) AS ?source)
  BIND(IF(BOUND(?identified), "identified", IF(BOUND(?candidate), "candidate", "not identified")) AS ?status)
} ORDER BY ?ref
"""


def _value(term: Any) -> Any:
    if term is None:
        return None
    value = term.value
    dt = getattr(term, "datatype", None)
    if dt is not None and dt.value.endswith(("#integer", "#decimal")):
        return int(float(value)) if float(value).is_integer() else float(value)
    if dt is not None and dt.value.endswith("#boolean"):
        return value == "true"
    return value


def statistics(store: EmbeddedStore) -> dict[str, Any]:
    """Everything ``mhkg stats`` prints."""
    headline = {name: int(store.select(q)[0]["n"].value) for name, q in HEADLINES.items()}
    classes = {
        str(r["c"].value): int(r["n"].value)
        for r in store.select(
            "SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?c . "
            f'FILTER(STRSTARTS(STR(?c), "{VOCAB}") || STRSTARTS(STR(?c), str(sdgo:))) }} GROUP BY ?c ORDER BY ?c'
        )
    }
    schemes = {
        str(r["s"].value): {"label": r["label"].value, "concepts": int(r["n"].value), "top_concepts": int(r["top"].value)}
        for r in store.select(
            "SELECT ?s ?label (COUNT(DISTINCT ?c) AS ?n) (COUNT(DISTINCT ?t) AS ?top) WHERE { "
            "?s a skos:ConceptScheme ; skos:prefLabel ?label . FILTER(LANGMATCHES(LANG(?label), 'en')) "
            "OPTIONAL { ?c skos:inScheme ?s } OPTIONAL { ?s skos:hasTopConcept ?t } } GROUP BY ?s ?label ORDER BY ?s"
        )
    }
    costs = [{k: _value(v) for k, v in row.items()} for row in store.select(COSTS)]
    references = [{k: _value(v) for k, v in row.items()} for row in store.select(REFERENCES)]
    return {"triples": len(store), "headline": headline, "classes": classes, "schemes": schemes, "cost_estimates": costs, "strategy_references": references}


def format_text(stats: dict[str, Any]) -> str:
    """A readable summary for the terminal."""
    lines = [f"triples: {stats['triples']}", "", "headline:"]
    lines += [f"  {k:<22} {v}" for k, v in stats["headline"].items()]
    lines += ["", "concept schemes (concepts / top concepts):"]
    lines += [f"  {v['label']:<40} {v['concepts']:>4} / {v['top_concepts']}" for v in stats["schemes"].values()]
    lines += ["", "classes:"]
    lines += [f"  {k.rsplit('#', 1)[-1].rsplit('/', 1)[-1]:<32} {v}" for k, v in stats["classes"].items()]
    lines += ["", "cost figures:"]
    for c in stats["cost_estimates"]:
        amount = f"{c['amount'] / 1e9:g}" if c.get("amount") is not None else f"{c['min'] / 1e9:g}–{c['max'] / 1e9:g}"
        extra = (" per year" if c.get("perYear") else "") + (f", {c['year']}" if c.get("year") else "")
        ref = f" [{c['reference']}]" if c.get("reference") else ""
        lines.append(f"  SEK {amount} bn{extra}: {c['label']}{ref}")
    lines += ["", "sources cited by the strategy:"]
    lines += [f"  {r['printed']:<30} {r['status']:<15} {r['label']}" for r in stats["strategy_references"]]
    return "\n".join(lines)
