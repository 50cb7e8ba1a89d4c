"""DELETE /v1/datasets/{id}/records as a job end to end: small deletes answer 200
{"deleted": N}; deletes of at least records.delete_job_rows rows are committed at once and
answer 202 with Location: /v1/jobs/{id}, a delete job that erases the rows from storage
(polled to succeeded, with its progress); ?async=true answers 202 before counting and the
job counts, deletes and erases; bad input is answered synchronously; a job on a dataset the
caller cannot see is 404; cancelling a finished job is 409."""

import json
import time

import pytest

from conftest import assert_problem, wait_job

T0 = 1451606400
DELETE_JOB_ROWS = 100


@pytest.fixture(scope="module")
def server_options():
    return {"records.delete_job_rows": str(DELETE_JOB_ROWS),
            "storage.flush_interval_ms": "20"}


def create(api, dataset):
    api.create_dataset({"id": dataset, "time_field": "time",
                        "fields": [{"name": "time", "type": "timestamp"},
                                   {"name": "host", "type": "string"},
                                   {"name": "v", "type": "int64"}]})


def ingest(api, dataset, first, count):
    body = "".join(json.dumps({"time": T0 + i, "host": f"h{i % 4}", "v": i % 10}) + "\n"
                   for i in range(first, first + count))
    resp = api.request("POST", f"/v1/datasets/{dataset}/ingest", data=body.encode(),
                       headers={"Content-Type": "application/x-ndjson"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["accepted"] == count


def stats(api, dataset):
    resp = api.get(f"/v1/datasets/{dataset}")
    assert resp.status_code == 200, resp.text
    return resp.json()["stats"]


def wait_flushed(api, dataset, timeout=20.0):
    """Waits until the background flusher wrote every row to segments."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stats(api, dataset)["unflushed_rows"] == 0:
            return
        time.sleep(0.02)
    raise AssertionError(f"{dataset}: rows still unflushed after {timeout} s")


def load(api, dataset, batches=3, per_batch=400):
    """`batches` flushed segments of `per_batch` rows (hosts h0..h3, a quarter each)."""
    create(api, dataset)
    for batch in range(batches):
        ingest(api, dataset, batch * per_batch, per_batch)
        wait_flushed(api, dataset)


def count(api, dataset, where=""):
    sql = f"SELECT count(*) FROM {dataset}" + (f" WHERE {where}" if where else "")
    resp = api.post("/v1/query", {"sql": sql})
    assert resp.status_code == 200, resp.text
    return resp.json()["rows"][0][0]


def listed(api, dataset, flt):
    resp = api.get(f"/v1/datasets/{dataset}/records", params={"filter": flt, "limit": 10})
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


def delete(api, dataset, flt, **params):
    return api.delete(f"/v1/datasets/{dataset}/records", params={"filter": flt, **params})




def accepted_job(resp):
    assert resp.status_code == 202, resp.text
    job = resp.json()
    assert resp.headers["Location"] == f"/v1/jobs/{job['id']}"
    assert job["type"] == "delete"
    assert set(job["progress"]) == {"segments_total", "segments_rewritten"}
    for member in ("filter", "deleted", "tombstone_seq", "state", "cancel_requested",
                   "created_by", "error", "created_at"):
        assert member in job, member
    for member in ("accepted", "upload_id", "content_type"):
        assert member not in job, member  # Ingest members.
    return job


def test_a_small_delete_answers_its_count(api):
    load(api, "del_small", batches=1)
    resp = delete(api, "del_small", "host = 'h1' AND time < '2016-01-01T00:04:00Z'")
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"deleted": 60}
    assert "Location" not in resp.headers
    assert count(api, "del_small") == 340


def test_a_large_delete_is_committed_at_once_and_a_job_erases_it(api):
    load(api, "del_big")
    before = stats(api, "del_big")
    assert before["rows"] == 1200 and before["segments"] >= 1
    resp = delete(api, "del_big", "host = 'h2'")
    job = accepted_job(resp)
    assert job["dataset"] == "del_big" and job["filter"] == "host = 'h2'"
    assert job["deleted"] == 300
    assert isinstance(job["tombstone_seq"], int) and job["tombstone_seq"] > 1200
    assert job["state"] in ("queued", "running", "succeeded")
    # Gone from every read before the answer.
    assert listed(api, "del_big", "host = 'h2'") == []
    assert count(api, "del_big", "host = 'h2'") == 0

    seen = wait_job(api, job["id"])
    done = seen[-1]
    assert done["state"] == "succeeded", done
    assert done["deleted"] == 300 and done["tombstone_seq"] == job["tombstone_seq"]
    rewritten = [s["progress"]["segments_rewritten"] for s in seen]
    assert rewritten == sorted(rewritten), "progress went backwards"
    assert done["progress"]["segments_rewritten"] == done["progress"]["segments_total"]
    assert done["error"] is None and done["finished_at"]
    # Physically gone: the stored row count no longer includes them.
    assert stats(api, "del_big")["rows"] == 900
    assert count(api, "del_big") == 900
    assert listed(api, "del_big", "host = 'h2'") == []

    # ?async=false keeps the synchronous answer above the threshold.
    resp = delete(api, "del_big", "host = 'h3'", **{"async": "false"})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"deleted": 300}


def test_async_true_answers_at_once_and_the_job_counts_deletes_and_erases(api):
    load(api, "del_async", batches=2)
    resp = delete(api, "del_async", "v < 3", **{"async": "true"})
    job = accepted_job(resp)
    assert job["deleted"] is None and job["tombstone_seq"] is None  # Not counted yet.
    assert job["state"] in ("queued", "running")
    done = wait_job(api, job["id"])[-1]
    assert done["state"] == "succeeded", done
    assert done["deleted"] == 240
    assert isinstance(done["tombstone_seq"], int)
    assert done["progress"]["segments_rewritten"] == done["progress"]["segments_total"]
    assert count(api, "del_async") == 560
    assert listed(api, "del_async", "v < 3") == []
    assert stats(api, "del_async")["rows"] == 560
    # Below the threshold too, async=true makes a job; one that matches nothing succeeds.
    done = wait_job(api, accepted_job(delete(api, "del_async", "v = 99",
                                             **{"async": "true"}))["id"])[-1]
    assert done["state"] == "succeeded" and done["deleted"] == 0
    assert done["tombstone_seq"] is None


def test_bad_requests_are_answered_before_any_job_exists(api):
    load(api, "del_bad", batches=1)
    body = assert_problem(delete(api, "del_bad", "host = 'h1'", **{"async": "bogus"}), 400)
    assert "async" in body["detail"]
    assert any(e.get("parameter") == "async" for e in body.get("errors", [])), body
    for params in ({}, {"async": "true"}):
        assert_problem(api.delete("/v1/datasets/del_bad/records", params=params), 400,
                       "invalid_parameter")
        assert_problem(delete(api, "del_bad", "v =", **params), 400, "sql_syntax")
        assert_problem(delete(api, "del_bad", "nope = 1", **params), 400, "sql_semantic")
        assert_problem(delete(api, "del_bad", "v + 1 > 3", **params), 400, "unsupported_filter")
        assert_problem(delete(api, "del_missing", "v = 1", **params), 404)
    assert count(api, "del_bad") == 400


@pytest.fixture(scope="module")
def outsiders(server):
    """Keys of users without a grant on the admin's datasets, and of a writer (data:write
    but not data:delete) on one of them, del_acl (400 rows, created here)."""
    admin = server.api()
    load(admin, "del_acl", batches=1)
    keys = {}
    for name, grant in (("outsider", None), ("scribe", ("writer", "del_acl"))):
        resp = admin.post("/v1/users", {"name": name})
        assert resp.status_code == 201, resp.text
        if grant:
            resp = admin.post("/v1/grants", {"subject": f"user:{name}", "role": grant[0],
                                             "resource": grant[1]})
            assert resp.status_code == 201, resp.text
        resp = admin.post("/v1/api-keys", {"name": name, "owner": f"user:{name}"})
        assert resp.status_code == 201, resp.text
        keys[name] = server.api(key=resp.json()["key"])
    return keys


def test_a_delete_job_on_another_callers_dataset_is_not_found(api, outsiders):
    job = accepted_job(delete(api, "del_acl", "v < 5"))
    wait_job(api, job["id"])
    outsider, scribe = outsiders["outsider"], outsiders["scribe"]
    # A dataset the caller cannot see: the job answers like one that does not exist.
    missing = assert_problem(outsider.get(f"/v1/jobs/{job['id']}"), 404)
    assert job["id"] in missing["detail"]
    assert_problem(outsider.delete(f"/v1/jobs/{job['id']}"), 404)
    # A visible dataset without data:delete: 403 (data:write is enough for ingest jobs only).
    assert_problem(scribe.get(f"/v1/jobs/{job['id']}"), 403)
    assert_problem(delete(scribe, "del_acl", "v = 7"), 403)
    assert_problem(delete(outsider, "del_acl", "v = 7"), 404)
    assert count(api, "del_acl") == 200


def test_cancelling_a_finished_delete_job_is_a_conflict(api):
    load(api, "del_done", batches=1)
    job = accepted_job(delete(api, "del_done", "host IN ('h0', 'h1')"))
    done = wait_job(api, job["id"])[-1]
    assert done["state"] == "succeeded", done
    body = assert_problem(api.delete(f"/v1/jobs/{job['id']}"), 409, "job_finished")
    assert job["id"] in body["detail"]
    assert api.get(f"/v1/jobs/{job['id']}").json()["state"] == "succeeded"
    assert count(api, "del_done") == 200
