"""The committees' pages: server-rendered, Swedish by default (?lang=en), usable without JavaScript."""

from __future__ import annotations

import datetime
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import curation
from api.analysis import life_course_order
from api.catalogue import CatalogueQuery, Parameter, catalogue, get_query, projection
from api.catalogue.certainty import certainty_scale
from api.catalogue.internal import internal_query
from api.errors import InvalidParameterError, NotFoundError, ParameterError, QueryError, SubmissionRefused
from api.i18n import KIND_HEADINGS, KIND_ORDER, SEARCH_HEADINGS, Bilingual, as_map, pick, text_map
from api.vocab import ID, PREFIXES, VOCAB, compact, iri
from api.web import views as data
from api.web.deps import ServiceState, client_of, get_state
from api.web.render import lang_of, local, measures_view, render
from api.web.views.pages import strategy

router = APIRouter(tags=["Pages"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def start(request: Request, q: str | None = None, state: ServiceState = Depends(get_state)) -> HTMLResponse:
    lang = lang_of(request)
    orgs = sorted(data.organisations(state), key=lambda o: _sort_key(o["label"].get(lang) or o["label_sv"] or ""))
    groups: list[tuple[dict[str, str], list[dict[str, Any]]]] = []
    for kind in KIND_ORDER:
        members = [o for o in orgs if o["kinds"][0] == kind]
        if members:
            groups.append((as_map(KIND_HEADINGS[kind]), members))
    found = data.search(state, q) if q else {}
    headings = {kind: as_map(SEARCH_HEADINGS[kind]) for kind in found}
    return render(request, "start.html", groups=groups, q=q, found=found, headings=headings)


SWEDISH_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}", "é": "e", "ü": "y"})
"""Swedish alphabetical order with plain string comparison: å, ä and ö after z (the code points right after z)."""


def _sort_key(name: str) -> str:
    """An organisation's name as a sort key in Swedish order (which also sorts English names correctly)."""
    return name.casefold().translate(SWEDISH_ORDER)


@router.get("/organisation")
def choose_organisation(request: Request, org: str) -> RedirectResponse:
    return RedirectResponse(f"/id/organisation/{urllib.parse.quote(org)}?lang={lang_of(request)}", status_code=303)


def _briefing(request: Request, state: ServiceState, org_id: str) -> dict[str, Any]:
    """What the briefing shows, for the page and the CSV: the organisation, its measures (as on its page, with the
    same filters), the findings without clear benefit, and the sources numbered in order of first use."""
    view = measures_view(request, state, org_id)
    org, page, cards = view["org"], view["page"], view["cards"]
    without = page["without"]
    order: list[str] = []
    for m in cards:
        order += [s for s in sorted(m["sources"]) if s not in order]
    for f in without:
        order += [s for s in sorted(f["sources"]) if s not in order]
    names = {**org["names"], **data.labels(state, [s for m in cards for s in m["life_stages"]])}
    return {
        "org": org,
        "groups": page["groups"],
        "summary": page["summary"],
        "without": without,
        "names": names,
        "sources": data.sources_info(state, order),
        "ref_order": order,
        "ref_numbers": {s: i + 1 for i, s in enumerate(order)},
        "levels": data.certainty_levels(state),
        "version": state.store.data_version(),
        "today": datetime.date.today().isoformat(),
        "permalink": str(request.url.replace(path="/id/organisation/" + org_id)),
        "drafts": view["drafts"],
    }


@router.get("/briefing/{org_id}.csv")
def briefing_csv(request: Request, org_id: str, state: ServiceState = Depends(get_state)) -> Response:
    """The briefing as CSV (UTF-8 with BOM, so that spreadsheet programs read the Swedish letters): one row per measure."""
    import csv
    import io

    from api.i18n import pick, t

    lang = lang_of(request)
    b = _briefing(request, state, org_id)
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out)
    w.writerow(
        [
            t("csv_responsibility", lang),
            t("measure", lang),
            t("certainty", lang),
            t("life_stages", lang),
            t("csv_draft", lang),
            t("because", lang),
            t("statement", lang),
            t("sources", lang),
            t("csv_page", lang),
        ]
    )
    scale = certainty_scale(state.store)
    for g in b["groups"]:
        for m in g["measures"]:
            w.writerow(
                [
                    pick(g["topic"], lang),
                    pick(m["label"], lang),
                    scale.label(m["certainty"], lang),
                    ", ".join(pick(b["names"].get(s, {}), lang) or s for s in life_course_order(m["life_stages"])),
                    t("csv_yes", lang) if m["draft_entries"] else "",
                    pick(m["justification"], lang),
                    pick(m["statement"], lang),
                    "; ".join(data.citation(b["sources"][s]) for s in sorted(m["sources"]) if s in b["sources"]),
                    str(request.url.replace(path="/id/intervention/" + m["id"], query="lang=" + lang)),
                ]
            )
    name = f"{org_id}-{b['today']}.csv"
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/briefing/{org_id}", response_class=HTMLResponse)
def briefing(request: Request, org_id: str, state: ServiceState = Depends(get_state)) -> HTMLResponse:
    return render(request, "briefing.html", **_briefing(request, state, org_id))


