"""Dataset CRUD: create, get, list (cursor pagination and filters), PUT, PATCH, DELETE, and
conditional requests (ETag, If-Match, If-None-Match)."""

import itertools
import os
import re
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

from conftest import assert_problem, error_items

CPU = {
    "id": "cpu", "description": "host metrics", "tags": ["devops"],
    "time_field": "time", "partition_by": "day", "schema_mode": "strict",
    "record_id_field": None, "retention": "30d",
    "fields": [{"name": "time", "type": "timestamp"},
               {"name": "hostname", "type": "string"},
               {"name": "usage_user", "type": "float64", "nullable": True},
               {"name": "email", "type": "string", "nullable": True, "pii": True}],
}

DATASET_MEMBERS = {"id", "description", "tags", "owner", "time_field", "partition_by",
                   "schema_mode", "record_id_field", "sort_key", "retention", "schema",
                   "created_at", "updated_at", "revision"}
FIELD_MEMBERS = {"id", "name", "type", "nullable", "default", "pii", "description"}
ETAG_RE = re.compile(r'^"[^"]+"$')


def simple(dataset_id, **extra):
    spec = {"id": dataset_id, "time_field": "time",
            "fields": [{"name": "time", "type": "timestamp"},
                       {"name": "value", "type": "float64", "nullable": True}]}
    spec.update(extra)
    return spec


def parse_time(text):
    assert isinstance(text, str) and text.endswith("Z"), text
    return datetime.fromisoformat(text[:-1] + "+00:00")


@pytest.fixture(scope="module")
def cpu(server):
    resp = server.api().post("/v1/datasets", CPU)
    assert resp.status_code == 201, resp.text
    return resp


def etag_of(api, dataset_id):
    resp = api.get(f"/v1/datasets/{dataset_id}")
    assert resp.status_code == 200, resp.text
    return resp.headers["ETag"]


# -- create ---------------------------------------------------------------------------------


def test_create_returns_201_location_etag_and_body(cpu):
    assert cpu.status_code == 201
    assert cpu.headers["Location"] == "/v1/datasets/cpu"
    assert ETAG_RE.match(cpu.headers["ETag"]), cpu.headers["ETag"]
    assert cpu.headers["Content-Type"].startswith("application/json")
    body = cpu.json()
    assert DATASET_MEMBERS <= set(body), DATASET_MEMBERS - set(body)
    assert body["id"] == "cpu"
    assert body["description"] == "host metrics"
    assert body["tags"] == ["devops"]
    assert body["time_field"] == "time"
    assert body["partition_by"] == "day"
    assert body["schema_mode"] == "strict"
    assert body["record_id_field"] is None
    assert body["retention"] == "30d"
    assert body["owner"] == "user:admin", body["owner"]
    assert body["revision"] == 1
    created = parse_time(body["created_at"])
    assert parse_time(body["updated_at"]) == created
    assert abs((datetime.now(created.tzinfo) - created).total_seconds()) < 300
    schema = body["schema"]
    assert schema["version"] == 1
    fields = schema["fields"]
    assert [f["name"] for f in fields] == ["time", "hostname", "usage_user", "email"]
    assert [f["id"] for f in fields] == [1, 2, 3, 4]
    for field in fields:
        assert set(field) == FIELD_MEMBERS, field
    assert fields[0] == {"id": 1, "name": "time", "type": "timestamp", "nullable": False,
                         "default": None, "pii": False, "description": ""}
    assert fields[1]["type"] == "string" and fields[1]["nullable"] is False
    assert fields[2]["type"] == "float64" and fields[2]["nullable"] is True
    assert fields[3]["pii"] is True and fields[3]["nullable"] is True


def test_create_minimal_takes_defaults(api):
    resp = api.post("/v1/datasets", {"id": "minimal", "fields": []})
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["description"] == ""
    assert body["tags"] == []
    assert body["time_field"] is None
    assert body["partition_by"] == "day"
    assert body["schema_mode"] == "strict"
    assert body["record_id_field"] is None
    assert body["retention"] is None
    assert body["schema"] == {"version": 1, "fields": []}


