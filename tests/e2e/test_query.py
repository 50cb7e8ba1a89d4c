"""POST /v1/query and /v1/datasets/{id}/query end to end: results and types, parameters,
formats (JSON pages, streamed NDJSON and CSV), EXPLAIN, errors with positions, cursor
pagination that stays consistent while another client ingests, limits (time, memory, rows)
and a client that disconnects mid-stream."""

import csv
import io
import json
import socket
import threading
import time

import pytest

from conftest import assert_problem, recv_all

T0 = 1451606400  # 2016-01-01T00:00:00Z
N = 20000


@pytest.fixture(scope="module")
def server_options():
    return {"query.max_rows": "5000", "query.memory_limit_bytes": "1048576"}


def ndjson(records):
    return "".join(json.dumps(r) + "\n" for r in records)


def make_rows(first, n):
    rows = []
    for i in range(first, first + n):
        rows.append({"time": T0 + i, "host": f"host_{i % 10}", "v": i % 100,
                     "f": None if i % 7 == 0 else i / 4, "uid": f"u{i}",
                     "payload": {"k": i % 3, "name": f"n{i % 5}"}})
    return rows


def ingest(api, dataset, rows):
    resp = api.request("POST", f"/v1/datasets/{dataset}/ingest", data=ndjson(rows).encode(),
                       headers={"Content-Type": "application/x-ndjson"})
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.fixture(scope="module")
def dataset(server):
    api = server.api()
    api.create_dataset({"id": "q", "time_field": "time", "partition_by": "day",
                        "fields": [{"name": "time", "type": "timestamp"},
                                   {"name": "host", "type": "string"},
                                   {"name": "v", "type": "int64"},
                                   {"name": "f", "type": "float64", "nullable": True},
                                   {"name": "uid", "type": "string"},
                                   {"name": "payload", "type": "json", "nullable": True}]})
    for first in range(0, N, 5000):
        ingest(api, "q", make_rows(first, 5000))
    return "q"


def query(api, sql, **body):
    body["sql"] = sql
    return api.post("/v1/query", body)


def ok_rows(api, sql, **body):
    resp = query(api, sql, **body)
    assert resp.status_code == 200, resp.text
    return resp.json()["rows"]


def test_aggregate_answers_columns_rows_and_stats(api, dataset):
    resp = query(api, "SELECT host, count(*) AS n, sum(v), avg(v), min(f), max(time) FROM q "
                      "GROUP BY host ORDER BY host LIMIT 3")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["columns"] == [{"name": "host", "type": "string"},
                               {"name": "n", "type": "int64"},
                               {"name": "sum(v)", "type": "int64"},
                               {"name": "avg(v)", "type": "float64"},
                               {"name": "min(f)", "type": "float64"},
                               {"name": "max(time)", "type": "timestamp"}]
    host0 = [i for i in range(N) if i % 10 == 0]
    assert body["rows"][0] == ["host_0", len(host0), sum(i % 100 for i in host0),
                               sum(i % 100 for i in host0) / len(host0),
                               min(i / 4 for i in host0 if i % 7), "2016-01-01T05:33:10Z"]
    assert [r[0] for r in body["rows"]] == ["host_0", "host_1", "host_2"]
    assert body["next_cursor"] is None
    stats = body["stats"]
    assert stats["rows_scanned"] == N
    assert stats["rows_returned"] == 3
    assert stats["elapsed_ms"] >= 0 and stats["snapshot_seq"] >= N


