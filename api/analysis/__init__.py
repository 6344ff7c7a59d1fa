"""Graph analysis with networkx: evidence gap maps, the collaboration network, leverage points,
justification paths and indicator coverage. Pictures are drawn with matplotlib (PNG and SVG).

The networkx view is built from the store with a handful of SPARQL queries (``queries/internal/``), never by
walking triples one by one. Certainty ranks, codes and labels come from the graph (:mod:`api.catalogue.certainty`).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from api.catalogue import QueryRunner
from api.catalogue.certainty import CertaintyScale, certainty_scale
from api.catalogue.internal import internal
from api.errors import InvalidParameterError, NotFoundError
from api.i18n import t
from api.vocab import ID, VOCAB

SOCIETAL_AREAS = ID + "scheme/societal-areas"
Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


LIFE_COURSE = [ID + f"life-stage/{s}" for s in ("children", "young-people", "adults", "older-people")]


def life_course_order(stages: list[str]) -> list[str]:
    """Life stages in life-course order (children, young people, adults, older people)."""
    return sorted(stages, key=lambda s: LIFE_COURSE.index(s) if s in LIFE_COURSE else len(LIFE_COURSE))


def _slug(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


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
        g.nodes[entry].update(rank=int(r["rank"].value), effect=_slug(r["effect"].value), outcome=r["outcome"].value)
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
                        "row_label": self.names.get(r, _slug(r)),
                        "column": c,
                        "column_label": self.names.get(c, _slug(c)),
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


def draw_heatmap(m: Matrix, path_stem: Path, *, lang: str = "sv") -> list[Path]:
    """A heatmap coloured by best certainty, each cell annotated with its number of entries; PNG and SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    colours = ["#ffffff", "#e0e0e0", "#f2c94c", "#3c8d40", "#0b6623"]  # gap, very low … high
    grid = [[(m.cells.get((r, c), (0, None))[1] or 0) for c in m.columns] for r in m.rows]
    height = max(3.5, 0.32 * len(m.rows) + 2.2)
    width = max(7.0, 1.25 * len(m.columns) + 4.5)
    fig, ax = plt.subplots(figsize=(width, height))
    ax.imshow(grid, cmap=ListedColormap(colours), norm=BoundaryNorm([-0.5, 0.5, 1.5, 2.5, 3.5, 4.5], 5), aspect="auto")
    for i, r in enumerate(m.rows):
        for j, c in enumerate(m.columns):
            n, best = m.cells.get((r, c), (0, None))
            text = str(n) if n else "–"
            ax.text(j, i, text, ha="center", va="center", fontsize=9, color="white" if (best or 0) >= 3 else "black")
    ax.set_xticks(range(len(m.columns)), [_wrap(m.names.get(c, _slug(c)), 16) for c in m.columns], fontsize=9)
    ax.set_yticks(range(len(m.rows)), [_wrap(m.names.get(r, _slug(r)), 48) for r in m.rows], fontsize=8 if len(m.rows) > 20 else 9)
    ax.tick_params(top=True, bottom=False, labeltop=True, labelbottom=False)
    ax.set_title(m.title, pad=12)
    legend = [Patch(facecolor=colours[0], edgecolor="#888", label=t("gap", lang))]
    legend += [Patch(facecolor=colours[level.rank], edgecolor="#888", label=level.label(lang).lower()) for level in reversed(m.certainty.levels)]
    ax.legend(
        handles=legend,
        title=t("best_certainty", lang),
        loc="upper left",
        bbox_to_anchor=(1.02, 1),
        fontsize=8,
        title_fontsize=9,
        frameon=False,
    )
    fig.tight_layout()
    return _save_figure(fig, path_stem)


def _save_figure(fig: Any, path_stem: Path) -> list[Path]:
    """Write a figure as PNG and SVG next to ``path_stem`` and close it."""
    import matplotlib.pyplot as plt

    out = []
    for suffix in (".png", ".svg"):
        p = path_stem.with_suffix(suffix)
        fig.savefig(p, dpi=150, bbox_inches="tight")
        out.append(p)
    plt.close(fig)
    return out


def _wrap(text: str, width: int) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if len(line) + len(w) + 1 > width and line:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "\n".join(lines[:3]) + ("…" if len(lines) > 3 else "")


