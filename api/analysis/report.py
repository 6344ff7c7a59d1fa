"""What ``mhkg analyze KIND --out DIR`` writes: each analysis as CSV and JSON, with its pictures."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from api.analysis import (
    Progress,
    _quiet,
    check_arguments,
    collaboration_network,
    communities,
    explain,
    indicator_coverage,
    intervention_area_matrix,
    labels,
    leverage,
    network_data,
    setting_stage_gaps,
    source_leverage,
)
from api.analysis.plotting import draw_explanation, draw_heatmap, draw_network
from api.catalogue import QueryRunner
from api.errors import NotFoundError


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
