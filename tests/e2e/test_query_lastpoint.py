"""The last point of each series, `SELECT DISTINCT ON (host) ... ORDER BY host, time DESC`, on
a dataset sorted by (host, time): the scan reads the segments' last-rows indexes instead of
their chunks, and answers exactly what a scan of every row answers — with rows out of order,
rows still in the memtable, deletes of the newest rows, time lower bounds and key filters."""

import json
import time

import pytest

T0 = 1451606400  # 2016-01-01T00:00:00Z
HOSTS = 12
TICKS = 1500


@pytest.fixture(scope="module")
def server_options():
    # Small memtables and a short flush age: most rows end up in segments within seconds.
    return {"storage.memtable_flush_bytes": "65536", "storage.flush_interval_ms": "200",
            "query.parallelism": "2"}


def ndjson(records):
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def rows_for(ticks):
    return [{"time": T0 + tick * 10, "host": f"h{host:02d}", "v": (tick * 7 + host) % 1000}
            for tick in ticks for host in range(HOSTS)]


def ingest(api, records):
    resp = api.request("POST", "/v1/datasets/lp/ingest", data=ndjson(records),
                       headers={"Content-Type": "application/x-ndjson"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["accepted"] == len(records)


def wait_flushed(api):
    for _ in range(100):
        stats = api.get("/v1/datasets/lp").json()["stats"]
        if stats["unflushed_rows"] == 0 and stats["segments"] > 0:
            return stats
        time.sleep(0.1)
    raise AssertionError("rows were not flushed to segments in 10 s")


@pytest.fixture(scope="module")
def dataset(server):
    api = server.api()
    api.create_dataset({
        "id": "lp", "time_field": "time", "partition_by": "day", "sort_key": ["host", "time"],
        "fields": [{"name": "time", "type": "timestamp"}, {"name": "host", "type": "string"},
                   {"name": "v", "type": "int64"}]})
    # Out of order: the second half of the ticks first, in several batches.
    for first in list(range(TICKS // 2, TICKS, 250)) + list(range(0, TICKS // 2, 250)):
        ingest(api, rows_for(range(first, first + 250)))
    wait_flushed(api)
    return "lp"


def query(api, sql):
    resp = api.post("/v1/query", {"sql": sql})
    assert resp.status_code == 200, resp.text
    return resp.json()


def lastpoint(where=""):
    return f"SELECT DISTINCT ON (host) host, time, v FROM lp {where} ORDER BY host, time DESC"


def every_row(where):
    # `v >= 0` holds for every row but reads another field, so the scan reads every chunk.
    conj = "WHERE v >= 0" if not where else where + " AND v >= 0"
    return lastpoint(conj)


def check_same(api, where=""):
    fast = query(api, lastpoint(where))
    full = query(api, every_row(where))
    assert fast["rows"] == full["rows"]
    return fast, full


def test_lastpoint_reads_the_indexes_and_answers_the_newest_row_of_each_host(api, dataset):
    fast, full = check_same(api)
    assert [r[0] for r in fast["rows"]] == [f"h{h:02d}" for h in range(HOSTS)]
    last = TICKS - 1
    assert fast["rows"][3] == ["h03", "2016-01-01T04:09:50Z", (last * 7 + 3) % 1000]
    assert fast["stats"]["rows_scanned"] < full["stats"]["rows_scanned"] // 5
    explain = "\n".join(r[0] for r in query(api, "EXPLAIN " + lastpoint())["rows"])
    assert "latest per host by time" in explain
    assert "latest per" not in "\n".join(
        r[0] for r in query(api, "EXPLAIN " + every_row(""))["rows"])


def test_time_lower_bounds_and_host_filters_keep_the_answer(api, dataset):
    check_same(api, "WHERE time >= '2016-01-01T01:00:00Z'")
    check_same(api, "WHERE host IN ('h01', 'h07') AND time > '2016-01-01T03:00:00Z'")
    fast, _ = check_same(api, "WHERE time < '2016-01-01T02:00:00Z'")  # Upper bound: no index.
    assert fast["rows"][0][1] == "2016-01-01T01:59:50Z"


def test_newer_rows_in_the_memtable_and_deleted_newest_rows(api, dataset):
    # h05's newest row arrives late and may still be in the memtable.
    ingest(api, [{"time": T0 + TICKS * 10, "host": "h05", "v": 4242}])
    fast, _ = check_same(api)
    assert fast["rows"][5] == ["h05", "2016-01-01T04:10:00Z", 4242]
    # Deleting every host's newest hour: segments the delete reaches are read in full.
    resp = api.request("DELETE", "/v1/datasets/lp/records",
                       params={"filter": "time >= '2016-01-01T03:10:00Z'"})
    assert resp.status_code == 200, resp.text
    fast, _ = check_same(api)
    assert all(r[1] == "2016-01-01T03:09:50Z" for r in fast["rows"])
