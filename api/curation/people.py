"""The people who curate and review: names, roles and hashed tokens, read from a file outside the repository.

The file (its path is the setting ``MHKG_CURATORS_FILE``) is TOML, one table per person::

    [people.alice]
    label = "Alice Andersson"
    roles = ["curator"]                 # submits and revises entries
    token_sha256 = "9f86d081884c7d65…"  # the SHA-256 of the person's token, in hex

    [people.bob]
    label = "Bob Berg"
    roles = ["curator", "reviewer"]     # a reviewer also reviews, publishes and retracts
    token_sha256 = "…"

The same tables may come as JSON in the setting ``MHKG_CURATORS`` (``{"alice": {"label": …, "roles": […],
"token_sha256": …}}``). ``mhkg curators token <name>`` makes a token and prints its table. Only hashes are kept:
a given token is hashed once and compared with every person's hash in constant time, and no token or hash is
ever logged or put into a message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.errors import PeopleConfigError, RoleError, TokenMissingError, TokenRefusedError
from api.vocab import ID

CURATOR = "curator"
"""The role that submits and revises entries."""
REVIEWER = "reviewer"
"""The role that reviews, publishes and retracts them (never one's own, see :mod:`api.curation.workflow`)."""
ROLES = (CURATOR, REVIEWER)
AGENTS = ID + "agent/"
"""The namespace of the people's IRIs (``curator:`` in the files)."""
NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
HEX = re.compile(r"^[0-9a-f]{64}$")


def token_hash(token: str) -> str:
    """The hex SHA-256 of a token, as the people's file keeps it.

    >>> token_hash("test")
    '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'
    """
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A new random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Person:
    """A named curator or reviewer."""

    name: str
    label: str
    roles: frozenset[str]
    digest: bytes

    @property
    def iri(self) -> str:
        return AGENTS + self.name

    def can(self, role: str) -> bool:
        return role in self.roles

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "iri": self.iri, "roles": sorted(self.roles)}


class People:
    """Everyone who may write, by name; who a bearer token belongs to."""

    def __init__(self, people: Iterable[Person] = ()) -> None:
        self.by_name = {p.name: p for p in people}

    def __len__(self) -> int:
        return len(self.by_name)

    def __iter__(self) -> Any:
        return iter(self.by_name.values())

    @classmethod
    def from_tables(cls, tables: Mapping[str, Any], *, origin: str) -> People:
        """People from ``{name: {"label", "roles", "token_sha256"}}``.

        Raises:
            PeopleConfigError: a name, role or hash is not of the expected form (the message names the person, never the hash).
        """
        people = []
        for name, table in tables.items():
            if not isinstance(table, Mapping) or not NAME.match(str(name)):
                raise PeopleConfigError("people_name", origin=origin, name=name)
            roles = table.get("roles", [])
            if not roles or not isinstance(roles, list) or any(r not in ROLES for r in roles):
                raise PeopleConfigError("people_roles", origin=origin, name=name, roles=", ".join(ROLES))
            digest = str(table.get("token_sha256", "")).strip().lower()
            if not HEX.match(digest):
                raise PeopleConfigError("people_hash", origin=origin, name=name)
            people.append(Person(name=name, label=str(table.get("label") or name), roles=frozenset(roles), digest=bytes.fromhex(digest)))
        return cls(people)

    @classmethod
    def load(cls, file: Path | None, tables_json: str | None = None) -> People:
        """The people of the TOML file and of the JSON tables (the environment's); nobody when neither is set.

        Raises:
            PeopleConfigError: the file cannot be read or parsed, or a person is not of the expected form.
        """
        tables: dict[str, Any] = {}
        if file is not None:
            try:
                tables.update(tomllib.loads(file.read_text(encoding="utf-8")).get("people", {}))
            except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise PeopleConfigError("people_file", origin=str(file), reason=str(exc)) from exc
        if tables_json:
            try:
                tables.update(json.loads(tables_json))
            except json.JSONDecodeError as exc:
                raise PeopleConfigError("people_file", origin="MHKG_CURATORS", reason=str(exc)) from exc
        return cls.from_tables(tables, origin=str(file or "MHKG_CURATORS"))

    def identify(self, authorization: str | None) -> Person:
        """The person whose token the ``Authorization: Bearer …`` header carries.

        The given token is hashed once and compared with every person's hash in constant time, all of them,
        so the time taken says nothing about who matched or how much of a token was right.

        Raises:
            TokenMissingError: no bearer token was given.
            TokenRefusedError: nobody has this token, or nobody is configured.
        """
        token = bearer(authorization)
        if not self.by_name:
            raise TokenRefusedError("nobody_configured")
        given = hashlib.sha256(token.encode()).digest()
        found: Person | None = None
        for person in self.by_name.values():
            if hmac.compare_digest(given, person.digest):  # no early exit: every hash is compared
                found = person
        if found is None:
            raise TokenRefusedError("token_invalid")
        return found

    def require(self, authorization: str | None, role: str) -> Person:
        """:meth:`identify`, and the person must hold ``role``.

        Raises:
            RoleError: the person does not hold the role.
        """
        person = self.identify(authorization)
        if not person.can(role):
            raise RoleError("role_missing", name=person.name, role=role)
        return person


MAINTAINERS = "maintainers"
"""The name under which the write token (``MHKG_WRITE_TOKEN``) submits: a curator who never reviews."""


def with_write_token(people: People, write_token: str | None) -> People:
    """The people, and the holders of the service's write token as the curator ``maintainers`` (they submit
    and revise; reviewing needs a named reviewer)."""
    if not write_token or MAINTAINERS in people.by_name:
        return people
    digest = hashlib.sha256(write_token.encode()).digest()
    maintainers = Person(name=MAINTAINERS, label="Förvaltningen (skrivnyckeln) / maintainers (write token)", roles=frozenset({CURATOR}), digest=digest)
    return People([*people, maintainers])


def bearer(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer …`` header.

    >>> bearer("Bearer abc "), bearer("bearer abc")
    ('abc', 'abc')
    """
    if not authorization or not authorization.lower().startswith("bearer ") or not authorization[7:].strip():
        raise TokenMissingError("token_required")
    return authorization[7:].strip()


def person_table(name: str, token: str, *, label: str, roles: Iterable[str]) -> str:
    """The TOML table of a person, with the hash of their token (never the token itself).

    >>> print(person_table("bob", "test", label="Bob Berg", roles=["curator", "reviewer"]))
    [people.bob]
    label = "Bob Berg"
    roles = ["curator", "reviewer"]
    token_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    <BLANKLINE>
    """
    listed = ", ".join(json.dumps(r) for r in roles)
    return f'[people.{name}]\nlabel = {json.dumps(label, ensure_ascii=False)}\nroles = [{listed}]\ntoken_sha256 = "{token_hash(token)}"\n'
