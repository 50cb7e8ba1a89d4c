"""Every bad input answers a 4xx problem+json and the server stays up.

The module server runs with server.max_body_bytes=1048576 and server.max_header_bytes=8192
(the conftest defaults). After each test the autouse fixture checks /healthz again.
"""

import json
import socket

import pytest
import requests

from conftest import (BOOTSTRAP_KEY, assert_problem, assert_server_up, check_problem_body,
                      error_items, parse_raw_response, raw_http, recv_all)

MAX_BODY = 1048576
MAX_HEADER = 8192
JSON = {"Content-Type": "application/json"}


def good_spec(dataset_id="bad_ok", **extra):
    spec = {"id": dataset_id, "time_field": "time",
            "fields": [{"name": "time", "type": "timestamp"},
                       {"name": "value", "type": "float64", "nullable": True}]}
    spec.update(extra)
    return spec


def post_raw(api, body, headers=JSON, path="/v1/datasets"):
    return api.request("POST", path, data=body, headers=headers)


@pytest.fixture(scope="module")
def existing(server):
    server.api().create_dataset(good_spec("bad_target"))
    return "bad_target"


def assert_not_created(api, dataset_id):
    assert api.get(f"/v1/datasets/{dataset_id}").status_code == 404


# -- JSON syntax ----------------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    b"{", b'{"id": }', b"nul", b'{"id": "x",}', b'{"id": "x"} {}', b"NaN", b"{'id': 'x'}",
    b'{"id": "\xff\xfe"}', b'{"id": "x" "fields": []}', b"[1, 2", b'{"a": 01}',
    b'"unterminated', b"\x00", b'{"id": "x", "fields": [] /* comment */}',
])
def test_malformed_json_is_400(api, body):
    body_problem = assert_problem(post_raw(api, body), 400, "malformed_json")
    assert body_problem["detail"]


@pytest.mark.parametrize("method,path", [
    ("PUT", "/v1/datasets/bad_target"), ("PATCH", "/v1/datasets/bad_target"),
    ("PATCH", "/v1/datasets/bad_target/schema"),
])
def test_malformed_json_on_every_body_route(api, existing, method, path):
    resp = api.request(method, path, data=b'{"description": ', headers=JSON)
    assert_problem(resp, 400, "malformed_json")


def _nested_arrays(depth):
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [65, 100, 1025, 5000])
def test_json_too_deep_is_400(api, depth):
    resp = post_raw(api, _nested_arrays(depth))
    assert_problem(resp, 400, "json_too_deep")


def test_json_too_deep_inside_object(api):
    inner = "{\"a\": " * 70 + "1" + "}" * 70
    body = '{"id": "deep", "fields": [], "description": ' + inner + "}"
    assert_problem(post_raw(api, body), 400, "json_too_deep")
    assert_not_created(api, "deep")


def test_json_at_depth_64_is_not_too_deep(api):
    # 64 levels are allowed: the document parses, and is then refused as not an object.
    resp = post_raw(api, _nested_arrays(64))
    assert_problem(resp, 422, "validation_failed")


@pytest.mark.parametrize("body", [
    '{"id": "dup1", "id": "dup2", "fields": []}',
    '{"id": "dup3", "fields": [{"name": "a", "name": "b", "type": "int64"}]}',
    '{"id": "dup4", "fields": [], "tags": ["x"], "tags": ["y"]}',
])
def test_duplicate_members_are_400(api, body):
    body_problem = assert_problem(post_raw(api, body), 400, "malformed_json")
    assert "duplicate" in body_problem["detail"]
    for dataset_id in ("dup1", "dup2", "dup3", "dup4"):
        assert_not_created(api, dataset_id)


@pytest.mark.parametrize("body", ["[]", '"cpu"', "1", "null", "true", '[{"id": "cpu"}]'])
def test_non_object_body_is_422(api, body):
    problem = assert_problem(post_raw(api, body), 422, "validation_failed")
    assert "" in error_items(problem)