def test_create_with_field_defaults_and_record_id(api):
    spec = simple("withdefaults", record_id_field="rid", owner="user:ana", schema_mode="evolve",
                  partition_by="hour")
    spec["fields"] += [
        {"name": "rid", "type": "string", "description": "event id"},
        {"name": "n", "type": "int64", "default": 7},
        {"name": "ok", "type": "bool", "default": True},
        {"name": "attrs", "type": "json", "nullable": True, "default": {"a": [1, 2]}},
        {"name": "seen", "type": "timestamp", "default": "2024-01-01T00:00:00Z"},
    ]
    resp = api.post("/v1/datasets", spec)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["record_id_field"] == "rid"
    assert body["owner"] == "user:ana"
    assert body["schema_mode"] == "evolve"
    assert body["partition_by"] == "hour"
    by_name = {f["name"]: f for f in body["schema"]["fields"]}
    assert by_name["rid"]["description"] == "event id"
    assert by_name["n"]["default"] == 7
    assert by_name["ok"]["default"] is True
    assert by_name["attrs"]["default"] == {"a": [1, 2]}
    assert parse_time(by_name["seen"]["default"]) == parse_time("2024-01-01T00:00:00Z")


def test_duplicate_create_is_409(api, cpu):
    resp = api.post("/v1/datasets", CPU)
    assert_problem(resp, 409)
    # The original is untouched.
    assert api.get("/v1/datasets/cpu").json()["revision"] == 1


# -- get ------------------------------------------------------------------------------------


def test_get_returns_body_and_etag(api, cpu):
    resp = api.get("/v1/datasets/cpu")
    assert resp.status_code == 200
    assert resp.headers["ETag"] == cpu.headers["ETag"]
    body = resp.json()
    stats = body.pop("stats")
    assert body == cpu.json()
    # A new dataset stores nothing yet; stats are live, not part of the ETag.
    assert stats["rows"] == 0
    assert stats["segments"] == 0
    assert stats["partitions"] == 0
    assert stats["unflushed_rows"] == 0
    assert stats["last_seq"] == 0
    assert stats["last_ingest_at"] is None
    assert stats["bytes_on_disk"] >= 0
    assert "compression_ratio" in stats


def test_dataset_files_live_and_die_with_the_dataset(api, server):
    api.post("/v1/datasets", {**CPU, "id": "ephemeral"}).raise_for_status()
    path = os.path.join(server.data_dir, "datasets", "ephemeral")
    assert os.path.isdir(path)
    assert os.path.exists(os.path.join(path, "MANIFEST"))
    assert api.delete("/v1/datasets/ephemeral").status_code == 204
    assert not os.path.exists(path)
    # Same id again: a fresh, empty dataset.
    api.post("/v1/datasets", {**CPU, "id": "ephemeral"}).raise_for_status()
    assert api.get("/v1/datasets/ephemeral").json()["stats"]["rows"] == 0


def test_head_dataset_has_etag_and_no_body(api, cpu):
    resp = api.head("/v1/datasets/cpu")
    assert resp.status_code == 200
    assert resp.headers["ETag"] == cpu.headers["ETag"]
    assert resp.content == b""


def test_if_none_match_current_is_304(api, cpu):
    etag = cpu.headers["ETag"]
    resp = api.get("/v1/datasets/cpu", headers={"If-None-Match": etag})
    assert resp.status_code == 304
    assert resp.content == b""
    assert resp.headers["ETag"] == etag
    assert api.get("/v1/datasets/cpu", headers={"If-None-Match": "W/" + etag}).status_code == 304
    assert api.get("/v1/datasets/cpu",
                   headers={"If-None-Match": f'"other", {etag}'}).status_code == 304


def test_if_none_match_stale_is_200(api, cpu):
    resp = api.get("/v1/datasets/cpu", headers={"If-None-Match": '"stale-etag"'})
    assert resp.status_code == 200
    assert resp.json()["id"] == "cpu"


def test_get_unknown_is_404(api):
    body = assert_problem(api.get("/v1/datasets/does_not_exist"), 404, "not_found")
    assert "does_not_exist" in body["detail"]