def _network(state: ServiceState) -> dict[str, Any]:
    """The collaboration network and its picture, computed once per data version."""
    return data.cached(state, "network", lambda: _draw_network(state))


def _draw_network(state: ServiceState) -> dict[str, Any]:
    """The network in both languages: its graph, what the page says about it, and its picture."""
    import tempfile

    from api.analysis import collaboration_network, communities, municipality_partners, sharing_rule
    from api.analysis.plotting import draw_network

    rule = sharing_rule(state.store)
    graphs = {lang: collaboration_network(state.store, lang=lang, rule=rule) for lang in ("sv", "en")}
    g = graphs["sv"]
    parts = communities(g)
    svgs, overlaps = {}, 0
    for lang, drawn in graphs.items():
        with tempfile.TemporaryDirectory() as tmp:
            files, n = draw_network(drawn, parts, Path(tmp) / "network", lang=lang)
            svgs[lang] = next(f for f in files if f.suffix == ".svg").read_text(encoding="utf-8")
        overlaps = max(overlaps, n)
    partners = municipality_partners(state.store, rule)
    views = {lang: _network_view(state, rule, graphs[lang], parts, partners, lang) for lang in graphs}
    return {"graph": g, "communities": parts, "svgs": svgs, "overlaps": overlaps, "partners": partners, "views": views}


def _network_view(state: ServiceState, rule: Any, g: Any, parts: list[list[str]], partners: dict[str, list[dict[str, Any]]], lang: str) -> dict[str, Any]:
    """What the network page says in ``lang``: the groups, what does not count, and the partners as phrases, the
    municipalities with the same partners together."""
    from api.analysis import labels, responsibility_phrase
    from api.i18n import t

    names = labels(state.store, lang)
    said = data.phrases(state)
    common = [
        t("network_generic_capacity", lang, capacity=names.get(c, c).lower(), count=k, total=rule.organisations)
        for c, k in sorted(rule.generic_capacities.items(), key=lambda x: -x[1])
    ]
    common += [
        t("network_common_pair", lang, what=responsibility_phrase([p], names, lang, said), count=k, total=rule.organisations)
        for p, k in sorted(rule.common_pairs.items(), key=lambda x: -x[1])
    ]
    import networkx as nx

    def node_name(n: str) -> str:
        """A dot of the picture by its label when it stands for one organisation or the municipalities, else by its members."""
        members = g.nodes[n]["members"]
        return g.nodes[n]["label"] if len(members) == 1 or set(members) <= set(partners) else ", ".join(sorted(names.get(m, m) for m in members))

    isolates = sorted(nx.isolates(g), key=node_name)
    same: dict[tuple[Any, ...], list[str]] = {}
    for m, ps in partners.items():
        same.setdefault(tuple((p["organisation"], tuple(p["shared"])) for p in ps), []).append(m)
    partner_groups = [
        {
            "municipalities": sorted(ms, key=lambda m: names.get(m, m)),
            "partners": [{"organisation": p["organisation"], "phrase": responsibility_phrase(p["shared"], names, lang, said)} for p in partners[ms[0]]],
        }
        for ms in sorted(same.values(), key=lambda ms: (-len(ms), ms))
    ]
    return {
        "groups": [[node_name(n) for n in part] for part in parts if not all(n in isolates for n in part)],
        "alone": [node_name(n) for n in isolates],
        "common": common,
        "total": rule.organisations,
        "left_out": sorted(names.get(o, o) for o in rule.left_out),
        "partner_groups": partner_groups,
        "all_same": len(partner_groups) == 1 and len(partners) > 1,
        "municipalities": len(partners),
        "names": names,
    }


