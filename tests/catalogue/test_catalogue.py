"""The query catalogue: documented queries, safe parameter binding, and the answer of each
competency question on the bundled knowledge."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from api.catalogue import Parameter, QueryRunner, catalogue, get_query, projection
from api.errors import ParameterError
from api.store import EmbeddedStore
from harness import run_cli

ID = "https://w3id.org/mhkg/id/"
ORG = ID + "organisation/"


def run(store: EmbeddedStore, name: str, **params: str) -> list[dict]:
    return store.select(get_query(name).bind(params))


def values(rows: list[dict], column: str) -> list[str]:
    return [r[column].value for r in rows if column in r]


def test_catalogue_has_at_least_twelve_documented_queries() -> None:
    queries = catalogue()
    assert len(queries) >= 12
    for q in queries.values():
        assert q.summary and q.summary_sv and q.description and q.tags, q.name
        assert q.kind == "SELECT"
        for p in q.parameters:
            assert p.name in (q.metadata.get("params") or {}), f"{q.name}: parameter {p.name} undocumented"
        assert projection(q.text), q.name


def test_catalogue_is_published_as_rdf(store: EmbeddedStore) -> None:
    rows = store.select("SELECT ?q ?text WHERE { ?q a sh:SPARQLExecutable ; sh:select ?text ; schema:keywords 'committees' ; rdfs:comment ?c }")
    assert {r["q"].value for r in rows} == {
        ID + "query/committee-measures",
        ID + "query/committee-measure-details",
        ID + "query/committee-no-clear-benefit",
        ID + "query/intervention-organisations",
    }
    assert all("mh:hasResponsibility" in r["text"].value for r in rows)
    n = int(store.select("SELECT (COUNT(?q) AS ?n) WHERE { ?q a sh:SPARQLSelectExecutable }")[0]["n"].value)
    assert n == len(catalogue())


# ---------------------------------------------------------------------------- parameters
def test_required_parameter_is_enforced() -> None:
    with pytest.raises(ParameterError, match="'org' is required"):
        get_query("committee-measures").bind({})


def test_unknown_parameter_is_refused() -> None:
    with pytest.raises(ParameterError, match="unknown parameter"):
        get_query("cost-figures").bind({"org": ORG + "trafiknamnden"})


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("https://x.org/a> } ; DROP ALL ; #", id="iri-closing-bracket"),
        pytest.param("https://x.org/a b", id="iri-with-space"),
        pytest.param('https://x.org/"a"', id="iri-with-quote"),
        pytest.param("} UNION { ?s ?p ?o", id="not-an-iri"),
    ],
)
def test_injection_through_an_iri_parameter_is_refused(value: str) -> None:
    with pytest.raises(ParameterError, match="is not an IRI"):
        get_query("committee-measures").bind({"org": value})


def test_injection_through_a_literal_stays_a_literal(store: EmbeddedStore) -> None:
    evil = 'x" } } ; DROP ALL ; SELECT * { ?s ?p ?o } #'
    term = Parameter("label", "string", True).term(evil)
    assert isinstance(term, ox.Literal) and term.value == evil
    text = "SELECT ?v WHERE { BIND(?_label_string AS ?v) }"
    bound = text.replace("WHERE {", "WHERE { VALUES (?_label_string) { (" + str(term) + ") } ")
    rows = store.select(bound)
    assert [r["v"].value for r in rows] == [evil]


@pytest.mark.parametrize(("value", "ok"), [("10", True), ("-3", True), ("10; DROP", False), ("1e5", False)])
def test_integer_parameter(value: str, ok: bool) -> None:
    q = get_query("entries-older-than")
    if ok:
        assert f'"{value}"^^<http://www.w3.org/2001/XMLSchema#integer>' in q.bind({"years": value})
    else:
        with pytest.raises(ParameterError, match="not an integer"):
            q.bind({"years": value})


def test_enum_parameter_accepts_short_names_only_from_the_list() -> None:
    q = get_query("committee-measures")
    assert "<https://w3id.org/mhkg/id/certainty/moderate>" in q.bind({"org": ORG + "stockholm", "min_certainty": "moderate"})
    with pytest.raises(ParameterError, match="must be one of"):
        q.bind({"org": ORG + "stockholm", "min_certainty": "excellent"})


# ---------------------------------------------------------------------------- competency questions
def test_committee_measures_for_the_public_transport_committee(store: EmbeddedStore) -> None:
    rows = run(store, "committee-measures", org=ORG + "trafiknamnden")
    interventions = values(rows, "intervention")
    assert ID + "intervention/suicide-hotspot-means-restriction" in interventions
    assert ID + "intervention/platform-screen-doors" in interventions
    assert ID + "intervention/concessionary-bus-travel" in interventions
    # every row is justified by the committee's public-transport responsibility
    for r in rows:
        assert r["responsibilities"].value == ID + "responsibility/trafiknamnden--public-transport"
        assert "i egenskap av kollektivtrafikmyndighet eller trafikföretag" in r["justification_sv"].value
        assert "as public-transport authority or operator" in r["justification_en"].value
        assert r["sources"].value
        assert int(r["entries"].value) >= 1
    best = rows[0]
    assert best["intervention"].value == ID + "intervention/suicide-hotspot-means-restriction"
    assert best["best_certainty"].value == ID + "certainty/moderate"
    assert ID + "source/pirkis-2015" in best["sources"].value.split()


def test_committee_measures_filters(store: EmbeddedStore) -> None:
    every = run(store, "committee-measures", org=ORG + "stockholm")
    moderate = run(store, "committee-measures", org=ORG + "stockholm", min_certainty="moderate")
    assert 0 < len(moderate) < len(every)
    assert set(values(moderate, "best_certainty")) == {ID + "certainty/moderate"}
    older = run(store, "committee-measures", org=ORG + "stockholm", life_stage="older-people")
    assert older and all("för äldre i " in j for j in values(older, "justification_sv"))
    school = run(store, "committee-measures", org=ORG + "stockholm", setting=ID + "setting/compulsory-school")
    assert ID + "intervention/kiva-antibullying-programme" in values(school, "intervention")
    assert ID + "intervention/housing-first" not in values(school, "intervention")
    sdg = run(store, "committee-measures", org=ORG + "stockholm", sdg_target="http://metadata.un.org/sdg/11.1")
    for iv in values(sdg, "intervention"):
        assert store.ask(f"ASK {{ <{iv}> mh:servesSdgTarget <http://metadata.un.org/sdg/11.1> }}")
    promotion = run(store, "committee-measures", org=ORG + "stockholm", direction="promotion")
    assert 0 < len(promotion) < len(every)


def test_hierarchy_a_committee_responsible_for_education_gets_compulsory_school_measures(built) -> None:
    _, real, _ = built
    s = EmbeddedStore()
    s.add_triples(real.triples())
    n = ox.NamedNode
    org, resp = n(ORG + "test-education-committee"), n(ID + "responsibility/test-education-committee--education")
    pair = ox.BlankNode()
    mh = "https://w3id.org/mhkg/ontology#"
    s.add_triples(
        [
            ox.Triple(org, n(mh + "hasResponsibility"), resp),
            ox.Triple(resp, n(mh + "inCapacity"), n(ID + "role/school-organiser")),
            ox.Triple(resp, n(mh + "covers"), pair),
            ox.Triple(pair, n(mh + "setting"), n(ID + "setting/education")),
            ox.Triple(pair, n(mh + "lifeStage"), n(ID + "life-stage/children")),
            ox.Triple(resp, n("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("Test: utbildning", language="sv")),
            ox.Triple(resp, n("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("Test: education", language="en")),
        ]
    )
    rows = run(s, "committee-measures", org=org.value)
    assert ID + "intervention/kiva-antibullying-programme" in values(rows, "intervention")  # evidence is in compulsory school
    kiva = next(r for r in rows if r["intervention"].value.endswith("kiva-antibullying-programme"))
    assert kiva["justification_sv"].value == "Test: utbildning – i egenskap av huvudman för utbildning, för barn i utbildningsmiljö"


def test_measures_by_setting_and_life_stage(store: EmbeddedStore) -> None:
    rows = run(store, "measures-by-setting-and-life-stage", setting=ID + "setting/education", life_stage="children")
    ivs = values(rows, "intervention")
    assert ID + "intervention/kiva-antibullying-programme" in ivs and ID + "intervention/preschool-sel" in ivs
    assert ID + "intervention/housing-first" not in ivs


def test_intervention_evidence(store: EmbeddedStore) -> None:
    rows = run(store, "intervention-evidence", intervention=ID + "intervention/housing-first")
    assert {r["source"].value for r in rows} == {ID + "source/baxter-2019", ID + "source/aubry-2019"}
    assert ID + "outcome/housing-stability" in values(rows, "outcome")
    assert all(r["statement_sv"].language == "sv" for r in rows)


def test_strategy_sources(store: EmbeddedStore) -> None:
    rows = {r["printed"].value: r for r in run(store, "strategy-sources")}
    assert len(rows) == 13
    assert rows["(1)"]["status"].value == "identified" and rows["(1)"]["source"].value == ID + "source/who-2004-promoting-mental-health"
    assert rows["(13)"]["status"].value == "not identified" and "source" not in rows["(13)"]
    assert int(rows["(20, 31)"]["facts"].value) == 1 and ID + "cost/all-actors-2018" in rows["(20, 31)"]["resting_on_it"].value


def test_evidence_gaps(store: EmbeddedStore) -> None:
    for certainty, expected_cells in (("high", 32), ("very-low", None)):
        rows = run(store, "evidence-gaps", min_certainty=certainty)
        assert len(rows) == 32  # 8 settings × 4 life stages
        gaps = [r for r in rows if r["gap"].value == "true"]
        if expected_cells:
            assert len(gaps) == expected_cells  # no entry reaches high certainty
    low = run(store, "evidence-gaps")
    cell = {(r["setting"].value.rsplit("/", 1)[1], r["stage"].value.rsplit("/", 1)[1]): r for r in low}
    assert cell[("education", "children")]["gap"].value == "false"
    assert cell[("work", "children")]["gap"].value == "true"
    counted = int(cell[("education", "children")]["entries"].value)
    direct = int(
        store.select(
            "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e mh:lifeStage <https://w3id.org/mhkg/id/life-stage/children> ; mh:effect "
            "<https://w3id.org/mhkg/id/effect/beneficial> ; mh:setting/skos:broaderTransitive? <https://w3id.org/mhkg/id/setting/education> ; "
            "mh:certainty/mh:certaintyRank ?r FILTER(?r >= 2) }"
        )[0]["n"].value
    )
    assert counted == direct


def test_shared_responsibility(store: EmbeddedStore) -> None:
    rows = run(store, "shared-responsibility", org=ORG + "trafiknamnden")
    assert {r["setting"].value for r in rows} == {ID + "setting/public-transport"}
    members = rows[0]["members"].value.split()
    assert ORG + "ab-storstockholms-lokaltrafik" in members and ORG + "trafiknamnden" in members
    schools = run(store, "shared-responsibility", setting=ID + "setting/compulsory-school", life_stage="children")
    assert int(schools[0]["organisations"].value) == 26  # every municipality runs compulsory school


def test_interventions_for_goal(store: EmbeddedStore) -> None:
    housing = values(run(store, "interventions-for-goal", sdg_target="http://metadata.un.org/sdg/11.1"), "intervention")
    assert ID + "intervention/housing-first" in housing
    for iv in values(run(store, "interventions-for-goal", area=ID + "societal-area/productivity"), "intervention"):
        assert store.ask(f"ASK {{ <{iv}> mh:servesArea <{ID}societal-area/productivity> }}")


def test_cost_figures(store: EmbeddedStore) -> None:
    rows = run(store, "cost-figures")
    assert len(rows) == 5
    top = rows[0]
    assert float(top["amount"].value) == 60e9 and top["year"].value == "2018" and top["reference"].value == "(20, 31)"
    assert top["lower_bound"].value == "true"
    municipalities = next(r for r in rows if "min_amount" in r)
    assert (float(municipalities["min_amount"].value), float(municipalities["max_amount"].value)) == (15e9, 20e9)


def test_entries_awaiting_review_and_older_than(store: EmbeddedStore) -> None:
    drafts = values(run(store, "entries-awaiting-review"), "entry")
    expected = {
        r["e"].value for r in store.select("SELECT ?e WHERE { ?e a mh:EvidenceEntry ; mh:curationStatus <https://w3id.org/mhkg/id/curation-status/draft> }")
    }
    assert set(drafts) == expected and len(drafts) > 0
    old = run(store, "entries-older-than", years="10")
    assert old and all(int(r["newest_source_year"].value) < 2016 for r in old)
    assert ID + "evidence/school-sel--school-results--durlak-2011" in values(old, "entry")
    assert len(run(store, "entries-older-than", years="100")) == 0


def test_organisations_without_measures(store: EmbeddedStore) -> None:
    orgs = values(run(store, "organisations-without-measures"), "org")
    assert ORG + "patientnamnden" in orgs and ORG + "folkhalsomyndigheten" in orgs  # knowledge support: no measures of its own
    assert ORG + "trafiknamnden" not in orgs and ORG + "stockholm" not in orgs
    for org in orgs:
        assert run(store, "committee-measures", org=org) == []


def test_organisation_responsibilities(store: EmbeddedStore) -> None:
    rows = run(store, "organisation-responsibilities", org=ORG + "huddinge")
    assert {r["role"].value.rsplit("/", 1)[1] for r in rows} == {"school-organiser", "social-services", "spatial-planner", "employer", "culture-provider"}
    pairs = {(r["setting"].value.rsplit("/", 1)[1], r["stage"].value.rsplit("/", 1)[1]) for r in rows if r["responsibility"].value.endswith("--schools")}
    assert pairs == {
        ("preschool", "children"),
        ("compulsory-school", "children"),
        ("compulsory-school", "young-people"),
        ("upper-secondary-school", "young-people"),
    }
    assert ID + "setting/compulsory-school" in values(rows, "setting")


def test_strategy_structure(store: EmbeddedStore) -> None:
    rows = run(store, "strategy-structure")
    per_scheme = {}
    for r in rows:
        per_scheme[r["scheme"].value.rsplit("/", 1)[1]] = per_scheme.get(r["scheme"].value.rsplit("/", 1)[1], 0) + 1
    assert per_scheme == {"directions": 2, "levels": 4, "settings": 8, "life-stages": 4, "societal-areas": 6, "principles": 4}


def test_evidence_by_outcome(store: EmbeddedStore) -> None:
    rows = {r["outcome"].value.rsplit("/", 1)[1]: r for r in run(store, "evidence-by-outcome")}
    total = sum(int(r["entries"].value) for r in rows.values())
    assert total == int(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?e a mh:EvidenceEntry }")[0]["n"].value)
    one = run(store, "evidence-by-outcome", outcome=ID + "outcome/loneliness")
    assert len(one) == 1 and one[0]["label_sv"].value == "Ensamhet"


def test_consultation_points(store: EmbeddedStore) -> None:
    rows = run(store, "consultation-points")
    assert len(rows) == 5 and {r["date"].value for r in rows} == {"2021-05-05"}
    assert any("vag" in r["quotation"].value for r in rows)


# ---------------------------------------------------------------------------- runner and CLI
def test_runner_caches_per_data_version(built) -> None:
    _, real, _ = built
    s = EmbeddedStore()
    s.add_triples(real.triples())
    runner = QueryRunner(s)
    first = runner.run("entries-awaiting-review")
    assert runner.run("entries-awaiting-review") is first and runner.hits == 1
    s.add_triples([ox.Triple(ox.NamedNode(ID + "evidence/x"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"), ox.Literal("x"))])
    again = runner.run("entries-awaiting-review")
    assert again is not first and runner.misses == 2


def test_a_new_entry_shows_in_the_measures_at_once_despite_the_cache(built, root) -> None:
    from api.knowledge.loader import parse_file

    _, real, _ = built
    s = EmbeddedStore()
    s.add_triples(real.triples())
    runner = QueryRunner(s)
    params = {"org": ORG + "trafiknamnden"}
    before = {r["intervention"].value for r in runner.run("committee-measures", params)}
    assert ID + "intervention/school-sel" not in before
    entry = parse_file(root / "tests" / "data" / "validation" / "valid" / "entry-citing-existing-source.ttl")
    mh = "https://w3id.org/mhkg/ontology#"
    moved = [
        ox.Triple(t.subject, t.predicate, ox.NamedNode(ID + "setting/public-transport")) if t.predicate.value == mh + "setting" else t for t in entry
    ]  # the test entry, in public transport
    s.add_triples(moved)
    # in public transport, but an intervention no public-transport authority can apply: still not offered
    assert {r["intervention"].value for r in runner.run("committee-measures", params)} == before
    statement = ox.BlankNode()
    s.add_triples(
        [
            ox.Triple(ox.NamedNode(ID + "intervention/school-sel"), ox.NamedNode(mh + "implementableIn"), statement),
            ox.Triple(statement, ox.NamedNode(mh + "capacity"), ox.NamedNode(ID + "role/public-transport")),
        ]
    )
    assert {r["intervention"].value for r in runner.run("committee-measures", params)} == before  # the entry is a draft
    after = {r["intervention"].value for r in runner.run("committee-measures", {**params, "min_status": "draft"})}
    assert ID + "intervention/school-sel" in after


def test_queries_command_lists_the_catalogue() -> None:
    listed = json.loads(run_cli("queries", "--format", "json").stdout)
    assert len(listed) == len(catalogue()) >= 12
    text = run_cli("queries").stdout
    assert "committee-measures" in text and "parameters: org" in text


def test_query_command_formats(cli_env: dict[str, str]) -> None:
    args = ("query", "committee-measures", "--param", f"org={ORG}trafiknamnden")
    data = json.loads(run_cli(*args, "--format", "json", env=cli_env).stdout)
    assert data["head"]["vars"][0] == "intervention" and len(data["results"]["bindings"]) >= 3
    csv_out = run_cli(*args, "--format", "csv", env=cli_env).stdout.splitlines()
    assert csv_out[0].startswith("intervention,label_sv,label_en,best_certainty")
    table = run_cli(*args, env=cli_env).stdout
    assert "intervention/suicide-hotspot-means-restriction" in table
    bad = run_cli("query", "committee-measures", "--param", "org=https://x> } DROP ALL #", env=cli_env)
    assert bad.returncode == 2 and "is not an IRI" in bad.stderr
    assert run_cli("query", "no-such-query", env=cli_env).returncode == 2
