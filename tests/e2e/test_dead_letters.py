"""Dead letters: a dataset with keep_rejected keeps every record its ingest requests rejected
(raw text, reason, request id), lists them at GET /v1/datasets/{id}/rejected, and re-ingests
them with POST /v1/datasets/{id}/rejected/replay once the schema is fixed."""

import json

from conftest import assert_problem


def spec(dataset_id, keep=True):
    return {"id": dataset_id, "time_field": "time", "keep_rejected": keep,
            "fields": [{"name": "time", "type": "timestamp"},
                       {"name": "host", "type": "string"},
                       {"name": "load", "type": "int64", "nullable": True}]}


def ingest(api, dataset_id, body, content_type, params=None):
    return api.request("POST", f"/v1/datasets/{dataset_id}/ingest", data=body.encode(),
                       headers={"Content-Type": content_type}, params=params)


def rows(api, dataset_id):
    return api.get(f"/v1/datasets/{dataset_id}").json()["stats"]["rows"]


def rejected(api, dataset_id, **params):
    resp = api.get(f"/v1/datasets/{dataset_id}/rejected", params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_rejected_records_are_kept_listed_and_replayed(api):
    created = api.create_dataset(spec("dl"))
    assert created["keep_rejected"] is True
    # JSON array (an element spanning lines), CSV and line protocol, each with a bad record.
    body = '[{"time": "2016-01-01T00:00:00Z", "host": "a", "load": 1},\n {"time": "2016-01-01T00:00:01Z",\n  "host": "b", "load": 2.5}]'
    resp = ingest(api, "dl", body, "application/json")
    assert resp.status_code == 207, resp.text
    request_id = resp.headers["X-Request-Id"]
    csv_body = "time,host,load\n2016-01-01T00:00:02Z,c,3\n2016-01-01T00:00:03Z,d,lots\n"
    assert ingest(api, "dl", csv_body, "text/csv").status_code == 207
    lp_body = "dl,host=e load=5i 1451606404000\ndl,host=f load=6.5 1451606405000\n"
    assert ingest(api, "dl", lp_body, "text/plain; format=line-protocol",
                  params={"precision": "ms"}).status_code == 207
    # Atomic and dry-run requests keep nothing: their callers were told nothing was taken.
    ingest(api, "dl", csv_body, "text/csv", params={"mode": "atomic"})
    ingest(api, "dl", csv_body, "text/csv", params={"dry_run": "true"})
    assert rows(api, "dl") == 3

    page = rejected(api, "dl")
    items = page["items"]
    assert [i["format"] for i in items] == ["ndjson", "csv", "line-protocol;precision=ms"]
    first = items[0]
    assert first["request_id"] == request_id and first["index"] == 1
    assert first["code"] == "type_mismatch" and first["pointer"] == "/load"
    assert "\n" not in first["raw"] and json.loads(first["raw"])["host"] == "b"
    assert items[1]["raw"] == "time,host,load\n2016-01-01T00:00:03Z,d,lots"
    assert items[2]["raw"] == "dl,host=f load=6.5 1451606405000"
    # Pagination.
    one = rejected(api, "dl", limit=1)
    assert len(one["items"]) == 1 and one["next_cursor"]
    rest = rejected(api, "dl", limit=5, cursor=one["next_cursor"])
    assert [i["id"] for i in rest["items"]] == [i["id"] for i in items[1:]]

    # Replaying before the fix: still rejected, kept, with the reason again.
    replay = api.post("/v1/datasets/dl/rejected/replay", {})
    assert replay.status_code == 200, replay.text
    result = replay.json()
    assert result["replayed"] == 3 and result["accepted"] == 0 and result["rejected"] == 3
    assert {e["id"] for e in result["errors"]} == {i["id"] for i in items}
    # Fix the schema (load becomes float64), then replay one by id, then the rest.
    fix = api.patch("/v1/datasets/dl/schema",
                    {"changes": [{"op": "widen", "name": "load", "type": "float64"}]})
    assert fix.status_code == 200, fix.text
    replay = api.post("/v1/datasets/dl/rejected/replay", {"ids": [items[0]["id"], 999999]})
    result = replay.json()
    assert result["accepted"] == 1 and result["missing"] == [999999]
    replay = api.post("/v1/datasets/dl/rejected/replay")
    result = replay.json()
    assert result["accepted"] == 1 and result["rejected"] == 1  # "lots" is not a number.
    assert result["errors"][0]["code"] == "type_mismatch"
    assert rows(api, "dl") == 5
    assert [i["raw"] for i in rejected(api, "dl")["items"]] == [items[1]["raw"]]


def test_without_keep_rejected_nothing_is_kept(api):
    api.create_dataset(spec("no_dl", keep=False))
    assert ingest(api, "no_dl", '{"time": "2016-01-01T00:00:00Z", "host": 1}',
                  "application/x-ndjson").status_code == 422
    assert rejected(api, "no_dl")["items"] == []
    patched = api.patch("/v1/datasets/no_dl", {"keep_rejected": True},
                        headers={"Content-Type": "application/merge-patch+json"})
    assert patched.status_code == 200 and patched.json()["keep_rejected"] is True


def test_bad_replay_requests(api):
    api.create_dataset(spec("dl_bad"))
    assert_problem(api.post("/v1/datasets/dl_bad/rejected/replay", {"ids": ["x"]}), 422)
    assert_problem(api.post("/v1/datasets/dl_bad/rejected/replay", {"limit": 0}), 422)
    assert_problem(api.post("/v1/datasets/dl_bad/rejected/replay", {"what": 1}), 422)
    assert_problem(api.post("/v1/datasets/dl_bad/rejected/replay", [1]), 422)
    assert_problem(api.get("/v1/datasets/dl_bad/rejected", params={"cursor": "abc"}), 400)
    assert_problem(api.get("/v1/datasets/nope/rejected"), 404)
    assert_problem(api.post("/v1/datasets/dl_bad", {"keep_rejected": "yes"}), 405)
    assert_problem(api.patch("/v1/datasets/dl_bad", {"keep_rejected": "yes"},
                             headers={"Content-Type": "application/merge-patch+json"}), 422)
