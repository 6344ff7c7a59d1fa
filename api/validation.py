"""SHACL validation of the repository and of new entries, with bilingual messages.

Shapes are parsed and compiled once per :class:`ShaclValidator`; the data graph is a
pyoxigraph store wrapped by pyshacl's ``OxigraphDataGraph`` (its SPARQL-based constraints
then run on Oxigraph). Targeted validation checks only the focus nodes of the new files,
in the context of the whole repository, so that references and duplicates still resolve.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from pyshacl import Validator
from pyshacl.graph_abstraction import DataGraph
from pyshacl.shapes_graph import ShapesGraph

from .config import project_root
from .loader import knowledge_files, parse_file
from .store import EmbeddedStore

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SEVERITIES = ("Violation", "Warning", "Info")


@dataclass(frozen=True)
class ValidationResult:
    """One result of a SHACL validation report, with the shape's texts in both languages."""

    severity: str
    focus_node: str
    path: str | None
    value: str | None
    source_shape: str
    constraint_component: str
    name: dict[str, str] = field(default_factory=dict)
    message: dict[str, str] = field(default_factory=dict)
    file: str | None = None


@dataclass
class ValidationReport:
    """The outcome of a validation."""

    results: list[ValidationResult]
    graph: rdflib.Graph
    focus_nodes: list[str] | None = None

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    @property
    def conforms(self) -> bool:
        """True when there is no Violation (warnings and infos allowed)."""
        return self.count("Violation") == 0

    def conforms_strictly(self) -> bool:
        """True when there is neither a Violation nor a Warning."""
        return self.conforms and self.count("Warning") == 0

    def to_dict(self) -> dict:
        return {
            "conforms": self.conforms,
            "counts": {s: self.count(s) for s in SEVERITIES},
            "results": [asdict(r) for r in self.results],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_turtle(self) -> str:
        return self.graph.serialize(format="turtle")

    def to_text(self) -> str:
        """Results grouped by file and entry, with shape, property, value and both messages."""
        by_file: dict[str, dict[str, list[ValidationResult]]] = defaultdict(lambda: defaultdict(list))
        for r in self.results:
            by_file[r.file or "(no file)"][r.focus_node].append(r)
        lines = []
        for file in sorted(by_file):
            lines.append(file)
            for focus, results in sorted(by_file[file].items()):
                lines.append(f"  {focus}")
                for r in sorted(results, key=lambda x: (SEVERITIES.index(x.severity), x.source_shape)):
                    where = f" {r.path}" if r.path else ""
                    value = f" = {r.value}" if r.value is not None else ""
                    lines.append(f"    {r.severity:<9} {_short(r.source_shape)}{where}{value}")
                    for lang in ("sv", "en"):
                        if r.message.get(lang):
                            lines.append(f"      {lang}: {r.message[lang]}")
        counts = ", ".join(f"{self.count(s)} {s.lower()}{'s' if self.count(s) != 1 else ''}" for s in SEVERITIES)
        verdict = "conforms" if self.conforms else "does not conform"
        lines.append(f"{verdict}: {counts}")
        return "\n".join(lines)


def _short(iri: str) -> str:
    return iri.replace("https://w3id.org/mhkg/shapes#", "shp:")


def shape_files(root: Path | None = None) -> list[Path]:
    return sorted((root or project_root()).joinpath("shapes").glob("*.ttl"))


class ShaclValidator:
    """Validates data against the project's shapes, compiled once.

    Args:
        root: the project folder whose ``shapes/`` are used.
    """

    def __init__(self, root: Path | None = None, *, shapes: Sequence[Path] | None = None) -> None:
        self.shapes_graph = rdflib.Graph()
        for path in shapes if shapes is not None else shape_files(root):
            self.shapes_graph.parse(path, format="turtle")
        self._compiled = ShapesGraph(self.shapes_graph)
        _ = self._compiled.shapes  # harvest (compile) the shapes now, once
        self._names: dict[str, dict[str, str]] = defaultdict(dict)
        self._messages: dict[str, dict[str, str]] = defaultdict(dict)
        for s, o in self.shapes_graph.subject_objects(SH.name):
            self._names[str(s)][o.language or ""] = str(o)
        for s, o in self.shapes_graph.subject_objects(SH.message):
            self._messages[str(s)][o.language or ""] = str(o)

    def validate(
        self,
        data: EmbeddedStore | rdflib.Graph,
        *,
        focus_nodes: Iterable[str] | None = None,
        files: dict[str, str] | None = None,
    ) -> ValidationReport:
        """Validate a data graph.

        Args:
            data: an embedded store (fast path) or an rdflib graph.
            focus_nodes: validate only these nodes (in the context of all the data).
            files: map of focus node IRI → file that defines it, for grouping.
        """
        graph = DataGraph.from_oxigraph_store(data.native) if isinstance(data, EmbeddedStore) else DataGraph.from_rdflib(data)
        focus = sorted(set(focus_nodes)) if focus_nodes is not None else None
        if focus == []:
            return ValidationReport([], rdflib.Graph(), [])
        options = {"inference": "none", "focus_nodes": focus, "allow_warnings": True, "allow_infos": True}
        validator = Validator(graph, shacl_graph=rdflib.Graph(), options=options)
        validator.shacl_graph = self._compiled  # reuse the compiled shapes
        _conforms, report_graph, _text = validator.run()
        return ValidationReport(self._results(report_graph, files or {}), report_graph, focus)

    def _results(self, g: rdflib.Graph, files: dict[str, str]) -> list[ValidationResult]:
        out = []
        for res in g.subjects(rdflib.RDF.type, SH.ValidationResult):
            shape = str(g.value(res, SH.sourceShape))
            constraint = g.value(res, SH.sourceConstraint)
            messages = {m.language or "": str(m) for m in g.objects(res, SH.resultMessage)}
            if not messages:
                messages = dict(self._messages.get(str(constraint), {})) or dict(self._messages.get(shape, {}))
            path = g.value(res, SH.resultPath)
            value = g.value(res, SH.value)
            focus = str(g.value(res, SH.focusNode))
            out.append(ValidationResult(
                severity=str(g.value(res, SH.resultSeverity)).rsplit("#", 1)[-1],
                focus_node=focus,
                path=str(path) if path is not None else None,
                value=str(value) if value is not None else None,
                source_shape=shape,
                constraint_component=str(g.value(res, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
                name=dict(self._names.get(shape, {})),
                message=messages,
                file=files.get(focus),
            ))
        out.sort(key=lambda r: (r.file or "", r.focus_node, SEVERITIES.index(r.severity), r.source_shape, r.value or ""))
        return out


@dataclass
class Context:
    """The repository loaded for validation, and which file defines each resource."""

    store: EmbeddedStore
    defined_in: dict[str, str]
    new_focus: list[str]


def _defined(triples: list[ox.Triple]) -> set[str]:
    return {t.subject.value for t in triples if t.predicate.value == RDF_TYPE and isinstance(t.subject, ox.NamedNode)}


def load_context(paths: Sequence[Path] = (), *, root: Path | None = None) -> Context:
    """Load the repository's knowledge files, with ``paths`` added or replacing their namesakes.

    Raises:
        KnowledgeSyntaxError: a file is malformed (names file, line and column).
    """
    root = root or project_root()
    new = [p.resolve() for p in paths]
    store = EmbeddedStore()
    defined_in: dict[str, str] = {}
    new_focus: set[str] = set()
    for path in knowledge_files(root):
        if path.resolve() in new:
            continue
        triples = parse_file(path)
        store.add_triples(triples)
        for iri in _defined(triples):
            defined_in.setdefault(iri, _rel(path, root))
    for path in new:
        triples = parse_file(path)
        store.add_triples(triples)
        for iri in _defined(triples):
            defined_in[iri] = _rel(path, root)
            new_focus.add(iri)
    return Context(store, defined_in, sorted(new_focus))


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def validate_repository(paths: Sequence[Path] = (), *, root: Path | None = None, validator: ShaclValidator | None = None) -> ValidationReport:
    """Validate the whole repository, or only ``paths`` in its context."""
    ctx = load_context(paths, root=root)
    validator = validator or ShaclValidator(root)
    focus = ctx.new_focus if paths else None
    return validator.validate(ctx.store, focus_nodes=focus, files=ctx.defined_in)
