"""The recommendation index answers ``committee-measures`` exactly as the catalogue query does, on the bundled knowledge
and after random sequences of writes of every kind; an entry's write recomputes only what it touches."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from api.catalogue import QueryRunner, get_query
from api.catalogue.measures import MeasuresIndex
from api.store import EmbeddedStore
from harness.catalogue import normalise

ID = "https://w3id.org/mhkg/id/"
MH = "https://w3id.org/mhkg/ontology#"
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
QUERY = get_query("committee-measures")
FILTERS = [
    {},
    {"min_status": "draft"},
    {"min_status": "published"},
    {"effect": "no-clear-effect", "min_status": "draft"},
    {"effect": "harmful"},
    {"min_certainty": "moderate"},
    {"life_stage": "adults"},
    {"life_stage": "young-people"},
    {"setting": "education"},
    {"setting": "public-transport"},
    {"direction": "prevention"},
    {"area": "public-health"},
    {"sdg_target": "http://metadata.un.org/sdg/3.4"},
]


def p(local: str) -> ox.NamedNode:
    return ox.NamedNode(MH + local)


def organisations(store: EmbeddedStore) -> list[ox.NamedNode]:
    return sorted({q.subject for q in store.native.quads_for_pattern(None, p("hasResponsibility"), None, ox.DefaultGraph())}, key=str)


def answers(store: EmbeddedStore, index: MeasuresIndex, params: dict[str, str]) -> tuple[list, list]:
    return normalise(store.select(QUERY.bind(params))), normalise(index.rows(QUERY.terms(params)))


@pytest.fixture()
def copy(store: EmbeddedStore) -> Iterator[EmbeddedStore]:
    """A private copy of the bundled knowledge, to write to."""
    mine = EmbeddedStore()
    mine.add_quads(store.quads())
    mine.set_base_version("copy")
    yield mine


def test_every_organisation_on_the_bundled_knowledge(store: EmbeddedStore) -> None:
    index = MeasuresIndex(store)
    orgs = organisations(store)
    assert len(orgs) > 40
    compared = rows = 0
    for n, org in enumerate(orgs):  # every organisation with the defaults and two filters, each filter in turn
        for extra in ({}, FILTERS[1 + n % (len(FILTERS) - 1)], FILTERS[1 + (n + 5) % (len(FILTERS) - 1)]):
            expected, got = answers(store, index, {"org": str(org.value), **extra})
            assert got == expected, (org, extra)
            compared += 1
            rows += len(got)
    assert compared == 3 * len(orgs) and rows > 300  # the comparison is not of empty answers


def test_the_order_is_the_querys(store: EmbeddedStore) -> None:
    index = MeasuresIndex(store)
    params = {"org": ID + "organisation/stockholm", "min_status": "draft"}
    order = [(r["best_rank"].value, r["entries"].value) for r in store.select(QUERY.bind(params))]
    assert len(order) > 5 and [(r["best_rank"].value, r["entries"].value) for r in index.rows(QUERY.terms(params))] == order


def test_the_runner_answers_from_the_index(store: EmbeddedStore) -> None:
    calls: list[dict] = []
    index = MeasuresIndex(store)

    def spy(terms: dict) -> list:
        calls.append(terms)
        return index.rows(terms)

    runner = QueryRunner(store, indexes={"committee-measures": spy})
    rows = runner.run("committee-measures", {"org": ID + "organisation/trafiknamnden"})
    assert calls and normalise(rows) == normalise(store.select(QUERY.bind({"org": ID + "organisation/trafiknamnden"})))
    assert runner.misses == 0  # the query was not evaluated
    runner.run("committee-no-clear-benefit", {"org": ID + "organisation/huddinge"})
    assert len(calls) == 1 and runner.misses == 1  # other queries are


# ------------------------------------------------------------------------------------------- writes
class Writer:
    """Random writes of every kind to a store, the way the service and a curator make them."""

    def __init__(self, store: EmbeddedStore, rng: random.Random) -> None:
        self.store, self.rng = store, rng
        native = store.native
        self.entries = sorted({q.subject for q in native.quads_for_pattern(None, p("intervention"), None, ox.DefaultGraph())}, key=str)
        self.values = {
            name: sorted({q.object for q in native.quads_for_pattern(None, p(name), None, ox.DefaultGraph()) if q.subject in set(self.entries)}, key=str)
            for name in ("intervention", "lifeStage", "setting", "effect", "certainty", "curationStatus", "direction", "citesSource", "certaintyBasis")
        }
        self.orgs = organisations(store)
        self.capacities = sorted({q.object for q in native.quads_for_pattern(None, p("inCapacity"), None, ox.DefaultGraph())}, key=str)
        self.made = 0

    def triples_of(self, subject: ox.NamedNode) -> list[ox.Triple]:
        return [q.triple for q in self.store.native.quads_for_pattern(subject, None, None, ox.DefaultGraph())]

    def pick(self, name: str) -> ox.Term:
        return self.rng.choice(self.values[name])

    def new_entry(self) -> set[ox.NamedNode]:
        self.made += 1
        e = ox.NamedNode(f"{ID}evidence/random-{self.made}")
        t = [ox.Triple(e, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), p("EvidenceEntry"))]
        for name in ("intervention", "lifeStage", "setting", "effect", "certainty", "curationStatus", "direction", "citesSource", "certaintyBasis"):
            t += [ox.Triple(e, p(name), v) for v in {self.pick(name) for _ in range(self.rng.choice([1, 1, 2]))}]
        t += [
            ox.Triple(e, p("certaintyRationale"), ox.Literal(f"skäl {self.made}", language="sv")),
            ox.Triple(e, p("certaintyRationale"), ox.Literal(f"reason {self.made}", language="en")),
        ]
        self.store.replace_subjects([e], t)
        self.entries.append(e)
        return {e}

    def change_entry(self) -> set[ox.NamedNode]:
        e = self.rng.choice(self.entries)
        name = self.rng.choice(["lifeStage", "setting", "effect", "certainty", "curationStatus", "intervention", "direction", "citesSource"])
        kept = [t for t in self.triples_of(e) if t.predicate != p(name)]
        self.store.replace_subjects([e], kept + [ox.Triple(e, p(name), self.pick(name))])
        return {e}

    def remove_entry(self) -> set[ox.NamedNode]:
        e = self.entries.pop(self.rng.randrange(len(self.entries)))
        self.store.replace_subjects([e], [])
        return {e}

    def label_intervention(self) -> set[ox.NamedNode]:
        i = self.pick("intervention")
        self.store.add_triples([ox.Triple(i, LABEL, ox.Literal(f"Another name {self.rng.random()}", language="en"))])
        return set()

    def label_responsibility(self) -> set[ox.NamedNode]:
        org = self.rng.choice(self.orgs)
        resps = [t.object for t in self.triples_of(org) if t.predicate == p("hasResponsibility")]
        resp = self.rng.choice(resps)
        assert isinstance(resp, ox.NamedNode)
        self.store.replace_subjects(
            [resp],
            [t for t in self.triples_of(resp) if not (t.predicate == LABEL and isinstance(t.object, ox.Literal) and t.object.language == "sv")]
            + [ox.Triple(resp, LABEL, ox.Literal(f"Nytt namn {self.rng.random()}", language="sv"))],
        )
        return set()

    def new_responsibility(self) -> set[ox.NamedNode]:
        self.made += 1
        org = self.rng.choice(self.orgs)
        resp, scope = ox.NamedNode(f"{ID}responsibility/random-{self.made}"), ox.NamedNode(f"{ID}scope/random-{self.made}")
        self.store.add_triples(
            [
                ox.Triple(org, p("hasResponsibility"), resp),
                ox.Triple(resp, p("inCapacity"), self.rng.choice(self.capacities)),
                ox.Triple(resp, p("covers"), scope),
                ox.Triple(resp, LABEL, ox.Literal(f"Uppdrag {self.made}", language="sv")),
                ox.Triple(resp, LABEL, ox.Literal(f"Remit {self.made}", language="en")),
                ox.Triple(scope, p("lifeStage"), self.pick("lifeStage")),
                *([ox.Triple(scope, p("setting"), self.pick("setting"))] if self.rng.random() < 0.5 else []),
            ]
        )
        return set()

    def update(self) -> set[ox.NamedNode]:
        e = self.rng.choice(self.entries)
        status = self.pick("curationStatus")
        status_of = f"<{e.value}> <{MH}curationStatus>"
        self.store.update(f"DELETE {{ {status_of} ?s }} INSERT {{ {status_of} <{status.value}> }} WHERE {{ {status_of} ?s }}")
        return {e}

    def orgs_of(self, entries: set[ox.NamedNode]) -> set[ox.NamedNode]:
        """The organisations whose answers an entry's write may change: those with a responsibility in a capacity of its intervention."""
        native = self.store.native
        capacities = {
            c.object
            for e in entries
            for i in native.quads_for_pattern(e, p("intervention"), None, ox.DefaultGraph())
            for node in native.quads_for_pattern(i.object, p("implementableIn"), None, ox.DefaultGraph())
            for c in native.quads_for_pattern(node.object, p("capacity"), None, ox.DefaultGraph())
        }
        return {
            q.subject
            for c in capacities
            for r in native.quads_for_pattern(None, p("inCapacity"), c, ox.DefaultGraph())
            for q in native.quads_for_pattern(None, p("hasResponsibility"), r.subject, ox.DefaultGraph())
        }


