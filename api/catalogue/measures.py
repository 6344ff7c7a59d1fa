"""The recommendation index: every organisation's measures, materialised and kept up to date write by write.

The catalogue query ``committee-measures`` is the reference: it states which interventions an organisation can
apply in its capacity (capacity × setting × life stage) and the evidence for them. Evaluated from scratch it costs
tens of seconds at 100,000 interventions (``benchmarks/results/index.md``), and the result cache helps only until
the next write. This index answers
the same question, with the same rows, from a projection of the store kept in memory:

* **the facts**: the quads of the default graph whose predicate the query reads (:data:`READ`), by predicate and
  subject, nothing else;
* **the matches**, derived from them: for each organisation, each intervention it can apply and each of its evidence
  entries in the organisation's remit, the (responsibility, capacity, life stage, setting) pairs that match. These are
  the joins that make the query slow; the filters and counts left to do per request are cheap.

It follows the store by the store's own record of what each write changed (:meth:`api.store.EmbeddedStore.changes_since`):
the changed quads update the facts, and only the entries they touch have their matches recomputed. A change to
anything else the matches rest on (an organisation's remit, where an intervention can be implemented, the setting
hierarchy) re-derives all matches from the facts; a write whose change is unknown (a SPARQL Update, a file load, blank
nodes) reads the facts again from the store. Either way an answer always reflects the store's content at the moment
it is asked, exactly as the query would: ``tests/catalogue/test_measures_index.py`` compares the two after random
sequences of writes.

The rows are those of the query, term for term (:meth:`MeasuresIndex.rows`), in the query's order.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pickle
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from api.errors import ParameterError
from api.vocab import ID, VOCAB

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PREF_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
BROADER = ox.NamedNode("http://www.w3.org/2004/02/skos/core#broaderTransitive")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
XSD_STRING = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")


def _mh(name: str) -> ox.NamedNode:
    return ox.NamedNode(VOCAB + name)


ENTRY_CLASS = _mh("EvidenceEntry")
HAS_RESPONSIBILITY, IN_CAPACITY, COVERS = _mh("hasResponsibility"), _mh("inCapacity"), _mh("covers")
LIFE_STAGE, SETTING, IMPLEMENTABLE_IN, CAPACITY = _mh("lifeStage"), _mh("setting"), _mh("implementableIn"), _mh("capacity")
INTERVENTION, EFFECT, CERTAINTY, RANK, STATUS = _mh("intervention"), _mh("effect"), _mh("certainty"), _mh("certaintyRank"), _mh("curationStatus")
DIRECTION, CITES, BASIS, RATIONALE = _mh("direction"), _mh("citesSource"), _mh("certaintyBasis"), _mh("certaintyRationale")
SERVES_AREA, SERVES_TARGET = _mh("servesArea"), _mh("servesSdgTarget")

MATCHED: frozenset[ox.NamedNode] = frozenset(
    {RDF_TYPE, HAS_RESPONSIBILITY, IN_CAPACITY, COVERS, LIFE_STAGE, SETTING, IMPLEMENTABLE_IN, CAPACITY, INTERVENTION, BROADER}
)
"""The predicates the matches are derived from."""
READ: frozenset[ox.NamedNode] = MATCHED | {
    EFFECT,
    CERTAINTY,
    RANK,
    STATUS,
    DIRECTION,
    CITES,
    BASIS,
    RATIONALE,
    SERVES_AREA,
    SERVES_TARGET,
    RDFS_LABEL,
    PREF_LABEL,
}
"""Every predicate the query reads: the facts the index keeps."""
INTERVENTION_READ: frozenset[ox.NamedNode] = frozenset({RDFS_LABEL, SERVES_AREA, SERVES_TARGET})
"""An intervention's own predicates that its rows show or filter on (beyond where it can be implemented)."""
ENTRY_MATCHED: frozenset[ox.NamedNode] = frozenset({RDF_TYPE, INTERVENTION, LIFE_STAGE, SETTING})
"""The predicates by which an entry's own matches change (the others of an entry are read when asked)."""