def test_get_invalid_id_in_path_is_4xx_problem(api):
    resp = api.get("/v1/datasets/Not-Valid")
    assert resp.status_code in (400, 404), resp.text
    assert_problem(resp, resp.status_code)


def test_get_with_unknown_query_parameter_is_400(api, cpu):
    body = assert_problem(api.get("/v1/datasets/cpu?verbose=1"), 400)
    assert error_items(body, "parameter") == ["verbose"]


# -- list -----------------------------------------------------------------------------------

PAGED = ["pg_a", "pg_b", "pg_c", "pg_d", "pg_e", "pg_f", "pg_g"]
BLUE = {"pg_b", "pg_e", "pg_g"}


@pytest.fixture(scope="module")
def paged(server):
    api = server.api()
    # Created out of order: listings sort by id, not by creation time.
    for dataset_id in reversed(PAGED):
        tags = ["blue", "paged"] if dataset_id in BLUE else ["paged"]
        api.create_dataset(simple(dataset_id, tags=tags))
    # Near-misses for the prefix filter ('_' must not act as a wildcard).
    api.create_dataset(simple("pgxa", tags=["blue"]))
    api.create_dataset(simple("pg", tags=["blue"]))
    return PAGED


def test_list_shape(api, paged):
    resp = api.get("/v1/datasets")
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"items", "next_cursor"}
    assert body["next_cursor"] is None
    assert "Link" not in resp.headers
    ids = [item["id"] for item in body["items"]]
    assert ids == sorted(ids)
    assert set(paged) <= set(ids)
    for item in body["items"]:
        assert DATASET_MEMBERS <= set(item)


def test_list_pagination_with_next_cursor(api, paged):
    seen, pages = [], 0
    params = {"prefix": "pg_", "limit": "3"}
    while True:
        pages += 1
        assert pages <= 10, "pagination does not end"
        resp = api.get("/v1/datasets", params=params)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert len(body["items"]) <= 3
        seen += [item["id"] for item in body["items"]]
        if body["next_cursor"] is None:
            assert "Link" not in resp.headers
            break
        assert isinstance(body["next_cursor"], str) and body["next_cursor"]
        params = {"prefix": "pg_", "limit": "3", "cursor": body["next_cursor"]}
    assert pages == 3
    assert seen == PAGED


def test_list_pagination_with_link_header(api, paged):
    seen, pages = [], 0
    target = "/v1/datasets?limit=3&prefix=pg_"
    while target is not None:
        pages += 1
        assert pages <= 10, "pagination does not end"
        resp = api.get(target)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        seen += [item["id"] for item in body["items"]]
        link = resp.headers.get("Link")
        if body["next_cursor"] is None:
            assert link is None
            target = None
            continue
        match = re.match(r'^<([^>]+)>;\s*rel="next"$', link or "")
        assert match, f"Link header {link!r}"
        target = match.group(1)
        parsed = urllib.parse.urlsplit(target)
        assert parsed.path == "/v1/datasets"
        query = dict(urllib.parse.parse_qsl(parsed.query))
        assert query["cursor"] == body["next_cursor"]
        assert query["limit"] == "3" and query["prefix"] == "pg_"
        if parsed.scheme:
            target = parsed.path + "?" + parsed.query
    assert seen == PAGED
    assert pages == 3


def test_list_filter_by_tag(api, paged):
    resp = api.get("/v1/datasets", params={"tag": "blue"})
    ids = [item["id"] for item in resp.json()["items"]]
    assert ids == sorted(BLUE | {"pgxa", "pg"})
    resp = api.get("/v1/datasets", params={"tag": "blue", "prefix": "pg_"})
    assert [item["id"] for item in resp.json()["items"]] == sorted(BLUE)
    resp = api.get("/v1/datasets", params={"tag": "no-such-tag"})
    assert resp.json() == {"items": [], "next_cursor": None}


