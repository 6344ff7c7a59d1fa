"""Quality-control queries (``queries/qc/*-violation.rq``): zero rows means pass."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from api.settings import project_root
from api.store import EmbeddedStore


@dataclass(frozen=True)
class Violation:
    check: str
    entity: str
    property: str
    value: str


def qc_queries(root: Path | None = None) -> list[Path]:
    """The QC query files, sorted by name."""
    return sorted((root or project_root()).joinpath("queries", "qc").glob("*-violation.rq"))


def run_qc(store: EmbeddedStore, root: Path | None = None) -> dict[str, list[Violation]]:
    """Run every QC query; map each check's name to its violations."""
    out: dict[str, list[Violation]] = {}
    for path in qc_queries(root):
        name = path.stem
        rows = store.select(path.read_text(encoding="utf-8"))
        out[name] = [Violation(name, str(r.get("entity", "")), str(r.get("property", "")), str(r.get("value", ""))) for r in rows]
    return out
