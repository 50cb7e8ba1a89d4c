"""The InfluxDB write compatibility endpoints end to end: POST /write (v1) and
POST /api/v2/write (v2) with line protocol as Telegraf and the InfluxDB client libraries send
it (Token auth, gzip, several measurements per body, no Content-Type), datasets created on
first write with an inferred schema, partial writes (400 naming the bad line, the good lines
committed), precision, InfluxDB-shaped errors, and GET/HEAD /ping."""

import gzip

import pytest
import requests

from conftest import BOOTSTRAP_KEY, HTTP_TIMEOUT_S, assert_problem

VERSION_HEADER = "X-Influxdb-Version"


@pytest.fixture(scope="module")
def server_options():
    return {"ingest.max_rows_per_request": "1000", "ingest.max_errors": "5",
            "ingest.max_decoded_body_bytes": "1048576"}


def post(server, path, body, params=None, headers=None, token=BOOTSTRAP_KEY):
    """A write as an InfluxDB client sends it: Token auth, no Content-Type unless given."""
    h = {}
    if token is not None:
        h["Authorization"] = f"Token {token}"
    h.update(headers or {})
    data = body.encode() if isinstance(body, str) else body
    return requests.post(server.base + path, data=data, params=params, headers=h,
                         timeout=HTTP_TIMEOUT_S)


def write_v1(server, body, **params):
    params.setdefault("db", "telegraf")
    return post(server, "/write", body, params=params)


def write_v2(server, body, **params):
    params.setdefault("bucket", "telegraf")
    params.setdefault("org", "my-org")
    return post(server, "/api/v2/write", body, params=params)


def influx_error(resp, status, code):
    """Checks an InfluxDB-style error answer and returns its message."""
    assert resp.status_code == status, f"expected {status}, got {resp.status_code}: {resp.text}"
    assert resp.headers["Content-Type"].startswith("application/json"), resp.headers
    body = resp.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"], body
    assert body["error"] == body["message"], body  # For InfluxDB 1.x clients.
    assert resp.headers.get(VERSION_HEADER), resp.headers
    return body["message"]


def rows(api, dataset_id):
    resp = api.get(f"/v1/datasets/{dataset_id}")
    assert resp.status_code == 200, resp.text
    return resp.json()["stats"]["rows"]


def field_types(api, dataset_id):
    resp = api.get(f"/v1/datasets/{dataset_id}/schema")
    assert resp.status_code == 200, resp.text
    return {f["name"]: f["type"] for f in resp.json()["fields"]}


# -- ping ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_ping_is_204_with_the_version_and_needs_no_key(server, method):
    resp = requests.request(method, server.base + "/ping", timeout=HTTP_TIMEOUT_S)
    assert resp.status_code == 204, resp.text
    assert resp.headers.get(VERSION_HEADER), resp.headers
    assert resp.content == b""


# -- writes -------------------------------------------------------------------------------


def test_v1_write_creates_the_dataset_with_an_inferred_schema(server, api):
    resp = write_v1(server, 'weather,station=s1,region=eu temp=21.5,humidity=40i,'
                            'ok=true,note="sunny" 1700000000', precision="s")
    assert resp.status_code == 204, resp.text
    assert resp.headers.get(VERSION_HEADER)
    dataset = api.get("/v1/datasets/weather").json()
    assert dataset["schema_mode"] == "evolve"
    assert dataset["time_field"] == "time"
    assert dataset["partition_by"] == "day"
    assert dataset["stats"]["rows"] == 1
    assert field_types(api, "weather") == {
        "time": "timestamp", "station": "string", "region": "string", "temp": "float64",
        "humidity": "int64", "ok": "bool", "note": "string"}
    # A later point with a new field evolves the schema; unsigned values are int64.
    resp = write_v1(server, "weather,station=s2 temp=19,wind=7u 1700000060", precision="s")
    assert resp.status_code == 204, resp.text
    assert field_types(api, "weather")["wind"] == "int64"
    assert rows(api, "weather") == 2


def test_v2_write_with_token_auth(server, api):
    body = "".join(f"v2cpu,host=h{i} usage={i}.5 {1700000000000 + i}\n" for i in range(20))
    resp = write_v2(server, body, precision="ms")
    assert resp.status_code == 204, resp.text
    assert rows(api, "v2cpu") == 20


