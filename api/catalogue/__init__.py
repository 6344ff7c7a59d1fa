"""The query catalogue: ``queries/*.rq`` files that document themselves (grlc-style ``#+`` YAML).

Parameters follow grlc's naming: ``?_name_iri`` is required, ``?__name_iri`` optional (also
``_integer``, ``_string``, ``_date``, ``_decimal`` and ``_language``, a language tag such as ``sv``).
Every parameter is declared in the header's ``params`` with its ``type`` (and ``required: true``
when it is), and the declaration must agree with the variable: :func:`parse_query_file` refuses a
file where they differ. Values are turned into RDF terms (IRIs are validated, literals escaped by
pyoxigraph) and bound with a ``VALUES`` block at the start of every ``WHERE`` group, so the same
text runs unchanged on the embedded store and on any SPARQL 1.1 server; the user's text never
becomes query syntax. An IRI parameter declared with ``multiple: true`` takes several IRIs, bound
as the rows of its own ``VALUES ?x { <a> <b> }``.

The package's own queries (``queries/internal/``) are bound by the same binder:
see :mod:`api.catalogue.internal`.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from api.errors import InvalidParameterError, ParameterError
from api.settings import project_root
from api.vocab import ID, PREDECLARED, SPARQL_ENDPOINT

VAR = re.compile(r"\?(__?)([a-z][a-z0-9_]*?)_(iri|integer|string|date|decimal|language)\b")
WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
XSD = "http://www.w3.org/2001/XMLSchema#"
LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
Value = str | Sequence[str]
"""A parameter's value: one text, or several IRIs for a parameter documented with ``multiple: true``."""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    required: bool
    description: str = ""
    enum: tuple[str, ...] = ()
    prefix: str = ""
    default: str | None = None
    example: str | None = None

    @property
    def variable(self) -> str:
        return ("_" if self.required else "__") + f"{self.name}_{self.type}"

    def term(self, value: str) -> ox.NamedNode | ox.Literal:
        """Turn a user-given value into an RDF term.

        Raises:
            ParameterError: the value is not valid for the parameter's type.
        """
        if self.type == "iri":
            if self.enum and value not in self.enum and not any(value == self.prefix + e for e in self.enum):
                raise InvalidParameterError("one_of", name=self.name, choices=", ".join(self.enum))
            iri = self.prefix + value if self.prefix and not re.match(r"^[a-z][a-z0-9+.-]*:", value) else value
            if not re.match(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", iri):
                raise ParameterError(f"{self.name}: {value!r} is not an IRI")
            try:
                return ox.NamedNode(iri)
            except ValueError as exc:
                raise ParameterError(f"{self.name}: {value!r} is not an IRI ({exc})") from exc
        if self.type == "integer":
            if not re.fullmatch(r"[+-]?[0-9]{1,18}", value):
                raise ParameterError(f"{self.name}: {value!r} is not an integer")
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "integer"))
        if self.type == "decimal":
            if not re.fullmatch(r"[+-]?[0-9]{1,18}(\.[0-9]+)?", value):
                raise ParameterError(f"{self.name}: {value!r} is not a decimal")
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "decimal"))
        if self.type == "date":
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
                raise ParameterError(f"{self.name}: {value!r} is not a date (YYYY-MM-DD)")
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
        if self.type == "language":
            if not LANGUAGE_TAG.fullmatch(value):
                raise ParameterError(f"{self.name}: {value!r} is not a language tag")
            if self.enum and value.lower() not in self.enum:
                raise InvalidParameterError("one_of", name=self.name, choices=", ".join(self.enum))
            return ox.Literal(value.lower())  # compared with LANG(), which gives tags in lower case
        try:
            return ox.Literal(value)
        except ValueError as exc:  # e.g. lone surrogates, which a command line can pass (surrogateescape)
            raise ParameterError(f"{self.name}: {value!r} is not text ({exc})") from exc

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "description": self.description,
            "enum": list(self.enum),
            "prefix": self.prefix,
            "default": self.default,
            "example": self.example,
        }