# ------------------------------------------------------------------------------ collaboration network
def collaboration_network(store: Any, *, lang: str = "sv") -> nx.Graph:
    """Organisations linked where they share responsibility for a setting and a life stage (edge weight:
    how many such pairs); organisations with identical remits are merged into one node (``members``).
    The nodes' labels are in ``lang``."""
    remit: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in store.select(internal("organisation-remits")):
        remit[r["org"].value].add((r["s"].value, r["st"].value))
    groups: dict[frozenset[tuple[str, str]], list[str]] = defaultdict(list)
    for org, pairs in remit.items():
        groups[frozenset(pairs)].append(org)
    names = labels(store, lang)
    g = nx.Graph()
    for remit_pairs, members in groups.items():
        key = sorted(members)[0] if len(members) == 1 else "group:" + _slug(sorted(members)[0])
        if len(members) == 1:
            label = names.get(members[0], _slug(members[0]))
        elif all(_is_municipality(store, m) for m in members):
            label = t("county_municipalities", lang, count=len(members))
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
                g.add_edge(a, b, weight=len(shared), shared=sorted(shared))
    return g


def _is_municipality(store: Any, iri: str) -> bool:
    return bool(store.ask(internal("is-a", {"resource": iri, "class": VOCAB + "Municipality"})))


def communities(g: nx.Graph) -> list[list[str]]:
    """Natural collaboration groups (greedy modularity on shared remit), largest first."""
    from networkx.algorithms.community import greedy_modularity_communities

    found = greedy_modularity_communities(g, weight="weight") if g.number_of_edges() else [{n} for n in g.nodes]
    return [sorted(c) for c in sorted(found, key=lambda c: (-len(c), sorted(c)))]


def municipality_partners(store: Any) -> dict[str, list[dict[str, Any]]]:
    """For each municipality: the region's committees and companies it shares settings and life stages with."""
    rows = store.select(internal("municipality-partners"))
    out: dict[str, dict[str, set[tuple[str, str]]]] = defaultdict(lambda: defaultdict(set))
    for r in rows:
        out[r["m"].value][r["org"].value].add((r["s"].value, r["st"].value))
    return {m: [{"organisation": o, "shared": sorted(p)} for o, p in sorted(orgs.items())] for m, orgs in sorted(out.items())}


def network_data(store: Any, g: nx.Graph, parts: list[list[str]]) -> dict[str, Any]:
    """The network as JSON-ready data: nodes (with members and community), weighted edges, communities and
    each municipality's regional partners."""
    community = {n: i for i, p in enumerate(parts) for n in p}
    return {
        "nodes": [{"id": n, "label": d["label"], "members": d["members"], "community": community[n]} for n, d in g.nodes(data=True)],
        "edges": [{"source": a, "target": b, "weight": d["weight"]} for a, b, d in g.edges(data=True)],
        "communities": parts,
        "municipality_partners": municipality_partners(store),
    }