def test_several_measurements_in_one_gzipped_body(server, api):
    lines = []
    for i in range(30):
        lines.append(f"multi_cpu,host=h{i % 3} usage_user={i}.25 {1700000000000000000 + i}")
        if i % 2 == 0:
            lines.append(f"multi_mem,host=h{i % 3} used={i}i {1700000000000000000 + i}")
        if i % 10 == 0:
            lines.append(f'multi_log,host=h{i % 3} msg="line {i}\nwith a newline" '
                         f"{1700000000000000000 + i}")
    body = gzip.compress(("\n".join(lines) + "\n").encode())
    # Telegraf gzips by default and sends Content-Type: text/plain; charset=utf-8.
    resp = post(server, "/api/v2/write", body, params={"bucket": "b", "org": "o"},
                headers={"Content-Encoding": "gzip",
                         "Content-Type": "text/plain; charset=utf-8"})
    assert resp.status_code == 204, resp.text
    assert rows(api, "multi_cpu") == 30
    assert rows(api, "multi_mem") == 15
    assert rows(api, "multi_log") == 3
    assert field_types(api, "multi_log")["msg"] == "string"


def test_write_into_an_existing_strict_dataset(server, api):
    api.create_dataset({"id": "strict_cpu", "time_field": "time",
                        "fields": [{"name": "time", "type": "timestamp"},
                                   {"name": "host", "type": "string"},
                                   {"name": "usage", "type": "float64", "nullable": True}]})
    resp = write_v1(server, "strict_cpu,host=a usage=1\nstrict_cpu,host=b usage=2,extra=1\n")
    message = influx_error(resp, 400, "invalid")
    assert message.startswith(
        "partial write: unable to parse 'strict_cpu,host=b usage=2,extra=1': field \"extra\""), \
        message
    assert message.endswith(" dropped=1"), message
    assert rows(api, "strict_cpu") == 1


# -- partial writes and errors ------------------------------------------------------------


def test_bad_line_is_400_naming_it_and_the_good_lines_are_committed(server, api):
    body = ("partial_cpu,host=a usage=1 1700000000000000000\n"
            "partial_cpu,host=a usage= 1700000000000000000\n"
            "partial_cpu,host=b usage=2 1700000000000000000\n"
            "Partial_Cpu,host=b usage=2 1700000000000000000\n"
            "partial_cpu,host=c usage=3 1700000000000000000\n")
    message = influx_error(write_v2(server, body), 400, "invalid")
    assert message.startswith(
        "partial write: unable to parse 'partial_cpu,host=a usage= 1700000000000000000': "
        "missing field value\nunable to parse 'Partial_Cpu,host=b usage=2 "), message
    assert message.endswith(" dropped=2"), message
    assert rows(api, "partial_cpu") == 3


def test_type_conflict_drops_the_point(server, api):
    assert write_v1(server, "conflict v=1.5 1").status_code == 204
    message = influx_error(write_v1(server, 'conflict v="text" 2\nconflict v=2.5 3'), 400,
                           "invalid")
    assert "unable to parse 'conflict v=\"text\" 2': field \"v\"" in message, message
    assert "float64" in message and message.endswith("dropped=1"), message
    assert rows(api, "conflict") == 2


def test_only_bad_lines_write_nothing_and_create_nothing(server, api):
    message = influx_error(write_v1(server, "nothing_here\nnothing_here v=\n"), 400, "invalid")
    assert "dropped=2" in message
    assert_problem(api.get("/v1/datasets/nothing_here"), 404, "not_found")


def test_errors_are_capped_at_max_errors(server):
    body = "".join(f"capped v={i}x\n" for i in range(8))
    message = influx_error(write_v1(server, body), 400, "invalid")
    assert message.count("unable to parse") == 5, message
    assert "(further errors not listed)" in message and message.endswith("dropped=8")


def test_empty_body_is_400(server):
    message = influx_error(write_v2(server, ""), 400, "invalid")
    assert "writing requires points" in message


