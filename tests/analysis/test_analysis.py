"""Graph analysis on the real data: gap maps, collaboration network, leverage, justifications, indicators, pictures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from api.analysis import (
    collaboration_network,
    communities,
    explain,
    graph_view,
    indicator_coverage,
    intervention_area_matrix,
    leverage,
    municipality_partners,
    setting_stage_gaps,
    source_leverage,
)
from api.analysis.plotting import draw_heatmap, draw_network
from api.catalogue import QueryRunner, get_query
from api.store import EmbeddedStore
from harness import run_cli

ID = "https://w3id.org/mhkg/id/"


@pytest.fixture(scope="module")
def runner(store: EmbeddedStore) -> QueryRunner:
    return QueryRunner(store)


def count(store: EmbeddedStore, where: str) -> int:
    return int(store.select(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}")[0]["n"].value)


def test_graph_view_is_typed_and_complete(store: EmbeddedStore) -> None:
    g = graph_view(store)
    kinds = {}
    for _, d in g.nodes(data=True):
        kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
    assert kinds["organisation"] == count(store, "?x a mh:Organisation ; mh:hasResponsibility ?r")
    assert kinds["evidence"] == count(store, "?x a mh:EvidenceEntry")
    assert kinds["intervention"] == count(store, "?x a mh:Intervention")
    rels = {d["rel"] for _, _, d in g.edges(data=True)}
    assert {"hasResponsibility", "setting", "lifeStage", "intervention", "citesSource", "servesArea", "servesSdgTarget", "broader"} <= rels


@pytest.mark.parametrize("certainty", ["very-low", "low", "moderate", "high"])
def test_gap_map_counts_equal_sparql_counts(store: EmbeddedStore, runner: QueryRunner, certainty: str) -> None:
    m = setting_stage_gaps(runner, store, min_certainty=certainty)
    assert len(m.rows) == 8 and len(m.columns) == 4
    minimum = {"very-low": 1, "low": 2, "moderate": 3, "high": 4}[certainty]
    for (setting, stage), (n, _best) in m.cells.items():
        direct = count(
            store,
            f"?x a mh:EvidenceEntry ; mh:lifeStage <{stage}> ; mh:effect <{ID}effect/beneficial> ; "
            f"mh:setting/skos:broaderTransitive? <{setting}> ; mh:certainty/mh:certaintyRank ?r FILTER(?r >= {minimum})",
        )
        assert n == direct, (setting, stage)
    records = json.loads(m.to_json())["cells"]
    assert len(records) == 32 and m.to_csv().count("\n") == 33


def test_intervention_area_matrix_counts(store: EmbeddedStore) -> None:
    m = intervention_area_matrix(store)
    assert len(m.columns) == 6
    iv, area = ID + "intervention/housing-first", ID + "societal-area/social-sustainability"
    if (iv, area) in m.cells:
        assert m.cells[(iv, area)][0] == count(store, f"?x mh:intervention <{iv}>")


def test_every_organisation_in_the_network_has_a_responsibility(store: EmbeddedStore) -> None:
    g = collaboration_network(store)
    members = [m for _, d in g.nodes(data=True) for m in d["members"]]
    assert len(members) == len(set(members))
    for m in members:
        assert store.ask(f"ASK {{ <{m}> a mh:Organisation ; mh:hasResponsibility/mh:covers [ mh:setting ?s ; mh:lifeStage ?st ] }}")
    assert any(d["label"] == "Länets 26 kommuner" for _, d in g.nodes(data=True))
    parts = communities(g)
    assert sorted(n for p in parts for n in p) == sorted(g.nodes)
    for a, b, d in g.edges(data=True):
        assert set(g.nodes[a]["pairs"]) & set(g.nodes[b]["pairs"]) and d["weight"] == len(d["shared"])


def test_each_municipality_lists_its_regional_partners(store: EmbeddedStore) -> None:
    partners = municipality_partners(store)
    assert len(partners) == 26
    huddinge = {p["organisation"] for p in partners[ID + "organisation/huddinge"]}
    assert ID + "organisation/halso-och-sjukvardsnamnden" in huddinge and ID + "organisation/tillvaxt-och-regionplanenamnden" in huddinge


def test_explanations_exist_for_every_row_of_committee_measures(store: EmbeddedStore, runner: QueryRunner) -> None:
    orgs = [r["o"].value for r in store.select("SELECT ?o WHERE { ?o a mh:Organisation }")]
    rows = [(org, r) for org in orgs for r in store.select(get_query("committee-measures").bind({"org": org}))]
    assert len({org for org, _ in rows}) >= 40
    for iri, r in rows:
        paths = explain(store, runner, iri, r["intervention"].value)
        assert paths, r["intervention"].value
        for p in paths:
            assert p["nodes"][0] == iri and p["nodes"][5] == r["intervention"].value
            assert p["nodes"][6] in r["sources"].value.split()
            assert p["text"]


def test_leverage_rankings(store: EmbeddedStore) -> None:
    ranked = leverage(store)
    assert ranked == sorted(ranked, key=lambda x: (-x["score"], -x["entries"], x["label"]))
    top = ranked[0]
    assert top["score"] == top["areas"] + top["targets"] + top["settings"] + top["stages"]
    assert str(top["areas"]) in top["explanation"] and "samhällsområden" in top["explanation"]
    sources = source_leverage(store)
    first = next(s for s in sources if s["entries"])
    assert first["entries"] == count(store, f"?x mh:citesSource <{first['source']}>")
    assert any(s["source"].endswith("who-2004-promoting-mental-health") and s["strategy_references"] == 1 for s in sources)


def test_indicator_coverage_per_societal_area(store: EmbeddedStore) -> None:
    table = indicator_coverage(store)
    assert [row["area"].rsplit("/", 1)[1] for row in table] == sorted(row["area"].rsplit("/", 1)[1] for row in table)
    assert len(table) == 6
    indicators = [i for row in table for i in row["indicators"]]
    assert any(i["sdg_indicator"] == "http://metadata.un.org/sdg/C030402" and i["producer"] for i in indicators)
    public_health = next(row for row in table if row["area"].endswith("public-health"))
    assert public_health["covered"]


def test_pictures_are_readable(store: EmbeddedStore, runner: QueryRunner, tmp_path: Path) -> None:
    files = draw_heatmap(setting_stage_gaps(runner, store), tmp_path / "gaps")
    svg = next(f for f in files if f.suffix == ".svg").read_text()
    for label in ("Utbildningsmiljö", "Kollektivtrafikmiljö", "Barn", "Äldre", "Bästa tillförlitlighet", "måttlig"):
        assert label in svg
    g = collaboration_network(store)
    files, overlaps = draw_network(g, communities(g), tmp_path / "network")
    assert overlaps == 0
    svg = next(f for f in files if f.suffix == ".svg").read_text()
    assert "Samverkansgrupper" in svg and "AB Storstockholms" in svg
    assert all(f.stat().st_size > 1000 for f in files)
    assert re.search(r"Länets 26 kommuner", svg)


@pytest.mark.parametrize("kind", ["gaps", "network", "leverage", "indicators"])
def test_analyze_command(kind: str, tmp_path: Path, cli_env: dict[str, str]) -> None:
    proc = run_cli("analyze", kind, "--out", str(tmp_path), env=cli_env)
    assert proc.returncode == 0, proc.stderr
    assert "[mhkg]" in proc.stderr
    written = [Path(line.removeprefix("wrote ")) for line in proc.stdout.splitlines()]
    assert written and all(p.exists() for p in written)


def test_analyze_explain_command(tmp_path: Path, cli_env: dict[str, str]) -> None:
    proc = run_cli(
        "analyze",
        "explain",
        "--org",
        ID + "organisation/trafiknamnden",
        "--intervention",
        ID + "intervention/suicide-hotspot-means-restriction",
        "--out",
        str(tmp_path),
        env=cli_env,
    )
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "explanation.txt").read_text()
    assert "Trafiknämnden kan genomföra" in text and "i egenskap av kollektivtrafikmyndighet eller trafikföretag" in text and "Pirkis et al. 2015" in text
    assert (tmp_path / "explanation.svg").exists() and (tmp_path / "explanation.png").exists()
