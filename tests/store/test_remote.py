"""A real Oxigraph server: the build is pushed to it and every catalogue query must give the
same answer there as on the embedded store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.catalogue import QueryRunner, catalogue
from api.errors import StoreError
from api.store import EmbeddedStore, RemoteStore
from harness import OXIGRAPH_PROBE, free_port, oxigraph_binary, oxigraph_serve, run_cli, wait_for
from harness.catalogue import EMPTY_ON_THE_BUNDLED_KNOWLEDGE, normalise, runs


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not oxigraph_binary().exists():
        pytest.fail("the oxigraph server is not installed (pip install oxigraph; scripts/setup does this)")
    location = tmp_path_factory.mktemp("oxigraph")
    with oxigraph_serve(location) as oxigraph:
        url = oxigraph.url
        if not wait_for(url + OXIGRAPH_PROBE, proc=oxigraph.proc):
            pytest.fail("oxigraph server did not start")
        yield url


@pytest.fixture(scope="module")
def remote(server: str, built, cli_env_module: dict[str, str]) -> RemoteStore:
    proc = run_cli("push", "--endpoint", server, env=cli_env_module)
    assert proc.returncode == 0, proc.stderr
    assert "pushed" in proc.stdout
    return RemoteStore(server + "/query")


@pytest.fixture(scope="module")
def cli_env_module(built) -> dict[str, str]:
    import os

    return {**os.environ, "MHKG_BUILD_DIR": str(built[2])}


def test_push_loads_the_whole_build(remote: RemoteStore, store: EmbeddedStore) -> None:
    assert remote.count() == len(store) + 1  # plus the data-version triple
    assert remote.data_version() != "unversioned"


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_catalogue_query_gives_the_same_answer_embedded_and_on_oxigraph_server(name: str, remote: RemoteStore, store: EmbeddedStore) -> None:
    for params, text in runs(name):
        embedded = store.select(text)
        served = remote.select(text)
        if name in EMPTY_ON_THE_BUNDLED_KNOWLEDGE:
            assert embedded == [] and served == []  # the same answer; rows are compared in tests/curation/test_workflow.py
            continue
        assert embedded, f"{name} {params}: no rows to compare"
        assert normalise(embedded) == normalise(served), f"{name} {params}"


def test_query_command_with_endpoint(server: str, remote: RemoteStore) -> None:
    proc = run_cli("query", "cost-figures", "--format", "csv", "--endpoint", server)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.strip().splitlines()) == 6
    env = run_cli("sparql", "-", stdin="SELECT (COUNT(*) AS ?n) WHERE { ?m a mh:Municipality }", env={"MHKG_ENDPOINT": server + "/query"})
    assert '"26"' in env.stdout


def test_runner_on_remote_store_uses_its_data_version(remote: RemoteStore) -> None:
    runner = QueryRunner(remote)
    first = runner.run("cost-figures")
    assert runner.run("cost-figures") is first and runner.hits == 1


def test_unreachable_endpoint_is_a_clear_error() -> None:
    with pytest.raises(StoreError):
        RemoteStore(f"http://127.0.0.1:{free_port()}/query", timeout=2).count()
    proc = run_cli("query", "cost-figures", "--endpoint", f"http://127.0.0.1:{free_port()}")
    assert proc.returncode == 4 and "store error" in proc.stderr


def test_service_on_the_oxigraph_server(remote: RemoteStore, store: EmbeddedStore) -> None:
    from fastapi.testclient import TestClient

    from api.web.app import create_app

    served = TestClient(create_app(remote))
    embedded = TestClient(create_app(store))
    path = "/api/v1/organisations/trafiknamnden/measures"
    a, b = served.get(path).json(), embedded.get(path).json()
    assert a["total"] == b["total"] > 0
    assert {m["id"] for m in a["items"]} == {m["id"] for m in b["items"]}
    page = served.get("/id/organisation/trafiknamnden")
    assert page.status_code == 200 and "Fysiska hinder på platser där suicid ofta sker" in page.text
    answer = served.get(
        "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?m a mh:Municipality }"}, headers={"Accept": "application/sparql-results+json"}
    )
    assert answer.status_code == 200 and answer.json()["results"]["bindings"][0]["n"]["value"] == "26"
