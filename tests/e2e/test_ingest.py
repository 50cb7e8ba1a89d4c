"""POST /v1/datasets/{id}/ingest end to end: every format and Content-Encoding, the three
outcomes 200/207/422, atomic and dry-run modes, record ids in errors, schema evolution,
limits, concurrent writers, and the bad-input corpus in tests/e2e/corpus (each a 4xx problem,
the server stays up, and nothing is committed)."""

import gzip
import json
import os
import subprocess
import threading

import pytest

from conftest import assert_problem

CORPUS = os.path.join(os.path.dirname(__file__), "corpus")

NDJSON = "application/x-ndjson"
CSV = "text/csv"
LP = "text/plain; format=line-protocol"


@pytest.fixture(scope="module")
def server_options():
    # Small limits so that the limit tests stay small; everything else fits under them.
    return {"ingest.max_rows_per_request": "5000", "ingest.max_errors": "5",
            "ingest.max_decoded_body_bytes": "2097152"}


def cpu_spec(dataset_id, **extra):
    spec = {"id": dataset_id, "time_field": "time", "partition_by": "day",
            "record_id_field": "event_id",
            "fields": [{"name": "time", "type": "timestamp"},
                       {"name": "event_id", "type": "string", "nullable": True},
                       {"name": "hostname", "type": "string"},
                       {"name": "usage", "type": "float64", "nullable": True},
                       {"name": "count", "type": "int64", "nullable": True}]}
    spec.update(extra)
    return spec


def ingest(api, dataset_id, body, content_type, params=None, headers=None):
    h = {"Content-Type": content_type}
    h.update(headers or {})
    data = body.encode() if isinstance(body, str) else body
    return api.request("POST", f"/v1/datasets/{dataset_id}/ingest", data=data, headers=h,
                       params=params)


def rows(api, dataset_id):
    resp = api.get(f"/v1/datasets/{dataset_id}")
    assert resp.status_code == 200, resp.text
    return resp.json()["stats"]["rows"]


def ndjson(records):
    return "".join(json.dumps(r) + "\n" for r in records)


def record(i, **overrides):
    r = {"time": f"2016-01-01T00:00:{i % 60:02d}Z", "event_id": f"evt-{i}",
         "hostname": f"host_{i % 3}", "usage": i / 2, "count": i}
    r.update(overrides)
    return r


# -- outcomes ----------------------------------------------------------------------------


def test_all_accepted_is_200_with_the_sequence_range(api):
    api.create_dataset(cpu_spec("ok_all"))
    resp = ingest(api, "ok_all", ndjson([record(i) for i in range(10)]), NDJSON)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["accepted"] == 10 and body["rejected"] == 0
    assert body["last_seq"] - body["first_seq"] == 9
    assert body["schema_version"] == 1 and body["errors"] == []
    assert body["errors_truncated"] is False
    assert rows(api, "ok_all") == 10
    # The next batch continues the sequence.
    again = ingest(api, "ok_all", ndjson([record(10)]), NDJSON).json()
    assert again["first_seq"] == body["last_seq"] + 1


def test_some_rejected_is_207_naming_each_record(api):
    api.create_dataset(cpu_spec("partial"))
    records = [record(0), record(1, usage="high"), record(2), record(3, hostname=None),
               record(4)]
    resp = ingest(api, "partial", json.dumps(records), "application/json")
    assert resp.status_code == 207, resp.text
    body = resp.json()
    assert body["accepted"] == 3 and body["rejected"] == 2
    assert body["last_seq"] - body["first_seq"] == 2
    first, second = body["errors"]
    assert first["index"] == 1 and first["id"] == "evt-1"
    assert first["pointer"] == "/1/usage" and first["code"] == "type_mismatch"
    assert "float64" in first["detail"]
    assert second["index"] == 3 and second["id"] == "evt-3"
    assert second["pointer"] == "/3/hostname" and second["code"] == "null_not_allowed"
    assert rows(api, "partial") == 3


