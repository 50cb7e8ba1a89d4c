"""OWASP API2:2023 Broken Authentication: every credential that is not good gets one answer.

Missing, garbage, truncated, wrong-checksum, unknown, revoked and expired API keys, keys whose
owner is disabled or deleted, and bad bearer tokens (an external issuer's JWTs: expired,
forged, truncated, untrusted) all get 401 with the same problem type, title and code and
`WWW-Authenticate: Bearer realm="strata", error="invalid_token"`; the well-formed API keys
among them get the very same detail, so nobody can tell a revoked key from an unknown one.
No response — success, error or audit entry — repeats a presented credential, and a key is
shown once: only its creation answer (`Cache-Control: no-store`) carries it.

Strata's own token endpoint (password grant, backoff, refresh-token reuse) is covered by
test_oauth.py. test_auth.py and test_oidc.py cover the schemes and each RFC 8725 check.
"""

import base64
import calendar
import json
import os
import sqlite3
import time
import zlib

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives import serialization

from conftest import BOOTSTRAP_KEY, Server, assert_problem
from owasp import ResponseLog, created

ISSUER = "https://idp.owasp.test"
AUDIENCE = "strata"
CHALLENGE = 'Bearer realm="strata"'
PROBE_ROUTES = [("GET", "/v1/datasets"), ("GET", "/v1/users/admin"),
                ("POST", "/v1/datasets/authn/query"), ("DELETE", "/v1/datasets/authn")]
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def b64u(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def well_formed_key(body40):
    """`strata_` + 40 base62 characters + the CRC-32 checksum the server verifies first."""
    body = "strata_" + body40
    crc = zlib.crc32(body.encode())
    tail = ""
    for _ in range(6):
        tail = BASE62[crc % 62] + tail
        crc //= 62
    return body + tail


class Issuer:
    """An external OIDC issuer whose JWKS is a file: Ed25519 keys made here."""

    def __init__(self, tmp):
        self.key = ed25519.Ed25519PrivateKey.generate()
        self.other = ed25519.Ed25519PrivateKey.generate()
        raw = self.key.public_key().public_bytes(serialization.Encoding.Raw,
                                                 serialization.PublicFormat.Raw)
        self.jwks_file = os.path.join(tmp, "jwks.json")
        with open(self.jwks_file, "w") as f:
            json.dump({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": b64u(raw), "kid": "k1",
                                 "use": "sig", "alg": "EdDSA"}]}, f)
        self.config = os.path.join(tmp, "stratad.toml")
        with open(self.config, "w") as f:
            f.write(f'[[auth.oidc.issuers]]\nname = "idp"\nissuer = "{ISSUER}"\n'
                    f'audiences = ["{AUDIENCE}"]\njwks_file = "{self.jwks_file}"\n'
                    'algorithms = ["EdDSA"]\n')

    def token(self, signer=None, **overrides):
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + 300}
        claims.update(overrides)
        signing_input = (b64u(json.dumps({"alg": "EdDSA", "typ": "JWT", "kid": "k1"})) + "." +
                         b64u(json.dumps(claims)))
        signature = (signer or self.key).sign(signing_input.encode())
        return signing_input + "." + b64u(signature)


@pytest.fixture(scope="module")
def issuer(tmp_path_factory):
    return Issuer(str(tmp_path_factory.mktemp("owasp-api2")))


@pytest.fixture(scope="module")
def server(issuer):
    srv = Server(args=["--config", issuer.config], name="stratad-owasp-api2")
    try:
        srv.start()
        yield srv
        srv.stop_and_check()
    finally:
        srv.cleanup()


@pytest.fixture(scope="module")
def log():
    return ResponseLog()


