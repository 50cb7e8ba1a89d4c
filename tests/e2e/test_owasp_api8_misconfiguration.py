"""OWASP API8:2023 Security Misconfiguration: safe defaults on every answer.

- Every response class (2xx, 304, 4xx from the router, the services and the HTTP layer, 503
  from the accept path, OPTIONS) carries `X-Content-Type-Options: nosniff`, a `Server`
  header without a version, and no framework banner; plain HTTP carries no HSTS.
- Responses that carry credentials (a new API key, a client secret, detokenized values) carry
  `Cache-Control: no-store`; others set no `Cache-Control`.
- CORS (docs/security.md "CORS"): a listed origin is echoed, never `*`, never with
  credentials; look-alike and unlisted origins get no CORS headers, and their preflights 403.
- Unknown methods and TRACE answer 405 with `Allow` and echo nothing of the request.
- Errors are problem+json without stack traces, source or data paths; no account has a
  default password.

TLS (protocols, ciphers, HSTS over HTTPS) is covered by test_tls.py.

Not covered here, and where they will apply:
- API6 (unrestricted access to sensitive business flows): per-principal rate limits and quotas
  are planned (CONVENTIONS.md §3); the flows worth protecting (sign-in, token refresh, key
  creation, exports) get abuse tests with them. The token endpoint's backoff is in
  test_oauth.py.
- API7 (server-side request forgery): Strata fetches only configured JWKS URLs today
  (https, or http to loopback; no redirects). Webhooks will bring user-chosen URLs, checked
  against an SSRF deny list (DESIGN.md "Streaming"); their module tests private, loopback,
  link-local and redirect targets.
- API10 (unsafe consumption of APIs): the JWKS documents of external issuers are the only
  third-party input (size, timeout and key checks in test_oidc.py); webhook responses and
  cluster-mode ClickHouse answers will be the next.
"""

import json
import socket
import time

import pytest

from conftest import assert_problem, check_problem_body, raw_http, recv_all, parse_raw_response
from owasp import ingest, wait_until_healthy

ORIGIN = "http://console.example:5173"
MAX_CONNECTIONS = 24
LEAKS = ("/tmp", "/work", "/home", "/usr/", ".cc", ".h:", "src/", "Traceback", "std::",
         "what():", "sqlite", "SQLITE", "0x7f", "boost::", "simdjson", "stack")


@pytest.fixture(scope="module")
def server_options():
    return {"server.cors.allowed_origins": ORIGIN,
            "server.max_connections": str(MAX_CONNECTIONS)}


@pytest.fixture(scope="module")
def world(server):
    api = server.api()
    created_ds = api.post("/v1/datasets", {"id": "conf", "time_field": "time", "fields": [
        {"name": "time", "type": "timestamp"}, {"name": "host", "type": "string"}]})
    assert created_ds.status_code == 201, created_ds.text
    assert ingest(api, "conf", [{"time": "2026-01-01T00:00:00Z", "host": "a"}]).status_code == 200
    return {"api": api, "etag": created_ds.headers["ETag"]}


def assert_safe_headers(headers, where):
    """`headers`: a mapping with lower-case names."""
    assert headers.get("x-content-type-options") == "nosniff", f"{where}: {headers}"
    server = headers.get("server", "")
    assert not any(c.isdigit() for c in server) and "/" not in server, f"{where}: {server}"
    for banner in ("x-powered-by", "x-aspnet-version", "x-runtime", "strict-transport-security"):
        assert banner not in headers, f"{where}: {banner} {headers[banner]}"


def lower(resp):
    return {k.lower(): v for k, v in resp.headers.items()}


