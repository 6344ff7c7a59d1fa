"""Graph analysis with networkx: evidence gap maps, the collaboration network, leverage points,
justification paths and indicator coverage, as data. Their pictures are drawn by :mod:`api.analysis.plotting`,
and :mod:`api.analysis.report` writes both for ``mhkg analyze``.

The networkx view is built from the store with a handful of SPARQL queries (``queries/internal/``), never by
walking triples one by one. Certainty ranks, codes and labels come from the graph (:mod:`api.catalogue.certainty`).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from api.catalogue import QueryRunner
from api.catalogue.certainty import CertaintyScale, certainty_scale
from api.catalogue.internal import internal
from api.errors import InvalidParameterError
from api.i18n import t
from api.vocab import ID, VOCAB, slug

SOCIETAL_AREAS = ID + "scheme/societal-areas"
Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


LIFE_COURSE = [ID + f"life-stage/{s}" for s in ("children", "young-people", "adults", "older-people")]


def life_course_order(stages: list[str]) -> list[str]:
    """Life stages in life-course order (children, young people, adults, older people)."""
    return sorted(stages, key=lambda s: LIFE_COURSE.index(s) if s in LIFE_COURSE else len(LIFE_COURSE))


def labels(store: Any, lang: str = "sv") -> dict[str, str]:
    """Labels of every resource in our namespace and of the SDG concepts, in one query."""
    rows = store.select(internal("labels-in-language", {"lang": lang, "namespace": ID}))
    out: dict[str, str] = {}
    for r in rows:
        if r["l"].language == lang or r["x"].value not in out:
            out[r["x"].value] = r["l"].value
    return out


# ------------------------------------------------------------------------------ the graph view
def graph_view(store: Any) -> nx.MultiDiGraph:
    """Typed nodes (``kind``) and typed edges (``rel``): organisation → responsibility → setting/life stage,
    evidence entry → intervention/setting/life stage/source, intervention → societal area/SDG target."""
    g = nx.MultiDiGraph()

    def node(iri: str, kind: str) -> None:
        if iri not in g:
            g.add_node(iri, kind=kind)

    for r in store.select(internal("graph-view-responsibilities")):
        org, resp = r["org"].value, r["resp"].value
        node(org, "organisation")
        node(resp, "responsibility")
        g.add_edge(org, resp, rel="hasResponsibility")
        for key, kind, rel in (("setting", "setting", "setting"), ("stage", "life_stage", "lifeStage"), ("level", "level", "levelOfAction")):
            if key in r:
                node(r[key].value, kind)
                g.add_edge(resp, r[key].value, rel=rel)
    for r in store.select(internal("graph-view-evidence")):
        entry = r["entry"].value
        node(entry, "evidence")
        g.nodes[entry].update(rank=int(r["rank"].value), effect=slug(r["effect"].value), outcome=r["outcome"].value)
        for key, kind, rel in (
            ("iv", "intervention", "intervention"),
            ("setting", "setting", "setting"),
            ("stage", "life_stage", "lifeStage"),
            ("source", "source", "citesSource"),
        ):
            node(r[key].value, kind)
            if not g.has_edge(entry, r[key].value):
                g.add_edge(entry, r[key].value, rel=rel)
    for r in store.select(internal("graph-view-interventions")):
        kind = {"servesArea": "societal_area", "servesSdgTarget": "sdg_target", "setting": "setting", "lifeStage": "life_stage"}[r["rel"].value]
        node(r["iv"].value, "intervention")
        node(r["x"].value, kind)
        g.add_edge(r["iv"].value, r["x"].value, rel=r["rel"].value)
    for r in store.select(internal("setting-hierarchy")):
        node(r["a"].value, "setting")
        node(r["b"].value, "setting")
        g.add_edge(r["a"].value, r["b"].value, rel="broader")
    return g


# ------------------------------------------------------------------------------ gap maps
@dataclass
class Matrix:
    """Rows × columns of (entries, best certainty rank), with labels and the certainty scale the ranks are of."""

    title: str
    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], tuple[int, int | None]]
    names: dict[str, str] = field(default_factory=dict)
    certainty: CertaintyScale = field(default_factory=lambda: CertaintyScale(()))

    def to_records(self) -> list[dict[str, Any]]:
        out = []
        for r in self.rows:
            for c in self.columns:
                n, best = self.cells.get((r, c), (0, None))
                out.append(
                    {
                        "row": r,
                        "row_label": self.names.get(r, slug(r)),
                        "column": c,
                        "column_label": self.names.get(c, slug(c)),
                        "entries": n,
                        "best_certainty": self.certainty.code(best) if best else None,
                        "gap": n == 0,
                    }
                )
        return out

    def to_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=["row", "row_label", "column", "column_label", "entries", "best_certainty", "gap"])
        writer.writeheader()
        writer.writerows(self.to_records())
        return buf.getvalue()

    def to_json(self) -> str:
        return json.dumps({"title": self.title, "cells": self.to_records()}, indent=2, ensure_ascii=False)


def setting_stage_gaps(runner: QueryRunner, store: Any, *, min_certainty: str = "very-low", lang: str = "sv") -> Matrix:
    """Settings × life stages: beneficial entries at or above a certainty (the catalogue query evidence-gaps)."""
    rows = runner.run("evidence-gaps", {"min_certainty": min_certainty})
    settings, stages, cells = [], [], {}
    for r in rows:
        s, st = r["setting"].value, r["stage"].value
        settings += [s] if s not in settings else []
        stages += [st] if st not in stages else []
        best = r.get("best_rank")
        cells[(s, st)] = (int(r["entries"].value), int(best.value) if best is not None else None)
    stages = life_course_order(stages)
    return Matrix(t("gaps_matrix", lang), settings, stages, cells, labels(store, lang), certainty_scale(store))


def intervention_area_matrix(store: Any, *, lang: str = "sv") -> Matrix:
    """Interventions × societal areas they serve: entries (any effect) and best certainty."""
    rows = store.select(internal("intervention-area-matrix"))
    areas = [r["a"].value for r in store.select(internal("top-concepts", {"scheme": SOCIETAL_AREAS}))]
    cells = {(r["iv"].value, r["area"].value): (int(r["n"].value), int(r["best"].value) if "best" in r else None) for r in rows}
    ivs = sorted({iv for iv, _ in cells}, key=lambda iv: (-sum(cells.get((iv, a), (0, None))[0] for a in areas), iv))
    return Matrix(t("areas_matrix", lang), ivs, areas, cells, labels(store, lang), certainty_scale(store))


# ------------------------------------------------------------------------------ collaboration network
COMMON_SHARE = 0.5
"""A capacity, or a (setting, life stage) pair, that at least this share of all organisations holds is common to
nearly everyone: it says nothing about whom to coordinate with, and links no two organisations."""

Pair = tuple[str, str]


@dataclass(frozen=True)
class SharingRule:
    """Which shared responsibilities link two organisations, worked out from the data.

    ``organisations`` is the number of organisations in the graph (with or without a recorded remit). A capacity
    held by at least :data:`COMMON_SHARE` of them is *generic* (the employer's responsibility for its staff's working
    environment, in the bundled data); so is a (setting, life stage) pair held, in other capacities, by that many.
    Neither links anyone. Every other pair weighs its rarity, ``log(organisations / holders)`` (inverse document
    frequency): a responsibility few share binds them more than one many share.
    """

    organisations: int
    generic_capacities: dict[str, int]
    common_pairs: dict[Pair, int]
    holders: dict[Pair, int]
    remits: dict[str, frozenset[Pair]]
    left_out: list[str]

    def rarity(self, pair: Pair) -> float:
        return math.log(self.organisations / self.holders[pair])

    def weight(self, pairs: Iterable[Pair]) -> float:
        return round(sum(self.rarity(p) for p in pairs), 3)


def sharing_rule(store: Any) -> SharingRule:
    """The rule of :class:`SharingRule` on the store's organisations and their responsibilities."""
    held: dict[str, set[tuple[str | None, Pair]]] = defaultdict(set)
    everyone: set[str] = set()
    for r in store.select(internal("organisation-remits")):
        everyone.add(r["org"].value)
        if "s" in r:
            held[r["org"].value].add((r["cap"].value if "cap" in r else None, (r["s"].value, r["st"].value)))
    n = len(everyone)
    by_capacity = Counter(c for ps in held.values() for c in {c for c, _ in ps if c is not None})
    generic = {c: k for c, k in by_capacity.items() if k >= COMMON_SHARE * n}
    specific = {o: {p for c, p in ps if c not in generic} for o, ps in held.items()}
    holders = Counter(p for ps in specific.values() for p in ps)
    common = {p: k for p, k in holders.items() if k >= COMMON_SHARE * n}
    remits = {o: frozenset(ps - set(common)) for o, ps in specific.items()}
    left_out = sorted(o for o in held if not remits[o])
    return SharingRule(n, generic, common, {p: k for p, k in holders.items() if p not in common}, {o: r for o, r in remits.items() if r}, left_out)