def test_list_filter_by_prefix(api, paged):
    resp = api.get("/v1/datasets", params={"prefix": "pg_"})
    assert [item["id"] for item in resp.json()["items"]] == PAGED
    resp = api.get("/v1/datasets", params={"prefix": "pg"})
    assert [item["id"] for item in resp.json()["items"]] == sorted(PAGED + ["pgxa", "pg"])
    resp = api.get("/v1/datasets", params={"prefix": "zzz"})
    assert resp.json()["items"] == []


def test_tag_filter_pagination(api, paged):
    seen, cursor = [], None
    for _ in range(10):
        params = {"tag": "blue", "prefix": "pg_", "limit": "1"}
        if cursor:
            params["cursor"] = cursor
        body = api.get("/v1/datasets", params=params).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(BLUE)


@pytest.mark.parametrize("other", [
    {"prefix": "pg"}, {"prefix": "pg_", "tag": "blue"}, {"tag": "paged"}, {},
])
def test_cursor_with_different_filters_is_invalid_cursor(api, paged, other):
    first = api.get("/v1/datasets", params={"prefix": "pg_", "limit": "3"}).json()
    cursor = first["next_cursor"]
    assert cursor
    resp = api.get("/v1/datasets", params=dict(other, limit="3", cursor=cursor))
    body = assert_problem(resp, 400, "invalid_cursor")
    assert "cursor" in error_items(body, "parameter")


@pytest.mark.parametrize("cursor", ["garbage", "abc.def", ".", "", "a" * 300])
def test_garbage_cursor_is_invalid_cursor(api, paged, cursor):
    resp = api.get("/v1/datasets", params={"cursor": cursor})
    if cursor == "":
        # An empty cursor is the same as no cursor.
        assert resp.status_code in (200, 400)
        if resp.status_code == 400:
            assert_problem(resp, 400, "invalid_cursor")
        return
    assert_problem(resp, 400, "invalid_cursor")


@pytest.mark.parametrize("limit", ["0", "1001", "abc", "-1", "1.5", "", "3x", "99999999999999999999"])
def test_bad_limit_is_400_on_parameter(api, limit):
    resp = api.get("/v1/datasets", params={"limit": limit})
    body = assert_problem(resp, 400)
    assert error_items(body, "parameter") == ["limit"], body


@pytest.mark.parametrize("limit", ["1", "1000"])
def test_limit_bounds_accepted(api, paged, limit):
    resp = api.get("/v1/datasets", params={"limit": limit})
    assert resp.status_code == 200
    assert len(resp.json()["items"]) <= int(limit)


@pytest.mark.parametrize("query", ["sort=id", "pagesize=3", "limits=3", "Limit=3"])
def test_unknown_query_parameter_is_400(api, query):
    resp = api.get("/v1/datasets?" + query)
    body = assert_problem(resp, 400)
    name = query.split("=")[0]
    assert error_items(body, "parameter") == [name]
    assert name in body["detail"]


def test_unknown_query_parameter_suggests(api):
    body = assert_problem(api.get("/v1/datasets?limt=3"), 400)
    assert "did you mean 'limit'" in body["detail"]


# -- PUT ------------------------------------------------------------------------------------


def test_put_round_trips_get_body(api):
    api.create_dataset(simple("putds", tags=["a"], retention="7d"))
    got = api.get("/v1/datasets/putds")
    body = got.json()
    body["description"] = "replaced"
    body["tags"] = ["b", "c"]
    resp = api.put("/v1/datasets/putds", body)
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["description"] == "replaced"
    assert out["tags"] == ["b", "c"]
    assert out["retention"] == "7d"
    assert out["revision"] == body["revision"] + 1
    assert out["created_at"] == body["created_at"]
    assert parse_time(out["updated_at"]) > parse_time(body["updated_at"])
    assert out["schema"] == body["schema"]
    assert resp.headers["ETag"] != got.headers["ETag"]
    assert etag_of(api, "putds") == resp.headers["ETag"]


def test_put_ignores_read_only_values(api):
    api.create_dataset(simple("putro"))
    body = api.get("/v1/datasets/putro").json()
    forged = dict(body, revision=999, created_at="2000-01-01T00:00:00Z",
                  updated_at="2000-01-01T00:00:00Z",
                  schema={"version": 42, "fields": []}, stats={"rows": 5})
    resp = api.put("/v1/datasets/putro", forged)
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["revision"] == body["revision"] + 1
    assert out["created_at"] == body["created_at"]
    assert out["schema"] == body["schema"]


