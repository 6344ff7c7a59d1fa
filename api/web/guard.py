"""What a public query may not do: fetch anything from outside the store.

Comments, string literals and IRIs are blanked first, so that keywords are found only where
they are keywords (``?service`` or ``"SERVICE"`` are fine).
"""

from __future__ import annotations

import re

MAX_QUERY_LENGTH = 100_000
_BLANK = re.compile(r'''"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|<[^<>"{}|^`\\\s]*>|#[^\n]*''')
_FORBIDDEN = re.compile(r"(?<![?$\w:])(SERVICE|LOAD|FROM)(?![\w:-])", re.IGNORECASE)


class ForbiddenQueryError(ValueError):
    """The query would reach outside the store, or is too long."""


def check_query(text: str) -> None:
    """Raise ForbiddenQueryError for SERVICE, LOAD, FROM / FROM NAMED, or an over-long query.

    >>> check_query('SELECT ?service WHERE { ?s ?p "SERVICE" }')
    >>> check_query("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    api.web.guard.ForbiddenQueryError: SERVICE is not allowed on this endpoint: queries run on this knowledge graph only and never fetch remote data.
    """
    if len(text) > MAX_QUERY_LENGTH:
        raise ForbiddenQueryError(f"The query is longer than {MAX_QUERY_LENGTH} characters.")
    bare = _BLANK.sub(lambda m: " " * len(m.group(0)), text)
    found = _FORBIDDEN.search(bare)
    if found:
        word = found.group(1).upper()
        what = "FROM / FROM NAMED (dataset clauses)" if word == "FROM" else word
        raise ForbiddenQueryError(f"{what} is not allowed on this endpoint: queries run on this knowledge graph only and never fetch remote data.")
