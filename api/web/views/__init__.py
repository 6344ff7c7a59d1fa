"""Reading the graph for the REST API and the pages: plain dicts, one function per view.

What the graph says in both languages is also given as a language map (``label``: ``{"sv": …, "en": …}``)
for the pages, which take their language from it with ``| pick``; the flat ``label_sv``/``label_en`` fields
are the REST API's (its response models name them and drop the maps).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

from api.analysis import life_course_order
from api.catalogue import Parameter
from api.catalogue.certainty import certainty_scale
from api.catalogue.internal import internal
from api.errors import NotFoundError, ParameterError
from api.vocab import ID, VOCAB, iri_ref, slug
from api.web.state import ServiceState

ORG = ID + "organisation/"
V = TypeVar("V")


def peek(state: ServiceState, key: Hashable) -> Any:
    """The kept view for ``key`` at the current data version, or None (never computes)."""
    return state.peek(key)


def cached(state: ServiceState, key: Hashable, compute: Callable[[], V]) -> V:
    """``compute()``, once per data version and key (in the state's one versioned cache)."""
    return state.cached(key, compute)


def _v(row: dict, key: str) -> str | None:
    t = row.get(key)
    return t.value if t is not None else None


def _both(row: dict, sv: str, en: str) -> dict[str, str | None]:
    """A language map of a row's Swedish and English columns."""
    return {"sv": _v(row, sv), "en": _v(row, en)}


def labels(state: ServiceState, iris: list[str]) -> dict[str, dict[str, str]]:
    """sv/en labels of many resources in one query (a new outer dict each call: callers may add to it)."""
    if not iris:
        return {}
    wanted = tuple(sorted(set(iris)))
    return dict(cached(state, ("labels", wanted), lambda: _labels(state, wanted)))


def ref_or_404(iri: str, what: str = "resource") -> str:
    """``<iri>`` for a query's text; an id that does not make a valid IRI names nothing: NotFoundError before any query.

    Args:
        iri: the IRI made of the request's id.
        what: what it would name, as :class:`api.errors.NotFoundError` says it (``resource``, ``evidence``, ``scheme`` …).
    """
    try:
        return iri_ref(iri)
    except ValueError:
        raise NotFoundError(what, iri, key="not_found_iri") from None


_IRI = Parameter("iri", "iri", True)


def valid_iris(iris: tuple[str, ...]) -> list[str]:
    """The IRIs among ``iris`` that the query binder accepts (an invalid one names nothing in the graph)."""
    out = []
    for iri in iris:
        try:
            _IRI.term(iri)
        except ParameterError:
            continue
        out.append(iri)
    return out


def _labels(state: ServiceState, iris: tuple[str, ...]) -> dict[str, dict[str, str]]:
    values = valid_iris(iris)
    if not values:
        return {}
    rows = state.store.select(internal("labels", {"resource": values}))
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for r in rows:
        lang = getattr(r["l"], "language", None) or ""
        out[r["x"].value].setdefault(lang, r["l"].value)
    return dict(out)


def organisations(state: ServiceState, *, q: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
    """Every organisation with its most specific kinds, ordered by Swedish name; optionally filtered."""
    out = cached(state, "organisations", lambda: _organisations(state))
    if kind:
        out = [o for o in out if kind in o["kinds"]]
    if q:
        needle = q.casefold()
        out = [o for o in out if needle in o["label_sv"].casefold() or needle in o["label_en"].casefold()]
    return out


SEARCH_KINDS = ("Organisation", "Intervention", "Outcome", "EverydaySetting", "Source")
"""What the site's search finds, in the order its results are listed."""


def search(state: ServiceState, q: str) -> dict[str, list[dict[str, Any]]]:
    """Organisations, interventions, outcomes, settings and sources whose names, other names, definitions (or a
    source's title and authors), in Swedish or English, contain every word of ``q`` (case- and accent-sensitive
    only as Swedish is: "skola" finds "Grundskola" and "skolbaserat").

    Returns the hits by kind (:data:`SEARCH_KINDS`' local names), each with its IRI, path on this site and label
    (a language map); hits whose name matches come first, then by Swedish name.
    """
    words = [w for w in q.casefold().split() if w]
    if not words:
        return {}
    out: dict[str, list[dict[str, Any]]] = {}
    for item in cached(state, "search-index", lambda: _search_index(state)):
        if all(w in item["all"] for w in words):
            out.setdefault(item["kind"], []).append(item | {"named": all(w in item["names"] for w in words)})
    for hits in out.values():
        hits.sort(key=lambda h: (not h["named"], (h["label"].get("sv") or h["label"].get("en") or "").casefold()))
    return {k: out[k] for k in SEARCH_KINDS if k in out}


def _search_index(state: ServiceState) -> list[dict[str, Any]]:
    items: dict[tuple[str, str], dict[str, Any]] = {}
    for r in state.store.select(internal("search-index")):
        kind = r["kind"].value.rsplit("#", 1)[-1]
        iri = r["x"].value
        item = items.setdefault((kind, iri), {"iri": iri, "kind": kind, "path": iri.replace(ID, "/id/", 1), "label": {}, "names": "", "all": ""})
        text = r["text"].value
        if r["field"].value == "label":
            lang = getattr(r["text"], "language", None) or ""
            item["label"].setdefault(lang or "sv", text)
            item["names"] += " " + text.casefold()
        item["all"] += " " + text.casefold()
    return list(items.values())


def organisation_index(state: ServiceState) -> dict[str, dict[str, Any]]:
    """The organisations by IRI."""
    return cached(state, "organisation-index", lambda: {o["iri"]: o for o in organisations(state)})


def _organisations(state: ServiceState) -> list[dict[str, Any]]:
    rows = state.store.select(internal("organisations"))
    seen: dict[str, dict[str, Any]] = {}
    for r in rows:
        iri = r["org"].value
        k = (_v(r, "kind") or "").rsplit("#", 1)[-1]
        item = seen.setdefault(iri, {"iri": iri, "id": slug(iri), "label_sv": _v(r, "sv"), "label_en": _v(r, "en"), "label": _both(r, "sv", "en"), "kinds": []})
        if k not in item["kinds"]:
            item["kinds"].append(k)
    return list(seen.values())


def organisation(state: ServiceState, org_id: str) -> dict[str, Any] | None:
    """An organisation with its responsibilities and the names of what they refer to; None if there is none."""
    found = organisation_index(state).get(ORG + org_id)
    if found is None:
        return None
    return cached(state, ("organisation", found["iri"]), lambda: _organisation(state, found))


def _organisation(state: ServiceState, found: dict[str, Any]) -> dict[str, Any]:
    iri = found["iri"]
    org = dict(found)
    rows = state.runner.run("organisation-responsibilities", {"org": iri})
    resps: dict[str, dict[str, Any]] = {}
    for r in rows:
        item = resps.setdefault(
            r["responsibility"].value,
            {
                "iri": r["responsibility"].value,
                "label_sv": _v(r, "label_sv"),
                "label_en": _v(r, "label_en"),
                "label": _both(r, "label_sv", "label_en"),
                "role": _v(r, "role"),
                "basis_sv": _v(r, "basis_sv"),
                "basis_en": _v(r, "basis_en"),
                "basis": _both(r, "basis_sv", "basis_en"),
                "settings": [],
                "life_stages": [],
                "pairs": [],
                "levels": [],
            },
        )
        for key, col in (("settings", "setting"), ("life_stages", "stage"), ("levels", "level")):
            value = _v(r, col)
            if value and value not in item[key]:
                item[key].append(value)
        if _v(r, "stage"):
            pair = {"setting": _v(r, "setting"), "life_stage": _v(r, "stage")}
            if pair not in item["pairs"]:
                item["pairs"].append(pair)
    org["responsibilities"] = list(resps.values())
    names = labels(
        state, [v for r in resps.values() for k in ("settings", "life_stages", "levels") for v in r[k]] + [r["role"] for r in resps.values() if r["role"]]
    )
    org["names"] = names
    return org


STATUS = ID + "curation-status/"


def _split(row: dict, key: str) -> list[str]:
    return (_v(row, key) or "").split()


def _org_params(org_id: str, filters: Mapping[str, str | None] | None) -> dict[str, str]:
    """A catalogue query's parameters for one organisation: its IRI and the filters given a value."""
    return {"org": ORG + org_id, **{k: v for k, v in (filters or {}).items() if v}}


def _intervention_of(row: dict) -> dict[str, Any]:
    """The intervention of a row: its IRI, id and names."""
    return {
        "intervention": row["intervention"].value,
        "id": slug(row["intervention"].value),
        "label_sv": _v(row, "label_sv"),
        "label_en": _v(row, "label_en"),
        "label": _both(row, "label_sv", "label_en"),
    }


def measures(state: ServiceState, org_id: str, filters: Mapping[str, str | None] | None = None) -> list[dict[str, Any]]:
    """The organisation's evidence-backed measures (catalogue query committee-measures), with details.

    Raises:
        ParameterError: a filter value is not valid.
    """
    params = _org_params(org_id, filters)
    return cached(state, ("measures", tuple(sorted(params.items()))), lambda: _measures(state, params))


ROW_VIEWS = 200_000
"""The most rows whose measure is kept (:func:`_measures`); beyond, the memo starts again."""


def _measures(state: ServiceState, params: dict[str, str]) -> list[dict[str, Any]]:
    """The measures of the query's rows. For an organisation's answer without filters, the index gives the same row
    objects until a write touches them, so each row's measure is made once and kept beside it (a write then costs only
    the measures of the rows it changed). A filtered answer's rows are new each time: nothing is kept of them."""
    rows = state.runner.run("committee-measures", params)
    if state.index is None or set(params) != {"org"}:
        return [_measure(r) for r in rows]
    memo = state.row_views
    if len(memo) > ROW_VIEWS:
        memo.clear()
    out = []
    for r in rows:
        kept = memo.get(id(r))
        if kept is None or kept[0] is not r:  # the row is kept with its measure, so its id is not reused meanwhile
            kept = memo[id(r)] = (r, _measure(r))
        out.append(kept[1])
    return out


def _measure(r: dict[str, Any]) -> dict[str, Any]:
    return _intervention_of(r) | {
        "best_certainty": _v(r, "best_certainty"),
        "certainty": slug(_v(r, "best_certainty") or ""),
        "entries": int(_v(r, "entries") or 0),
        "findings": {key: int(_v(r, key) or 0) for key in ("beneficial", "no_clear_effect", "mixed", "harmful")},
        "drafts": int(_v(r, "drafts") or 0),
        "best_entry": _v(r, "best_entry"),
        "certainty_basis": _v(r, "certainty_basis"),
        "certainty_rationale_sv": _v(r, "certainty_rationale_sv"),
        "certainty_rationale_en": _v(r, "certainty_rationale_en"),
        "certainty_rationale": _both(r, "certainty_rationale_sv", "certainty_rationale_en"),
        "capacities": _split(r, "capacities"),
        "justification_sv": _v(r, "justification_sv"),
        "justification_en": _v(r, "justification_en"),
        "justification": _both(r, "justification_sv", "justification_en"),
        "responsibilities": _split(r, "responsibilities"),
        "sources": _split(r, "sources"),
    }


def no_clear_benefit(state: ServiceState, org_id: str, filters: Mapping[str, str | None] | None = None) -> list[dict[str, Any]]:
    """Findings of no clear effect, mixed effect or harm in the organisation's remit (catalogue query committee-no-clear-benefit).

    Raises:
        ParameterError: a filter value is not valid.
    """
    params = _org_params(org_id, filters)
    return cached(state, ("no-clear-benefit", tuple(sorted(params.items()))), lambda: _no_clear_benefit(state, params))


def _no_clear_benefit(state: ServiceState, params: dict[str, str]) -> list[dict[str, Any]]:
    scale = certainty_scale(state.store)
    out = []
    for r in state.runner.run("committee-no-clear-benefit", params):
        out.append(
            _intervention_of(r)
            | {
                "entry": r["entry"].value,
                "outcome": _v(r, "outcome"),
                "outcome_label": _both(r, "outcome_sv", "outcome_en"),
                "effect": _v(r, "effect"),
                "effect_label": _both(r, "effect_sv", "effect_en"),
                "certainty": scale.code(int(r["rank"].value)),
                "certainty_basis": _v(r, "certainty_basis"),
                "certainty_rationale": _both(r, "certainty_rationale_sv", "certainty_rationale_en"),
                "draft": _v(r, "status") == STATUS + "draft",
                "statement": _both(r, "statement_sv", "statement_en"),
                "sources": _split(r, "sources"),
                "capacities": _split(r, "capacities"),
            }
        )
    return out


def phrases(state: ServiceState) -> dict[str, dict[str, str]]:
    """Each concept's phrase for running text (``mh:phrase``) as a language map: "i förskolan", "som arbetsgivare"."""
    return cached(state, "phrases", lambda: _phrases(state))


def _phrases(state: ServiceState) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for r in state.store.select(internal("phrases")):
        out[r["x"].value][getattr(r["l"], "language", None) or ""] = r["l"].value
    return dict(out)


def _and(items: list[str], lang: str) -> str:
    """``a, b och c`` (``a, b and c``)."""
    word = {"sv": "och", "en": "and"}[lang]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]


def justification(uses: list[tuple[str, str | None, str]], names: Mapping[str, Mapping[str, str]], said: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """Why an organisation can apply a measure, as one sentence per language.

    Args:
        uses: the matching (capacity, pair setting or None, life stage) triples of the organisation's responsibilities.
        names: labels by IRI (language maps).
        said: phrases by IRI (:func:`phrases`).

    >>> cap, school, kids = "c", "s", "k"
    >>> justification([(cap, school, kids)], {kids: {"sv": "Barn", "en": "Children"}}, {cap: {"sv": "som huvudman", "en": "as organiser"},
    ...     school: {"sv": "i förskolan", "en": "in preschool"}})["sv"]
    'Ni kan genomföra insatsen som huvudman, för barn i förskolan.'
    """
    out = {}
    for lang in ("sv", "en"):
        clauses = []
        for capacity in dict.fromkeys(c for c, _, _ in uses):
            by_setting: dict[str | None, list[str]] = {}
            for c, setting, stage in uses:
                if c == capacity and stage not in by_setting.setdefault(setting, []):
                    by_setting[setting].append(stage)
            parts = []
            for setting, stages in by_setting.items():
                who = _and([names.get(s, {}).get(lang, slug(s)).lower() for s in life_course_order(stages)], lang)
                parts.append(who + (" " + said.get(setting, {}).get(lang, names.get(setting, {}).get(lang, slug(setting)).lower()) if setting else ""))
            clauses.append(
                f"{said.get(capacity, {}).get(lang, names.get(capacity, {}).get(lang, slug(capacity)))}, "
                + {"sv": "för ", "en": "for "}[lang]
                + _and(parts, lang)
            )
        lead = {"sv": "Ni kan genomföra insatsen ", "en": "You can carry out this measure "}[lang]
        out[lang] = lead + {"sv": " och ", "en": " and "}[lang].join(clauses) + "."
    return out


def measure_cards(state: ServiceState, org_id: str, filters: Mapping[str, str | None] | None = None) -> dict[str, Any]:
    """The organisation's page: one card per measure with beneficial evidence, grouped by responsibility, and a summary.

    ``filters``: ``life_stage``, ``min_certainty``, ``direction`` (codes, as the catalogue query takes them) and
    ``min_status`` (``draft`` to count drafts). The measures are those of committee-measures with the same filters;
    each card sits under the first of the organisation's responsibilities that matches it (their order is the
    organisation's), carries the life stages it matches as tags, the statement of its most certain entry, every
    finding's count, who rated the certainty and why, and :func:`justification` naming every matching capacity.
    Cards are ordered by certainty, then by the number of entries; groups by their most certain card, then by size.
    ``without_measures`` lists the responsibilities no card sits under; ``without`` is :func:`no_clear_benefit` with the
    same life stage and status. ``summary`` counts the measures, those at moderate
    certainty or above, and the findings of no clear effect, mixed effect or harm.

    Raises:
        ParameterError: a filter value is not valid.
    """
    params = _org_params(org_id, filters)
    return cached(state, ("measure-cards", tuple(sorted(params.items()))), lambda: _measure_cards(state, org_id, params))


def _measure_cards(state: ServiceState, org_id: str, params: dict[str, str]) -> dict[str, Any]:
    summary = {m["intervention"]: m for m in measures(state, org_id, {k: v for k, v in params.items() if k != "org"})}
    detail_params = {k: v for k, v in params.items() if k in ("org", "min_status", "life_stage", "direction", "min_certainty")}
    rows = state.runner.run("committee-measure-details", detail_params)
    scale = certainty_scale(state.store)
    org = organisation(state, org_id) or {"responsibilities": []}
    order = {r["iri"]: i for i, r in enumerate(org["responsibilities"])}
    cards: dict[str, dict[str, Any]] = {}
    for r in rows:
        iv = r["intervention"].value
        if _v(r, "effect") != ID + "effect/beneficial" or iv not in summary:
            continue
        rank = int(r["rank"].value)
        card = cards.get(iv)
        if card is None:
            card = cards[iv] = {
                "intervention": iv,
                "id": slug(iv),
                "label": _both(r, "label_sv", "label_en"),
                "rank": rank,
                "statement": _both(r, "statement_sv", "statement_en"),
                "best_source": r["source"].value,
                "life_stages": [],
                "uses": [],
                "responsibilities": [],
                "sources": set(),
                "entries": set(),
                "draft_entries": set(),
            }
        if rank > card["rank"]:
            card["rank"], card["statement"], card["best_source"] = rank, _both(r, "statement_sv", "statement_en"), r["source"].value
        stage, resp = r["stage"].value, r["resp"].value
        if stage not in card["life_stages"]:
            card["life_stages"].append(stage)
        use = (r["capacity"].value, _v(r, "resp_setting"), stage)
        if use not in card["uses"]:
            card["uses"].append(use)
        if resp not in card["responsibilities"]:
            card["responsibilities"].append(resp)
        card["sources"].add(r["source"].value)
        card["entries"].add(r["entry"].value)
        if _v(r, "status") == STATUS + "draft":
            card["draft_entries"].add(r["entry"].value)
    iris = [x for c in cards.values() for u in c["uses"] for x in u if x]
    names, said = labels(state, iris), phrases(state)
    groups: dict[str, dict[str, Any]] = {}
    resp_names = {r["iri"]: r for r in org["responsibilities"]}
    for card in cards.values():
        m = summary[card["intervention"]]
        card["responsibilities"].sort(key=lambda x: order.get(x, len(order)))
        home = card["responsibilities"][0]
        card |= {
            "certainty": scale.code(card["rank"]),
            "drafts_only": card["draft_entries"] == card["entries"],
            "findings": m["findings"],
            "certainty_basis": m["certainty_basis"],
            "certainty_rationale": m["certainty_rationale"],
            "justification": justification(card["uses"], names, said),
        }
        found = resp_names.get(home, {})
        card["capacities"] = list(dict.fromkeys(u[0] for u in card["uses"]))
        group = groups.setdefault(
            home, {"iri": home, "label": found.get("label", {}), "topic": _topic(found.get("label", {})), "capacity": found.get("role"), "measures": []}
        )
        group["measures"].append(card)
    for g in groups.values():
        g["capacity_phrase"] = said.get(g["capacity"] or "", {})
        g["measures"].sort(key=lambda c: (-c["rank"], -len(c["entries"]), c["label"]["sv"] or ""))
    ordered = sorted(groups.values(), key=lambda g: (-g["measures"][0]["rank"], -len(g["measures"]), g["topic"].get("sv") or ""))
    empty = [{"iri": r["iri"], "label": r["label"], "topic": _topic(r["label"])} for r in org["responsibilities"] if r["iri"] not in groups]
    moderate = level.rank if (level := scale.by_code("moderate")) else 0
    without = no_clear_benefit(state, org_id, {k: v for k, v in params.items() if k in ("life_stage", "min_status")})
    return {
        "groups": ordered,
        "without": without,
        "without_measures": sorted(empty, key=lambda g: g["topic"].get("sv") or ""),
        "summary": {
            "measures": len(cards),
            "moderate_or_higher": sum(1 for c in cards.values() if c["rank"] >= moderate),
            "without_benefit": len({f["entry"] for f in without}),
            "drafts": sum(1 for c in cards.values() if c["draft_entries"]),
        },
    }


def _topic(label: Mapping[str, str | None]) -> dict[str, str | None]:
    """What a responsibility is about, without the organisation's name: "Trafiknämnden: kollektivtrafik" → "kollektivtrafik"."""
    return {lang: (text.split(": ", 1)[-1] if text else text) for lang, text in label.items()}


PILOT_GROUP = ID + "actor-group/three-pilot-municipalities"


def municipality_facts(state: ServiceState, org: Mapping[str, Any]) -> dict[str, Any]:
    """What the documents say about one organisation itself: the consultation responses it (or one of its units) gave,
    point by point, and, for a municipality, what they say of the three pilot municipalities and whether it is named
    as one of them (``pilot`` is True, False, or None when the documents name none)."""
    return cached(state, ("municipality-facts", org["iri"]), lambda: _municipality_facts(state, org))


def _municipality_facts(state: ServiceState, org: Mapping[str, Any]) -> dict[str, Any]:
    responses: dict[str, dict[str, Any]] = {}
    for r in state.runner.run("consultation-points", {"org": org["iri"]}):
        item = responses.setdefault(r["response"].value, {"iri": r["response"].value, "date": _v(r, "date"), "body": _v(r, "body"), "points": []})
        item["points"].append({"label": _both(r, "label_sv", "label_en"), "summary": _both(r, "summary_sv", "summary_en"), "quotation": _v(r, "quotation")})
    for item in responses.values():
        found = labels(state, [item["iri"], item["body"]])
        item["label"], item["body_label"] = found.get(item["iri"], {}), found.get(item["body"], {})
    pilot: dict[str, Any] | None = None
    if "Municipality" in org.get("kinds", []):
        rows = state.store.select(internal("pilot-municipalities", {"group": PILOT_GROUP}))
        if rows:
            members = {r["member"].value for r in rows if r.get("member") is not None}
            pilot = {"about": _both(rows[0], "sv", "en"), "member": (org["iri"] in members) if members else None, "iri": PILOT_GROUP}
    return {"responses": list(responses.values()), "pilot": pilot}


def certainty_levels(state: ServiceState) -> list[dict[str, Any]]:
    """The GRADE levels, most certain first, with their names and plain-language explanations (for the pages)."""
    return [{"code": lv.code, "label": dict(lv.labels), "note": dict(lv.notes)} for lv in certainty_scale(state.store)]


def sources_info(state: ServiceState, iris: list[str]) -> dict[str, dict[str, Any]]:
    """Bibliographic records of sources, by IRI (a new outer dict each call)."""
    if not iris:
        return {}
    wanted = tuple(sorted(set(iris)))
    return dict(cached(state, ("sources", wanted), lambda: _sources_info(state, wanted)))


def _sources_info(state: ServiceState, iris: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    values = valid_iris(iris)
    if not values:
        return {}
    rows = state.store.select(internal("sources", {"source": values}))
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        out.setdefault(
            r["s"].value,
            {k: _v(r, k) for k in ("label", "title", "authors", "year", "venue", "doi", "url", "status")} | {"iri": r["s"].value, "id": slug(r["s"].value)},
        )
    return out


def citation(src: dict[str, Any]) -> str:
    """A short reference: authors (year). Title. Venue. doi."""
    parts = []
    if src.get("authors"):
        parts.append(src["authors"] + (f" ({src['year']})." if src.get("year") else "."))
    elif src.get("year"):
        parts.append(f"({src['year']}).")
    parts.append((src.get("title") or src.get("label") or "") + ".")
    if src.get("venue"):
        parts.append(src["venue"] + ".")
    if src.get("doi"):
        parts.append("doi:" + src["doi"])
    return " ".join(parts)


def intervention(state: ServiceState, iv_id: str) -> dict[str, Any] | None:
    iri = ID + "intervention/" + iv_id
    try:
        query = internal("properties-of-typed-resource", {"resource": iri, "class": VOCAB + "Intervention"})
    except ParameterError:  # an id that makes no valid IRI names nothing
        return None
    rows = state.store.select(query)
    if not rows:
        return None
    props: dict[str, list] = defaultdict(list)
    for r in rows:
        props[r["p"].value.rsplit("#", 1)[-1]].append(r["o"])

    def lang(key: str, code: str) -> str | None:
        return next((t.value for t in props.get(key, []) if getattr(t, "language", None) == code), None)

    evidence = state.runner.run("intervention-evidence", {"intervention": iri})
    entries = [
        {k: _v(r, k) for k in ("entry", "outcome", "effect", "certainty", "design", "status", "source", "source_label", "year", "statement_sv", "statement_en")}
        | {"statement": _both(r, "statement_sv", "statement_en")}
        for r in evidence
    ]
    iris = [
        t.value
        for key in ("setting", "lifeStage", "levelOfAction", "direction", "servesArea", "servesSdgTarget", "preventionLevel")
        for t in props.get(key, [])
    ]
    iris += [e[k] for e in entries for k in ("outcome", "effect", "certainty", "design", "status") if e.get(k)]
    who: dict[str, dict[str, Any]] = {}
    for r in state.runner.run("intervention-organisations", {"intervention": iri}):
        cap = who.setdefault(
            r["capacity"].value,
            {"capacity": r["capacity"].value, "basis": _v(r, "capacity_basis"), "note": _both(r, "basis_note_sv", "basis_note_en"), "organisations": []},
        )
        org = {"iri": r["org"].value, "id": slug(r["org"].value), "label": _both(r, "org_sv", "org_en")}
        if org not in cap["organisations"]:
            cap["organisations"].append(org)
    for c in who.values():  # by Swedish name (the query's order); the page lists them as given
        c["organisations"].sort(key=lambda o: (o["label"]["sv"] or "").casefold())
    iris += [c["capacity"] for c in who.values()] + [c["basis"] for c in who.values() if c["basis"]]
    return {
        "iri": iri,
        "id": iv_id,
        "label_sv": next((t.value for t in props["label"] if t.language == "sv"), None),
        "label_en": next((t.value for t in props["label"] if t.language == "en"), None),
        "label": {code: lang("label", code) for code in ("sv", "en")},
        "definition_sv": lang("definition", "sv"),
        "definition_en": lang("definition", "en"),
        "definition": {code: lang("definition", code) for code in ("sv", "en")},
        "settings": [t.value for t in props.get("setting", [])],
        "life_stages": life_course_order([t.value for t in props.get("lifeStage", [])]),
        "levels": [t.value for t in props.get("levelOfAction", [])],
        "directions": [t.value for t in props.get("direction", [])],
        "areas": [t.value for t in props.get("servesArea", [])],
        "sdg_targets": [t.value for t in props.get("servesSdgTarget", [])],
        "entries": entries,
        "who": list(who.values()),
        "names": labels(state, iris),
        "sources": sources_info(state, [e["source"] for e in entries if isinstance(e["source"], str)]),
    }


def gaps(state: ServiceState, min_certainty: str = "low") -> dict[str, Any]:
    """The settings × life-stages gap map (api.analysis.setting_stage_gaps), shaped for the page."""
    from api.analysis import setting_stage_gaps

    m = setting_stage_gaps(state.runner, state.store, min_certainty=min_certainty)
    cells = {k: {"entries": n, "best": m.certainty.code(best) if best else None} for k, (n, best) in m.cells.items()}
    return {
        "settings": m.rows,
        "stages": m.columns,
        "cells": cells,
        "names": labels(state, m.rows + m.columns),
        "min_certainty": min_certainty,
        "levels": m.certainty.codes,  # the choices of a minimum, most certain first
    }
