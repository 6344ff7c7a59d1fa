"""The reviewed workflow on the real service (``mhkg serve`` in its own process, a copy of the repository): twenty
transitions at once, a SIGKILL in the middle of transitions, the ``mhkg review`` command, and the whole story in a
real Chromium."""

from __future__ import annotations

import concurrent.futures
import json
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from api.curation import remove_temporaries
from api.curation.people import person_table
from api.curation.workflow import EntryFile
from api.knowledge.loader import parse_file
from harness import persistence as scenario
from harness.browser import desktop_page
from harness.cli import run_cli
from harness.servers import ServiceProcess, mhkg_serve
from tests.web.test_browser import browser  # noqa: F401  (the shared Chromium launch, a fixture)

TOKENS = {"alice": "alice-live-token", "bob": "bob-live-token"}  # noqa: S105 - test tokens
CORPUS = Path(__file__).parents[1] / "data" / "validation"
SLUG = "test-valid-entry"
IRI = "https://w3id.org/mhkg/id/evidence/" + SLUG
ORG = "tillvaxt-och-regionplanenamnden"


def entry_text(certainty: str = "low") -> str:
    """A valid entry for the spatial planner (green space, adults): it is offered to Tillväxt- och regionplanenämnden once reviewed."""
    return (
        (CORPUS / "valid" / "entry-citing-existing-source.ttl")
        .read_text()
        .replace("iv:school-sel", "iv:urban-green-space-improvement")
        .replace("setting:compulsory-school", "setting:green-space")
        .replace("stage:children", "stage:adults")
        .replace("certainty:low", f"certainty:{certainty}")
    )


def auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[name]}"}


@pytest.fixture()
def live(built, tmp_path: Path) -> Iterator[tuple[ServiceProcess, Path, dict[str, str]]]:
    root, out = scenario.copy_repository(tmp_path, built[2])
    people = tmp_path / "people.toml"  # outside the repository
    people.write_text(
        person_table("alice", TOKENS["alice"], label="Alice Andersson", roles=["curator", "reviewer"])
        + person_table("bob", TOKENS["bob"], label="Bob Berg", roles=["curator", "reviewer"])
    )
    env = {"MHKG_HOME": str(root), "MHKG_BUILD_DIR": str(out), "MHKG_CURATORS_FILE": str(people), "MHKG_WRITE_TOKEN": None}
    server = mhkg_serve(env=env, log=tmp_path / "server.log")
    try:
        server.wait_ready(timeout=240)
        yield server, root, env
    finally:
        server.stop()


def submit(url: str, who: str = "alice") -> httpx.Response:
    r = httpx.post(url + "/api/v1/evidence", content=entry_text().encode(), headers={"Content-Type": "text/turtle", **auth(who)}, timeout=120)
    assert r.status_code == 201, r.text
    return r


def test_twenty_transitions_at_once_one_wins_and_nothing_is_lost(live: tuple[ServiceProcess, Path, dict[str, str]]) -> None:
    server, root, _ = live
    tag = submit(server.url).headers["etag"]
    barrier = threading.Barrier(20)

    def approve(i: int) -> int:
        barrier.wait()
        r = httpx.post(f"{server.url}/api/v1/evidence/{SLUG}/approve", json={"note": f"attempt {i}"}, headers={**auth("bob"), "If-Match": tag}, timeout=120)
        return r.status_code

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(approve, range(20)))
    assert statuses.count(200) == 1, statuses
    assert all(s in (409, 412) for s in statuses if s != 200), statuses
    record = EntryFile.of(IRI, parse_file(root / "evidence" / "entries" / f"{SLUG}.ttl"))
    steps = [a["action"] for a in record.activities()]
    assert record.status == "reviewed" and steps == ["submit", "approve"]  # one approval recorded, the submission kept
    state = httpx.get(f"{server.url}/api/v1/evidence/{SLUG}/review").json()
    assert state["status"] == "reviewed" and len(state["history"]) == 2