def response_classes(world, server):
    """(label, response) of every class the API answers with, through requests."""
    api = world["api"]
    return [
        ("200", api.get("/v1/datasets")),
        ("200 HEAD", api.head("/v1/datasets/conf")),
        ("200 public", api.get("/healthz", auth=False)),
        ("201", api.post("/v1/roles", {"name": "conf-role", "permissions": ["data:read"]})),
        ("204 DELETE", api.delete("/v1/roles/conf-role")),
        ("204 OPTIONS", api.request("OPTIONS", "/v1/datasets/conf/uploads", auth=False)),
        ("304", api.get("/v1/datasets/conf", headers={"If-None-Match": world["etag"]})),
        ("400", api.request("POST", "/v1/query", data=b"{", headers={
            "Content-Type": "application/json"})),
        ("401", api.get("/v1/datasets", auth=False)),
        ("403", server.api(key=api.post("/v1/api-keys", {
            "name": "narrow", "scopes": ["datasets:read"]}).json()["key"]).get("/v1/users")),
        ("404", api.get("/v1/datasets/missing")),
        ("404 route", api.get("/v2/nothing")),
        ("405", api.request("PUT", "/v1/datasets")),
        ("409", api.post("/v1/datasets", {"id": "conf", "fields": []})),
        ("412", api.patch("/v1/datasets/conf", {"description": "x"},
                          headers={"If-Match": '"stale"'})),
        ("415", api.request("POST", "/v1/datasets", data=b"x",
                            headers={"Content-Type": "text/plain"})),
        ("422", api.post("/v1/datasets", {"id": "Bad Id", "fields": []})),
    ]


def test_every_response_class_carries_the_safe_headers(world, server):
    for label, resp in response_classes(world, server):
        assert str(resp.status_code) == label.split()[0], (label, resp.status_code, resp.text)
        assert_safe_headers(lower(resp), label)
        if resp.status_code >= 400 and resp.request.method != "HEAD":
            check_problem_body(resp.status_code, lower(resp), resp.content, resp.status_code)
        assert "cache-control" not in lower(resp), (label, resp.headers)


def test_answers_of_the_http_layer_carry_the_safe_headers(server):
    for target, extra, status in (("/v1/datasets/%zz", {}, 400),
                                  ("/v1/datasets", {"X-Filler": "y" * 20000}, 431)):
        code, headers, body = raw_http(server.port, "GET", target, headers=extra)
        assert code == status, body[:200]
        assert_safe_headers(headers, f"{status} from the HTTP layer")
        check_problem_body(code, headers, body, status)


def test_connection_limit_503_carries_the_safe_headers(server):
    sockets = []
    try:
        for _ in range(MAX_CONNECTIONS + 4):
            sockets.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        time.sleep(0.5)
        refused = None
        for sock in sockets:
            sock.setblocking(False)
            try:
                first = sock.recv(65536)
            except BlockingIOError:
                continue
            if first:
                refused = first + recv_all(sock, timeout=2)
                break
        assert refused, "no connection was refused"
        status, headers, body = parse_raw_response(refused)
        assert status == 503
        assert_safe_headers(headers, "503 too_many_connections")
        check_problem_body(status, headers, body, 503, "too_many_connections")
    finally:
        for sock in sockets:
            sock.close()
    wait_until_healthy(server)


def test_credential_answers_are_not_stored_by_caches(world):
    api = world["api"]
    key = api.post("/v1/api-keys", {"name": "nostore"})
    account = api.post("/v1/service-accounts", {"name": "conf-svc"})
    rotated = api.post("/v1/service-accounts/conf-svc/secret")
    detokenized = api.post("/v1/datasets/conf/detokenize", {"field": "host", "tokens": ["t"]})
    for label, resp in (("api key", key), ("service account", account),
                        ("rotated secret", rotated), ("detokenize", detokenized)):
        assert resp.status_code in (200, 201), (label, resp.text)
        assert resp.headers.get("Cache-Control") == "no-store", (label, resp.headers)
    # Reading them back is not a credential answer.
    assert "cache-control" not in lower(api.get(f"/v1/api-keys/{key.json()['id']}"))


@pytest.mark.parametrize("origin", [
    "http://evil.example", "null", ORIGIN + ".evil.example", "http://console.example",
    "https://console.example:5173", ORIGIN + "/", "*"])