def collaboration_network(store: Any, *, lang: str = "sv", rule: SharingRule | None = None) -> nx.Graph:
    """Organisations linked where they share responsibility for a setting and a life stage by the
    :class:`SharingRule` (``shared``: the pairs, the link's reason; ``weight``: their summed rarity). Organisations
    with identical remits are merged into one node (``members``); organisations whose every responsibility is
    generic are left out (the graph's ``left_out``). The nodes' labels are in ``lang``."""
    rule = rule or sharing_rule(store)
    groups: dict[frozenset[Pair], list[str]] = defaultdict(list)
    for org, pairs in rule.remits.items():
        groups[pairs].append(org)
    names = labels(store, lang)
    g = nx.Graph(rule=rule, left_out=rule.left_out)
    for remit_pairs, members in groups.items():
        key = sorted(members)[0] if len(members) == 1 else "group:" + slug(sorted(members)[0])
        if len(members) == 1:
            label = names.get(members[0], slug(members[0]))
        elif all(_is_municipality(store, m) for m in members):
            label = t("county_municipalities", lang, count=len(members))
        elif len(members) == 2:
            label = _enumerate(sorted(names.get(m, slug(m)) for m in members), lang)
        else:
            settings = {s for s, _ in remit_pairs}
            what = names.get(next(iter(settings)), "") if len(settings) == 1 else t("same_remit", lang)
            label = t("merged_organisations", lang, count=len(members), what=what)
        g.add_node(key, label=label, members=sorted(members), pairs=sorted(remit_pairs))
    keys = list(g.nodes)
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            shared = set(g.nodes[a]["pairs"]) & set(g.nodes[b]["pairs"])
            if shared:
                g.add_edge(a, b, weight=rule.weight(shared), shared=sorted(shared))
    return g


