"""The service's workflow steps on evidence entries, shared by the JSON API and the pages' forms: one write at a time."""

from __future__ import annotations

import functools

import pyoxigraph as ox
from fastapi.concurrency import run_in_threadpool

from api import curation
from api.curation.people import Person
from api.web.deps import ServiceState


async def take_step(
    state: ServiceState, entry_id: str, action: str, *, person: Person, if_match: str | None, note: str | None, triples: list[ox.Triple] | None = None
) -> curation.Submission:
    """One workflow step by ``person``, one write at a time (the JSON API's and the pages' forms' alike)."""
    curation.writable(state.store)
    validator, context = await run_in_threadpool(lambda: (state.validator, state.repository))
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