@pytest.fixture(scope="module")
def world(server, issuer, log):
    """Keys in every state; `bad` maps a case name to an Authorization header value."""
    admin = log.attach(server.api())
    admin.create_dataset({"id": "authn", "time_field": "time",
                          "fields": [{"name": "time", "type": "timestamp"}]})
    keys = {}
    for name in ("live", "revoked", "expired", "disabled", "deleted"):
        created(admin.post("/v1/users", {"name": name}))
        created(admin.post("/v1/grants", {"subject": f"user:{name}", "role": "reader",
                                          "resource": "*"}))
        body = {"name": name, "owner": f"user:{name}"}
        if name == "expired":
            body["expires_in_seconds"] = 60
        keys[name] = created(admin.post("/v1/api-keys", body))
    created(admin.post("/v1/service-accounts", {"name": "robot"}))
    keys["robot"] = created(admin.post("/v1/api-keys", {"name": "r", "owner": "service:robot"}))
    assert admin.delete(f"/v1/api-keys/{keys['revoked']['id']}").status_code == 204
    assert admin.patch("/v1/users/disabled", {"disabled": True}).status_code == 200
    assert admin.delete("/v1/users/deleted").status_code == 204
    # The API accepts lifetimes of 60 s and more; the expiry is moved into the past in the
    # metastore (the key was never used, so no cache holds it).
    db = sqlite3.connect(os.path.join(server.data_dir, "meta.db"), timeout=10)
    try:
        with db:
            changed = db.execute("UPDATE api_keys SET expires_at = 1 WHERE id = ?",
                                 (keys["expired"]["id"],)).rowcount
    finally:
        db.close()
    assert changed == 1, "no api_keys row for the expired key"

    live = keys["live"]["key"]
    good_jwt = issuer.token()
    bad = {
        "garbage": "Bearer garbage",
        "long_garbage": "Bearer " + "x" * 2000,
        "basic_scheme": "Basic " + base64.b64encode(f"admin:{live}".encode()).decode(),
        "truncated_key": "Bearer " + live[:-1],
        "half_key": "Bearer " + live[:25],
        "wrong_checksum": "Bearer " + live[:-1] + ("A" if live[-1] != "A" else "B"),
        "unknown_key": "Bearer " + well_formed_key("N" * 40),
        "revoked_key": "Bearer " + keys["revoked"]["key"],
        "expired_key": "Bearer " + keys["expired"]["key"],
        "disabled_owner": "Bearer " + keys["disabled"]["key"],
        "deleted_owner": "Bearer " + keys["deleted"]["key"],
        "bootstrap_plus_one": "Bearer " + BOOTSTRAP_KEY + "x",
        "jwt_garbage": "Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.AAAA",
        "jwt_truncated": "Bearer " + good_jwt[:-6],
        "jwt_expired": "Bearer " + issuer.token(exp=int(time.time()) - 600,
                                                iat=int(time.time()) - 900),
        "jwt_other_signer": "Bearer " + issuer.token(signer=issuer.other),
        "jwt_untrusted_issuer": "Bearer " + issuer.token(iss="https://evil.test"),
        "jwt_wrong_audience": "Bearer " + issuer.token(aud="someone-else"),
    }
    return {"admin": admin, "keys": keys, "bad": bad, "good_jwt": good_jwt}


WELL_FORMED_KEYS = ["unknown_key", "revoked_key", "expired_key", "disabled_owner",
                    "deleted_owner", "bootstrap_plus_one"]


def test_good_credentials_work(world, server, log):
    for key in (world["keys"]["live"]["key"], world["keys"]["robot"]["key"]):
        assert log.attach(server.api(key=key)).get("/v1/datasets").status_code == 200
    resp = world["admin"].get("/v1/datasets", auth=False,
                              headers={"Authorization": "Bearer " + world["good_jwt"]})
    assert resp.status_code == 200, resp.text


def _shape(resp):
    body = resp.json()
    return (resp.status_code, body.get("type"), body.get("title"), body.get("code"),
            resp.headers.get("WWW-Authenticate"))


def _pieces(credential):
    """Substrings of a credential long enough to identify it."""
    secret = credential.split(" ", 1)[-1]
    return [part for part in [secret] + secret.split(".") if len(part) >= 12]


def test_every_bad_credential_gets_the_same_401(world, log):
    admin = world["admin"]
    shapes, details = {}, {}
    for case, authorization in world["bad"].items():
        for method, path in PROBE_ROUTES:
            resp = admin.request(method, path, auth=False, json_body={"sql": "SELECT 1"}
                                 if method == "POST" else None,
                                 headers={"Authorization": authorization})
            body = assert_problem(resp, 401, "invalid_token", check_alive=False)
            shapes[(case, method, path)] = _shape(resp)
            details.setdefault(case, set()).add(body["detail"])
            for piece in _pieces(authorization):
                assert piece not in resp.text and piece not in str(resp.headers), (
                    f"{case}: the credential is echoed by {method} {path}")
    assert len(set(shapes.values())) == 1, "different 401 answers:\n" + "\n".join(
        f"{k}: {v}" for k, v in shapes.items())
    status, _, _, _, challenge = next(iter(shapes.values()))
    assert challenge == CHALLENGE + ', error="invalid_token"'
    # Well-formed keys: one detail for unknown, revoked, expired and ownerless keys.
    assert {d for case in WELL_FORMED_KEYS for d in details[case]} == {"invalid API key"}


