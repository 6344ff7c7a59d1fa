"""``mhkg stats``: the strategy's structure in numbers."""

from __future__ import annotations

import json

import pytest

from api.knowledge.stats import statistics
from api.store import EmbeddedStore
from harness import run_cli


@pytest.fixture(scope="module")
def stats(store: EmbeddedStore) -> dict:
    return statistics(store)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        pytest.param("settings", 8, id="eight-settings"),
        pytest.param("life_stages", 4, id="four-life-stages"),
        pytest.param("directions", 2, id="two-directions"),
        pytest.param("levels", 4, id="four-levels"),
        pytest.param("societal_areas", 6, id="six-areas"),
        pytest.param("principles", 4, id="four-principles"),
        pytest.param("sdg_goals", 17, id="seventeen-sdgs"),
        pytest.param("municipalities", 26, id="twenty-six-municipalities"),
        pytest.param("cost_estimates", 5, id="five-cost-figures"),
    ],
)
def test_headline_counts(stats: dict, key: str, expected: int) -> None:
    assert stats["headline"][key] == expected


def test_every_cost_figure_of_the_strategy(stats: dict) -> None:
    figures = {(c.get("amount"), c.get("min"), c.get("max"), c.get("year")) for c in stats["cost_estimates"]}
    assert (60_000_000_000, None, None, "2018") in figures
    assert (18_000_000_000, None, None, "2018") in figures  # part of the 2018 total
    assert (40_000_000_000, None, None, "2018") in figures
    assert (None, 15_000_000_000, 20_000_000_000, None) in figures
    assert (20_000_000_000, None, None, None) in figures
    by_amount = {c.get("amount"): c for c in stats["cost_estimates"]}
    assert by_amount[60_000_000_000]["reference"] == "(20, 31)"
    assert by_amount[40_000_000_000]["reference"] == "RISE 2019"


def test_every_source_the_strategy_cites(stats: dict) -> None:
    refs = {r["printed"]: r for r in stats["strategy_references"]}
    for printed in (
        "(1)",
        "(11, 12)",
        "(12)",
        "(13)",
        "(14)",
        "(15)",
        "(16)",
        "(20, 31)",
        "RISE 2019",
        "CES, 2020",
        "RUFS 2050",
        "Kommissionen om global psykisk hälsa och hållbar utveckling",
        "OECD",
    ):
        assert printed in refs, printed
    assert refs["(1)"]["source"].endswith("/source/who-2004-promoting-mental-health")
    assert refs["(14)"]["source"].endswith("/source/foresight-2008")
    assert refs["(15)"]["source"].endswith("/source/what-works-centre-for-wellbeing")
    assert refs["(16)"]["source"].endswith("/source/oecd-2019-economy-of-well-being")
    assert refs["Kommissionen om global psykisk hälsa och hållbar utveckling"]["source"].endswith("/source/patel-2018-lancet-commission")
    assert refs["RUFS 2050"]["source"].endswith("/source/rufs-2050")
    assert refs["(12)"]["status"] == "candidate"
    assert refs["(13)"]["status"] == "not identified"
    assert refs["CES, 2020"]["status"] == "not identified"


def test_stats_command_prints_json_and_text(cli_env: dict[str, str]) -> None:
    proc = run_cli("stats", "--format", "json", env=cli_env)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["headline"]["settings"] == 8
    text = run_cli("stats", env=cli_env)
    assert "municipalities" in text.stdout and "SEK 60 bn" in text.stdout


def test_sparql_command_prints_sparql_json(cli_env: dict[str, str]) -> None:
    proc = run_cli("sparql", "-", env=cli_env, stdin="SELECT (COUNT(*) AS ?n) WHERE { ?m a mh:Municipality }")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["results"]["bindings"][0]["n"]["value"] == "26"
    bad = run_cli("sparql", "-", env=cli_env, stdin="SELECT WHERE {")
    assert bad.returncode == 2 and "SPARQL error" in bad.stderr
