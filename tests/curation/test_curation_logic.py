"""The curation logic without HTTP: the atomic writer, the write token, parsing, submitting, and one submission at a time."""

from __future__ import annotations

import asyncio
import copy
import shutil
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from api import curation, files
from api.curation.people import Person
from api.errors import (
    EntryEncodingError,
    EntryExistsError,
    EntryFormatError,
    EntryNotConformingError,
    EntryRefusedError,
    KnowledgeSyntaxError,
    SubmissionsUnavailableError,
    TokenMissingError,
    TokenRefusedError,
)
from api.store import EmbeddedStore, RemoteStore
from api.validation import ShaclValidator
from api.vocab import VOCAB
from api.web.state import ServiceState

CORPUS = Path(__file__).resolve().parents[1] / "data" / "validation"
VALID = (CORPUS / "valid" / "entry-citing-existing-source.ttl").read_text()
EV = "https://w3id.org/mhkg/id/evidence/"
ENTRY = "https://w3id.org/mhkg/ontology#EvidenceEntry"


PERSON = Person(name="tess", label="Tess Test", roles=frozenset({"curator"}), digest=b"\0" * 32)
"""A curator (the workflow's people are tested in test_workflow.py)."""


def entry(slug: str) -> list[ox.Triple]:
    """The corpus's valid entry under another slug."""
    return curation.parse_entry(VALID.replace("ev:test-valid-entry", f"ev:{slug}").encode(), "text/turtle")


# ------------------------------------------------------------------------------------ the atomic writer
def test_a_failed_write_leaves_neither_the_file_nor_a_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "entries" / "a.ttl"
    files.write_atomically(target, b"complete")  # the control: the same call without a failure writes the file
    assert target.read_bytes() == b"complete" and list(target.parent.glob(files.TEMPORARY)) == []

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", broken_fsync)
    for path, overwrite in ((tmp_path / "entries" / "b.ttl", False), (target, True)):
        with pytest.raises(OSError, match="No space"):
            files.write_atomically(path, b"never seen", overwrite=overwrite)
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.ttl"]  # no b.ttl, no temporary
    assert target.read_bytes() == b"complete"  # the failed overwrite changed nothing


def test_an_existing_file_is_never_overwritten_unless_asked(tmp_path: Path) -> None:
    target = tmp_path / "a.ttl"
    files.write_atomically(target, b"first")
    with pytest.raises(FileExistsError):
        files.write_atomically(target, b"second")
    assert target.read_bytes() == b"first" and list(tmp_path.glob(files.TEMPORARY)) == []
    files.write_atomically(target, b"second", overwrite=True)
    assert target.read_bytes() == b"second" and [p.name for p in tmp_path.iterdir()] == ["a.ttl"]


def test_remove_temporaries_removes_only_temporaries(tmp_path: Path) -> None:
    folder = tmp_path / curation.ENTRIES
    folder.mkdir(parents=True)
    (folder / ".x.ttl.k2j3.tmp").write_bytes(b"half")
    (folder / "x.ttl").write_bytes(b"whole")
    (folder / ".gitkeep").write_bytes(b"")
    assert [p.name for p in curation.remove_temporaries(tmp_path)] == [".x.ttl.k2j3.tmp"]
    assert sorted(p.name for p in folder.iterdir()) == [".gitkeep", "x.ttl"]
    assert files.remove_temporaries(tmp_path / "missing") == []


# ------------------------------------------------------------------------------------ the write token
@pytest.mark.parametrize(
    ("configured", "header", "refusal"),
    [
        pytest.param("s3cret-token", "Bearer s3cret-token", None, id="right"),
        pytest.param("s3cret-token", "bearer   s3cret-token  ", None, id="scheme-case-and-spaces"),
        pytest.param("s3cret-token", None, TokenMissingError, id="no-header"),
        pytest.param("s3cret-token", "Basic czNjcmV0LXRva2Vu", TokenMissingError, id="not-bearer"),
        pytest.param("s3cret-token", "Bearer s3cret-toke", TokenRefusedError, id="prefix-of-the-token"),
        pytest.param("s3cret-token", "Bearer s3cret-token-and-more", TokenRefusedError, id="longer"),
        pytest.param("s3cret-token", "Bearer ", TokenRefusedError, id="empty"),
        pytest.param(None, "Bearer s3cret-token", TokenRefusedError, id="writes-off"),
        pytest.param("", "Bearer ", TokenRefusedError, id="empty-token-is-writes-off"),
    ],
)
def test_the_token_check(configured: str | None, header: str | None, refusal: type[Exception] | None) -> None:
    if refusal is None:
        curation.check_token(configured, header)
        return
    with pytest.raises(refusal) as caught:
        curation.check_token(configured, header)
    said = str(caught.value) + caught.value.text("sv")  # type: ignore[attr-defined]
    assert "s3cret" not in said  # neither the configured token nor the given one is ever repeated


