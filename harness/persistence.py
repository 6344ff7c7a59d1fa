"""Persistence of submissions under concurrency and crashes, against the real service.

Two scenarios, each on a fresh copy of the repository served by ``mhkg serve`` in its own process:

* **parallel**: 50 submissions at once (40 distinct valid entries, 5 that repeat one of them, 5
  invalid ones). Every request must end as 201, 409 or 422; every 201 must be on disk, complete
  and in the store; no temporary file may be left.
* **crash**: a submission loop while the server is killed with SIGKILL at a random moment. No
  entry file may be partial; the restarted server must hold every entry it had acknowledged.

tests/store/test_persistence.py runs both scenarios and asserts these properties;
benchmarks/bench_persistence.py runs them and writes their numbers to benchmarks/results/persistence.{md,json}.
"""

from __future__ import annotations

import json
import random
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from harness.servers import ROOT, ServiceProcess, mhkg_serve

TOKEN = "persistence-benchmark-token"  # noqa: S105 - a local test token
ENTRIES = Path("evidence") / "entries"
ID = "https://w3id.org/mhkg/id/evidence/"
SETTINGS = ["compulsory-school", "public-transport", "home", "work", "digital", "local-community"]
OUTCOMES = ["anxiety-symptoms", "bullying", "conduct-problems", "depressive-symptoms", "loneliness", "mental-wellbeing", "quality-of-life", "substance-use"]
# (intervention, source, outcome) must be new: the shapes refuse a duplicate entry. No entry in the
# repository cites durlak-2011 for these interventions.
INTERVENTIONS = sorted(p.stem for p in (ROOT / "evidence" / "interventions").glob("*.ttl") if p.stem != "school-sel")

TEMPLATE = """@prefix mh: <https://w3id.org/mhkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/mhkg/id/> .

<https://w3id.org/mhkg/id/evidence/{slug}> a mh:EvidenceEntry ;
    rdfs:label "Beständighetstest {n}"@sv , "Persistence test {n}"@en ;
    mh:intervention <https://w3id.org/mhkg/id/intervention/{intervention}> ;
    mh:outcome <https://w3id.org/mhkg/id/outcome/{outcome}> ;
    mh:effect <https://w3id.org/mhkg/id/effect/beneficial> ;
    mh:setting <https://w3id.org/mhkg/id/setting/{setting}> ;
    mh:lifeStage <https://w3id.org/mhkg/id/life-stage/children> ;
    mh:preventionLevel <https://w3id.org/mhkg/id/prevention-level/universal> ;
    mh:direction <https://w3id.org/mhkg/id/direction/promotion> ;
{certainty}    mh:certaintyBasis <https://w3id.org/mhkg/id/certainty-basis/curator-judgement> ;
    mh:certaintyRationale "Testmotivering."@sv , "Test rationale."@en ;
    mh:studyDesign <https://w3id.org/mhkg/id/study-design/meta-analysis> ;
    mh:citesSource <https://w3id.org/mhkg/id/source/durlak-2011> ;
    mh:statement "Ett påstående för beständighetstestet."@sv , "A statement for the persistence test."@en ;
    mh:population "Testpopulation."@sv , "Test population."@en ;
    mh:curationStatus <https://w3id.org/mhkg/id/curation-status/draft> ;
    mh:curator <https://w3id.org/mhkg/id/agent/mhkg-curation-team> ;
    dcterms:created "2026-11-23"^^xsd:date ;
    dcterms:modified "2026-11-23"^^xsd:date ;
    prov:wasDerivedFrom <https://w3id.org/mhkg/id/source/durlak-2011> .
"""


