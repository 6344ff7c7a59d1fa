"""SHACL validation of the repository and of new entries, with bilingual messages.

Shapes are parsed and compiled once per :class:`ShaclValidator`; the data graph is a
pyoxigraph store wrapped by pyshacl's ``OxigraphDataGraph`` (its SPARQL-based constraints
then run on Oxigraph). Targeted validation checks only the focus nodes of the new files,
in the context of the whole repository, so that references and duplicates still resolve.

A result of a property shape whose values come from a SKOS concept scheme (``sh:node shp:In…Scheme``)
names the allowed values: the scheme's members and their Swedish and English labels, read from the
data graph when the result is reported (:attr:`ValidationResult.allowed`, and a sentence appended to
each message), so that the list is never written twice.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
import rdflib.collection
from pyshacl import Validator
from pyshacl.graph_abstraction import DataGraph
from pyshacl.shapes_graph import ShapesGraph

from api.catalogue import CatalogueQuery, Parameter
from api.catalogue.internal import internal, text_query
from api.knowledge.loader import knowledge_files, parse_file
from api.settings import project_root
from api.store import EmbeddedStore
from api.vocab import ID, compact

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SKOS_IN_SCHEME = rdflib.URIRef("http://www.w3.org/2004/02/skos/core#inScheme")
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SEVERITIES = ("Violation", "Warning", "Info")
ALLOWED_VALUES = {"sv": "Tillåtna värden för {path}: {values}.", "en": "Allowed values of {path}: {values}."}
"""The sentence appended to the message of a result on an enumerated property (its values: ``name (label)``)."""

AllowedValue = dict[str, object]
"""One allowed value: ``{"value": "certainty:high", "iri": "https://…/certainty/high", "label": {"sv": "Hög", "en": "High"}}``."""


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
    allowed: list[AllowedValue] = field(default_factory=list)
    """For a property whose values come from a concept scheme: its members with their labels, else empty."""


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
                lines.append(f"  {_short(focus)}")
                for r in sorted(results, key=lambda x: (SEVERITIES.index(x.severity), x.source_shape)):
                    where = f" {_short(r.path)}" if r.path else ""
                    value = f" = {_short(r.value)}" if r.value is not None else ""
                    name = f"  [{r.name.get('sv', '')} / {r.name.get('en', '')}]" if r.name else ""
                    lines.append(f"    {r.severity:<9} {_short(r.source_shape)}{where}{value}{name}")
                    for lang in ("sv", "en"):
                        if r.message.get(lang):
                            lines.append(f"      {lang}: {r.message[lang]}")
        counts = ", ".join(f"{self.count(s)} {s.lower()}{'s' if self.count(s) != 1 else ''}" for s in SEVERITIES)
        verdict = "conforms" if self.conforms else "does not conform"
        lines.append(f"{verdict}: {counts}")
        return "\n".join(lines)


def _short(iri: str | None) -> str:
    """Compact an IRI with the project's prefixes (``mh:certainty``, ``shp:EvidenceEntryShape``)."""
    return "" if iri is None else compact(iri)


def shape_files(root: Path | None = None) -> list[Path]:
    return sorted((root or project_root()).joinpath("shapes").glob("*.ttl"))


THIS = Parameter("this", "iri", False)
"""A SHACL-SPARQL constraint's ``$this``: bound, as the rows of a VALUES block, to the focus nodes."""


@dataclass(frozen=True)
class SparqlConstraint:
    """A SHACL-SPARQL constraint of a node shape, prepared to run once for many focus nodes.

    ``select`` is the shape's query with its prefixes declared and ``$this`` as the variable of :data:`THIS`.
    """

    shape: str
    constraint: str
    target_classes: tuple[str, ...]
    target_subjects_of: tuple[str, ...]
    severity: str
    select: str
    messages: dict[str, str]

    @property
    def query(self) -> CatalogueQuery:
        """The constraint as a query of the catalogue's binder, ``this`` taking many IRIs."""
        return text_query(self.constraint, self.select, [THIS], multiple=[THIS.name])