BENEFICIAL, NO_CLEAR, MIXED, HARMFUL = (ox.NamedNode(ID + "effect/" + e) for e in ("beneficial", "no-clear-effect", "mixed", "harmful"))
PUBLISHED, REVIEWED, DRAFT = (ox.NamedNode(ID + "curation-status/" + s) for s in ("published", "reviewed", "draft"))
VERY_LOW = ox.NamedNode(ID + "certainty/very-low")

SAVED_FORMAT = 1
"""The layout of a saved index (:meth:`MeasuresIndex.save`); a file of another is not read."""

Match = tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode, ox.NamedNode | None, ox.NamedNode]
"""(responsibility, capacity, life stage, the responsibility's setting or None, the entry's setting)."""
Row = dict[str, Any]


def _number(term: object) -> float | None:
    """A rank's numeric value (the query compares ranks as numbers); None for anything that is not a number."""
    if not isinstance(term, ox.Literal):
        return None
    try:
        return float(term.value)
    except ValueError:
        return None


def _count(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD_INTEGER)


def _string(parts: Iterable[str], sep: str) -> ox.Literal:
    return ox.Literal(sep.join(parts), datatype=XSD_STRING)


def _read(quad: ox.Quad) -> bool:
    """Whether the query reads this quad: a predicate of :data:`READ` in the default graph (of the types, only ``mh:EvidenceEntry``)."""
    return quad.predicate in READ and isinstance(quad.graph_name, ox.DefaultGraph) and (quad.predicate != RDF_TYPE or quad.object == ENTRY_CLASS)


@dataclass
class _Facts:
    """The quads the query reads: predicate → subject → objects (a list: the quads are a set, so no duplicates)."""

    by: dict[ox.NamedNode, dict[Any, list[Any]]] = field(default_factory=lambda: {p: defaultdict(list) for p in READ})
    canon: dict[Any, Any] = field(default_factory=dict)
    """One object per term: the store hands out a new one each time; equal terms are kept once (memory, and faster pickling)."""

    def keep(self, quad: ox.Quad) -> None:
        """Add a quad read from the store (no check for duplicates: the store has none)."""
        canon = self.canon
        subject, obj = quad.subject, quad.object
        self.by[quad.predicate][canon.setdefault(subject, subject)].append(canon.setdefault(obj, obj))

    def get(self, predicate: ox.NamedNode, subject: Any) -> list[Any]:
        found = self.by[predicate].get(subject)
        return found if found is not None else []

    def add(self, quad: ox.Quad) -> None:
        objects = self.by[quad.predicate][self.canon.setdefault(quad.subject, quad.subject)]
        if quad.object not in objects:
            objects.append(self.canon.setdefault(quad.object, quad.object))

    def remove(self, quad: ox.Quad) -> None:
        objects = self.by[quad.predicate].get(quad.subject)
        if objects is not None and quad.object in objects:
            objects.remove(quad.object)
            if not objects:
                del self.by[quad.predicate][quad.subject]

    def labels(self, predicate: ox.NamedNode, subject: Any, language: str) -> list[str]:
        return [o.value for o in self.get(predicate, subject) if isinstance(o, ox.Literal) and o.language == language]

    def is_entry(self, subject: Any) -> bool:
        return ENTRY_CLASS in self.get(RDF_TYPE, subject)


@dataclass(frozen=True)
class _Filters:
    """A request's parameters as terms, the defaults applied."""

    org: Any
    wanted: Any
    min_status: Any
    min_ranks: tuple[float, ...]
    setting: Any = None
    life_stage: Any = None
    area: Any = None
    sdg_target: Any = None
    direction: Any = None
    default: bool = False