def _is_municipality(store: Any, iri: str) -> bool:
    return bool(store.ask(internal("is-a", {"resource": iri, "class": VOCAB + "Municipality"})))


def communities(g: nx.Graph) -> list[list[str]]:
    """Natural collaboration groups (greedy modularity on the links' weights), largest first."""
    from networkx.algorithms.community import greedy_modularity_communities

    found = greedy_modularity_communities(g, weight="weight") if g.number_of_edges() else [{n} for n in g.nodes]
    return [sorted(c) for c in sorted(found, key=lambda c: (-len(c), sorted(c)))]


def municipality_partners(store: Any, rule: SharingRule | None = None) -> dict[str, list[dict[str, Any]]]:
    """For each municipality: the region's committees, companies and administrations it shares settings and life
    stages with by the :class:`SharingRule` (``shared``, the reason; ``weight``, its rarity), the strongest first."""
    rule = rule or sharing_rule(store)
    kinds = {r["org"].value: r["municipality"].value == "true" for r in store.select(internal("municipality-partners"))}
    bodies = [o for o, municipal in kinds.items() if not municipal and o in rule.remits]
    out: dict[str, list[dict[str, Any]]] = {}
    for m in sorted(o for o, municipal in kinds.items() if municipal):
        mine = rule.remits.get(m, frozenset())
        found = [{"organisation": o, "shared": sorted(mine & rule.remits[o]), "weight": rule.weight(mine & rule.remits[o])} for o in bodies]
        out[m] = sorted((p for p in found if p["shared"]), key=lambda p: (-p["weight"], p["organisation"]))
    return out


