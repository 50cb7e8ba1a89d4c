"""OWASP API4:2023 Unrestricted Resource Consumption: every limit answers its documented
4xx/5xx problem, and the server stays ready afterwards.

Limits (docs/configuration.md, docs/api.md "Limits", docs/query.md "Limits") are set small
for this module's server so that each is reached in a fraction of a second: body size (413),
request head (431), connections (503), a stalled request head (closed), JSON depth (400),
inflated compressed bodies (413), records per request (413), record size, fields per schema,
query time (504), query memory (422), rows per response (cursor / row_limit_exceeded),
page sizes (400), statement size (413) and nesting (400), query parameters (bounded by the
head), upload size (413), tokens per detokenize call (422).
"""

import gzip
import json
import socket
import time

import pytest

from conftest import assert_problem, error_items, parse_raw_response, raw_http, recv_all
from owasp import ingest, wait_until_healthy

MAX_BODY = 400_000
MAX_HEADER = 4096
MAX_DECODED = 2_000_000
MAX_ROWS_PER_REQUEST = 20_000
MAX_RECORD = 4096
MAX_QUERY_ROWS = 500
MAX_CONNECTIONS = 16
UPLOAD_MAX = 100_000
JSON_DEPTH = 16
T0 = 1_700_000_000_000_000
SLOW_ROWS = 200_000


@pytest.fixture(scope="module")
def server_options():
    return {
        "server.max_body_bytes": str(MAX_BODY),
        "server.max_header_bytes": str(MAX_HEADER),
        "server.max_connections": str(MAX_CONNECTIONS),
        "server.header_timeout_ms": "1000",
        "server.max_json_depth": str(JSON_DEPTH),
        "ingest.max_decoded_body_bytes": str(MAX_DECODED),
        "ingest.max_rows_per_request": str(MAX_ROWS_PER_REQUEST),
        "ingest.max_record_bytes": str(MAX_RECORD),
        "ingest.upload_max_bytes": str(UPLOAD_MAX),
        "query.max_rows": str(MAX_QUERY_ROWS),
        "query.memory_limit_bytes": str(1 << 20),
    }


def gzipped_ndjson(rows):
    return gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode(), compresslevel=1)


def post_gzip(api, dataset, body):
    return api.request("POST", f"/v1/datasets/{dataset}/ingest", data=body,
                       headers={"Content-Type": "application/x-ndjson",
                                "Content-Encoding": "gzip"})


@pytest.fixture(scope="module")
def big(server):
    """Dataset `big`: SLOW_ROWS rows with distinct strings, ingested gzipped in batches."""
    api = server.api()
    api.create_dataset({"id": "big", "time_field": "time",
                        "fields": [{"name": "time", "type": "timestamp"},
                                   {"name": "s", "type": "string"}]})
    step = MAX_ROWS_PER_REQUEST
    for first in range(0, SLOW_ROWS, step):
        resp = post_gzip(api, "big", gzipped_ndjson(
            {"time": T0 + i, "s": f"value-{i}-{i * 7919 % 10007}"}
            for i in range(first, first + step)))
        assert resp.status_code == 200, resp.text[:300]
    return "big"


@pytest.fixture(autouse=True)
def _ready_after_each_test(server):
    yield
    resp = server.api().get("/readyz", auth=False)
    assert resp.status_code == 200, f"/readyz after the test: {resp.status_code} {resp.text}"


def test_body_over_the_limit_is_413(api):
    body = b'{"time": 1, "s": "' + b"x" * MAX_BODY + b'"}\n'
    resp = api.request("POST", "/v1/datasets/big/ingest", data=body,
                       headers={"Content-Type": "application/x-ndjson"})
    assert_problem(resp, 413, "payload_too_large")


def test_inflated_body_over_the_limit_is_413(api, big):
    bomb = gzip.compress(b'{"time": 1, "s": "' + b"0" * (MAX_DECODED * 4) + b'"}\n', 9)
    assert len(bomb) < MAX_BODY // 10
    assert_problem(post_gzip(api, big, bomb), 413, "payload_too_large")


