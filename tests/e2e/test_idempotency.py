"""Idempotency-Key on POST /v1/datasets/{id}/ingest (CONVENTIONS.md §4): a retry with the same
key and request gets the first answer back and adds no rows, also after a restart or a crash;
another request with the key is 422; bad keys are 400."""

import json
import signal

from conftest import Server, assert_problem

NDJSON = "application/x-ndjson"
SPEC = {"id": "events", "time_field": "time",
        "fields": [{"name": "time", "type": "timestamp"},
                   {"name": "host", "type": "string"},
                   {"name": "value", "type": "float64", "nullable": True}]}


def body(n, bad=0):
    lines = [{"time": f"2016-01-01T00:00:{i:02d}Z", "host": f"h{i}", "value": i} for i in range(n)]
    lines += [{"time": "2016-01-01T00:01:00Z", "host": "x", "value": "oops"}] * bad
    return "".join(json.dumps(line) + "\n" for line in lines)


def ingest(api, data, key=None, params=None):
    headers = {"Content-Type": NDJSON}
    if key is not None:
        headers["Idempotency-Key"] = key
    return api.request("POST", "/v1/datasets/events/ingest", data=data.encode(), headers=headers,
                       params=params)


def rows(api):
    return api.get("/v1/datasets/events").json()["stats"]["rows"]


def test_retries_replay_the_first_answer_across_restarts():
    srv = Server(name="idempotency")
    try:
        srv.start()
        api = srv.api()
        api.create_dataset(SPEC)
        first = ingest(api, body(5, bad=1), key='"order-1"')
        assert first.status_code == 207, first.text
        assert "Idempotent-Replayed" not in first.headers
        again = ingest(api, body(5, bad=1), key='"order-1"')
        assert again.status_code == 207
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == first.json()
        assert rows(api) == 5
        # A bare token is the same key as the quoted string.
        assert ingest(api, body(5, bad=1), key="order-1").json() == first.json()
        # The key with another request: 422; a new key runs.
        assert_problem(ingest(api, body(6), key="order-1"), 422, "idempotency_key_reused")
        assert ingest(api, body(6), key="order-2").status_code == 200
        assert rows(api) == 11

        srv.stop_and_check()
        srv.start()
        api = srv.api()
        replay = ingest(api, body(5, bad=1), key="order-1")
        assert replay.status_code == 207 and replay.json() == first.json()
        assert rows(api) == 11

        # A crash (SIGKILL) right after acknowledged requests: their answers survive too.
        acked = ingest(api, body(3), key="order-3")
        assert acked.status_code == 200
        srv.stop(sig=signal.SIGKILL)
        srv.start()
        api = srv.api()
        replay = ingest(api, body(3), key="order-3")
        assert replay.status_code == 200 and replay.json() == acked.json()
        assert rows(api) == 14
        srv.stop_and_check()
    finally:
        srv.cleanup()


def test_request_errors_are_replayed_and_bad_keys_refused(api):
    api.create_dataset(SPEC)
    resp = api.request("POST", "/v1/datasets/events/ingest", data=b"x",
                       headers={"Content-Type": "application/xml", "Idempotency-Key": "e1"})
    assert_problem(resp, 415)
    again = api.request("POST", "/v1/datasets/events/ingest", data=b"x",
                        headers={"Content-Type": "application/xml", "Idempotency-Key": "e1"})
    assert_problem(again, 415)
    for bad in ['""', "x" * 256, "caf\u00e9"]:
        resp = api.request("POST", "/v1/datasets/events/ingest", data=body(1).encode(),
                           headers={"Content-Type": NDJSON,
                                    "Idempotency-Key": bad.encode("utf-8")})
        problem = assert_problem(resp, 400)
        assert problem["errors"][0]["header"] == "Idempotency-Key"
    assert rows(api) == 0
