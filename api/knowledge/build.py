"""The build: parse every knowledge file, load the store, reason with HermiT, write the releases.

People edit the Turtle sources; the build writes the merged release (what was asserted),
the inferred release (asserted + HermiT's inferences + RDFS/SKOS closures), each as Turtle,
N-Triples and JSON-LD, and a VoID/DCAT description with counts. Nobody edits a release.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Mapping
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
from api.store.protocol import Store, Term, serialize
from api.vocab import BASE_IRI, ID, ONTOLOGY_IRI, PREFIXES, SPARQL_ENDPOINT, VOCAB

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

TITLE_SV = "Kunskapsgraf för psykisk hälsa (Region Stockholm)"
TITLE_EN = "Mental Health Knowledge Graph (Region Stockholm)"
DESCRIPTION_SV = "Region Stockholms strategi för psykisk hälsa och den evidens som visar vilka insatser varje nämnd, bolag och kommun kan tillämpa."
DESCRIPTION_EN = "Region Stockholm's mental-health strategy and the evidence that shows which measures each committee, company and municipality can apply."

FORMATS = {"ttl": "http://www.w3.org/ns/formats/Turtle", "nt": "http://www.w3.org/ns/formats/N-Triples", "jsonld": "http://www.w3.org/ns/formats/JSON-LD"}
FORMAT_NAMES = {"ttl": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD"}
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
        ox.Triple(ds, label, ox.Literal(TITLE_SV, language="sv")),
        ox.Triple(ds, label, ox.Literal(TITLE_EN, language="en")),
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


DOWNLOADS = {"ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json"}
"""The whole dataset as one download (``/dataset.<ext>``): suffix -> media type."""

IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
"""Media types as IRIs, as DCAT 3 asks of ``dcat:mediaType`` (range ``dcterms:MediaType``; §6.8 "Property: media type")."""


def void_description(
    store: Store,
    *,
    endpoint: str = SPARQL_ENDPOINT,
    downloads: Mapping[str, str] | None = None,
    asserted: int | None = None,
    modified: dt.date | None = None,
) -> list[ox.Triple]:
    """The dataset in VoID and DCAT: counts, class and property partitions, its downloads and its SPARQL endpoint.

    VoID (W3C Note "Describing Linked Datasets with the VoID Vocabulary"): ``void:triples``, ``void:classes``,
    ``void:properties``, ``void:distinctSubjects``, ``void:distinctObjects`` (§4.5), ``void:classPartition`` with
    ``void:class`` and ``void:entities``, each with the ``void:propertyPartition`` of its resources, and the dataset's
    own ``void:propertyPartition`` with ``void:property`` and ``void:triples`` (§4.6), ``void:dataDump`` and
    ``void:sparqlEndpoint`` (§6). The nested partitions are what SIB's sparql-editor reads for completion.

    DCAT 3: a ``dcat:Distribution`` per download with ``dcat:downloadURL``, ``dcat:accessURL`` (the same URL, as
    DCAT-AP asks of a file) and ``dcat:mediaType`` an IANA IRI; one more for the endpoint, whose ``dcat:accessService``
    is the ``dcat:DataService`` at ``dcat:endpointURL``, described (``dcat:endpointDescription``) by the SPARQL Service
    Description the endpoint gives without a query.

    Args:
        store: the dataset (its default graph).
        endpoint: the SPARQL endpoint's IRI (the public one for a build, the request's for the service).
        downloads: suffix -> URL of each download (by default under the base IRI; empty: none, as on a remote store).
        asserted: the asserted triples, for the build's ``mh:assertedTriples``.
        modified: the ``dcterms:modified`` date (the build's; the service leaves it out).
    """
    ds = ox.NamedNode(ID + "dataset/mhkg")
    n = ox.NamedNode
    rdf_type = n(PREFIXES["rdf"] + "type")
    void, dcat, dct, xsd = PREFIXES["void"], PREFIXES["dcat"], PREFIXES["dcterms"], PREFIXES["xsd"]
    service = n(endpoint)
    downloads = {ext: f"{BASE_IRI}dataset.{ext}" for ext in DOWNLOADS} if downloads is None else downloads

    def integer(value: int | str) -> ox.Literal:
        return ox.Literal(str(value), datatype=n(xsd + "integer"))

    stats = store.select(internal("dataset-statistics"))[0]
    classes = store.select(internal("class-partitions"))
    properties = store.select(internal("property-partitions"))
    out = [
        ox.Triple(ds, rdf_type, n(void + "Dataset")),
        ox.Triple(ds, rdf_type, n(dcat + "Dataset")),
        ox.Triple(ds, n(dct + "title"), ox.Literal(TITLE_SV, language="sv")),
        ox.Triple(ds, n(dct + "title"), ox.Literal(TITLE_EN, language="en")),
        ox.Triple(ds, n(dct + "description"), ox.Literal(DESCRIPTION_SV, language="sv")),
        ox.Triple(ds, n(dct + "description"), ox.Literal(DESCRIPTION_EN, language="en")),
        ox.Triple(ds, n(dct + "license"), n("https://creativecommons.org/licenses/by/4.0/")),
        ox.Triple(ds, n(dct + "hasVersion"), ox.Literal(__version__)),
        ox.Triple(ds, n(void + "uriSpace"), ox.Literal(ID)),
        ox.Triple(ds, n(void + "vocabulary"), n(ONTOLOGY_IRI)),
        ox.Triple(ds, n(void + "sparqlEndpoint"), service),
        ox.Triple(ds, n(void + "triples"), integer(stats["triples"].value)),
        ox.Triple(ds, n(void + "distinctSubjects"), integer(stats["subjects"].value)),
        ox.Triple(ds, n(void + "distinctObjects"), integer(stats["objects"].value)),
        ox.Triple(ds, n(void + "classes"), integer(len(classes))),
        ox.Triple(ds, n(void + "properties"), integer(len(properties))),
    ]
    if modified is not None:
        out.append(ox.Triple(ds, n(dct + "modified"), ox.Literal(modified.isoformat(), datatype=n(xsd + "date"))))
    if asserted is not None:
        out.append(ox.Triple(ds, n(VOCAB + "assertedTriples"), integer(asserted)))
    for ext, url in downloads.items():
        dist, media = n(f"{ID}dataset/mhkg/distribution/{ext}"), DOWNLOADS[ext]
        out += [
            ox.Triple(ds, n(void + "dataDump"), n(url)),
            ox.Triple(ds, n(void + "feature"), n(FORMATS[ext])),
            ox.Triple(ds, n(dcat + "distribution"), dist),
            ox.Triple(dist, rdf_type, n(dcat + "Distribution")),
            ox.Triple(dist, n(dct + "title"), ox.Literal(f"Hela datamängden ({FORMAT_NAMES[ext]})", language="sv")),
            ox.Triple(dist, n(dct + "title"), ox.Literal(f"The whole dataset ({FORMAT_NAMES[ext]})", language="en")),
            ox.Triple(dist, n(dcat + "downloadURL"), n(url)),
            ox.Triple(dist, n(dcat + "accessURL"), n(url)),
            ox.Triple(dist, n(dcat + "mediaType"), n(IANA_MEDIA_TYPES + media)),
        ]
    sparql = n(ID + "dataset/mhkg/distribution/sparql")
    out += [
        ox.Triple(ds, n(dcat + "distribution"), sparql),
        ox.Triple(sparql, rdf_type, n(dcat + "Distribution")),
        ox.Triple(sparql, n(dct + "title"), ox.Literal("SPARQL-ändpunkten", language="sv")),
        ox.Triple(sparql, n(dct + "title"), ox.Literal("The SPARQL endpoint", language="en")),
        ox.Triple(sparql, n(dcat + "accessURL"), service),
        ox.Triple(sparql, n(dcat + "accessService"), service),
        ox.Triple(service, rdf_type, n(dcat + "DataService")),
        ox.Triple(service, n(dct + "title"), ox.Literal("SPARQL-ändpunkt: " + TITLE_SV, language="sv")),
        ox.Triple(service, n(dct + "title"), ox.Literal("SPARQL endpoint: " + TITLE_EN, language="en")),
        ox.Triple(service, n(dcat + "endpointURL"), service),
        ox.Triple(service, n(dcat + "endpointDescription"), service),
        ox.Triple(service, n(dcat + "servesDataset"), ds),
        ox.Triple(service, n(dct + "conformsTo"), n("https://www.w3.org/TR/sparql11-protocol/")),
    ]
    by_class: dict[str, list[dict[str, Term]]] = {}
    for row in store.select(internal("class-property-partitions")):
        by_class.setdefault(row["c"].value, []).append(row)
    for i, row in enumerate(classes):  # blank nodes named by position: the same store gives the same bytes
        part = ox.BlankNode(f"class{i}")
        out += [
            ox.Triple(ds, n(void + "classPartition"), part),
            ox.Triple(part, n(void + "class"), row["c"]),
            ox.Triple(part, n(void + "entities"), row["n"]),
        ]
        for j, pair in enumerate(by_class.get(row["c"].value, [])):
            out += _property_partition(part, ox.BlankNode(f"class{i}property{j}"), pair["p"], pair["n"])
    for j, row in enumerate(properties):
        out += _property_partition(ds, ox.BlankNode(f"property{j}"), row["p"], row["n"])
    return out


def _property_partition(subject: ox.NamedNode | ox.BlankNode, part: ox.BlankNode, prop: Term, triples: Term) -> list[ox.Triple]:
    void = PREFIXES["void"]
    return [
        ox.Triple(subject, ox.NamedNode(void + "propertyPartition"), part),
        ox.Triple(part, ox.NamedNode(void + "property"), prop),
        ox.Triple(part, ox.NamedNode(void + "triples"), triples),
    ]


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
        void = void_description(store, asserted=len(asserted), modified=dt.date.today())
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