def test_a_sigkill_during_transitions_leaves_a_whole_file(live: tuple[ServiceProcess, Path, dict[str, str]]) -> None:
    server, root, _ = live
    submit(server.url)
    path = root / "evidence" / "entries" / f"{SLUG}.ttl"
    acknowledged: list[bytes] = [path.read_bytes()]
    stop = threading.Event()

    def loop() -> None:  # bob approves, alice revises, and again: every step rewrites the file
        while not stop.is_set():
            try:
                state = httpx.get(f"{server.url}/api/v1/evidence/{SLUG}/review", timeout=30)
                tag, status = state.headers["etag"], state.json()["status"]
                if status == "draft":
                    r = httpx.post(f"{server.url}/api/v1/evidence/{SLUG}/approve", headers={**auth("bob"), "If-Match": tag}, timeout=30)
                else:
                    body = entry_text(random.choice(["low", "very-low"])).encode()  # noqa: S311
                    r = httpx.put(
                        f"{server.url}/api/v1/evidence/{SLUG}",
                        content=body,
                        headers={"Content-Type": "text/turtle", **auth("alice"), "If-Match": tag},
                        timeout=30,
                    )
                if r.status_code == 200:
                    acknowledged.append(path.read_bytes())
            except httpx.HTTPError:
                return

    worker = threading.Thread(target=loop)
    worker.start()
    time.sleep(random.uniform(3, 5))  # noqa: S311
    server.kill()
    stop.set()
    worker.join(timeout=60)
    assert len(acknowledged) > 3  # the loop really changed the entry several times before the kill
    record = EntryFile.of(IRI, parse_file(path))  # parses completely
    assert record.status in ("draft", "reviewed") and record.entry
    steps = len(record.activities())
    assert len(acknowledged) <= steps + 1 <= len(acknowledged) + 1  # the last acknowledged step, or the one in flight, never less
    remove_temporaries(root)  # what the service does at start-up: a temporary the kill left behind goes
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []


def test_mhkg_review_lists_and_steps_through_the_api(live: tuple[ServiceProcess, Path, dict[str, str]]) -> None:
    server, _, env = live
    submit(server.url)
    base = {"MHKG_SERVICE_URL": server.url, "MHKG_HOME": env["MHKG_HOME"]}
    listed = run_cli("review", "list", "--status", "draft", env=base)
    assert listed.returncode == 0 and SLUG in listed.stdout
    own = run_cli("review", "approve", SLUG, env={**base, "MHKG_TOKEN": TOKENS["alice"]})
    assert own.returncode == 1 and "yourself" in own.stderr and TOKENS["alice"] not in own.stderr
    no_token = run_cli("review", "approve", SLUG, env=base)
    assert no_token.returncode == 2 and "MHKG_TOKEN" in no_token.stderr
    approved = run_cli("review", "approve", SLUG, "--note", "fine", env={**base, "MHKG_TOKEN": TOKENS["bob"]})
    assert approved.returncode == 0 and approved.stdout.strip() == f"{SLUG}: reviewed", approved.stderr
    published = run_cli("review", "publish", SLUG, env={**base, "MHKG_TOKEN": TOKENS["bob"]})
    assert published.returncode == 0 and "published" in published.stdout
    retracted = run_cli("review", "retract", SLUG, "--reason", "duplicate", env={**base, "MHKG_TOKEN": TOKENS["bob"]})
    assert retracted.returncode == 0 and "retracted" in retracted.stdout
    history = json.loads(httpx.get(f"{server.url}/api/v1/evidence/{SLUG}/review").text)["history"]
    assert [h["action"] for h in history] == ["submit", "approve", "publish", "retract"] and history[-1]["note"] == "duplicate"


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:  # noqa: F811
    with desktop_page(browser, javascript=False) as pg:
        yield pg


def test_the_review_story_in_a_real_browser(live: tuple[ServiceProcess, Path, dict[str, str]], page: Page) -> None:
    server, _, _ = live
    url = server.url
    # curator A (alice) submits on the curation page
    page.goto(f"{url}/curation")
    page.fill("#entry", entry_text())
    page.fill("#token", TOKENS["alice"])
    page.click("#submit")
    assert page.url.startswith(f"{url}/curation/{SLUG}") and page.locator("#status").inner_text() == "Utkast"
    # it is in the queue, and not on the organisation page
    page.goto(f"{url}/curation")
    assert page.locator(f"a[href^='/curation/{SLUG}']").count() == 1
    page.goto(f"{url}/id/organisation/{ORG}")
    assert SLUG not in page.content()
    # A tries to approve her own entry and is refused
    page.goto(f"{url}/curation/{SLUG}")
    page.fill("#token", TOKENS["alice"])
    page.click("#approve")
    assert "Du har själv skickat in" in page.locator("#problem").inner_text()
    assert page.locator("#status").inner_text() == "Utkast"
    # reviewer B approves, then publishes
    page.fill("#token", TOKENS["bob"])
    page.click("#approve")
    assert page.locator("#status").inner_text() == "Granskad"
    page.fill("#token", TOKENS["bob"])
    page.click("#publish")
    assert page.locator("#status").inner_text() == "Publicerad"
    # the entry now counts on the organisation page
    page.goto(f"{url}/id/organisation/{ORG}")
    assert SLUG in page.content()
    # a revision by A goes back to review
    page.goto(f"{url}/curation/{SLUG}")
    page.fill("#revision", entry_text("very-low"))
    page.fill("#curator-token", TOKENS["alice"])
    page.click("#revise")
    assert page.locator("#status").inner_text() == "Utkast"
    assert "certainty:very-low" in page.locator("pre.diff").inner_text()
    page.goto(f"{url}/id/organisation/{ORG}")
    assert SLUG not in page.content()