def draw_network(g: nx.Graph, parts: list[list[str]], path_stem: Path, *, lang: str = "sv") -> tuple[list[Path], int]:
    """The collaboration network, nodes coloured by community, labels placed beside the nodes; PNG and SVG.

    Returns:
        The files written and the number of label pairs that still overlap (0 when placement succeeded).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    palette = ["#00558c", "#d1495b", "#3c8d40", "#edae49", "#66a182", "#8d6a9f", "#2e4057", "#c06014", "#5b8e7d", "#7a7a7a"]
    community_of = {n: i for i, part in enumerate(parts) for n in part}
    pos = nx.shell_layout(g, nlist=list(parts)) if len(parts) > 1 else nx.circular_layout(g)
    pos = nx.spring_layout(g, pos=pos, seed=7, k=1.6 / max(1, g.number_of_nodes()) ** 0.5, iterations=80, weight=None)
    fig, ax = plt.subplots(figsize=(13, 10))
    weights = [g.edges[e]["weight"] for e in g.edges]
    nx.draw_networkx_edges(g, pos, ax=ax, width=[0.4 + 0.25 * w for w in weights], alpha=0.25, edge_color="#555")
    nx.draw_networkx_nodes(
        g, pos, ax=ax, node_size=[120 + 40 * len(g.nodes[n]["pairs"]) for n in g.nodes], node_color=[palette[community_of[n] % len(palette)] for n in g.nodes]
    )
    texts = _place_labels(ax, g, pos)
    overlaps = overlapping_pairs(texts)
    handles = [
        Line2D(
            [0], [0], marker="o", color="w", markerfacecolor=palette[i % len(palette)], markersize=10, label=t("network_group", lang, number=i + 1, size=len(p))
        )
        for i, p in enumerate(parts)
    ]
    ax.legend(handles=handles, title=t("network_legend", lang), loc="lower left", bbox_to_anchor=(1.0, 0.0), frameon=False)
    ax.set_title(t("network_picture", lang))
    ax.axis("off")
    fig.tight_layout()
    return _save_figure(fig, path_stem), overlaps


def overlapping_pairs(texts: list[Any]) -> int:
    """How many pairs of drawn text labels overlap (on the rendered figure)."""
    if not texts:
        return 0
    fig = texts[0].figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    return sum(1 for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j]))


def _place_labels(ax: Any, g: nx.Graph, pos: dict[str, Any]) -> list[Any]:
    """Label every node, nudging labels apart so that no two overlap (checked on the rendered boxes)."""
    fig = ax.figure
    texts = [
        ax.text(
            pos[n][0],
            pos[n][1] + 0.045,
            _wrap(g.nodes[n]["label"], 22),
            fontsize=7.5,
            ha="center",
            va="bottom",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        )
        for n in g.nodes
    ]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for _ in range(200):
        boxes = [t.get_window_extent(renderer).expanded(1.05, 1.15) for t in texts]
        moved = False
        for i in range(len(texts)):
            for j in range(i + 1, len(texts)):
                if boxes[i].overlaps(boxes[j]):
                    xi, yi = texts[i].get_position()
                    xj, yj = texts[j].get_position()
                    step = 0.02 if yi >= yj else -0.02
                    texts[i].set_position((xi, yi + step))
                    texts[j].set_position((xj, yj - step))
                    moved = True
        if not moved:
            break
        fig.canvas.draw()
    return texts


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
        why = t("leverage", lang, name=names.get(iv, _slug(iv)), score=score, **counts)
        out.append({"intervention": iv, "label": names.get(iv, _slug(iv)), "score": score, **counts, "explanation": why})
    return sorted(out, key=lambda x: (-x["score"], -x["entries"], x["label"]))


def source_leverage(store: Any, *, lang: str = "sv") -> list[dict[str, Any]]:
    """Sources ranked by how much of the graph rests on them: entries, the interventions and organisations they reach."""
    names = labels(store, lang)
    rows = store.select(internal("source-leverage"))
    refs = Counter(r["s"].value for r in store.select(internal("strategy-cited-sources")))
    out = [
        {
            "source": r["src"].value,
            "label": names.get(r["src"].value, _slug(r["src"].value)),
            "entries": int(r["entries"].value),
            "interventions": int(r["interventions"].value),
            "strategy_references": refs.get(r["src"].value, 0),
        }
        for r in rows
    ]
    for s, n in refs.items():
        if s not in {o["source"] for o in out}:
            out.append({"source": s, "label": names.get(s, _slug(s)), "entries": 0, "interventions": 0, "strategy_references": n})
    return sorted(out, key=lambda x: (-(x["entries"] + x["strategy_references"]), -x["interventions"], x["label"]))


# ------------------------------------------------------------------------------ justifications
def explain(store: Any, runner: QueryRunner, org: str, intervention: str, *, lang: str = "sv") -> list[dict[str, Any]]:
    """The paths organisation → responsibility → setting and life stage → evidence → intervention → source."""
    rows = runner.run("committee-measure-details", {"org": org})
    names = labels(store, lang)
    scale = certainty_scale(store)
    paths = []
    for r in rows:
        if r["intervention"].value != intervention:
            continue
        nodes = [org, r["resp"].value, r["resp_setting"].value, r["stage"].value, r["entry"].value, intervention, r["source"].value]
        level = scale.by_rank(int(r["rank"].value))
        if level is None:
            raise ValueError(f"{r['entry'].value}: certainty rank {r['rank'].value} is not on the certainty scale")
        text = t(
            "justification_path",
            lang,
            organisation=names.get(org, _slug(org)),
            setting=names.get(nodes[2], "").lower(),
            stage=names.get(nodes[3], "").lower(),
            responsibility=names.get(nodes[1], ""),
            entry=_slug(nodes[4]),
            intervention=names.get(intervention, ""),
            certainty=level.label(lang).lower(),
            source=names.get(nodes[6], _slug(nodes[6])),
        )
        paths.append({"nodes": nodes, "certainty": level.code, "text": text})
    return paths


def draw_explanation(paths: list[dict[str, Any]], names: dict[str, str], path_stem: Path, *, lang: str = "sv") -> list[Path]:
    """A small left-to-right diagram of the justification paths, its column headings in ``lang``; PNG and SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = [
        t("path_organisation", lang),
        t("path_responsibility", lang),
        t("path_setting", lang),
        t("path_life_stage", lang),
        t("path_entry", lang),
        t("path_intervention", lang),
        t("path_source", lang),
    ]
    g = nx.DiGraph()
    for p in paths:
        for i, n in enumerate(p["nodes"]):
            g.add_node(n, layer=i)
        nx.add_path(g, p["nodes"])
    layers: dict[int, list[str]] = defaultdict(list)
    for n, d in g.nodes(data=True):
        layers[d["layer"]].append(n)
    pos = {n: (layer * 2.2, -i * 1.0) for layer, ns in layers.items() for i, n in enumerate(sorted(ns))}
    height = max(2.5, 0.9 * max(len(ns) for ns in layers.values()) + 1.5)
    fig, ax = plt.subplots(figsize=(15, height))
    nx.draw_networkx_edges(g, pos, ax=ax, arrows=True, arrowsize=10, edge_color="#777", node_size=1800)
    for n, (x, y) in pos.items():
        ax.text(
            x,
            y,
            _wrap(names.get(n, _slug(n)), 20),
            ha="center",
            va="center",
            fontsize=7.5,
            bbox={"boxstyle": "round,pad=0.3", "fc": "#eaf2f8", "ec": "#00558c"},
        )
    for i, c in enumerate(columns):
        ax.text(i * 2.2, 0.9, c, ha="center", va="bottom", fontsize=9, fontweight="bold")
    ax.set_xlim(-1.2, 6 * 2.2 + 1.2)
    ax.set_ylim(-max(len(ns) for ns in layers.values()) + 0.3, 1.4)
    ax.axis("off")
    fig.tight_layout()
    return _save_figure(fig, path_stem)


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
            "label": names.get(r["ind"].value, _slug(r["ind"].value)),
            "producer": r["producer"].value if "producer" in r else None,
            "producer_label": names.get(r["producer"].value) if "producer" in r else None,
            "sdg_indicator": r["sdg"].value if "sdg" in r else None,
        }
        if item not in by_area[r["area"].value]:
            by_area[r["area"].value].append(item)
    return [{"area": a, "label": names.get(a, _slug(a)), "indicators": by_area.get(a, []), "covered": bool(by_area.get(a))} for a in areas]


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