def test_filters_parameters_and_expressions(api, dataset):
    rows = ok_rows(api, "SELECT uid, v * 2 + 1, upper(host), f IS NULL, payload->>'name' "
                        "FROM q WHERE time >= $from AND time < $to AND v BETWEEN $1 AND 5 "
                        "ORDER BY time",
                   params={"from": "2016-01-01T00:00:00Z", "to": "2016-01-01T00:01:40Z",
                           "1": 3})
    assert rows == [[f"u{i}", 2 * (i % 100) + 1, f"HOST_{i % 10}", i % 7 == 0, f"n{i % 5}"]
                    for i in range(100) if 3 <= i % 100 <= 5]
    # A parameter is a value, never SQL text.
    rows = ok_rows(api, "SELECT count(*) FROM q WHERE host = $h",
                   params={"h": "host_1' OR '1'='1"})
    assert rows == [[0]]
    # Positional parameters from an array.
    assert ok_rows(api, "SELECT count(*) FROM q WHERE v = $1 AND host = $2",
                   params=[7, "host_7"]) == [[N // 100]]


def test_null_semantics_and_case(api, dataset):
    rows = ok_rows(api, "SELECT count(*), count(f), sum(CASE WHEN f IS NULL THEN 1 ELSE 0 END) "
                        "FROM q")
    nulls = sum(1 for i in range(N) if i % 7 == 0)
    assert rows == [[N, N - nulls, nulls]]
    assert ok_rows(api, "SELECT NULL = NULL, NULL IS NULL, coalesce(NULL, 2), 1 / 0") == \
        [[None, True, 2, None]]


def test_time_buckets_like_tsbs(api, dataset):
    rows = ok_rows(api, "SELECT time_bucket('60 seconds', time) AS minute, max(v) AS max_v "
                        "FROM q WHERE host IN ('host_1') AND time >= '2016-01-01T00:00:00Z' "
                        "AND time < '2016-01-01T00:05:00Z' GROUP BY minute ORDER BY minute")
    assert [r[0] for r in rows] == [f"2016-01-01T00:0{m}:00Z" for m in range(5)]
    assert rows[0][1] == max(i % 100 for i in range(60) if i % 10 == 1)
    # groupby-orderby-limit: no lower time bound.
    rows = ok_rows(api, "SELECT time_bucket('60 seconds', time) AS minute, max(v) FROM q "
                        "WHERE time < '2016-01-01T01:00:00Z' GROUP BY minute "
                        "ORDER BY minute DESC LIMIT 5")
    assert [r[0] for r in rows] == [f"2016-01-01T00:5{m}:00Z" for m in range(9, 4, -1)]


def test_double_groupby_with_cte_and_lastpoint(api, dataset):
    rows = ok_rows(api, "WITH a AS (SELECT time_bucket('3600 seconds', time) AS hour, host, "
                        "avg(v) AS mean_v FROM q WHERE time < '2016-01-01T02:00:00Z' "
                        "GROUP BY 1, 2) SELECT hour, host, mean_v FROM a ORDER BY hour, host")
    assert len(rows) == 20
    assert rows[0][:2] == ["2016-01-01T00:00:00Z", "host_0"]
    rows = ok_rows(api, "SELECT DISTINCT ON (host) host, time, v FROM q "
                        "ORDER BY host, time DESC")
    assert [r[0] for r in rows] == [f"host_{k}" for k in range(10)]
    last = N - 10
    assert rows[0] == ["host_0", "2016-01-01T05:33:10Z", last % 100]


def test_explain_shows_pushdown_and_pruning(api, dataset):
    rows = ok_rows(api, "EXPLAIN SELECT max(v) FROM q WHERE host = 'host_1' AND "
                        "time >= '2016-01-01T00:00:00Z' AND time < '2016-01-01T01:00:00Z'")
    text = "\n".join(r[0] for r in rows)
    assert "Scan q" in text
    assert "time [2016-01-01T00:00:00Z, 2016-01-01T01:00:00Z)" in text
    assert "pushed [host = 'host_1']" in text
    assert "partitions:" in text and "chunks:" in text
    assert "HashAggregate" in text
    rows = ok_rows(api, "EXPLAIN ANALYZE SELECT count(*) FROM q")
    assert "rows_scanned=%d" % N in rows[-1][0]


@pytest.mark.parametrize("sql,code,detail", [
    ("SELEC 1", "sql_syntax", "line 1, column 1"),
    ("SELECT * FORM q", "sql_syntax", "column 10"),
    ("SELECT hots FROM q", "sql_semantic", "unknown column 'hots'; did you mean 'host'?"),
    ("SELECT v FROM qq", "sql_semantic", "dataset 'qq' does not exist"),
    ("SELECT host, count(*) FROM q", "sql_semantic", "must appear in GROUP BY"),
    ("SELECT 1 FROM q WHERE time > 'soon'", "sql_semantic", "not an RFC 3339 timestamp"),
    ("SELECT $missing", "sql_semantic", "parameter $missing has no value"),
    ("SELECT CAST('x' AS int)", "invalid_cast", '"x"'),
    ("SELECT 9223372036854775807 + v FROM q", "numeric_overflow", "overflow"),
])
def test_errors_are_400_problems_with_positions(api, dataset, sql, code, detail):
    resp = query(api, sql)
    body = assert_problem(resp, 400, code)
    assert detail in body["detail"], body["detail"]


def test_bad_requests(api, dataset):
    assert_problem(api.post("/v1/query", {"sql": 1}), 400, "invalid_parameter")
    assert_problem(api.post("/v1/query", {"sql": "SELECT 1", "limit": 0}), 400,
                   "invalid_parameter")
    assert_problem(api.post("/v1/query", {"sql": "SELECT 1", "format": "xml"}), 400,
                   "invalid_parameter")
    assert_problem(api.post("/v1/query", {"sql": "SELECT 1", "bogus": 1}), 400,
                   "invalid_parameter")
    assert_problem(api.post("/v1/query", {}), 400, "invalid_parameter")
    assert_problem(api.post("/v1/query", {"sql": "SELECT 1", "params": {"a": [1]}}), 400,
                   "invalid_parameter")
    assert_problem(api.request("POST", "/v1/query", data=b"{", headers={
        "Content-Type": "application/json"}), 400)
    assert_problem(api.post("/v1/query", {"sql": "SELECT " + "1+" * 200000 + "1"}), 413)
    assert_problem(api.post("/v1/query", {"sql": "SELECT " + "(" * 5000 + "1" + ")" * 5000}),
                   400, "sql_syntax")
    assert_problem(api.post("/v1/query", {"sql": "SELECT 1"}, auth=False), 401)


def test_dataset_scoped_route(api, dataset):
    resp = api.post("/v1/datasets/q/query", {"sql": "SELECT count(*) FROM q"})
    assert resp.status_code == 200 and resp.json()["rows"] == [[N]]
    assert_problem(api.post("/v1/datasets/nope/query", {"sql": "SELECT 1"}), 404)
    api.create_dataset({"id": "other", "fields": [{"name": "x", "type": "int64"}]})
    body = assert_problem(api.post("/v1/datasets/q/query", {"sql": "SELECT x FROM other"}),
                          400, "sql_semantic")
    assert "does not exist" in body["detail"]


def test_ndjson_and_csv_stream(api, dataset):
    resp = api.request("POST", "/v1/query", json_body={
        "sql": "SELECT uid, v, f, time, payload FROM q WHERE v = 1 ORDER BY time LIMIT 3"},
        headers={"Accept": "application/x-ndjson"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"] == "application/x-ndjson"
    assert resp.headers.get("Transfer-Encoding") == "chunked"
    lines = [json.loads(line) for line in resp.text.splitlines()]
    assert lines[0] == {"uid": "u1", "v": 1, "f": 0.25, "time": "2016-01-01T00:00:01Z",
                        "payload": {"k": 1, "name": "n1"}}
    assert len(lines) == 3
    resp = query(api, "SELECT uid, f, payload FROM q WHERE v = 0 ORDER BY time LIMIT 2",
                 format="csv")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(resp.text)))
    assert table == [["uid", "f", "payload"], ["u0", "", '{"k":0,"name":"n0"}'],
                     ["u100", "25", '{"k":1,"name":"n0"}']]


def test_stream_beyond_max_rows_ends_with_an_error_line(api, dataset):
    resp = query(api, "SELECT uid FROM q", format="ndjson")
    assert resp.status_code == 200
    lines = resp.text.splitlines()
    assert len(lines) == 5001
    last = json.loads(lines[-1])
    assert last["error"]["code"] == "row_limit_exceeded"
    # With an explicit limit the stream is cut silently.
    resp = query(api, "SELECT uid FROM q", format="ndjson", limit=10)
    assert len(resp.text.splitlines()) == 10


def test_cursor_pages_are_consistent_while_ingesting(api, server):
    api.create_dataset({"id": "pages", "time_field": "time",
                        "fields": [{"name": "time", "type": "timestamp"},
                                   {"name": "id", "type": "int64"},
                                   {"name": "v", "type": "int64"}]})
    base = [{"time": T0 + i, "id": i, "v": (i * 7919) % 1000} for i in range(6000)]
    for first in range(0, 6000, 2000):
        ingest(api, "pages", base[first:first + 2000])
    stop = threading.Event()
    written = []

    def writer():
        client = server.api()
        k = 6000
        while not stop.is_set() and k < 20000:
            batch = [{"time": T0 + k + j, "id": k + j, "v": 5} for j in range(200)]
            ingest(client, "pages", batch)
            written.append(k)
            k += 200
            time.sleep(0.01)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for sql in ["SELECT id FROM pages", "SELECT id, v FROM pages ORDER BY v DESC"]:
            seen = []
            resp = query(api, sql, limit=700)
            snapshot = resp.json()["stats"]["snapshot_seq"]
            pages = 0
            while True:
                assert resp.status_code == 200, resp.text
                body = resp.json()
                assert body["stats"]["snapshot_seq"] == snapshot
                seen.extend(r[0] for r in body["rows"])
                pages += 1
                if body["next_cursor"] is None or pages > 50:
                    break
                resp = api.post("/v1/query", {"cursor": body["next_cursor"]})
            # One writer commits ids in order, so the snapshot holds ids 0..snapshot-1: every
            # one exactly once, and nothing committed after the first page.
            assert snapshot >= 6000
            assert pages == (snapshot + 699) // 700, sql
            assert sorted(seen) == list(range(snapshot)), sql
    finally:
        stop.set()
        thread.join(timeout=30)
    assert written, "the writer never ran"


def test_cursor_checks(api, dataset):
    body = query(api, "SELECT uid FROM q", limit=10).json()
    cursor = body["next_cursor"]
    assert cursor
    tampered = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    assert_problem(api.post("/v1/query", {"cursor": tampered}), 400, "invalid_cursor")
    assert_problem(api.post("/v1/query", {"cursor": cursor, "sql": "SELECT v FROM q"}), 400,
                   "invalid_cursor")
    assert_problem(api.post("/v1/datasets/q/query", {"cursor": cursor}), 400, "invalid_cursor")
    assert_problem(api.post("/v1/query", {"cursor": "garbage"}), 400, "invalid_cursor")
    resp = api.post("/v1/query", {"cursor": cursor, "sql": "SELECT uid FROM q"})
    assert resp.status_code == 200 and len(resp.json()["rows"]) == 10


def test_memory_limit_answers_422(api, dataset):
    resp = query(api, "SELECT uid, count(*) FROM q GROUP BY uid")
    assert_problem(resp, 422, "query_memory_limit")
    assert ok_rows(api, "SELECT count(*) FROM q") == [[N]]


def test_timeout_answers_504(api, server):
    api.create_dataset({"id": "slow", "time_field": "time",
                        "fields": [{"name": "time", "type": "timestamp"},
                                   {"name": "s", "type": "string"}]})
    for first in range(0, 200000, 10000):
        ingest(api, "slow", [{"time": T0 + i, "s": f"value-{i}-{i * 7919 % 10007}"}
                             for i in range(first, first + 10000)])
    # String work on every row of several batches; the deadline is checked between batches.
    resp = query(api, "SELECT count(*) FROM slow WHERE lower(s) LIKE '%9%9%' OR s || s LIKE '%x%'",
                 timeout_ms=1)
    assert_problem(resp, 504, "query_timeout")
    assert ok_rows(api, "SELECT count(*) FROM slow") == [[200000]]


def test_client_disconnect_mid_stream_leaves_the_server_serving(api, dataset, server):
    request = json.dumps({"sql": "SELECT uid, payload FROM q", "format": "ndjson",
                          "limit": 5000}).encode()
    for _ in range(3):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        sock.sendall(b"POST /v1/query HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                     server.bootstrap_key.encode() + b"\r\nContent-Type: application/json\r\n"
                     b"Content-Length: " + str(len(request)).encode() + b"\r\n\r\n" + request)
        first = sock.recv(1024)
        assert first.startswith(b"HTTP/1.1 200"), first[:100]
        sock.close()
    assert ok_rows(api, "SELECT count(*) FROM q") == [[N]]


def test_result_cache_hits_until_a_commit(api, server):
    api.create_dataset({"id": "cached", "time_field": "time",
                        "fields": [{"name": "time", "type": "timestamp"},
                                   {"name": "v", "type": "int64"}]})
    ingest(api, "cached", [{"time": T0 + i, "v": i} for i in range(100)])
    sql = "SELECT sum(v) FROM cached WHERE v >= $lo"
    first = query(api, sql, params={"lo": 10})
    assert first.headers["Strata-Cache"] == "miss"
    again = query(api, sql, params={"lo": 10})
    assert again.headers["Strata-Cache"] == "hit"
    assert again.json()["rows"] == first.json()["rows"] == [[sum(range(10, 100))]]
    # Other parameters are another entry.
    assert query(api, sql, params={"lo": 20}).headers["Strata-Cache"] == "miss"
    # A commit changes the dataset's version: the next answer is computed afresh.
    ingest(api, "cached", [{"time": T0 + 100, "v": 1000}])
    fresh = query(api, sql, params={"lo": 10})
    assert fresh.headers["Strata-Cache"] == "miss"
    assert fresh.json()["rows"] == [[sum(range(10, 100)) + 1000]]
    # A delete too.
    assert api.delete("/v1/datasets/cached/records", params={"filter": "v = 1000"}).json() == \
        {"deleted": 1}
    after = query(api, sql, params={"lo": 10})
    assert after.headers["Strata-Cache"] == "miss"
    assert after.json()["rows"] == [[sum(range(10, 100))]]
    # Streams are never served from the cache.
    assert query(api, sql, params={"lo": 10}, format="ndjson").headers["Strata-Cache"] == "miss"


def test_float_parameters_stay_floats(api, dataset):
    # Regression: 2.0 is a float in JSON as in SQL text, so this is not integer division.
    assert ok_rows(api, "SELECT $p / 4, $q", params={"p": 2.0, "q": 1e3}) == [[0.5, 1000.0]]
    assert ok_rows(api, "SELECT $p / 4", params={"p": 2}) == [[0]]


def read_all_pages(api, sql, limit):
    body = query(api, sql, limit=limit).json()
    rows = list(body["rows"])
    for _ in range(100):
        if body["next_cursor"] is None:
            break
        body = api.post("/v1/query", {"cursor": body["next_cursor"]}).json()
        rows.extend(body["rows"])
    return rows


def test_pages_of_a_limit_without_total_order_do_not_overlap(api, dataset):
    # Regression: the last page of a chain was read in another order than the first.
    for sql, page, total in [("SELECT uid FROM q LIMIT 1000", 750, 1000),
                             ("SELECT DISTINCT v FROM q LIMIT 80", 30, 80),
                             ("SELECT v, count(*) FROM q GROUP BY v LIMIT 80", 30, 80)]:
        rows = read_all_pages(api, sql, page)
        assert len(rows) == total and len({r[0] for r in rows}) == total, sql


def test_cached_first_page_continues_its_own_statement(api, dataset):
    # Regression: two statements with the same first page shared one cached cursor.
    assert len(read_all_pages(api, "SELECT uid FROM q WHERE v < 50 LIMIT 2251", 750)) == 2251
    assert len(read_all_pages(api, "SELECT uid FROM q WHERE v < 50 LIMIT 3000", 750)) == 3000


def test_a_page_over_a_mebibyte_is_streamed_whole(api, dataset):
    # Each row's columns four times over: about 1.5 MB for 5,000 rows, sent in chunks.
    columns = ", ".join(f"time AS t{c}, host AS h{c}, v AS v{c}, f AS f{c}, uid AS u{c}, "
                        f"payload AS p{c}" for c in range(4))
    resp = query(api, f"SELECT {columns} FROM q LIMIT 5000")
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.headers.get("Transfer-Encoding") == "chunked"
    assert "Content-Length" not in resp.headers
    assert len(resp.content) > 1 << 20
    page = resp.json()
    assert len(page["rows"]) == 5000
    assert len({row[4] for row in page["rows"]}) == 5000
    assert all(row[0:6] == row[18:24] and row[2] == int(row[4][1:]) % 100
               for row in page["rows"])
    assert page["next_cursor"] is None
    assert page["stats"]["rows_returned"] == 5000
    # A small page keeps its Content-Length.
    small = query(api, "SELECT v FROM q ORDER BY time LIMIT 3")
    assert small.headers["Content-Length"] == str(len(small.content))
