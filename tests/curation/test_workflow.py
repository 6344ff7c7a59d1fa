"""The reviewed workflow through the service (FastAPI TestClient on a copy of the repository, the real store and shapes):
named people with hashed tokens, four eyes, If-Match, revisions, PROV activities in SPARQL, files a person can read."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.curation.people import People, person_table, token_hash
from api.errors import PeopleConfigError, TokenMissingError, TokenRefusedError
from api.settings import Settings
from api.store import EmbeddedStore
from api.web.app import create_app

CORPUS = Path(__file__).parents[1] / "data" / "validation"
SLUG = "test-valid-entry"
ENTRY = f"/api/v1/evidence/{SLUG}"
TOKENS = {"alice": "alice-token-1", "bob": "bob-token-2", "carl": "carl-token-3"}  # noqa: S105 - test tokens
TURTLE = {"Content-Type": "text/turtle"}


def people_file(folder: Path) -> Path:
    path = folder / "people.toml"
    path.write_text(
        person_table("alice", TOKENS["alice"], label="Alice Andersson", roles=["curator", "reviewer"])
        + person_table("bob", TOKENS["bob"], label="Bob Berg", roles=["curator", "reviewer"])
        + person_table("carl", TOKENS["carl"], label="Carl Curator", roles=["curator"])
    )
    return path


def auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[name]}"}


@pytest.fixture()
def service(built, root: Path, tmp_path: Path) -> tuple[TestClient, Path]:
    """The app over a copy of the repository, with three people configured outside it."""
    repo = tmp_path / "repo"
    for folder in ("ontology", "evidence", "shapes", "queries"):
        shutil.copytree(root / folder, repo / folder)
    store = EmbeddedStore()
    store.add_triples(built[1].triples())
    settings = Settings(home=repo, curators_file=people_file(tmp_path))
    return TestClient(create_app(store, root=repo, settings=settings)), repo


def entry_text(certainty: str = "low") -> bytes:
    return (CORPUS / "valid" / "entry-citing-existing-source.ttl").read_text().replace("certainty:low", f"certainty:{certainty}").encode()


def etag(client: TestClient) -> str:
    r = client.get(ENTRY + "/review")
    assert r.status_code == 200, r.text
    return r.headers["etag"]


def step(client: TestClient, action: str, who: str, tag: str | None, note: str | None = None) -> object:
    headers = {**auth(who), **({"If-Match": tag} if tag else {})}
    return client.post(f"{ENTRY}/{action}", json={"note": note} if note else None, headers=headers)


def sparql(client: TestClient, query: str) -> list[dict[str, str]]:
    r = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]


def test_the_whole_workflow_with_four_eyes_and_history(service: tuple[TestClient, Path]) -> None:
    client, repo = service
    submitted = client.post("/api/v1/evidence", content=entry_text(), headers={**TURTLE, **auth("alice")})
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["status"] == "draft" and submitted.headers["etag"] == etag(client)
    queue = client.get("/api/v1/review-queue").json()
    drafts = [e["slug"] for e in queue if e["status"] == "draft"]
    assert SLUG in drafts and drafts[-1] == SLUG  # the newest change last

    # the submitter may not approve her own entry, even holding the reviewer role; a curator without it may not either
    own = step(client, "approve", "alice", etag(client))
    assert own.status_code == 403 and "yourself" in own.json()["detail"]  # type: ignore[attr-defined]
    assert step(client, "approve", "carl", etag(client)).status_code == 403  # type: ignore[attr-defined]
    # publishing a draft skips the review: refused
    assert step(client, "publish", "bob", etag(client)).status_code == 409  # type: ignore[attr-defined]
    # without If-Match, or with a stale one: nothing changes
    assert step(client, "approve", "bob", None).status_code == 428  # type: ignore[attr-defined]
    assert step(client, "approve", "bob", '"0000000000000000"').status_code == 412  # type: ignore[attr-defined]
    assert client.get(ENTRY + "/review").json()["status"] == "draft"

    assert 'id="retracted"' not in client.get(f"/id/evidence/{SLUG}").text
    approved = step(client, "approve", "bob", etag(client), note="Checked against the abstract.")
    assert approved.status_code == 200 and approved.json()["status"] == "reviewed"  # type: ignore[attr-defined]
    published = step(client, "publish", "bob", etag(client))
    assert published.status_code == 200 and published.json()["status"] == "published"  # type: ignore[attr-defined]

    # a revision by alice goes back to draft, keeps the old text and links to it
    revised = client.put(ENTRY, content=entry_text("very-low"), headers={**TURTLE, **auth("alice"), "If-Match": etag(client)})
    assert revised.status_code == 200 and revised.json()["status"] == "draft", revised.text
    state = client.get(ENTRY + "/review").json()
    assert state["version"] == 2 and "certainty:low" in state["previous_text"] and "certainty:very-low" in state["text"]
    assert [(h["action"], h.get("from"), h["to"]) for h in state["history"]] == [
        ("submit", None, "draft"),
        ("approve", "draft", "reviewed"),
        ("publish", "reviewed", "published"),
        ("revise", "published", "draft"),
    ]
    diff = next(e["diff"] for e in client.get("/api/v1/review-queue").json() if e["slug"] == SLUG)
    assert "-    mh:certainty certainty:low ;" in diff and "+    mh:certainty certainty:very-low ;" in diff
    # a retraction needs a reason
    assert step(client, "retract", "bob", etag(client)).status_code == 422  # type: ignore[attr-defined]
    assert step(client, "retract", "bob", etag(client), note="Wrong outcome coded.").status_code == 200  # type: ignore[attr-defined]

    assert 'id="retracted"' in client.get(f"/id/evidence/{SLUG}").text  # the public page says so; before, it did not
    # every step is a prov:Activity with agent and time, in SPARQL
    rows = sparql(
        client,
        f"""SELECT ?step ?who ?time ?to WHERE {{
              ?a a prov:Activity ; prov:used <https://w3id.org/mhkg/id/evidence/{SLUG}> ; mh:workflowStep ?step ;
                 prov:wasAssociatedWith ?who ; prov:endedAtTime ?time ; mh:toStatus ?to }} ORDER BY ?time ?step""",
    )
    assert sorted(r["step"] for r in rows) == ["approve", "publish", "retract", "revise", "submit"]
    who = {r["step"]: r["who"].rsplit("/", 1)[-1] for r in rows}
    assert who == {"submit": "alice", "approve": "bob", "publish": "bob", "revise": "alice", "retract": "bob"}
    history = sparql(client, f"SELECT ?v WHERE {{ <https://w3id.org/mhkg/id/evidence/{SLUG}> prov:wasRevisionOf ?v . ?v mh:versionText ?t }}")
    assert len(history) == 1

    # the file: readable like the repository's others, canonical Turtle with the project's prefixes
    path = repo / "evidence" / "entries" / f"{SLUG}.ttl"
    sibling = repo / "evidence" / "entries" / "housing-first--housing-stability--baxter-2019.ttl"
    assert stat.S_IMODE(path.stat().st_mode) == stat.S_IMODE(sibling.stat().st_mode)
    text = path.read_text()
    assert "@prefix certainty: <https://w3id.org/mhkg/id/certainty/> ." in text and "mh:curationStatus status:retracted" in text
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]


def test_a_draft_shows_nowhere_as_evidence_until_someone_else_reviews_it(service: tuple[TestClient, Path]) -> None:
    client, _ = service
    text = (
        entry_text()
        .decode()
        .replace("iv:school-sel", "iv:urban-green-space-improvement")
        .replace("setting:compulsory-school", "setting:green-space")
        .replace("stage:children", "stage:adults")
    )
    org = "/api/v1/organisations/tillvaxt-och-regionplanenamnden/measures"

    def offered() -> set[str]:
        return {m["id"] for m in client.get(org).json()["items"]}

    def cites() -> bool:
        return "urban-green-space-improvement" in offered() and any(
            "test-valid-entry" in e for m in client.get(org).json()["items"] for e in m.get("entries", []) + [m.get("best_entry") or ""]
        )

    before = offered()
    assert client.post("/api/v1/evidence", content=text.encode(), headers={**TURTLE, **auth("carl")}).status_code == 201
    assert offered() == before
    page = client.get("/id/organisation/tillvaxt-och-regionplanenamnden").text
    assert "test-valid-entry" not in page
    assert step(client, "approve", "bob", etag(client)).status_code == 200  # type: ignore[attr-defined]
    assert "urban-green-space-improvement" in offered() - before or "urban-green-space-improvement" in offered()
    assert "test-valid-entry" in client.get("/id/organisation/tillvaxt-och-regionplanenamnden?lang=en").text


def test_submitting_a_reviewed_status_is_refused(service: tuple[TestClient, Path]) -> None:
    client, repo = service
    r = client.post("/api/v1/evidence", content=entry_text().replace(b"status:draft", b"status:reviewed"), headers={**TURTLE, **auth("alice")})
    assert r.status_code == 422 and "draft" in r.json()["detail"]
    assert not (repo / "evidence" / "entries" / f"{SLUG}.ttl").exists()


def test_the_review_page_takes_the_reviewers_form_without_script(service: tuple[TestClient, Path]) -> None:
    client, _ = service
    assert client.post("/api/v1/evidence", content=entry_text(), headers={**TURTLE, **auth("alice")}).status_code == 201
    assert SLUG in client.get("/curation").text
    tag = etag(client)
    own = client.post(f"/curation/{SLUG}", data={"token": TOKENS["alice"], "action": "approve", "etag": tag}, follow_redirects=False)
    assert own.status_code == 403 and "Du har själv skickat in" in own.text
    wrong = client.post(f"/curation/{SLUG}?lang=en", data={"token": "guess", "action": "approve", "etag": tag}, follow_redirects=False)
    assert wrong.status_code == 403 and 'lang="en"' in wrong.text
    done = client.post(f"/curation/{SLUG}", data={"token": TOKENS["bob"], "action": "approve", "etag": tag}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/curation/{SLUG}?lang=sv&done=approve"
    assert "Granskad" in client.get(done.headers["location"]).text


# ------------------------------------------------------------------------------ people and tokens
def test_tokens_are_kept_hashed_and_identify_one_person(tmp_path: Path) -> None:
    path = people_file(tmp_path)
    text = path.read_text()
    assert all(token not in text for token in TOKENS.values()) and token_hash(TOKENS["bob"]) in text
    people = People.load(path)
    assert people.identify(f"Bearer {TOKENS['bob']}").name == "bob"
    assert people.require(f"Bearer {TOKENS['carl']}", "curator").name == "carl"
    with pytest.raises(TokenRefusedError):
        people.identify(f"Bearer {TOKENS['bob']}x")
    with pytest.raises(TokenMissingError):
        people.identify(None)
    with pytest.raises(TokenRefusedError):
        People().identify("Bearer anything")  # nobody configured: nobody gets in


def test_people_come_from_the_environment_too_and_bad_files_are_named(tmp_path: Path) -> None:
    tables = json.dumps({"dora": {"label": "Dora", "roles": ["reviewer"], "token_sha256": token_hash("dora-token")}})
    assert People.load(None, tables).identify("Bearer dora-token").name == "dora"
    bad = tmp_path / "bad.toml"
    bad.write_text('[people.eve]\nroles = ["admin"]\ntoken_sha256 = "00"\n')
    with pytest.raises(PeopleConfigError, match="eve"):
        People.load(bad)


def test_no_token_is_ever_logged(service: tuple[TestClient, Path], caplog: pytest.LogCaptureFixture) -> None:
    client, _ = service
    caplog.set_level("DEBUG")
    client.post("/api/v1/evidence", content=entry_text(), headers={**TURTLE, **auth("alice")})
    step(client, "approve", "alice", etag(client))
    step(client, "approve", "bob", "stale")
    logged = "\n".join(r.getMessage() for r in caplog.records) + os.linesep.join(str(r.__dict__) for r in caplog.records)
    assert all(token not in logged for token in TOKENS.values())


def test_every_step_is_in_the_openapi_with_its_refusals(service: tuple[TestClient, Path]) -> None:
    client, _ = service
    paths = client.get("/openapi.json").json()["paths"]
    for action in ("approve", "publish", "retract"):
        responses = paths["/api/v1/evidence/{entry_id}/" + action]["post"]["responses"]
        assert {"200", "401", "403", "409", "412", "428"} <= set(responses)
    assert {"412", "428"} <= set(paths["/api/v1/evidence/{entry_id}"]["put"]["responses"])
    assert "get" in paths["/api/v1/review-queue"] and "get" in paths["/api/v1/evidence/{entry_id}/review"]


def test_a_step_is_refused_unless_the_entry_validates(service: tuple[TestClient, Path]) -> None:
    client, repo = service
    assert client.post("/api/v1/evidence", content=entry_text(), headers={**TURTLE, **auth("alice")}).status_code == 201
    path = repo / "evidence" / "entries" / f"{SLUG}.ttl"
    broken = "\n".join(line for line in path.read_text().splitlines() if "mh:certainty certainty:" not in line) + "\n"
    path.write_text(broken)  # edited by hand, outside the service: the GRADE certainty is gone
    refused = step(client, "approve", "bob", etag(client))
    assert refused.status_code == 422 and refused.json()["conforms"] is False  # type: ignore[attr-defined]
    assert any(r["path"].endswith("#certainty") for r in refused.json()["results"] if r["path"])  # type: ignore[attr-defined]
    assert path.read_text() == broken  # nothing written
    path.write_text(broken.replace("    mh:certaintyBasis", "    mh:certainty certainty:low ;\n    mh:certaintyBasis"))
    assert step(client, "approve", "bob", etag(client)).status_code == 200  # type: ignore[attr-defined]  # the control: repaired, it passes


def test_the_catalogue_query_entry_history_gives_the_steps(service: tuple[TestClient, Path]) -> None:
    client, _ = service
    iri = f"https://w3id.org/mhkg/id/evidence/{SLUG}"

    def rows() -> list[tuple[str, str, str | None]]:
        bindings = client.get("/api/v1/queries/entry-history", params={"entry": iri}).json()["results"]["bindings"]
        return [(b["step"]["value"], b["agent_label"]["value"], b.get("note", {}).get("value")) for b in bindings]

    assert rows() == []  # nothing yet
    client.post("/api/v1/evidence", content=entry_text(), headers={**TURTLE, **auth("alice")})
    step(client, "approve", "bob", etag(client), note="ok")
    assert rows() == [("submit", "Alice Andersson", None), ("approve", "Bob Berg", "ok")]
