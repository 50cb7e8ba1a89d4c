"""Schema evolution (PATCH .../schema), the current schema and its version history."""

import itertools

import pytest

from conftest import assert_problem, error_items

_IDS = itertools.count(1)

BASE_FIELDS = [
    {"name": "time", "type": "timestamp"},
    {"name": "rid", "type": "string"},
    {"name": "hostname", "type": "string"},
    {"name": "usage_user", "type": "float64", "nullable": True},
    {"name": "count", "type": "int64", "nullable": True},
    {"name": "email", "type": "string", "nullable": True, "pii": True},
]


def new_dataset(api, prefix="sch"):
    dataset_id = f"{prefix}_{next(_IDS)}"
    api.create_dataset({"id": dataset_id, "time_field": "time", "record_id_field": "rid",
                        "fields": BASE_FIELDS})
    return dataset_id


def evolve(api, dataset_id, changes, **kw):
    return api.patch(f"/v1/datasets/{dataset_id}/schema", {"changes": changes}, **kw)


def fields_by_name(schema):
    return {f["name"]: f for f in schema["fields"]}


def schema_of(api, dataset_id):
    resp = api.get(f"/v1/datasets/{dataset_id}/schema")
    assert resp.status_code == 200, resp.text
    return resp.json()


def versions_of(api, dataset_id):
    resp = api.get(f"/v1/datasets/{dataset_id}/schema/versions")
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


# -- the wire example -----------------------------------------------------------------------


def test_wire_example_creates_version_2(api):
    dataset_id = new_dataset(api)
    before = api.get(f"/v1/datasets/{dataset_id}")
    original = fields_by_name(before.json()["schema"])
    resp = evolve(api, dataset_id, [
        {"op": "add", "field": {"name": "region", "type": "string", "nullable": True}},
        {"op": "rename", "name": "usage_user", "to": "user_pct"},
        {"op": "widen", "name": "count", "type": "float64"},
        {"op": "drop", "name": "email"},
    ])
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"version", "fields"}
    assert body["version"] == 2
    fields = fields_by_name(body)
    assert "email" not in fields and "usage_user" not in fields
    assert fields["region"]["type"] == "string" and fields["region"]["nullable"] is True
    assert fields["user_pct"]["id"] == original["usage_user"]["id"]
    assert fields["user_pct"]["type"] == "float64"
    assert fields["count"]["id"] == original["count"]["id"]
    assert fields["count"]["type"] == "float64"
    # A new field never reuses an id, not even the id of the field dropped in the same set.
    assert fields["region"]["id"] > max(f["id"] for f in original.values())
    # The dataset resource shows the same schema and a new ETag.
    after = api.get(f"/v1/datasets/{dataset_id}")
    assert after.json()["schema"] == body
    assert after.headers["ETag"] != before.headers["ETag"]
    assert resp.headers["ETag"] == after.headers["ETag"]
    assert after.json()["revision"] == before.json()["revision"] + 1
    assert schema_of(api, dataset_id) == body


def test_each_change_set_adds_one_version(api):
    dataset_id = new_dataset(api)
    steps = [
        [{"op": "add", "field": {"name": "a", "type": "int64", "nullable": True}}],
        [{"op": "add", "field": {"name": "b", "type": "int64", "default": 5}}],
        [{"op": "set_nullable", "name": "hostname", "nullable": True}],
        [{"op": "set_default", "name": "a", "default": 3}],
        [{"op": "widen", "name": "a", "type": "float64"}],
        [{"op": "rename", "name": "b", "to": "bee"}],
        [{"op": "drop", "name": "bee"}],
    ]
    for number, changes in enumerate(steps, start=2):
        resp = evolve(api, dataset_id, changes)
        assert resp.status_code == 200, (changes, resp.text)
        assert resp.json()["version"] == number
    fields = fields_by_name(schema_of(api, dataset_id))
    assert fields["hostname"]["nullable"] is True
    assert fields["a"]["type"] == "float64"
    # The int64 default is carried over to float64.
    assert fields["a"]["default"] == 3
    assert isinstance(fields["a"]["default"], (int, float))
    assert "b" not in fields and "bee" not in fields
    versions = versions_of(api, dataset_id)
    assert [v["version"] for v in versions] == list(range(1, len(steps) + 2))


