"""Every query is in a file: each ``queries/**/*.rq`` parses (Oxigraph and rdflib), and no SPARQL text is left in ``api/``.

The check on the code decides by parsing, not by keywords: a string constant of ``api/**/*.py`` (docstrings
aside) fails when Oxigraph accepts it as a query, or as an update that does something. F-strings, ``%`` and
``.format`` templates and ``+`` chains are tried with placeholders where their values go.
"""

from __future__ import annotations

import ast
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib.plugins.sparql.processor import prepareQuery, prepareUpdate

from api.catalogue import CatalogueQuery, Parameter, catalogue, catalogue_triples, declared_parameters, parse_query_file
from api.catalogue.certainty import certainty_scale
from api.catalogue.internal import INTERNAL, internal, internal_queries, text_query
from api.errors import ParameterError
from api.knowledge.qc import qc_queries
from api.store import EmbeddedStore
from api.vocab import ID, PREFIXES

ROOT = Path(__file__).resolve().parents[2]
QUERY_FILES = sorted((ROOT / "queries").rglob("*.rq"))
UPDATES = {"INSERT", "DELETE", "WITH", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD"}
PLACEHOLDERS = ("<urn:x>", "x", '"x"', "1", "?x")
BASE = "urn:base:"  # relative IRIs (``<{slug}>`` filled in) parse too


# ---------------------------------------------------------------------------- the files
def examples(q: CatalogueQuery) -> dict[str, Any] | None:
    """Each parameter's documented example (else its default); None when a required one has neither."""
    spec = q.metadata.get("params") or {}
    values: dict[str, Any] = {}
    for p in q.parameters:
        value = (spec.get(p.name) or {}).get("example", p.default)
        if value is None and p.required:
            return None
        if value is not None:
            values[p.name] = value if isinstance(value, list) else str(value)
    return values


def bound_text(q: CatalogueQuery) -> str:
    values = examples(q)
    return q.bind(values) if values is not None else q.text


@pytest.mark.parametrize("path", QUERY_FILES, ids=[str(p.relative_to(ROOT / "queries")) for p in QUERY_FILES])
def test_every_query_file_parses_in_oxigraph_and_rdflib(path: Path) -> None:
    q = parse_query_file(path)
    text = bound_text(q)
    store = ox.Store()  # empty: evaluating parses the text and costs nothing
    if q.kind in UPDATES:
        store.update(text, prefixes=PREFIXES)
        prepareUpdate(text, initNs=PREFIXES)
    else:
        result = store.query(text, prefixes=PREFIXES)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
        prepareQuery(text, initNs=PREFIXES)


def test_there_are_query_files_of_each_kind() -> None:
    folders = {p.parent.name for p in QUERY_FILES}
    assert {"queries", "qc", "internal"} <= folders
    assert len(internal_queries()) >= 40


def test_internal_queries_document_themselves() -> None:
    for name, q in internal_queries().items():
        assert q.summary, name
        spec = q.metadata.get("params") or {}
        for p in q.parameters:
            assert p.name in spec, f"{name}: parameter {p.name} undocumented"
            if p.required:
                assert "example" in spec[p.name], f"{name}: required parameter {p.name} has no example"
            if spec[p.name].get("multiple"):
                assert q.takes_many(p), f"{name}: only an IRI parameter takes many values ({p.name})"


def test_internal_queries_are_not_published() -> None:
    names = set(internal_queries())
    assert names and not names & set(catalogue())
    assert len(catalogue()) == len(list((ROOT / "queries").glob("*.rq")))
    published = {str(getattr(t.object, "value", "")) for t in catalogue_triples() if t.predicate.value == "http://purl.org/dc/terms/identifier"}
    assert published == set(catalogue())
    assert all(p.parent.name == "qc" for p in qc_queries())


def test_internal_queries_are_read_from_the_package_not_from_mhkg_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHKG_HOME", str(tmp_path))
    assert INTERNAL == ROOT / "queries" / "internal"
    assert "triple-count" in internal_queries()
    assert catalogue() == {}  # the catalogue does follow MHKG_HOME


# ---------------------------------------------------------------------------- the binder's list and language parameters
def test_a_list_parameter_binds_each_iri_as_a_row() -> None:
    iris = [ID + "setting/home", ID + "setting/work", ID + "setting/home"]
    assert "VALUES ?_resource_iri { " + " ".join(f"<{i}>" for i in iris) + " }" in internal("labels", {"resource": iris})
    q = text_query("probe", "SELECT ?_x_iri WHERE { }", [Parameter("x", "iri", True)], multiple=["x"])
    got = [s["_x_iri"].value for s in ox.Store().query(q.bind({"x": iris}))]  # type: ignore[union-attr]
    assert got == iris  # one row per IRI, in order, repeated ones too


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(["https://x.org/a> } ; DROP ALL ; #"], id="closing-bracket"),
        pytest.param([ID + "setting/home", "not an iri"], id="one-bad-among-good"),
        pytest.param([ID + "setting/home", "} UNION { ?s ?p ?o"], id="group-syntax"),
    ],
)
def test_each_iri_of_a_list_is_checked(value: list[str]) -> None:
    with pytest.raises(ParameterError, match="is not an IRI"):
        internal("labels", {"resource": value})


