"""Operations and input safety: readiness, body limits, CORS for reads only, JSON access logs, and
parsing that never fetches remote contexts or external entities."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.errors import KnowledgeSyntaxError
from api.knowledge.loader import parse_file
from api.store import EmbeddedStore
from api.web.app import create_app

TOKEN = "secret-token-never-logged"  # noqa: S105 - a test token


@pytest.fixture(scope="module")
def client(store: EmbeddedStore) -> TestClient:
    return TestClient(create_app(store, token=TOKEN))


def test_ready_and_health(client: TestClient) -> None:
    ready = client.get("/ready").json()
    assert ready["status"] == "ready" and ready["triples"] > 20000
    assert client.get("/health").json()["status"] == "ok"
    empty = TestClient(create_app(EmbeddedStore()))
    assert empty.get("/ready").status_code == 503 and empty.get("/health").status_code == 200


def test_oversized_bodies_get_413(client: TestClient) -> None:
    big = b"#" * (1024 * 1024 + 1)
    assert client.post("/api/v1/validate", content=big, headers={"Content-Type": "text/turtle"}).status_code == 413

    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b"#" * 100_000

    streamed = client.post("/sparql", content=chunks(), headers={"Content-Type": "application/sparql-query"})
    assert streamed.status_code == 413


def test_cors_is_open_for_reads_only(client: TestClient) -> None:
    origin = {"Origin": "https://example.org"}
    assert client.get("/api/v1/organisations", headers=origin).headers["access-control-allow-origin"] == "*"
    pre = client.options("/sparql", headers={**origin, "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 204 and pre.headers["access-control-allow-origin"] == "*"
    write = client.options("/api/v1/evidence", headers={**origin, "Access-Control-Request-Method": "POST"})
    assert write.status_code == 403 and "access-control-allow-origin" not in write.headers
    posted = client.post("/api/v1/evidence", content=b"x", headers={**origin, "Content-Type": "text/turtle", "Authorization": "Bearer wrong"})
    assert "access-control-allow-origin" not in posted.headers


def test_access_log_is_json_with_request_ids_and_no_tokens(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="mhkg.access"):
        r = client.post(
            "/api/v1/evidence",
            content=b"@prefix x: <urn:x:> .",
            headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}", "X-Request-ID": "abc-123"},
        )
        client.get("/health")
    lines = [json.loads(rec.getMessage()) for rec in caplog.records if rec.name == "mhkg.access"]
    assert r.headers["x-request-id"] == "abc-123"
    assert any(line["request_id"] == "abc-123" and line["path"] == "/api/v1/evidence" and line["status"] == r.status_code for line in lines)
    assert all(len(line["request_id"]) >= 7 for line in lines)
    assert TOKEN not in caplog.text


def test_remote_jsonld_context_is_never_fetched(client: TestClient, listener: tuple[int, list[bytes]]) -> None:
    port, received = listener
    entry = json.dumps({"@context": f"http://127.0.0.1:{port}/context.jsonld", "@id": "https://w3id.org/mhkg/id/evidence/x", "@type": "EvidenceEntry"})
    r = client.post("/api/v1/validate", content=entry.encode(), headers={"Content-Type": "application/ld+json"})
    assert r.status_code in (400, 422)
    assert received == []


def test_rdfxml_external_entities_are_never_fetched(tmp_path: Path, listener: tuple[int, list[bytes]]) -> None:
    port, received = listener
    xxe = tmp_path / "xxe.rdf"
    xxe.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY remote SYSTEM "http://127.0.0.1:{port}/secret"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/x"><ex:p>&remote;</ex:p></rdf:Description>
</rdf:RDF>
""")
    try:
        triples = parse_file(xxe)
    except KnowledgeSyntaxError:
        triples = []
    assert all("secret" not in str(t) for t in triples)
    assert received == []
    client = TestClient(create_app(EmbeddedStore()))
    assert client.post("/api/v1/validate", content=xxe.read_bytes(), headers={"Content-Type": "application/rdf+xml"}).status_code == 415