# -- attribute types and values -------------------------------------------------------------

TYPE_ERRORS = [
    # (name, spec overrides, expected pointer, words in the error detail)
    ("id_number", {"id": 5}, "/id", ["string"]),
    ("id_missing", {"id": "__delete__"}, "/id", ["required"]),
    ("description_number", {"description": 3}, "/description", ["string"]),
    ("description_too_long", {"description": "x" * 4097}, "/description", ["4096"]),
    ("tags_not_array", {"tags": "devops"}, "/tags", ["array"]),
    ("tags_object", {"tags": {"a": 1}}, "/tags", ["array"]),
    ("tag_number", {"tags": [1]}, "/tags/0", []),
    ("tag_empty", {"tags": ["ok", ""]}, "/tags/1", []),
    ("tag_space", {"tags": ["has space"]}, "/tags/0", []),
    ("tag_leading_dash", {"tags": ["-x"]}, "/tags/0", []),
    ("tag_too_long", {"tags": ["t" * 65]}, "/tags/0", []),
    ("tag_duplicate", {"tags": ["a", "a"]}, "/tags/1", ["duplicate"]),
    ("too_many_tags", {"tags": [f"t{i}" for i in range(33)]}, "/tags", ["32"]),
    ("owner_invalid", {"owner": "ana"}, "/owner", ["principal"]),
    ("owner_kind", {"owner": "team:ana"}, "/owner", []),
    ("owner_number", {"owner": 7}, "/owner", []),
    ("fields_not_array", {"fields": {"time": "timestamp"}}, "/fields", ["array"]),
    ("fields_missing", {"fields": "__delete__", "time_field": None}, "/fields", ["required"]),
    ("field_not_object", {"fields": ["time"], "time_field": None}, "/fields/0", ["object"]),
    ("field_type_typo", {"fields": [{"name": "time", "type": "timestamp"},
                                    {"name": "v", "type": "flaot64"}]},
     "/fields/1/type", ["did you mean 'float64'"]),
    ("field_type_unknown", {"fields": [{"name": "time", "type": "timestamp"},
                                      {"name": "v", "type": "decimal"}]},
     "/fields/1/type", ["decimal"]),
    ("field_type_number", {"fields": [{"name": "time", "type": "timestamp"},
                                     {"name": "v", "type": 5}]}, "/fields/1/type", []),
    ("field_type_missing", {"fields": [{"name": "time", "type": "timestamp"},
                                      {"name": "v"}]}, "/fields/1/type", ["required"]),
    ("field_name_missing", {"fields": [{"name": "time", "type": "timestamp"},
                                      {"type": "int64"}]}, "/fields/1/name", ["required"]),
    ("field_name_invalid", {"fields": [{"name": "time", "type": "timestamp"},
                                      {"name": "1bad", "type": "int64"}]},
     "/fields/1/name", ["1bad"]),
    ("field_name_space", {"fields": [{"name": "time", "type": "timestamp"},
                                    {"name": "a b", "type": "int64"}]}, "/fields/1/name", []),
    ("field_name_duplicate", {"fields": [{"name": "time", "type": "timestamp"},
                                        {"name": "time", "type": "int64"}]},
     "/fields/1/name", ["duplicate"]),
    ("nullable_not_bool", {"fields": [{"name": "time", "type": "timestamp"},
                                     {"name": "v", "type": "int64", "nullable": "yes"}]},
     "/fields/1/nullable", ["true or false"]),
    ("pii_not_bool", {"fields": [{"name": "time", "type": "timestamp"},
                                {"name": "v", "type": "int64", "pii": 1}]},
     "/fields/1/pii", []),
    ("field_description_too_long",
     {"fields": [{"name": "time", "type": "timestamp"},
                 {"name": "v", "type": "int64", "nullable": True, "description": "d" * 4097}]},
     "/fields/1/description", ["4096"]),
    ("field_default_wrong_type",
     {"fields": [{"name": "time", "type": "timestamp"},
                 {"name": "v", "type": "int64", "default": "seven"}]},
     "/fields/1/default", ["int64"]),
    ("field_default_bad_timestamp",
     {"fields": [{"name": "time", "type": "timestamp"},
                 {"name": "t2", "type": "timestamp", "default": "yesterday"}]},
     "/fields/1/default", []),
    ("field_default_int_overflow",
     {"fields": [{"name": "time", "type": "timestamp"},
                 {"name": "v", "type": "int64", "default": 1e30}]}, "/fields/1/default", []),
    ("schema_mode_unknown", {"schema_mode": "loose"}, "/schema_mode", ["strict", "evolve"]),
    ("schema_mode_number", {"schema_mode": 1}, "/schema_mode", []),
    ("partition_by_week", {"partition_by": "week"}, "/partition_by", ["hour", "day", "month"]),
    ("partition_by_number", {"partition_by": 24}, "/partition_by", []),
    ("retention_forever", {"retention": "forever"}, "/retention", []),
    ("retention_0d", {"retention": "0d"}, "/retention", []),
    ("retention_30x", {"retention": "30x"}, "/retention", []),
    ("retention_10m", {"retention": "10m"}, "/retention", ["1h"]),
    ("retention_59m", {"retention": "59m"}, "/retention", ["1h"]),
    ("retention_3599s", {"retention": "3599s"}, "/retention", ["1h"]),
    ("retention_negative", {"retention": "-1d"}, "/retention", []),
    ("retention_fraction", {"retention": "1.5d"}, "/retention", []),
    ("retention_empty", {"retention": ""}, "/retention", []),
    ("retention_number", {"retention": 30}, "/retention", []),
    ("retention_overflow", {"retention": "99999999999999999999w"}, "/retention", []),
    ("time_field_missing_field", {"time_field": "ts"}, "/time_field", ["ts"]),
    ("time_field_not_timestamp", {"time_field": "value"}, "/time_field", ["timestamp"]),
    ("time_field_nullable", {"fields": [{"name": "time", "type": "timestamp",
                                         "nullable": True}]}, "/time_field", ["nullable"]),
    ("time_field_number", {"time_field": 1}, "/time_field", []),
    ("record_id_missing_field", {"record_id_field": "rid"}, "/record_id_field", ["rid"]),
    ("record_id_wrong_type", {"record_id_field": "value"}, "/record_id_field", ["float64"]),
]


