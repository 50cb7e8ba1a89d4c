"""GET/DELETE /v1/datasets/{id}/records and GET /v1/datasets/{id}/changes end to end: fields,
filter, sort, keyset pages that stay consistent under concurrent ingestion, formats, delete
by filter, and the changes feed with its resync_required answer."""

import csv
import io
import json
import threading
import time

import pytest

from conftest import assert_problem

T0 = 1451606400


def ndjson(records):
    return "".join(json.dumps(r) + "\n" for r in records)


def ingest(api, dataset, rows):
    resp = api.request("POST", f"/v1/datasets/{dataset}/ingest", data=ndjson(rows).encode(),
                       headers={"Content-Type": "application/x-ndjson"})
    assert resp.status_code == 200, resp.text
    return resp.json()


def create(api, dataset):
    api.create_dataset({"id": dataset, "time_field": "time",
                        "fields": [{"name": "time", "type": "timestamp"},
                                   {"name": "host", "type": "string"},
                                   {"name": "v", "type": "int64"},
                                   {"name": "f", "type": "float64", "nullable": True}]})


def row(i):
    return {"time": T0 + i, "host": f"h{i % 4}", "v": i % 10, "f": None if i % 5 == 0 else i / 2}


@pytest.fixture(scope="module")
def recs(server):
    api = server.api()
    create(api, "recs")
    ingest(api, "recs", [row(i) for i in range(1000)])
    return "recs"


def test_list_fields_filter_sort(api, recs):
    resp = api.get("/v1/datasets/recs/records",
                   params={"fields": "time,host,v", "filter": "v = 3 AND host = 'h3'",
                           "sort": "-time", "limit": 3})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    expected = [i for i in range(999, -1, -1) if i % 10 == 3 and i % 4 == 3][:3]
    assert body["items"] == [{"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0 + i)),
                              "host": f"h{i % 4}", "v": 3} for i in expected]
    assert body["next_cursor"]
    assert "rel=\"next\"" in resp.headers["Link"]


def test_default_listing_and_every_page(api, recs):
    seen = []
    params = {"limit": 170, "sort": "host,-v"}
    pages = 0
    while True:
        resp = api.get("/v1/datasets/recs/records", params=params)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        seen.extend(body["items"])
        pages += 1
        if not body["next_cursor"] or pages > 20:
            break
        params["cursor"] = body["next_cursor"]
    assert pages == 6
    assert len(seen) == 1000
    keys = [(r["host"], -r["v"]) for r in seen]
    assert keys == sorted(keys)
    assert sorted(r["time"] for r in seen) == sorted({r["time"] for r in seen})


def test_pages_consistent_while_ingesting(api, server):
    create(api, "recs_live")
    ingest(api, "recs_live", [row(i) for i in range(3000)])
    stop = threading.Event()

    def writer():
        client = server.api()
        k = 3000
        while not stop.is_set() and k < 9000:
            ingest(client, "recs_live", [row(k + j) for j in range(100)])
            k += 100
            time.sleep(0.005)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for sort in ["-time", "v,host", ""]:
            params = {"limit": 400, "fields": "time,v"}
            if sort:
                params["sort"] = sort
            seen = []
            for _ in range(30):
                resp = api.get("/v1/datasets/recs_live/records", params=params)
                assert resp.status_code == 200, resp.text
                body = resp.json()
                seen.extend(r["time"] for r in body["items"])
                if not body["next_cursor"]:
                    break
                params["cursor"] = body["next_cursor"]
            # One writer commits rows in time order, so the first page's snapshot holds the
            # rows up to some time: each exactly once, none missing, nothing later.
            assert len(seen) == len(set(seen)), sort
            assert len(seen) >= 3000, sort
            expected = [time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0 + i))
                        for i in range(len(seen))]
            assert sorted(seen) == expected, sort
    finally:
        stop.set()
        thread.join(timeout=30)


def test_formats(api, recs):
    resp = api.get("/v1/datasets/recs/records",
                   params={"fields": "v,f", "filter": "v = 2", "sort": "time", "limit": 2,
                           "format": "csv"})
    assert resp.status_code == 200
    assert list(csv.reader(io.StringIO(resp.text))) == [["v", "f"], ["2", "1"], ["2", "6"]]
    assert "rel=\"next\"" in resp.headers["Link"]
    resp = api.get("/v1/datasets/recs/records", params={"fields": "v", "limit": 2},
                   headers={"Accept": "application/x-ndjson"})
    assert [json.loads(line) for line in resp.text.splitlines()] == [{"v": 0}, {"v": 1}]