def test_none_accepted_is_422_records_invalid(api):
    api.create_dataset(cpu_spec("none_ok"))
    resp = ingest(api, "none_ok", ndjson([record(0, usage="x"), record(1, count=1.5)]), NDJSON)
    body = assert_problem(resp, 422, "records_invalid")
    assert body["type"] == "/problems/records-invalid"
    assert body["accepted"] == 0 and body["rejected"] == 2
    assert body["first_seq"] is None and body["last_seq"] is None
    assert [e["pointer"] for e in body["errors"]] == ["/0/usage", "/1/count"]
    assert rows(api, "none_ok") == 0


def test_atomic_mode_commits_nothing_when_one_record_fails(api):
    api.create_dataset(cpu_spec("atomic"))
    records = [record(i) for i in range(5)] + [record(5, time="not a time")]
    resp = ingest(api, "atomic", ndjson(records), NDJSON, params={"mode": "atomic"})
    body = assert_problem(resp, 422, "records_invalid")
    assert body["mode"] == "atomic" and body["accepted"] == 0 and body["rejected"] == 1
    assert body["errors"][0]["code"] == "bad_timestamp"
    assert rows(api, "atomic") == 0
    ok = ingest(api, "atomic", ndjson(records[:5]), NDJSON, params={"mode": "atomic"})
    assert ok.status_code == 200 and ok.json()["accepted"] == 5
    assert rows(api, "atomic") == 5


def test_dry_run_reports_and_commits_nothing(api):
    api.create_dataset(cpu_spec("dry"))
    resp = ingest(api, "dry", ndjson([record(0), record(1, count="seven")]), NDJSON,
                  params={"dry_run": "true"})
    assert resp.status_code == 207, resp.text
    body = resp.json()
    assert body["dry_run"] is True and body["accepted"] == 1 and body["rejected"] == 1
    assert body["first_seq"] is None
    assert rows(api, "dry") == 0


def test_errors_are_capped_and_flagged(api):
    api.create_dataset(cpu_spec("capped"))
    records = [record(i, usage="bad") for i in range(8)] + [record(8)]
    body = ingest(api, "capped", ndjson(records), NDJSON).json()
    assert body["rejected"] == 8 and len(body["errors"]) == 5
    assert body["errors_truncated"] is True


# -- formats -----------------------------------------------------------------------------


def test_single_json_object(api):
    api.create_dataset(cpu_spec("single"))
    resp = ingest(api, "single", json.dumps(record(0)), "application/json")
    assert resp.status_code == 200 and resp.json()["accepted"] == 1


def test_ndjson_with_crlf_blank_lines_and_a_bad_line(api):
    api.create_dataset(cpu_spec("ndjson_lines"))
    body = (json.dumps(record(0)) + "\r\n\r\n" + '{"time": "2016-01-01T00:00:01Z", "hostname": \r\n'
            + json.dumps(record(2)) + "\r\n")
    resp = ingest(api, "ndjson_lines", body, NDJSON)
    assert resp.status_code == 207, resp.text
    result = resp.json()
    assert result["accepted"] == 2 and result["rejected"] == 1
    assert result["errors"][0]["index"] == 1 and result["errors"][0]["code"] == "invalid_json"


def test_csv_with_bom_crlf_nulls_and_a_ragged_row(api):
    api.create_dataset(cpu_spec("csv"))
    body = ("\ufefftime,event_id,hostname,usage,count\r\n"
            "2016-01-01T00:00:00Z,e0,host_0,1.5,1\r\n"
            '2016-01-01T00:00:01Z,e1,"host, with comma",,\r\n'
            "2016-01-01T00:00:02Z,e2,host_2\r\n"
            "2016-01-01T00:00:03Z,e3,host_3,abc,3\r\n")
    resp = ingest(api, "csv", body, CSV)
    assert resp.status_code == 207, resp.text
    result = resp.json()
    assert result["accepted"] == 2 and result["rejected"] == 2
    codes = {e["index"]: e["code"] for e in result["errors"]}
    assert codes == {2: "csv_field_count", 3: "type_mismatch"}
    assert result["errors"][1]["id"] == "e3"
    assert result["errors"][1]["pointer"] == "/3/usage"