KINDS = ["new_entry"] * 4 + ["change_entry"] * 4 + ["remove_entry", "label_intervention", "label_responsibility", "new_responsibility", "update"]


@pytest.mark.parametrize("seed", [1, 2])
def test_random_writes_the_index_stays_equal_to_the_query(copy: EmbeddedStore, seed: int) -> None:
    """After each of 30 random writes, the index answers as the query does, for the organisations the write may
    concern and two others, with the default filters (the materialised answer) and a random one."""
    rng = random.Random(seed)  # noqa: S311 - a seeded sequence of writes, not a secret
    writer = Writer(copy, rng)
    index = MeasuresIndex(copy)
    index.warm()
    kinds = []
    for _ in range(30):
        kind = rng.choice(KINDS)
        kinds.append(kind)
        touched = getattr(writer, kind)()
        orgs = sorted(writer.orgs_of(touched), key=str)[:3] + rng.sample(writer.orgs, 2)
        for org in orgs:
            for extra in ({}, rng.choice(FILTERS)):
                expected, got = answers(copy, index, {"org": org.value, **extra})
                assert got == expected, (kind, org, extra)
    assert {"new_entry", "change_entry"} <= set(kinds)
    assert index.refreshed > 0 and index.rebuilds >= 1


def test_an_entry_write_recomputes_only_what_it_touches(copy: EmbeddedStore) -> None:
    """A new entry for a measure of Trafiknämnden appears in its answer, by the entry's own matches: the facts are not
    read again from the store and the other matches are not derived again."""
    index = MeasuresIndex(copy)
    org = ID + "organisation/trafiknamnden"
    before = index.rows(QUERY.terms({"org": org}))
    rebuilds, rederived = index.rebuilds, index.rederived
    target = before[-1]
    entry = ox.NamedNode(ID + "evidence/written-now")
    intervention = target["intervention"]
    existing = [q.subject for q in copy.native.quads_for_pattern(None, p("intervention"), intervention, ox.DefaultGraph())][0]
    copy.replace_subjects(
        [entry], [ox.Triple(entry, t.predicate, t.object) for t in (q.triple for q in copy.native.quads_for_pattern(existing, None, None, ox.DefaultGraph()))]
    )
    after = index.rows(QUERY.terms({"org": org}))
    assert (index.rebuilds, index.rederived, index.refreshed) == (rebuilds, rederived, 1)
    row = next(r for r in after if r["intervention"] == intervention)
    assert int(row["entries"].value) == int(target["entries"].value) + 1
    assert normalise(after) == normalise(copy.select(QUERY.bind({"org": org})))