@pytest.mark.parametrize("name,overrides,pointer,words", TYPE_ERRORS,
                         ids=[t[0] for t in TYPE_ERRORS])
def test_invalid_attribute_is_422(api, name, overrides, pointer, words):
    dataset_id = "bad_" + name[:50]
    spec = good_spec(dataset_id)
    for key, value in overrides.items():
        if value == "__delete__":
            spec.pop(key, None)
        else:
            spec[key] = value
    resp = api.post("/v1/datasets", spec)
    body = assert_problem(resp, 422, "validation_failed")
    pointers = error_items(body)
    assert pointer in pointers, f"expected pointer {pointer}, got {body}"
    item = body["errors"][pointers.index(pointer)]
    for word in words:
        assert word in item["detail"], f"{item['detail']!r} lacks {word!r}"
    assert body["detail"], body
    if pointer == pointers[0]:
        assert pointer in body["detail"] or item["detail"] in body["detail"], body["detail"]
    assert_not_created(api, dataset_id)


def test_type_typo_detail_suggests(api):
    spec = good_spec("bad_typo")
    spec["fields"].append({"name": "x", "type": "flaot64"})
    body = assert_problem(api.post("/v1/datasets", spec), 422)
    assert "did you mean 'float64'" in body["detail"]


def test_many_errors_are_all_reported(api):
    spec = {"id": "Bad-Id", "tags": [1, 2], "retention": "soon", "partition_by": "week",
            "fields": [{"name": "x", "type": "flaot64"}]}
    body = assert_problem(api.post("/v1/datasets", spec), 422)
    pointers = set(error_items(body))
    assert {"/id", "/tags/0", "/tags/1", "/retention", "/partition_by",
            "/fields/0/type"} <= pointers, pointers
    assert "more)" in body["detail"]


