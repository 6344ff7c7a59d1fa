"""What the embedded store remembers of its writes (``EmbeddedStore.changes_since``), which the query workers catch
up by (``tests/sparql/test_executor.py``): exactly the quads each write removed and added, or nothing at all."""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
import pytest

from api.store import EmbeddedStore

N, P = ox.NamedNode, ox.NamedNode("http://example.org/p")


def triple(s: str, o: str) -> ox.Triple:
    return ox.Triple(N(f"http://example.org/{s}"), P, ox.Literal(o))


def quad(s: str, o: str) -> ox.Quad:
    return ox.Quad(N(f"http://example.org/{s}"), P, ox.Literal(o), ox.DefaultGraph())


def test_each_write_is_named_by_what_it_removed_and_added() -> None:
    store = EmbeddedStore()
    store.set_base_version("v1")
    start = store.data_version()
    store.add_triples([triple("a", "1"), triple("b", "1")])
    store.replace_subjects([N("http://example.org/a")], [triple("a", "2")])
    now, changes = store.changes_since(start) or ("", [])
    assert now == store.data_version() == "v1+2"
    assert [(sorted(map(str, r)), sorted(map(str, a))) for r, a in changes] == [
        ([], sorted(map(str, [quad("a", "1"), quad("b", "1")]))),
        ([str(quad("a", "1"))], [str(quad("a", "2"))]),
    ]
    assert store.changes_since(now) == (now, [])


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda s: s.update("INSERT DATA { <http://example.org/u> <http://example.org/p> 1 }"), id="sparql-update"),
        pytest.param(lambda s: s.add_triples([ox.Triple(ox.BlankNode(), P, ox.Literal("x"))]), id="blank-node"),
    ],
)
def test_a_write_whose_change_cannot_be_named_breaks_the_chain(write: Callable[[EmbeddedStore], object]) -> None:
    store = EmbeddedStore()
    start = store.data_version()
    store.add_triples([triple("a", "1")])
    middle = store.data_version()
    write(store)
    store.add_triples([triple("a", "3")])
    assert store.changes_since(start) is None and store.changes_since(middle) is None
    assert store.changes_since(store.data_version()) is not None


def test_only_the_recent_changes_are_kept() -> None:
    store = EmbeddedStore(keep_changes=2)
    versions = [store.data_version()]
    for i in range(3):
        store.add_triples([triple("a", str(i))])
        versions.append(store.data_version())
    assert [store.changes_since(v) is not None for v in versions] == [False, True, True, True]
    few = EmbeddedStore(keep_quads=3)
    old = few.data_version()
    few.add_triples([triple("a", "1"), triple("a", "2")])
    recent = few.data_version()
    few.add_triples([triple("b", "1"), triple("b", "2")])  # four quads kept would pass three: the first write goes
    assert few.changes_since(old) is None and few.changes_since(recent) is not None


def test_another_base_or_a_future_version_is_unknown() -> None:
    store = EmbeddedStore()
    store.set_base_version("v1")
    store.add_triples([triple("a", "1")])
    assert store.changes_since("v0+0") is None
    assert store.changes_since("v1+5") is None
    assert store.changes_since("v1+x") is None
    store.set_base_version("v2")
    assert store.changes_since("v1+0") is None and store.changes_since("v2+0") == ("v2+0", [])
