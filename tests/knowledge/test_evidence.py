"""The curated evidence repository: coverage, one resource per file, and honest statuses."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from api.knowledge.loader import parse_file
from api.store import EmbeddedStore

ID = "https://w3id.org/mhkg/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
MH = "https://w3id.org/mhkg/ontology#"


def count(store: EmbeddedStore, where: str) -> int:
    return int(store.select(f"SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {{ {where} }}")[0]["n"].value)


def test_at_least_sixty_entries(store: EmbeddedStore) -> None:
    assert count(store, "?e a mh:EvidenceEntry") >= 60


@pytest.mark.parametrize("setting", ["home", "housing", "education", "study", "work", "public-transport", "local-community", "digital"])
def test_every_setting_has_at_least_three_entries(store: EmbeddedStore, setting: str) -> None:
    n = count(store, f"?e a mh:EvidenceEntry ; mh:setting/skos:broaderTransitive? <{ID}setting/{setting}>")
    assert n >= 3


@pytest.mark.parametrize("stage", ["children", "young-people", "adults", "older-people"])
def test_every_life_stage_has_at_least_three_entries(store: EmbeddedStore, stage: str) -> None:
    assert count(store, f"?e a mh:EvidenceEntry ; mh:lifeStage <{ID}life-stage/{stage}>") >= 3


def test_both_directions_and_several_certainty_levels(store: EmbeddedStore) -> None:
    directions = count(store, "?x a mh:EvidenceEntry ; mh:direction ?e")
    certainties = count(store, "?x a mh:EvidenceEntry ; mh:certainty ?e")
    assert directions == 2 and certainties >= 3


def test_insufficient_evidence_is_recorded_not_hidden(store: EmbeddedStore) -> None:
    assert count(store, f"?e mh:effect <{ID}effect/no-clear-effect>") > 0


def test_every_entry_rests_on_a_source_with_a_verification_note(store: EmbeddedStore) -> None:
    missing = store.select("SELECT ?e WHERE { ?e a mh:EvidenceEntry ; mh:citesSource ?s . FILTER NOT EXISTS { ?s mh:verificationNote ?n } }")
    assert missing == []


def test_reviewed_entries_rest_on_reviewed_sources(store: EmbeddedStore) -> None:
    rows = store.select(
        "SELECT ?e WHERE { ?e mh:curationStatus <https://w3id.org/mhkg/id/curation-status/reviewed> ; mh:citesSource ?s . "
        "?s mh:curationStatus <https://w3id.org/mhkg/id/curation-status/draft> }"
    )
    assert rows == []


@pytest.mark.parametrize(
    ("folder", "cls", "kind"), [("entries", "EvidenceEntry", "evidence"), ("sources", "Source", "source"), ("interventions", "Intervention", "intervention")]
)
def test_one_resource_per_file_named_after_its_iri(root: Path, folder: str, cls: str, kind: str) -> None:
    files = sorted((root / "evidence" / folder).glob("*.ttl"))
    assert files
    for path in files:
        typed = {t.subject.value for t in parse_file(path) if t.predicate.value == RDF_TYPE and t.object.value == MH + cls}
        assert typed == {f"{ID}{kind}/{path.stem}"}, path.name
        # blank nodes (a capacity statement) belong to the file's resource
        others = {t.subject.value for t in parse_file(path) if t.predicate.value == RDF_TYPE and isinstance(t.subject, ox.NamedNode)} - typed
        assert not others, f"{path.name} also defines {others}"
