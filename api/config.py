"""Paths, namespaces and settings. The base IRI is written here, once."""

from __future__ import annotations

import os
from pathlib import Path

BASE_IRI = "https://w3id.org/mhkg/"
ONTOLOGY_IRI = BASE_IRI + "ontology"
VOCAB = ONTOLOGY_IRI + "#"
ID = BASE_IRI + "id/"

PREFIXES: dict[str, str] = {
    "mh": VOCAB,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "fabio": "http://purl.org/spar/fabio/",
    "prism": "http://prismstandard.org/namespaces/basic/2.0/",
    "schema": "http://schema.org/",
    "sdg": "http://metadata.un.org/sdg/",
    "sdgo": "http://metadata.un.org/sdg/ontology#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "sh": "http://www.w3.org/ns/shacl#",
}


def sparql_prefixes() -> str:
    """The project's prefixes as a SPARQL prologue."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def project_root() -> Path:
    """The folder holding ontology/, evidence/, shapes/ and queries/.

    ``MHKG_HOME`` overrides it; otherwise it is the checkout this package lives in.
    """
    env = os.environ.get("MHKG_HOME")
    return Path(env).resolve() if env else Path(__file__).resolve().parent.parent


def build_dir() -> Path:
    """Where the build writes its releases (``MHKG_BUILD_DIR`` overrides)."""
    env = os.environ.get("MHKG_BUILD_DIR")
    return Path(env).resolve() if env else project_root() / "build"


KNOWLEDGE_FOLDERS = ("ontology", "evidence")
