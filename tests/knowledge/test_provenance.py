"""Every fact taken from the source documents points back to them, and every quotation is really there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.store import EmbeddedStore


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def documents(store: EmbeddedStore, root: Path) -> dict[str, str]:
    rows = store.select("SELECT ?doc ?file WHERE { ?doc a mh:PolicyDocument ; mh:seedFile ?file }")
    assert len(rows) == 2
    return {r["doc"].value: _norm((root / r["file"].value).read_text(encoding="utf-8")) for r in rows}


def test_every_quotation_appears_verbatim_in_its_document(store: EmbeddedStore, documents: dict[str, str]) -> None:
    rows = store.select("SELECT ?x ?doc ?quote WHERE { ?x mh:quotation ?quote ; prov:wasDerivedFrom ?doc . ?doc mh:seedFile ?f }")
    assert len(rows) > 60
    missing = [(r["x"].value, r["quote"].value) for r in rows if _norm(r["quote"].value) not in documents[r["doc"].value]]
    assert not missing


def test_every_quotation_has_a_document_and_section(store: EmbeddedStore) -> None:
    rows = store.select("SELECT ?x WHERE { ?x mh:quotation ?q . FILTER NOT EXISTS { ?x prov:wasDerivedFrom ?d ; mh:sourceSection ?s } }")
    assert rows == []


def test_every_section_heading_exists_in_its_document(store: EmbeddedStore, documents: dict[str, str]) -> None:
    rows = store.select("SELECT DISTINCT ?doc ?section WHERE { ?x mh:sourceSection ?section ; prov:wasDerivedFrom ?doc . ?doc mh:seedFile ?f }")
    missing = [r["section"].value for r in rows if _norm(r["section"].value) not in documents[r["doc"].value]]
    assert not missing


def test_the_strategy_links_to_sdg_goal_target_and_indicator(store: EmbeddedStore) -> None:
    rows = store.select("SELECT ?g WHERE { <https://w3id.org/mhkg/id/document/strategy> mh:relatesToSdg ?g . ?g a sdgo:Goal }")
    assert len(rows) == 17
    assert store.ask("ASK { <https://w3id.org/mhkg/id/document/strategy> mh:relatesToSdg sdg:3.4 , sdg:C030402 . sdg:C030402 a sdgo:Indicator }")


def test_huddinge_response_as_data(store: EmbeddedStore) -> None:
    rows = store.select(
        "SELECT ?date ?stance (COUNT(?p) AS ?points) WHERE { "
        "<https://w3id.org/mhkg/id/document/huddinge-remissvar-2021> mh:decisionDate ?date ; mh:stance ?stance ; mh:makesPoint ?p } GROUP BY ?date ?stance"
    )
    assert rows[0]["date"].value == "2021-05-05"
    assert rows[0]["stance"].value.endswith("/stance/positive")
    assert int(rows[0]["points"].value) == 5


def test_project_never_reads_the_shared_folder(root: Path) -> None:
    offenders = []
    for folder in ("api", "tests", "ontology", "evidence", "shapes", "queries", "scripts", ".ci", "benchmarks", "harness"):
        for path in (root / folder).rglob("*"):
            if path.is_file() and path.suffix in {".py", ".ttl", ".rq", ".sh", ".owl", ""} and path.name != "test_provenance.py":
                if "../shared" in path.read_text(encoding="utf-8", errors="ignore"):
                    offenders.append(str(path))
    assert not offenders