@pytest.mark.parametrize("dataset_id", ["Cpu", "1abc", "a-b", "a" * 64, "", "_x", "a b",
                                        "cpu.metrics", "ä", "cpu/x", "CPU"])
def test_bad_dataset_id_is_422(api, dataset_id):
    body = assert_problem(api.post("/v1/datasets", good_spec(dataset_id)), 422,
                          "validation_failed")
    assert set(error_items(body)) == {"/id"}, body
    assert "invalid dataset id" in body["detail"]


def test_invalid_id_is_not_also_reported_missing(api):
    """An id that is present but invalid gets one error, not a second '/id: required'."""
    body = assert_problem(api.post("/v1/datasets", good_spec("Cpu")), 422)
    details = [e["detail"] for e in body["errors"] if e.get("pointer") == "/id"]
    assert "required" not in details, body["errors"]
    assert len(details) == 1, body["errors"]
    assert "more)" not in body["detail"], body["detail"]


def test_null_id_is_refused(api):
    """{"id": null} on create must not create a dataset with an empty id (which no URL can
    reach, list, or delete)."""
    resp = api.post("/v1/datasets", {"id": None, "fields": []})
    body = assert_problem(resp, 422, "validation_failed")
    assert "/id" in error_items(body)


def test_longest_dataset_id_is_accepted(api):
    dataset_id = "a" + "b" * 62
    resp = api.post("/v1/datasets", good_spec(dataset_id))
    assert resp.status_code == 201, resp.text
    assert api.get(f"/v1/datasets/{dataset_id}").status_code == 200


@pytest.mark.parametrize("key,pointer,suggestion", [
    ("colour", "/colour", None),
    ("tag", "/tag", "tags"),
    ("time_feild", "/time_feild", "time_field"),
    ("a/b~c", "/a~1b~0c", None),
])
def test_unknown_top_level_attribute_is_422(api, key, pointer, suggestion):
    spec = good_spec("bad_unknown")
    spec[key] = "x"
    body = assert_problem(api.post("/v1/datasets", spec), 422, "validation_failed")
    assert error_items(body) == [pointer], body
    if suggestion:
        assert f"did you mean '{suggestion}'" in body["errors"][0]["detail"]
    assert_not_created(api, "bad_unknown")


@pytest.mark.parametrize("key,suggestion", [("nulable", "nullable"), ("colour", None),
                                            ("id", None), ("typ", "type")])
def test_unknown_field_attribute_is_422(api, key, suggestion):
    spec = good_spec("bad_unknown_field")
    spec["fields"][1][key] = 1
    body = assert_problem(api.post("/v1/datasets", spec), 422, "validation_failed")
    assert f"/fields/1/{key}" in error_items(body), body
    if suggestion:
        assert f"did you mean '{suggestion}'" in body["detail"]


@pytest.mark.parametrize("key,value", [
    ("schema", {"version": 1, "fields": []}), ("created_at", "2024-01-01T00:00:00Z"),
    ("updated_at", "2024-01-01T00:00:00Z"), ("revision", 1), ("stats", {}),
])
def test_read_only_attribute_on_create_is_422(api, key, value):
    spec = good_spec("bad_readonly")
    spec[key] = value
    body = assert_problem(api.post("/v1/datasets", spec), 422, "validation_failed")
    assert error_items(body) == [f"/{key}"], body
    assert "read-only" in body["errors"][0]["detail"]
    assert_not_created(api, "bad_readonly")


@pytest.mark.parametrize("retention", ["1h", "3600s", "60m", "30d", "2w"])
def test_valid_retentions_are_accepted(api, retention):
    dataset_id = "ret_" + retention
    resp = api.post("/v1/datasets", good_spec(dataset_id, retention=retention))
    assert resp.status_code == 201, resp.text
    assert resp.json()["retention"] == retention