def write_all(
    kind: str,
    store: Any,
    runner: QueryRunner,
    out: Path,
    *,
    org: str | None = None,
    intervention: str | None = None,
    lang: str = "sv",
    progress: Progress = _quiet,
) -> list[Path]:
    """What ``mhkg analyze KIND --out DIR`` writes."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(name: str, text: str) -> None:
        p = out / name
        p.write_text(text, encoding="utf-8")
        written.append(p)

    if kind == "gaps":
        progress("computing the setting × life-stage gap map")
        m = setting_stage_gaps(runner, store, lang=lang)
        save("gaps-settings-life-stages.csv", m.to_csv())
        save("gaps-settings-life-stages.json", m.to_json())
        written += draw_heatmap(m, out / "gaps-settings-life-stages", lang=lang)
        progress("computing the intervention × societal-area matrix")
        m2 = intervention_area_matrix(store, lang=lang)
        save("interventions-areas.csv", m2.to_csv())
        save("interventions-areas.json", m2.to_json())
        written += draw_heatmap(m2, out / "interventions-areas", lang=lang)
    elif kind == "network":
        progress("building the collaboration network")
        g = collaboration_network(store)
        parts = communities(g)
        progress(f"{g.number_of_nodes()} nodes, {g.number_of_edges()} edges, {len(parts)} communities; drawing")
        data = network_data(store, g, parts)
        save("network.json", json.dumps(data, indent=2, ensure_ascii=False))
        files, overlaps = draw_network(g, parts, out / "network")
        written += files
        progress(f"network drawn; overlapping labels: {overlaps}")
    elif kind == "leverage":
        progress("ranking interventions and sources")
        save("leverage-interventions.json", json.dumps(leverage(store, lang=lang), indent=2, ensure_ascii=False))
        save("leverage-sources.json", json.dumps(source_leverage(store, lang=lang), indent=2, ensure_ascii=False))
    elif kind == "explain":
        check_arguments(kind, org=org, intervention=intervention)
        assert org and intervention  # checked just above (for the type checker)
        paths = explain(store, runner, org, intervention, lang=lang)
        if not paths:
            raise NotFoundError("measure", intervention, key="not_a_measure", org=org)
        save("explanation.json", json.dumps(paths, indent=2, ensure_ascii=False))
        save("explanation.txt", "\n".join(p["text"] for p in paths) + "\n")
        written += draw_explanation(paths, labels(store, lang), out / "explanation")
    elif kind == "indicators":
        progress("computing indicator coverage per societal area")
        table = indicator_coverage(store, lang=lang)
        save("indicators.json", json.dumps(table, indent=2, ensure_ascii=False))
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["area", "label", "covered", "indicators", "producers"])
        for row in table:
            w.writerow(
                [
                    row["area"],
                    row["label"],
                    row["covered"],
                    "; ".join(i["label"] for i in row["indicators"]),
                    "; ".join(sorted({i["producer_label"] or "" for i in row["indicators"]})),
                ]
            )
        save("indicators.csv", buf.getvalue())
    else:
        raise ValueError(f"unknown analysis {kind!r}")
    return written
