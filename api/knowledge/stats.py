"""Counts per class and per concept scheme, and the strategy's headline figures."""

from __future__ import annotations

from typing import Any

from api.catalogue.internal import internal
from api.store import Store
from api.vocab import ID, PREFIXES, VOCAB

SCHEMES = ID + "scheme/"
SDGO = PREFIXES["sdgo"]

HEADLINES: dict[str, tuple[str, str]] = {
    "settings": ("scheme", SCHEMES + "settings"),
    "life_stages": ("scheme", SCHEMES + "life-stages"),
    "directions": ("scheme", SCHEMES + "directions"),
    "levels": ("scheme", SCHEMES + "levels"),
    "societal_areas": ("scheme", SCHEMES + "societal-areas"),
    "principles": ("scheme", SCHEMES + "principles"),
    "sdg_goals": ("class", SDGO + "Goal"),
    "sdg_targets": ("class", SDGO + "Target"),
    "sdg_indicators": ("class", SDGO + "Indicator"),
    "municipalities": ("class", VOCAB + "Municipality"),
    "organisations": ("class", VOCAB + "Organisation"),
    "committees": ("class", VOCAB + "Committee"),
    "companies": ("class", VOCAB + "Company"),
    "responsibilities": ("class", VOCAB + "Responsibility"),
    "interventions": ("class", VOCAB + "Intervention"),
    "evidence_entries": ("class", VOCAB + "EvidenceEntry"),
    "sources": ("class", VOCAB + "Source"),
    "cost_estimates": ("class", VOCAB + "CostEstimate"),
    "strategy_references": ("class", VOCAB + "StrategyReference"),
}
"""Each headline figure: the top concepts of a concept scheme, or the resources of a class."""
COUNTS = {"scheme": "scheme-top-concept-counts", "class": "class-member-counts"}
"""The internal query counting each kind of headline, for many IRIs at once."""


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


def statistics(store: Store) -> dict[str, Any]:
    """Everything ``mhkg stats`` prints."""
    counted: dict[tuple[str, str], int] = {}
    for kind, query in COUNTS.items():
        wanted = [target for k, target in HEADLINES.values() if k == kind]
        for r in store.select(internal(query, {kind: wanted})):
            counted[(kind, r[kind].value)] = int(r["n"].value)
    headline = {name: counted[target] for name, target in HEADLINES.items()}
    classes = {str(r["c"].value): int(r["n"].value) for r in store.select(internal("ontology-class-sizes"))}
    schemes = {
        str(r["s"].value): {"label": r["label"].value, "concepts": int(r["n"].value), "top_concepts": int(r["top"].value)}
        for r in store.select(internal("concept-scheme-sizes"))
    }
    costs = [{k: _value(v) for k, v in row.items()} for row in store.select(internal("cost-estimates"))]
    references = [{k: _value(v) for k, v in row.items()} for row in store.select(internal("strategy-references"))]
    return {"triples": store.count(), "headline": headline, "classes": classes, "schemes": schemes, "cost_estimates": costs, "strategy_references": references}


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
