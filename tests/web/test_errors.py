"""One error hierarchy, one error boundary: the same missing thing answered as a page, as JSON and as text."""

from __future__ import annotations

import html
import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import api
from api.errors import MhkgError, NotFoundError, QueryError, QueryRefusedError
from api.store import EmbeddedStore, RemoteStore
from api.web.app import create_app
from api.web.errors import STATUS, status_of
from harness import free_port, run_cli

API = Path(api.__file__).resolve().parent
TOKEN = "test-token-errors"  # noqa: S105 - a test token
NAV = ("/gaps?lang=", "/strategy?lang=", "/query?lang=", "/curation?lang=", 'id="lang-switch"')


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> TestClient:
    return TestClient(create_app(store, token=TOKEN))


def page_text(body: str) -> str:
    """The page's visible text, unescaped (Jinja escapes quotes)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


# ---------------------------------------------------------------------------- a missing resource, three ways
@pytest.mark.parametrize(
    ("path", "swedish", "english"),
    [
        pytest.param("/id/organisation/nobody", "Organisationen ”nobody” finns inte.", "No organisation 'nobody'", id="organisation"),
        pytest.param("/id/intervention/nothing", "Insatsen ”nothing” finns inte.", "No intervention 'nothing'", id="intervention"),
        pytest.param("/briefing/nobody", "Organisationen ”nobody” finns inte.", "No organisation 'nobody'", id="briefing"),
    ],
)
def test_a_missing_resource_on_a_page_is_a_404_page_in_the_pages_language(client: TestClient, path: str, swedish: str, english: str) -> None:
    sv = client.get(path, headers={"Accept": "text/html"})
    assert sv.status_code == 404 and sv.headers["content-type"].startswith("text/html")
    assert '<html lang="sv">' in sv.text and swedish in page_text(sv.text) and english not in page_text(sv.text)
    assert all(link in sv.text for link in NAV) and "Sidan finns inte" in sv.text  # the site's navigation and heading
    en = client.get(path, params={"lang": "en"}, headers={"Accept": "text/html"})
    assert en.status_code == 404 and '<html lang="en">' in en.text
    assert english in page_text(en.text) and swedish not in page_text(en.text) and "Evidence gaps" in en.text


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        pytest.param("/api/v1/organisations/nobody", "No organisation 'nobody'", id="organisation"),
        pytest.param("/api/v1/interventions/nothing", "No intervention 'nothing'", id="intervention"),
        pytest.param("/api/v1/organisations/nobody/measures", "No organisation 'nobody'", id="measures"),
        pytest.param("/api/v1/sources/nothing", "No source 'nothing'", id="source"),
        pytest.param("/api/v1/vocabularies/nothing", "No concept scheme 'nothing'", id="scheme"),
    ],
)
def test_the_same_missing_resource_on_the_api_is_json(client: TestClient, path: str, detail: str) -> None:
    r = client.get(path)
    assert r.status_code == 404 and r.headers["content-type"] == "application/json" and r.json() == {"detail": detail}


def test_a_malformed_query_on_sparql_is_text_in_both_languages(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?x WHERE {"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/plain")
    assert "Malformed query (line 1" in r.text and "Frågan är felaktigt formulerad (rad 1" in r.text and "<html" not in r.text


def test_a_linked_data_client_that_takes_no_html_gets_text(client: TestClient) -> None:
    r = client.get("/id/organisation/nobody", headers={"Accept": "text/turtle"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/plain")
    assert "No resource" in r.text and "finns inte" in r.text
    refused = client.get("/id/organisation/trafiknamnden", headers={"Accept": "image/png"})
    assert refused.status_code == 406 and refused.text.startswith("Not acceptable: text/html")


# ---------------------------------------------------------------------------- the framework's own errors
def test_an_unknown_path_is_the_404_page_but_json_on_the_api(client: TestClient) -> None:
    page = client.get("/no/such/page", params={"lang": "en"})
    assert page.status_code == 404 and "No page '/no/such/page'" in page_text(page.text) and all(link in page.text for link in NAV)
    api_404 = client.get("/api/v1/no-such-thing")
    assert api_404.status_code == 404 and api_404.json() == {"detail": "Not Found"}


def test_request_validation_is_a_page_on_pages_and_json_on_the_api(client: TestClient) -> None:
    page = client.get("/organisation")  # the form's org is missing
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert "saknas eller har fel värde: org: Field required" in page_text(page.text) and "Uppgifterna kunde inte godtas" in page.text
    api_422 = client.get("/api/v1/organisations", params={"limit": 0})
    assert api_422.status_code == 422 and api_422.json()["detail"][0]["loc"] == ["query", "limit"]


def test_a_refused_parameter_on_a_page_is_explained_in_swedish(client: TestClient) -> None:
    r = client.get("/gaps", params={"min_certainty": "sure"})
    assert r.status_code == 422 and "Parametern min_certainty ska ha ett av värdena high, moderate, low, very-low." in page_text(r.text)


# ---------------------------------------------------------------------------- writes: the token's refusals
def test_a_write_without_a_token_is_401_on_both_boundaries(client: TestClient) -> None:
    update = client.post("/update", content=b"INSERT DATA {}", headers={"Content-Type": "application/sparql-update"})
    assert update.status_code == 401 and update.headers["www-authenticate"] == "Bearer"
    assert update.text == "A bearer token is required.\nEn skrivnyckel (bearer token) krävs.\n"
    submit = client.post("/api/v1/evidence", content=b"", headers={"Content-Type": "text/turtle"})
    assert submit.status_code == 401 and submit.headers["www-authenticate"] == "Bearer" and submit.json() == {"detail": "A bearer token is required."}
    wrong = client.post("/api/v1/evidence", content=b"", headers={"Content-Type": "text/turtle", "Authorization": "Bearer nope"})
    assert wrong.status_code == 403 and "www-authenticate" not in wrong.headers


def test_a_store_that_does_not_answer_is_502_without_its_internals(store: EmbeddedStore) -> None:
    port = free_port()  # a port nothing listens on
    client = TestClient(create_app(RemoteStore(f"http://127.0.0.1:{port}/sparql", timeout=2)))
    api_502 = client.get("/api/v1/organisations")
    assert api_502.status_code == 502 and api_502.json() == {"detail": "An unexpected error occurred in the service; try again later."}
    page = client.get("/")
    assert page.status_code == 502 and "En annan server svarade inte" in page.text and str(port) not in page.text


# ---------------------------------------------------------------------------- the table covers the hierarchy
def project_errors() -> list[type[MhkgError]]:
    """Every subclass of MhkgError that the package defines (after importing all of it)."""
    for info in pkgutil.walk_packages([str(API)], "api."):
        importlib.import_module(info.name)
    found, stack = [], list(MhkgError.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("api."):
            found.append(cls)
    return found


def unmapped(classes: list[type[MhkgError]]) -> list[str]:
    return [cls.__qualname__ for cls in classes if status_of(cls) is None]


def test_every_error_of_the_package_has_a_status_in_the_table() -> None:
    classes = project_errors()
    assert len(classes) >= 20 and QueryRefusedError in classes
    assert unmapped(classes) == []
    assert all(status_of(cls) == status for cls, status in STATUS.items())  # each listed class takes its own entry


def test_control_an_error_outside_the_table_is_found() -> None:
    class UnmappedError(MhkgError):
        pass

    class RefinedError(NotFoundError):
        pass

    assert unmapped([UnmappedError, RefinedError]) == ["test_control_an_error_outside_the_table_is_found.<locals>.UnmappedError"]
    assert status_of(RefinedError) == 404  # a subclass takes its nearest listed ancestor's status


def test_query_errors_have_their_kinds() -> None:
    assert QueryRefusedError("malformed_query", line=1, column=2, excerpt="x", detail="d").kind == "syntax"
    assert QueryRefusedError("service").kind == "forbidden"
    assert {cls.kind for cls in project_errors() if issubclass(cls, QueryError) and isinstance(cls.__dict__.get("kind"), str)} == {
        "failed",
        "too-many-rows",
        "timeout",
        "busy",
    }


# ---------------------------------------------------------------------------- HTTPException lives in one file
def files_naming(root: Path, word: str) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.py") if word in p.read_text(encoding="utf-8"))


def test_http_exception_appears_only_in_the_boundary() -> None:
    assert files_naming(API, "HTTPException") == ["web/errors.py"]


def test_control_the_scan_finds_a_stray_http_exception(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "errors.py").write_text("from starlette.exceptions import HTTPException\n")
    (tmp_path / "router.py").write_text("from fastapi import HTTPException\nraise HTTPException(404)\n")
    assert files_naming(tmp_path, "HTTPException") == ["router.py", "web/errors.py"]


# ---------------------------------------------------------------------------- the command line
@pytest.mark.parametrize("given", [[], ["--org", "https://w3id.org/mhkg/id/organisation/trafiknamnden"]], ids=["nothing", "org-only"])
def test_analyze_explain_without_its_arguments_is_one_line_and_exit_2(tmp_path: Path, given: list[str]) -> None:
    proc = run_cli("analyze", "explain", *given, "--out", str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr == "mhkg: explain needs --org and --intervention\n" and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []  # refused before any store was opened or anything written


def test_analyze_explain_of_a_measure_the_organisation_lacks_is_exit_2(tmp_path: Path, cli_env: dict[str, str]) -> None:
    org, iv = "https://w3id.org/mhkg/id/organisation/trafiknamnden", "https://w3id.org/mhkg/id/intervention/nothing"
    proc = run_cli("analyze", "explain", "--org", org, "--intervention", iv, "--out", str(tmp_path), env=cli_env)
    assert proc.returncode == 2 and proc.stderr.splitlines()[-1] == f"mhkg: {iv} is not among the measures of {org}" and "Traceback" not in proc.stderr
