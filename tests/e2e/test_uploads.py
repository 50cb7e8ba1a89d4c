"""tus 1.0 resumable uploads end to end (CONVENTIONS.md §2): discovery, creation (with and
without a first chunk, with a deferred length), appends at checked offsets (wrong offset
409, checksum mismatch 460), an upload interrupted and resumed from HEAD's offset, a restart
in the middle of an upload, termination, expiry; and the ingest job that a completed upload
starts (its id in the final answer and in HEAD), with the checks and isolation of
POST /ingest."""

import base64
import hashlib
import json
import os
import signal
import socket
import time

import pytest

from conftest import Server, assert_problem

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"
UPLOAD_SETTINGS = {"ingest.upload_max_bytes": "1048576", "ingest.job_chunk_bytes": "2048"}


@pytest.fixture(scope="module")
def server_options():
    return dict(UPLOAD_SETTINGS)


def metrics_spec(dataset_id):
    return {"id": dataset_id, "time_field": "time",
            "fields": [{"name": "time", "type": "timestamp"},
                       {"name": "host", "type": "string"},
                       {"name": "value", "type": "float64", "nullable": True}]}


def ndjson(count, bad_every=0):
    lines = []
    for i in range(count):
        value = "bad" if bad_every and i % bad_every == 0 else i * 0.5
        lines.append(json.dumps({"time": 1451606400 + i, "host": f"h{i % 3}", "value": value}))
    return ("\n".join(lines) + "\n").encode()


def b64(text):
    return base64.b64encode(text.encode()).decode()


def sha1(data):
    return "sha1 " + base64.b64encode(hashlib.sha1(data).digest()).decode()


def rows(api, dataset_id):
    return api.get(f"/v1/datasets/{dataset_id}").json()["stats"]["rows"]


def create(api, dataset_id, length=None, metadata=None, body=None, headers=None):
    h = dict(TUS)
    if length is not None:
        h["Upload-Length"] = str(length)
    if metadata:
        h["Upload-Metadata"] = metadata
    if body is not None:
        h["Content-Type"] = OCTETS
    h.update(headers or {})
    return api.request("POST", f"/v1/datasets/{dataset_id}/uploads", data=body, headers=h)


def created_path(resp, dataset_id):
    assert resp.status_code == 201, resp.text
    assert resp.headers["Tus-Resumable"] == "1.0.0"
    location = resp.headers["Location"]
    assert location.startswith(f"/v1/datasets/{dataset_id}/uploads/"), location
    return location


def patch(api, path, offset, data, headers=None):
    h = dict(TUS)
    h.update({"Content-Type": OCTETS, "Upload-Offset": str(offset)})
    h.update(headers or {})
    return api.request("PATCH", path, data=data, headers=h)


def head(api, path):
    return api.request("HEAD", path, headers=TUS)


