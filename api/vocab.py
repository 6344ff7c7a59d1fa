"""The project's vocabulary: namespaces, the base IRI (written here, once), minting and shortening IRIs."""

from __future__ import annotations

import re

import pyoxigraph as ox

BASE_IRI = "https://w3id.org/mhkg/"
ONTOLOGY_IRI = BASE_IRI + "ontology"
VOCAB = ONTOLOGY_IRI + "#"
ID = BASE_IRI + "id/"
SHAPES = BASE_IRI + "shapes#"

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
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def iri(kind: str, slug: str) -> str:
    """The IRI of an individual: ``…/id/<kind>/<slug>``.

    >>> iri("setting", "home")
    'https://w3id.org/mhkg/id/setting/home'
    """
    return f"{ID}{kind}/{slug}"


def slug(value: str) -> str:
    """The last segment of an IRI (after its last ``/`` or ``#``).

    >>> slug("https://w3id.org/mhkg/id/setting/home"), slug(VOCAB + "Setting")
    ('home', 'Setting')
    """
    return value.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


_LONGEST_FIRST = sorted({**PREFIXES, "id": ID, "shp": SHAPES}.items(), key=lambda kv: -len(kv[1]))
_LOCAL = re.compile(r"[A-Za-z0-9_.\-/]+")


def compact(value: str) -> str:
    """An IRI as ``prefix:local`` with the project's prefixes (the longest namespace wins), else unchanged.

    ``id:`` stands for the individuals' namespace and ``shp:`` for the shapes'. Only a plain local part is shortened,
    so the short form reads back as the same IRI.

    >>> compact("https://w3id.org/mhkg/id/setting/home"), compact(VOCAB + "Setting"), compact(SHAPES + "EntryShape")
    ('id:setting/home', 'mh:Setting', 'shp:EntryShape')
    >>> compact("urn:x"), compact(ID + "a b")
    ('urn:x', 'https://w3id.org/mhkg/id/a b')
    """
    for prefix, namespace in _LONGEST_FIRST:
        if value.startswith(namespace) and _LOCAL.fullmatch(value[len(namespace) :]):
            return f"{prefix}:{value[len(namespace) :]}"
    return value


def iri_ref(value: str) -> str:
    """``<iri>`` for the text of a query, for a valid IRI only, so that no input can change the query.

    Raises:
        ValueError: ``value`` is not a valid IRI (a space, ``>``, ``{`` … in it).

    >>> iri_ref("https://w3id.org/mhkg/id/setting/home")
    '<https://w3id.org/mhkg/id/setting/home>'
    >>> iri_ref("https://w3id.org/mhkg/id/x> ?p ?o } #")
    Traceback (most recent call last):
    ...
    ValueError: Invalid IRI code point '>'
    """
    return str(ox.NamedNode(value))
