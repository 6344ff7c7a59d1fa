"""SPARQL results as data: the one function from RDF terms to SPARQL 1.1 Query Results JSON."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def term_json(t: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> dict[str, Any]:
    """One RDF term as a SPARQL 1.1 JSON binding (an RDF-star triple as SPARQL 1.2's ``triple``).

    >>> term_json(ox.Literal("Hem", language="sv"))
    {'type': 'literal', 'value': 'Hem', 'xml:lang': 'sv'}
    >>> term_json(ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))["datatype"]
    'http://www.w3.org/2001/XMLSchema#integer'
    """
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Triple):
        return {"type": "triple", "value": {k: term_json(getattr(t, k)) for k in ("subject", "predicate", "object")}}
    out: dict[str, Any] = {"type": "literal", "value": t.value}
    if t.language:
        out["xml:lang"] = t.language
    elif t.datatype.value != XSD_STRING:
        out["datatype"] = t.datatype.value
    return out


def to_sparql_json(variables: list[str], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Rows as SPARQL 1.1 Query Results JSON."""
    names = variables or sorted({k for r in rows for k in r})
    return {"head": {"vars": names}, "results": {"bindings": [{k: term_json(v) for k, v in r.items()} for r in rows]}}