def wait_job(api, job_id, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        resp = api.get(f"/v1/jobs/{job_id}")
        assert resp.status_code == 200, resp.text
        job = resp.json()
        if job["state"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def assert_tus_problem(resp, status, code):
    assert resp.headers.get("Tus-Resumable") == "1.0.0", resp.headers
    return assert_problem(resp, status, code)


# -- discovery and creation --------------------------------------------------------------


def test_options_advertises_the_extensions_without_credentials(api):
    resp = api.request("OPTIONS", "/v1/datasets/anything/uploads", auth=False)
    assert resp.status_code == 204, resp.text
    assert resp.headers["Tus-Version"] == "1.0.0"
    assert resp.headers["Tus-Resumable"] == "1.0.0"
    assert set(resp.headers["Tus-Extension"].split(",")) == {
        "creation", "creation-with-upload", "creation-defer-length", "termination", "checksum",
        "expiration"}
    assert resp.headers["Tus-Max-Size"] == UPLOAD_SETTINGS["ingest.upload_max_bytes"]
    assert "sha1" in resp.headers["Tus-Checksum-Algorithm"].split(",")


def test_requests_without_the_tus_version_are_412(api):
    api.create_dataset(metrics_spec("version"))
    resp = api.request("POST", "/v1/datasets/version/uploads", headers={"Upload-Length": "10"})
    assert_tus_problem(resp, 412, "tus_version_unsupported")
    assert resp.headers["Tus-Version"] == "1.0.0"
    resp = create(api, "version", 10, headers={"Tus-Resumable": "0.2.2"})
    assert_tus_problem(resp, 412, "tus_version_unsupported")


def test_creation_headers_are_checked(api):
    api.create_dataset(metrics_spec("creation"))
    assert_tus_problem(create(api, "creation"), 400, "invalid_upload_length")
    assert_tus_problem(create(api, "creation", 10, headers={"Upload-Defer-Length": "1"}), 400,
                       "invalid_upload_length")
    assert_tus_problem(create(api, "creation", headers={"Upload-Length": "ten"}), 400,
                       "invalid_header")
    assert_tus_problem(create(api, "creation", 2 << 20), 413, "upload_too_large")
    assert_tus_problem(create(api, "creation", 10, metadata="a a,a b"), 400,
                       "invalid_upload_metadata")
    assert_tus_problem(create(api, "creation", 10, metadata="content-type " + b64("image/png")),
                       415, "unsupported_media_type")
    assert_tus_problem(create(api, "nope", 10), 404, None)
    resp = api.request("POST", "/v1/datasets/creation/uploads", data=b"x",
                       headers=dict(TUS, **{"Upload-Length": "1",
                                            "Content-Type": "application/json"}))
    assert_tus_problem(resp, 415, "unsupported_media_type")
    resp = create(api, "creation", 10, metadata="filename " + b64("a.ndjson") + ",flag")
    path = created_path(resp, "creation")
    assert resp.headers["Upload-Offset"] == "0"
    assert "GMT" in resp.headers["Upload-Expires"]
    got = head(api, path)
    assert got.status_code == 200
    assert got.headers["Upload-Offset"] == "0" and got.headers["Upload-Length"] == "10"
    assert got.headers["Upload-Metadata"] == "filename " + b64("a.ndjson") + ",flag"
    assert got.headers["Cache-Control"] == "no-store"
    assert got.headers["Tus-Resumable"] == "1.0.0"


# -- the upload protocol ------------------------------------------------------------------


def test_upload_in_chunks_starts_an_ingest_job(api):
    api.create_dataset(metrics_spec("chunks"))
    body = ndjson(500, bad_every=50)
    path = created_path(create(api, "chunks", len(body)), "chunks")
    offset = 0
    for size in (1000, 7000, len(body)):
        piece = body[offset:offset + size]
        resp = patch(api, path, offset, piece, headers={"Upload-Checksum": sha1(piece)})
        assert resp.status_code == 204, resp.text
        assert resp.headers["Tus-Resumable"] == "1.0.0"
        offset += len(piece)
        assert resp.headers["Upload-Offset"] == str(offset)
        if offset < len(body):
            assert "Strata-Job-Id" not in resp.headers
            assert "Upload-Expires" in resp.headers
    job_id = resp.headers["Strata-Job-Id"]
    assert resp.headers["Link"] == f'</v1/jobs/{job_id}>; rel="monitor"'
    got = head(api, path)
    assert got.headers["Strata-Job-Id"] == job_id
    assert got.headers["Upload-Offset"] == str(len(body))
    job = wait_job(api, job_id)
    assert job["state"] == "succeeded", job
    assert job["upload_id"] == path.rsplit("/", 1)[1]
    assert job["content_type"] == "application/x-ndjson"
    assert (job["accepted"], job["rejected"]) == (490, 10)
    assert [e["index"] for e in job["errors"]] == list(range(0, 500, 50))
    assert rows(api, "chunks") == 490
    # The job is what ingests a complete upload: it cannot be terminated.
    assert_tus_problem(api.request("DELETE", path, headers=TUS), 409, "upload_complete")


def test_wrong_offset_is_409_and_writes_nothing(api):
    api.create_dataset(metrics_spec("offsets"))
    path = created_path(create(api, "offsets", 100), "offsets")
    assert patch(api, path, 0, b"x" * 10).status_code == 204
    body = assert_tus_problem(patch(api, path, 0, b"y" * 10), 409, "upload_offset_mismatch")
    assert body["errors"][0]["header"] == "Upload-Offset"
    assert_tus_problem(patch(api, path, 50, b"y" * 10), 409, "upload_offset_mismatch")
    assert head(api, path).headers["Upload-Offset"] == "10"
    assert_tus_problem(patch(api, path, 10, b"z", headers={"Content-Type": "text/plain"}), 415,
                       "unsupported_media_type")
    assert_tus_problem(patch(api, path, 10, b"z" * 91), 413, "upload_length_exceeded")
    resp = api.request("PATCH", path, data=b"z", headers=dict(TUS, **{"Content-Type": OCTETS}))
    assert_tus_problem(resp, 400, "missing_header")


def test_checksum_mismatch_is_460_and_the_chunk_is_discarded(api):
    api.create_dataset(metrics_spec("checksums"))
    body = ndjson(20)
    path = created_path(create(api, "checksums", len(body)), "checksums")
    resp = patch(api, path, 0, body[:100], headers={"Upload-Checksum": sha1(b"other bytes")})
    assert_tus_problem(resp, 460, "checksum_mismatch")
    assert head(api, path).headers["Upload-Offset"] == "0"
    assert_tus_problem(patch(api, path, 0, body, headers={"Upload-Checksum": "crc32 AAAAAA=="}),
                       400, "checksum_algorithm_unsupported")
    assert_tus_problem(patch(api, path, 0, body, headers={"Upload-Checksum": "sha1 abc"}), 400,
                       "invalid_checksum")
    md5 = "md5 " + base64.b64encode(hashlib.md5(body).digest()).decode()
    resp = patch(api, path, 0, body, headers={"Upload-Checksum": md5})
    assert resp.status_code == 204, resp.text
    assert wait_job(api, resp.headers["Strata-Job-Id"])["accepted"] == 20


def test_interrupted_patch_resumes_from_heads_offset(api, server):
    api.create_dataset(metrics_spec("resume"))
    body = ndjson(300)
    path = created_path(create(api, "resume", len(body)), "resume")
    assert patch(api, path, 0, body[:4000]).status_code == 204
    # The connection drops in the middle of the next PATCH's body.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        head_lines = [f"PATCH {path} HTTP/1.1", "Host: x", f"Authorization: Bearer {api.key}",
                      "Tus-Resumable: 1.0.0", f"Content-Type: {OCTETS}", "Upload-Offset: 4000",
                      f"Content-Length: {len(body) - 4000}"]
        sock.sendall(("\r\n".join(head_lines) + "\r\n\r\n").encode() + body[4000:6000])
        time.sleep(0.2)
    resumed_at = int(head(api, path).headers["Upload-Offset"])
    assert resumed_at == 4000  # Only acknowledged bytes count.
    resp = patch(api, path, resumed_at, body[resumed_at:])
    assert resp.status_code == 204, resp.text
    job = wait_job(api, resp.headers["Strata-Job-Id"])
    assert job["state"] == "succeeded" and job["accepted"] == 300, job
    assert rows(api, "resume") == 300


def test_creation_with_upload_and_deferred_length(api):
    api.create_dataset(metrics_spec("shapes"))
    csv = "time,host,value\n" + "".join(f"{1451606400 + i},h,{i}\n" for i in range(50))
    resp = create(api, "shapes", len(csv), metadata="content-type " + b64("text/csv"),
                  body=csv.encode())
    created_path(resp, "shapes")
    assert resp.headers["Upload-Offset"] == str(len(csv))
    job = wait_job(api, resp.headers["Strata-Job-Id"])
    assert job["state"] == "succeeded" and job["accepted"] == 50 and job["content_type"] == "text/csv"

    body = ndjson(40)
    resp = create(api, "shapes", headers={"Upload-Defer-Length": "1"}, body=body[:500])
    path = created_path(resp, "shapes")
    got = head(api, path)
    assert got.headers["Upload-Defer-Length"] == "1" and "Upload-Length" not in got.headers
    resp = patch(api, path, 500, body[500:], headers={"Upload-Length": str(len(body))})
    assert resp.status_code == 204, resp.text
    assert wait_job(api, resp.headers["Strata-Job-Id"])["accepted"] == 40
    assert rows(api, "shapes") == 90


def test_upload_jobs_validate_like_post_ingest(api):
    api.create_dataset(metrics_spec("strict"))
    body = b'{"time": 1451606400, "host": "a", "extra": 1}\n{"time": 1451606401, "host": "b"}\n'
    sync = api.request("POST", "/v1/datasets/strict/ingest", data=body,
                       headers={"Content-Type": "application/x-ndjson"},
                       params={"dry_run": "true"}).json()
    resp = create(api, "strict", len(body), body=body)
    job = wait_job(api, resp.headers["Strata-Job-Id"])
    assert (job["accepted"], job["rejected"]) == (sync["accepted"], sync["rejected"]) == (1, 1)
    assert job["errors"] == sync["errors"]
    assert job["errors"][0]["code"] == "unknown_field"
    atomic = create(api, "strict", len(body), metadata="mode " + b64("atomic"), body=body)
    failed = wait_job(api, atomic.headers["Strata-Job-Id"])
    assert failed["state"] == "failed" and failed["error"]["code"] == "records_invalid"
    assert rows(api, "strict") == 1


def test_uploads_are_isolated_by_dataset(api):
    api.create_dataset(metrics_spec("iso_a"))
    api.create_dataset(metrics_spec("iso_b"))
    path = created_path(create(api, "iso_a", 100), "iso_a")
    upload_id = path.rsplit("/", 1)[1]
    other = f"/v1/datasets/iso_b/uploads/{upload_id}"
    assert head(api, other).status_code == 404
    assert_tus_problem(patch(api, other, 0, b"x"), 404, "upload_not_found")
    assert_tus_problem(api.request("DELETE", other, headers=TUS), 404, "upload_not_found")
    assert head(api, path).status_code == 200
    assert head(api, "/v1/datasets/iso_a/uploads/unknown").status_code == 404
    assert api.request("HEAD", path, headers=TUS, auth=False).status_code == 401


def test_termination_removes_the_upload(api, server):
    api.create_dataset(metrics_spec("terminate"))
    path = created_path(create(api, "terminate", 100), "terminate")
    assert patch(api, path, 0, b"abc").status_code == 204
    upload_file = os.path.join(server.data_dir, "uploads", path.rsplit("/", 1)[1])
    assert os.path.getsize(upload_file) == 3
    resp = api.request("DELETE", path, headers=TUS)
    assert resp.status_code == 204 and resp.headers["Tus-Resumable"] == "1.0.0"
    assert not os.path.exists(upload_file)
    assert head(api, path).status_code == 404
    assert_tus_problem(patch(api, path, 3, b"d"), 404, "upload_not_found")


# -- restarts and expiry -------------------------------------------------------------------


@pytest.fixture
def own_server():
    srv = Server(settings=UPLOAD_SETTINGS, name="uploads-restart")
    try:
        srv.start()
        yield srv
    finally:
        srv.cleanup()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_partial_upload_survives_a_restart(own_server, sig):
    api = own_server.api()
    api.create_dataset(metrics_spec("restart"))
    body = ndjson(400)
    path = created_path(create(api, "restart", len(body)), "restart")
    assert patch(api, path, 0, body[:9000]).status_code == 204
    if sig == signal.SIGTERM:
        own_server.stop_and_check()
    else:
        own_server.stop(sig)
    own_server.start()
    api = own_server.api()
    got = head(api, path)
    assert got.status_code == 200
    assert got.headers["Upload-Offset"] == "9000"
    resp = patch(api, path, 9000, body[9000:])
    assert resp.status_code == 204, resp.text
    job = wait_job(api, resp.headers["Strata-Job-Id"])
    assert job["state"] == "succeeded" and job["accepted"] == 400, job
    assert rows(api, "restart") == 400
    assert os.listdir(os.path.join(own_server.data_dir, "uploads")) == []


def test_stale_uploads_expire_and_are_removed():
    srv = Server(settings=dict(UPLOAD_SETTINGS, **{"ingest.upload_expiry_seconds": "2"}),
                 name="uploads-expiry")
    try:
        srv.start()
        api = srv.api()
        api.create_dataset(metrics_spec("expiry"))
        path = created_path(create(api, "expiry", 100), "expiry")
        assert patch(api, path, 0, b"abc").status_code == 204
        upload_file = os.path.join(srv.data_dir, "uploads", path.rsplit("/", 1)[1])
        assert os.path.exists(upload_file)
        # An empty PATCH at the current offset changes nothing (and does not extend the
        # expiry): 204 until the upload expires, 410 until the reaper (every second here)
        # removes it, then 404.
        deadline = time.monotonic() + 20
        statuses = []
        while time.monotonic() < deadline:
            resp = patch(api, path, 3, b"")
            statuses.append(resp.status_code)
            if resp.status_code == 410:
                body = assert_tus_problem(resp, 410, "upload_expired")
                assert "expired" in body["detail"]
            if resp.status_code == 404:
                assert_tus_problem(resp, 404, "upload_not_found")
                break
            assert resp.status_code in (204, 410), resp.text
            time.sleep(0.05)
        assert statuses[0] == 204 and statuses[-1] == 404, statuses
        assert 410 in statuses, statuses
        assert not os.path.exists(upload_file)
        assert head(api, path).status_code == 404
        srv.stop_and_check()
    finally:
        srv.cleanup()