def test_add_with_default(api):
    dataset_id = new_dataset(api)
    resp = evolve(api, dataset_id, [
        {"op": "add", "field": {"name": "level", "type": "string", "default": "info",
                                "description": "log level"}},
        {"op": "add", "field": {"name": "ok", "type": "bool", "default": False, "pii": True}},
    ])
    assert resp.status_code == 200, resp.text
    fields = fields_by_name(resp.json())
    assert fields["level"]["nullable"] is False
    assert fields["level"]["default"] == "info"
    assert fields["level"]["description"] == "log level"
    assert fields["ok"]["default"] is False and fields["ok"]["pii"] is True


def test_set_default_and_remove_it(api):
    dataset_id = new_dataset(api)
    resp = evolve(api, dataset_id, [{"op": "set_default", "name": "hostname", "default": "n/a"}])
    assert resp.status_code == 200, resp.text
    assert fields_by_name(resp.json())["hostname"]["default"] == "n/a"
    resp = evolve(api, dataset_id, [{"op": "set_default", "name": "hostname", "default": None}])
    assert resp.status_code == 200, resp.text
    assert fields_by_name(resp.json())["hostname"]["default"] is None


def test_rename_keeps_id_and_dropped_name_readded_gets_new_id(api):
    dataset_id = new_dataset(api)
    original = fields_by_name(schema_of(api, dataset_id))
    resp = evolve(api, dataset_id, [{"op": "rename", "name": "hostname", "to": "host"}])
    assert resp.status_code == 200
    assert fields_by_name(resp.json())["host"]["id"] == original["hostname"]["id"]
    resp = evolve(api, dataset_id, [{"op": "rename", "name": "host", "to": "hostname"}])
    assert fields_by_name(resp.json())["hostname"]["id"] == original["hostname"]["id"]

    resp = evolve(api, dataset_id, [{"op": "drop", "name": "email"}])
    assert resp.status_code == 200
    resp = evolve(api, dataset_id, [
        {"op": "add", "field": {"name": "email", "type": "string", "nullable": True}}])
    assert resp.status_code == 200, resp.text
    email = fields_by_name(resp.json())["email"]
    assert email["id"] != original["email"]["id"]
    assert email["id"] > max(f["id"] for f in original.values())
    assert email["pii"] is False


def test_rename_time_and_record_id_fields_follow(api):
    dataset_id = new_dataset(api)
    resp = evolve(api, dataset_id, [{"op": "rename", "name": "time", "to": "ts"},
                                    {"op": "rename", "name": "rid", "to": "event_id"}])
    assert resp.status_code == 200, resp.text
    dataset = api.get(f"/v1/datasets/{dataset_id}").json()
    assert dataset["time_field"] == "ts"
    assert dataset["record_id_field"] == "event_id"
    # The renamed time field is still protected.
    resp = evolve(api, dataset_id, [{"op": "drop", "name": "ts"}])
    assert_problem(resp, 422)


def test_sort_key_follows_renames_and_protects_its_fields(api):
    dataset_id = new_dataset(api)
    resp = api.patch(f"/v1/datasets/{dataset_id}", {"sort_key": ["hostname", "time"]})
    assert resp.status_code == 200, resp.text
    resp = evolve(api, dataset_id, [{"op": "rename", "name": "hostname", "to": "host"}])
    assert resp.status_code == 200, resp.text
    assert api.get(f"/v1/datasets/{dataset_id}").json()["sort_key"] == ["host", "time"]
    resp = evolve(api, dataset_id, [{"op": "drop", "name": "host"}])
    assert_problem(resp, 422)
    assert "sort key" in resp.text


def test_changes_apply_in_order_within_a_set(api):
    dataset_id = new_dataset(api)
    resp = evolve(api, dataset_id, [
        {"op": "add", "field": {"name": "tmp", "type": "int64", "nullable": True}},
        {"op": "rename", "name": "tmp", "to": "tmp2"},
        {"op": "widen", "name": "tmp2", "type": "float64"},
    ])
    assert resp.status_code == 200, resp.text
    assert fields_by_name(resp.json())["tmp2"]["type"] == "float64"
    assert resp.json()["version"] == 2


# -- GET schema and versions ----------------------------------------------------------------


