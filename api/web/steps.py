"""The service's workflow steps on evidence entries, shared by the JSON API and the pages' forms: one write at a time."""

from __future__ import annotations

import functools

import pyoxigraph as ox
from fastapi.concurrency import run_in_threadpool

from api import curation
from api.curation.people import Person
from api.web.deps import ServiceState


async def _repository(state: ServiceState) -> tuple[curation.Validator, curation.RepositoryContext]:
    """The validator and the repository's context (each made on first use: off the event loop)."""
    curation.writable(state.store)
    return await run_in_threadpool(lambda: (state.validator, state.repository))


async def submit_as(state: ServiceState, triples: list[ox.Triple], person: Person) -> curation.Submission:
    """A new entry submitted by ``person``, one write at a time (the JSON API's and the curation page's alike)."""
    validator, context = await _repository(state)
    return await curation.submit(triples, person=person, lock=state.write_lock, store=state.store, root=state.root, validator=validator, context=context)


async def take_step(
    state: ServiceState, entry_id: str, action: str, *, person: Person, if_match: str | None, note: str | None, triples: list[ox.Triple] | None = None
) -> curation.Submission:
    """One workflow step by ``person``, one write at a time (the JSON API's and the pages' forms' alike)."""
    validator, context = await _repository(state)
    work = functools.partial(
        curation.transition_entry,
        entry_id,
        action,
        person=person,
        note=note,
        if_match=if_match,
        store=state.store,
        root=state.root,
        validator=validator,
        context=context,
        triples=triples,
    )
    return await curation.serialised(state.write_lock, work)
