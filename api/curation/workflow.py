"""The reviewed workflow of evidence entries: submit, revise, approve, publish, retract (no HTTP types here).

States and steps::

    submit ──▶ draft ──approve──▶ reviewed ──publish──▶ published
                 ▲                                          │
                 └──────────── revise (any state) ◀─────────┘      retract: from any state, with a reason

- Curators submit and revise; reviewers approve, publish and retract. Nobody approves or publishes an entry
  whose current version they submitted or revised themselves (four eyes).
- Every step is a ``prov:Activity`` (an :class:`mh:StatusTransition`: who, when, from, to, note), written into
  the entry's file and added to the graph, so the history is in git and in SPARQL alike.
- A revision keeps the text of the version it replaces as an ``mh:EntryVersion`` and links the entry to it with
  ``prov:wasRevisionOf``.
- A step is taken only on the version the client read (``If-Match`` with the entry's ETag), only if the entry
  with its new status conforms to the shapes, and one step at a time (the service's write lock). The file is
  replaced atomically: a crash leaves the old file or the new one, never part of one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from api.curation.canonical import canonical_turtle
from api.curation.people import Person
from api.errors import (
    EntryNotConformingError,
    EntryRefusedError,
    FourEyesError,
    NotFoundError,
    PreconditionFailedError,
    PreconditionRequiredError,
    ReasonRequiredError,
    RoleError,
    TransitionError,
)
from api.files import repository_mode, write_atomically
from api.store import EmbeddedStore
from api.vocab import ID, PREFIXES, VOCAB

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def _v(term: Term) -> str:
    """The lexical value of a term (an RDF-star triple as its N-Triples form)."""
    return str(term) if isinstance(term, ox.Triple) else term.value


RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
RDFS_LABEL = ox.NamedNode(PREFIXES["rdfs"] + "label")
PROV = PREFIXES["prov"]
DCT = PREFIXES["dcterms"]
XSD = PREFIXES["xsd"]
STATUS = ID + "curation-status/"
STATUSES = ("draft", "reviewed", "published", "retracted")
P_STATUS = ox.NamedNode(VOCAB + "curationStatus")
P_CURATOR = ox.NamedNode(VOCAB + "curator")
P_VERSION = ox.NamedNode(VOCAB + "versionNumber")
P_MODIFIED = ox.NamedNode(DCT + "modified")
P_CREATED = ox.NamedNode(DCT + "created")
P_REVISION_OF = ox.NamedNode(PROV + "wasRevisionOf")
TRANSITION = ox.NamedNode(VOCAB + "StatusTransition")
ENTRY_VERSION = ox.NamedNode(VOCAB + "EntryVersion")


@dataclass(frozen=True)
class Action:
    """A step of the workflow: the role it needs, the states it starts from, the state it leads to."""

    name: str
    role: str
    start: frozenset[str]
    end: str
    four_eyes: bool = False
    needs_reason: bool = False
    label: tuple[str, str] = ("", "")


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action("submit", "curator", frozenset({""}), "draft", label=("Inskickad", "Submitted")),
        Action("revise", "curator", frozenset(STATUSES), "draft", label=("Ny version inskickad", "Revised")),
        Action("approve", "reviewer", frozenset({"draft"}), "reviewed", four_eyes=True, label=("Granskad och godkänd", "Reviewed and approved")),
        Action("publish", "reviewer", frozenset({"reviewed"}), "published", four_eyes=True, label=("Publicerad", "Published")),
        Action("retract", "reviewer", frozenset({"draft", "reviewed", "published"}), "retracted", needs_reason=True, label=("Tillbakadragen", "Retracted")),
    )
}
REVIEW_ACTIONS = ("approve", "publish", "retract")
"""The steps a reviewer takes on an existing entry (the curators' are submit and revise)."""


def etag_of(data: bytes) -> str:
    """The entry's version as an HTTP entity tag: a hash of its file's bytes (quoted, strong).

    >>> etag_of(b"x")
    '"2d711642b726b044"'
    """
    return '"' + hashlib.sha256(data).hexdigest()[:16] + '"'


def check_if_match(if_match: str | None, current: str, *, iri: str, slug: str) -> None:
    """Let a change through only on the version the client read.

    Raises:
        PreconditionRequiredError: no ``If-Match`` was given (428).
        PreconditionFailedError: it names another version (412). Weak tags never match (RFC 9110, strong comparison).
    """
    if not if_match or not if_match.strip():
        raise PreconditionRequiredError("etag_required", slug=slug)
    given = [tag.strip() for tag in if_match.split(",")]
    if current not in given and "*" not in given:
        raise PreconditionFailedError("etag_mismatch", iri=iri, given=if_match.strip(), current=current)


def _now() -> ox.Literal:
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return ox.Literal(stamp, datatype=ox.NamedNode(XSD + "dateTime"))


def _today() -> ox.Literal:
    return ox.Literal(dt.date.today().isoformat(), datatype=ox.NamedNode(XSD + "date"))


def status_name(term: Term | None) -> str:
    """``draft`` for ``…/curation-status/draft``; ``""`` for none."""
    return term.value.removeprefix(STATUS) if isinstance(term, ox.NamedNode) else ""


@dataclass
class EntryFile:
    """An entry's file as the workflow sees it: the entry's own triples, its versions and its activities."""

    iri: str
    entry: list[ox.Triple]
    others: list[ox.Triple] = field(default_factory=list)

    @classmethod
    def of(cls, iri: str, triples: Iterable[ox.Triple]) -> EntryFile:
        subject = ox.NamedNode(iri)
        triples = list(triples)
        return cls(iri=iri, entry=[t for t in triples if t.subject == subject], others=[t for t in triples if t.subject != subject])

    @property
    def subject(self) -> ox.NamedNode:
        return ox.NamedNode(self.iri)

    def triples(self) -> list[ox.Triple]:
        return self.entry + self.others

    def value(self, predicate: ox.NamedNode) -> Term | None:
        return next((t.object for t in self.entry if t.predicate == predicate), None)

    @property
    def status(self) -> str:
        return status_name(self.value(P_STATUS))

    @property
    def version(self) -> int:
        found = self.value(P_VERSION)
        return int(found.value) if isinstance(found, ox.Literal) else 1

    def activities(self) -> list[dict[str, Any]]:
        """The entry's transitions, oldest first: IRI, action, from, to, agent, time, note."""
        by_subject: dict[str, dict[str, Any]] = {}
        for t in self.others:
            if t.predicate == RDF_TYPE and t.object == TRANSITION:
                by_subject.setdefault(_v(t.subject), {"iri": _v(t.subject)})
        for t in self.others:
            record = by_subject.get(_v(t.subject))
            if record is None:
                continue
            key = {
                VOCAB + "workflowStep": "action",
                VOCAB + "fromStatus": "from",
                VOCAB + "toStatus": "to",
                PROV + "wasAssociatedWith": "agent",
                PROV + "endedAtTime": "time",
                VOCAB + "transitionNote": "note",
                VOCAB + "versionNumber": "version",
            }.get(t.predicate.value)
            if key:
                record[key] = status_name(t.object) if key in ("from", "to") else _v(t.object)
        return sorted(by_subject.values(), key=lambda r: (r.get("time", ""), _sequence(r["iri"])))

    def authors(self) -> set[str]:
        """Who submitted or revised the current version: the agent of the latest submit or revise step; for a
        file written by hand (no steps recorded), its curators."""
        steps = [a for a in self.activities() if a.get("action") in ("submit", "revise")]
        if steps:
            return {steps[-1].get("agent", "")}
        return {_v(t.object) for t in self.entry if t.predicate == P_CURATOR}

    def previous_text(self) -> str | None:
        """The text of the version this one replaced, if it is a revision."""
        previous = self.value(P_REVISION_OF)
        if previous is None:
            return None
        text = next((_v(t.object) for t in self.others if t.subject == previous and t.predicate.value == VOCAB + "versionText"), None)
        return text


def _sequence(iri: str) -> int:
    tail = iri.rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _replace(triples: list[ox.Triple], subject: ox.NamedNode, predicate: ox.NamedNode, *objects: Term) -> list[ox.Triple]:
    kept = [t for t in triples if not (t.subject == subject and t.predicate == predicate)]
    return kept + [ox.Triple(subject, predicate, o) for o in objects]


def _activity(record: EntryFile, action: Action, person: Person, *, before: str, note: str | None) -> list[ox.Triple]:
    """The PROV record of one step (the next number in the entry's sequence)."""
    number = max([_sequence(a["iri"]) for a in record.activities()] + [0]) + 1
    node = ox.NamedNode(f"{record.iri}/activity/{number}")
    agent = ox.NamedNode(person.iri)
    time = _now()
    sv, en = action.label
    out = [
        ox.Triple(node, RDF_TYPE, TRANSITION),
        ox.Triple(node, RDF_TYPE, ox.NamedNode(PROV + "Activity")),
        ox.Triple(node, RDFS_LABEL, ox.Literal(f"{sv} av {person.label}", language="sv")),
        ox.Triple(node, RDFS_LABEL, ox.Literal(f"{en} by {person.label}", language="en")),
        ox.Triple(node, ox.NamedNode(VOCAB + "workflowStep"), ox.Literal(action.name)),
        ox.Triple(node, ox.NamedNode(PROV + "used"), record.subject),
        ox.Triple(node, ox.NamedNode(PROV + "wasAssociatedWith"), agent),
        ox.Triple(node, ox.NamedNode(PROV + "startedAtTime"), time),
        ox.Triple(node, ox.NamedNode(PROV + "endedAtTime"), time),
        ox.Triple(node, ox.NamedNode(VOCAB + "toStatus"), ox.NamedNode(STATUS + action.end)),
        ox.Triple(node, ox.NamedNode(VOCAB + "versionNumber"), ox.Literal(str(record.version), datatype=ox.NamedNode(XSD + "integer"))),
        ox.Triple(agent, RDF_TYPE, ox.NamedNode(PROV + "Person")),
        ox.Triple(agent, RDFS_LABEL, ox.Literal(person.label)),
    ]
    if before:
        out.append(ox.Triple(node, ox.NamedNode(VOCAB + "fromStatus"), ox.NamedNode(STATUS + before)))
    if note:
        out.append(ox.Triple(node, ox.NamedNode(VOCAB + "transitionNote"), ox.Literal(note)))
    return out


def authorise(action: Action, person: Person, record: EntryFile | None) -> None:
    """Whether ``person`` may take ``action`` on the entry in its current state.

    Raises:
        RoleError: the person lacks the action's role.
        TransitionError: the entry's status does not allow the action.
        FourEyesError: a reviewer acting on their own version.
    """
    if not person.can(action.role):
        raise RoleError("role_missing", name=person.name, role=action.role)
    current = record.status if record else ""
    if current not in action.start:
        raise TransitionError(
            "transition_refused",
            iri=record.iri if record else "",
            status=current or "-",
            action=action.name,
            allowed=", ".join(sorted(action.start)),
        )
    if action.four_eyes and record is not None and person.iri in record.authors():
        raise FourEyesError("four_eyes", iri=record.iri)


def first_version(iri: str, triples: list[ox.Triple], person: Person) -> EntryFile:
    """A new entry as submitted by ``person``: a draft, version 1, its curator the person, with its submit step.

    Raises:
        EntryRefusedError: the body gives a status other than draft (status changes by review).
    """
    record = EntryFile.of(iri, triples)
    if record.status not in ("", "draft"):
        raise EntryRefusedError("status_by_review")
    subject = record.subject
    entry = _replace(record.entry, subject, P_STATUS, ox.NamedNode(STATUS + "draft"))
    entry = _replace(entry, subject, P_CURATOR, ox.NamedNode(person.iri))
    entry = _replace(entry, subject, P_VERSION, ox.Literal("1", datatype=ox.NamedNode(XSD + "integer")))
    if record.value(P_CREATED) is None:
        entry = _replace(entry, subject, P_CREATED, _today())
    entry = _replace(entry, subject, P_MODIFIED, _today())
    fresh = EntryFile(iri=iri, entry=entry)
    fresh.others = _activity(fresh, ACTIONS["submit"], person, before="", note=None)
    return fresh


def next_status(record: EntryFile, action: Action, person: Person, note: str | None) -> EntryFile:
    """The entry after a review step (approve, publish, retract), with the step recorded.

    Raises:
        RoleError, TransitionError, FourEyesError: see :func:`authorise`.
        ReasonRequiredError: a retraction without a reason.
    """
    authorise(action, person, record)
    if action.needs_reason and not (note and note.strip()):
        raise ReasonRequiredError("reason_required")
    entry = _replace(record.entry, record.subject, P_STATUS, ox.NamedNode(STATUS + action.end))
    entry = _replace(entry, record.subject, P_MODIFIED, _today())
    out = EntryFile(iri=record.iri, entry=entry, others=list(record.others))
    out.others += _activity(record, action, person, before=record.status, note=(note or "").strip() or None)
    return out


def revised(record: EntryFile, triples: list[ox.Triple], person: Person, note: str | None) -> EntryFile:
    """A new version of the entry: back to draft, linked to the version it replaces, whose text is kept.

    Raises:
        RoleError, TransitionError: see :func:`authorise`.
        EntryRefusedError: the new version describes another IRI, or sets a status other than draft.
    """
    action = ACTIONS["revise"]
    authorise(action, person, record)
    new = EntryFile.of(record.iri, triples)
    if not new.entry or new.others:
        raise EntryRefusedError("revision_same_iri", iri=record.iri)
    if new.status not in ("", "draft", record.status):
        raise EntryRefusedError("status_by_review")
    old_version = record.version
    kept = ox.NamedNode(f"{record.iri}/version/{old_version}")
    subject = record.subject
    entry = _replace(new.entry, subject, P_STATUS, ox.NamedNode(STATUS + "draft"))
    entry = _replace(entry, subject, P_CURATOR, ox.NamedNode(person.iri))
    entry = _replace(entry, subject, P_VERSION, ox.Literal(str(old_version + 1), datatype=ox.NamedNode(XSD + "integer")))
    entry = _replace(entry, subject, P_REVISION_OF, kept)
    created = record.value(P_CREATED)
    entry = _replace(entry, subject, P_CREATED, *([created] if created is not None else [_today()]))
    entry = _replace(entry, subject, P_MODIFIED, _today())
    snapshot = [
        ox.Triple(kept, RDF_TYPE, ENTRY_VERSION),
        ox.Triple(kept, RDF_TYPE, ox.NamedNode(PROV + "Entity")),
        ox.Triple(kept, RDFS_LABEL, ox.Literal(f"Version {old_version}", language="sv")),
        ox.Triple(kept, RDFS_LABEL, ox.Literal(f"Version {old_version}", language="en")),
        ox.Triple(kept, ox.NamedNode(DCT + "isVersionOf"), subject),
        ox.Triple(kept, P_VERSION, ox.Literal(str(old_version), datatype=ox.NamedNode(XSD + "integer"))),
        ox.Triple(kept, ox.NamedNode(VOCAB + "versionText"), ox.Literal(canonical_turtle(record.entry))),
    ]
    previous = record.value(P_REVISION_OF)
    if previous is not None:
        snapshot.append(ox.Triple(kept, P_REVISION_OF, previous))
    out = EntryFile(iri=record.iri, entry=entry, others=list(record.others) + snapshot)
    out.others += _activity(out, action, person, before=record.status, note=(note or "").strip() or None)
    return out


HEADER = "# Written by the curation service (mhkg): canonical Turtle, validated against shapes/ before it was written.\n"


def render(record: EntryFile) -> bytes:
    """The entry's file: canonical Turtle with the service's header."""
    return canonical_turtle(record.triples(), header=HEADER).encode("utf-8")


def read(path: Path, iri: str) -> tuple[EntryFile, bytes]:
    """The entry's file, parsed, and its bytes.

    Raises:
        NotFoundError: there is no such file.
    """
    from api.knowledge.loader import parse_text

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError("evidence", iri.rsplit("/", 1)[-1]) from None
    return EntryFile.of(iri, parse_text(data.decode("utf-8"), ox.RdfFormat.TURTLE, name=str(path))), data


def write(path: Path, record: EntryFile, *, new: bool) -> bytes:
    """Write the entry's file atomically (a new file never overwrites one; permissions as the folder's files)."""
    data = render(record)
    write_atomically(path, data, overwrite=not new, mode=repository_mode(path.parent))
    return data


def replace_in_store(store: EmbeddedStore, old: Iterable[ox.Triple], new: list[ox.Triple]) -> None:
    """Swap an entry's triples in the store: every triple about the old file's subjects (asserted and inferred) goes,
    the new file's come in; the caller then materialises the closures again."""
    subjects = {t.subject for t in old} | {t.subject for t in new}
    store.replace_subjects([s for s in subjects if isinstance(s, ox.NamedNode | ox.BlankNode)], new)


def conforms(report: Any) -> None:
    """Raise EntryNotConformingError (422, the report as the body) unless the report conforms."""
    if not report.conforms:
        raise EntryNotConformingError("entry_not_conforming", report=report.to_dict())


def diff(record: EntryFile) -> str:
    """What the current version changed against the one it replaced, as a unified diff of their canonical Turtle
    (empty for a first version)."""
    import difflib

    before = record.previous_text()
    if before is None:
        return ""
    after = canonical_turtle(record.entry)
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), "före / before", "efter / after", n=1)
    return "".join(lines)