def test_too_many_records_is_413_and_commits_nothing(api, big):
    before = api.post("/v1/query", {"sql": f"SELECT count(*) FROM {big}"}).json()["rows"]
    rows = ({"time": T0 + i, "s": "x"} for i in range(MAX_ROWS_PER_REQUEST + 1))
    assert_problem(post_gzip(api, big, gzipped_ndjson(rows)), 413, "too_many_records")
    after = api.post("/v1/query", {"sql": f"SELECT count(*) FROM {big}"}).json()["rows"]
    assert before == after


def test_oversized_record_is_rejected(api):
    api.create_dataset({"id": "small", "time_field": "time", "schema_mode": "evolve",
                        "fields": [{"name": "time", "type": "timestamp"}]})
    resp = ingest(api, "small", [{"time": T0, "s": "x" * (MAX_RECORD * 2)}])
    body = assert_problem(resp, 422, "records_invalid")
    assert body["errors"][0]["code"] == "record_too_large", body


def test_a_schema_holds_at_most_1024_fields(api):
    body = assert_problem(api.post("/v1/datasets", {"id": "wide", "fields": [
        {"name": f"f{i}", "type": "int64"} for i in range(1025)]}), 422)
    assert "/fields" in error_items(body), body
    # Evolve mode cannot be pushed past it one record at a time either.
    record = {"time": T0, **{f"c{i}": i for i in range(1100)}}
    resp = api.request("POST", "/v1/datasets/small/ingest",
                       data=(json.dumps(record) + "\n").encode(),
                       headers={"Content-Type": "application/x-ndjson"})
    assert resp.status_code in (207, 422), resp.text[:300]
    fields = api.get("/v1/datasets/small").json()["schema"]["fields"]
    assert len(fields) <= 1024


def test_query_time_limit_is_504(api, big):
    resp = api.post("/v1/query", {
        "sql": f"SELECT count(*) FROM {big} WHERE lower(s) LIKE '%9%9%' OR s || s LIKE '%x%'",
        "timeout_ms": 1})
    assert_problem(resp, 504, "query_timeout")


def test_query_memory_limit_is_422(api, big):
    resp = api.post("/v1/query", {"sql": f"SELECT s, count(*) FROM {big} GROUP BY s"})
    assert_problem(resp, 422, "query_memory_limit")


def test_rows_per_response_are_capped(api):
    api.create_dataset({"id": "rows", "time_field": "time",
                        "fields": [{"name": "time", "type": "timestamp"},
                                   {"name": "n", "type": "int64"}]})
    assert ingest(api, "rows", [{"time": T0 + i, "n": i}
                                for i in range(3 * MAX_QUERY_ROWS)]).status_code == 200
    resp = api.post("/v1/query", {"sql": "SELECT n FROM rows", "limit": 10 ** 9})
    assert resp.status_code == 200, resp.text[:300]
    page = resp.json()
    assert len(page["rows"]) == MAX_QUERY_ROWS and page["next_cursor"]
    stream = api.post("/v1/query", {"sql": "SELECT n FROM rows", "format": "ndjson"})
    assert stream.status_code == 200
    lines = stream.text.strip().split("\n")
    assert len(lines) <= MAX_QUERY_ROWS + 1
    assert "row_limit_exceeded" in lines[-1], lines[-1][:300]
    for path in ("/v1/datasets/rows/records", "/v1/datasets/rows/changes"):
        assert_problem(api.get(path, params={"limit": MAX_QUERY_ROWS + 1}), 400)
        ok = api.get(path, params={"limit": MAX_QUERY_ROWS})
        assert ok.status_code == 200, ok.text[:300]


@pytest.mark.parametrize("path", ["/v1/datasets", "/v1/users", "/v1/service-accounts",
                                  "/v1/audit", "/v1/datasets/big/schema/versions",
                                  "/v1/datasets/big/rejected"])