@router.get("/network", response_class=HTMLResponse)
def network_page(request: Request, state: ServiceState = Depends(get_state)) -> HTMLResponse:
    view = _network(state)["views"][lang_of(request)]
    return render(request, "network.html", **view)


@router.get("/network.svg")
def network_svg(request: Request, state: ServiceState = Depends(get_state)) -> Response:
    return Response(_network(state)["svgs"][lang_of(request)], media_type="image/svg+xml")


@router.get("/explain/{org_id}/{iv_id}.svg")
def explanation_svg(org_id: str, iv_id: str, state: ServiceState = Depends(get_state)) -> Response:
    import tempfile

    from api.analysis import explain
    from api.analysis import labels as all_labels
    from api.analysis.plotting import draw_explanation

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
    codes = certainty_scale(state.store).codes
    if min_certainty not in codes:
        raise InvalidParameterError("one_of", name="min_certainty", choices=", ".join(codes))
    return render(request, "gaps.html", g=data.gaps(state, min_certainty))


@router.get("/strategy", response_class=HTMLResponse)
def strategy_page(request: Request, state: ServiceState = Depends(get_state)) -> HTMLResponse:
    return render(request, "strategy.html", **strategy(state))


Cell = dict[str, Any]
"""One cell of a results table: its ``text``, the ``href`` it links to (an IRI), the ``lang`` of a literal."""


@dataclass
class Ran:
    """What a query gave the page: the columns, the rows of cells, or the refusal (with the caret where there is one)."""

    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, Cell]] = field(default_factory=list)
    error: dict[str, str | None] | None = None


def _refused(exc: Bilingual, lang: str) -> dict[str, str | None]:
    """A refusal as the query pages show it: the message in the page's language and the offending line with its caret."""
    return {"text": exc.text(lang), "pointer": exc.pointer(), "lang": None}


def _link(iri: str) -> str | None:
    """Where a result's IRI links: our IRIs to their page on this host, other web IRIs as they are, anything else nowhere."""
    if iri.startswith(ID):
        return local(iri)
    return iri if iri.startswith(("http://", "https://")) else None


def _cell(kind: str, value: str, *, lang: str | None = None, label: str | None = None) -> Cell:
    """A table cell; a literal that is a list of our IRIs (a GROUP_CONCAT of them) links each of them."""
    if kind == "iri":
        return {"text": label or compact(value), "href": _link(value), "lang": None}
    if kind == "bnode":
        return {"text": "_:" + value, "href": None, "lang": None}
    words = value.split()
    if words and not lang and all(w.startswith(ID) for w in words):
        return {"text": value, "href": None, "lang": None, "links": [{"text": compact(w), "href": local(w)} for w in words]}
    return {"text": value, "href": None, "lang": lang}


def _labelled(columns: list[str], row: dict[str, tuple[str, str, str | None]], page_lang: str) -> dict[str, Cell]:
    """A row of (kind, value, language) as cells; an IRI shows the label the row carries for it, where it carries one.

    The catalogue's convention: the label of column ``x`` is ``x_sv``/``x_en`` (or ``x_label``); ``label_sv``/``label_en``
    belong to the column just before them.
    """
    owner = {}
    for i, c in enumerate(columns):
        if c.startswith("label_") and i > 0 and not columns[i - 1].startswith("label_"):
            owner[columns[i - 1]] = "label"
    cells: dict[str, Cell] = {}
    for c, (kind, value, lang) in row.items():
        label = None
        if kind == "iri":
            stem = owner.get(c, c)
            for key in (f"{stem}_{page_lang}", f"{stem}_en", f"{stem}_sv", f"{c}_label"):
                if key in row and row[key][0] == "literal" and row[key][1]:
                    label = row[key][1]
                    break
        cells[c] = _cell(kind, value, lang=lang if lang and lang != page_lang else None, label=label)
    return cells