def test_line_protocol_with_precision(api):
    api.create_dataset(cpu_spec("lp"))
    body = ("lp,hostname=host_0 usage=1.5,count=3i 1451606400\n"
            "# a comment\n"
            "lp,hostname=host_1 usage=2 1451606401\n"
            "other,hostname=host_2 usage=3 1451606402\n"
            "lp,hostname=host_3 usage= 1451606403\n")
    resp = ingest(api, "lp", body, LP, params={"precision": "s"})
    assert resp.status_code == 207, resp.text
    result = resp.json()
    assert result["accepted"] == 2 and result["rejected"] == 2
    codes = [e["code"] for e in result["errors"]]
    assert codes == ["lp_measurement_mismatch", "lp_bad_field_value"]
    bad_precision = ingest(api, "lp", body, LP, params={"precision": "fortnights"})
    assert_problem(bad_precision, 400)


@pytest.mark.parametrize("encoding", ["gzip", "zstd", "br", "gzip, zstd"])
def test_compressed_bodies(api, encoding):
    dataset_id = "enc_" + encoding.replace(", ", "_")
    api.create_dataset(cpu_spec(dataset_id))
    data = ndjson([record(i) for i in range(100)]).encode()
    for coding in [c.strip() for c in encoding.split(",")]:
        if coding == "gzip":
            data = gzip.compress(data)
        elif coding == "zstd":
            data = subprocess.run(["zstd", "-q", "-c"], input=data, capture_output=True,
                                  check=True).stdout
        else:
            data = subprocess.run(["brotli", "-c"], input=data, capture_output=True,
                                  check=True).stdout
    resp = ingest(api, dataset_id, data, NDJSON, headers={"Content-Encoding": encoding})
    assert resp.status_code == 200, resp.text
    assert resp.json()["accepted"] == 100
    assert rows(api, dataset_id) == 100


def test_unknown_encoding_is_415_with_accept_encoding(api):
    api.create_dataset(cpu_spec("enc_unknown"))
    resp = ingest(api, "enc_unknown", "x", NDJSON, headers={"Content-Encoding": "lzma"})
    assert_problem(resp, 415, "unsupported_content_encoding")
    assert "gzip" in resp.headers["Accept-Encoding"]


def test_decompression_bomb_is_413(api):
    api.create_dataset(cpu_spec("bomb"))
    bomb = gzip.compress(b" " * (8 << 20))  # 8 MiB of spaces; the limit is 2 MiB.
    resp = ingest(api, "bomb", bomb, NDJSON, headers={"Content-Encoding": "gzip"})
    body = assert_problem(resp, 413, "payload_too_large")
    assert "ingest.max_decoded_body_bytes" in body["detail"]


# -- schema modes ------------------------------------------------------------------------


def test_strict_mode_rejects_unknown_fields(api):
    api.create_dataset(cpu_spec("strict"))
    resp = ingest(api, "strict", ndjson([record(0, region="eu")]), NDJSON)
    body = assert_problem(resp, 422, "records_invalid")
    assert body["errors"][0]["code"] == "unknown_field"
    assert body["errors"][0]["pointer"] == "/0/region"


def test_evolve_mode_adds_fields_from_the_data(api):
    api.create_dataset(cpu_spec("evolving", schema_mode="evolve"))
    records = [record(0, region="eu", request={"path": "/a", "ms": 12}),
               record(1, region="us", request={"path": "/b", "ms": 15.5})]
    dry = ingest(api, "evolving", ndjson(records), NDJSON, params={"dry_run": "true"})
    assert dry.status_code == 200, dry.text
    assert dry.json()["schema_version"] == 2
    assert api.get("/v1/datasets/evolving/schema").json()["version"] == 1
    resp = ingest(api, "evolving", ndjson(records), NDJSON)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["accepted"] == 2 and body["schema_version"] == 2
    added = {f["name"]: f["type"] for f in body["added_fields"]}
    assert added == {"region": "string", "request.path": "string", "request.ms": "float64"}
    schema = api.get("/v1/datasets/evolving/schema").json()
    assert schema["version"] == 2
    assert {f["name"] for f in schema["fields"]} >= {"region", "request.path", "request.ms"}
    # The same fields again: no new version.
    again = ingest(api, "evolving", ndjson(records), NDJSON).json()
    assert again["schema_version"] == 2 and "added_fields" not in again


