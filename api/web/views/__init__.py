"""Reading the graph for the REST API and the pages: plain dicts, one function per view.

What the graph says in both languages is also given as a language map (``label``: ``{"sv": …, "en": …}``)
for the pages, which take their language from it with ``| pick``; the flat ``label_sv``/``label_en`` fields
are the REST API's (its response models name them and drop the maps).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

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


def _measures(state: ServiceState, params: dict[str, str]) -> list[dict[str, Any]]:
    rows = state.runner.run("committee-measures", params)
    out = []
    for r in rows:
        out.append(
            _intervention_of(r)
            | {
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
        )
    return out


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


def measure_details(state: ServiceState, org_id: str, *, drafts: bool = False) -> list[dict[str, Any]]:
    """The organisation's measures of beneficial evidence, grouped by the responsibility (and its capacity) that matches them.

    Each group: the responsibility's IRI, label and capacity, and its measures, most certain first; each measure with
    the life stages it matches, its best certainty (with who rated it and why), its statement, entries and sources, and
    whether it rests on drafts only (``drafts=True`` counts drafts; otherwise only reviewed and published entries).
    """
    return cached(state, ("measure-details", org_id, drafts), lambda: _measure_details(state, org_id, drafts))


def _measure_details(state: ServiceState, org_id: str, drafts: bool) -> list[dict[str, Any]]:
    params = {"org": ORG + org_id} | ({"min_status": "draft"} if drafts else {})
    rows = state.runner.run("committee-measure-details", params)
    summary = {m["intervention"]: m for m in measures(state, org_id, {"min_status": "draft"} if drafts else None)}
    scale = certainty_scale(state.store)
    groups: dict[str, dict[str, Any]] = {}
    for r in rows:
        iv = r["intervention"].value
        if _v(r, "effect") != ID + "effect/beneficial" or iv not in summary:
            continue
        resp = r["resp"].value
        group = groups.setdefault(resp, {"iri": resp, "label": _both(r, "resp_sv", "resp_en"), "capacity": r["capacity"].value, "measures": {}})
        rank = int(r["rank"].value)
        item = group["measures"].get(iv)
        if item is None:
            item = group["measures"][iv] = {
                "intervention": iv,
                "id": slug(iv),
                "label": _both(r, "label_sv", "label_en"),
                "rank": rank,
                "statement": _both(r, "statement_sv", "statement_en"),
                "life_stages": [],
                "sources": set(),
                "entries": set(),
                "draft_entries": set(),
            }
        if rank > item["rank"]:
            item["rank"], item["statement"] = rank, _both(r, "statement_sv", "statement_en")
        if r["stage"].value not in item["life_stages"]:
            item["life_stages"].append(r["stage"].value)
        item["sources"].add(r["source"].value)
        item["entries"].add(r["entry"].value)
        if _v(r, "status") == STATUS + "draft":
            item["draft_entries"].add(r["entry"].value)
    out = []
    for group in groups.values():
        items = []
        for item in group["measures"].values():
            m = summary[item["intervention"]]
            item["certainty"] = scale.code(item["rank"])
            item["drafts_only"] = item["draft_entries"] == item["entries"]
            item["findings"] = m["findings"]
            item["certainty_basis"] = m["certainty_basis"]
            item["certainty_rationale"] = m["certainty_rationale"]
            items.append(item)
        items.sort(key=lambda m: (-m["rank"], -len(m["entries"]), m["label"]["sv"] or ""))
        out.append({**group, "measures": items})
    out.sort(key=lambda g: (-max(m["rank"] for m in g["measures"]), g["label"]["sv"] or ""))
    return out


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
        "life_stages": [t.value for t in props.get("lifeStage", [])],
        "levels": [t.value for t in props.get("levelOfAction", [])],
        "directions": [t.value for t in props.get("direction", [])],
        "areas": [t.value for t in props.get("servesArea", [])],
        "sdg_targets": [t.value for t in props.get("servesSdgTarget", [])],
        "entries": entries,
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
