"""The pages' Jinja environment, set up once, and the pages that more than one router serves.

Every template gets the page's language (``lang``; ``other_lang`` and ``switch_url`` for the switch), asks
for interface text with ``t("key")`` and takes the page's language from a language map with ``| pick`` (both
from :mod:`api.i18n`); ``| number`` writes a number as the page's language does. No template branches on the
language. A page is English with ``?lang=en`` and Swedish otherwise (no cookie, no Accept-Language).

Linked data (``/id/…``, ``/ontology``, ``/shapes``) answers browsers with :func:`resource_page`,
:func:`ontology_page` and :func:`shapes_page`.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from api import i18n
from api.analysis import LIFE_COURSE, life_course_order
from api.catalogue.certainty import certainty_scale
from api.errors import NotFoundError
from api.vocab import BASE_IRI, ID, ONTOLOGY_IRI, compact, slug
from api.web import views as data
from api.web.deps import ServiceState, get_state
from api.web.views import pages as page_data

TEMPLATES = Path(__file__).resolve().parent / "templates"
SHAPES_IRI = BASE_IRI + "shapes"


def lang_of(request: Request) -> str:
    """The page's language: "en" for ``?lang=en``, else "sv"."""
    return "en" if request.query_params.get("lang") == "en" else "sv"


def local(iri: str) -> str:
    """The path of one of our IRIs on this site (any other IRI unchanged).

    >>> local(ID + "setting/home"), local("http://example.org/x")
    ('/id/setting/home', 'http://example.org/x')
    """
    return iri.replace(BASE_IRI.rstrip("/"), "", 1)


@jinja2.pass_context
def _t(context: jinja2.runtime.Context, key: str, **params: object) -> str:
    return i18n.t(key, context["lang"], **params)


@jinja2.pass_context
def _pick(context: jinja2.runtime.Context, value: Any) -> Any:
    return i18n.pick(value, context["lang"])


@jinja2.pass_context
def _pick_marked(context: jinja2.runtime.Context, value: Any) -> Markup | str:
    """A text of a language map in the page's language; where only another language has it, in a ``<span lang>``
    so that screen readers pronounce it right (WCAG 3.1.2)."""
    text, code = i18n.pick_tagged(value, context["lang"])
    if not code or not text:
        return text
    return Markup('<span lang="{}">{}</span>').format(code, text)


@jinja2.pass_context
def _number(context: jinja2.runtime.Context, value: float, decimals: int = 2) -> str:
    return i18n.number(value, context["lang"], decimals=decimals)


@jinja2.pass_context
def _date(context: jinja2.runtime.Context, value: str | None) -> str:
    return i18n.date(value, context["lang"])


@jinja2.pass_context
def _certainty_label(context: jinja2.runtime.Context, code: str | None) -> str:
    """The name of a certainty level in the page's language, as the graph's certainty scheme gives it."""
    return certainty_scale(get_state(context["request"]).store).label(code, context["lang"])


def _upfirst(text: str | None) -> str:
    """The text with its first letter in upper case and the rest as it is ("förskola och skola" → "Förskola och skola")."""
    return text[:1].upper() + text[1:] if text else ""


def first_sentence(text: str | None) -> str:
    """The first sentence of a text (up to the first full stop followed by a space and a capital letter).

    >>> first_sentence("Minskade ångest (SMD 0,25; 9 studier). Tillförlitligheten är låg."), first_sentence("t.ex. Stockholm. Sedan")
    ('Minskade ångest (SMD 0,25; 9 studier).', 't.ex. Stockholm.')
    """
    import re

    if not text:
        return ""
    m = re.search(r"(?<!\bt\.ex)(?<!\bdvs)(?<!\bm\.fl)(?<!\bet al)(?<!\be\.g)(?<!\bi\.e)\.\s+(?=[A-ZÅÄÖ])", text)
    return text[: m.start() + 1] if m else text


def environment(directory: Path = TEMPLATES) -> jinja2.Environment:
    """The templates' environment, with every global and filter the pages use."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(directory)), autoescape=jinja2.select_autoescape())
    env.globals.update(
        t=_t,
        certainty_label=_certainty_label,
        short=compact,
        short_id=slug,
        local=local,
        citation=data.citation,
        ordered_stages=life_course_order,
    )
    env.globals["id_base"] = ID
    env.filters.update(pick=_pick, pick_marked=_pick_marked, number=_number, upfirst=_upfirst, date=_date, first_sentence=first_sentence)
    return env


def page_language(request: Request) -> dict[str, str]:
    """What every page knows of its language: ``lang``, the other one, and this page's URL in the other one."""
    lang = lang_of(request)
    other = "en" if lang == "sv" else "sv"
    query = dict(request.query_params)
    query["lang"] = other
    return {"lang": lang, "other_lang": other, "switch_url": request.url.path + "?" + urllib.parse.urlencode(query)}


templates = Jinja2Templates(env=environment(), context_processors=[page_language])


def render(request: Request, template: str, **context: Any) -> HTMLResponse:
    """``template`` rendered in the request's language."""
    return templates.TemplateResponse(request, template, context)


# ------------------------------------------------------------------------------ pages of linked data
def organisation_page(request: Request, state: ServiceState, org_id: str) -> HTMLResponse:
    """The organisation's page; its HTML is kept per data version, language and path (the most visited page)."""
    if set(request.query_params) - {"lang"}:  # the page links back with every parameter: keep only the plain ones
        return _organisation_page(request, state, org_id)
    key = ("organisation-page", org_id, lang_of(request), request.url.path)
    return HTMLResponse(data.cached(state, key, lambda: bytes(_organisation_page(request, state, org_id).body)))