def _term(term: Any) -> tuple[str, str, str | None]:
    """A pyoxigraph term as (kind, value, language)."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return "iri", term.value, None
    if isinstance(term, ox.BlankNode):
        return "bnode", term.value, None
    return "literal", term.value, getattr(term, "language", None)


def _json_term(value: dict[str, str]) -> tuple[str, str, str | None]:
    """A SPARQL JSON results term as (kind, value, language)."""
    kind = {"uri": "iri", "bnode": "bnode"}.get(value["type"], "literal")
    return kind, value["value"], value.get("xml:lang")


async def _run_text(request: Request, state: ServiceState, text: str) -> Ran:
    """Run a researcher's query the way /sparql does: the parse policy and the evaluation in a sandboxed worker."""
    import asyncio
    import json

    import pyoxigraph as ox

    from api.sparql.executor import ExecutorError, Job

    lang = lang_of(request)
    job = Job(text, results_format="application/sparql-results+json", graph_format="application/n-triples", base_iri=str(request.url_for("sparql_get")))
    try:
        answer = await state.executor.run(job, client=client_of(request))
        if answer.kind == "checked":  # a remote store: the policy accepted it, the server evaluates the text it parsed
            text = answer.body.decode()
            found = await asyncio.to_thread(state.store.select, text)
            columns = projection(text) or sorted({k for r in found for k in r})
            return Ran(columns, [_labelled(columns, {k: _term(v) for k, v in r.items()}, lang) for r in found])
    except ExecutorError as exc:
        return Ran(error=_refused(exc, lang))
    except QueryError as exc:  # a remote store's answer: the server's own words (in English)
        return Ran(error={"text": str(exc), "pointer": None, "lang": "en"})
    if answer.kind == "graph":
        triples = list(ox.parse(input=answer.body, format=ox.RdfFormat.N_TRIPLES))
        columns = ["subject", "predicate", "object"]
        return Ran(columns, [_labelled(columns, dict(zip(columns, map(_term, (q.subject, q.predicate, q.object)), strict=True)), lang) for q in triples])
    data = json.loads(answer.body)
    if "boolean" in data:
        return Ran(["boolean"], [{"boolean": _cell("literal", str(data["boolean"]).lower())}])
    columns = data["head"]["vars"]
    return Ran(columns, [_labelled(columns, {k: _json_term(v) for k, v in b.items()}, lang) for b in data["results"]["bindings"]])


@router.get("/query", response_class=HTMLResponse)
async def query_page(request: Request, example: str | None = None, state: ServiceState = Depends(get_state)) -> HTMLResponse:
    ran, text = Ran(), ""
    if example:
        try:
            q = get_query(example, state.root)
        except ParameterError:
            raise NotFoundError("query", example) from None
        defaults = {p.name: (p.default or p.example) for p in q.parameters if p.required or p.default}
        text = q.bind({k: v for k, v in defaults.items() if v})
        ran = await _run_text(request, state, text)
    else:
        text = internal_query("query-page-example").text.rstrip("\n")
    return render(request, "query.html", catalogue=_examples(state), text=text, ran=ran)


def _examples(state: ServiceState) -> list[dict[str, Any]]:
    """The catalogue's queries, each with its summary as a language map."""
    return [{"name": q.name, "summary": _summary(q)} for q in catalogue(state.root).values()]


def _summary(q: CatalogueQuery) -> dict[str, str | None]:
    return {"sv": q.summary_sv or None, "en": q.summary}


@router.post("/query", response_class=HTMLResponse)
async def query_run(request: Request, query: str = Form(...), state: ServiceState = Depends(get_state)) -> HTMLResponse:
    ran = await _run_text(request, state, query)
    return render(request, "query.html", catalogue=_examples(state), text=query, ran=ran)


