"""The package's own queries: ``queries/internal/*.rq``, documented like the catalogue's but never published.

They are read from this checkout (:data:`api.settings.PACKAGE_ROOT`), not from ``MHKG_HOME``: they are
part of the code, whatever knowledge folder it serves. The REST catalogue, ``mhkg queries``, the
catalogue triples of the build and the QC runner do not see them. Their parameters are bound by the
catalogue's binder (:meth:`api.catalogue.CatalogueQuery.bind`), as RDF terms; their text relies on the
project's prefixes (:data:`api.vocab.PREFIXES`), which every store declares.

>>> sorted(internal_query("triple-count").parameters)
[]
>>> internal("resource-exists", {"resource": "https://w3id.org/mhkg/id/setting/home"})
'ASK WHERE { BIND(<https://w3id.org/mhkg/id/setting/home> AS ?_resource_iri)  ?_resource_iri ?p ?o }\\n'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from api.catalogue import CatalogueQuery, Parameter, Value, _load
from api.settings import PACKAGE_ROOT

INTERNAL = PACKAGE_ROOT / "queries" / "internal"
"""Where the package's own queries are."""


def internal_queries() -> dict[str, CatalogueQuery]:
    """Every internal query, by name (the file's stem)."""
    return dict(_load(str(INTERNAL)))


def internal_query(name: str) -> CatalogueQuery:
    """One internal query.

    Raises:
        LookupError: there is no ``queries/internal/<name>.rq`` (a mistake in the code, not in a request).
    """
    queries = _load(str(INTERNAL))
    if name not in queries:
        raise LookupError(f"no internal query {name!r} in {INTERNAL}")
    return queries[name]


def internal(name: str, values: Mapping[str, Value] | None = None) -> str:
    """The text of an internal query with its parameters bound.

    Raises:
        LookupError: there is no such internal query.
        ParameterError: a value is missing or malformed (for example an IRI that is not valid).
    """
    return internal_query(name).bind(values)


def text_query(name: str, text: str, parameters: Sequence[Parameter], *, multiple: Iterable[str] = ()) -> CatalogueQuery:
    """A query that is not a file of ours (for example a SHACL-SPARQL constraint of the shapes), bound by the same binder.

    Args:
        name: names the query in error messages.
        text: the query, with each parameter's variable (``?_name_iri`` …) where its value goes.
        parameters: its parameters.
        multiple: the names of the IRI parameters that take several IRIs.
    """
    return CatalogueQuery(
        name=name,
        path=Path(name),
        summary="",
        summary_sv="",
        description="",
        tags=(),
        parameters=tuple(parameters),
        text=text,
        metadata={"params": {n: {"multiple": True} for n in multiple}},
    )