def test_get_schema_has_etag(api):
    dataset_id = new_dataset(api)
    resp = api.get(f"/v1/datasets/{dataset_id}/schema")
    assert resp.status_code == 200
    assert resp.headers["ETag"] == api.get(f"/v1/datasets/{dataset_id}").headers["ETag"]
    body = resp.json()
    assert body["version"] == 1
    assert [f["name"] for f in body["fields"]] == [f["name"] for f in BASE_FIELDS]


def test_versions_list_and_get(api):
    dataset_id = new_dataset(api)
    changes = [{"op": "add", "field": {"name": "region", "type": "string", "nullable": True}},
               {"op": "drop", "name": "email"}]
    assert evolve(api, dataset_id, changes).status_code == 200
    assert evolve(api, dataset_id, [{"op": "rename", "name": "region", "to": "zone"}]
                  ).status_code == 200
    owner = api.get(f"/v1/datasets/{dataset_id}").json()["owner"]

    versions = versions_of(api, dataset_id)
    assert [v["version"] for v in versions] == [1, 2, 3]
    for v in versions:
        assert {"version", "author", "created_at", "changes", "fields"} <= set(v), v
        assert v["author"] == owner  # Created and evolved by the same admin key.
        assert isinstance(v["created_at"], str) and v["created_at"].endswith("Z")
    assert versions[0]["created_at"] <= versions[1]["created_at"] <= versions[2]["created_at"]
    assert versions[0]["changes"] == []
    assert [c["op"] for c in versions[1]["changes"]] == ["add", "drop"]
    assert versions[1]["changes"][0]["field"]["name"] == "region"
    assert versions[1]["changes"][1] == {"op": "drop", "name": "email"}
    assert versions[2]["changes"] == [{"op": "rename", "name": "region", "to": "zone"}]
    assert [f["name"] for f in versions[0]["fields"]] == [f["name"] for f in BASE_FIELDS]
    names2 = [f["name"] for f in versions[1]["fields"]]
    assert "region" in names2 and "email" not in names2

    for v in versions:
        resp = api.get(f"/v1/datasets/{dataset_id}/schema/versions/{v['version']}")
        assert resp.status_code == 200, resp.text
        assert resp.json() == v
    # The current schema equals the newest version's fields.
    assert schema_of(api, dataset_id)["fields"] == versions[-1]["fields"]


def test_versions_pagination(api):
    dataset_id = new_dataset(api)
    for i in range(3):
        resp = evolve(api, dataset_id, [
            {"op": "add", "field": {"name": f"f{i}", "type": "bool", "nullable": True}}])
        assert resp.status_code == 200
    seen, cursor, pages = [], None, 0
    while True:
        pages += 1
        assert pages <= 10, "pagination does not end"
        params = {"limit": "1"}
        if cursor:
            params["cursor"] = cursor
        resp = api.get(f"/v1/datasets/{dataset_id}/schema/versions", params=params)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert len(body["items"]) == 1
        seen.append(body["items"][0]["version"])
        cursor = body["next_cursor"]
        if cursor is None:
            assert "Link" not in resp.headers
            break
        assert 'rel="next"' in resp.headers["Link"]
        assert "cursor=" in resp.headers["Link"]
    assert seen == [1, 2, 3, 4]
    assert pages == 4


def test_versions_cursor_of_another_dataset_is_invalid(api):
    first = new_dataset(api)
    second = new_dataset(api)
    for dataset_id in (first, second):
        evolve(api, dataset_id, [
            {"op": "add", "field": {"name": "x", "type": "bool", "nullable": True}}])
    cursor = api.get(f"/v1/datasets/{first}/schema/versions?limit=1").json()["next_cursor"]
    assert cursor
    resp = api.get(f"/v1/datasets/{second}/schema/versions", params={"cursor": cursor})
    assert_problem(resp, 400, "invalid_cursor")
    resp = api.get(f"/v1/datasets/{first}/schema/versions", params={"cursor": "bogus"})
    assert_problem(resp, 400, "invalid_cursor")


@pytest.mark.parametrize("limit", ["0", "1001", "abc"])
def test_versions_bad_limit(api, limit):
    dataset_id = "sch_limit"
    if api.get(f"/v1/datasets/{dataset_id}").status_code == 404:
        api.create_dataset({"id": dataset_id, "fields": []})
    resp = api.get(f"/v1/datasets/{dataset_id}/schema/versions", params={"limit": limit})
    assert error_items(assert_problem(resp, 400), "parameter") == ["limit"]


