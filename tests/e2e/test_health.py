"""Health, readiness, request ids, tracing headers, routing errors and the OpenAPI spec."""

import json
import re
import socket

import pytest
import requests

from conftest import REQUEST_ID_RE, assert_problem, parse_raw_response, recv_all


def test_healthz_without_auth(api):
    resp = api.get("/healthz", auth=False)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.json() == {"status": "ok"}
    assert REQUEST_ID_RE.match(resp.headers["X-Request-Id"])


def test_readyz_reports_checks(api):
    resp = api.get("/readyz", auth=False)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert body["status"] == "ready"
    checks = body["checks"]
    assert isinstance(checks, dict) and checks
    for name in ("metastore", "data_dir", "disk", "accepting"):
        assert name in checks, f"readiness check {name} missing: {body}"
    for name, check in checks.items():
        assert check["ok"] is True, f"check {name} not ok: {check}"


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_head_works(api, path):
    get = api.get(path, auth=False)
    resp = api.head(path, auth=False)
    assert resp.status_code == 200
    assert resp.content == b""
    assert resp.headers["Content-Type"] == get.headers["Content-Type"]
    assert int(resp.headers["Content-Length"]) == len(get.content)
    assert REQUEST_ID_RE.match(resp.headers["X-Request-Id"])


def test_head_on_v1_route_requires_auth_and_has_no_body(api):
    resp = api.head("/v1/datasets", auth=False)
    assert resp.status_code == 401
    assert resp.content == b""
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    resp = api.head("/v1/datasets")
    assert resp.status_code == 200
    assert resp.content == b""


@pytest.mark.parametrize("request_id", [
    "abc", "A", "req-1.2_3", "01JD5ZK8W7V6T4R3Q2P1N0M9K8", "x" * 128,
])
def test_request_id_echoed_when_well_formed(api, request_id):
    resp = api.get("/healthz", headers={"X-Request-Id": request_id})
    assert resp.status_code == 200
    assert resp.headers["X-Request-Id"] == request_id


@pytest.mark.parametrize("request_id", [
    "x" * 129, "has space", "semi;colon", "slash/id", "quote\"", "ümlaut".encode("utf-8"),
    "a,b",
])
def test_request_id_replaced_when_malformed(api, request_id):
    resp = api.get("/healthz", headers={"X-Request-Id": request_id})
    assert resp.status_code == 200
    echoed = resp.headers["X-Request-Id"]
    sent = request_id.decode("latin-1") if isinstance(request_id, bytes) else request_id
    assert echoed != sent
    assert REQUEST_ID_RE.match(echoed), echoed
    # A fresh id every time, not a fixed placeholder.
    again = api.get("/healthz", headers={"X-Request-Id": request_id}).headers["X-Request-Id"]
    assert again != echoed


def test_fresh_request_ids_are_unique(api):
    ids = {api.get("/healthz").headers["X-Request-Id"] for _ in range(20)}
    assert len(ids) == 20


def test_request_id_in_problem_body_matches_header(api):
    resp = api.get("/v1/datasets/nosuch", headers={"X-Request-Id": "trace-me-42"})
    body = assert_problem(resp, 404, "not_found")
    assert body["request_id"] == "trace-me-42"
    assert body["instance"] == "urn:strata:request:trace-me-42"


@pytest.mark.parametrize("traceparent", [
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
    "garbage",
    "",
])
def test_traceparent_valid_or_invalid_is_accepted(api, traceparent):
    headers = {"traceparent": traceparent, "tracestate": "k1=v1,k2=v2"}
    assert api.get("/healthz", headers=headers).status_code == 200
    assert api.get("/v1/datasets", headers=headers).status_code == 200


@pytest.mark.parametrize("path", ["/nope", "/v1/nope", "/v1/datasets/x/nope", "/v2/datasets",
                                  "/v1/datasets/x/schema/versions/1/extra"])
def test_unknown_route_is_404_problem(api, path):
    resp = api.get(path)
    body = assert_problem(resp, 404, "route_not_found")
    assert "/v1/openapi.json" in body["detail"] or path in body["detail"]


def test_unknown_route_without_auth_is_still_404(api):
    assert_problem(api.get("/v1/nope", auth=False), 404, "route_not_found")