# ------------------------------------------------------------------------------------------- one form per catalogue query
# /query/{name}: a plain GET form made from the query's typed #+ params, run by the QueryRunner as the REST operation
# /api/v1/queries/{name} runs it (the text is the catalogue's own and the values are bound as RDF terms, never as
# query text, so the parse policy has nothing to decide; and the page, its downloads and the API give the same rows
# from the same cache). The GET URL is the permalink.

PARAM_LABELS = {
    "org": text_map("param_org"),
    "setting": text_map("param_setting"),
    "life_stage": text_map("param_life_stage"),
    "area": text_map("param_area"),
    "sdg_target": text_map("param_sdg_target"),
    "direction": text_map("param_direction"),
    "min_certainty": text_map("param_min_certainty"),
    "min_status": text_map("param_min_status"),
    "effect": text_map("param_effect"),
    "years": text_map("param_years"),
    "entry": text_map("param_entry"),
    "outcome": text_map("param_outcome"),
    "intervention": text_map("param_intervention"),
    "consequence_area": text_map("param_consequence_area"),
}
"""What the form calls each parameter (a parameter not named here is called by its name)."""

REFUSED_VALUE = {
    "iri": "form_iri",
    "integer": "form_integer",
    "decimal": "form_decimal",
    "date": "form_date",
    "language": "form_language",
    "string": "form_string",
}
INPUT_TYPES = {"integer": "number", "decimal": "number", "date": "date", "iri": "url"}
CHOSEN_BY_NAME = {"intervention": "Intervention", "outcome": "Outcome"}
"""IRI parameters whose values are resources of a kind the form offers by name (besides organisations): the kind in
the IRI (``…/id/<kind>/…``, from the parameter's example) → the class of the ontology."""
DOWNLOADS = {"csv": "text/csv", "tsv": "text/tab-separated-values", "json": "application/sparql-results+json"}


def _kind_of(p: Parameter) -> str | None:
    """The kind of resource an IRI parameter takes, read from its example (``…/id/organisation/…`` → ``organisation``)."""
    if p.type != "iri" or p.enum or not (p.example or "").startswith(ID):
        return None
    return (p.example or "")[len(ID) :].split("/", 1)[0]


def _choices(state: ServiceState, q: CatalogueQuery) -> dict[str, list[dict[str, Any]]]:
    """The choices of each parameter that has them (computed once per data version): value and label (a language map)."""
    return data.cached(state, ("query-form-choices", q.name), lambda: _compute_choices(state, q))


def _compute_choices(state: ServiceState, q: CatalogueQuery) -> dict[str, list[dict[str, Any]]]:
    from api.catalogue.internal import internal
    from api.vocab import VOCAB

    out: dict[str, list[dict[str, Any]]] = {}
    for p in q.parameters:
        kind = _kind_of(p)
        if p.type == "iri" and p.enum:  # the concept's label from the graph, in the header's order (which is meaningful)
            names = data.labels(state, [p.prefix + e for e in p.enum])
            out[p.name] = [{"value": e, "label": names.get(p.prefix + e) or {"": e}} for e in p.enum]
        elif kind == "organisation":
            out[p.name] = [{"value": o["iri"], "label": o["label"]} for o in data.organisations(state)]
        elif kind in CHOSEN_BY_NAME:
            rows = state.store.select(internal("resources-of-class", {"class": VOCAB + CHOSEN_BY_NAME[kind], "namespace": ID + kind + "/"}))
            out[p.name] = [
                {"value": r["x"].value, "label": {k: r[k].value for k in ("sv", "en") if r.get(k) is not None} or {"": compact(r["x"].value)}} for r in rows
            ]
    return out


def _field(p: Parameter, value: str, options: list[dict[str, Any]] | None, lang: str, error: str | None) -> dict[str, Any]:
    """One control of the form: its label, the input type or the options (sorted by name for resources), what is chosen."""
    label = PARAM_LABELS.get(p.name) or {"": p.name}
    field_: dict[str, Any] = {
        "name": p.name,
        "label": label,
        "required": p.required,
        "default": p.default,
        "description": {"en": p.description} if p.description else None,
        "value": value,
        "error": error,
        "type": INPUT_TYPES.get(p.type, "text"),
        "step": "1" if p.type == "integer" else "any" if p.type == "decimal" else None,
        "placeholder": p.example if not options and p.example else None,
        "options": None,
    }
    if options is not None:
        choices = [{"value": o["value"], "label": pick(o["label"], lang) or o["value"]} for o in options]
        if not p.enum:
            choices.sort(key=lambda o: _sort_key(o["label"]))
        field_["options"] = choices
    return field_