def test_a_list_is_refused_where_one_value_is_expected_and_an_empty_list_is_missing() -> None:
    with pytest.raises(ParameterError, match="takes one value"):
        internal("describe", {"resource": [ID + "setting/home", ID + "setting/work"]})
    with pytest.raises(ParameterError, match="is required"):
        internal("labels", {"resource": []})


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        pytest.param({"type": "string", "required": True, "multiple": True}, "multiple applies to IRI parameters only", id="multiple-on-a-string"),
        pytest.param({"type": "iri", "required": True, "example": [ID + "setting/home", "not an iri"]}, "needs multiple: true", id="list-without-multiple"),
        pytest.param(
            {"type": "iri", "required": True, "multiple": True, "example": [ID + "setting/home", "not an iri"]},
            "'not an iri' is refused",
            id="each-example-checked",
        ),
        pytest.param({"type": "language", "required": True, "example": "s v"}, "is not a language tag", id="language-example"),
    ],
)
def test_the_header_check_at_load_covers_lists_and_languages(spec: dict[str, Any], problem: str) -> None:
    variable = "?_x_string" if spec["type"] == "string" else "?_x_language" if spec["type"] == "language" else "?_x_iri"
    with pytest.raises(ValueError, match=problem):
        declared_parameters(Path("q.rq"), {"x": spec}, f"SELECT * WHERE {{ BIND({variable} AS ?y) }}")
    ok = {k: v for k, v in spec.items() if k not in ("example", "multiple")} | {"multiple": True, "example": [ID + "setting/home"]}
    if spec["type"] == "iri":
        assert [p.name for p in declared_parameters(Path("q.rq"), {"x": ok}, f"SELECT * WHERE {{ BIND({variable} AS ?y) }}")] == ["x"]


@pytest.mark.parametrize(("value", "bound"), [("sv", '"sv"'), ("EN", '"en"'), ("sv-FI", '"sv-fi"')])
def test_a_language_parameter_binds_a_tag(value: str, bound: str) -> None:
    assert f"BIND({bound} AS ?_lang_language)" in internal("ontology-terms", {"lang": value})


@pytest.mark.parametrize("value", ['sv") || true || ("', "s v", "", "sv@en", "123456789"])
def test_a_language_parameter_refuses_what_is_not_a_tag(value: str) -> None:
    with pytest.raises(ParameterError, match="required|not a language tag"):
        internal("ontology-terms", {"lang": value})


def test_a_language_parameter_selects_by_language(store: EmbeddedStore) -> None:
    for lang in ("sv", "en"):
        rows = store.select(internal("definition-in-language", {"resource": ID + "goal/strategy-target-picture", "lang": lang}))
        assert rows and {getattr(r["d"], "language", None) for r in rows} == {lang}