@pytest.mark.parametrize("writer", [write_v1, write_v2])
def test_missing_precision_is_nanoseconds(server, api, writer):
    # 9e18 ns is 2255; as seconds it would overflow, so the default must be ns.
    assert writer(server, "prec_default v=1 9000000000000000000").status_code == 204
    message = influx_error(writer(server, "prec_default v=1 9000000000000000000",
                                  precision="s"), 400, "invalid")
    assert "timestamp" in message, message


def test_precision_names_per_version(server):
    for precision in ("n", "u", "ms", "s", "m", "h", "ns", "us", ""):
        resp = write_v1(server, "prec_v1 v=1 1", precision=precision)
        assert resp.status_code == 204, (precision, resp.text)
    for precision in ("ns", "us", "ms", "s", ""):
        resp = write_v2(server, "prec_v2 v=1 1", precision=precision)
        assert resp.status_code == 204, (precision, resp.text)
    message = influx_error(write_v2(server, "prec_v2 v=1 1", precision="h"), 400, "invalid")
    assert message == 'invalid precision "h": valid precision units are ns, us, ms and s'
    message = influx_error(write_v1(server, "prec_v1 v=1 1", precision="seconds"), 400,
                           "invalid")
    assert message.startswith('invalid precision "seconds"'), message


def test_db_and_bucket_are_required(server):
    resp = post(server, "/write", "x v=1", params={})
    assert influx_error(resp, 400, "invalid") == "database is required"
    resp = post(server, "/api/v2/write", "x v=1", params={"org": "o"})
    assert influx_error(resp, 400, "invalid") == "bucket is required"


def test_too_many_lines_is_413(server):
    body = "".join(f"toomany v={i}\n" for i in range(1001))
    influx_error(write_v2(server, body), 413, "request too large")


def test_inflated_body_over_the_limit_is_413(server):
    body = gzip.compress(b"# " + b"x" * (2 << 20) + b"\n")
    resp = post(server, "/write", body, params={"db": "d"},
                headers={"Content-Encoding": "gzip"})
    influx_error(resp, 413, "request too large")


def test_unknown_content_encoding_is_415(server):
    resp = post(server, "/write", "x v=1", params={"db": "d"},
                headers={"Content-Encoding": "deflate"})
    influx_error(resp, 415, "unsupported media type")
    assert "gzip" in resp.headers.get("Accept-Encoding", "")


def test_corrupt_gzip_is_400(server):
    resp = post(server, "/write", b"not gzip", params={"db": "d"},
                headers={"Content-Encoding": "gzip"})
    assert "gzip" in influx_error(resp, 400, "invalid")


# -- authentication -----------------------------------------------------------------------


@pytest.mark.parametrize("path,params", [("/write", {"db": "d"}),
                                         ("/api/v2/write", {"bucket": "b", "org": "o"})])
def test_no_key_or_a_bad_key_is_401(server, api, path, params):
    influx_error(post(server, path, "auth_cpu v=1", params=params, token=None), 401,
                 "unauthorized")
    influx_error(post(server, path, "auth_cpu v=1", params=params, token=BOOTSTRAP_KEY + "x"),
                 401, "unauthorized")
    assert_problem(api.get("/v1/datasets/auth_cpu"), 404, "not_found")


def test_bearer_and_v1_query_credentials_work(server, api):
    resp = requests.post(server.base + "/write", params={"db": "d"}, data=b"creds v=1",
                         headers={"Authorization": f"Bearer {BOOTSTRAP_KEY}"},
                         timeout=HTTP_TIMEOUT_S)
    assert resp.status_code == 204, resp.text
    resp = requests.post(server.base + "/write",
                         params={"db": "d", "u": "anyone", "p": BOOTSTRAP_KEY},
                         data=b"creds v=2", timeout=HTTP_TIMEOUT_S)
    assert resp.status_code == 204, resp.text
    # Only v1 takes query credentials.
    resp = requests.post(server.base + "/api/v2/write",
                         params={"bucket": "b", "u": "anyone", "p": BOOTSTRAP_KEY},
                         data=b"creds v=3", timeout=HTTP_TIMEOUT_S)
    influx_error(resp, 401, "unauthorized")
    assert rows(api, "creds") == 2


def test_other_methods_are_405(server):
    resp = requests.get(server.base + "/write", timeout=HTTP_TIMEOUT_S)
    assert_problem(resp, 405, "method_not_allowed")
    assert resp.headers["Allow"] == "POST"