def _check(p: Parameter, value: str, name: str) -> InvalidParameterError | None:
    """Why the form refuses a value (a bilingual message naming the field ``name``), or None when the parameter takes it."""
    if not value:
        return InvalidParameterError("form_required", name=name) if p.required and not p.default else None
    if p.enum and value not in p.enum:
        return InvalidParameterError("form_choice", name=name, value=value)
    try:
        p.term(value)
    except ParameterError:
        return InvalidParameterError(REFUSED_VALUE.get(p.type, "form_string"), name=name, value=value)
    return None


def _form_values(request: Request, q: CatalogueQuery) -> dict[str, str]:
    """The values the request gives the query's parameters (empty for the ones it leaves out); other parameters are not read."""
    return {p.name: request.query_params.get(p.name, "").strip() for p in q.parameters}


def _query_or_404(state: ServiceState, name: str) -> CatalogueQuery:
    try:
        return get_query(name, state.root)
    except ParameterError:
        raise NotFoundError("query", name) from None


def _run_values(values: dict[str, str]) -> dict[str, str]:
    """The values to bind: the ones given (a parameter left empty takes its default, as in the API)."""
    return {k: v for k, v in values.items() if v}


@router.get("/query/{name}.{ext}")
async def query_form_download(request: Request, name: str, ext: str, state: ServiceState = Depends(get_state)) -> Response:
    """The rows of the form's query as a file (CSV, TSV or SPARQL JSON), with the same values as the page."""
    import asyncio

    from api.web.negotiation import results_response

    q = _query_or_404(state, name)
    if ext not in DOWNLOADS:
        raise NotFoundError("page", request.url.path)
    values = _form_values(request, q)
    problem = next((e for p in q.parameters if (e := _check(p, values[p.name], p.name))), None)
    if problem is not None:
        raise problem  # the error page (422) in the page's language
    rows = await asyncio.to_thread(state.runner.run, q.name, _run_values(values))
    answer = results_response(projection(q.text), rows, DOWNLOADS[ext])
    answer.headers["Content-Disposition"] = f'attachment; filename="{q.name}.{ext}"'
    return answer


@router.get("/query/{name}", response_class=HTMLResponse)
async def query_form(request: Request, name: str, state: ServiceState = Depends(get_state)) -> HTMLResponse:
    """The form of one catalogue query, its SPARQL text, its permalink and, once the required values are given, its rows."""
    import asyncio

    q = _query_or_404(state, name)
    lang = lang_of(request)
    choices = await asyncio.to_thread(_choices, state, q)
    values = _form_values(request, q)
    given = any(values.values()) or "run" in request.query_params  # a form sent (a first visit asks for nothing yet)
    refusals = {p.name: _check(p, values[p.name], pick(PARAM_LABELS.get(p.name) or {"": p.name}, lang)) for p in q.parameters}
    said = {name: e.text(lang) for name, e in refusals.items() if e is not None and given}
    problems = [{"field": name, "text": text} for name, text in said.items()]
    fields = [_field(p, values[p.name] or (p.default or ""), choices.get(p.name), lang, said.get(p.name)) for p in q.parameters]
    ready = not any(refusals.values())
    ran, text = Ran(), q.text
    if ready:
        text = q.bind(_run_values(values))
        found = await asyncio.to_thread(state.runner.run, q.name, _run_values(values))
        columns = projection(q.text) or sorted({k for r in found for k in r})
        ran = Ran(columns, [_labelled(columns, {k: _term(v) for k, v in r.items()}, lang) for r in found])
    chosen = [(k, v) for k, v in values.items() if v]
    link = urllib.parse.urlencode([("lang", lang), *chosen])
    page = render(
        request,
        "query_form.html",
        q=q,
        summary=_summary(q),
        description={"en": q.description} if q.description else None,
        fields=fields,
        problems=problems,
        ran=ran if ready else None,
        text=text,
        permalink=str(request.url.replace(query=link)),
        downloads={ext: f"/query/{q.name}.{ext}?{link}" for ext in DOWNLOADS},
        api=f"/api/v1/queries/{q.name}" + ("?" + urllib.parse.urlencode(chosen) if chosen else ""),
    )
    if problems:
        page.status_code = 422
    return page


