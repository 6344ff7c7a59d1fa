"""Curation: checking and submitting evidence entries, validated and written atomically (no HTTP types here)."""

from __future__ import annotations

from api.curation.entries import (
    ENTRIES,
    FORMATS,
    RepositoryContext,
    Submission,
    Validator,
    entry_iri,
    entry_state,
    media_of,
    parse_entry,
    remove_temporaries,
    review_queue,
    serialised,
    submit,
    submit_entry,
    transition_entry,
    typed_resources,
    validate_triples,
    writable,
)
from api.curation.people import CURATOR, REVIEWER, People, Person
from api.curation.token import check_token

__all__ = [
    "CURATOR",
    "REVIEWER",
    "People",
    "Person",
    "entry_state",
    "review_queue",
    "transition_entry",
    "ENTRIES",
    "FORMATS",
    "RepositoryContext",
    "Submission",
    "Validator",
    "check_token",
    "entry_iri",
    "media_of",
    "parse_entry",
    "remove_temporaries",
    "serialised",
    "submit",
    "submit_entry",
    "typed_resources",
    "validate_triples",
    "writable",
]