@dataclass(frozen=True)
class CatalogueQuery:
    """One ``.rq`` file: its metadata, parameters and query text."""

    name: str
    path: Path
    summary: str
    summary_sv: str
    description: str
    tags: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    text: str
    metadata: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def kind(self) -> str:
        body = re.sub(r"(?m)^\s*((PREFIX|BASE)\b.*|#.*)$", "", self.text)  # the prologue and whole-line comments
        return re.match(r"\s*(\w+)", body).group(1).upper()  # type: ignore[union-attr]

    def bind(self, values: Mapping[str, Value] | None = None) -> str:
        """The query text with the given parameter values bound.

        Each single value is bound by a ``BIND(… AS ?a)`` at the start of every group the query opens with
        ``WHERE {``; the IRIs of a parameter documented with ``multiple: true`` as the rows of their own
        ``VALUES ?x { <a> <b> }``, each checked like any IRI. An empty list, like an empty text, is a missing
        value. (Not a one-row ``VALUES (?a ?b) { (…) }``, which means the same: Virtuoso 7 joins subqueries so
        bound wrongly, or never answers.)

        >>> q = CatalogueQuery(name="q", path=Path("q.rq"), summary="", summary_sv="", description="", tags=(),
        ...     parameters=(Parameter("x", "iri", True),), text="SELECT * WHERE { }", metadata={"params": {"x": {"multiple": True}}})
        >>> q.bind({"x": ["urn:a", "urn:b"]})
        'SELECT * WHERE { VALUES ?_x_iri { <urn:a> <urn:b> }  }'

        Raises:
            ParameterError: a required parameter is missing, a name unknown or a value malformed.
        """
        terms = self.terms(values)
        if not terms:
            return self.text
        by_name = {p.name: p for p in self.parameters}
        block = "".join(f"BIND({term} AS ?{by_name[name].variable}) " for name, term in terms.items() if not isinstance(term, list))
        for name, many in terms.items():
            if isinstance(many, list):
                block += "VALUES ?{} {{ {} }} ".format(by_name[name].variable, " ".join(str(t) for t in many))
        return WHERE.sub(lambda m: m.group(0) + " " + block, self.text)

    def terms(self, values: Mapping[str, Value] | None = None) -> dict[str, ox.NamedNode | ox.Literal | list[ox.NamedNode | ox.Literal]]:
        """The given parameter values as RDF terms, by parameter name, defaults applied (what :meth:`bind` binds): a
        list of IRIs for a parameter documented with ``multiple: true``; a parameter with no value and no default is left out.

        Raises:
            ParameterError: a required parameter is missing, a name unknown or a value malformed.
        """
        values = dict(values or {})
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ParameterError(f"{self.name}: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(known) or 'none'}")
        terms: dict[str, ox.NamedNode | ox.Literal | list[ox.NamedNode | ox.Literal]] = {}
        for p in self.parameters:
            value = values.get(p.name)
            if value is not None and not isinstance(value, str):
                if not self.takes_many(p):
                    raise ParameterError(f"{self.name}: parameter {p.name!r} takes one value")
                many = [p.term(str(v)) for v in value]
                if many:
                    terms[p.name] = many
                    continue
                value = None
            if value in (None, ""):  # an empty value is a missing one: the default applies as when it is left out
                value = p.default
            if value in (None, ""):
                if p.required:
                    raise ParameterError(f"{self.name}: parameter {p.name!r} is required")
                continue
            terms[p.name] = p.term(str(value))
        return terms

    def takes_many(self, parameter: Parameter) -> bool:
        """Whether the parameter is an IRI documented with ``multiple: true`` (it then takes a list of IRIs)."""
        spec = (self.metadata.get("params") or {}).get(parameter.name) or {}
        return parameter.type == "iri" and bool(spec.get("multiple"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "summary": self.summary,
            "summary_sv": self.summary_sv,
            "description": self.description,
            "tags": list(self.tags),
            "parameters": [p.to_dict() for p in self.parameters],
            "file": self.path.name,
        }


def parse_query_file(path: Path) -> CatalogueQuery:
    """Read a ``.rq`` file with its ``#+`` YAML header.

    Raises:
        ValueError: the header is not YAML, or its ``params`` disagree with the query's variables
            (see :func:`declared_parameters`); the message names the file and each parameter.
    """
    raw = path.read_text(encoding="utf-8")
    header = "\n".join(line[2:].removeprefix(" ") for line in raw.splitlines() if line.startswith("#+"))
    try:
        meta = yaml.safe_load(header) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: the #+ header is not valid YAML: {exc}") from exc
    text = "\n".join(line for line in raw.splitlines() if not line.startswith("#+")).strip() + "\n"
    return CatalogueQuery(
        name=path.stem,
        path=path,
        summary=str(meta.get("summary", "")),
        summary_sv=str(meta.get("summary_sv", "")),
        description=str(meta.get("description", "")),
        tags=tuple(meta.get("tags") or ()),
        parameters=declared_parameters(path, meta.get("params"), text),
        text=text,
        metadata=meta,
    )


def declared_parameters(path: Path, declared: Any, text: str) -> tuple[Parameter, ...]:
    """The parameters of a query, in the order its text first uses them, checked against the header's ``params``.

    The variable is the contract (``?_org_iri``: ``org``, an IRI, required; ``?__years_integer``:
    ``years``, an integer, optional) and the declaration must say the same. Refused, each with the
    parameter's name: a variable with no declaration; a declaration no variable uses; a declaration
    without a ``type``, or with another type than the variable's; ``required`` other than the
    variable's ``_``/``__`` (a declaration without ``required`` is optional); one name written as two
    variables; ``enum``/``prefix``/``multiple`` on a parameter that is not an IRI; a ``default`` on a
    required parameter; a ``default`` or ``example`` the parameter itself would refuse (each IRI of a
    list example, for a parameter declared with ``multiple: true``); a list as default, or as example
    without ``multiple``.

    Args:
        path: the file (named in the messages).
        declared: the header's ``params`` (None when it has none).
        text: the query text.

    Raises:
        ValueError: every disagreement found, one per line, after the file's name.

    >>> declared_parameters(Path("q.rq"), {"years": {"type": "integer", "required": True}}, "SELECT * WHERE { BIND(?_years_integer AS ?y) }")[0].variable
    '_years_integer'
    >>> declared_parameters(Path("q.rq"), {"years": {"type": "string"}}, "SELECT * WHERE { BIND(?__years_integer AS ?y) }")
    Traceback (most recent call last):
    ...
    ValueError: q.rq: the #+ params do not fit the query:
      parameter 'years': declared type 'string', but the query's ?__years_integer makes it 'integer'
    """
    where = path.name if path.parent.name in ("", ".") else f"{path.parent.name}/{path.name}"
    if declared is None:
        declared = {}
    if not isinstance(declared, dict):
        raise ValueError(f"{where}: #+ params must map each parameter's name to its declaration, not {type(declared).__name__}")
    used: dict[str, list[tuple[str, bool, str]]] = {}  # name -> its variables (as written, required, type), first use first
    for m in VAR.finditer(text):
        form = (m.group(0)[1:], m.group(1) == "_", m.group(3))
        if form not in used.setdefault(m.group(2), []):
            used[m.group(2)].append(form)
    problems: list[str] = []
    params: list[Parameter] = []
    for name, forms in used.items():
        variable, required, type_ = forms[0]
        if len(forms) > 1:
            problems.append(f"parameter {name!r}: the query writes it as {' and '.join('?' + f[0] for f in forms)}; use one variable")
            continue
        if name not in declared:
            needs = "its type, and required: true" if required else "its type"
            problems.append(f"parameter {name!r}: the query's ?{variable} is not declared in #+ params (declare {needs})")
            continue
        spec = declared[name] if declared[name] is not None else {}
        if not isinstance(spec, dict):
            problems.append(f"parameter {name!r}: its declaration must be a mapping (type, required, description …), not {spec!r}")
            continue
        found = _declaration_problems(name, spec, variable=variable, required=required, type_=type_)
        if found:
            problems += found
            continue
        p = Parameter(
            name=name,
            type=type_,
            required=required,
            description=str(spec.get("description", "")),
            enum=tuple(str(e) for e in spec.get("enum") or ()),
            prefix=str(spec.get("prefix", "")),
            default=None if spec.get("default") is None else str(spec["default"]),
            example=None if spec.get("example") is None else str(_first(spec["example"])),
        )
        for key in ("default", "example"):
            given = spec.get(key)
            for value in given if isinstance(given, list) and spec.get("multiple") else [getattr(p, key)]:
                if value is not None:
                    try:
                        p.term(str(value))
                    except ParameterError as exc:
                        problems.append(f"parameter {name!r}: the {key} {value!r} is refused by the parameter itself ({exc})")
        params.append(p)
    for name in declared:
        if name not in used:
            problems.append(f"parameter {name!r}: declared in #+ params, but the query has no ?_{name}_<type> or ?__{name}_<type> variable")
    if problems:
        raise ValueError(f"{where}: the #+ params do not fit the query:\n" + "\n".join("  " + p for p in problems))
    return tuple(params)


def _declaration_problems(name: str, spec: dict[str, Any], *, variable: str, required: bool, type_: str) -> list[str]:
    """What in one parameter's declaration contradicts its variable ``?variable``."""
    problems = []
    declared_type = spec.get("type")
    if declared_type is None:
        problems.append(f"parameter {name!r}: the declaration gives no type; the query's ?{variable} makes it {type_!r}")
    elif declared_type != type_:
        problems.append(f"parameter {name!r}: declared type {declared_type!r}, but the query's ?{variable} makes it {type_!r}")
    declared_required = spec.get("required", False)
    if not isinstance(declared_required, bool):
        problems.append(f"parameter {name!r}: required must be true or false, not {declared_required!r}")
    elif declared_required != required:
        said, made = ("required", "optional") if declared_required else ("optional", "required")
        fix = f"?{variable[1:]}" if declared_required else f"?_{variable}"
        problems.append(f"parameter {name!r}: declared {said}, but the query's ?{variable} makes it {made} (write {fix}, or change the declaration)")
    for key in ("enum", "prefix", "multiple"):
        if spec.get(key) and type_ != "iri":
            problems.append(f"parameter {name!r}: {key} applies to IRI parameters only, and ?{variable} is {type_!r}")
    if spec.get("enum") is not None and not isinstance(spec["enum"], list):
        problems.append(f"parameter {name!r}: enum must be a list of names, not {spec['enum']!r}")
    if required and spec.get("default") is not None:
        problems.append(f"parameter {name!r}: a required parameter has no default (drop default, or make ?{variable} optional)")
    if isinstance(spec.get("default"), list):
        problems.append(f"parameter {name!r}: a default is one value, not a list")
    if isinstance(spec.get("example"), list) and not spec.get("multiple"):
        problems.append(f"parameter {name!r}: a list as example needs multiple: true")
    return problems


def _first(value: Any) -> Any:
    """A declaration's example, or the first of a list of them (``multiple: true``)."""
    return value[0] if isinstance(value, list) and value else value


@cache
def _load(folder: str) -> dict[str, CatalogueQuery]:
    return {p.stem: parse_query_file(p) for p in sorted(Path(folder).glob("*.rq"))}


def catalogue(root: Path | None = None) -> dict[str, CatalogueQuery]:
    """The catalogue queries (``queries/*.rq``, not the QC queries), by name."""
    return dict(_load(str((root or project_root()) / "queries")))


def get_query(name: str, root: Path | None = None) -> CatalogueQuery:
    """Raises: ParameterError when there is no such query."""
    queries = catalogue(root)
    if name not in queries:
        raise ParameterError(f"no query named {name!r}; see `mhkg queries`")
    return queries[name]


PREFIXES_NODE = ID + "dataset/mhkg/prefixes"
"""What the catalogue's executables point to with ``sh:prefixes``: the node that declares every predeclared prefix."""

SH = "http://www.w3.org/ns/shacl#"
XSD_ANY_URI = ox.NamedNode(XSD + "anyURI")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SPEX = "https://purl.expasy.org/sparql-examples/ontology#"  # SIB's own terms, for what SHACL lacks (DESCRIBE)
SIB_SCHEMA = "https://schema.org/"  # the convention writes schema.org with https
EXECUTABLES = {  # the query form -> (its class, the property holding its text)
    "SELECT": (SH + "SPARQLSelectExecutable", SH + "select"),
    "ASK": (SH + "SPARQLAskExecutable", SH + "ask"),
    "CONSTRUCT": (SH + "SPARQLConstructExecutable", SH + "construct"),
    "DESCRIBE": (SPEX + "SPARQLDescribeExecutable", SPEX + "describe"),
}


def prefix_declarations(subject: str = PREFIXES_NODE) -> list[ox.Triple]:
    """``subject sh:declare`` every predeclared prefix (:data:`api.vocab.PREDECLARED`), as SHACL declares prefixes.

    SHACL §5.2.1 ("Prefix Declarations for SPARQL Queries"): each ``sh:declare`` value has one ``sh:prefix`` (a
    string) and one ``sh:namespace`` (an ``xsd:anyURI`` literal). The declarations are IRIs
    (``…/dataset/mhkg/prefixes/<prefix>``), so the graph and the service description name the same nodes. No
    ``owl:imports sh:``, which the SIB files copy from the spec's example (w3c/data-shapes#240: it is not needed). The
    node is an ``owl:Ontology`` and each declaration a ``sh:PrefixDeclaration``, as in that example, so that every IRI of
    the project the graph refers to is described (``queries/qc/undeclared-term-violation.rq``).

    >>> [str(t.object) for t in prefix_declarations() if t.subject.value.endswith("/certainty") and t.predicate.value.startswith(SH)]
    ['"certainty"', '"https://w3id.org/mhkg/id/certainty/"^^<http://www.w3.org/2001/XMLSchema#anyURI>']
    >>> [str(t.object) for t in prefix_declarations() if t.subject.value.endswith("/certainty") and t.predicate.value.endswith("label")]
    ['"Prefixet certainty:"@sv', '"The prefix certainty:"@en']
    """
    node = ox.NamedNode(subject)
    described = subject == PREFIXES_NODE  # the declarations are described once, with the node of the graph
    out = [ox.Triple(node, RDF_TYPE, ox.NamedNode(OWL + "Ontology"))] if described else []  # as SHACL's example
    label = ox.NamedNode(RDFS + "label")
    for prefix, namespace in PREDECLARED.items():
        declaration = ox.NamedNode(f"{PREFIXES_NODE}/{prefix}")
        if described:
            out += [
                ox.Triple(declaration, RDF_TYPE, ox.NamedNode(SH + "PrefixDeclaration")),
                ox.Triple(declaration, label, ox.Literal(f"Prefixet {prefix}:", language="sv")),
                ox.Triple(declaration, label, ox.Literal(f"The prefix {prefix}:", language="en")),
            ]
        out += [
            ox.Triple(node, ox.NamedNode(SH + "declare"), declaration),
            ox.Triple(declaration, ox.NamedNode(SH + "prefix"), ox.Literal(prefix)),
            ox.Triple(declaration, ox.NamedNode(SH + "namespace"), ox.Literal(namespace, datatype=XSD_ANY_URI)),
        ]
    return out


def catalogue_triples(root: Path | None = None) -> list[ox.Triple]:
    """The catalogue as RDF, as the SIB sparql-examples convention writes a query (github.com/sib-swiss/sparql-examples,
    README "What it looks like"; read by their sparql-editor and sparql-examples-utils).

    Each query is ``…/id/query/<name>``: ``a sh:SPARQLExecutable, sh:SPARQLSelectExecutable`` (Ask, Construct; SIB's
    ``spex:SPARQLDescribeExecutable`` for DESCRIBE), its text as ``sh:select`` (``sh:ask`` …), ``rdfs:label`` per
    language, ``rdfs:comment`` its description (English only: there is no Swedish one, and SIB's editor lists an example once
    per comment), ``sh:prefixes`` the node that declares the predeclared prefixes
    (:func:`prefix_declarations`), ``schema:target`` the endpoint (the public IRI :data:`api.vocab.SPARQL_ENDPOINT`:
    a build knows no host) and ``schema:keywords`` its ``#+ tags``. The convention writes schema.org as
    ``https://schema.org/``, the project's ``schema:`` is ``http://schema.org/``: target and keywords are given in
    both, so that SIB's tools and a query with the predeclared ``schema:`` both find them.
    """
    rdfs = RDFS
    schemas = ("http://schema.org/", SIB_SCHEMA)
    prefixes = ox.NamedNode(PREFIXES_NODE)
    target = ox.NamedNode(SPARQL_ENDPOINT)
    out = [
        ox.Triple(prefixes, ox.NamedNode(rdfs + "label"), ox.Literal("Fördeklarerade prefix på SPARQL-ändpunkten", language="sv")),
        ox.Triple(prefixes, ox.NamedNode(rdfs + "label"), ox.Literal("Prefixes predeclared on the SPARQL endpoint", language="en")),
        *prefix_declarations(),
        ox.Triple(target, RDF_TYPE, ox.NamedNode("http://www.w3.org/ns/sparql-service-description#Service")),
        ox.Triple(target, ox.NamedNode(rdfs + "label"), ox.Literal("Kunskapsgrafens SPARQL-ändpunkt", language="sv")),
        ox.Triple(target, ox.NamedNode(rdfs + "label"), ox.Literal("The knowledge graph's SPARQL endpoint", language="en")),
    ]
    for q in catalogue(root).values():
        node = ox.NamedNode(f"{ID}query/{q.name}")
        kind, text = EXECUTABLES[q.kind]
        out += [
            ox.Triple(node, RDF_TYPE, ox.NamedNode(SH + "SPARQLExecutable")),
            ox.Triple(node, RDF_TYPE, ox.NamedNode(kind)),
            ox.Triple(node, ox.NamedNode(rdfs + "label"), ox.Literal(q.summary, language="en")),
            ox.Triple(node, ox.NamedNode(rdfs + "label"), ox.Literal(q.summary_sv or q.summary, language="sv")),
            ox.Triple(node, ox.NamedNode(rdfs + "comment"), ox.Literal(q.description or q.summary, language="en")),
            ox.Triple(node, ox.NamedNode(text), ox.Literal(q.text)),
            ox.Triple(node, ox.NamedNode(SH + "prefixes"), prefixes),
            ox.Triple(node, ox.NamedNode("http://purl.org/dc/terms/identifier"), ox.Literal(q.name)),
        ]
        for schema in schemas:
            out.append(ox.Triple(node, ox.NamedNode(schema + "target"), target))
            out += [ox.Triple(node, ox.NamedNode(schema + "keywords"), ox.Literal(tag)) for tag in q.tags]
    return out


SELECT_VARS = re.compile(r"\bSELECT\s+(?:DISTINCT\s+|REDUCED\s+)?(.*?)\bWHERE\b", re.IGNORECASE | re.DOTALL)


def projection(text: str) -> list[str]:
    """The variables a SELECT query projects, in order (empty for ``SELECT *``)."""
    m = SELECT_VARS.search(text)
    if not m:
        return []
    head = m.group(1)
    out: list[str] = []
    depth = 0
    token = ""
    for ch in head:
        depth += ch == "("
        depth -= ch == ")"
        token += ch
        if depth == 0 and (ch.isspace() or ch == ")"):
            found = re.findall(r"\bAS\s+\?(\w+)\s*\)$", token.strip(), re.IGNORECASE) or re.findall(r"^\?(\w+)$", token.strip())
            out += found
            token = ""
    found = re.findall(r"^\?(\w+)$", token.strip())
    return out + found


Index = Callable[[dict[str, Any]], list[dict[str, Any]]]
"""A query's answer without evaluating it: from the bound parameters (:meth:`CatalogueQuery.terms`) to its rows."""


class QueryRunner:
    """Runs catalogue queries on a store, caching results per (data version, query, parameters).

    A write to the store changes its data version, so a cached answer is never served for
    content it was not computed from.

    ``indexes`` answer some queries without evaluating them: query name → a function of the bound parameters
    (:meth:`CatalogueQuery.terms`) that gives the query's rows, kept up to date with the store by itself, such as
    :meth:`api.catalogue.measures.MeasuresIndex.rows` for ``committee-measures``. Their answers are not cached here.
    """

    def __init__(self, store: Any, *, root: Path | None = None, cache_size: int = 512, indexes: Mapping[str, Index] | None = None) -> None:
        self.store = store
        self.root = root
        self.indexes = dict(indexes or {})
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple, list[dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def run(self, name: str, params: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        """Rows of a catalogue query (SELECT), as dicts of pyoxigraph terms.

        Raises:
            ParameterError: unknown query or bad parameters.
        """
        query = get_query(name, self.root)
        index = self.indexes.get(name)
        if index is not None:
            return index(query.terms(params))
        text = query.bind(params)
        key = (self.store.data_version(), name, tuple(sorted((params or {}).items())))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                self.hits += 1
                return self._cache[key]
        rows = self.store.select(text)
        with self._lock:
            self.misses += 1
            self._cache[key] = rows
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return rows