# -- limits, permissions, parameters -----------------------------------------------------


def test_too_many_rows_is_413_and_commits_nothing(api):
    api.create_dataset(cpu_spec("too_many"))
    resp = ingest(api, "too_many", ndjson([record(i) for i in range(5001)]), NDJSON)
    assert_problem(resp, 413, "too_many_records")
    assert rows(api, "too_many") == 0


def test_unknown_dataset_and_parameters(api):
    assert_problem(ingest(api, "no_such_dataset", "{}", NDJSON), 404)
    api.create_dataset(cpu_spec("params"))
    assert_problem(ingest(api, "params", "{}", NDJSON, params={"mode": "eventual"}), 400)
    assert_problem(ingest(api, "params", "{}", NDJSON, params={"dry_run": "maybe"}), 400)
    assert_problem(ingest(api, "params", "{}", NDJSON, params={"colour": "red"}), 400)


def test_unauthenticated_is_401(api):
    resp = api.request("POST", "/v1/datasets/params/ingest", data=b"{}", auth=False,
                       headers={"Content-Type": NDJSON})
    assert_problem(resp, 401)


# -- concurrency -------------------------------------------------------------------------


def test_concurrent_writers_lose_and_duplicate_nothing(api, server):
    api.create_dataset(cpu_spec("concurrent"))
    writers, batches, batch_rows = 4, 10, 200
    ranges, failures = [], []
    lock = threading.Lock()

    def write(writer):
        client = server.api()
        for b in range(batches):
            base = (writer * batches + b) * batch_rows
            resp = ingest(client, "concurrent",
                          ndjson([record(base + i) for i in range(batch_rows)]), NDJSON)
            with lock:
                if resp.status_code != 200:
                    failures.append(resp.text)
                else:
                    body = resp.json()
                    ranges.append((body["first_seq"], body["last_seq"]))

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures[:3]
    total = writers * batches * batch_rows
    assert rows(api, "concurrent") == total
    # Sequence ranges tile 1..total exactly: nothing lost, nothing duplicated.
    ranges.sort()
    assert ranges[0][0] == 1 and ranges[-1][1] == total
    for (_, last), (first, _) in zip(ranges, ranges[1:]):
        assert first == last + 1
    assert all(last - first + 1 == batch_rows for first, last in ranges)


# -- the bad-input corpus ----------------------------------------------------------------


def corpus_cases():
    with open(os.path.join(CORPUS, "cases.json")) as f:
        return json.load(f)


@pytest.fixture(scope="module")
def corpus_dataset(server):
    server.api().create_dataset(
        {"id": "corpus", "time_field": "time",
         "fields": [{"name": "time", "type": "timestamp"},
                    {"name": "hostname", "type": "string"},
                    {"name": "usage", "type": "float64", "nullable": True},
                    {"name": "count", "type": "int64", "nullable": True}]})
    return "corpus"


@pytest.mark.parametrize("case", corpus_cases(), ids=lambda c: f"{c[0]}|{c[1] or 'none'}|{c[2]}")
def test_corpus_is_refused_cleanly(api, corpus_dataset, case):
    name, content_type, encoding, status, code = case
    with open(os.path.join(CORPUS, name), "rb") as f:
        data = f.read()
    headers = {}
    if encoding:
        headers["Content-Encoding"] = encoding
    h = {"Content-Type": content_type} if content_type else {}
    h.update(headers)
    resp = api.request("POST", f"/v1/datasets/{corpus_dataset}/ingest", data=data, headers=h,
                       params={"mode": "atomic"})
    assert_problem(resp, status, code)
    assert rows(api, corpus_dataset) == 0