def entry(slug: str, n: int, *, valid: bool = True) -> str:
    """Submission number ``n`` (a distinct intervention and outcome for each n); an invalid one lacks its GRADE certainty."""
    certainty = "    mh:certainty <https://w3id.org/mhkg/id/certainty/low> ;\n" if valid else ""
    intervention = INTERVENTIONS[(n // len(OUTCOMES)) % len(INTERVENTIONS)]
    setting, outcome = SETTINGS[n % len(SETTINGS)], OUTCOMES[n % len(OUTCOMES)]
    return TEMPLATE.format(slug=slug, n=n, setting=setting, intervention=intervention, outcome=outcome, certainty=certainty)


# ---------------------------------------------------------------------------- the server
def copy_repository(dst: Path, build: Path | None = None) -> tuple[Path, Path]:
    """A private copy of the knowledge (and of a finished build, so the first start is fast)."""
    root = dst / "repo"
    for folder in ("ontology", "evidence", "shapes", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    out = dst / "build"
    if build is not None:
        shutil.copytree(build, out)  # copy2 keeps times: the release stays newer than the sources
    return root, out


def serve(root: Path, build: Path, log: Path) -> ServiceProcess:
    """``mhkg serve`` over a repository copy (``MHKG_HOME``) and its build, accepting submissions with :data:`TOKEN`."""
    return mhkg_serve(env={"MHKG_HOME": str(root), "MHKG_BUILD_DIR": str(build), "MHKG_WRITE_TOKEN": TOKEN}, log=log)


def submit(url: str, text: str, timeout: float = 300) -> tuple[int, float]:
    """POST one entry; returns (status, seconds); status 0 when the connection broke."""
    req = urllib.request.Request(  # noqa: S310 - local server
        url + "/api/v1/evidence", data=text.encode(), method="POST", headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"}
    )
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            resp.read()
            return resp.status, time.monotonic() - start
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code, time.monotonic() - start
    except OSError:
        return 0, time.monotonic() - start


def ask(url: str, iris: list[str]) -> set[str]:
    """Which of these entries the server's SPARQL endpoint knows."""
    values = " ".join(f"<{i}>" for i in iris)
    query = f"SELECT ?e WHERE {{ VALUES ?e {{ {values} }} ?e a mh:EvidenceEntry }}"
    req = urllib.request.Request(  # noqa: S310 - local server
        url + "/sparql", data=query.encode(), headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
        return {b["e"]["value"] for b in json.load(resp)["results"]["bindings"]}


# ---------------------------------------------------------------------------- checks on disk
@dataclass
class DiskState:
    """What :func:`inspect` found on disk."""

    entry_files: list[str]
    temporaries: list[str]
    unreadable: list[str] = field(default_factory=list)


WORKFLOW_SET = {
    "https://w3id.org/mhkg/ontology#curator",
    "https://w3id.org/mhkg/ontology#versionNumber",
    "http://purl.org/dc/terms/modified",
}
"""What the workflow sets in a submitted entry (see api.curation.workflow.first_version)."""
PROV_USED = "http://www.w3.org/ns/prov#used"


def inspect(root: Path, slugs: list[str]) -> DiskState:
    """The submitted entries' files: each must parse completely; no temporary file may remain."""
    folder = root / ENTRIES
    present = [s for s in slugs if (folder / f"{s}.ttl").exists()]
    state = DiskState(entry_files=present, temporaries=sorted(p.name for p in folder.glob(".*.tmp")))
    for slug in present:
        text = (folder / f"{slug}.ttl").read_bytes()
        try:
            triples = list(ox.parse(text, format=ox.RdfFormat.TURTLE))
        except SyntaxError:
            state.unreadable.append(slug)
            continue
        expected = set(ox.parse(entry(slug, int(slug.rsplit("-", 1)[1])).encode(), format=ox.RdfFormat.TURTLE))
        # complete: what was submitted, except what the workflow sets (curator, version, modified), and its submit step
        kept = {t for t in expected if t.predicate.value not in WORKFLOW_SET}
        stepped = any(t.predicate.value == PROV_USED and t.object.value.endswith("/" + slug) for t in triples)
        if not kept <= set(triples) or not stepped:
            state.unreadable.append(slug)
    return state


# ---------------------------------------------------------------------------- scenarios
@dataclass
class ParallelResult:
    """What :func:`parallel` measured."""

    requests: int
    statuses: dict[str, int]
    accepted: int
    duplicates_refused: int
    invalid_refused: int
    lost: int
    corrupted: int
    temporaries_left: int
    in_store: int
    seconds: float
    max_request_seconds: float


def parallel(work: Path, build: Path | None, *, distinct: int = 40, duplicates: int = 5, invalid: int = 5) -> ParallelResult:
    """``distinct + duplicates + invalid`` submissions at once against a fresh server."""
    root, out = copy_repository(work, build)
    server = serve(root, out, work / "server.log")
    try:
        server.wait_ready(timeout=180)
        jobs = [(f"parallel-{i}", entry(f"parallel-{i}", i)) for i in range(distinct)]
        jobs += [(f"parallel-{i}", entry(f"parallel-{i}", i)) for i in range(duplicates)]
        jobs += [(f"invalid-{i}", entry(f"invalid-{i}", distinct + i, valid=False)) for i in range(invalid)]
        random.Random(7).shuffle(jobs)  # noqa: S311 - a reproducible order, not a secret
        barrier = threading.Barrier(len(jobs))

        def one(job: tuple[str, str]) -> tuple[str, int, float]:
            barrier.wait()  # all requests leave together
            status, seconds = submit(server.url, job[1])
            return job[0], status, seconds

        start = time.monotonic()
        with ThreadPoolExecutor(len(jobs)) as pool:
            outcomes = list(pool.map(one, jobs))
        elapsed = time.monotonic() - start
        accepted = sorted({slug for slug, status, _ in outcomes if status == 201})
        disk = inspect(root, [f"parallel-{i}" for i in range(distinct)] + [f"invalid-{i}" for i in range(invalid)])
        known = ask(server.url, [ID + s for s in accepted])
        statuses = Counter(str(status) for _, status, _ in outcomes)
        return ParallelResult(
            requests=len(jobs),
            statuses=dict(sorted(statuses.items())),
            accepted=len(accepted),
            duplicates_refused=statuses["409"],
            invalid_refused=statuses["422"],
            lost=len(set(accepted) - set(disk.entry_files)) + len(set(disk.entry_files) - set(accepted)),
            corrupted=len(disk.unreadable),
            temporaries_left=len(disk.temporaries),
            in_store=len(known),
            seconds=round(elapsed, 2),
            max_request_seconds=round(max(s for _, _, s in outcomes), 2),
        )
    finally:
        server.stop()


@dataclass
class CrashResult:
    """What :func:`crash` measured."""

    acknowledged: int
    in_flight_when_killed: int
    files_after_kill: int
    partial_files: int
    temporaries_after_kill: int
    temporaries_after_restart: int
    acknowledged_missing_after_restart: int
    unacknowledged_but_present: int
    restart_seconds: float


def crash(work: Path, build: Path | None, *, kill_after: float | None = None, seed: int = 11) -> CrashResult:
    """Submit in a loop (two clients), SIGKILL the server at a random moment, restart, check."""
    root, out = copy_repository(work, build)
    server = serve(root, out, work / "server.log")
    server.wait_ready(timeout=180)
    acknowledged: list[str] = []
    attempted: list[str] = []
    counter = iter(range(10**6))
    lock = threading.Lock()
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            with lock:
                n = next(counter)
            slug = f"crash-{n}"
            attempted.append(slug)
            status, _ = submit(server.url, entry(slug, n), timeout=60)
            if status == 201:
                acknowledged.append(slug)
            elif status == 0:
                return  # the server is gone

    clients = [threading.Thread(target=loop) for _ in range(2)]
    for c in clients:
        c.start()
    time.sleep(kill_after if kill_after is not None else random.Random(seed).uniform(4, 8))  # noqa: S311
    server.kill()
    stop.set()
    for c in clients:
        c.join(timeout=60)
    after_kill = inspect(root, attempted)
    start = time.monotonic()
    restarted = serve(root, out, work / "server.log")
    try:
        restarted.wait_ready(timeout=300)
        restart_seconds = time.monotonic() - start
        after_restart = inspect(root, attempted)
        known = ask(restarted.url, [ID + s for s in attempted])
    finally:
        restarted.stop()
    return CrashResult(
        acknowledged=len(acknowledged),
        in_flight_when_killed=len(set(attempted) - set(acknowledged)),
        files_after_kill=len(after_kill.entry_files),
        partial_files=len(after_kill.unreadable) + len(after_restart.unreadable),
        temporaries_after_kill=len(after_kill.temporaries),
        temporaries_after_restart=len(after_restart.temporaries),
        acknowledged_missing_after_restart=len({ID + s for s in acknowledged} - known),
        unacknowledged_but_present=len((known | {ID + s for s in after_restart.entry_files}) - {ID + s for s in acknowledged}),
        restart_seconds=round(restart_seconds, 1),
    )
