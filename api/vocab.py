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


SPARQL_ENDPOINT = BASE_IRI + "sparql"
"""The public SPARQL endpoint's IRI (``https://w3id.org/mhkg/sparql``, served at ``/sparql`` as the ontology's IRI is
at ``/ontology``): what the build's catalogue and VoID name where no request tells the service's own address."""

ID_KINDS: tuple[str, ...] = (
    "actor-group",
    "agent",
    "capacity-basis",
    "certainty",
    "certainty-basis",
    "consequence-area",
    "consultation-point",
    "cost",
    "curation-status",
    "dataset",
    "decision-step",
    "direction",
    "document",
    "effect",
    "evidence",
    "funding",
    "gap",
    "goal",
    "governance",
    "indicator",
    "intervention",
    "level",
    "life-stage",
    "organisation",
    "outcome",
    "prevention-level",
    "principle",
    "query",
    "reference",
    "responsibility",
    "role",
    "scheme",
    "setting",
    "societal-area",
    "source",
    "stance",
    "study-design",
    "support",
)
"""Every kind of individual, ``…/id/<kind>/<slug>`` (a test holds it to the kinds the built graph uses)."""

ID_ALIASES: dict[str, str] = {
    "status": "curation-status",
    "stage": "life-stage",
    "prevention": "prevention-level",
    "design": "study-design",
    "basis": "certainty-basis",
    "capbasis": "capacity-basis",
    "src": "source",
    "ev": "evidence",
}
"""The shorter names the catalogue's queries and the knowledge files write for some kinds (``status:draft``,
``prevention:universal``). The files' ``org:`` (organisations) and ``area:`` (two kinds) are not among them: ``org:`` is
W3C ORG here, as in :data:`PREFIXES`."""

ID_PREFIXES: dict[str, str] = {
    **{kind: f"{ID}{kind}/" for kind in ID_KINDS},
    **{alias: f"{ID}{kind}/" for alias, kind in ID_ALIASES.items()},
}
"""A prefix per kind of individual, named as the kind (``certainty:high``, ``life-stage:adults``), and its aliases."""

PREDECLARED: dict[str, str] = {
    **PREFIXES,
    **ID_PREFIXES,
    "shp": SHAPES,
    "w3org": PREFIXES["org"],  # as the catalogue's queries write W3C ORG (org: is W3C ORG too)
}
"""Every prefix a query may use without declaring it: on ``/sparql``, the ``/query`` page, the embedded store and a
remote one, listed in the service description (``sh:declare``) and at ``/api/v1/prefixes``. A query's own ``PREFIX``
declaration wins. :data:`PREFIXES` stays the smaller set that serialisers and the canonical entry files write."""


def sparql_prefixes() -> str:
    """Every predeclared prefix as a SPARQL prologue."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREDECLARED.items())


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
