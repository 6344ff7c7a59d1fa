"""The build: parse every knowledge file, load the store, reason with HermiT, write the releases.

People edit the Turtle sources; the build writes the merged release (what was asserted),
the inferred release (asserted + HermiT's inferences + RDFS/SKOS closures), each as Turtle,
N-Triples and JSON-LD, and a VoID/DCAT description with counts. Nobody edits a release.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox

from api import __version__
from api.catalogue import catalogue_triples
from api.catalogue.internal import internal
from api.files import write_atomically
from api.knowledge.loader import knowledge_files, parse_file
from api.knowledge.reasoning import reason
from api.settings import Settings, build_dir, current, project_root
from api.store import RELEASE, EmbeddedStore, RemoteStore, content_version, load_release, open_remote
from api.store.protocol import serialize
from api.vocab import BASE_IRI, ID, ONTOLOGY_IRI, PREFIXES

Progress = Callable[[str], None]

# External modules kept out of HermiT's input: owlready2 mis-reads the punned BCIO classes
# (used as skos:closeMatch targets) as individuals. Their triples stay in every release.
REASONER_EXCLUDED = ("ontology/imports/bcio_setting.owl",)

CLOSURE_UPDATES = (
    "closure-sub-properties",  # sub-property closure (e.g. mh:citesSource ⊑ prov:wasDerivedFrom)
    "closure-super-classes",  # types from the class hierarchy
    "closure-skos-labels",  # SKOS: prefLabel is a sub-property of rdfs:label; hierarchy closures; schemes
    "closure-skos-narrower",
    "closure-skos-transitive",
    "closure-skos-top-concepts",
)
"""The closure updates (``queries/internal/<name>.rq``), in the order they run."""

DESCRIPTION_SV = "Region Stockholms strategi för psykisk hälsa och den evidens som visar vilka insatser varje nämnd, bolag och kommun kan tillämpa."
DESCRIPTION_EN = "Region Stockholm's mental-health strategy and the evidence that shows which measures each committee, company and municipality can apply."

RELEASES = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}


@dataclass
class BuildReport:
    """What a build did."""

    files: int
    asserted_triples: int
    inferred_triples: int
    total_triples: int
    consistent: bool
    reasoner_seconds: float
    seconds: float
    outputs: list[str] = field(default_factory=list)
    explanation: str = ""
    version: str = __version__

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)


def _quiet(_: str) -> None:
    pass


def assemble(root: Path | None = None, *, progress: Progress = _quiet) -> tuple[list[ox.Triple], list[ox.Triple]]:
    """Parse every knowledge file.

    Returns:
        (all triples, the triples the reasoner sees).

    Raises:
        KnowledgeSyntaxError: a file is malformed (names file, line, column).
    """
    root = root or project_root()
    files = knowledge_files(root)
    everything: list[ox.Triple] = []
    for_reasoner: list[ox.Triple] = []
    for i, path in enumerate(files, 1):
        triples = parse_file(path)
        everything += triples
        if path.relative_to(root).as_posix() not in REASONER_EXCLUDED:
            for_reasoner += triples
        if i % 50 == 0 or i == len(files):
            progress(f"parsed {i}/{len(files)} files")
    return everything, for_reasoner


def dataset_triples() -> list[ox.Triple]:
    """The dataset itself, as a resource of the graph (the full VoID description is in void.ttl)."""
    ds = ox.NamedNode(ID + "dataset/mhkg")
    rdf_type = ox.NamedNode(PREFIXES["rdf"] + "type")
    label = ox.NamedNode(PREFIXES["rdfs"] + "label")
    return [
        ox.Triple(ds, rdf_type, ox.NamedNode(PREFIXES["void"] + "Dataset")),
        ox.Triple(ds, rdf_type, ox.NamedNode(PREFIXES["dcat"] + "Dataset")),
        ox.Triple(ds, label, ox.Literal("Kunskapsgraf för psykisk hälsa (Region Stockholm)", language="sv")),
        ox.Triple(ds, label, ox.Literal("Mental Health Knowledge Graph (Region Stockholm)", language="en")),
    ]


def materialise(store: EmbeddedStore) -> None:
    """Add the RDFS and SKOS closures the catalogue queries rely on."""
    for name in CLOSURE_UPDATES:
        store.update(internal(name))


def _write_release(triples: list[ox.Triple], out: Path, stem: str) -> list[str]:
    written = []
    ordered = sorted(triples, key=str)
    for suffix, fmt in RELEASES.items():
        prefixes = PREFIXES if fmt != ox.RdfFormat.N_TRIPLES else None
        data = serialize(ordered, fmt, prefixes=prefixes)
        path = out / f"{stem}.{suffix}"
        write_atomically(path, data, overwrite=True)
        written.append(str(path))
    return written


def void_description(store: EmbeddedStore, *, asserted: int, files: list[str]) -> list[ox.Triple]:
    """A VoID/DCAT description of the inferred release, with counts per class."""
    ds = ox.NamedNode(ID + "dataset/mhkg")
    n = ox.NamedNode
    rdf_type = n(PREFIXES["rdf"] + "type")
    void, dcat, dct = PREFIXES["void"], PREFIXES["dcat"], PREFIXES["dcterms"]
    xsd = PREFIXES["xsd"]
    today = dt.date.today().isoformat()
    out = [
        ox.Triple(ds, rdf_type, n(void + "Dataset")),
        ox.Triple(ds, rdf_type, n(dcat + "Dataset")),
        ox.Triple(ds, n(dct + "title"), ox.Literal("Kunskapsgraf för psykisk hälsa (Region Stockholm)", language="sv")),
        ox.Triple(ds, n(dct + "title"), ox.Literal("Mental Health Knowledge Graph (Region Stockholm)", language="en")),
        ox.Triple(ds, n(dct + "description"), ox.Literal(DESCRIPTION_SV, language="sv")),
        ox.Triple(ds, n(dct + "description"), ox.Literal(DESCRIPTION_EN, language="en")),
        ox.Triple(ds, n(dct + "license"), n("https://creativecommons.org/licenses/by/4.0/")),
        ox.Triple(ds, n(dct + "modified"), ox.Literal(today, datatype=n(xsd + "date"))),
        ox.Triple(ds, n(dct + "hasVersion"), ox.Literal(__version__)),
        ox.Triple(ds, n(void + "uriSpace"), ox.Literal(ID)),
        ox.Triple(ds, n(void + "vocabulary"), n(ONTOLOGY_IRI)),
        ox.Triple(ds, n(void + "triples"), ox.Literal(str(len(store)), datatype=n(xsd + "integer"))),
        ox.Triple(ds, n(void + "feature"), n("http://www.w3.org/ns/formats/Turtle")),
        ox.Triple(ds, n(BASE_IRI + "ontology#assertedTriples"), ox.Literal(str(asserted), datatype=n(xsd + "integer"))),
    ]
    for name in files:
        dist = n(ID + "dataset/mhkg/" + Path(name).name)
        media = {"ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json"}[Path(name).suffix[1:]]
        out += [
            ox.Triple(ds, n(dcat + "distribution"), dist),
            ox.Triple(dist, rdf_type, n(dcat + "Distribution")),
            ox.Triple(dist, n(dcat + "mediaType"), ox.Literal(media)),
            ox.Triple(dist, n(dct + "title"), ox.Literal(Path(name).name)),
        ]
    rows = store.select(internal("class-partitions"))
    for i, row in enumerate(rows):
        part = n(f"{ID}dataset/mhkg/class-partition/{i}")
        out += [
            ox.Triple(ds, n(void + "classPartition"), part),
            ox.Triple(part, n(void + "class"), row["c"]),
            ox.Triple(part, n(void + "entities"), row["n"]),
        ]
    return out


def build(root: Path | None = None, out: Path | None = None, *, progress: Progress = _quiet, write: bool = True) -> tuple[BuildReport, EmbeddedStore]:
    """Run the whole build.

    Args:
        root: project folder (default: this checkout).
        out: build folder (default: ``build/``).
        progress: called with a line of text for each step.
        write: write the releases (False builds the store only).

    Returns:
        The report and the store holding the inferred graph.

    Raises:
        KnowledgeSyntaxError: a knowledge file is malformed.
        ReasonerError: HermiT could not run.
    """
    start = time.perf_counter()
    root = root or project_root()
    out = out or build_dir()
    files = knowledge_files(root)
    progress(f"reading {len(files)} knowledge files")
    asserted, for_reasoner = assemble(root, progress=progress)
    store = EmbeddedStore()
    store.add_triples(asserted)
    store.add_triples(catalogue_triples(root) + dataset_triples())
    progress("added the query catalogue as sh:SPARQLExecutable resources")
    asserted = store.triples()  # canonical literal forms, as the store holds them
    progress(f"loaded {len(store)} asserted triples into the embedded store")
    progress("reasoning with HermiT (owlready2) …")
    result = reason(for_reasoner)
    if result.consistent:
        progress(f"HermiT: consistent ({result.seconds:.1f} s, {len(result.inferred)} inferred triples)")
        store.add_triples(result.inferred)
    else:
        progress(f"HermiT: INCONSISTENT ({result.seconds:.1f} s)")
    materialise(store)
    progress(f"materialised RDFS/SKOS closures: {len(store)} triples in all")
    outputs: list[str] = []
    store.set_base_version(f"build-{len(store)}")
    if write:
        outputs += _write_release(asserted, out, "mhkg")
        outputs += _write_release(store.triples(), out, "mhkg-inferred")
        void = void_description(store, asserted=len(asserted), files=outputs)
        write_atomically(out / "void.ttl", serialize(void, ox.RdfFormat.TURTLE, prefixes=PREFIXES), overwrite=True)
        outputs.append(str(out / "void.ttl"))
        store.set_base_version(content_version(out / "mhkg-inferred.nt"))
        progress(f"wrote {len(outputs)} files to {out}")
    report = BuildReport(
        files=len(files),
        asserted_triples=len(asserted),
        inferred_triples=len(store) - len(asserted),
        total_triples=len(store),
        consistent=result.consistent,
        reasoner_seconds=round(result.seconds, 2),
        seconds=round(time.perf_counter() - start, 2),
        outputs=outputs,
        explanation=result.explanation,
    )
    if write:
        write_atomically(out / "build-report.json", report.to_json().encode(), overwrite=True)
    return report, store


def release_is_current(settings: Settings) -> bool:
    """Whether the build folder's release exists and is newer than every knowledge file."""
    release = settings.build_dir / RELEASE
    if not release.exists():
        return False
    newest_source = max((p.stat().st_mtime for p in knowledge_files(settings.home)), default=0.0)
    return release.stat().st_mtime >= newest_source


def open_store(settings: Settings, *, endpoint: str | None = None, progress: Progress = _quiet) -> EmbeddedStore | RemoteStore:
    """The store the settings name: the remote endpoint (``endpoint``, else ``MHKG_ENDPOINT``), else the embedded
    store with the current release (built first where it is missing or stale)."""
    return open_remote(settings, endpoint) or current_store(settings, progress=progress)


def current_store(settings: Settings | None = None, *, progress: Progress = _quiet) -> EmbeddedStore:
    """The inferred graph: from the release when it is up to date, else by building it."""
    settings = settings or current()
    if release_is_current(settings):
        return load_release(settings)
    progress("the build is missing or stale; building …")
    _, store = build(root=settings.home, out=settings.build_dir, progress=progress)
    return store