def test_put_absent_mutable_attributes_take_defaults(api):
    api.create_dataset(simple("putdef", tags=["x"], retention="7d", description="d"))
    resp = api.put("/v1/datasets/putdef", {"description": "only this"})
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["description"] == "only this"
    assert out["tags"] == []
    assert out["retention"] is None
    assert out["time_field"] == "time"


def test_put_id_mismatch_is_422(api):
    api.create_dataset(simple("putid"))
    body = api.get("/v1/datasets/putid").json()
    body["id"] = "other"
    resp = api.put("/v1/datasets/putid", body)
    assert error_items(assert_problem(resp, 422), "pointer") == ["/id"]


@pytest.mark.parametrize("n,change,pointer", [
    (1, {"time_field": "value"}, "/time_field"),
    (2, {"time_field": None}, "/time_field"),
    (3, {"partition_by": "hour"}, "/partition_by"),
    (4, {"partition_by": "month"}, "/partition_by"),
    (5, {"fields": [{"name": "time", "type": "timestamp"}]}, "/fields"),
])
def test_put_immutable_attributes_are_422(api, n, change, pointer):
    dataset_id = f"putim_{n}"
    api.create_dataset(simple(dataset_id))
    before = api.get(f"/v1/datasets/{dataset_id}").json()
    body = dict(before, **change)
    resp = api.put(f"/v1/datasets/{dataset_id}", body)
    problem = assert_problem(resp, 422, "validation_failed")
    assert pointer in error_items(problem), problem
    assert api.get(f"/v1/datasets/{dataset_id}").json() == before


def test_put_unknown_dataset_is_404(api):
    assert_problem(api.put("/v1/datasets/put_nobody", {"description": "x"}), 404, "not_found")


# -- PATCH ----------------------------------------------------------------------------------


def test_patch_merge_patch(api):
    api.create_dataset(simple("patchds", tags=["one", "two"], retention="30d",
                              description="before"))
    before = api.get("/v1/datasets/patchds").json()

    resp = api.patch("/v1/datasets/patchds", {"description": "after"})
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["description"] == "after"
    assert out["tags"] == ["one", "two"]
    assert out["retention"] == "30d"
    assert out["revision"] == before["revision"] + 1

    out = api.patch("/v1/datasets/patchds", {"tags": None}).json()
    assert out["tags"] == []
    assert out["description"] == "after"

    out = api.patch("/v1/datasets/patchds", {"tags": ["x"], "retention": "12h"}).json()
    assert out["tags"] == ["x"] and out["retention"] == "12h"

    out = api.patch("/v1/datasets/patchds", {"retention": None}).json()
    assert out["retention"] is None

    out = api.patch("/v1/datasets/patchds", {"owner": "group:ops"}).json()
    assert out["owner"] == "group:ops"

    out = api.patch("/v1/datasets/patchds", {"schema_mode": "evolve"}).json()
    assert out["schema_mode"] == "evolve"

    resp = api.patch("/v1/datasets/patchds", {})
    assert resp.status_code == 200
    assert resp.json()["schema"] == before["schema"]
    assert resp.json()["time_field"] == "time"
    assert api.get("/v1/datasets/patchds").json()["revision"] == resp.json()["revision"]