# ---------------------------------------------------------------------------- the certainty scale
def test_the_certainty_scale_is_read_from_the_scheme_in_the_graph(store: EmbeddedStore) -> None:
    import rdflib

    g = rdflib.Graph().parse(ROOT / "ontology" / "vocabularies" / "certainty.ttl")
    skos, mh = rdflib.Namespace(PREFIXES["skos"]), rdflib.Namespace(PREFIXES["mh"])
    expected = sorted(
        ((str(g.value(c, skos.notation)), int(str(g.value(c, mh.certaintyRank))), str(c)) for c in g.subjects(skos.inScheme, None)), key=lambda x: -x[1]
    )
    scale = certainty_scale(store)
    assert [(lv.code, lv.rank, lv.iri) for lv in scale] == expected
    for level in scale:
        for lang in ("sv", "en"):
            assert level.label(lang) == str(next(o for o in g.objects(rdflib.URIRef(level.iri), skos.prefLabel) if getattr(o, "language", None) == lang))
    assert scale.code(max(r for _, r, _ in expected)) == expected[0][0]


def test_a_changed_scheme_changes_the_scale_and_the_best_certainty(built) -> None:
    """Nothing in the code or the catalogue knows the levels: add a level above "high" and the answers follow."""
    from api.catalogue import get_query

    _, real, _ = built
    s = EmbeddedStore()
    s.add_triples(real.triples())
    org, iv = ID + "organisation/trafiknamnden", ID + "intervention/suicide-hotspot-means-restriction"
    before = certainty_scale(s)
    s.update(f"""
        INSERT DATA {{
          <{ID}certainty/exceptional> a mh:CertaintyLevel ; skos:inScheme <{ID}scheme/certainty> ; skos:notation "exceptional" ;
            mh:certaintyRank {before.levels[0].rank + 1} ; skos:prefLabel "Exceptionell"@sv , "Exceptional"@en .
        }} ;
        DELETE {{ ?e mh:certainty ?c }} INSERT {{ ?e mh:certainty <{ID}certainty/exceptional> }}
        WHERE {{ ?e a mh:EvidenceEntry ; mh:intervention <{iv}> ; mh:certainty ?c }}""")
    after = certainty_scale(s)
    assert after.codes == ["exceptional", *before.codes]
    assert after.label("exceptional", "sv") == "Exceptionell" and after.label("exceptional", "en") == "Exceptional"
    rows = s.select(get_query("committee-measures").bind({"org": org}))
    assert rows[0]["intervention"].value == iv and rows[0]["best_certainty"].value == ID + "certainty/exceptional"
    ranks = {lv.iri: lv.rank for lv in after}
    assert all(ranks[r["best_certainty"].value] == int(r["best_rank"].value) for r in rows)


# ---------------------------------------------------------------------------- no SPARQL text in the code
def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                out.add(id(first.value))
    return out


Pieces = list[str | None]
"""A string the code writes: its literal parts, and None where a value goes."""


def _pieces(node: ast.AST) -> list[Pieces]:
    """The ways to read a string expression (plain, or as a ``%`` or ``.format`` template); empty if it is none."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
        out: list[Pieces] = [[text]]
        if "%s" in text:
            parts: Pieces = []
            for i, part in enumerate(text.split("%s")):
                parts += [None, part] if i else [part]
            out.append(parts)
        if "{" in text:
            try:
                out.append([x for literal, field, _, _ in string.Formatter().parse(text) for x in (literal, None if field is not None else "")])
            except ValueError:
                pass
        return out
    if isinstance(node, ast.JoinedStr):
        return [[v.value if isinstance(v, ast.Constant) else None for v in node.values]]  # type: ignore[misc]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _pieces(node.left), _pieces(node.right)
        if not left and not right:
            return []
        return [a + b for a in (left or [[None]]) for b in (right or [[None]])]
    return []


def _filled(pieces: Pieces) -> Iterator[str]:
    """The text with each value replaced: by what fits where it stands (a name inside ``<…>``, quotes or a prefixed
    name; an IRI elsewhere), then by each placeholder everywhere."""
    text = ""
    for p in pieces:
        text += p if p is not None else ("x" if text and (text[-1] in "<\"':/#_-" or text[-1].isalnum()) else "<urn:x>")
    yield text
    for placeholder in PLACEHOLDERS:
        yield "".join(p if p is not None else placeholder for p in pieces)


def _candidates(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every string the code writes, filled in, with its line (docstrings left out)."""
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if id(node) not in skip:
            for pieces in _pieces(node):
                for text in _filled(pieces):
                    yield node.lineno, text  # type: ignore[attr-defined]