@pytest.mark.parametrize("version", ["0", "abc", "-1", "1.0", "01x", "99999999999999999999"])
def test_bad_version_number_is_400(api, version):
    dataset_id = new_dataset(api)
    resp = api.get(f"/v1/datasets/{dataset_id}/schema/versions/{version}")
    assert_problem(resp, 400)


def test_unknown_version_is_404(api):
    dataset_id = new_dataset(api)
    assert_problem(api.get(f"/v1/datasets/{dataset_id}/schema/versions/2"), 404, "not_found")
    assert_problem(api.get(f"/v1/datasets/{dataset_id}/schema/versions/4294967295"), 404,
                   "not_found")


def test_schema_of_unknown_dataset_is_404(api):
    for path in ("/schema", "/schema/versions", "/schema/versions/1"):
        assert_problem(api.get(f"/v1/datasets/sch_nobody{path}"), 404, "not_found")
    resp = evolve(api, "sch_nobody", [{"op": "drop", "name": "x"}])
    assert_problem(resp, 404, "not_found")


def test_schema_if_match(api):
    dataset_id = new_dataset(api)
    etag = api.get(f"/v1/datasets/{dataset_id}/schema").headers["ETag"]
    add = [{"op": "add", "field": {"name": "n1", "type": "bool", "nullable": True}}]
    resp = evolve(api, dataset_id, add, headers={"If-Match": etag})
    assert resp.status_code == 200, resp.text
    add2 = [{"op": "add", "field": {"name": "n2", "type": "bool", "nullable": True}}]
    assert_problem(evolve(api, dataset_id, add2, headers={"If-Match": etag}), 412)
    assert_problem(evolve(api, dataset_id, add2, headers={"If-Match": "nope"}), 400)
    assert evolve(api, dataset_id, add2, headers={"If-Match": resp.headers["ETag"]}
                  ).status_code == 200
    assert [v["version"] for v in versions_of(api, dataset_id)] == [1, 2, 3]


# -- refusals -------------------------------------------------------------------------------

REFUSALS = [
    # (name, changes, index of the bad change, words the detail must contain)
    ("narrow_float_to_int", [{"op": "widen", "name": "usage_user", "type": "int64"}], 0,
     ["int64 -> float64"]),
    ("widen_string", [{"op": "widen", "name": "hostname", "type": "float64"}], 0,
     ["hostname", "string"]),
    ("widen_to_same_type", [{"op": "widen", "name": "count", "type": "int64"}], 0,
     ["already"]),
    ("retype_time_field", [{"op": "widen", "name": "time", "type": "float64"}], 0,
     ["time field"]),
    ("drop_time_field", [{"op": "drop", "name": "time"}], 0, ["time field", "dropped"]),
    ("time_field_nullable", [{"op": "set_nullable", "name": "time", "nullable": True}], 0,
     ["time field", "nullable"]),
    ("add_non_nullable_without_default",
     [{"op": "add", "field": {"name": "must", "type": "int64"}}], 0,
     ["nullable", "default"]),
    ("add_existing_name",
     [{"op": "add", "field": {"name": "hostname", "type": "string", "nullable": True}}], 0,
     ["already exists"]),
    ("rename_to_existing", [{"op": "rename", "name": "usage_user", "to": "hostname"}], 0,
     ["already exists"]),
    ("drop_record_id_field", [{"op": "drop", "name": "rid"}], 0, ["record id"]),
    ("drop_record_id_second", [{"op": "rename", "name": "count", "to": "count2"},
                               {"op": "drop", "name": "rid"}], 1, ["record id"]),
    ("unknown_op", [{"op": "renam", "name": "hostname", "to": "h"}], 0,
     ["unknown op", "did you mean 'rename'"]),
    ("unknown_field", [{"op": "drop", "name": "hostnme"}], 0,
     ["hostnme", "did you mean 'hostname'"]),
    ("unknown_field_rename", [{"op": "rename", "name": "nosuch", "to": "x"}], 0, ["nosuch"]),
    ("default_wrong_type", [{"op": "set_default", "name": "count", "default": "abc"}], 0,
     ["int64"]),
    ("add_default_wrong_type",
     [{"op": "add", "field": {"name": "n", "type": "int64", "default": "five"}}], 0,
     ["int64"]),
    ("make_non_nullable", [{"op": "set_nullable", "name": "usage_user", "nullable": False}], 0,
     ["non-nullable"]),
    ("rename_invalid_name", [{"op": "rename", "name": "hostname", "to": "bad name"}], 0,
     ["bad name"]),
    ("unknown_type", [{"op": "widen", "name": "count", "type": "flaot64"}], 0,
     ["did you mean 'float64'"]),
    ("missing_name", [{"op": "drop"}], 0, ["required"]),
    ("unknown_member", [{"op": "drop", "name": "email", "force": True}], 0, ["force"]),
    ("second_of_two_bad",
     [{"op": "add", "field": {"name": "fine", "type": "string", "nullable": True}},
      {"op": "widen", "name": "hostname", "type": "int64"}], 1, ["hostname"]),
    ("change_not_object", ["drop email"], 0, ["object"]),
    ("op_not_string", [{"op": 5, "name": "email"}], 0, ["string"]),
]