# ------------------------------------------------------------------------------------ parsing and the entry's form
def test_parse_entry_by_media_type() -> None:
    triples = entry("by-media-type")
    jsonld = ox.serialize(triples, format=ox.RdfFormat.JSON_LD)
    assert set(curation.parse_entry(jsonld, "application/ld+json; charset=utf-8")) == set(triples)
    with pytest.raises(EntryFormatError) as wrong:
        curation.parse_entry(VALID.encode(), "application/json")
    assert str(wrong.value) == "Send the entry as text/turtle, application/ld+json, application/n-triples"
    assert wrong.value.text("sv").startswith("Skicka posten")
    with pytest.raises(EntryEncodingError):
        curation.parse_entry('<urn:a> <urn:b> "ö" .'.encode("latin-1"), None)
    with pytest.raises(KnowledgeSyntaxError) as broken:
        curation.parse_entry(b"@prefix x: <y> .\nx:a x:b", "text/turtle")
    assert broken.value.line == 2


@pytest.mark.parametrize(
    ("turtle", "said"),
    [
        pytest.param("<urn:a> <urn:b> <urn:c> .", "exactly one", id="no-entry"),
        pytest.param(f"<{EV}a> a <{ENTRY}> . <{EV}b> a <{ENTRY}> .", "exactly one", id="two"),
        pytest.param(f"<{EV}a> a <{ENTRY}> . <urn:other> <urn:p> 1 .", "only the entry", id="other-subject"),
        pytest.param(f"<{EV}Not_Lower> a <{ENTRY}> .", "lowercase slug", id="slug"),
        pytest.param(f"_:entry a <{ENTRY}> .", "lowercase slug", id="blank-node"),
        pytest.param(f'<{EV}a> a "{ENTRY}" .', "exactly one", id="type-as-a-literal"),
    ],
)
def test_entry_iri_refuses_what_is_not_one_entry(turtle: str, said: str) -> None:
    with pytest.raises(EntryRefusedError, match=said):
        curation.entry_iri(curation.parse_entry(turtle.encode(), "text/turtle"))


# ------------------------------------------------------------------------------------ submitting
@pytest.fixture(scope="module")
def parsed(built, root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ShaclValidator, curation.RepositoryContext]:
    """A copy of the repository, its validator and its parsed triples (the folder is shared: each test submits its own slugs)."""
    folder = tmp_path_factory.mktemp("repository")
    for name in ("ontology", "evidence", "shapes", "queries"):
        shutil.copytree(root / name, folder / name)
    return folder, ShaclValidator(folder), curation.RepositoryContext(folder)


@pytest.fixture()
def repository(parsed: tuple[Path, ShaclValidator, curation.RepositoryContext]) -> tuple[Path, ShaclValidator, curation.RepositoryContext]:
    """The repository with a context of its own: what another test accepted is not in it (it would make a duplicate)."""
    folder, validator, context = parsed
    return folder, validator, copy.copy(context)


@pytest.fixture()
def store(built) -> EmbeddedStore:
    s = EmbeddedStore()
    s.add_triples(built[1].triples())
    return s


def test_an_accepted_submission_is_a_file_in_the_store_and_in_the_context(repository, store: EmbeddedStore) -> None:
    root, validator, context = repository
    triples = entry("logic-accepted")
    before = len(context.triples)
    done = curation.submit_entry(triples, person=PERSON, store=store, root=root, validator=validator, context=context)
    assert done.iri == EV + "logic-accepted" and done.file == "evidence/entries/logic-accepted.ttl" and done.report["conforms"] is True
    written = curation.parse_entry((root / done.file).read_bytes(), "text/turtle")
    # the entry as sent, except what the workflow sets: a draft by the submitting curator, version 1, its submit step
    workflow_set = {VOCAB + "curator", VOCAB + "versionNumber", "http://purl.org/dc/terms/modified"}
    assert {t for t in triples if t.predicate.value not in workflow_set} <= set(written)
    draft = "https://w3id.org/mhkg/id/curation-status/draft"
    assert store.ask(f"ASK {{ <{done.iri}> a mh:EvidenceEntry ; mh:intervention ?iv ; mh:curator <{PERSON.iri}> ; mh:curationStatus <{draft}> }}")
    assert store.ask(f"ASK {{ ?step a prov:Activity ; prov:used <{done.iri}> ; prov:wasAssociatedWith <{PERSON.iri}> }}")
    assert len(context.triples) == before + len(written)
    with pytest.raises(EntryExistsError, match="already exists"):
        curation.submit_entry(triples, person=PERSON, store=store, root=root, validator=validator, context=context)


def test_a_refused_submission_changes_nothing(repository, store: EmbeddedStore) -> None:
    root, validator, context = repository
    bad = curation.parse_entry((CORPUS / "invalid" / "cited-source-missing.ttl").read_bytes(), "text/turtle")
    listing, count = sorted((root / "evidence").rglob("*")), store.count()
    with pytest.raises(EntryNotConformingError) as refused:
        curation.submit_entry(bad, person=PERSON, store=store, root=root, validator=validator, context=context)
    assert refused.value.report["conforms"] is False and refused.value.report["results"]
    with pytest.raises(SubmissionsUnavailableError):
        remote = RemoteStore("http://127.0.0.1:9/sparql")
        curation.submit_entry(entry("logic-remote"), person=PERSON, store=remote, root=root, validator=validator, context=context)
    assert sorted((root / "evidence").rglob("*")) == listing and store.count() == count


