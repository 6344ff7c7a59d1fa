"""The catalogue on three more SPARQL engines: every query must give the embedded store's answer on Apache Jena ARQ,
Virtuoso 7 and Comunica 4, as it does on the Oxigraph server (``tests/store/test_remote.py``).

Each engine gets the release the build writes (``build/mhkg-inferred.nt``) the way a user would load it:

* **ARQ** reads the file itself (``arq.sparql --data``); it has no server (Debian packages no Fuseki), so there is no
  ``RemoteStore`` to test on it;
* **Virtuoso** is loaded with ``mhkg push``, which recognises it by its ``Server`` header and replaces the release's
  named graph through ``/sparql-graph-crud``; queries go through ``RemoteStore`` (flavour ``virtuoso``);
* **Comunica** serves the file (it is its own loader) in a network namespace of its own; queries go through
  ``RemoteStore`` from a thread inside that namespace.

An engine that is not installed fails its tests, naming ``scripts/setup-engines``: it is never skipped. Answers are
compared by :func:`harness.catalogue.normalise` (rows in any order, ``GROUP_CONCAT`` parts in any order, booleans by
value); nothing else is forgiven.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from api.catalogue import catalogue
from api.store import EmbeddedStore, RemoteStore
from api.store.protocol import Term
from api.store.remote import result_rows, with_prefixes
from harness import run_cli
from harness.catalogue import EMPTY_ON_THE_BUNDLED_KNOWLEDGE, all_runs, normalise, runs
from harness.engines import VIRTUOSO_PROBE, EngineMissingError, arq_select, comunica_serve, virtuoso_serve

ENGINES = ["jena-arq", "virtuoso", "comunica"]
Select = Callable[[str], list[dict[str, Term]]]


class Engine(NamedTuple):
    name: str
    select: Select
    endpoint: str | None
    """Its query URL where ``mhkg`` can reach it (not ARQ, which has none, nor Comunica, inside its namespace)."""


def release(built) -> Path:
    path = built[2] / "mhkg-inferred.nt"
    assert path.exists(), f"the build wrote no {path.name}"
    return path


def arq(built) -> Iterator[Engine]:
    """ARQ, one JVM per query text: the whole catalogue is evaluated at the first question, two at a time."""
    answers: dict[str, list[dict[str, Term]]] = {}

    def select(text: str) -> list[dict[str, Term]]:
        if not answers:
            texts = sorted({text for _name, _params, text in all_runs()})
            answers.update(zip(texts, (result_rows(r) for r in arq_select(release(built), [with_prefixes(t) for t in texts])), strict=True))
        if text not in answers:
            answers.update({text: result_rows(arq_select(release(built), [with_prefixes(text)])[0])})
        return answers[text]

    yield Engine("jena-arq", select, None)


def virtuoso(built, folder: Path) -> Iterator[Engine]:
    with virtuoso_serve(folder) as server:
        server.wait_ready(VIRTUOSO_PROBE)
        server.allow_graph_store()
        pushed = run_cli("push", "--endpoint", server.url + "/sparql", env={"MHKG_BUILD_DIR": str(built[2])})
        assert pushed.returncode == 0, pushed.stderr
        assert "pushed" in pushed.stdout and "sparql-graph-crud" in pushed.stderr, pushed.stderr
        yield Engine("virtuoso", RemoteStore(server.url + "/sparql", flavour="virtuoso", timeout=300).select, server.url + "/sparql")


def comunica(built, folder: Path) -> Iterator[Engine]:
    with comunica_serve(release(built), log=folder / "comunica.log") as server:
        server.wait_started()
        remote = RemoteStore(server.url + "/sparql", timeout=300)
        yield Engine("comunica", lambda text: server.call(remote.select, text), None)


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest, built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    name = request.param
    folder = tmp_path_factory.mktemp(name)
    start = {"jena-arq": lambda: arq(built), "virtuoso": lambda: virtuoso(built, folder), "comunica": lambda: comunica(built, folder)}[name]
    try:
        started = start()
        engine = next(started)
    except EngineMissingError as exc:
        pytest.fail(str(exc))
    yield engine
    started.close()


@pytest.mark.parametrize("query", sorted(catalogue()))
def test_catalogue_query_gives_the_embedded_answer(query: str, engine: Engine, store: EmbeddedStore) -> None:
    name, select, _ = engine
    for params, text in runs(query):
        embedded = store.select(text)
        if query not in EMPTY_ON_THE_BUNDLED_KNOWLEDGE:
            assert embedded, f"{query} {params}: no rows to compare"
        mine, theirs = normalise(embedded), normalise(select(text))
        only_embedded = [row for row in mine if row not in theirs]
        only_engine = [row for row in theirs if row not in mine]
        where = f"{query} {params} on {name}: {len(mine)} rows embedded, {len(theirs)} there"
        assert mine == theirs, f"{where}; only embedded: {only_embedded[:3]}; only there: {only_engine[:3]}"


def test_an_answer_that_differs_is_caught(engine: Engine, store: EmbeddedStore) -> None:
    """The comparison can fail: a query whose text differs by one value gives a different answer on the engine."""
    name, select, _ = engine
    (_params, text), *_ = runs("committee-measures")
    other = text.replace("organisation/trafiknamnden", "organisation/kulturnamnden")
    assert other != text
    assert normalise(store.select(text)) != normalise(select(other)), name


def test_mhkg_query_on_the_engine(engine: Engine, built, store: EmbeddedStore) -> None:
    """``mhkg query … --endpoint`` on the engine's own URL: the flavour is asked of the server, and the rows are the embedded ones."""
    if engine.endpoint is None:
        pytest.skip(f"{engine.name} has no endpoint mhkg can reach (ARQ is a command line; Comunica lives in its own network namespace)")
    params = {"org": "https://w3id.org/mhkg/id/organisation/huddinge", "min_status": "draft", "effect": "no-clear-effect"}
    args = [arg for name, value in params.items() for arg in ("--param", f"{name}={value}")]
    done = run_cli("query", "committee-measures", *args, "--format", "json", "--endpoint", engine.endpoint, env={"MHKG_BUILD_DIR": str(built[2])})
    assert done.returncode == 0, done.stderr
    text = next(t for p, t in runs("committee-measures") if p == params)
    rows = result_rows(json.loads(done.stdout))
    assert rows and normalise(rows) == normalise(store.select(text))