def test_missing_credentials_get_the_plain_challenge(world):
    admin = world["admin"]
    for headers in ({}, {"Authorization": ""}):
        resp = admin.get("/v1/datasets", auth=False, headers=headers)
        assert_problem(resp, 401, "missing_credentials", check_alive=False)
        assert resp.headers["WWW-Authenticate"] == CHALLENGE, headers
    # A scheme without a credential is a bad credential, not a missing one.
    for value in ("Bearer", "Bearer   "):
        resp = admin.get("/v1/datasets", auth=False, headers={"Authorization": value})
        assert_problem(resp, 401, "invalid_token", check_alive=False)
        assert resp.headers["WWW-Authenticate"].startswith(CHALLENGE)


def test_credentials_in_the_url_are_not_accepted(world):
    """Only /write takes InfluxDB's ?p=; a key in the URL of a /v1 route authenticates
    nothing (URLs end up in logs and browser histories)."""
    admin = world["admin"]
    live = world["keys"]["live"]["key"]
    for params in ({"access_token": live}, {"p": live}, {"api_key": live}):
        resp = admin.get("/v1/datasets", auth=False, params=params)
        assert_problem(resp, 401, "missing_credentials", check_alive=False)
        assert live not in resp.text


def test_disabling_a_service_account_disables_its_keys(world, server, log):
    admin, robot = world["admin"], log.attach(server.api(key=world["keys"]["robot"]["key"]))
    assert admin.patch("/v1/service-accounts/robot", {"disabled": True}).status_code == 200
    try:
        body = assert_problem(robot.get("/v1/datasets"), 401, "invalid_token")
        assert body["detail"] == "invalid API key"
    finally:
        assert admin.patch("/v1/service-accounts/robot", {"disabled": False}).status_code == 200
    assert robot.get("/v1/datasets").status_code == 200


def test_a_key_is_shown_once(world, log):
    admin = world["admin"]
    resp = admin.post("/v1/api-keys", {"name": "once", "owner": "user:live",
                                       "expires_in_seconds": 3600})
    key = created(resp)
    assert resp.headers.get("Cache-Control") == "no-store"
    assert key["key"].startswith("strata_") and key["key"].startswith(key["prefix"])
    expires = calendar.timegm(time.strptime(key["expires_at"][:19], "%Y-%m-%dT%H:%M:%S"))
    assert 3000 < expires - time.time() <= 3700, key["expires_at"]
    for path in (f"/v1/api-keys/{key['id']}", "/v1/api-keys?owner=user:live",
                 "/v1/api-keys?owner=*"):
        listed = admin.get(path)
        assert listed.status_code == 200, listed.text
        assert key["key"] not in listed.text and key["key"][12:] not in listed.text
        assert "no-store" not in listed.headers.get("Cache-Control", "")
    # A service account's client secret: in the creation and rotation answers only.
    resp = admin.post("/v1/service-accounts", {"name": "robot2"})
    first = created(resp)["client_secret"]
    assert resp.headers.get("Cache-Control") == "no-store"
    rotated = admin.post("/v1/service-accounts/robot2/secret")
    assert rotated.status_code == 200 and rotated.headers.get("Cache-Control") == "no-store"
    second = rotated.json()["client_secret"]
    assert second != first
    for path in ("/v1/service-accounts/robot2", "/v1/service-accounts"):
        text = admin.get(path).text
        assert "client_secret" not in text and first not in text and second not in text


def test_failed_authentications_are_audited_without_the_credential(world):
    entries = world["admin"].get("/v1/audit", params={"action": "auth.failure", "limit": 1000})
    assert entries.status_code == 200, entries.text
    items = entries.json()["items"]
    assert len(items) >= len(world["bad"]), len(items)
    text = entries.text
    for case, authorization in world["bad"].items():
        for piece in _pieces(authorization):
            assert piece not in text, f"{case}: the credential is in the audit log"


def test_no_response_repeats_a_credential(world, log):
    """Runs last: over every response of the module, each key appears only in the one
    answer that created it."""
    secrets = {name: key["key"] for name, key in world["keys"].items()}
    assert log.responses
    for resp in log.responses:
        creating = resp.request.method == "POST" and resp.status_code == 201
        for name, secret in secrets.items():
            if secret in resp.text:
                assert creating and resp.url.endswith("/v1/api-keys"), (
                    f"key '{name}' appears in {resp.request.method} {resp.url}")
        assert BOOTSTRAP_KEY not in resp.text, f"bootstrap key in {resp.url}"