FILTERS = ("life_stage", "min_certainty", "direction")
"""The organisation page's filters (a plain GET form), as committee-measures takes them; ``drafts=1`` adds drafts."""
DIRECTIONS = [ID + "direction/promotion", ID + "direction/prevention"]


def measures_view(request: Request, state: ServiceState, org_id: str) -> dict[str, Any]:
    """What the organisation page and its briefing share: the organisation, the filters the request chose (``chosen``,
    ``drafts``), :func:`api.web.views.measure_cards` under them (``page``, with its ``without``) and its ``cards``.

    Raises:
        NotFoundError: there is no such organisation.
        ParameterError: a filter value is not valid.
    """
    org = data.organisation(state, org_id)
    if org is None:
        raise NotFoundError("organisation", org_id)
    chosen = {k: request.query_params.get(k) or None for k in FILTERS}
    drafts = request.query_params.get("drafts") == "1"
    page = data.measure_cards(state, org_id, {**chosen, "min_status": "draft" if drafts else None})
    cards = [m for g in page["groups"] for m in g["measures"]]
    return {"org": org, "chosen": chosen, "drafts": drafts, "page": page, "cards": cards}


def _organisation_page(request: Request, state: ServiceState, org_id: str) -> HTMLResponse:
    view = measures_view(request, state, org_id)
    org, chosen, drafts, page, cards = view["org"], view["chosen"], view["drafts"], view["page"], view["cards"]
    without = page["without"]
    iris = [s for m in cards for s in m["life_stages"]] + [e for m in cards for e in m["entries"]] + LIFE_COURSE + DIRECTIONS
    iris += [m["certainty_basis"] for m in cards if m["certainty_basis"]] + [f["certainty_basis"] for f in without if f["certainty_basis"]]
    names = {**org["names"], **data.labels(state, iris)}
    srcs = data.sources_info(state, [s for m in cards for s in m["sources"]] + [s for f in without for s in f["sources"]])
    choices = {
        "life_stage": [(slug(s), names.get(s, {})) for s in LIFE_COURSE],
        "min_certainty": [(lv["code"], lv["label"]) for lv in data.certainty_levels(state)],
        "direction": [(slug(d), names.get(d, {})) for d in DIRECTIONS],
    }
    return render(
        request,
        "organisation.html",
        org=org,
        groups=page["groups"],
        without_measures=page["without_measures"],
        summary=page["summary"],
        without=without,
        names=names,
        sources=srcs,
        drafts=drafts,
        chosen=chosen,
        choices=choices,
        filtered=any(chosen.values()) or drafts,
        facts=data.municipality_facts(state, org),
        levels=data.certainty_levels(state),
    )


def resource_page(request: Request, state: ServiceState, iri: str) -> HTMLResponse:
    """The page of any IRI under ``/id/``: an organisation's or an intervention's own page, else its properties."""
    kind, _, rest = iri.removeprefix(ID).partition("/")
    if kind == "organisation" and "/" not in rest:
        return organisation_page(request, state, rest)
    if kind == "intervention":
        iv = data.intervention(state, rest)
        if iv is None:
            raise NotFoundError("intervention", rest)
        return render(request, "intervention.html", iv=iv)
    if kind == "source":
        src = page_data.source_page(state, iri)
        if src is None:
            raise NotFoundError("source", rest)
        return render(request, "source.html", iri=iri, src=src, names=src["names"], kind_iris=src["kind_iris"])
    if kind == "evidence":
        ev = page_data.evidence_page(state, iri)
        if ev is None:
            raise NotFoundError("evidence", rest)
        return render(request, "evidence.html", iri=iri, ev=ev, names=ev["names"])
    found = page_data.resource(state, iri)
    if found is None:
        raise NotFoundError("resource", iri)
    return render(request, "resource.html", iri=iri, **found)


def ontology_page(request: Request, state: ServiceState) -> HTMLResponse:
    """The ontology's documentation: its classes and properties with their labels and definitions."""
    headings = {  # the sections in order: the kind of term (its OWL class) and the section's heading
        "Class": i18n.text_map("classes"),
        "ObjectProperty": i18n.text_map("object_properties"),
        "DatatypeProperty": i18n.text_map("datatype_properties"),
        "AnnotationProperty": i18n.text_map("annotation_properties"),
    }
    sections: dict[str, list[dict[str, Any]]] = {kind: [] for kind in headings}
    for term in page_data.ontology_terms(state):
        sections[term["kind"]].append({**term, "extra": ", ".join(compact(e) for e in term["extra"])})
    return render(
        request,
        "ontology.html",
        sections=[(headings[kind], items) for kind, items in sections.items() if items],
        title=i18n.text_map("ontology_title"),
        ontology=ONTOLOGY_IRI,
    )


def shapes_page(request: Request, state: ServiceState) -> HTMLResponse:
    """The shapes' documentation: every named shape, its severity and path, with its name and description."""
    items = [{**shape, "extra": shape["severity"] + (" · " + compact(shape["path"]) if shape["path"] else "")} for shape in page_data.shape_descriptions(state)]
    title = i18n.text_map("shapes_title")
    return render(request, "ontology.html", sections=[(title, items)], title=title, ontology=SHAPES_IRI)