def test_a_failed_store_update_removes_the_file_again(repository, store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch) -> None:
    root, validator, context = repository

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the store is gone")

    monkeypatch.setattr(store, "update", broken)
    with pytest.raises(RuntimeError, match="gone"):
        curation.submit_entry(entry("logic-rolled-back"), person=PERSON, store=store, root=root, validator=validator, context=context)
    assert list((root / curation.ENTRIES).glob("logic-rolled-back*")) == [] and list((root / curation.ENTRIES).glob(files.TEMPORARY)) == []


def test_validate_triples_needs_a_typed_resource(repository) -> None:
    _, validator, context = repository
    with pytest.raises(EntryRefusedError) as refused:
        curation.validate_triples(curation.parse_entry(b"<urn:a> <urn:b> <urn:c> .", None), validator=validator, context=context)
    assert "rdf:type" in str(refused.value) and "rdf:type" in refused.value.text("sv")


# ------------------------------------------------------------------------------------ one submission at a time
class Overlap:
    """A stand-in for submit_entry that records how many run at once, and when each ran."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.running, self.most = seconds, 0, 0
        self.spans: list[tuple[float, float]] = []
        self.lock = threading.Lock()

    def __call__(self, triples: list[ox.Triple], **_: object) -> curation.Submission:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        start = time.monotonic()
        time.sleep(self.seconds)
        with self.lock:
            self.running -= 1
            self.spans.append((start, time.monotonic()))
        return curation.Submission(iri="urn:x", file="x.ttl", report={})


def _submit(lock: asyncio.Lock) -> Coroutine[Any, Any, curation.Submission]:
    return curation.submit([], person=PERSON, lock=lock, store=EmbeddedStore(), root=Path("."), validator=None, context=None)  # type: ignore[arg-type]


@pytest.mark.parametrize("shared", [pytest.param(True, id="one-lock"), pytest.param(False, id="control-a-lock-each")])
def test_submissions_run_one_at_a_time(monkeypatch: pytest.MonkeyPatch, shared: bool) -> None:
    fake = Overlap(0.05)
    monkeypatch.setattr(curation.entries, "submit_entry", fake)

    async def burst() -> None:
        lock = asyncio.Lock()
        await asyncio.gather(*(_submit(lock if shared else asyncio.Lock()) for _ in range(6)))

    asyncio.run(burst())
    assert len(fake.spans) == 6
    assert (fake.most == 1) is shared  # the control shows the witness can see an overlap


def test_a_cancelled_submission_keeps_the_lock_until_its_write_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = Overlap(0.3)
    monkeypatch.setattr(curation.entries, "submit_entry", fake)

    async def scenario() -> None:
        lock = asyncio.Lock()
        first = asyncio.ensure_future(_submit(lock))
        await asyncio.sleep(0.05)  # the first write is under way in its thread
        first.cancel()
        await _submit(lock)
        with pytest.raises(asyncio.CancelledError):
            await first

    asyncio.run(scenario())
    (a_start, a_end), (b_start, _) = sorted(fake.spans)
    assert fake.most == 1 and b_start >= a_end  # the second began only after the cancelled one's write had finished


def test_two_equal_submissions_at_once_one_lands_one_exists(repository, store: EmbeddedStore) -> None:
    root, validator, context = repository
    triples = entry("logic-raced")

    async def race() -> list[object]:
        lock = asyncio.Lock()
        go = [curation.submit(triples, lock=lock, person=PERSON, store=store, root=root, validator=validator, context=context) for _ in range(2)]
        return await asyncio.gather(*go, return_exceptions=True)

    outcomes = asyncio.run(race())
    assert sorted(type(o).__name__ for o in outcomes) == ["EntryExistsError", "Submission"]
    assert [p.name for p in (root / curation.ENTRIES).glob("logic-raced*")] == ["logic-raced.ttl"]


# ------------------------------------------------------------------------------------ the service state
def test_the_state_declares_its_caches_and_takes_no_new_attributes() -> None:
    state = ServiceState(store=EmbeddedStore())
    with pytest.raises(AttributeError):
        state._views = {}  # type: ignore[attr-defined]
    computed: list[int] = []
    assert state.cached("k", lambda: computed.append(1) or "one") == "one"
    assert state.cached("k", lambda: computed.append(2) or "two") == "one" and state.peek("k") == "one"
    state.store.add_triples([ox.Triple(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.Literal("c"))])  # a write: a new data version
    assert state.peek("k") is None and state.cached("k", lambda: computed.append(3) or "three") == "three"
    assert computed == [1, 3]