@pytest.mark.parametrize("method,path,allowed", [
    ("POST", "/healthz", {"GET", "HEAD"}),
    ("DELETE", "/readyz", {"GET", "HEAD"}),
    ("PUT", "/v1/datasets", {"GET", "HEAD", "POST"}),
    ("DELETE", "/v1/datasets", {"GET", "HEAD", "POST"}),
    ("POST", "/v1/datasets/x", {"GET", "HEAD", "PUT", "PATCH", "DELETE"}),
    ("PUT", "/v1/datasets/x/schema", {"GET", "HEAD", "PATCH"}),
    ("POST", "/v1/datasets/x/schema/versions", {"GET", "HEAD"}),
    ("DELETE", "/v1/datasets/x/schema/versions/1", {"GET", "HEAD"}),
    ("POST", "/v1/openapi.json", {"GET", "HEAD"}),
])
def test_wrong_method_is_405_with_allow(api, method, path, allowed):
    resp = api.request(method, path, data=b"{}", headers={"Content-Type": "application/json"})
    assert_problem(resp, 405, "method_not_allowed")
    allow = {m.strip() for m in resp.headers.get("Allow", "").split(",") if m.strip()}
    assert allow == allowed, f"Allow: {resp.headers.get('Allow')!r}"


def test_openapi_json_without_auth(api):
    resp = api.get("/v1/openapi.json", auth=False)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].split(";")[0] == "application/json"
    spec = resp.json()
    assert isinstance(spec["openapi"], str) and spec["openapi"].startswith("3.1"), spec["openapi"]
    assert "paths" in spec and spec["paths"]
    assert "/v1/datasets" in spec["paths"] or "/datasets" in spec["paths"], list(spec["paths"])


def test_openapi_yaml_without_auth(api):
    resp = api.get("/v1/openapi.yaml", auth=False)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].split(";")[0] == "application/yaml"
    text = resp.text
    assert "openapi: " in text or "openapi:" in text.splitlines()[0]
    first = [line for line in text.splitlines() if line.startswith("openapi:")]
    assert first and "3.1" in first[0], first
    # YAML, not the JSON document served under another type.
    with pytest.raises(ValueError):
        json.loads(text)


def test_keep_alive_connection_serves_many_requests(server):
    with requests.Session() as session:
        for _ in range(10):
            resp = session.get(server.base + "/healthz", timeout=10)
            assert resp.status_code == 200


def test_wrong_method_without_auth_is_405_not_401(api):
    resp = api.request("PUT", "/v1/datasets", auth=False)
    assert_problem(resp, 405, "method_not_allowed")
    assert "Allow" in resp.headers


def _raw(server, payload, timeout=5):
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        return recv_all(sock, timeout=timeout)


def test_http_1_0_without_host(server):
    data = _raw(server, b"GET /healthz HTTP/1.0\r\n\r\n")
    status, headers, body = parse_raw_response(data)
    assert status == 200
    assert json.loads(body) == {"status": "ok"}
    assert data.startswith(b"HTTP/1.0 200") or data.startswith(b"HTTP/1.1 200")


def test_pipelined_requests_answered_in_order(server):
    payload = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: first\r\n\r\n"
               b"GET /readyz HTTP/1.1\r\nHost: x\r\nX-Request-Id: second\r\n\r\n"
               b"GET /nope HTTP/1.1\r\nHost: x\r\nX-Request-Id: third\r\nConnection: close\r\n\r\n")
    data = _raw(server, payload)
    ids = re.findall(rb"X-Request-Id: ([A-Za-z0-9._-]+)", data, flags=re.IGNORECASE)
    statuses = re.findall(rb"HTTP/1\.1 (\d{3})", data)
    assert ids == [b"first", b"second", b"third"], data[:500]
    assert statuses == [b"200", b"200", b"404"], data[:500]


def test_expect_100_continue(server):
    body = json.dumps({"id": "expect_continue", "fields": []}).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall((f"POST /v1/datasets HTTP/1.1\r\nHost: x\r\n"
                      f"Authorization: Bearer {server.bootstrap_key}\r\n"
                      f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                      f"Expect: 100-continue\r\n\r\n").encode())
        sock.settimeout(5)
        interim = sock.recv(4096)
        assert interim.startswith(b"HTTP/1.1 100"), interim
        sock.sendall(body)
        sock.shutdown(socket.SHUT_WR)
        rest = interim.split(b"\r\n\r\n", 1)[1] + recv_all(sock)
    status, headers, resp_body = parse_raw_response(rest)
    assert status == 201, resp_body
    assert headers["location"] == "/v1/datasets/expect_continue"