EXAMPLE_ENTRY = f"""@prefix mh: <{VOCAB}> .
@prefix rdfs: <{PREFIXES["rdfs"]}> .
@prefix ev: <{iri("evidence", "")}> .
@prefix iv: <{iri("intervention", "")}> .
@prefix src: <{iri("source", "")}> .

ev:my-new-entry a mh:EvidenceEntry ;
    rdfs:label "Min nya post"@sv , "My new entry"@en ;
    mh:intervention iv:school-sel ;
    mh:citesSource src:durlak-2011 .
"""


def _workflow_texts() -> dict[str, dict[str, dict[str, str]]]:
    """The names of the curation statuses and the confirmations of the workflow's steps, in both languages."""
    from api.i18n import text_map

    return {
        "status": {
            "draft": text_map("status_draft"),
            "reviewed": text_map("status_reviewed"),
            "published": text_map("status_published"),
            "retracted": text_map("status_retracted"),
        },
        "done": {
            "submit": text_map("step_done_submit"),
            "approve": text_map("step_done_approve"),
            "publish": text_map("step_done_publish"),
            "retract": text_map("step_done_retract"),
            "revise": text_map("step_done_revise"),
        },
    }


def _queue(state: ServiceState) -> dict[str, list[dict[str, Any]]]:
    waiting = curation.review_queue(state.root)
    return {status: [e for e in waiting if e["status"] == status] for status in ("draft", "reviewed")}


@router.get("/curation", response_class=HTMLResponse)
def curation_page(request: Request, state: ServiceState = Depends(get_state)) -> HTMLResponse:
    return _curation(request, state, EXAMPLE_ENTRY)


@router.get("/curation/{slug}", response_class=HTMLResponse)
def review_page(request: Request, slug: str, done: str | None = None, state: ServiceState = Depends(get_state)) -> HTMLResponse:
    """One entry under review: its status, what changed against the previous version, every step, and the
    reviewer's form (their token, a note, approve / publish / retract), which needs no script."""
    return _review(request, state, slug, done=done if done in curation.workflow.ACTIONS else None)  # NotFoundError: the 404 page


def _review(request: Request, state: ServiceState, slug: str, *, done: str | None = None, problem: dict[str, Any] | None = None) -> HTMLResponse:
    """The review page of an entry as it is now, with a confirmation or a refusal."""
    entry = curation.entry_state(slug, root=state.root)
    return render(request, "review.html", entry=entry, done=done, problem=problem, texts=_workflow_texts())


@router.post("/curation/submit", response_class=HTMLResponse)
async def submit_form(request: Request, entry: str = Form(...), token: str = Form(""), state: ServiceState = Depends(get_state)) -> Response:
    """A curator's submission from the curation page (no script): a new draft, then its review page (303)."""
    from api.errors import AccessError, ConflictError, EntryNotConformingError, KnowledgeSyntaxError
    from api.web.errors import status_of
    from api.web.steps import submit_as

    lang = lang_of(request)
    try:
        person = state.people.require(f"Bearer {token}" if token else None, curation.CURATOR)
        curation.writable(state.store)  # before the text is parsed
        done = await submit_as(state, curation.parse_entry(entry.encode(), "text/turtle"), person)
    except KnowledgeSyntaxError as exc:
        return _curation(request, state, entry, syntax=_syntax(exc), status=400)
    except EntryNotConformingError as exc:
        return _curation(request, state, entry, report=exc.report, status=422)
    except (AccessError, ConflictError, SubmissionRefused) as exc:
        return _curation(request, state, entry, syntax=_refusal(exc.text(lang)), status=status_of(exc) or 400)
    return RedirectResponse(f"/curation/{done.iri.rsplit('/', 1)[-1]}?lang={lang}&done=submit", status_code=303)