def responsibility_phrase(pairs: Iterable[Pair], names: dict[str, str], lang: str, phrases: Mapping[str, Mapping[str, str]]) -> str:
    """Shared (setting, life stage) pairs as a phrase, e.g. "barn i förskolan; barn och unga i grundskolan": the
    life stages in life-course order ("alla åldrar" for all of them), settings with the same life stages together;
    ``phrases`` are the settings' ``mh:phrase`` by IRI (:func:`api.web.views.phrases`)."""
    stages: dict[str, list[str]] = defaultdict(list)
    for s, st in pairs:
        stages[s].append(st)
    where: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for s, sts in stages.items():
        where[tuple(life_course_order(sorted(set(sts))))].append(s)
    parts = []
    for ages, settings in sorted(where.items(), key=lambda x: ([LIFE_COURSE.index(st) if st in LIFE_COURSE else 9 for st in x[0]], x[1])):
        who = t("all_ages", lang) if list(ages) == LIFE_COURSE else _enumerate([names.get(st, slug(st)).lower() for st in ages], lang)
        places = _enumerate(sorted(_in_setting(s, names, lang, phrases) for s in settings), lang)
        parts.append(f"{who} {places}")
    return "; ".join(parts)


def _enumerate(items: list[str], lang: str) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + t("and_last", lang) + items[-1]


def _in_setting(setting: str, names: dict[str, str], lang: str, phrases: Mapping[str, Mapping[str, str]]) -> str:
    """Where, as a prepositional phrase: the setting's ``mh:phrase`` ("i förskolan", "at work"), else "i <name>"."""
    return phrases.get(setting, {}).get(lang) or t("in_setting_part", lang, setting=names.get(setting, slug(setting)).lower()).strip()


def network_data(store: Any, g: nx.Graph, parts: list[list[str]]) -> dict[str, Any]:
    """The network as JSON-ready data: nodes (with members and community), weighted edges with their shared
    (setting, life stage) pairs, communities, each municipality's regional partners and the rule that links them."""
    community = {n: i for i, p in enumerate(parts) for n in p}
    rule: SharingRule = g.graph.get("rule") or sharing_rule(store)
    return {
        "nodes": [{"id": n, "label": d["label"], "members": d["members"], "community": community[n]} for n, d in g.nodes(data=True)],
        "edges": [{"source": a, "target": b, "weight": d["weight"], "shared": [list(p) for p in d["shared"]]} for a, b, d in g.edges(data=True)],
        "communities": parts,
        "municipality_partners": municipality_partners(store, rule),
        "rule": {
            "organisations": rule.organisations,
            "common_share": COMMON_SHARE,
            "generic_capacities": rule.generic_capacities,
            "common_pairs": [{"setting": s, "life_stage": st, "holders": k} for (s, st), k in sorted(rule.common_pairs.items())],
            "left_out": rule.left_out,
        },
    }


# ------------------------------------------------------------------------------ leverage points
def leverage(store: Any, *, lang: str = "sv") -> list[dict[str, Any]]:
    """Interventions ranked by how much they connect: societal areas, SDG targets, settings, life stages."""
    names = labels(store, lang)
    rows = store.select(internal("intervention-leverage"))
    out = []
    for r in rows:
        counts = {k: int(r[k].value) for k in ("areas", "targets", "settings", "stages", "entries")}
        score = counts["areas"] + counts["targets"] + counts["settings"] + counts["stages"]
        iv = r["iv"].value
        why = t("leverage", lang, name=names.get(iv, slug(iv)), score=score, **counts)
        out.append({"intervention": iv, "label": names.get(iv, slug(iv)), "score": score, **counts, "explanation": why})
    return sorted(out, key=lambda x: (-x["score"], -x["entries"], x["label"]))


