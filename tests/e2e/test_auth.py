"""Authentication of every /v1 dataset route (RFC 6750 challenges, problem+json bodies)."""

import pytest

from conftest import BOOTSTRAP_KEY, assert_problem

CHALLENGE = 'Bearer realm="strata"'

ROUTES = [
    ("POST", "/v1/datasets"),
    ("GET", "/v1/datasets"),
    ("GET", "/v1/datasets/authds"),
    ("PUT", "/v1/datasets/authds"),
    ("PATCH", "/v1/datasets/authds"),
    ("DELETE", "/v1/datasets/authds"),
    ("GET", "/v1/datasets/authds/schema"),
    ("PATCH", "/v1/datasets/authds/schema"),
    ("GET", "/v1/datasets/authds/schema/versions"),
    ("GET", "/v1/datasets/authds/schema/versions/1"),
]

BODIES = {
    "POST": {"id": "authds_new", "fields": []},
    "PUT": {"description": "x"},
    "PATCH": {"description": "x"},
}


def _fake_strata_key(valid_prefix_body="A" * 40):
    # Right prefix and length, wrong checksum.
    return "strata_" + valid_prefix_body + "zzzzzz"


@pytest.fixture(scope="module", autouse=True)
def dataset(server):
    server.api().create_dataset({"id": "authds", "time_field": "time",
                                 "fields": [{"name": "time", "type": "timestamp"}]})


def _send(api, method, path, headers, auth=False):
    body = BODIES.get(method)
    if path.endswith("/schema") and method == "PATCH":
        body = {"changes": [{"op": "add", "field": {"name": "z", "type": "string",
                                                     "nullable": True}}]}
    if body is None:
        return api.request(method, path, headers=headers, auth=auth)
    return api.request(method, path, json_body=body, headers=headers, auth=auth)


@pytest.mark.parametrize("method,path", ROUTES)
def test_no_credentials_is_401_with_challenge(api, method, path):
    resp = _send(api, method, path, headers={})
    body = assert_problem(resp, 401)
    assert resp.headers.get("WWW-Authenticate") == CHALLENGE, resp.headers
    assert "invalid_token" not in resp.headers["WWW-Authenticate"]
    assert body["code"] != "invalid_token"


@pytest.mark.parametrize("method,path", ROUTES)
@pytest.mark.parametrize("authorization", [
    "Bearer not-a-key-but-long-enough-0123456789abcdef",
    "Bearer " + BOOTSTRAP_KEY + "x",
    "Basic " + "dXNlcjpwYXNz",
    "Token " + BOOTSTRAP_KEY + "x",
    "Bearer " + _fake_strata_key(),
    "Bearer strata_short",
])
def test_bad_credentials_are_401_invalid_token(api, method, path, authorization):
    resp = _send(api, method, path, headers={"Authorization": authorization})
    body = assert_problem(resp, 401, "invalid_token")
    challenge = resp.headers.get("WWW-Authenticate", "")
    assert challenge.startswith(CHALLENGE), challenge
    assert 'error="invalid_token"' in challenge, challenge
    # The key itself is never echoed back.
    assert BOOTSTRAP_KEY not in body["detail"]


@pytest.mark.parametrize("authorization", ["Bearer", "Bearer ", ""])
def test_empty_or_bare_scheme_is_401(api, authorization):
    resp = api.get("/v1/datasets", headers={"Authorization": authorization}, auth=False)
    assert_problem(resp, 401)
    assert resp.headers.get("WWW-Authenticate", "").startswith(CHALLENGE)


def test_unauthenticated_request_does_not_mutate(api):
    resp = api.request("DELETE", "/v1/datasets/authds",
                       headers={"Authorization": "Bearer wrong-key-0123456789abcdefghijklmnop"},
                       auth=False)
    assert_problem(resp, 401, "invalid_token")
    resp = api.post("/v1/datasets", {"id": "authds_sneaky", "fields": []}, auth=False)
    assert_problem(resp, 401)
    assert api.get("/v1/datasets/authds").status_code == 200
    assert_problem(api.get("/v1/datasets/authds_sneaky"), 404, "not_found")


def test_valid_key_works(api):
    resp = api.get("/v1/datasets")
    assert resp.status_code == 200, resp.text
    assert "WWW-Authenticate" not in resp.headers
    ids = [item["id"] for item in resp.json()["items"]]
    assert "authds" in ids


def test_scheme_is_case_insensitive(api):
    # Token is InfluxDB's name for the same credential; every route takes it.
    for scheme in ("bearer", "BEARER", "Bearer", "Token", "token"):
        resp = api.get("/v1/datasets/authds",
                       headers={"Authorization": f"{scheme} {BOOTSTRAP_KEY}"}, auth=False)
        assert resp.status_code == 200, (scheme, resp.text)


def test_public_routes_ignore_bad_credentials(api):
    headers = {"Authorization": "Bearer wrong-key-0123456789abcdefghijklmnop"}
    for path in ("/healthz", "/readyz", "/v1/openapi.json", "/v1/openapi.yaml"):
        assert api.get(path, headers=headers, auth=False).status_code == 200, path
