"""HTTPS and the transport headers end to end.

A self-signed certificate (CN/SAN localhost and 127.0.0.1) is made with the openssl CLI at
test time. `openssl s_client` checks what a handshake may use: TLS 1.2 and 1.3 with
Mozilla's intermediate ciphers; TLS 1.0/1.1 and ciphers outside the list are refused by the
server (the client is told to offer them with @SECLEVEL=0, so the refusal is the server's).
The API works over HTTPS (JSON, streamed NDJSON, large bodies, HEAD, keep-alive), every
response carries HSTS and nosniff, plain HTTP to the TLS port gets a clean 400, bad TLS
configuration stops the start with a message that names the file, and CORS answers only
the listed origin.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile

import pytest
import requests

from conftest import HTTP_TIMEOUT_S, Server, check_problem_body, recv_all, run_stratad

ORIGIN = "https://console.example.com"
OTHER_ORIGIN = "https://evil.example.com"
HSTS = "max-age=63072000"
T0 = 1451606400  # 2016-01-01T00:00:00Z
MOZILLA_INTERMEDIATE_TLS12 = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305").split(":")


def openssl(*args, stdin=b"", timeout=30):
    return subprocess.run(["openssl", *args], input=stdin, capture_output=True, timeout=timeout)


@pytest.fixture(scope="module")
def certs():
    tmp = tempfile.mkdtemp(prefix="strata-e2e-tls-")
    paths = {name: os.path.join(tmp, name + ".pem") for name in ("cert", "key", "other_key")}
    made = openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", paths["key"],
                   "-out", paths["cert"], "-days", "2", "-subj", "/CN=localhost",
                   "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
    assert made.returncode == 0, made.stderr.decode()
    made = openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                   "-out", paths["other_key"])
    assert made.returncode == 0, made.stderr.decode()
    paths["dir"] = tmp
    yield paths
    shutil.rmtree(tmp, ignore_errors=True)


def tls_settings(certs, **extra):
    settings = {"server.tls.cert_file": certs["cert"], "server.tls.key_file": certs["key"]}
    settings.update(extra)
    return settings


def start(server):
    try:
        server.start()
    except BaseException:
        server.cleanup()
        raise
    return server


@pytest.fixture(scope="module")
def tls_server(certs):
    srv = start(Server(settings=tls_settings(certs, **{
        "server.max_body_bytes": str(32 << 20),
        "ingest.async_threshold_bytes": "0",
        "server.cors.allowed_origins": ORIGIN,
    }), tls_ca=certs["cert"], name="stratad-tls"))
    try:
        yield srv
        srv.stop_and_check()
    finally:
        srv.cleanup()


@pytest.fixture(scope="module")
def plain_server():
    """Plain HTTP, CORS off: the defaults."""
    srv = start(Server(name="stratad-plain"))
    try:
        yield srv
        srv.stop_and_check()
    finally:
        srv.cleanup()


def s_client(port, *args):
    """Runs one `openssl s_client` handshake against 127.0.0.1:port. Returns (negotiated
    protocol or None, cipher or None, all output)."""
    result = openssl("s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
                     *args)
    out = result.stdout.decode("utf-8", "replace") + result.stderr.decode("utf-8", "replace")
    match = re.search(r"^New, (TLSv[\d.]+), Cipher is (\S+)", out, re.M)
    if match is None:
        return None, None, out
    return match.group(1), match.group(2), out


def assert_transport_headers(resp, tls=True):
    assert resp.headers.get("X-Content-Type-Options") == "nosniff", resp.headers
    if tls:
        assert resp.headers.get("Strict-Transport-Security") == HSTS, resp.headers
    else:
        assert "Strict-Transport-Security" not in resp.headers, resp.headers


def cors_headers(resp):
    return {k: v for k, v in resp.headers.items() if k.lower().startswith("access-control-")}


# -- handshakes -----------------------------------------------------------------------------


@pytest.mark.parametrize("flag,protocol", [("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")])
def test_modern_protocols_handshake_and_verify(tls_server, certs, flag, protocol):
    negotiated, cipher, out = s_client(tls_server.port, flag, "-CAfile", certs["cert"],
                                       "-verify_return_error")
    assert negotiated == protocol, out
    assert "Verify return code: 0 (ok)" in out, out
    if protocol == "TLSv1.2":
        assert cipher in MOZILLA_INTERMEDIATE_TLS12, out
    else:
        assert cipher in ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                          "TLS_CHACHA20_POLY1305_SHA256"), out


@pytest.mark.parametrize("cipher", [c for c in MOZILLA_INTERMEDIATE_TLS12 if "-RSA-" in c])
def test_every_listed_cipher_for_an_rsa_key_is_accepted(tls_server, cipher):
    negotiated, chosen, out = s_client(tls_server.port, "-tls1_2", "-cipher", cipher)
    assert (negotiated, chosen) == ("TLSv1.2", cipher), out


@pytest.mark.parametrize("flag", ["-tls1", "-tls1_1"])
def test_old_protocols_are_refused_by_the_server(tls_server, flag):
    negotiated, _, out = s_client(tls_server.port, flag, "-cipher", "DEFAULT:@SECLEVEL=0")
    assert negotiated is None, out
    # The server's alert, not a client that would not even offer the version.
    assert "alert protocol version" in out, out
    assert tls_server.healthy()


@pytest.mark.parametrize("cipher", ["AES128-SHA", "ECDHE-RSA-AES128-SHA", "AES256-GCM-SHA384",
                                    "DES-CBC3-SHA"])
def test_ciphers_outside_the_list_are_refused(tls_server, cipher):
    negotiated, _, out = s_client(tls_server.port, "-tls1_2", "-cipher", cipher + ":@SECLEVEL=0")
    assert negotiated is None, out
    assert tls_server.healthy()


def test_tls13_only_server_refuses_tls12(certs):
    srv = start(Server(settings=tls_settings(certs, **{"server.tls.min_version": "1.3"}),
                       tls_ca=certs["cert"], name="stratad-tls13"))
    try:
        negotiated, _, out = s_client(srv.port, "-tls1_2")
        assert negotiated is None, out
        negotiated, _, out = s_client(srv.port, "-tls1_3")
        assert negotiated == "TLSv1.3", out
        srv.stop_and_check()
    finally:
        srv.cleanup()


def test_banner_prints_the_https_url(tls_server):
    assert f"https://127.0.0.1:{tls_server.port}" in tls_server.stderr_text()


# -- the API over HTTPS ---------------------------------------------------------------------


def ndjson(rows):
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def test_api_round_trip_over_https(tls_server):
    api = tls_server.api()
    health = requests.get(tls_server.base + "/healthz", verify=tls_server.verify,
                          timeout=HTTP_TIMEOUT_S)
    assert health.status_code == 200
    assert_transport_headers(health)

    created = api.post("/v1/datasets", {
        "id": "tls_events", "time_field": "time",
        "fields": [{"name": "time", "type": "timestamp"}, {"name": "host", "type": "string"},
                   {"name": "v", "type": "int64"}]})
    assert created.status_code == 201, created.text
    assert_transport_headers(created)

    rows = [{"time": T0 + i, "host": f"h{i % 4}", "v": i} for i in range(1000)]
    ingested = api.request("POST", "/v1/datasets/tls_events/ingest", data=ndjson(rows),
                           headers={"Content-Type": "application/x-ndjson"})
    assert ingested.status_code == 200, ingested.text
    assert ingested.json()["accepted"] == 1000
    assert_transport_headers(ingested)

    page = api.post("/v1/query", {"sql": "SELECT host, count(*) AS n FROM tls_events "
                                         "GROUP BY host ORDER BY host"})
    assert page.status_code == 200, page.text
    assert page.json()["rows"] == [[f"h{i}", 250] for i in range(4)]
    assert_transport_headers(page)

    streamed = api.request("POST", "/v1/query", json_body={
        "sql": "SELECT v FROM tls_events ORDER BY v"}, headers={"Accept": "application/x-ndjson"})
    assert streamed.status_code == 200, streamed.text
    assert streamed.headers.get("Transfer-Encoding") == "chunked"
    assert [json.loads(line)["v"] for line in streamed.text.splitlines()] == list(range(1000))
    assert_transport_headers(streamed)

    head = api.head("/v1/datasets/tls_events")
    assert head.status_code == 200 and head.content == b""
    assert_transport_headers(head)

    for failed in (api.get("/v1/nowhere"), tls_server.api(key="wrong").get("/v1/datasets")):
        assert failed.status_code in (401, 404)
        assert_transport_headers(failed)


def test_large_body_and_large_stream_over_https(tls_server):
    api = tls_server.api()
    api.create_dataset({"id": "tls_big", "time_field": "time",
                        "fields": [{"name": "time", "type": "timestamp"},
                                   {"name": "text", "type": "string"}]})
    rows = [{"time": T0 + i, "text": f"row {i} " + "x" * 100} for i in range(80000)]
    body = ndjson(rows)
    assert len(body) > 8 << 20
    resp = api.request("POST", "/v1/datasets/tls_big/ingest?async=false", data=body,
                       headers={"Content-Type": "application/x-ndjson"}, timeout=60)
    assert resp.status_code == 200, resp.text[:500]
    assert resp.json()["accepted"] == 80000
    streamed = api.request("POST", "/v1/query", json_body={
        "sql": "SELECT text FROM tls_big ORDER BY time LIMIT 10000", "format": "ndjson"},
        timeout=60)
    assert streamed.status_code == 200
    lines = streamed.text.splitlines()
    assert len(lines) == 10000
    assert json.loads(lines[-1])["text"].startswith("row 9999 ")


def test_keep_alive_connection_serves_many_requests(tls_server):
    api = tls_server.api()  # One requests.Session: one pooled TLS connection.
    for _ in range(20):
        assert api.get("/v1/datasets").status_code == 200


# -- plain HTTP and garbage on the TLS port ---------------------------------------------------


def test_plain_http_to_the_tls_port_gets_a_clean_400(tls_server):
    resp = requests.get(f"http://127.0.0.1:{tls_server.port}/healthz", timeout=HTTP_TIMEOUT_S)
    headers = {k.lower(): v for k, v in resp.headers.items()}
    body = check_problem_body(resp.status_code, headers, resp.content, 400, "tls_required")
    assert "https://" in body["detail"]
    assert_transport_headers(resp, tls=False)
    assert tls_server.healthy()


def test_garbage_and_broken_handshakes_close_and_the_server_stays_up(tls_server):
    for payload in (b"\x00\x01\x02 not tls, not http\r\n\r\n",
                    b"\x16\x03\x01\x00\x05hello",            # A TLS record with a bad hello.
                    b"\x16\x03"):                              # Then silence until we close.
        with socket.create_connection(("127.0.0.1", tls_server.port), timeout=5) as sock:
            sock.sendall(payload)
            if payload == b"\x16\x03":
                continue
            recv_all(sock, timeout=5)
    assert tls_server.healthy()


# -- configuration errors ---------------------------------------------------------------------


@pytest.fixture
def data_dir():
    path = tempfile.mkdtemp(prefix="strata-e2e-tls-data-")
    yield os.path.join(path, "d")
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.parametrize("given,missing", [("cert_file", "server.tls.key_file"),
                                           ("key_file", "server.tls.cert_file")])
def test_one_tls_file_without_the_other_is_a_config_error(certs, data_dir, given, missing):
    path = certs["cert"] if given == "cert_file" else certs["key"]
    result = run_stratad(["--data-dir", data_dir, "--set", f"server.tls.{given}={path}"])
    assert result.returncode == 2, result.stderr
    assert f"{missing} is missing" in result.stderr
    assert not os.path.exists(data_dir)


def test_tls_options_from_the_environment(certs, data_dir):
    result = run_stratad(["--data-dir", data_dir],
                         env_extra={"STRATA_SERVER_TLS_KEY_FILE": certs["key"]})
    assert result.returncode == 2, result.stderr
    assert "server.tls.cert_file is missing" in result.stderr
    result = run_stratad(["--data-dir", data_dir],
                         env_extra={"STRATA_SERVER_TLS_MIN_VERSION": "1.1"})
    assert result.returncode == 2 and "1.2|1.3" in result.stderr, result.stderr


def unusable_files(certs):
    garbage = os.path.join(certs["dir"], "garbage.pem")
    with open(garbage, "w") as f:
        f.write("not a certificate\n")
    missing = os.path.join(certs["dir"], "missing.pem")
    return [
        ({"cert_file": missing, "key_file": certs["key"]}, ["server.tls.cert_file", missing]),
        ({"cert_file": certs["cert"], "key_file": missing}, ["server.tls.key_file", missing]),
        ({"cert_file": garbage, "key_file": certs["key"]}, ["server.tls.cert_file", garbage]),
        ({"cert_file": certs["cert"], "key_file": certs["other_key"]},
         ["server.tls.key_file", certs["other_key"]]),
    ]


def test_unusable_tls_files_stop_the_start_naming_the_file(certs, data_dir):
    for files, words in unusable_files(certs):
        args = ["--data-dir", data_dir]
        for name, path in files.items():
            args += ["--set", f"server.tls.{name}={path}"]
        result = run_stratad(args)
        assert result.returncode == 1, (files, result.stderr)
        assert "startup failed" in result.stderr
        for word in words:
            assert word in result.stderr, (word, result.stderr)
        # Checked before the data directory (and a first start's admin key) is created.
        assert not os.path.exists(os.path.join(data_dir, "meta.db"))


# -- CORS -----------------------------------------------------------------------------------


def preflight(server, path, origin, method="POST"):
    return requests.options(server.base + path, verify=server.verify, timeout=HTTP_TIMEOUT_S,
                            headers={"Origin": origin, "Access-Control-Request-Method": method,
                                     "Access-Control-Request-Headers":
                                         "authorization,content-type,idempotency-key"})


def test_cors_preflight_from_the_listed_origin(tls_server):
    for path in ("/v1/query", "/v1/datasets/any/uploads", "/v1/nowhere"):
        resp = preflight(tls_server, path, ORIGIN)
        assert resp.status_code == 204, (path, resp.text)
        assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN
        allowed = [h.strip().lower() for h in resp.headers["Access-Control-Allow-Headers"].split(",")]
        for header in ("authorization", "content-type", "idempotency-key", "traceparent",
                       "tus-resumable", "upload-offset"):
            assert header in allowed, allowed
        methods = [m.strip() for m in resp.headers["Access-Control-Allow-Methods"].split(",")]
        assert {"GET", "POST", "PATCH", "DELETE"} <= set(methods)
        assert int(resp.headers["Access-Control-Max-Age"]) > 0
        assert "Origin" in resp.headers["Vary"]
        assert "Access-Control-Allow-Credentials" not in resp.headers
        assert_transport_headers(resp)


def test_cors_headers_on_requests_from_the_listed_origin(tls_server):
    api = tls_server.api()
    resp = api.get("/v1/datasets", headers={"Origin": ORIGIN})
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in resp.headers["Vary"]
    exposed = [h.strip() for h in resp.headers["Access-Control-Expose-Headers"].split(",")]
    for header in ("Location", "ETag", "Link", "Retry-After", "X-Request-Id",
                   "Strata-Next-Cursor", "Upload-Offset", "Tus-Resumable"):
        assert header in exposed, exposed
    # Errors too, so that a page can read the problem.
    denied = tls_server.api(key="wrong").get("/v1/datasets", headers={"Origin": ORIGIN})
    assert denied.status_code == 401
    assert denied.headers["Access-Control-Allow-Origin"] == ORIGIN
    # Streamed (offloaded) responses too.
    api.create_dataset({"id": "tls_cors", "fields": [{"name": "x", "type": "int64"}]})
    streamed = api.request("POST", "/v1/query", json_body={"sql": "SELECT x FROM tls_cors",
                                                           "format": "ndjson"},
                           headers={"Origin": ORIGIN})
    assert streamed.status_code == 200, streamed.text
    assert streamed.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_cors_refuses_other_origins(tls_server):
    resp = preflight(tls_server, "/v1/query", OTHER_ORIGIN)
    headers = {k.lower(): v for k, v in resp.headers.items()}
    check_problem_body(resp.status_code, headers, resp.content, 403, "cors_origin_not_allowed")
    assert cors_headers(resp) == {}
    actual = tls_server.api().get("/v1/datasets", headers={"Origin": OTHER_ORIGIN})
    assert actual.status_code == 200
    assert cors_headers(actual) == {}
    assert "Origin" in actual.headers["Vary"]


def test_tus_discovery_options_is_still_routed(tls_server):
    resp = requests.options(tls_server.base + "/v1/datasets/any/uploads",
                            verify=tls_server.verify, timeout=HTTP_TIMEOUT_S,
                            headers={"Origin": ORIGIN})  # No Access-Control-Request-Method.
    assert resp.status_code == 204
    assert resp.headers["Tus-Version"] == "1.0.0"
    assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_cors_off_by_default_and_plain_http_has_no_hsts(plain_server):
    api = plain_server.api()
    resp = api.get("/v1/datasets", headers={"Origin": ORIGIN})
    assert resp.status_code == 200
    assert cors_headers(resp) == {}
    assert "Vary" not in resp.headers
    assert_transport_headers(resp, tls=False)
    resp = preflight(plain_server, "/v1/query", ORIGIN)
    assert resp.status_code == 405  # Routed like any OPTIONS request.
    assert cors_headers(resp) == {}
