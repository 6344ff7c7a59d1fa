"""HermiT (through owlready2) checks the ontology with its data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from api.errors import InconsistentOntologyError
from api.knowledge.build import BuildReport
from api.knowledge.loader import parse_file
from api.knowledge.reasoning import check_consistent, reason
from api.store import EmbeddedStore
from harness import run_cli

DATA = Path(__file__).parents[1] / "data" / "inconsistent"


def _tbox(root: Path) -> list:
    triples = parse_file(root / "ontology" / "mhkg.ttl")
    for path in sorted((root / "ontology" / "vocabularies").glob("*.ttl")):
        triples += parse_file(path)
    return triples


def test_bundled_graph_is_consistent(built: tuple[BuildReport, EmbeddedStore, Path]) -> None:
    report = built[0]
    assert report.consistent
    assert report.reasoner_seconds > 0


def test_ontology_alone_is_consistent(root: Path) -> None:
    assert reason(_tbox(root)).consistent


@pytest.mark.parametrize("fixture", sorted(p.name for p in DATA.glob("*.ttl")))
def test_hermit_reports_inconsistent_fixture(fixture: str, root: Path) -> None:
    result = reason(_tbox(root) + parse_file(DATA / fixture))
    assert not result.consistent
    with pytest.raises(InconsistentOntologyError):
        check_consistent(_tbox(root) + parse_file(DATA / fixture))


def test_reasoner_infers_class_membership_from_ranges(root: Path, tmp_path: Path) -> None:
    entry = tmp_path / "entry.ttl"
    entry.write_text(
        "@prefix mh: <https://w3id.org/mhkg/ontology#> .\n<https://w3id.org/mhkg/id/evidence/x> mh:intervention <https://w3id.org/mhkg/id/intervention/y> .\n"
    )
    result = reason(_tbox(root) + parse_file(entry))
    inferred = {(t.subject.value, t.object.value) for t in result.inferred}
    assert ("https://w3id.org/mhkg/id/intervention/y", "https://w3id.org/mhkg/ontology#Intervention") in inferred
    assert ("https://w3id.org/mhkg/id/evidence/x", "https://w3id.org/mhkg/ontology#EvidenceEntry") in inferred


def test_build_command_exits_nonzero_when_inconsistent(tmp_path: Path, root: Path) -> None:
    shutil.copytree(root / "ontology", tmp_path / "ontology", ignore=shutil.ignore_patterns("imports", "strategy", "organisations"))
    (tmp_path / "evidence").mkdir()
    shutil.copy(DATA / "municipality-and-company.ttl", tmp_path / "evidence" / "bad.ttl")
    proc = run_cli("build", env={"MHKG_HOME": str(tmp_path), "MHKG_BUILD_DIR": str(tmp_path / "build")})
    assert proc.returncode == 1, proc.stderr
    assert "INCONSISTENT" in proc.stdout