_EMPTY = ox.Store()


def _parses(text: str, *, update: bool = False) -> bool:
    try:
        if update:
            _EMPTY.update(text, prefixes=PREFIXES, base_iri=BASE)  # nothing to change in an empty store
        else:
            _EMPTY.query(text, prefixes=PREFIXES, base_iri=BASE)
    except (SyntaxError, ValueError, OSError):
        return False
    return True


def is_sparql(text: str) -> bool:
    """Whether Oxigraph reads ``text`` as a query, or as an update with at least one operation.

    Oxigraph reads blanks, comments, ``;`` and a prologue (``PREFIX``/``BASE``) alone as an update with no
    operation; such a text makes a query of the smallest one put after it.
    """
    if _parses(text):
        return True
    return _parses(text, update=True) and not _parses(text.replace(";", " ") + "\nASK {}")


def sparql_in_source(source: str) -> list[tuple[int, str]]:
    """The lines and texts of ``source``'s strings that are SPARQL (docstrings aside)."""
    found = {}
    for line, text in _candidates(ast.parse(source)):
        if line not in found and is_sparql(text):
            found[line] = text
    return sorted(found.items())


def test_no_sparql_text_in_the_code() -> None:
    found = []
    for path in sorted((ROOT / "api").rglob("*.py")):
        for line, text in sparql_in_source(path.read_text(encoding="utf-8")):
            found.append(f"{path.relative_to(ROOT)}:{line}: {' '.join(text.split())[:100]}")
    assert not found, "SPARQL in Python; move it to queries/internal/:\n" + "\n".join(found)


PLANTED = '''
def f(store, iri, lang):
    """An example in a docstring is allowed: SELECT ?x WHERE { ?x ?p ?o }"""
    label = "Select a committee"  # prose
    empty = ""
    colour = "#ffffff"  # a comment, for a SPARQL parser
    a = store.select(f"SELECT ?x WHERE {{ <{iri}> ?p ?x FILTER(LANG(?x) = '{lang}') }}")
    b = store.ask("ASK {}")
    c = store.update("INSERT { ?x a ?y } " + "WHERE { ?x a ?z }")
    d = store.construct("CONSTRUCT { ?s ?p ?o } WHERE { VALUES ?s { %s } ?s ?p ?o }" % iri)
    e = store.select("SELECT ?x WHERE {{ VALUES ?x {{ {} }} }}".format(iri))
    g = store.select("SELECT ?c (COUNT(*) AS ?n) WHERE { ?x a ?c . "
                     f"FILTER(STRSTARTS(STR(?c), '{iri}')) }} GROUP BY ?c")
'''


def test_the_check_on_the_code_can_fail() -> None:
    """Each way of writing a query in Python is found; docstrings, prose, empty strings and comments are not."""
    found = sparql_in_source(PLANTED)
    assert [line for line, _ in found] == [7, 8, 9, 10, 11, 12]
    assert not is_sparql("") and not is_sparql("#ffffff") and not is_sparql("Select a committee")
    assert not is_sparql(";") and not is_sparql(" ; # a comment") and not is_sparql("PREFIX mh: <https://w3id.org/mhkg/ontology#>\n")


def test_the_files_hold_what_the_code_used_to_write(store: EmbeddedStore) -> None:
    """A query moved from the code still answers: the organisations, the triple count, the existence check."""
    assert len(store.select(internal("organisations"))) >= 40
    assert store.count() == len(store.triples())
    assert store.ask(internal("resource-exists", {"resource": ID + "organisation/trafiknamnden"}))
    assert not store.ask(internal("resource-exists", {"resource": ID + "organisation/no-such-organisation"}))