def test_too_many_fields_is_422(api):
    fields = [{"name": f"f{i}", "type": "int64", "nullable": True} for i in range(1025)]
    body = assert_problem(api.post("/v1/datasets", {"id": "bad_wide", "fields": fields}), 422)
    assert "/fields" in error_items(body)


# -- media type and body presence -----------------------------------------------------------


@pytest.mark.parametrize("content_type", [
    "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data",
    "application/jsonx", "json", None,
])
def test_wrong_media_type_is_415(api, content_type):
    headers = {} if content_type is None else {"Content-Type": content_type}
    resp = post_raw(api, json.dumps(good_spec("bad_media")).encode(), headers=headers)
    body = assert_problem(resp, 415)
    assert "Content-Type" in error_items(body, "header")
    assert_not_created(api, "bad_media")


@pytest.mark.parametrize("n,content_type", [
    (1, "application/json; charset=utf-8"), (2, "APPLICATION/JSON"),
    (3, "application/vnd.strata+json"),
])
def test_json_media_type_variants_are_accepted(api, n, content_type):
    dataset_id = f"media_{n}"
    resp = post_raw(api, json.dumps(good_spec(dataset_id)).encode(),
                    headers={"Content-Type": content_type})
    assert resp.status_code == 201, resp.text


@pytest.mark.parametrize("method,path", [
    ("POST", "/v1/datasets"), ("PUT", "/v1/datasets/bad_target"),
    ("PATCH", "/v1/datasets/bad_target"), ("PATCH", "/v1/datasets/bad_target/schema"),
])
def test_missing_body_is_400(api, existing, method, path):
    resp = api.request(method, path, data=b"", headers=JSON)
    assert_problem(resp, 400, "missing_body")
    resp = api.request(method, path)  # No Content-Type either.
    assert_problem(resp, 400, "missing_body")


# -- size limits ----------------------------------------------------------------------------


def test_body_over_limit_is_413(api):
    body = b'{"id": "bad_big", "description": "' + b"x" * MAX_BODY + b'"}'
    resp = post_raw(api, body)
    body_problem = assert_problem(resp, 413)
    assert "max_body_bytes" in body_problem["detail"] or "1048576" in body_problem["detail"]
    assert_not_created(api, "bad_big")


def test_chunked_body_over_limit_is_413(api):
    def chunks():
        yield b'{"id": "bad_big_chunked", "description": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'
    resp = api.request("POST", "/v1/datasets", data=chunks(), headers=JSON)
    assert_problem(resp, 413)
    assert_not_created(api, "bad_big_chunked")


def test_body_at_limit_is_not_413(api):
    prefix = b'{"id": "bad_at_limit", "fields": [], "pad": "'
    suffix = b'"}'
    body = prefix + b"x" * (MAX_BODY - len(prefix) - len(suffix)) + suffix
    assert len(body) == MAX_BODY
    resp = post_raw(api, body)
    body_problem = assert_problem(resp, 422)  # Read in full, then refused for "pad".
    assert error_items(body_problem) == ["/pad"]


def test_headers_over_limit_is_431(api):
    resp = api.get("/v1/datasets", headers={"X-Filler": "f" * (MAX_HEADER + 100)})
    body = assert_problem(resp, 431)
    assert body["code"] == "headers_too_large"


def test_many_headers_over_limit_is_431(api):
    headers = {f"X-Filler-{i}": "v" * 100 for i in range(100)}
    assert_problem(api.get("/healthz", headers=headers), 431)