class ShaclValidator:
    """Validates data against the project's shapes, compiled once.

    Core constraints are evaluated by pyshacl on an rdflib graph: the whole data for a full
    validation, or, for targeted validation, the focus nodes' one-hop neighbourhood plus the
    class hierarchy (all that the core shapes look at). Each SHACL-SPARQL constraint is
    evaluated by Oxigraph once for all focus nodes, instead of once per focus node.
    :meth:`validate_with_pyshacl` runs plain pyshacl on everything, as the reference.

    Args:
        root: the project folder whose ``shapes/`` are used.
        shapes: explicit shape files (default: every ``shapes/*.ttl``).
    """

    def __init__(self, root: Path | None = None, *, shapes: Sequence[Path] | None = None) -> None:
        self.shapes_graph = rdflib.Graph()
        for path in shapes if shapes is not None else shape_files(root):
            self.shapes_graph.parse(path, format="turtle")
        self._names: dict[str, dict[str, str]] = defaultdict(dict)
        self._messages: dict[str, dict[str, str]] = defaultdict(dict)
        for s, o in self.shapes_graph.subject_objects(SH.name):
            self._names[str(s)][_language(o)] = str(o)
        for s, o in self.shapes_graph.subject_objects(SH.message):
            self._messages[str(s)][_language(o)] = str(o)
        self.sparql_constraints = self._sparql_constraints()
        self.enumerations = self._enumerations()
        self._prefixes = _vocabulary_prefixes(root or project_root())
        self._helpers = self._helper_shapes()
        core = rdflib.Graph()
        for triple in self.shapes_graph:
            if triple[1] != SH.sparql:
                core.add(triple)
        self._core = ShapesGraph(core)
        _ = self._core.shapes  # compile the core shapes now, once
        self._core_targets = sorted((str(s), c) for s, c in core.subject_objects(SH.targetClass))
        self._full = ShapesGraph(self.shapes_graph)
        _ = self._full.shapes

    def _helper_shapes(self) -> set[str]:
        """Shapes used only inside other shapes (sh:node, sh:or …) and their property shapes.

        pyshacl also lists their failures as results on the value node; the enclosing shape's
        result already names the property, the value and the fix, so these are left out.
        """
        g = self.shapes_graph
        nested: set[rdflib.term.Node] = set(g.objects(None, SH.node)) | set(g.objects(None, SH.qualifiedValueShape))
        for pred in (SH["or"], SH["and"], SH.xone):
            for lst in g.objects(None, pred):
                nested |= set(rdflib.collection.Collection(g, lst))
        for shape in list(nested):
            nested |= set(g.objects(shape, SH.property))
        return {str(s) for s in nested}

    def _enumerations(self) -> dict[str, str]:
        """Property shape -> the concept scheme its values must belong to (``sh:node`` a shape requiring ``skos:inScheme``)."""
        g = self.shapes_graph
        out = {}
        for shape, node in g.subject_objects(SH.node):
            for prop in g.objects(node, SH.property):
                scheme = g.value(prop, SH.hasValue)
                if g.value(prop, SH.path) == SKOS_IN_SCHEME and isinstance(scheme, rdflib.URIRef) and (shape, SH.path, None) in g:
                    out[str(shape)] = str(scheme)
        return out

    def turtle_name(self, iri: str) -> str:
        """An IRI as a curator writes it in Turtle: with the prefix its vocabulary declares (``certainty:high``), else compacted."""
        for namespace, prefix in self._prefixes:
            if iri.startswith(namespace) and re.fullmatch(r"[A-Za-z0-9_.\-]+", iri[len(namespace) :]):
                return prefix + ":" + iri[len(namespace) :]
        return _short(iri)

    def allowed_values(self, data: EmbeddedStore, scheme: str) -> list[AllowedValue]:
        """The members of a concept scheme in ``data``, with their Swedish and English preferred labels."""
        out: list[AllowedValue] = []
        for row in data.select(internal("scheme-members", {"scheme": scheme})):
            iri = row["c"].value
            labels = {lang: row[lang].value for lang in ("sv", "en") if row.get(lang) is not None}
            out.append({"value": self.turtle_name(iri), "iri": iri, "label": labels})
        return out

    def _allowed_lookup(self, data: EmbeddedStore) -> Callable[[str], list[AllowedValue]]:
        """For one validation: source shape -> its allowed values (empty unless enumerated), each scheme read once."""
        cache: dict[str, list[AllowedValue]] = {}

        def lookup(shape: str) -> list[AllowedValue]:
            scheme = self.enumerations.get(shape)
            if scheme is None:
                return []
            if scheme not in cache:
                cache[scheme] = self.allowed_values(data, scheme)
            return cache[scheme]

        return lookup

    def _sparql_constraints(self) -> list[SparqlConstraint]:
        g = self.shapes_graph
        out = []
        for shape, constraint in g.subject_objects(SH.sparql):
            select = str(g.value(constraint, SH.select))
            prefixes = "".join(
                f"PREFIX {d.value(SH.prefix)}: <{d.value(SH.namespace)}>\n"
                for ont in g.objects(constraint, SH.prefixes)
                for d in (g.resource(o) for o in g.objects(ont, SH.declare))
            )
            body = select.replace("$this", "?" + THIS.variable)
            if not re.search(r"WHERE\s*\{", body):
                raise ValueError(f"{constraint}: cannot prepare SPARQL constraint")
            severity = g.value(shape, SH.severity) or SH.Violation
            out.append(
                SparqlConstraint(
                    shape=str(shape),
                    constraint=str(constraint),
                    target_classes=tuple(sorted(str(c) for c in g.objects(shape, SH.targetClass))),
                    target_subjects_of=tuple(sorted(str(p) for p in g.objects(shape, SH.targetSubjectsOf))),
                    severity=str(severity).rsplit("#", 1)[-1],
                    select=prefixes + body,
                    messages=dict(self._messages.get(str(constraint), {})) or dict(self._messages.get(str(shape), {})),
                )
            )
        return sorted(out, key=lambda c: c.constraint)

    def validate(
        self,
        data: EmbeddedStore,
        *,
        focus_nodes: Iterable[str] | None = None,
        files: dict[str, str] | None = None,
    ) -> ValidationReport:
        """Validate the store's data, or only ``focus_nodes`` in the context of all of it.

        Args:
            data: the embedded store holding the repository (and any new entries).
            focus_nodes: validate only these nodes.
            files: map of focus node IRI to the file that defines it, for grouping.
        """
        focus = sorted(set(focus_nodes)) if focus_nodes is not None else None
        if focus == []:
            return ValidationReport([], _empty_report(), [])
        if focus is None:
            graph = _to_rdflib(data.triples())
        else:
            neighbourhood = data.construct(internal("neighbourhood", {"focus": focus}))
            graph = _to_rdflib(neighbourhood + data.construct(internal("class-hierarchy")))
        if focus is None:
            report_graph = self._run_pyshacl(self._core, graph, None)
        else:
            report_graph = _empty_report()
            for shapes, nodes in self._groups(graph, focus).items():
                report_graph += self._run_pyshacl(self._core, graph, nodes, use_shapes=list(shapes))
            _merge_reports(report_graph)
        results = self._results(report_graph, files or {}, self._allowed_lookup(data))
        sparql_results = self._run_sparql(data, focus, files or {})
        _add_to_report(report_graph, sparql_results)
        results = sorted(results + sparql_results, key=_order)
        return ValidationReport(results, report_graph, focus)

    def _groups(self, graph: rdflib.Graph, focus: list[str]) -> dict[tuple[str, ...], list[str]]:
        """Group focus nodes by the core node shapes that target them (via their classes and superclasses)."""
        groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for node in focus:
            classes = set()
            for cls in graph.objects(rdflib.URIRef(node), rdflib.RDF.type):
                classes |= set(graph.transitive_objects(cls, rdflib.RDFS.subClassOf))
            shapes = tuple(sorted({shape for shape, cls in self._core_targets if cls in classes}))
            if shapes:
                groups[shapes].append(node)
        return groups

    def validate_with_pyshacl(self, data: rdflib.Graph | EmbeddedStore, *, files: dict[str, str] | None = None) -> ValidationReport:
        """Plain pyshacl over the whole data graph: the reference the fast path is tested against."""
        graph = _to_rdflib(data.triples()) if isinstance(data, EmbeddedStore) else data
        report_graph = self._run_pyshacl(self._full, graph, None)
        return ValidationReport(sorted(self._results(report_graph, files or {}), key=_order), report_graph, None)

    def validate_on_oxigraph_datagraph(self, data: EmbeddedStore) -> ValidationReport:
        """Plain pyshacl with the store wrapped as pyshacl's OxigraphDataGraph (measured in the benchmark)."""
        report_graph = self._run_pyshacl(self._full, DataGraph.from_oxigraph_store(data.native), None)
        return ValidationReport(sorted(self._results(report_graph, {}), key=_order), report_graph, None)

    @staticmethod
    def _run_pyshacl(compiled: ShapesGraph, graph: rdflib.Graph | DataGraph, focus: list[str] | None, *, use_shapes: list[str] | None = None) -> rdflib.Graph:
        # pyshacl's focus_nodes option alone also filters nested shape evaluation (sh:qualifiedValueShape,
        # sh:node) and then misjudges value nodes; with explicit shapes it applies the focus nodes to those
        # shapes only, so targeted runs always name the shapes that target the focus nodes.
        data_graph = graph if isinstance(graph, DataGraph) else DataGraph.from_rdflib(graph)
        options = {"inference": "none", "focus_nodes": focus, "use_shapes": use_shapes, "allow_warnings": True, "allow_infos": True}
        validator = Validator(data_graph, shacl_graph=rdflib.Graph(), options=options)
        validator.shacl_graph = compiled  # reuse the compiled shapes
        _conforms, report_graph, _text = validator.run()
        return report_graph

    def _run_sparql(self, data: EmbeddedStore, focus: list[str] | None, files: dict[str, str]) -> list[ValidationResult]:
        out = []
        for c in self.sparql_constraints:
            keep: set[ox.NamedNode | ox.BlankNode | ox.Literal] | None = None  # validating everything with sh:targetSubjectsOf: the rows to keep
            this: list[str] | None
            # $this: the focus nodes among the instances of the target classes, each once per way it is one
            if c.target_subjects_of and focus:
                this = sorted({r["this"].value for r in data.select(internal("shacl-subjects-of-focus", {"focus": focus, "property": c.target_subjects_of}))})
                if c.target_classes:
                    this += [r["this"].value for r in data.select(internal("shacl-targets-of-focus", {"focus": focus, "class": c.target_classes}))]
            elif c.target_subjects_of:
                # the subjects may be blank nodes (which cannot be bound): run the query on everything, keep the targets' rows
                this = None
                keep = {r["this"] for r in data.select(internal("shacl-subjects-of", {"property": c.target_subjects_of}))}
                if c.target_classes:
                    keep |= {r["this"] for r in data.select(internal("shacl-targets", {"class": c.target_classes}))}
            elif c.target_classes and focus:
                this = [r["this"].value for r in data.select(internal("shacl-targets-of-focus", {"focus": focus, "class": c.target_classes}))]
            elif c.target_classes:
                this = [r["this"].value for r in data.select(internal("shacl-targets", {"class": c.target_classes}))]
            else:
                this = focus  # no target: the focus nodes, or (validating everything) any node
            if this == []:
                continue
            for row in data.select(c.query.bind({THIS.name: this} if this is not None else {})):
                if keep is not None and row[THIS.variable] not in keep:
                    continue
                focus_node = row[THIS.variable].value
                value = row.get("value")
                value_text = value.value if value is not None else None
                path = row["path"].value if "path" in row else None
                messages = {
                    lang: m.replace("{?value}", value_text or "").replace("{$this}", focus_node).replace("{?path}", _short(path) if path else "")
                    for lang, m in c.messages.items()
                }
                out.append(
                    ValidationResult(
                        severity=c.severity,
                        focus_node=focus_node,
                        path=path,
                        value=value_text,
                        source_shape=c.shape,
                        constraint_component="SPARQLConstraintComponent",
                        name=dict(self._names.get(c.shape, {})),
                        message=messages,
                        file=files.get(focus_node),
                    )
                )
        return out

    def _results(self, g: rdflib.Graph, files: dict[str, str], allowed: Callable[[str], list[AllowedValue]] | None = None) -> list[ValidationResult]:
        """The report graph's results, each with its shape's texts; on an enumerated property also its allowed values.

        The allowed values are appended to the messages in the graph too, so that every format says the same.
        """
        out = []
        for res in g.subjects(rdflib.RDF.type, SH.ValidationResult):
            shape = str(g.value(res, SH.sourceShape))
            if shape in self._helpers:
                continue
            constraint = g.value(res, SH.sourceConstraint)
            messages = {_language(m): str(m) for m in g.objects(res, SH.resultMessage)}
            if not messages:
                messages = dict(self._messages.get(str(constraint), {})) or dict(self._messages.get(shape, {}))
            path = g.value(res, SH.resultPath)
            value = g.value(res, SH.value)
            focus = str(g.value(res, SH.focusNode))
            values = allowed(shape) if allowed is not None and path is not None else []
            if values:
                messages = _with_allowed(messages, _short(str(path)), values)
                g.remove((res, SH.resultMessage, None))
                for lang, message in messages.items():
                    g.add((res, SH.resultMessage, rdflib.Literal(message, lang=lang or None)))
            out.append(
                ValidationResult(
                    severity=str(g.value(res, SH.resultSeverity)).rsplit("#", 1)[-1],
                    focus_node=focus,
                    path=str(path) if path is not None else None,
                    value=str(value) if value is not None else None,
                    source_shape=shape,
                    constraint_component=str(g.value(res, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
                    name=dict(self._names.get(shape, {})),
                    message=messages,
                    file=files.get(focus),
                    allowed=values,
                )
            )
        return out


def _with_allowed(messages: dict[str, str], path: str, values: list[AllowedValue]) -> dict[str, str]:
    """The messages with the sentence naming the allowed values appended, in each language with that language's labels."""
    out = dict(messages)
    for lang, sentence in ALLOWED_VALUES.items():
        listed = ", ".join(f"{v['value']} ({_label(v, lang)})" for v in values)
        text = sentence.format(path=path, values=listed)
        out[lang] = f"{out[lang]} {text}" if out.get(lang) else text
    return out


def _label(value: AllowedValue, lang: str) -> str:
    labels = value["label"]
    assert isinstance(labels, dict)
    return str(labels.get(lang) or labels.get("en") or labels.get("sv") or value["value"])


def _vocabulary_prefixes(root: Path) -> list[tuple[str, str]]:
    """(namespace, prefix) of the individuals' namespaces, as the vocabulary files declare them, longest namespace first."""
    found: dict[str, str] = {}
    for path in sorted((root / "ontology" / "vocabularies").glob("*.ttl")):
        parser = ox.parse(path=path, format=ox.RdfFormat.TURTLE)
        for _ in parser:
            pass
        for prefix, namespace in parser.prefixes.items():
            if namespace.startswith(ID) and prefix:
                found.setdefault(namespace, prefix)
    return sorted(found.items(), key=lambda kv: -len(kv[0]))


def _order(r: ValidationResult) -> tuple:
    return (r.file or "", r.focus_node, SEVERITIES.index(r.severity), r.source_shape, r.path or "", r.value or "")


def _to_rdflib(triples: list[ox.Triple]) -> rdflib.Graph:
    g = rdflib.Graph()
    if triples:
        g.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return g


def _empty_report() -> rdflib.Graph:
    g = rdflib.Graph()
    report = rdflib.BNode()
    g.add((report, rdflib.RDF.type, SH.ValidationReport))
    g.add((report, SH.conforms, rdflib.Literal(True)))
    return g


def _language(term: rdflib.term.Node) -> str:
    """The language tag of a literal, "" for any other term."""
    return getattr(term, "language", None) or ""


def _merge_reports(g: rdflib.Graph) -> None:
    """Merge the sh:ValidationReport nodes of several pyshacl runs into one."""
    reports = list(g.subjects(rdflib.RDF.type, SH.ValidationReport))
    keep = reports[0]
    conforms = all(isinstance(v := g.value(r, SH.conforms), rdflib.Literal) and bool(v.toPython()) for r in reports)
    for other in reports[1:]:
        for res in list(g.objects(other, SH.result)):
            g.add((keep, SH.result, res))
        g.remove((other, None, None))
    g.set((keep, SH.conforms, rdflib.Literal(conforms)))


def _add_to_report(g: rdflib.Graph, results: list[ValidationResult]) -> None:
    """Add SPARQL-constraint results to a pyshacl report graph as standard sh:ValidationResult nodes."""
    report = g.value(predicate=rdflib.RDF.type, object=SH.ValidationReport)
    assert report is not None  # pyshacl always writes its report node
    for r in results:
        node = rdflib.BNode()
        g.add((report, SH.result, node))
        g.add((node, rdflib.RDF.type, SH.ValidationResult))
        g.add((node, SH.focusNode, rdflib.URIRef(r.focus_node)))
        g.add((node, SH.resultSeverity, SH[r.severity]))
        g.add((node, SH.sourceShape, rdflib.URIRef(r.source_shape)))
        g.add((node, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
        if r.path:
            g.add((node, SH.resultPath, rdflib.URIRef(r.path)))
        if r.value is not None:
            g.add((node, SH.value, rdflib.URIRef(r.value) if r.value.startswith(("http://", "https://")) else rdflib.Literal(r.value)))
        for lang, message in r.message.items():
            g.add((node, SH.resultMessage, rdflib.Literal(message, lang=lang or None)))
    if any(r.severity == "Violation" for r in results):
        g.set((report, SH.conforms, rdflib.Literal(False)))


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