@pytest.mark.parametrize("name,changes,index,words", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refused_change_set(api, name, changes, index, words):
    dataset_id = new_dataset(api, "ref")
    before = api.get(f"/v1/datasets/{dataset_id}")
    resp = evolve(api, dataset_id, changes)
    body = assert_problem(resp, 422, "validation_failed")
    pointers = error_items(body)
    assert pointers, body
    prefix = f"/changes/{index}"
    assert any(p == prefix or p.startswith(prefix + "/") for p in pointers), pointers
    assert all(p.startswith("/changes/") for p in pointers), pointers
    for word in words:
        assert word in body["detail"], f"detail {body['detail']!r} lacks {word!r}"
    # Refused as a whole: no version, no change.
    after = api.get(f"/v1/datasets/{dataset_id}")
    assert after.json() == before.json()
    assert after.headers["ETag"] == before.headers["ETag"]
    assert [v["version"] for v in versions_of(api, dataset_id)] == [1]


@pytest.mark.parametrize("body,pointer", [
    ({"changes": []}, "/changes"),
    ({}, "/changes"),
    ({"changes": None}, "/changes"),
    ({"changes": {"op": "drop", "name": "email"}}, "/changes"),
    ({"changes": [{"op": "drop", "name": "email"}], "extra": 1}, "/extra"),
    ([{"op": "drop", "name": "email"}], ""),
])
def test_refused_change_document(api, body, pointer):
    dataset_id = new_dataset(api, "refdoc")
    resp = api.patch(f"/v1/datasets/{dataset_id}/schema", body)
    problem = assert_problem(resp, 422, "validation_failed")
    assert pointer in error_items(problem), problem
    assert [v["version"] for v in versions_of(api, dataset_id)] == [1]


def test_refusal_reports_every_bad_change(api):
    dataset_id = new_dataset(api, "refall")
    resp = evolve(api, dataset_id, [
        {"op": "drop", "name": "time"},
        {"op": "add", "field": {"name": "ok", "type": "string", "nullable": True}},
        {"op": "drop", "name": "nosuch"},
    ])
    body = assert_problem(resp, 422)
    pointers = error_items(body)
    assert "/changes/0" in pointers and "/changes/2" in pointers, pointers
    assert "/changes/1" not in pointers
    assert "(and 1 more)" in body["detail"]
    assert [v["version"] for v in versions_of(api, dataset_id)] == [1]


def test_schema_patch_bad_media_and_body(api):
    dataset_id = new_dataset(api, "refmedia")
    path = f"/v1/datasets/{dataset_id}/schema"
    assert_problem(api.request("PATCH", path, data=b'{"changes": []}',
                               headers={"Content-Type": "text/plain"}), 415)
    assert_problem(api.request("PATCH", path, data=b"",
                               headers={"Content-Type": "application/json"}), 400,
                   "missing_body")
    assert_problem(api.request("PATCH", path, data=b'{"changes": [',
                               headers={"Content-Type": "application/json"}), 400,
                   "malformed_json")
    assert_problem(api.patch(path + "?dry_run=1", {"changes": [{"op": "drop",
                                                                  "name": "email"}]}), 400)
    assert [v["version"] for v in versions_of(api, dataset_id)] == [1]
