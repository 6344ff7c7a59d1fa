"""The Pydantic models of the REST API under /api/v1: its pages and records, the SPARQL results of the
catalogue operations, and one query-parameter model per catalogue query (``queries/*.rq``).

FastAPI builds the OpenAPI from these models. A catalogue query's model is made from its ``#+``
header (see :mod:`api.catalogue`): integers are integers, decimals numbers, dates dates, an
enumeration a list of names (the IRI under the parameter's prefix is accepted too), every other IRI
a string of ``format: iri``. A value is checked by the catalogue's own parameter (the binder's
rules, so the API refuses exactly what binding would refuse), then bound as its lexical form.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, create_model

from api.catalogue import CatalogueQuery, Parameter
from api.errors import ParameterError

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    total: int
    offset: int
    limit: int
    items: list[T]


class OrganisationSummary(BaseModel):
    iri: str
    id: str
    label_sv: str
    label_en: str
    kinds: list[str]


class ScopePair(BaseModel):
    setting: str | None
    life_stage: str


class ResponsibilityModel(BaseModel):
    iri: str
    label_sv: str | None
    label_en: str | None
    role: str | None = Field(description="The capacity (a concept of the organisational-roles scheme) in which the organisation holds it")
    settings: list[str]
    life_stages: list[str]
    pairs: list[ScopePair] = Field(
        description="The (setting, life stage) pairs it really covers; a pair without a setting covers every setting (governing level)"
    )
    levels: list[str]
    basis_sv: str | None
    basis_en: str | None


class OrganisationDetail(OrganisationSummary):
    responsibilities: list[ResponsibilityModel]


class Findings(BaseModel):
    beneficial: int
    no_clear_effect: int
    mixed: int
    harmful: int


class Measure(BaseModel):
    intervention: str
    id: str
    label_sv: str | None
    label_en: str | None
    best_certainty: str | None = Field(description="GRADE certainty IRI of the best evidence of the chosen effect")
    certainty: str
    entries: int = Field(description="Matching entries of the chosen effect (default beneficial)")
    findings: Findings = Field(description="All matching findings on the intervention in the remit, by effect, whatever the chosen effect")
    drafts: int = Field(description="How many of the matching entries are drafts (0 unless min_status=draft)")
    best_entry: str | None = Field(description="The entry the best certainty comes from")
    certainty_basis: str | None = Field(
        description="Who rated that certainty: the source (certainty-basis/reported-by-source) or the curator (certainty-basis/curator-judgement)"
    )
    certainty_rationale_sv: str | None
    certainty_rationale_en: str | None
    capacities: list[str] = Field(description="The capacities in which the organisation's matching responsibilities can apply it")
    justification_sv: str | None = Field(description="Which responsibility, in which capacity, for which life stages and settings")
    justification_en: str | None
    responsibilities: list[str]
    sources: list[str]


class NoClearBenefit(BaseModel):
    intervention: str
    id: str
    label_sv: str | None
    label_en: str | None
    entry: str
    outcome: str | None
    effect: str | None = Field(description="effect/no-clear-effect, effect/mixed or effect/harmful")
    certainty: str | None
    certainty_basis: str | None
    draft: bool
    sources: list[str]
    capacities: list[str]


class Entry(BaseModel):
    entry: str | None
    outcome: str | None
    effect: str | None
    certainty: str | None
    design: str | None
    status: str | None
    source: str | None
    source_label: str | None
    year: str | None
    statement_sv: str | None
    statement_en: str | None


class InterventionDetail(BaseModel):
    iri: str
    id: str
    label_sv: str | None
    label_en: str | None
    definition_sv: str | None
    definition_en: str | None
    settings: list[str]
    life_stages: list[str]
    levels: list[str]
    directions: list[str]
    areas: list[str]
    sdg_targets: list[str]
    entries: list[Entry]


class Resource(BaseModel):
    iri: str
    id: str
    label_sv: str | None = None
    label_en: str | None = None


class SourceModel(BaseModel):
    iri: str
    id: str
    label: str | None
    title: str | None
    authors: str | None
    year: str | None
    venue: str | None
    doi: str | None
    url: str | None
    status: str | None


class GapCell(BaseModel):
    setting: str
    life_stage: str
    entries: int
    best_certainty: str | None
    gap: bool


# ---------------------------------------------------------------------------- SPARQL results (the catalogue's answers)
def _never_null(schema: dict[str, Any]) -> None:
    """Document an optional value as its type alone: absent when missing, never ``null``.

    Pydantic writes ``X | None`` as ``anyOf: [X, {type: null}]`` with ``default: null``; a query
    parameter that is left out, or a binding key that is absent, is not a null.
    """
    alternatives = schema.get("anyOf")
    if alternatives and {"type": "null"} in alternatives:
        rest = [a for a in alternatives if a != {"type": "null"}]
        del schema["anyOf"]
        if len(rest) == 1:
            schema.update(rest[0])
        else:
            schema["anyOf"] = rest
    if "default" in schema and schema["default"] is None:
        del schema["default"]


def _never_null_iri(schema: dict[str, Any]) -> None:
    """As :func:`_never_null`, for an IRI (``format: iri``)."""
    _never_null(schema)
    schema["format"] = "iri"


class SparqlTerm(BaseModel):
    """One RDF term of a solution (SPARQL 1.1 Query Results JSON Format, §3.2.2)."""

    model_config = ConfigDict(populate_by_name=True)

    type: Literal["uri", "literal", "bnode"] = Field(description="uri, literal or bnode")
    value: str = Field(description="The IRI, the literal's lexical form, or the blank node's label")
    xml_lang: str | None = Field(None, alias="xml:lang", description="The literal's language tag, when it has one", json_schema_extra=_never_null)
    datatype: str | None = Field(
        None,
        description="The literal's datatype IRI, when it is neither a plain string nor language-tagged",
        json_schema_extra=_never_null_iri,
    )


class SparqlHead(BaseModel):
    vars: list[str] = Field(description="The variables of the answer, in the query's order")


class SparqlBindings(BaseModel):
    bindings: list[dict[str, SparqlTerm]] = Field(description="One solution per row; a variable with no value is absent from its row")


class SparqlResults(BaseModel):
    """The answer of a catalogue query: SPARQL 1.1 Query Results JSON (also offered as CSV and TSV)."""

    head: SparqlHead
    results: SparqlBindings


# ---------------------------------------------------------------------------- catalogue query parameters
class CatalogueParameters(BaseModel):
    """The base of every catalogue query's parameter model; unknown query parameters are ignored, as before."""

    model_config = ConfigDict(extra="ignore")

    def values(self) -> dict[str, str]:
        """The given values as the text the binder takes (an integer's digits, a date's ISO form …)."""
        return {name: lexical(value) for name, value in self if value is not None}