def test_control_without_the_per_intervention_update_the_answer_goes_stale(copy: EmbeddedStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison catches an index that does not recompute what a write touches."""
    monkeypatch.setattr(MeasuresIndex, "_touch", lambda self, interventions: None)
    index = MeasuresIndex(copy)
    org = ID + "organisation/trafiknamnden"
    target = index.rows(QUERY.terms({"org": org}))[0]
    existing = [q.subject for q in copy.native.quads_for_pattern(None, p("intervention"), target["intervention"], ox.DefaultGraph())][0]
    entry = ox.NamedNode(ID + "evidence/written-now")
    copy.replace_subjects([entry], [ox.Triple(entry, q.predicate, q.object) for q in copy.native.quads_for_pattern(existing, None, None, ox.DefaultGraph())])
    expected, got = answers(copy, index, {"org": org})
    assert got != expected


# ------------------------------------------------------------------------------------------- saved between runs
def test_a_saved_index_is_taken_at_the_next_start_and_answers_alike(copy: EmbeddedStore, tmp_path: Path) -> None:
    saved = tmp_path / "store.measures-index"
    first = MeasuresIndex(copy)
    first.start(saved)
    assert saved.exists() and (first.rebuilds, first.loads) == (1, 0)
    second = MeasuresIndex(copy)
    second.start(saved)
    assert (second.rebuilds, second.loads) == (0, 1)  # the store was not read
    for org in (ID + "organisation/trafiknamnden", ID + "organisation/huddinge"):
        expected, got = answers(copy, second, {"org": org, "min_status": "draft"})
        assert got == expected and got


def test_a_write_removes_the_saved_index_before_it_changes_the_store(copy: EmbeddedStore, tmp_path: Path) -> None:
    saved = tmp_path / "store.measures-index"
    MeasuresIndex(copy).start(saved)
    seen: list[bool] = []
    copy.before_write.append(lambda: seen.append(saved.exists()))  # runs after the index's own hook
    entry = ox.NamedNode(ID + "evidence/written-now")
    copy.add_triples([ox.Triple(entry, LABEL, ox.Literal("x", language="en"))])
    assert seen == [False] and not saved.exists()
    later = MeasuresIndex(copy)
    assert later.load(saved) is False


def test_a_saved_index_of_other_content_or_unreadable_is_not_taken(copy: EmbeddedStore, store: EmbeddedStore, tmp_path: Path) -> None:
    saved = tmp_path / "store.measures-index"
    MeasuresIndex(copy).save(saved)
    other = MeasuresIndex(store)  # the bundled store: another data version
    assert other.load(saved) is False and other.loads == 0
    saved.write_bytes(b"not a pickle")
    assert MeasuresIndex(copy).load(saved) is False
    assert MeasuresIndex(copy).load(tmp_path / "missing") is False


# ------------------------------------------------------------------------------------------- the API's view
def test_the_measures_view_is_remade_only_for_the_rows_a_write_touched(copy: EmbeddedStore) -> None:
    from api.web.state import ServiceState
    from api.web.views import measures

    state = ServiceState(store=copy)
    assert state.index is not None
    before = measures(state, "trafiknamnden")
    touched = before[-1]
    existing = [q.subject for q in copy.native.quads_for_pattern(None, p("intervention"), ox.NamedNode(touched["intervention"]), ox.DefaultGraph())][0]
    entry = ox.NamedNode(ID + "evidence/written-now")
    copy.replace_subjects([entry], [ox.Triple(entry, q.predicate, q.object) for q in copy.native.quads_for_pattern(existing, None, None, ox.DefaultGraph())])
    after = {m["intervention"]: m for m in measures(state, "trafiknamnden")}
    assert after[touched["intervention"]]["entries"] == touched["entries"] + 1
    assert all(after[m["intervention"]] is m for m in before if m is not touched)  # kept, not remade
    kept = len(state.row_views)
    assert measures(state, "trafiknamnden", {"life_stage": "adults"})  # a filtered answer: rows new each time
    assert len(state.row_views) == kept  # so none of them is kept


def test_a_write_while_the_index_is_being_saved_leaves_no_saved_index(copy: EmbeddedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import api.catalogue.measures as measures_module

    saved = tmp_path / "store.measures-index"
    real_dump = measures_module.pickle.dump

    def dump_with_a_write(*args: object, **kwargs: object) -> None:
        copy.add_triples([ox.Triple(ox.NamedNode(ID + "evidence/written-now"), LABEL, ox.Literal("x", language="en"))])
        real_dump(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(measures_module.pickle, "dump", dump_with_a_write)
    MeasuresIndex(copy).save(saved)
    assert not saved.exists()
