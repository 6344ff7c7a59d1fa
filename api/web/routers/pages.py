"""The committees' pages: server-rendered, Swedish by default (?lang=en), usable without JavaScript."""

from __future__ import annotations

import datetime
import urllib.parse
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import curation
from api.analysis import life_course_order
from api.catalogue import catalogue, get_query, projection
from api.catalogue.certainty import certainty_scale
from api.catalogue.internal import internal_query
from api.errors import InvalidParameterError, NotFoundError, ParameterError, QueryError, SubmissionRefused
from api.i18n import KIND_HEADINGS, KIND_ORDER, SEARCH_HEADINGS, as_map
from api.vocab import ID, PREFIXES, VOCAB, compact, iri
from api.web import views as data
from api.web.deps import ServiceState, client_of, get_state
from api.web.render import lang_of, measures_view, render
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
            return columns, [{k: compact(v.value) for k, v in r.items()} for r in rows], None
    except ExecutorError as exc:
        return [], [], exc.text(lang_of(request))
    except QueryError as exc:  # a remote store's answer: the server's own words
        return [], [], str(exc)
    if answer.kind == "graph":
        triples = list(ox.parse(input=answer.body, format=ox.RdfFormat.N_TRIPLES))
        return (
            ["subject", "predicate", "object"],
            [{"subject": compact(q.subject.value), "predicate": compact(q.predicate.value), "object": compact(q.object.value)} for q in triples],
            None,
        )
    data = json.loads(answer.body)
    if "boolean" in data:
        return ["boolean"], [{"boolean": str(data["boolean"]).lower()}], None
    columns = data["head"]["vars"]
    return columns, [{k: compact(v["value"]) for k, v in b.items()} for b in data["results"]["bindings"]], None


@router.get("/query", response_class=HTMLResponse)
async def query_page(request: Request, example: str | None = None, state: ServiceState = Depends(get_state)) -> HTMLResponse:
    text, error = "", None
    columns: list[str] = []
    rows: list[dict[str, str]] = []
    if example:
        try:
            q = get_query(example, state.root)
        except ParameterError:
            raise NotFoundError("query", example) from None
        defaults = {p.name: (p.default or _example_value(p.name)) for p in q.parameters if p.required or p.default}
        text = q.bind({k: v for k, v in defaults.items() if v})
        columns, rows, error = await _run_text(request, state, text)
    else:
        text = internal_query("query-page-example").text.rstrip("\n")
    return render(request, "query.html", catalogue=_examples(state), text=text, columns=columns, rows=rows, error=error)


def _examples(state: ServiceState) -> list[dict[str, Any]]:
    """The catalogue's queries, each with its summary as a language map."""
    return [{"name": q.name, "summary": {"sv": q.summary_sv or None, "en": q.summary}} for q in catalogue(state.root).values()]


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
    return render(request, "query.html", catalogue=_examples(state), text=query, columns=columns, rows=rows, error=error)


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