def lexical(value: object) -> str:
    """A typed parameter value as the text :meth:`api.catalogue.CatalogueQuery.bind` binds.

    >>> lexical(Decimal("1.50")), lexical(dt.date(2024, 1, 31)), lexical(10), lexical("x")
    ('1.50', '2024-01-31', '10', 'x')
    """
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


INTEGER_LIMIT = 10**18 - 1  # the binder takes up to 18 digits
_SCALARS: dict[str, Any] = {
    "integer": Annotated[int, Field(ge=-INTEGER_LIMIT, le=INTEGER_LIMIT)],
    "decimal": Annotated[Decimal, WithJsonSchema({"type": "number"})],
    "date": dt.date,
    "string": str,
    "iri": str,
    "language": str,  # a language tag (the binder checks it)
}

_TYPED: dict[str, Any] = {"integer": int, "decimal": Decimal, "date": dt.date.fromisoformat}  # a header's text as the field's type
_JSON: dict[str, Any] = {"integer": int, "decimal": float}  # ... and as a JSON value of the schema (a date is its ISO text)


def _checked(p: Parameter) -> BeforeValidator:
    """Before the type: an empty value is a missing one (as in binding), a value the binder refuses a validation error,
    and an enumeration's full IRI its name."""

    def check(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if value == "" and not p.required:
            return None  # the default applies, as when the parameter is left out
        if p.enum and p.prefix and value.startswith(p.prefix) and value[len(p.prefix) :] in p.enum:
            return value[len(p.prefix) :]
        try:
            p.term(value)
        except ParameterError as exc:
            raise ValueError(str(exc)) from None
        return value

    return BeforeValidator(check)


def _description(p: Parameter) -> str | None:
    parts = [p.description if p.description.endswith((".", "?", "!")) else p.description + "."] if p.description else []
    if p.enum and p.prefix:
        parts.append(f"A name from the list, or the full IRI {p.prefix}<name>.")
    elif p.prefix:
        parts.append(f"An IRI, or a name relative to {p.prefix}.")
    return " ".join(parts) or None


def parameter_field(p: Parameter) -> tuple[Any, Any]:
    """The annotation and default of one catalogue parameter's field (for :func:`pydantic.create_model`)."""
    kind: Any = Literal[p.enum] if p.type == "iri" and p.enum else _SCALARS[p.type]
    extra: dict[str, Any] = {}
    if p.type == "iri" and not p.enum and not p.prefix:
        extra["format"] = "iri"
    if p.example is not None and not p.enum:
        extra["examples"] = [_JSON.get(p.type, str)(p.example)]
    if p.required:
        return Annotated[kind, _checked(p), Field(description=_description(p), json_schema_extra=extra or None)], ...
    default = None if p.default is None else _TYPED.get(p.type, str)(p.default)  # checked by the catalogue at load

    def schema(s: dict[str, Any]) -> None:
        _never_null(s)
        s.update(extra)

    return Annotated[kind | None, _checked(p), Field(default, description=_description(p), json_schema_extra=schema)], default


def _model_name(name: str) -> str:
    """``committee-measures`` → ``CommitteeMeasuresQuery``."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name) if part) + "Query"


def query_model(q: CatalogueQuery) -> type[CatalogueParameters]:
    """The query-parameter model of one catalogue query: one field per parameter, typed from its header.

    >>> from pathlib import Path
    >>> q = CatalogueQuery("x", Path("x.rq"), "", "", "", (), (Parameter("years", "integer", True),), "SELECT * WHERE { }")
    >>> query_model(q)(years="10").values()
    {'years': '10'}
    """
    fields = {p.name: parameter_field(p) for p in q.parameters}
    return create_model(_model_name(q.name), __base__=CatalogueParameters, __doc__=q.summary or None, **fields)  # type: ignore[call-overload]
