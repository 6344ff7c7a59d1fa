"""Consistency checking and inference with HermiT (through owlready2).

HermiT implements the OWL 2 datatype map only. Literals and range axioms with other
datatypes (xsd:gYear, xsd:date, the SDG KOS code types) are left out of the reasoner's
input; they carry annotations and facts that need no reasoning.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from api.errors import InconsistentOntologyError, ReasonerError

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
OWL2_DATATYPES = {
    RDF + "PlainLiteral",
    RDF + "XMLLiteral",
    RDF + "langString",
    "http://www.w3.org/2000/01/rdf-schema#Literal",
    *(
        XSD + t
        for t in (
            "string",
            "normalizedString",
            "token",
            "language",
            "Name",
            "NCName",
            "NMTOKEN",
            "boolean",
            "decimal",
            "integer",
            "nonNegativeInteger",
            "nonPositiveInteger",
            "positiveInteger",
            "negativeInteger",
            "long",
            "int",
            "short",
            "byte",
            "unsignedLong",
            "unsignedInt",
            "unsignedShort",
            "unsignedByte",
            "double",
            "float",
            "dateTime",
            "dateTimeStamp",
            "hexBinary",
            "base64Binary",
            "anyURI",
        )
    ),
}
INFERRED_PREDICATES = {
    RDF + "type",
    "http://www.w3.org/2000/01/rdf-schema#subClassOf",
    "http://www.w3.org/2002/07/owl#equivalentClass",
}


@dataclass
class ReasoningResult:
    """What HermiT said about the graph."""

    consistent: bool
    inferred: list[ox.Triple] = field(default_factory=list)
    seconds: float = 0.0
    explanation: str = ""


def _reasonable(triple: ox.Triple) -> bool:
    obj = triple.object
    if isinstance(obj, ox.Literal):
        return obj.datatype.value in OWL2_DATATYPES
    if isinstance(obj, ox.NamedNode) and obj.value.startswith(XSD) and obj.value not in OWL2_DATATYPES:
        return False
    return True


def java_available() -> bool:
    return shutil.which("java") is not None


def reason(triples: list[ox.Triple], *, infer_property_values: bool = True) -> ReasoningResult:
    """Run HermiT over the triples.

    Args:
        triples: the merged ontology and data.
        infer_property_values: also infer object property values (e.g. inverses).

    Returns:
        A ReasoningResult; ``consistent`` is False when HermiT finds a contradiction.

    Raises:
        ReasonerError: Java or HermiT could not run.
    """
    if not java_available():
        raise ReasonerError("Java is not installed: HermiT needs a Java runtime (the setup script installs one)")
    import owlready2  # imported late: it is slow to import and needs Java only here

    start = time.perf_counter()
    kept = [t for t in triples if _reasonable(t)]
    with tempfile.TemporaryDirectory(prefix="mhkg-reason-") as tmp:
        path = Path(tmp) / "input.nt"
        ox.serialize(kept, output=str(path), format=ox.RdfFormat.N_TRIPLES)
        world = owlready2.World()
        world.get_ontology(path.as_uri()).load()
        before = _typed_triples(world)
        try:
            with world.get_ontology("urn:mhkg:inferences"):
                owlready2.sync_reasoner_hermit(world, infer_property_values=infer_property_values, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as exc:
            return ReasoningResult(False, [], time.perf_counter() - start, str(exc) or "HermiT: the ontology is inconsistent")
        except (owlready2.OwlReadyJavaError, FileNotFoundError, OSError) as exc:
            raise ReasonerError(f"HermiT failed to run: {exc}") from exc
        after = _typed_triples(world)
    inferred = [ox.Triple(*map(_term, t)) for t in sorted(after - before) if _keep_inferred(t)]
    return ReasoningResult(True, inferred, time.perf_counter() - start)


def check_consistent(triples: list[ox.Triple]) -> ReasoningResult:
    """Like :func:`reason`, but raise when inconsistent.

    Raises:
        InconsistentOntologyError: HermiT found a contradiction.
    """
    result = reason(triples)
    if not result.consistent:
        raise InconsistentOntologyError(result.explanation)
    return result


def _typed_triples(world: object) -> set[tuple[str, str, str]]:
    graph = world.as_rdflib_graph()  # type: ignore[attr-defined]
    out: set[tuple[str, str, str]] = set()
    for s, p, o in graph.triples((None, None, None)):
        if type(s).__name__ == "URIRef" and type(o).__name__ == "URIRef":
            out.add((str(s), str(p), str(o)))
    return out


def _keep_inferred(t: tuple[str, str, str]) -> bool:
    s, p, o = t
    if s.startswith("urn:mhkg:") or o.startswith("urn:mhkg:"):
        return False
    if o in ("http://www.w3.org/2002/07/owl#Thing", "http://www.w3.org/2002/07/owl#NamedIndividual"):
        return False
    if p in INFERRED_PREDICATES:
        return True
    return not p.startswith(("http://www.w3.org/2002/07/owl#", RDF, "http://www.w3.org/2000/01/rdf-schema#"))


def _term(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)
