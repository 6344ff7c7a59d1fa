"""A small, fast HTTP/1.1 load generator on raw asyncio streams (shared by benchmarks/bench_load.py and tests/web/test_load.py).

Each client holds one persistent keep-alive connection and sends its requests back to back
(closed loop) or at fixed times (open loop, a paced offered rate). Every response is checked:
status 200, the expected media type, and the body byte-identical to a reference answer that
was fetched and checked for its content before the run. Anything else (another status, another
body, a connection error, a timeout) is an error.

    result = asyncio.run(closed_loop(target, "127.0.0.1", port, clients=50, duration=10))

The service to load runs in its own process (:func:`harness.servers.mhkg_serve`) or in a thread.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SPARQL_JSON = "application/sparql-results+json"
TIMEOUT = 30.0  # seconds for one exchange; longer is an error


# ------------------------------------------------------------------ requests and answers
@dataclass
class Target:
    """One kind of request and how to recognise a right answer."""

    name: str
    path: str
    accept: str = "*/*"
    method: str = "GET"
    body: bytes = b""
    content_type: str = ""
    media: str = ""  # the response's Content-Type must start with this
    expected: bytes | None = None  # the reference body (set by prepare())
    check: Callable[[bytes], str | None] | None = None  # semantic check of the reference body: None if right, else why not
    observe: Callable[[float, int, bytes], None] | None = None  # called with (start, status, body) for every answer

    def request(self, host: str, port: int) -> bytes:
        """The raw HTTP/1.1 request for ``host:port`` (keep-alive: no ``Connection: close``)."""
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}:{port}", f"Accept: {self.accept}", "User-Agent: mhkg-loadgen"]
        if self.method != "GET" or self.body:
            lines += [f"Content-Type: {self.content_type}", f"Content-Length: {len(self.body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + self.body

    def verdict(self, status: int, headers: dict[str, str], body: bytes) -> str | None:
        """None for a right answer, else a short reason."""
        if status != 200:
            return f"status {status}"
        if self.media and not headers.get("content-type", "").startswith(self.media):
            return f"content-type {headers.get('content-type')!r}"
        if self.expected is not None and body != self.expected:
            return "body differs from the reference"
        return None


class HttpError(Exception):
    """The server broke the HTTP exchange (closed the connection, sent garbage)."""


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response: status, headers (lower-case names), body (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise HttpError(f"bad status line {lines[0]!r}")
    status = int(parts[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers expected
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(chunks)
    else:
        body = b""
    return status, headers, body


def visitor(host: str, i: int) -> str | None:
    """Client ``i``'s own loopback address (127.0.0.10, 127.0.0.11 …): each client is a distinct visitor, as
    fifty officials would be, so the service's per-client limits treat them as such. None off loopback."""
    return f"127.0.0.{10 + i % 240}" if host.startswith("127.") else None


class Connection:
    """One keep-alive connection; reconnects after an error or a ``Connection: close``."""

    def __init__(self, host: str, port: int, *, source: str | None = None) -> None:
        self.host, self.port, self.source = host, port, source
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.connects = 0

    async def exchange(self, request: bytes) -> tuple[int, dict[str, str], bytes]:
        """Send one raw request (connecting first if need be) and read its response: status, headers, body."""
        if self.writer is None:
            local = (self.source, 0) if self.source else None
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port, local_addr=local)
            self.writer.transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.connects += 1
        assert self.reader is not None
        self.writer.write(request)
        status, headers, body = await read_response(self.reader)
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body

    def close(self) -> None:
        """Close the connection; the next exchange opens a new one."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


# ------------------------------------------------------------------ measuring
@dataclass
class Result:
    """What one phase measured."""

    target: str
    mode: str  # "closed" | "open"
    clients: int
    duration_s: float
    offered_rps: float | None = None
    latencies_ms: list[float] = field(default_factory=list)  # of right answers and wrong ones alike
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    connects: int = 0
    late_starts: int = 0  # open loop: requests sent more than 1 ms after their scheduled time

    @property
    def requests(self) -> int:
        """Requests answered, right or wrong."""
        return len(self.latencies_ms)

    def error(self, why: str) -> None:
        """Count one wrong answer, by its reason."""
        self.errors += 1
        self.error_kinds[why] = self.error_kinds.get(why, 0) + 1

    def summary(self) -> dict[str, Any]:
        """The phase's numbers (throughput, latency percentiles in ms, errors) as a JSON-ready dict."""
        lat = sorted(self.latencies_ms)
        out: dict[str, Any] = {
            "target": self.target,
            "mode": self.mode,
            "clients": self.clients,
            "duration_s": round(self.duration_s, 2),
            "requests": self.requests,
            "throughput_rps": round(self.requests / self.duration_s, 1) if self.duration_s else 0.0,
            "p50_ms": percentile(lat, 50),
            "p90_ms": percentile(lat, 90),
            "p99_ms": percentile(lat, 99),
            "max_ms": round(lat[-1], 2) if lat else None,
            "errors": self.errors,
            "error_kinds": self.error_kinds,
            "connections_opened": self.connects,
        }
        if self.offered_rps is not None:
            out["offered_rps"] = self.offered_rps
            out["late_starts"] = self.late_starts
        return out