def test_unlisted_origins_get_no_cors_headers(world, origin):
    api = world["api"]
    resp = api.get("/v1/datasets", headers={"Origin": origin})
    assert resp.status_code == 200
    assert not any(h.lower().startswith("access-control-") for h in resp.headers), resp.headers
    preflight = api.request("OPTIONS", "/v1/datasets", auth=False, headers={
        "Origin": origin, "Access-Control-Request-Method": "DELETE",
        "Access-Control-Request-Headers": "authorization"})
    assert_problem(preflight, 403, "cors_origin_not_allowed")
    assert not any(h.lower().startswith("access-control-") for h in preflight.headers)


def test_the_listed_origin_is_echoed_never_a_wildcard(world):
    api = world["api"]
    preflight = api.request("OPTIONS", "/v1/datasets/conf", auth=False, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "authorization, content-type, if-match"})
    assert preflight.status_code == 204, preflight.text
    h = preflight.headers
    assert h["Access-Control-Allow-Origin"] == ORIGIN
    assert "PATCH" in h["Access-Control-Allow-Methods"]
    assert "authorization" in h["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in h
    assert_safe_headers(lower(preflight), "preflight")
    for resp in (api.get("/v1/datasets", headers={"Origin": ORIGIN}),
                 api.get("/v1/datasets/missing", headers={"Origin": ORIGIN}),
                 api.get("/v1/datasets", auth=False, headers={"Origin": ORIGIN})):
        assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert "Access-Control-Allow-Credentials" not in resp.headers
        assert "Origin" in resp.headers.get("Vary", "")


@pytest.mark.parametrize("method", ["TRACE", "TRACK", "CONNECT", "PROPFIND", "FOO"])
def test_unknown_methods_are_405_and_echo_nothing(world, server, method):
    secret_header = "echo-me-not-0123456789"
    target = "127.0.0.1:80" if method == "CONNECT" else "/v1/datasets"
    status, headers, body = raw_http(server.port, method, target, headers={
        "Authorization": f"Bearer {server.bootstrap_key}", "X-Probe": secret_header})
    assert status in (400, 405), body[:200]
    assert_safe_headers(headers, method)
    problem = check_problem_body(status, headers, body, status)
    if status == 405:
        assert headers.get("allow") == "POST, GET, HEAD"
        assert "OTHER" not in problem["detail"], problem["detail"]
    assert secret_header.encode() not in body and server.bootstrap_key.encode() not in body


def test_errors_show_no_internals(world, server):
    api = world["api"]
    bad = [
        api.post("/v1/query", {"sql": "SELECT nope FROM conf"}),
        api.post("/v1/query", {"sql": "SELEC"}),
        api.post("/v1/query", {"cursor": "AAAA.BBBB"}),
        api.post("/v1/query", {"sql": "SELECT CAST(host AS int64) FROM conf"}),
        api.get("/v1/datasets", params={"cursor": "x" * 50}),
        api.get("/v1/datasets/conf/records", params={"filter": "host ="}),
        api.request("POST", "/v1/datasets/conf/ingest", data=b"\xff\xfe{",
                    headers={"Content-Type": "application/x-ndjson"}),
        api.request("POST", "/v1/datasets/conf/ingest", data=b"x",
                    headers={"Content-Type": "application/x-ndjson",
                             "Content-Encoding": "gzip"}),
        api.get("/v1/audit", params={"since": "yesterday"}),
        api.post("/v1/datasets", {"id": "../../etc/passwd", "fields": []}),
    ]
    for resp in bad:
        assert 400 <= resp.status_code < 500, (resp.request.url, resp.status_code, resp.text)
        body = check_problem_body(resp.status_code, lower(resp), resp.content, resp.status_code)
        text = json.dumps(body)
        for leak in LEAKS + (server.data_dir, server.tmp):
            assert leak not in text, f"{resp.request.url}: {leak!r} in {text[:400]}"


def test_no_account_has_a_default_password(world):
    accounts = world["api"].get("/v1/users").json()["items"]
    assert [a["name"] for a in accounts] == ["admin"]
    assert accounts[0]["has_password"] is False and accounts[0]["mfa_enabled"] is False
