"""The committees' pages: server-rendered, Swedish by default (?lang=en), usable without JavaScript."""

from __future__ import annotations

import urllib.parse
from collections import OrderedDict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api import curation
from api.analysis import life_course_order
from api.catalogue import catalogue, get_query, projection
from api.errors import CurationError, InvalidParameterError, NotFoundError, ParameterError, QueryError
from api.i18n import CERTAINTY, KIND_ORDER, t
from api.vocab import ID, ONTOLOGY_IRI, PREFIXES, VOCAB
from api.web import views as data
from api.web.deps import ServiceState, client_of, get_state

router = APIRouter(tags=["Pages"], include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
COMPACT = sorted({**PREFIXES, "id": ID}.items(), key=lambda kv: -len(kv[1]))


def lang_of(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "sv"


def short(iri: str) -> str:
    for p, ns in COMPACT:
        if iri.startswith(ns):
            return f"{p}:{iri[len(ns) :]}"
    return iri


def label(names: dict[str, str], lang: str) -> str:
    return names.get(lang) or names.get("en") or names.get("sv") or names.get("") or ""


def render(request: Request, template: str, **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    query = dict(request.query_params)
    query["lang"] = "en" if lang == "sv" else "sv"
    switch_url = request.url.path + "?" + urllib.parse.urlencode(query)
    helpers = {
        "lang": lang,
        "t": lambda key: t(key, lang),
        "switch_url": switch_url,
        "short": short,
        "label": label,
        "short_id": data.slug,
        "certainty_label": lambda c: (CERTAINTY.get(c, (c, c))[1 if lang == "en" else 0]) if c else "",
        "citation": data.citation,
        "ordered_stages": life_course_order,
        "local": lambda iri: iri.replace("https://w3id.org/mhkg", "", 1),
    }
    return templates.TemplateResponse(request, template, {**helpers, **context})


@router.get("/", response_class=HTMLResponse)
def start(request: Request, q: str | None = None, state: ServiceState = Depends(get_state)) -> HTMLResponse:
    lang = lang_of(request)
    orgs = data.organisations(state)
    groups: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    for kind in KIND_ORDER:
        members = [o for o in orgs if o["kinds"][0] == kind]
        if members:
            groups[data.KINDS[kind][1 if lang == "en" else 0]] = members
    found = data.organisations(state, q=q) if q else []
    return render(request, "start.html", groups=list(groups.items()), q=q, found=found)


@router.get("/organisation")
def choose_organisation(request: Request, org: str) -> RedirectResponse:
    return RedirectResponse(f"/id/organisation/{urllib.parse.quote(org)}?lang={lang_of(request)}", status_code=303)


def organisation_page(request: Request, state: ServiceState, org_id: str) -> HTMLResponse:
    """The organisation's page; its HTML is kept per data version, language and path (the most visited page)."""
    if set(request.query_params) - {"lang"}:  # the page links back with every parameter: keep only the plain ones
        return _organisation_page(request, state, org_id)
    key = ("organisation-page", org_id, lang_of(request), request.url.path)
    return HTMLResponse(data.cached(state, key, lambda: bytes(_organisation_page(request, state, org_id).body)))


def _organisation_page(request: Request, state: ServiceState, org_id: str) -> HTMLResponse:
    org = data.organisation(state, org_id)
    if org is None:
        raise NotFoundError("organisation", org_id)
    groups = data.measure_details(state, org_id)
    entry_ids = [e for items in groups.values() for m in items for e in m["entries"]]
    names = {**data.labels(state, [k for pair in groups for k in pair]), **data.labels(state, entry_ids)}
    srcs = data.sources_info(state, [s for items in groups.values() for m in items for s in m["sources"]])
    return render(request, "organisation.html", org=org, groups=groups, names=names, sources=srcs)


@router.get("/briefing/{org_id}", response_class=HTMLResponse)
def briefing(request: Request, org_id: str, state: ServiceState = Depends(get_state)) -> HTMLResponse:
    org = data.organisation(state, org_id)
    if org is None:
        raise NotFoundError("organisation", org_id)
    measures = data.measures(state, org_id)
    order: list[str] = []
    for m in measures:
        order += [s for s in m["sources"] if s not in order]
    return render(
        request,
        "briefing.html",
        org=org,
        measures=measures,
        sources=data.sources_info(state, order),
        ref_order=order,
        ref_numbers={s: i + 1 for i, s in enumerate(order)},
    )


def resource_page(request: Request, state: ServiceState, iri: str) -> HTMLResponse:
    kind, _, rest = iri.removeprefix(ID).partition("/")
    if kind == "organisation" and "/" not in rest:
        return organisation_page(request, state, rest)
    if kind == "intervention":
        iv = data.intervention(state, rest)
        if iv is None:
            raise NotFoundError("intervention", rest)
        return render(request, "intervention.html", iv=iv)
    ref = data.ref_or_404(iri)
    rows = state.store.select(f"SELECT ?p ?o WHERE {{ {ref} ?p ?o }} ORDER BY ?p")
    if not rows:
        raise NotFoundError("resource", iri)
    lang = lang_of(request)
    names = data.labels(state, [iri])
    table = []
    for r in rows:
        o = r["o"]
        if getattr(o, "language", None) not in (None, "", lang):
            continue
        link = (
            o.value.replace("https://w3id.org/mhkg", "", 1)
            if o.value.startswith(ID)
            else (o.value if o.value.startswith("http") and r["o"].__class__.__name__ == "NamedNode" else None)
        )
        table.append((short(r["p"].value), short(o.value) if r["o"].__class__.__name__ == "NamedNode" else o.value, link))
    concepts = []
    if kind == "scheme":
        for c in state.store.select(f"""SELECT ?c ?l ?d ?b WHERE {{ ?c skos:inScheme {ref} ; skos:prefLabel ?l . FILTER(LANG(?l) = "{lang}")
                OPTIONAL {{ ?c skos:definition ?d FILTER(LANG(?d) = "{lang}") }} OPTIONAL {{ ?c skos:broader ?b }} }} ORDER BY ?c"""):
            concepts.append({"iri": c["c"].value, "label": c["l"].value, "definition": data._v(c, "d"), "broader": data._v(c, "b")})
    cite = None
    if kind == "source":
        info = data.sources_info(state, [iri]).get(iri)
        cite = data.citation(info) if info else None
    return render(request, "resource.html", iri=iri, title=label(names.get(iri, {}), lang) or short(iri), rows=table, concepts=concepts, citation_text=cite)


def ontology_page(request: Request, state: ServiceState) -> HTMLResponse:
    lang = lang_of(request)
    rows = state.store.select(f"""SELECT ?x ?kind ?l ?d (GROUP_CONCAT(DISTINCT STR(?e); separator=" ") AS ?extra) WHERE {{
        ?x a ?kind . VALUES ?kind {{ owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty }}
        FILTER(STRSTARTS(STR(?x), "{VOCAB}"))
        ?x rdfs:label ?l . FILTER(LANG(?l) = "{lang}") OPTIONAL {{ ?x skos:definition ?d FILTER(LANG(?d) = "{lang}") }}
        OPTIONAL {{ ?x rdfs:subClassOf|rdfs:range ?e . FILTER(isIRI(?e)) }} }} GROUP BY ?x ?kind ?l ?d ORDER BY ?kind ?x""")
    heads = {
        "Class": t("classes", lang),
        "ObjectProperty": "Object properties",
        "DatatypeProperty": "Datatype properties",
        "AnnotationProperty": "Annotation properties",
    }
    sections: OrderedDict[str, list[dict[str, str]]] = OrderedDict((h, []) for h in heads.values())
    for r in rows:
        sections[heads[r["kind"].value.rsplit("#", 1)[-1]]].append(
            {
                "name": r["x"].value[len(VOCAB) :],
                "label": r["l"].value,
                "definition": data._v(r, "d") or "",
                "extra": ", ".join(short(e) for e in (data._v(r, "extra") or "").split()),
            }
        )
    title = "Ontologi: kunskapsgraf för psykisk hälsa" if lang == "sv" else "Ontology: Mental Health Knowledge Graph"
    return render(request, "ontology.html", sections=[(h, i) for h, i in sections.items() if i], title=title, ontology=ONTOLOGY_IRI)


def shapes_page(request: Request, state: ServiceState) -> HTMLResponse:
    import rdflib

    lang = lang_of(request)
    g = state.validator.shapes_graph
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    items = []
    for shape in sorted(set(g.subjects(sh.name, None)), key=str):

        def text(pred: rdflib.URIRef, shape: rdflib.term.Node = shape) -> str:
            return next((str(o) for o in g.objects(shape, pred) if getattr(o, "language", None) == lang), "")

        severity = g.value(shape, sh.severity)
        path = g.value(shape, sh.path)
        extra = (str(severity).rsplit("#", 1)[-1] if severity else "") + (" · " + short(str(path)) if path else "")
        items.append({"name": str(shape).rsplit("#", 1)[-1], "label": text(sh.name), "definition": text(sh.description), "extra": extra})
    title = "Former (SHACL)" if lang == "sv" else "Shapes (SHACL)"
    return render(request, "ontology.html", sections=[(title, items)], title=title, ontology="https://w3id.org/mhkg/shapes")


def _network(state: ServiceState) -> dict[str, Any]:
    """The collaboration network and its picture, computed once per data version."""
    return data.cached(state, "network", lambda: _draw_network(state))


def _draw_network(state: ServiceState) -> dict[str, Any]:
    import tempfile

    from api.analysis import collaboration_network, communities, draw_network, municipality_partners

    g = collaboration_network(state.store)
    parts = communities(g)
    with tempfile.TemporaryDirectory() as tmp:
        files, overlaps = draw_network(g, parts, Path(tmp) / "network")
        svg = next(f for f in files if f.suffix == ".svg").read_text(encoding="utf-8")
    return {"graph": g, "communities": parts, "svg": svg, "overlaps": overlaps, "partners": municipality_partners(state.store)}


@router.get("/network", response_class=HTMLResponse)
def network_page(request: Request, state: ServiceState = Depends(get_state)) -> HTMLResponse:
    net = _network(state)
    g = net["graph"]
    groups = [[g.nodes[n]["label"] for n in part] for part in net["communities"]]
    names = data.labels(
        state,
        list(net["partners"])
        + [p["organisation"] for ps in net["partners"].values() for p in ps]
        + [x for ps in net["partners"].values() for p in ps for pair in p["shared"] for x in pair],
    )
    return render(request, "network.html", groups=groups, partners=net["partners"], names=names)


@router.get("/network.svg")
def network_svg(state: ServiceState = Depends(get_state)) -> Response:
    return Response(_network(state)["svg"], media_type="image/svg+xml")


@router.get("/explain/{org_id}/{iv_id}.svg")
def explanation_svg(org_id: str, iv_id: str, state: ServiceState = Depends(get_state)) -> Response:
    import tempfile

    from api.analysis import draw_explanation, explain
    from api.analysis import labels as all_labels

    try:
        paths = explain(state.store, state.runner, ID + "organisation/" + org_id, ID + "intervention/" + iv_id)
    except ParameterError:  # an id that makes no valid IRI names nothing
        paths = []
    if not paths:
        raise NotFoundError("measure", iv_id, key="not_a_measure", org=org_id)
    with tempfile.TemporaryDirectory() as tmp:
        files = draw_explanation(paths, all_labels(state.store, "sv"), Path(tmp) / "explanation")
        svg = next(f for f in files if f.suffix == ".svg").read_text(encoding="utf-8")
    return Response(svg, media_type="image/svg+xml")


@router.get("/gaps", response_class=HTMLResponse)
def gaps_page(request: Request, min_certainty: str = "low", state: ServiceState = Depends(get_state)) -> HTMLResponse:
    if min_certainty not in CERTAINTY:
        raise InvalidParameterError("one_of", name="min_certainty", choices=", ".join(CERTAINTY))
    return render(request, "gaps.html", g=data.gaps(state, min_certainty))


@router.get("/strategy", response_class=HTMLResponse)
def strategy_page(request: Request, state: ServiceState = Depends(get_state)) -> HTMLResponse:
    lang = lang_of(request)
    rows = state.runner.run("strategy-structure")
    schemes: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    scheme_names = data.labels(state, [r["scheme"].value for r in rows])
    for r in rows:
        name = label(scheme_names.get(r["scheme"].value, {}), lang)
        schemes.setdefault(name, []).append(
            {"label": r[f"label_{lang}"].value, "definition": r[f"definition_{lang}"].value, "quotation": data._v(r, "quotation")}
        )
    target = state.store.select(f"""SELECT ?d WHERE {{ <{ID}goal/strategy-target-picture> skos:definition ?d FILTER(LANG(?d) = "{lang}") }}""")
    costs = []
    for c in state.runner.run("cost-figures"):
        amount = f"{float(c['amount'].value) / 1e9:g}" if "amount" in c else f"{float(c['min_amount'].value) / 1e9:g}–{float(c['max_amount'].value) / 1e9:g}"
        unit = "miljarder kronor" if lang == "sv" else "billion SEK"
        year = f" ({c['year'].value})" if "year" in c else ""
        costs.append(f"{amount} {unit}{year}: {c['label_en'].value}" + (f" [{c['reference'].value}]" if "reference" in c else ""))
    from api.analysis import indicator_coverage

    return render(
        request,
        "strategy.html",
        schemes=list(schemes.items()),
        target=target[0]["d"].value if target else "",
        costs=costs,
        indicators=indicator_coverage(state.store, lang=lang),
    )


async def _run_text(request: Request, state: ServiceState, text: str) -> tuple[list[str], list[dict[str, str]], str | None]:
    """Run a researcher's query the way /sparql does: the parse policy and the evaluation in a sandboxed worker."""
    import asyncio
    import json

    import pyoxigraph as ox

    from api.sparql.executor import ExecutorError, Job

    job = Job(text, results_format="application/sparql-results+json", graph_format="application/n-triples", base_iri=str(request.url_for("sparql_get")))
    try:
        answer = await state.executor.run(job, client=client_of(request))
        if answer.kind == "checked":  # a remote store: the policy accepted it, the server evaluates the text it parsed
            text = answer.body.decode()
            rows = await asyncio.to_thread(state.store.select, text)
            columns = projection(text) or sorted({k for r in rows for k in r})
            return columns, [{k: short(v.value) for k, v in r.items()} for r in rows], None
    except ExecutorError as exc:
        return [], [], exc.text(lang_of(request))
    except QueryError as exc:  # a remote store's answer: the server's own words
        return [], [], str(exc)
    if answer.kind == "graph":
        triples = list(ox.parse(input=answer.body, format=ox.RdfFormat.N_TRIPLES))
        return (
            ["subject", "predicate", "object"],
            [{"subject": short(q.subject.value), "predicate": short(q.predicate.value), "object": short(q.object.value)} for q in triples],
            None,
        )
    data = json.loads(answer.body)
    if "boolean" in data:
        return ["boolean"], [{"boolean": str(data["boolean"]).lower()}], None
    columns = data["head"]["vars"]
    return columns, [{k: short(v["value"]) for k, v in b.items()} for b in data["results"]["bindings"]], None


@router.get("/query", response_class=HTMLResponse)
async def query_page(request: Request, example: str | None = None, state: ServiceState = Depends(get_state)) -> HTMLResponse:
    text, columns, rows, error = "", [], [], None
    if example:
        try:
            q = get_query(example)
        except ParameterError:
            raise NotFoundError("query", example) from None
        defaults = {p.name: (p.default or _example_value(p.name)) for p in q.parameters if p.required or p.default}
        text = q.bind({k: v for k, v in defaults.items() if v})
        columns, rows, error = await _run_text(request, state, text)
    else:
        text = 'SELECT ?org ?label WHERE {\n  ?org a mh:Committee ; rdfs:label ?label .\n  FILTER(LANG(?label) = "sv")\n}\nORDER BY ?label'
    return render(request, "query.html", catalogue=list(catalogue().values()), text=text, columns=columns, rows=rows, error=error)


def _example_value(name: str) -> str | None:
    return {
        "org": ID + "organisation/trafiknamnden",
        "setting": ID + "setting/education",
        "intervention": ID + "intervention/housing-first",
        "years": "10",
    }.get(name)


@router.post("/query", response_class=HTMLResponse)
async def query_run(request: Request, query: str = Form(...), state: ServiceState = Depends(get_state)) -> HTMLResponse:
    columns, rows, error = await _run_text(request, state, query)
    return render(request, "query.html", catalogue=list(catalogue().values()), text=query, columns=columns, rows=rows, error=error)


EXAMPLE_ENTRY = """@prefix mh: <https://w3id.org/mhkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ev: <https://w3id.org/mhkg/id/evidence/> .
@prefix iv: <https://w3id.org/mhkg/id/intervention/> .
@prefix src: <https://w3id.org/mhkg/id/source/> .

ev:my-new-entry a mh:EvidenceEntry ;
    rdfs:label "Min nya post"@sv , "My new entry"@en ;
    mh:intervention iv:school-sel ;
    mh:citesSource src:durlak-2011 .
"""


@router.get("/curation", response_class=HTMLResponse)
def curation_page(request: Request) -> HTMLResponse:
    return render(request, "curation.html", text=EXAMPLE_ENTRY, report=None, syntax=None)


@router.post("/curation", response_class=HTMLResponse)
def curation_check(request: Request, entry: str = Form(...), state: ServiceState = Depends(get_state)) -> HTMLResponse:
    import pyoxigraph as ox

    from api.errors import KnowledgeSyntaxError
    from api.knowledge.loader import parse_text

    try:
        triples = parse_text(entry, ox.RdfFormat.TURTLE, name="entry")
    except KnowledgeSyntaxError as exc:
        return render(request, "curation.html", text=entry, report=None, syntax={"line": exc.line, "column": exc.column, "message": exc.detail})
    try:
        report = curation.validate_triples(triples, validator=state.validator, context=state.repository).to_dict()
    except CurationError as exc:
        return render(request, "curation.html", text=entry, report=None, syntax={"line": "-", "column": "-", "message": exc.text(lang_of(request))})
    return render(request, "curation.html", text=entry, report=report, syntax=None)