def test_bad_parameters(api, recs):
    base = "/v1/datasets/recs/records"
    body = assert_problem(api.get(base, params={"filter": "v = "}), 400, "sql_syntax")
    assert body["errors"][0]["parameter"] == "filter"
    body = assert_problem(api.get(base, params={"filter": "hots = 'a'"}), 400, "sql_semantic")
    assert "did you mean 'host'?" in body["detail"]
    assert_problem(api.get(base, params={"fields": "nope"}), 400, "sql_semantic")
    assert_problem(api.get(base, params={"sort": "-"}), 400, "invalid_parameter")
    assert_problem(api.get(base, params={"limit": "0"}), 400, "invalid_parameter")
    assert_problem(api.get(base, params={"limit": "x"}), 400, "invalid_parameter")
    assert_problem(api.get(base, params={"format": "xml"}), 400, "invalid_parameter")
    assert_problem(api.get(base, params={"cursor": "abc"}), 400, "invalid_cursor")
    assert_problem(api.get(base, params={"bogus": "1"}), 400)
    assert_problem(api.get("/v1/datasets/none/records"), 404)
    # A cursor only continues the listing it came from.
    first = api.get(base, params={"limit": 5}).json()
    assert_problem(api.get(base, params={"limit": 5, "sort": "v",
                                         "cursor": first["next_cursor"]}), 400, "invalid_cursor")


def test_delete_by_filter(api, server):
    create(api, "recs_del")
    ingest(api, "recs_del", [row(i) for i in range(500)])
    resp = api.delete("/v1/datasets/recs_del/records",
                      params={"filter": "host = 'h1' AND time < '2016-01-01T00:04:00Z'"})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"deleted": 60}
    count = api.post("/v1/query", {"sql": "SELECT count(*) FROM recs_del"}).json()["rows"]
    assert count == [[440]]
    body = assert_problem(api.delete("/v1/datasets/recs_del/records",
                                     params={"filter": "lower(host) = 'h2'"}), 400,
                          "unsupported_filter")
    assert "lower" in body["detail"]
    assert_problem(api.delete("/v1/datasets/recs_del/records"), 400)
    assert_problem(api.delete("/v1/datasets/recs_del/records", params={"filter": "v ="}), 400,
                   "sql_syntax")
    assert api.post("/v1/query", {"sql": "SELECT count(*) FROM recs_del"}).json()["rows"] == \
        [[440]]


def test_changes_feed(api, server):
    create(api, "feed")
    resp = api.get("/v1/datasets/feed/changes")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["items"] == []
    cursor = body["next_cursor"]
    assert cursor and resp.headers["Strata-Next-Cursor"] == cursor
    ingest(api, "feed", [row(i) for i in range(250)])
    got = []
    for _ in range(10):
        body = api.get("/v1/datasets/feed/changes", params={"since": cursor, "limit": 100}).json()
        got.extend(body["items"])
        cursor = body["next_cursor"]
        if not body["items"]:
            break
    assert [r["v"] for r in got] == [i % 10 for i in range(250)]
    seqs = [r["_seq"] for r in got]
    assert seqs == sorted(seqs) and len(set(seqs)) == 250
    ingest(api, "feed", [row(i) for i in range(250, 260)])
    body = api.get("/v1/datasets/feed/changes", params={"since": cursor}).json()
    assert [r["v"] for r in body["items"]] == [i % 10 for i in range(250, 260)]
    cursor = body["next_cursor"]
    # A delete after the cursor: the feed cannot show it, so it asks for a resync.
    resp = api.delete("/v1/datasets/feed/records", params={"filter": "v = 1"})
    assert resp.status_code == 200
    assert_problem(api.get("/v1/datasets/feed/changes", params={"since": cursor}), 409,
                   "resync_required")
    assert_problem(api.get("/v1/datasets/feed/changes", params={"since": "x.y"}), 400,
                   "invalid_cursor")