def test_patch_accepts_merge_patch_media_type(api):
    api.create_dataset(simple("patchmt"))
    resp = api.request("PATCH", "/v1/datasets/patchmt", data='{"description": "mp"}',
                       headers={"Content-Type": "application/merge-patch+json"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["description"] == "mp"


def test_patch_owner_null_is_422(api):
    api.create_dataset(simple("patchown"))
    resp = api.patch("/v1/datasets/patchown", {"owner": None})
    assert "/owner" in error_items(assert_problem(resp, 422))


@pytest.mark.parametrize("patch,pointer", [
    ({"time_field": "value"}, "/time_field"),
    ({"partition_by": "month"}, "/partition_by"),
    ({"fields": []}, "/fields"),
    ({"id": "renamed"}, "/id"),
    ({"schema": {"version": 1, "fields": []}}, "/schema"),
    ({"revision": 5}, "/revision"),
    ({"owner": "nobody"}, "/owner"),
    ({"retention": "0d"}, "/retention"),
    ({"record_id_field": "nosuch"}, "/record_id_field"),
    ({"color": "red"}, "/color"),
])
def test_patch_invalid_is_422(api, patch, pointer):
    dataset_id = "patchbad"
    if api.get(f"/v1/datasets/{dataset_id}").status_code == 404:
        api.create_dataset(simple(dataset_id))
    before = api.get(f"/v1/datasets/{dataset_id}").json()
    resp = api.patch(f"/v1/datasets/{dataset_id}", patch)
    assert pointer in error_items(assert_problem(resp, 422, "validation_failed"))
    assert api.get(f"/v1/datasets/{dataset_id}").json() == before


def test_patch_unknown_dataset_is_404(api):
    assert_problem(api.patch("/v1/datasets/patch_nobody", {"description": "x"}), 404,
                   "not_found")


# -- If-Match -------------------------------------------------------------------------------

SCHEMA_ADD = {"changes": [{"op": "add", "field": {"name": "extra", "type": "string",
                                                    "nullable": True}}]}


def _write(api, kind, dataset_id, headers):
    path = f"/v1/datasets/{dataset_id}"
    if kind == "put":
        return api.put(path, {"description": "put"}, headers=headers)
    if kind == "patch":
        return api.patch(path, {"description": "patch"}, headers=headers)
    if kind == "delete":
        return api.delete(path, headers=headers)
    if kind == "schema":
        body = {"changes": [{"op": "add", "field": {
            "name": f"extra_{next(_FIELD_NUMBERS)}",
            "type": "string", "nullable": True}}]}
        return api.patch(path + "/schema", body, headers=headers)
    raise AssertionError(kind)


_FIELD_NUMBERS = itertools.count(1)
WRITES = ["put", "patch", "delete", "schema"]
OK_STATUS = {"put": 200, "patch": 200, "delete": 204, "schema": 200}


@pytest.mark.parametrize("kind", WRITES)
def test_if_match_current_succeeds(api, kind):
    dataset_id = f"im_ok_{kind}"
    api.create_dataset(simple(dataset_id))
    etag = etag_of(api, dataset_id)
    resp = _write(api, kind, dataset_id, {"If-Match": etag})
    assert resp.status_code == OK_STATUS[kind], resp.text
    if kind != "delete":
        assert resp.headers["ETag"] != etag
        assert etag_of(api, dataset_id) == resp.headers["ETag"]


@pytest.mark.parametrize("kind", WRITES)
def test_if_match_in_list_succeeds(api, kind):
    dataset_id = f"im_list_{kind}"
    api.create_dataset(simple(dataset_id))
    etag = etag_of(api, dataset_id)
    resp = _write(api, kind, dataset_id, {"If-Match": f'"nope", {etag}'})
    assert resp.status_code == OK_STATUS[kind], resp.text


@pytest.mark.parametrize("kind", WRITES)
def test_if_match_stale_is_412(api, kind):
    dataset_id = f"im_stale_{kind}"
    api.create_dataset(simple(dataset_id))
    stale = etag_of(api, dataset_id)
    assert api.patch(f"/v1/datasets/{dataset_id}", {"description": "moved on"}).status_code == 200
    before = api.get(f"/v1/datasets/{dataset_id}")
    resp = _write(api, kind, dataset_id, {"If-Match": stale})
    body = assert_problem(resp, 412)
    assert "If-Match" in error_items(body, "header")
    after = api.get(f"/v1/datasets/{dataset_id}")
    assert after.status_code == 200, "a refused write must not change anything"
    assert after.json() == before.json()
    assert after.headers["ETag"] == before.headers["ETag"]


@pytest.mark.parametrize("kind", WRITES)
def test_if_match_weak_tag_never_matches(api, kind):
    dataset_id = f"im_weak_{kind}"
    api.create_dataset(simple(dataset_id))
    etag = etag_of(api, dataset_id)
    resp = _write(api, kind, dataset_id, {"If-Match": "W/" + etag})
    assert_problem(resp, 412)
    assert api.get(f"/v1/datasets/{dataset_id}").status_code == 200


@pytest.mark.parametrize("kind", WRITES)
def test_if_match_star_succeeds(api, kind):
    dataset_id = f"im_star_{kind}"
    api.create_dataset(simple(dataset_id))
    resp = _write(api, kind, dataset_id, {"If-Match": "*"})
    assert resp.status_code == OK_STATUS[kind], resp.text


@pytest.mark.parametrize("kind", WRITES)
def test_if_match_star_on_missing_dataset_is_404(api, kind):
    resp = _write(api, kind, f"im_missing_{kind}", {"If-Match": "*"})
    assert_problem(resp, 404, "not_found")


@pytest.mark.parametrize("kind", WRITES)
@pytest.mark.parametrize("value", ["abc", '"unterminated', '"a" "b"', '"a",,', "W/abc", "**"])
def test_if_match_malformed_is_400(api, kind, value):
    dataset_id = f"im_bad_{kind}"
    if api.get(f"/v1/datasets/{dataset_id}").status_code == 404:
        api.create_dataset(simple(dataset_id))
    before = api.get(f"/v1/datasets/{dataset_id}").json()
    resp = _write(api, kind, dataset_id, {"If-Match": value})
    body = assert_problem(resp, 400)
    assert "If-Match" in error_items(body, "header")
    assert api.get(f"/v1/datasets/{dataset_id}").json() == before


# -- DELETE ---------------------------------------------------------------------------------


def test_delete_then_get_is_404_and_recreate_changes_etag(api):
    created = api.post("/v1/datasets", simple("delds"))
    assert created.status_code == 201
    resp = api.delete("/v1/datasets/delds")
    assert resp.status_code == 204
    assert resp.content == b""
    assert_problem(api.get("/v1/datasets/delds"), 404, "not_found")
    assert_problem(api.get("/v1/datasets/delds/schema"), 404, "not_found")
    assert_problem(api.delete("/v1/datasets/delds"), 404, "not_found")
    ids = [i["id"] for i in api.get("/v1/datasets", params={"prefix": "delds"}).json()["items"]]
    assert ids == []
    again = api.post("/v1/datasets", simple("delds"))
    assert again.status_code == 201, again.text
    assert again.headers["ETag"] != created.headers["ETag"]
    assert again.json()["revision"] == 1
    # The old ETag does not match the new dataset.
    assert_problem(api.patch("/v1/datasets/delds", {"description": "x"},
                             headers={"If-Match": created.headers["ETag"]}), 412)


def test_delete_removes_schema_versions(api):
    api.create_dataset(simple("delver"))
    resp = api.patch("/v1/datasets/delver/schema", SCHEMA_ADD)
    assert resp.status_code == 200, resp.text
    assert len(api.get("/v1/datasets/delver/schema/versions").json()["items"]) == 2
    assert api.delete("/v1/datasets/delver").status_code == 204
    assert_problem(api.get("/v1/datasets/delver/schema/versions"), 404, "not_found")
    assert_problem(api.get("/v1/datasets/delver/schema/versions/1"), 404, "not_found")
    assert_problem(api.get("/v1/datasets/delver/schema/versions/2"), 404, "not_found")
    # Re-created: a fresh history, nothing left over from the first life.
    api.create_dataset(simple("delver"))
    versions = api.get("/v1/datasets/delver/schema/versions").json()["items"]
    assert [v["version"] for v in versions] == [1]
    assert versions[0]["changes"] == []
    assert_problem(api.get("/v1/datasets/delver/schema/versions/2"), 404, "not_found")
    names = [f["name"] for f in api.get("/v1/datasets/delver/schema").json()["fields"]]
    assert names == ["time", "value"]


def test_delete_with_body_or_query_is_rejected_or_ignored(api):
    api.create_dataset(simple("delq"))
    assert_problem(api.delete("/v1/datasets/delq?force=true"), 400)
    assert api.get("/v1/datasets/delq").status_code == 200


# -- concurrent writers ---------------------------------------------------------------------


def test_concurrent_writers_with_same_if_match_exactly_one_wins(server):
    api = server.api()
    api.create_dataset(simple("race_ifmatch"))
    etag = etag_of(api, "race_ifmatch")
    writers = 8
    barrier = threading.Barrier(writers)

    def write(i):
        client = server.api()
        barrier.wait(timeout=10)
        return client.patch("/v1/datasets/race_ifmatch", {"description": f"writer {i}"},
                            headers={"If-Match": etag})

    with ThreadPoolExecutor(max_workers=writers) as pool:
        results = list(pool.map(write, range(writers)))
    statuses = sorted(r.status_code for r in results)
    assert statuses.count(200) == 1, statuses
    assert statuses.count(412) == writers - 1, statuses
    for r in results:
        if r.status_code == 412:
            assert_problem(r, 412, check_alive=False)
    winner = next(r for r in results if r.status_code == 200).json()
    current = api.get("/v1/datasets/race_ifmatch").json()
    assert current["description"] == winner["description"]
    assert current["revision"] == 2


def test_concurrent_schema_changes_lose_nothing(server):
    api = server.api()
    api.create_dataset(simple("race_schema"))
    writers = 6
    barrier = threading.Barrier(writers)

    def add(i):
        client = server.api()
        barrier.wait(timeout=10)
        return client.patch("/v1/datasets/race_schema/schema", {"changes": [
            {"op": "add", "field": {"name": f"w{i}", "type": "int64", "nullable": True}}]})

    with ThreadPoolExecutor(max_workers=writers) as pool:
        results = list(pool.map(add, range(writers)))
    ok = [i for i, r in enumerate(results) if r.status_code == 200]
    for r in results:
        assert r.status_code in (200, 409), r.text  # 409: gave up under contention, said so.
        if r.status_code == 409:
            assert_problem(r, 409, check_alive=False)
    schema = api.get("/v1/datasets/race_schema/schema").json()
    names = {f["name"] for f in schema["fields"]}
    assert {f"w{i}" for i in ok} <= names
    assert schema["version"] == 1 + len(ok)
    versions = api.get("/v1/datasets/race_schema/schema/versions").json()["items"]
    assert [v["version"] for v in versions] == list(range(1, len(ok) + 2))
    ids = [f["id"] for f in schema["fields"]]
    assert len(ids) == len(set(ids))


# -- sort key ---------------------------------------------------------------------------------


def test_sort_key_defaults_to_time_order_and_can_be_set_and_cleared(api):
    resp = api.post("/v1/datasets", {**CPU, "id": "sorted"})
    assert resp.status_code == 201
    assert resp.json()["sort_key"] == []
    resp = api.patch("/v1/datasets/sorted", {"sort_key": ["hostname", "time"]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["sort_key"] == ["hostname", "time"]
    assert api.get("/v1/datasets/sorted").json()["sort_key"] == ["hostname", "time"]
    resp = api.patch("/v1/datasets/sorted", {"sort_key": None})
    assert resp.json()["sort_key"] == []
    created = api.post("/v1/datasets", {**CPU, "id": "sorted2", "sort_key": ["hostname"]})
    assert created.status_code == 201 and created.json()["sort_key"] == ["hostname"]


@pytest.mark.parametrize("sort_key, pointer", [
    (["hostnme"], "/sort_key/0"),
    (["hostname", "hostname"], "/sort_key/1"),
    ("hostname", "/sort_key"),
    ([1], "/sort_key/0"),
    (["a", "b", "c", "d", "e", "f", "g", "h", "i"], "/sort_key"),
])
def test_bad_sort_keys_are_refused(api, sort_key, pointer):
    resp = api.post("/v1/datasets", {**CPU, "id": "badsort", "sort_key": sort_key})
    body = assert_problem(resp, 422)
    assert pointer in error_items(body), body