def test_headers_under_limit_are_fine(api):
    resp = api.get("/v1/datasets", headers={"X-Filler": "f" * (MAX_HEADER // 2)})
    assert resp.status_code == 200


def test_long_url_over_limit_is_431_or_414(server):
    status, headers, body = raw_http(server.port, "GET", "/v1/datasets?" + "a" * (MAX_HEADER + 10),
                                     headers={"Authorization": f"Bearer {BOOTSTRAP_KEY}"})
    assert status in (414, 431), status
    check_problem_body(status, headers, body, status)
    assert_server_up(server.base)


# -- malformed HTTP -------------------------------------------------------------------------


def _raw_exchange(port, payload, timeout=10):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(payload)
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        return recv_all(sock, timeout=timeout)


@pytest.mark.parametrize("payload", [
    b"GARBAGE\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    b"POST /v1/datasets HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET /he\x00lthz HTTP/1.1\r\nHost: x\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40 + b"\r\n\r\n",
])
def test_malformed_http_is_400(server, payload):
    data = _raw_exchange(server.port, payload)
    assert data, "the server closed the connection without an answer"
    status, headers, body = parse_raw_response(data)
    assert status == 400, data[:300]
    check_problem_body(status, headers, body, 400, "malformed_request")
    assert headers.get("connection", "").lower() == "close", headers
    assert_server_up(server.base)


def test_many_malformed_connections_do_not_hurt(server):
    for _ in range(20):
        data = _raw_exchange(server.port, b"GARBAGE\r\n\r\n")
        assert data.startswith(b"HTTP/1.1 400"), data[:100]
    assert_server_up(server.base)


def test_connection_closed_mid_request_does_not_hurt(server):
    for payload in (b"GET /healthz HTTP/1.1\r\nHost:", b"POST /v1/datasets HTTP/1.1\r\n"
                    b"Host: x\r\nContent-Length: 100\r\n\r\n{\"id\""):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(payload)
    assert_server_up(server.base)


@pytest.mark.parametrize("target", [
    "/v1/datasets/%zz", "/v1/datasets/%", "/v1/datasets/%2", "/v1/datasets/%00",
    "/v1/%zz/x", "/%G0", "/v1/datasets?limit=%zz", "/v1/datasets?%zz=1",
])
def test_bad_percent_encoding_is_400(server, target):
    status, headers, body = raw_http(server.port, "GET", target,
                                     headers={"Authorization": f"Bearer {BOOTSTRAP_KEY}",
                                              "X-Request-Id": "pct-test"})
    problem = check_problem_body(status, headers, body, 400)
    assert problem["request_id"] == "pct-test"
    assert_server_up(server.base)


def test_percent_encoded_id_is_decoded(server, existing):
    status, _, body = raw_http(server.port, "GET", "/v1/datasets/bad%5Ftarget",
                               headers={"Authorization": f"Bearer {BOOTSTRAP_KEY}"})
    assert status == 200, body
    assert json.loads(body)["id"] == existing


@pytest.mark.parametrize("target", ["*", "http://127.0.0.1/healthz", "healthz"])
def test_non_origin_form_target_is_4xx(server, target):
    status, headers, body = raw_http(server.port, "GET", target)
    assert 400 <= status < 500, (status, body)
    check_problem_body(status, headers, body, status)
    assert_server_up(server.base)


def test_unknown_method_is_4xx_problem(server):
    status, headers, body = raw_http(server.port, "BREW", "/v1/datasets",
                                     headers={"Authorization": f"Bearer {BOOTSTRAP_KEY}"})
    assert status in (400, 405, 501), status
    if status < 500:
        check_problem_body(status, headers, body, status)
    assert_server_up(server.base)


def test_bad_input_never_breaks_the_keep_alive_session(server, existing):
    """Application-level errors keep the connection usable for the next request."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {BOOTSTRAP_KEY}"
        for body in (b"{", b"[]", b'{"id": 1}'):
            resp = session.post(server.base + "/v1/datasets", data=body, headers=JSON,
                                timeout=10)
            assert 400 <= resp.status_code < 500
        resp = session.get(server.base + f"/v1/datasets/{existing}", timeout=10)
        assert resp.status_code == 200