@router.post("/curation/{slug}/revise", response_class=HTMLResponse)
async def revise_form(
    request: Request, slug: str, entry: str = Form(...), token: str = Form(""), etag: str = Form(""), state: ServiceState = Depends(get_state)
) -> Response:
    """A curator's new version of an entry from its review page (no script): back to draft, then its page (303)."""
    from api.errors import KnowledgeSyntaxError

    try:
        triples = curation.parse_entry(entry.encode(), "text/turtle")
    except KnowledgeSyntaxError as exc:
        page = _review(request, state, slug, problem={"text": f"{exc.detail} ({exc.line}:{exc.column})", "report": None})
        page.status_code = 400
        return page
    return await _form_step(request, state, slug, "revise", token=token, etag=etag, note="", triples=triples, role=curation.CURATOR)


@router.post("/curation/{slug}", response_class=HTMLResponse)
async def review_step(
    request: Request,
    slug: str,
    token: str = Form(""),
    action: str = Form(...),
    etag: str = Form(""),
    note: str = Form(""),
    state: ServiceState = Depends(get_state),
) -> Response:
    """The reviewer's form: the same step as the JSON API, then back to the entry's page (303) or the page with the refusal."""
    return await _form_step(request, state, slug, action, token=token, etag=etag, note=note, triples=None, role=curation.REVIEWER)


async def _form_step(
    request: Request, state: ServiceState, slug: str, action: str, *, token: str, etag: str, note: str, triples: list[Any] | None, role: str
) -> Response:
    from api.errors import AccessError, ConflictError, EntryNotConformingError, PreconditionFailedError, PreconditionRequiredError
    from api.web.errors import status_of
    from api.web.steps import take_step

    lang = lang_of(request)
    try:
        person = state.people.require(f"Bearer {token}" if token else None, role)
        await take_step(state, slug, action, person=person, if_match=etag, note=note, triples=triples)
    except (AccessError, ConflictError, PreconditionFailedError, PreconditionRequiredError, SubmissionRefused, InvalidParameterError) as exc:
        problem = {"text": exc.text(lang), "report": exc.report if isinstance(exc, EntryNotConformingError) else None}
        page = _review(request, state, slug, problem=problem)
        page.status_code = status_of(exc) or 400
        return page
    return RedirectResponse(f"/curation/{slug}?lang={lang}&done={action}", status_code=303)


@router.post("/curation", response_class=HTMLResponse)
def curation_check(request: Request, entry: str = Form(...), state: ServiceState = Depends(get_state)) -> HTMLResponse:
    import pyoxigraph as ox

    from api.errors import KnowledgeSyntaxError
    from api.knowledge.loader import parse_text

    try:
        triples = parse_text(entry, ox.RdfFormat.TURTLE, name="entry")
    except KnowledgeSyntaxError as exc:
        return _curation(request, state, entry, syntax=_syntax(exc))
    try:
        report = curation.validate_triples(triples, validator=state.validator, context=state.repository).to_dict()
    except SubmissionRefused as exc:
        return _curation(request, state, entry, syntax=_refusal(exc.text(lang_of(request))))
    return _curation(request, state, entry, report=report)


def _curation(
    request: Request, state: ServiceState, text: str, *, report: dict[str, Any] | None = None, syntax: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """The curation page with the visitor's text, its report or the reason it was refused, and the review queue."""
    page = render(request, "curation.html", text=text, report=report, syntax=syntax, queue=_queue(state))
    page.status_code = status
    return page


def _syntax(exc: Any) -> dict[str, Any]:
    """Where a Turtle text does not parse (a KnowledgeSyntaxError), as the curation page shows it."""
    return {"line": exc.line, "column": exc.column, "message": exc.detail}


def _refusal(message: str) -> dict[str, Any]:
    """A refusal that is not about a line of the text, in the same place on the page."""
    return {"line": "-", "column": "-", "message": message}
