"""QC queries: zero rows on the bundled knowledge; each one catches its seeded violation."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.knowledge.build import materialise
from api.knowledge.loader import parse_file
from api.knowledge.qc import qc_queries, run_qc
from api.store import EmbeddedStore
from harness import run_cli

FIXTURE = Path(__file__).parents[1] / "data" / "qc" / "violations.ttl"
ID = "https://w3id.org/mhkg/id/"
MH = "https://w3id.org/mhkg/ontology#"

EXPECTED = {
    "missing-swedish-label-violation": MH + "UnlabelledClass",
    "missing-english-label-violation": MH + "UnlabelledClass",
    "missing-definition-violation": MH + "UnlabelledClass",
    "organisation-without-responsibility-violation": ID + "organisation/test-lonely-committee",
    "strategy-fact-without-provenance-violation": ID + "cost/test-unsourced",
    "undeclared-term-violation": MH + "settting",
}


def test_the_qc_queries_are_the_expected_ones(root: Path) -> None:
    assert {p.stem for p in qc_queries(root)} == set(EXPECTED)


def test_every_qc_query_returns_zero_rows_on_the_bundled_knowledge(store: EmbeddedStore) -> None:
    results = run_qc(store)
    assert set(results) == set(EXPECTED)
    failures = {name: [f"{v.entity} {v.property} {v.value}" for v in vs[:5]] for name, vs in results.items() if vs}
    assert not failures


@pytest.fixture(scope="module")
def seeded(root: Path) -> EmbeddedStore:
    s = EmbeddedStore()
    s.add_triples(parse_file(root / "ontology" / "mhkg.ttl") + parse_file(FIXTURE))
    materialise(s)  # QC runs on the inferred graph, as in the build
    return s


@pytest.mark.parametrize(("check", "entity"), sorted(EXPECTED.items()))
def test_each_qc_query_catches_its_violation(seeded: EmbeddedStore, check: str, entity: str) -> None:
    flagged = {v.entity.strip("<>") for v in run_qc(seeded)[check]}
    assert entity in flagged


def test_undeclared_term_query_catches_dangling_reference(seeded: EmbeddedStore) -> None:
    flagged = {v.entity.strip("<>") for v in run_qc(seeded)["undeclared-term-violation"]}
    assert ID + "life-stage/teenagers" in flagged


def test_qc_command_passes_on_the_bundled_knowledge(cli_env: dict[str, str]) -> None:
    proc = run_cli("qc", env=cli_env)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.count("PASS") == len(EXPECTED)
