"""POST /v1/datasets/{id}/detokenize end to end: tokens that are not this dataset's answer
null (never an error), bad requests answer problem+json, and an admin reads pii fields as
stored (the pii default masks them only for callers without pii:read)."""

import json

from conftest import assert_problem


def setup_people(api):
    api.create_dataset({"id": "people", "time_field": "time",
                        "fields": [{"name": "time", "type": "timestamp"},
                                   {"name": "email", "type": "string", "pii": True}]})
    resp = api.request("POST", "/v1/datasets/people/ingest",
                       data=json.dumps({"time": 1451606400, "email": "ana@example.com"}).encode(),
                       headers={"Content-Type": "application/x-ndjson"})
    assert resp.status_code == 200, resp.text


def test_detokenize(api):
    setup_people(api)
    resp = api.post("/v1/query", {"sql": "SELECT email FROM people"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["rows"] == [["ana@example.com"]], "admins hold pii:read"

    resp = api.post("/v1/datasets/people/detokenize",
                    {"field": "email", "tokens": ["tok_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "nope", ""]})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"values": [None, None, None]}
    assert resp.headers["Cache-Control"] == "no-store"
    entries = api.get("/v1/audit", params={"action": "pii.detokenize"}).json()["items"]
    assert len(entries) == 1, entries
    assert entries[0]["dataset"] == "people" and entries[0]["outcome"] == "success"
    assert entries[0]["details"] == {"field": "email", "tokens": 3, "revealed": 0}

    resp = api.post("/v1/datasets/people/detokenize", {"field": "email", "tokens": []})
    assert resp.status_code == 200 and resp.json() == {"values": []}

    assert_problem(api.post("/v1/datasets/people/detokenize", {"field": "emial", "tokens": []}),
                   422, "unknown_field")
    assert_problem(api.post("/v1/datasets/people/detokenize",
                            {"field": "email", "tokens": ["tok_x"] * 1001}), 422)
    assert_problem(api.post("/v1/datasets/people/detokenize", {"field": "email", "tokens": [1]}),
                   400, "invalid_parameter")
    assert_problem(api.post("/v1/datasets/people/detokenize", {"field": "email"}), 400,
                   "invalid_parameter")
    assert_problem(api.post("/v1/datasets/people/detokenize",
                            {"field": "email", "tokens": [], "extra": 1}), 400,
                   "invalid_parameter")
    assert_problem(api.post("/v1/datasets/nope/detokenize", {"field": "email", "tokens": []}),
                   404)
    resp = api.request("POST", "/v1/datasets/people/detokenize",
                       json_body={"field": "email", "tokens": []}, auth=False)
    assert resp.status_code == 401