def source_leverage(store: Any, *, lang: str = "sv") -> list[dict[str, Any]]:
    """Sources ranked by how much of the graph rests on them: entries, the interventions and organisations they reach."""
    names = labels(store, lang)
    rows = store.select(internal("source-leverage"))
    refs = Counter(r["s"].value for r in store.select(internal("strategy-cited-sources")))
    out = [
        {
            "source": r["src"].value,
            "label": names.get(r["src"].value, slug(r["src"].value)),
            "entries": int(r["entries"].value),
            "interventions": int(r["interventions"].value),
            "strategy_references": refs.get(r["src"].value, 0),
        }
        for r in rows
    ]
    for s, n in refs.items():
        if s not in {o["source"] for o in out}:
            out.append({"source": s, "label": names.get(s, slug(s)), "entries": 0, "interventions": 0, "strategy_references": n})
    return sorted(out, key=lambda x: (-(x["entries"] + x["strategy_references"]), -x["interventions"], x["label"]))


# ------------------------------------------------------------------------------ justifications
def explain(store: Any, runner: QueryRunner, org: str, intervention: str, *, lang: str = "sv") -> list[dict[str, Any]]:
    """The paths organisation → responsibility → capacity → life stage → evidence → intervention → source.

    One path per reviewed or published entry of beneficial effect that makes ``intervention`` a measure of ``org``
    (the matching of the catalogue query committee-measures); none when it is not one of its measures.
    """
    rows = runner.run("committee-measure-details", {"org": org})
    names = labels(store, lang)
    scale = certainty_scale(store)
    paths = []
    for r in rows:
        if r["intervention"].value != intervention or r["effect"].value != ID + "effect/beneficial":
            continue
        nodes = [org, r["resp"].value, r["capacity"].value, r["stage"].value, r["entry"].value, intervention, r["source"].value]
        level = scale.by_rank(int(r["rank"].value))
        if level is None:
            raise ValueError(f"{r['entry'].value}: certainty rank {r['rank'].value} is not on the certainty scale")
        setting = r.get("resp_setting")
        text = t(
            "justification_path",
            lang,
            organisation=names.get(org, slug(org)),
            capacity=names.get(nodes[2], slug(nodes[2])).lower(),
            setting=t("in_setting_part", lang, setting=names.get(setting.value, "").lower()) if setting is not None else "",
            stage=names.get(nodes[3], "").lower(),
            responsibility=names.get(nodes[1], ""),
            entry=slug(nodes[4]),
            intervention=names.get(intervention, ""),
            certainty=level.label(lang).lower(),
            source=names.get(nodes[6], slug(nodes[6])),
        )
        paths.append({"nodes": nodes, "certainty": level.code, "text": text})
    return paths


# ------------------------------------------------------------------------------ indicators
def indicator_coverage(store: Any, *, lang: str = "sv") -> list[dict[str, Any]]:
    """For each societal area: the follow-up indicators, their producers and SDG indicators."""
    names = labels(store, lang)
    areas = [r["a"].value for r in store.select(internal("top-concepts", {"scheme": SOCIETAL_AREAS}))]
    rows = store.select(internal("indicator-coverage"))
    by_area: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        item = {
            "indicator": r["ind"].value,
            "label": names.get(r["ind"].value, slug(r["ind"].value)),
            "producer": r["producer"].value if "producer" in r else None,
            "producer_label": names.get(r["producer"].value) if "producer" in r else None,
            "sdg_indicator": r["sdg"].value if "sdg" in r else None,
        }
        if item not in by_area[r["area"].value]:
            by_area[r["area"].value].append(item)
    return [{"area": a, "label": names.get(a, slug(a)), "indicators": by_area.get(a, []), "covered": bool(by_area.get(a))} for a in areas]


# ------------------------------------------------------------------------------ writing everything
def check_arguments(kind: str, *, org: str | None = None, intervention: str | None = None) -> None:
    """Refuse what ``mhkg analyze KIND`` cannot run without (before any store is opened).

    Raises:
        InvalidParameterError: ``explain`` without both an organisation and an intervention.

    >>> check_arguments("explain", org="https://w3id.org/mhkg/id/organisation/trafiknamnden")
    Traceback (most recent call last):
    ...
    api.errors.InvalidParameterError: explain needs --org and --intervention
    """
    if kind == "explain" and (not org or not intervention):
        raise InvalidParameterError("explain_needs")


