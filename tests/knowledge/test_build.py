"""The build writes the merged and inferred releases and a VoID/DCAT description."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import rdflib

from api.knowledge.build import BuildReport
from api.store import EmbeddedStore


def test_releases_are_written_in_three_formats(built: tuple[BuildReport, EmbeddedStore, Path]) -> None:
    report, store, out = built
    for stem in ("mhkg", "mhkg-inferred"):
        for suffix in ("ttl", "nt", "jsonld"):
            assert (out / f"{stem}.{suffix}").stat().st_size > 0
    asserted = {str(t) for t in ox.parse(path=str(out / "mhkg.nt"))}
    inferred = {str(t) for t in ox.parse(path=str(out / "mhkg-inferred.nt"))}
    assert len(asserted) == report.asserted_triples
    assert len(inferred) == report.total_triples == len(store)
    assert asserted < inferred
    turtle = {str(t) for t in ox.parse(path=str(out / "mhkg-inferred.ttl"))}
    jsonld = rdflib.Graph().parse(out / "mhkg-inferred.jsonld", format="json-ld")
    assert turtle == inferred
    assert len(jsonld) == len(inferred)


def test_inferred_release_has_class_and_skos_closures(store: EmbeddedStore) -> None:
    assert store.ask("ASK { <https://w3id.org/mhkg/id/organisation/trafiknamnden> a mh:Municipality }") is False
    assert store.ask("ASK { <https://w3id.org/mhkg/id/organisation/trafiknamnden> a org:Organization , prov:Agent }")
    assert store.ask("ASK { <https://w3id.org/mhkg/id/setting/compulsory-school> skos:broaderTransitive <https://w3id.org/mhkg/id/setting/education> }")
    assert store.ask('ASK { <https://w3id.org/mhkg/id/setting/education> rdfs:label "Utbildningsmiljö"@sv }')
    assert store.ask("ASK { ?e mh:citesSource ?s ; prov:wasDerivedFrom ?s }")


def test_void_description_counts_match_the_release(built: tuple[BuildReport, EmbeddedStore, Path]) -> None:
    report, store, out = built
    void = EmbeddedStore()
    void.load_file(out / "void.ttl")
    rows = void.select("SELECT ?n WHERE { ?d a void:Dataset , dcat:Dataset ; void:triples ?n }")
    assert int(rows[0]["n"].value) == report.total_triples
    parts = {r["c"].value: int(r["n"].value) for r in void.select("SELECT ?c ?n WHERE { ?d void:classPartition [ void:class ?c ; void:entities ?n ] }")}
    assert parts["https://w3id.org/mhkg/ontology#Municipality"] == 26
    expected = int(store.select("SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a mh:EvidenceEntry }")[0]["n"].value)
    assert parts["https://w3id.org/mhkg/ontology#EvidenceEntry"] == expected
    report_json = json.loads((out / "build-report.json").read_text())
    assert report_json["consistent"] is True


def test_on_disk_store_is_reused_when_it_holds_the_release(built, tmp_path: Path) -> None:
    import gc

    from api.settings import Settings
    from api.store import load_release

    _, memory, out = built
    sentinel = ox.Triple(ox.NamedNode("urn:test:sentinel"), ox.NamedNode("urn:test:p"), ox.Literal("kept"))
    first = load_release(Settings(build_dir=out, store_path=tmp_path / "db"))
    assert first is not None and first.count() == len(memory)
    version = first.data_version()
    first.add_triples([sentinel])
    del first
    gc.collect()
    again = load_release(Settings(build_dir=out, store_path=tmp_path / "db"))  # same release: reused as it is
    assert again is not None and again.data_version() == version
    assert again.ask("ASK { <urn:test:sentinel> <urn:test:p> 'kept' }")
    again.native.remove(next(iter(again.native.quads_for_pattern(None, None, None, ox.NamedNode("https://w3id.org/mhkg/id/graph/build")))))
    del again
    gc.collect()
    reloaded = load_release(Settings(build_dir=out, store_path=tmp_path / "db"))  # marker gone: emptied and reloaded
    assert reloaded is not None and not reloaded.ask("ASK { <urn:test:sentinel> ?p ?o }")
    assert reloaded.count() == len(memory)