class MeasuresIndex:
    """Every organisation's evidence-backed measures, as ``committee-measures`` gives them, kept up to date by the store's changes.

    Args:
        store: an :class:`api.store.EmbeddedStore` (its ``native`` store is read, its ``changes_since`` followed).

    Attributes:
        rebuilds: how many times the facts were read from the whole store (the first time included).
        loads: how many times they were taken from a saved file instead (:meth:`load`).
        rederived: how many times all matches were derived again from the facts.
        refreshed: how many entries had their matches recomputed one by one.
    """

    def __init__(self, store: Any) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._version: str | None = None
        self._facts = _Facts()
        self._matches: dict[Any, dict[Any, dict[Any, list[Match]]]] = {}  # org → intervention → entry → matches
        self._remit: dict[Any, list[tuple[Any, Any, Any, Any]]] = {}  # capacity → (org, resp, stage, setting or None)
        self._materialised: dict[Any, dict[Any, list[Row]]] = {}  # org → intervention → its rows, default filters
        self._sorted: dict[Any, list[Row]] = {}  # org → its rows in order, default filters
        self._saved: Path | None = None
        self.rebuilds = self.rederived = self.refreshed = self.loads = 0

    @classmethod
    def for_store(cls, store: Any, root: Path | None = None) -> MeasuresIndex | None:
        """The index of a store that records its changes (the embedded one), when ``root``'s ``committee-measures`` is
        the one the index reproduces; else None (the query is evaluated, e.g. on a remote store)."""
        from api.catalogue import get_query

        if getattr(store, "changes_since", None) is None or getattr(store, "native", None) is None:
            return None
        if root is not None:
            try:
                if get_query("committee-measures", root).text != get_query("committee-measures").text:
                    return None
            except ParameterError:  # a folder without the catalogue: nothing to answer
                return None
        return cls(store)

    # ------------------------------------------------------------------ saved between runs
    def save(self, path: Path) -> None:
        """Save the facts and matches for the store's current content, atomically; the file is removed before the
        store's next write (so a saved index never outlives the content it was made from, even across a crash)."""
        self.sync()
        with self._lock:
            version = self._version
            state = {"format": SAVED_FORMAT, "version": version, "facts": self._facts.by, "remit": self._remit, "matches": self._matches}
            self._watch(path)  # before the file exists: a write from now on removes it
            tmp = path.with_name(path.name + ".tmp")
            with tmp.open("wb") as fh:
                pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        if self.store.data_version() != version:  # a write came while the file was being written
            path.unlink(missing_ok=True)

    def load(self, path: Path) -> bool:
        """Take the facts and matches saved in ``path`` when they are of the store's current content (its data
        version); else leave the index as it is. Whether they were taken.

        The file is the service's own (written by :meth:`save` beside its on-disk store): pickle, so it must never be
        a file from elsewhere.
        """
        try:
            with path.open("rb") as fh:
                state = pickle.load(fh)  # noqa: S301 - the service's own file, beside its store
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            return False
        with self._lock:
            if not isinstance(state, dict) or state.get("format") != SAVED_FORMAT or state.get("version") != self.store.data_version():
                return False
            self._facts = _Facts(by=state["facts"])
            self._remit, self._matches = state["remit"], state["matches"]
            self._forget_rows()
            self._version = state["version"]
            self.loads += 1
            self._watch(path)
        return True

    def _watch(self, path: Path) -> None:
        """Remove ``path`` before the store's next write."""
        self._saved = path
        if self._forget_saved not in self.store.before_write:
            self.store.before_write.append(self._forget_saved)

    def _forget_saved(self) -> None:
        """Before the store changes: the saved index no longer describes it."""
        if self._saved is not None:
            self._saved.unlink(missing_ok=True)
            self._saved = None

    def warm(self) -> None:
        """Materialise every organisation's answer now, one at a time (a request waits for at most one)."""
        self.sync()  # to know the organisations
        for org in list(self._matches):
            self.sync()
            with self._lock:
                filters = self._filters({"org": org})
                if filters is not None:
                    self._default_rows(filters)

    def start(self, saved: Path | None = None) -> None:
        """What the service does at start, in the background: take the saved index when it is of the store's content,
        else read the store (and save the index for the next start); then materialise every organisation's answer."""
        if saved is None or not self.load(saved):
            self.sync()
            if saved is not None:
                with contextlib.suppress(OSError):  # a folder that cannot be written: the next start reads the store again
                    self.save(saved)
        self.warm()

    # ------------------------------------------------------------------ keeping up
    def sync(self) -> str:
        """Bring the index to the store's current content; the version it then holds."""
        with self._lock:
            version = self.store.data_version()
            if version == self._version:
                return version
            known = self.store.changes_since(self._version) if self._version is not None else None
            if known is None:
                self._rebuild()
            else:
                self._apply([q for removed, _ in known[1] for q in removed], [q for _, added in known[1] for q in added])
            self._version = known[0] if known is not None else version
            return self._version

    def _rebuild(self) -> None:
        self._facts = _Facts()
        native = self.store.native
        for predicate in READ:
            kind = ENTRY_CLASS if predicate == RDF_TYPE else None  # of the types, the query reads only this one
            for quad in native.quads_for_pattern(None, predicate, kind, ox.DefaultGraph()):
                self._facts.keep(quad)
        self.rebuilds += 1
        self._derive()

    def _apply(self, removed: list[ox.Quad], added: list[ox.Quad]) -> None:
        """Apply one run of changes: the facts first, then the matches of what they touch."""
        relevant = [(q, False) for q in removed if _read(q)] + [(q, True) for q in added if _read(q)]
        if not relevant:
            return
        facts = self._facts
        was_entry = {q.subject for q, _ in relevant if facts.is_entry(q.subject)}
        old_interventions = {e: list(facts.get(INTERVENTION, e)) for e in was_entry}
        for quad, add in relevant:  # removals before additions, as the writes did them
            (facts.add if add else facts.remove)(quad)
        entries: set[Any] = set()
        interventions: set[Any] = set()
        forget = False
        for quad, _ in relevant:
            subject, predicate = quad.subject, quad.predicate
            is_entry = subject in was_entry or facts.is_entry(subject)
            if is_entry and (predicate in ENTRY_MATCHED or predicate not in MATCHED):  # an entry's own facts
                interventions.update(old_interventions.get(subject, ()), facts.get(INTERVENTION, subject))
                if predicate in ENTRY_MATCHED:
                    entries.add(subject)
            elif predicate in MATCHED:  # a remit, where interventions can be implemented, a setting's place in the hierarchy
                self._derive()
                return
            elif predicate in INTERVENTION_READ and subject in facts.by[IMPLEMENTABLE_IN]:
                interventions.add(subject)
            else:  # a label or rank that any answer may show
                forget = True
        for entry in entries:
            self._refresh(entry, old_interventions.get(entry, ()))
        if forget:
            self._forget_rows()
        else:
            self._touch(interventions)

    def _derive(self) -> None:
        """All matches, from the facts."""
        facts = self._facts
        self._remit = defaultdict(list)
        for org, resps in facts.by[HAS_RESPONSIBILITY].items():
            for resp in resps:
                for capacity in facts.get(IN_CAPACITY, resp):
                    for scope in facts.get(COVERS, resp):
                        settings = facts.get(SETTING, scope) or [None]
                        for stage in facts.get(LIFE_STAGE, scope):
                            for setting in settings:
                                self._remit[capacity].append((org, resp, stage, setting))
        self._forget_rows()
        self._matches = {org: {} for org in facts.by[HAS_RESPONSIBILITY]}
        for entry, types in facts.by[RDF_TYPE].items():
            if ENTRY_CLASS in types:
                self._match(entry)
        self.rederived += 1

    def _refresh(self, entry: Any, old_interventions: Iterable[Any]) -> None:
        """Recompute one entry's matches (it may have stopped being an entry, or changed intervention)."""
        interventions = set(old_interventions) | set(self._facts.get(INTERVENTION, entry))
        for by_intervention in self._matches.values():
            for intervention in interventions:
                by_entry = by_intervention.get(intervention)
                if by_entry is not None and by_entry.pop(entry, None) is not None and not by_entry:
                    del by_intervention[intervention]
        if self._facts.is_entry(entry):
            self._match(entry)
        self.refreshed += 1

    def _match(self, entry: Any) -> None:
        """Add an entry's matches: each responsibility whose capacity can implement its intervention and that covers
        one of its life stages, in one of its settings or a broader one (or in every setting)."""
        facts = self._facts
        stages = facts.get(LIFE_STAGE, entry)
        settings = facts.get(SETTING, entry)
        if not stages or not settings:
            return
        for intervention in facts.get(INTERVENTION, entry):
            capacities = {c for node in facts.get(IMPLEMENTABLE_IN, intervention) for c in facts.get(CAPACITY, node)}
            for capacity in capacities:
                for org, resp, stage, scope_setting in self._remit.get(capacity, ()):
                    if stage not in stages:
                        continue
                    for setting in settings:
                        if scope_setting is None or setting == scope_setting or scope_setting in facts.get(BROADER, setting):
                            found = self._matches.setdefault(org, {}).setdefault(intervention, {}).setdefault(entry, [])
                            found.append((resp, capacity, stage, scope_setting, setting))

    # ------------------------------------------------------------------ answering
    def rows(self, params: Mapping[str, ox.NamedNode | ox.Literal]) -> list[Row]:
        """The rows of ``committee-measures`` for its bound parameters (name → term, defaults applied, as
        :meth:`api.catalogue.CatalogueQuery.terms` gives them), in the query's order.

        With no filter beyond the defaults, the answer is the organisation's materialised rows; with filters, the rows
        are computed from the organisation's matches.
        """
        self.sync()
        with self._lock:
            filters = self._filters(params)
            if filters is None:
                return []
            if filters.default:
                return list(self._default_rows(filters))
            rows = [
                row for intervention, by_entry in self._matches.get(filters.org, {}).items() for row in self._intervention_rows(filters, intervention, by_entry)
            ]
            return sorted(rows, key=self._order)

    @staticmethod
    def _order(row: Row) -> tuple[float, int, str]:
        """The query's ORDER BY DESC(?best_rank) DESC(?entries) ?label_en."""
        return (-float(row["best_rank"].value), -int(row["entries"].value), row["label_en"].value)

    def _filters(self, params: Mapping[str, ox.NamedNode | ox.Literal]) -> _Filters | None:
        min_certainty = params.get("min_certainty") or VERY_LOW
        min_ranks = tuple(r for r in (_number(t) for t in self._facts.get(RANK, min_certainty)) if r is not None)
        if not min_ranks:  # the query joins the level to its rank: a level without one gives no rows
            return None
        wanted, min_status = params.get("effect") or BENEFICIAL, params.get("min_status") or REVIEWED
        narrowing = {name: params.get(name) for name in ("setting", "life_stage", "area", "sdg_target", "direction")}
        default = wanted == BENEFICIAL and min_status == REVIEWED and min_certainty == VERY_LOW and not any(narrowing.values())
        return _Filters(params["org"], wanted, min_status, min_ranks, default=default, **narrowing)

    def _default_rows(self, filters: _Filters) -> list[Row]:
        """The organisation's rows with the default filters: materialised per intervention on first use, then kept up
        to date per intervention by :meth:`_touch`; the sorted list is kept until one of them changes."""
        org = filters.org
        if org not in self._sorted:
            by_intervention = self._materialised.get(org)
            if by_intervention is None:
                by_intervention = {
                    intervention: self._intervention_rows(filters, intervention, by_entry) for intervention, by_entry in self._matches.get(org, {}).items()
                }
                self._materialised[org] = by_intervention
            self._sorted[org] = sorted((row for rows in by_intervention.values() for row in rows), key=self._order)
        return self._sorted[org]

    def _touch(self, interventions: Iterable[Any]) -> None:
        """Recompute the materialised rows of these interventions, for every organisation that has them."""
        touched = set(interventions)
        for org, by_intervention in self._materialised.items():
            filters = self._filters({"org": org})
            assert filters is not None
            matches = self._matches.get(org, {})
            changed = False
            for intervention in touched:
                if intervention in by_intervention or intervention in matches:
                    rows = self._intervention_rows(filters, intervention, matches.get(intervention, {}))
                    if rows or intervention in by_intervention:
                        by_intervention[intervention] = rows
                        changed = True
            if changed:
                self._sorted.pop(org, None)

    def _forget_rows(self) -> None:
        """Drop every materialised answer (they are computed again when next asked)."""
        self._materialised.clear()
        self._sorted.clear()

    def _intervention_rows(self, filters: _Filters, intervention: Any, by_entry: Mapping[Any, list[Match]]) -> list[Row]:  # noqa: C901 - the query's four parts, in order
        """One intervention's rows for an organisation (one for valid data; none when it is not one of its measures)."""
        facts = self._facts
        wanted, min_status, min_ranks = filters.wanted, filters.min_status, filters.min_ranks
        setting, stage_wanted, direction = filters.setting, filters.life_stage, filters.direction
        if not by_entry:
            return []
        if filters.area is not None and filters.area not in facts.get(SERVES_AREA, intervention):
            return []
        if filters.sdg_target is not None and filters.sdg_target not in facts.get(SERVES_TARGET, intervention):
            return []
        labels_sv, labels_en = facts.labels(RDFS_LABEL, intervention, "sv"), facts.labels(RDFS_LABEL, intervention, "en")
        if not labels_sv or not labels_en:
            return []
        counted: set[tuple[Any, Any, float, Any]] = set()  # (entry, effect, rank, status), each once
        pairs: dict[tuple[Any, Any], tuple[set[str], set[str], set[str]]] = {}  # (resp, capacity) → pairs sv, en, sources
        best: dict[float, tuple[Any, set[Any], Any]] = {}  # rank → (its literal, levels, least entry IRI)
        for entry, matches in by_entry.items():
            if direction is not None and direction not in facts.get(DIRECTION, entry):
                continue
            facets = [
                (effect, level, rank_term, rank, status)
                for effect in facts.get(EFFECT, entry)
                for level in facts.get(CERTAINTY, entry)
                for rank_term in facts.get(RANK, level)
                if (rank := _number(rank_term)) is not None
                for status in facts.get(STATUS, entry)
                if status == PUBLISHED or (status == REVIEWED and min_status != PUBLISHED) or (status == DRAFT and min_status == DRAFT)
            ]
            if not facets:
                continue
            sources = {s.value for s in facts.get(CITES, entry)}
            for resp, capacity, stage, scope_setting, entry_setting in matches:
                if stage_wanted is not None and stage != stage_wanted:
                    continue
                if setting is not None and entry_setting != setting and setting not in facts.get(BROADER, entry_setting):
                    continue
                for effect, level, rank_term, rank, status in facets:
                    if effect == wanted:  # the best certainty and its first entry: no floor on the rank here
                        kept = best.get(rank)
                        if kept is None:
                            best[rank] = (rank_term, {level}, entry)
                        else:
                            kept[1].add(level)
                            if entry.value < kept[2].value:
                                best[rank] = (kept[0], kept[1], entry)
                    if not any(rank >= m for m in min_ranks):
                        continue
                    counted.add((entry, effect, rank, status))
                    if effect == wanted and sources:
                        pairs_sv, pairs_en = self._pairs(stage, scope_setting, entry_setting)
                        if pairs_sv:
                            found = pairs.setdefault((resp, capacity), (set(), set(), set()))
                            found[0].update(pairs_sv)
                            found[1].update(pairs_en)
                            found[2].update(sources)
        return [
            dict(row, label_sv=ox.Literal(sv, language="sv"), label_en=ox.Literal(en, language="en"))
            for row in self._row(intervention, counted, wanted, pairs, best)
            for sv in labels_sv
            for en in labels_en
        ]

    def _pairs(self, stage: Any, scope_setting: Any, entry_setting: Any) -> tuple[set[str], set[str]]:
        """The (life stage, setting) pairs in words, as the query writes them: "vuxna i kollektivtrafikmiljö"; none when
        the query's label patterns drop the match.

        A responsibility without a setting (one at the governing level, covering every setting) is written with the
        entry's setting and each broader one that has labels, as the query's optional label pattern binds them.
        """
        facts = self._facts
        stages_sv, stages_en = facts.labels(PREF_LABEL, stage, "sv"), facts.labels(PREF_LABEL, stage, "en")
        if not stages_sv or not stages_en:
            return set(), set()
        candidates = [scope_setting] if scope_setting is not None else [entry_setting, *facts.get(BROADER, entry_setting)]
        named = [(sv, en) for c in candidates if (sv := facts.labels(PREF_LABEL, c, "sv")) and (en := facts.labels(PREF_LABEL, c, "en"))]
        if not named and scope_setting is None:
            return set(), set()
        pairs_sv = {f"{a.lower()} i {b.lower()}" for a in stages_sv for settings_sv, _ in named for b in settings_sv}
        pairs_en = {f"{a.lower()} in {b.lower()}" for a in stages_en for _, settings_en in named for b in settings_en}
        if not named:  # a setting without labels: the life stage alone
            pairs_sv, pairs_en = {a.lower() for a in stages_sv}, {a.lower() for a in stages_en}
        return pairs_sv, pairs_en

    def _row(self, intervention: Any, counted: set, wanted: Any, pairs: dict, best: dict) -> list[Row]:
        """One intervention's row from its counted findings, its justification pairs and its best entry (one per certainty
        basis and rationale, as the query's join gives them, so one for a valid entry); none when the query drops it: no
        finding of the wanted effect, no justification, no certainty basis."""
        facts = self._facts
        wanted_ranks = [rank for _, effect, rank, _ in counted if effect == wanted]
        if not wanted_ranks or max(wanted_ranks) <= 0:
            return []
        best_rank = max(wanted_ranks)
        whys_sv: set[str] = set()
        whys_en: set[str] = set()
        resps: set[str] = set()
        capacities: set[str] = set()
        sources: set[str] = set()
        for (resp, capacity), (pairs_sv, pairs_en, sources_of_resp) in pairs.items():
            resp_sv, resp_en = facts.labels(RDFS_LABEL, resp, "sv"), facts.labels(RDFS_LABEL, resp, "en")
            cap_sv, cap_en = facts.labels(PREF_LABEL, capacity, "sv"), facts.labels(PREF_LABEL, capacity, "en")
            if not (resp_sv and resp_en and cap_sv and cap_en):
                continue
            joined_sv, joined_en = ", ".join(sorted(pairs_sv)), ", ".join(sorted(pairs_en))
            whys_sv.update(f"{r} – i egenskap av {c.lower()}, för {joined_sv}" for r in resp_sv for c in cap_sv)
            whys_en.update(f"{r} – as {c.lower()}, for {joined_en}" for r in resp_en for c in cap_en)
            resps.add(resp.value)
            capacities.add(capacity.value)
            sources.add(" ".join(sorted(sources_of_resp)))
        if not whys_sv:
            return []
        rank_term, levels, best_entry = best[best_rank]
        bases = facts.get(BASIS, best_entry) if facts.is_entry(best_entry) else []
        if not bases:
            return []
        level = min(levels, key=lambda t: t.value)
        row: Row = {
            "intervention": intervention,
            "best_certainty": level,
            "best_rank": rank_term,
            "entries": _count(sum(1 for _, effect, _, _ in counted if effect == wanted)),
            "beneficial": _count(sum(1 for _, effect, _, _ in counted if effect == BENEFICIAL)),
            "no_clear_effect": _count(sum(1 for _, effect, _, _ in counted if effect == NO_CLEAR)),
            "mixed": _count(sum(1 for _, effect, _, _ in counted if effect == MIXED)),
            "harmful": _count(sum(1 for _, effect, _, _ in counted if effect == HARMFUL)),
            "drafts": _count(sum(1 for _, effect, _, status in counted if effect == wanted and status == DRAFT)),
            "best_entry": best_entry,
            "capacities": _string(sorted(capacities), " "),
            "justification_sv": _string(sorted(whys_sv), "; "),
            "justification_en": _string(sorted(whys_en), "; "),
            "responsibilities": _string(sorted(resps), " "),
            "sources": _string(sorted(sources), " "),
        }
        rationales = facts.get(RATIONALE, best_entry)
        rationale_sv: list[ox.Literal | None] = [o for o in rationales if isinstance(o, ox.Literal) and o.language == "sv"] or [None]
        rationale_en: list[ox.Literal | None] = [o for o in rationales if isinstance(o, ox.Literal) and o.language == "en"] or [None]
        rows = []
        for basis, sv, en in itertools.product(bases, rationale_sv, rationale_en):
            one = dict(row, certainty_basis=basis)
            if sv is not None:
                one["certainty_rationale_sv"] = sv
            if en is not None:
                one["certainty_rationale_en"] = en
            rows.append(one)
        return rows
