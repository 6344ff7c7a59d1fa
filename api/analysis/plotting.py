"""Pictures of the analyses, drawn with matplotlib (PNG and SVG): heatmaps, the collaboration network, justification paths.

The computations are in :mod:`api.analysis`; this module only draws what they return.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import networkx as nx

from api.analysis import Matrix
from api.i18n import t
from api.vocab import slug


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
    ax.set_xticks(range(len(m.columns)), [_wrap(m.names.get(c, slug(c)), 16) for c in m.columns], fontsize=9)
    ax.set_yticks(range(len(m.rows)), [_wrap(m.names.get(r, slug(r)), 48) for r in m.rows], fontsize=8 if len(m.rows) > 20 else 9)
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


LABEL_SIZE = 12
"""The network picture's smallest text, in points: the SVG's own units, so also its font-size at natural size."""


def draw_network(g: nx.Graph, parts: list[list[str]], path_stem: Path, *, lang: str = "sv") -> tuple[list[Path], int]:
    """The collaboration network, nodes coloured by community (grey: no link), labels placed beside the nodes; PNG
    and SVG. The SVG keeps its text as text (searchable, and no smaller than :data:`LABEL_SIZE`).

    Returns:
        The files written and the number of label pairs that still overlap (0 when placement succeeded).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    palette = ["#00558c", "#d1495b", "#3c8d40", "#edae49", "#66a182", "#8d6a9f", "#2e4057", "#c06014", "#5b8e7d"]
    alone = "#9a9a9a"
    isolates = sorted(nx.isolates(g))
    linked = [p for p in parts if not set(p) <= set(isolates)]
    community_of = {n: i for i, part in enumerate(linked) for n in part}
    pos = _network_layout(g, isolates)
    with matplotlib.rc_context({"svg.fonttype": "none", "font.size": LABEL_SIZE}):
        fig, ax = plt.subplots(figsize=(14, 10))
        weights = [g.edges[e]["weight"] for e in g.edges]
        nx.draw_networkx_edges(g, pos, ax=ax, width=[0.6 + 0.5 * w for w in weights], alpha=0.3, edge_color="#555")
        nx.draw_networkx_nodes(
            g,
            pos,
            ax=ax,
            node_size=[250 + 60 * len(g.nodes[n]["pairs"]) for n in g.nodes],
            node_color=[palette[community_of[n] % len(palette)] if n in community_of else alone for n in g.nodes],
        )
        texts = _place_labels(ax, g, pos)
        overlaps = overlapping_pairs(texts)
        handles = [
            Line2D(
                [0],
                [0],
                marker="o",
                color="w",
                markerfacecolor=palette[i % len(palette)],
                markersize=12,
                label=t("network_group", lang, number=i + 1, size=sum(len(g.nodes[n]["members"]) for n in p)),
            )
            for i, p in enumerate(linked)
        ]
        if isolates:
            handles.append(Line2D([0], [0], marker="o", color="w", markerfacecolor=alone, markersize=12, label=t("network_alone", lang)))
        ax.legend(
            handles=handles,
            title=t("network_legend", lang),
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            frameon=False,
            fontsize=LABEL_SIZE,
            title_fontsize=LABEL_SIZE + 1,
        )
        ax.set_title(t("network_picture", lang), fontsize=LABEL_SIZE + 3)
        ax.axis("off")
        ax.margins(0.12)
        fig.tight_layout()
        return _save_figure(fig, path_stem), overlaps


def _network_layout(g: nx.Graph, isolates: list[str]) -> dict[str, Any]:
    """Linked nodes spread by their links (a force-directed layout, each connected part side by side), nodes without
    links in a row beneath them."""
    import numpy as np

    pos: dict[str, Any] = {}
    parts = sorted((sorted(c) for c in nx.connected_components(g.subgraph(n for n in g if n not in isolates))), key=lambda c: (-len(c), c))
    width = sum(max(1.0, len(c) ** 0.5) for c in parts) or 1.0
    left = -1.0
    for c in parts:
        share = 2.0 * max(1.0, len(c) ** 0.5) / width
        sub = nx.spring_layout(g.subgraph(c), seed=7, k=1.5, iterations=200, weight=None, scale=1.0) if len(c) > 1 else {c[0]: np.zeros(2)}
        xy = np.array(list(sub.values()))
        low, span = xy.min(axis=0), np.maximum(xy.max(axis=0) - xy.min(axis=0), 1e-9)
        for n, (x, y) in zip(sub, (xy - low) / span, strict=True):
            pos[n] = np.array([left + share * (0.1 + 0.8 * x), 1.6 * y - 0.8 if len(c) > 1 else 0.0])
        left += share
    for i, n in enumerate(isolates):
        pos[n] = np.array([-1.0 + 2.0 * (i + 0.5) / len(isolates), -1.3])
    return pos


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
            pos[n][1] + 0.05,
            _wrap(g.nodes[n]["label"], 24),
            fontsize=LABEL_SIZE,
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


def draw_explanation(paths: list[dict[str, Any]], names: dict[str, str], path_stem: Path, *, lang: str = "sv") -> list[Path]:
    """A small left-to-right diagram of the justification paths, its column headings in ``lang``; PNG and SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = [
        t("path_organisation", lang),
        t("path_responsibility", lang),
        t("path_capacity", lang),
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
            _wrap(names.get(n, slug(n)), 20),
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