def percentile(sorted_values: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * p // 100))  # ceil(n * p / 100)
    return round(sorted_values[int(rank) - 1], 2)


async def _one(conn: Connection, request: bytes, target: Target, result: Result, start: float) -> None:
    try:
        async with asyncio.timeout(TIMEOUT):
            status, headers, body = await conn.exchange(request)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, HttpError, ValueError) as exc:
        conn.close()
        result.latencies_ms.append((time.perf_counter() - start) * 1000)
        result.error(type(exc).__name__)
        return
    result.latencies_ms.append((time.perf_counter() - start) * 1000)
    if target.observe is not None:
        target.observe(start, status, body)
    why = target.verdict(status, headers, body)
    if why is not None:
        result.error(why)


async def closed_loop(target: Target, host: str, port: int, *, clients: int, duration: float) -> Result:
    """``clients`` connections, each sending its next request as soon as the previous answer is in."""
    request = target.request(host, port)
    result = Result(target.name, "closed", clients, duration)
    conns = [Connection(host, port, source=visitor(host, i)) for i in range(clients)]
    deadline = time.perf_counter() + duration

    async def client(conn: Connection) -> None:
        while time.perf_counter() < deadline:
            await _one(conn, request, target, result, time.perf_counter())

    began = time.perf_counter()
    await asyncio.gather(*(client(c) for c in conns))
    result.duration_s = time.perf_counter() - began
    result.connects = sum(c.connects for c in conns)
    for c in conns:
        c.close()
    return result


async def open_loop(target: Target, host: str, port: int, *, clients: int, rate: float, duration: float) -> Result:
    """A fixed offered rate: request k of client i is due at t0 + (k * clients + i) / rate.

    Latency counts from the due time, not from the actual send, so a slow answer that delays the
    client's next request is charged to that request too (no coordinated omission).
    """
    request = target.request(host, port)
    result = Result(target.name, "open", clients, duration, offered_rps=rate)
    conns = [Connection(host, port, source=visitor(host, i)) for i in range(clients)]
    total = int(rate * duration)
    t0 = time.perf_counter() + 0.05

    async def client(i: int, conn: Connection) -> None:
        for k in range(i, total, clients):
            due = t0 + k / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            elif wait < -0.001:
                result.late_starts += 1
            await _one(conn, request, target, result, due)

    await asyncio.gather(*(client(i, c) for i, c in enumerate(conns)))
    result.duration_s = time.perf_counter() - t0
    result.connects = sum(c.connects for c in conns)
    for c in conns:
        c.close()
    return result


async def fetch(target: Target, host: str, port: int) -> tuple[int, dict[str, str], bytes]:
    """One exchange of ``target``'s request on a connection of its own (60 s at most)."""
    conn = Connection(host, port)
    try:
        return await asyncio.wait_for(conn.exchange(target.request(host, port)), timeout=60)
    finally:
        conn.close()


async def prepare(target: Target, host: str, port: int) -> None:
    """Fetch the reference answer, check its content, and make it the body every response must equal.

    Raises:
        AssertionError: the reference answer is not right (wrong status, media type or content),
            or the same request does not give the same body twice (then bodies cannot be compared).
    """
    status, headers, body = await fetch(target, host, port)
    target.expected = None
    why = target.verdict(status, headers, body) or (target.check(body) if target.check else None)
    assert why is None, f"{target.name}: the reference answer is wrong: {why}: {body[:300]!r}"
    again = (await fetch(target, host, port))[2]
    assert again == body, f"{target.name}: two answers to the same request differ, so bodies cannot be compared"
    target.expected = body


