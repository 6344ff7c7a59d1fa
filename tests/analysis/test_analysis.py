"""Graph analysis on the real data: gap maps, collaboration network, leverage, justifications, indicators, pictures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from api.analysis import (
    LIFE_COURSE,
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
        assert set(d["shared"]) == set(g.nodes[a]["pairs"]) & set(g.nodes[b]["pairs"]) and d["shared"]
        assert d["weight"] == g.graph["rule"].weight(d["shared"]) > 0


def holds(store: EmbeddedStore, org: str, pair: tuple[str, str], *, besides: str) -> bool:
    """Whether the organisation is responsible for the (setting, life stage) pair in a capacity other than ``besides``."""
    s, st = pair
    return store.ask(
        f"ASK {{ <{org}> mh:hasResponsibility ?r . ?r mh:inCapacity ?c ; mh:covers [ mh:setting <{s}> ; mh:lifeStage <{st}> ] . FILTER(?c != <{besides}>) }}"
    )


EMPLOYER = ID + "role/employer"
WORK_ADULTS = (ID + "setting/work", ID + "life-stage/adults")


def test_the_employer_capacity_links_no_one(store: EmbeddedStore) -> None:
    g = collaboration_network(store)
    rule = g.graph["rule"]
    organisations = count(store, "?x a mh:Organisation")
    employers = count(store, f"?x a mh:Organisation ; mh:hasResponsibility/mh:inCapacity <{EMPLOYER}>")
    assert rule.organisations == organisations and employers >= organisations / 2
    assert rule.generic_capacities == {EMPLOYER: employers}, "the rule should find the employer capacity, and only it, common to most"
    assert g.number_of_edges() >= 5
    for a, b, d in g.edges(data=True):
        for pair in d["shared"]:
            for end in (a, b):
                assert any(holds(store, m, pair, besides=EMPLOYER) for m in g.nodes[end]["members"]), (a, b, pair)
    members = {m for _, d in g.nodes(data=True) for m in d["members"]}
    only_employer = ID + "organisation/sodersjukhuset-ab"
    assert only_employer in rule.left_out and only_employer not in members
    assert all(WORK_ADULTS not in d["pairs"] or all(holds(store, m, WORK_ADULTS, besides=EMPLOYER) for m in d["members"]) for _, d in g.nodes(data=True))


def test_municipalities_partners_are_specific_and_never_through_the_employer_pair(store: EmbeddedStore) -> None:
    partners = municipality_partners(store)
    sets = {m: frozenset(p["organisation"] for p in ps) for m, ps in partners.items()}
    assert all(sets.values()), "every municipality should have partners"
    if len(set(sets.values())) == 1:
        remits = {
            m: frozenset(
                (r["s"].value, r["st"].value)
                for r in store.select(
                    f"SELECT ?s ?st WHERE {{ <{m}> mh:hasResponsibility ?r . ?r mh:inCapacity ?c ; mh:covers [ mh:setting ?s ; mh:lifeStage ?st ] . "
                    f"FILTER(?c != <{EMPLOYER}>) }}"
                )
            )
            for m in partners
        }
        assert len(set(remits.values())) == 1, "identical partner lists although the municipalities' remits differ"
    for m, ps in partners.items():
        assert ID + "organisation/sodersjukhuset-ab" not in sets[m]
        for p in ps:
            assert WORK_ADULTS not in p["shared"]
            assert p["weight"] > 0
            for pair in p["shared"]:
                assert holds(store, m, pair, besides=EMPLOYER) and holds(store, p["organisation"], pair, besides=EMPLOYER), (m, p["organisation"], pair)
    assert [p["weight"] for p in partners[ID + "organisation/huddinge"]] == sorted((p["weight"] for p in partners[ID + "organisation/huddinge"]), reverse=True)


def test_shared_responsibilities_read_as_phrases(store: EmbeddedStore) -> None:
    from api.analysis import responsibility_phrase
    from api.catalogue.internal import internal

    said: dict[str, dict[str, str]] = {}
    for r in store.select(internal("phrases")):
        said.setdefault(r["x"].value, {})[r["l"].language] = r["l"].value

    names = {ID + "life-stage/children": "Barn", ID + "life-stage/young-people": "Unga", ID + "setting/preschool": "Förskola"}
    school = ID + "setting/compulsory-school"
    pairs = [(school, ID + "life-stage/young-people"), (ID + "setting/preschool", ID + "life-stage/children"), (school, ID + "life-stage/children")]
    assert responsibility_phrase(pairs, names, "sv", said) == "barn i förskolan; barn och unga i grundskolan"
    assert responsibility_phrase([(ID + "setting/home", st) for st in LIFE_COURSE], names, "en", said) == "all ages at home"


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
    sizes = [float(s) for s in re.findall(r"font-size:\s*([\d.]+)px", svg)]
    assert len(sizes) >= g.number_of_nodes(), "the labels should be text in the SVG"
    assert min(sizes) >= 12, f"label text of {min(sizes)} px"
    assert "scale(" not in svg, "a scaled group would shrink the text"
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