def test_page_sizes_are_capped(api, big, path):
    for bad in ("0", "-1", "1001", "99999999999999999999", "abc", "1e3"):
        body = assert_problem(api.get(path, params={"limit": bad}), 400, check_alive=False)
        assert error_items(body, "parameter") == ["limit"], body
    assert api.get(path, params={"limit": "1000"}).status_code == 200


def test_long_and_deep_statements_are_refused(api, big):
    long_sql = f"SELECT count(*) FROM {big} WHERE s = '" + "x" * (256 * 1024) + "'"
    assert len(long_sql) < MAX_BODY
    assert_problem(api.post("/v1/query", {"sql": long_sql}), 413)
    deep = f"SELECT {'(' * 300}1{')' * 300} FROM {big}"
    assert_problem(api.post("/v1/query", {"sql": deep}), 400, "sql_syntax")


def test_json_deeper_than_the_limit_is_400(api):
    deep = {"name": "x"}
    for _ in range(JSON_DEPTH):
        deep = {"a": deep}
    resp = api.request("POST", "/v1/datasets", data=json.dumps(deep).encode(),
                       headers={"Content-Type": "application/json"})
    assert_problem(resp, 400, "json_too_deep")


def test_request_head_and_query_parameters_are_bounded(api, server):
    params = "&".join(f"p{i}=1" for i in range(MAX_HEADER // 8))
    status, headers, body = raw_http(server.port, "GET", "/v1/datasets?" + params,
                                     headers={"Authorization": f"Bearer {server.bootstrap_key}"})
    assert status == 400, body[:300]
    assert json.loads(body)["errors"][0]["parameter"] == "p0"
    many = "&".join(f"p{i}=1" for i in range(MAX_HEADER))
    status, headers, body = raw_http(server.port, "GET", "/v1/datasets?" + many,
                                     headers={"Authorization": f"Bearer {server.bootstrap_key}"})
    assert status == 431, body[:300]
    status, _, _ = raw_http(server.port, "GET", "/v1/datasets",
                            headers={"Authorization": f"Bearer {server.bootstrap_key}",
                                     "X-Filler": "y" * MAX_HEADER})
    assert status == 431


def test_uploads_larger_than_the_limit_are_413(api, big):
    resp = api.request("POST", f"/v1/datasets/{big}/uploads",
                       headers={"Tus-Resumable": "1.0.0", "Upload-Length": str(UPLOAD_MAX + 1)})
    assert resp.status_code == 413, resp.text[:300]
    assert resp.json()["code"] == "upload_too_large"


def test_detokenize_takes_at_most_1000_tokens(api, big):
    resp = api.post(f"/v1/datasets/{big}/detokenize", {"field": "s", "tokens": ["t"] * 1001})
    body = assert_problem(resp, 422)
    assert "/tokens" in error_items(body), body


def test_a_stalled_request_head_is_dropped(server):
    """Slowloris: a head not completed within server.header_timeout_ms (1 s here) closes."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    try:
        sock.sendall(b"GET /v1/datasets HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        started = time.monotonic()
        data = recv_all(sock, timeout=6)
        assert time.monotonic() - started < 5.5, "the connection was not closed"
        assert data == b"" or data.startswith(b"HTTP/1.1 4"), data[:200]
    finally:
        sock.close()


def test_connections_beyond_the_limit_get_503(server):
    sockets = []
    try:
        for _ in range(MAX_CONNECTIONS + 8):
            sockets.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        time.sleep(0.5)  # Refusals are written at accept; accepted sockets stay silent.
        refused = []
        for sock in sockets:
            sock.setblocking(False)
            try:
                first = sock.recv(65536)
            except BlockingIOError:
                continue
            if first:
                refused.append(first + recv_all(sock, timeout=2))
        assert refused, f"{len(sockets)} connections, none refused"
        assert len(sockets) - len(refused) <= MAX_CONNECTIONS
        for data in refused:
            status, headers, body = parse_raw_response(data)
            assert status == 503 and headers.get("retry-after"), data[:300]
            assert json.loads(body)["code"] == "too_many_connections"
    finally:
        for sock in sockets:
            sock.close()
    wait_until_healthy(server)
    assert server.healthy()