# ------------------------------------------------------------------ CPU accounting
def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and all its descendants (Linux /proc), 0 elsewhere."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    family, total, grew = {pid}, 0.0, True
    while grew:
        grew = False
        for child, (parent, _) in stats.items():
            if parent in family and child not in family:
                family.add(child)
                grew = True
    for member in family:
        total += stats.get(member, (0, 0.0))[1]
    return total


def machine_busy_seconds() -> float:
    """CPU seconds spent busy (not idle, not waiting for I/O) by all cores since boot (Linux /proc/stat), 0 elsewhere."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / (os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100)


# ------------------------------------------------------------------ the three targets
ORGANISATION = "trafiknamnden"
SPARQL_QUERY = """SELECT ?org ?label WHERE {
  ?org a mh:Committee ; rdfs:label ?label .
  FILTER(LANG(?label) = "sv")
}
ORDER BY ?label"""


@dataclass(frozen=True)
class Expectation:
    """What the answers about one organisation must contain (known facts, not taken from the answers checked)."""

    org: str = ORGANISATION
    label_sv: str = "Trafiknämnden"
    measures: tuple[str, ...] = ("suicide-hotspot-means-restriction", "platform-screen-doors")


def _check_page(expect: Expectation, body: bytes) -> str | None:
    text = body.decode("utf-8", errors="replace")
    if '<html lang="sv">' not in text or f"<h1>{expect.label_sv}</h1>" not in text:
        return f"not the Swedish page of {expect.label_sv}"
    missing = [m for m in expect.measures if f"/id/intervention/{m}" not in text]
    return f"the page does not list {', '.join(missing)}" if missing else None


def _check_measures(expect: Expectation, body: bytes) -> str | None:
    import json

    page = json.loads(body)
    ids = {m["id"] for m in page.get("items", [])}
    missing = [m for m in expect.measures if m not in ids]
    if missing:
        return f"the measures do not include {', '.join(missing)}"
    if not all(m["justification_sv"] and m["sources"] and m["certainty"] for m in page["items"]):
        return "a measure without justification, sources or certainty"
    return None


def _check_sparql(body: bytes) -> str | None:
    import json

    data = json.loads(body)
    labels = [b["label"]["value"] for b in data["results"]["bindings"]]
    if len(labels) < 5 or "Trafiknämnden" not in labels or labels != sorted(labels):
        return "the committees are too few, miss Trafiknämnden, or are not in order"
    return None


def expectation(host: str, port: int, org: str) -> Expectation:
    """For an organisation other than the default: its Swedish name and first measure, read from the REST API
    (so checks of the page and the measures against them are weaker than the default's known facts)."""
    import json

    if org == ORGANISATION:
        return Expectation()
    with urllib.request.urlopen(f"http://{host}:{port}/api/v1/organisations/{org}", timeout=30) as resp:  # noqa: S310 - loopback
        label = json.loads(resp.read())["label_sv"]
    with urllib.request.urlopen(f"http://{host}:{port}/api/v1/organisations/{org}/measures", timeout=30) as resp:  # noqa: S310 - loopback
        items = json.loads(resp.read())["items"]
    return Expectation(org, label, tuple(m["id"] for m in items[:1]))


def targets(expect: Expectation | None = None) -> dict[str, Target]:
    """The organisation page, the measures API and the SPARQL endpoint (GET, SPARQL JSON results)."""
    import functools
    import urllib.parse

    expect = expect or Expectation()
    org = expect.org
    return {
        "organisation page": Target(
            "organisation page", f"/id/organisation/{org}", accept=HTML, media="text/html", check=functools.partial(_check_page, expect)
        ),
        "measures API": Target(
            "measures API",
            f"/api/v1/organisations/{org}/measures",
            accept="application/json",
            media="application/json",
            check=functools.partial(_check_measures, expect),
        ),
        "SPARQL endpoint": Target(
            "SPARQL endpoint",
            "/sparql?" + urllib.parse.urlencode({"query": SPARQL_QUERY}),
            accept=SPARQL_JSON,
            media=SPARQL_JSON,
            check=_check_sparql,
        ),
    }
