"""OAuth 2.0 end to end (CONVENTIONS.md §8): the token endpoint's grants, rotating refresh
tokens, revocation, introspection, discovery and JWKS, MFA enrolment, sign-in backoff, and
the RFC 6749 error shapes.

Accounts are made with `stratad user add` while the server is stopped (the first start
creates the bootstrap admin key, so that the fixture keeps conftest's admin API key).
"""

import base64
import hashlib
import hmac
import json
import os
import statistics
import struct
import subprocess
import time

import jwt
import pytest
import requests

from conftest import BOOTSTRAP_KEY, HTTP_TIMEOUT_S, Server, assert_problem, stratad_bin

FORM = "application/x-www-form-urlencoded"
PASSWORDS = {
    "ana": "ana-password-1",
    "bob": "bob-password-2",
    "carol": "carol-password-3",
    "dave": "dave-password-4",
    "root": "root-password-5",
    "boss": "boss-password-6",
}
ETL_SECRET = "etl-client-secret-7"
MAX_FAILURES = 5


def totp(secret_b32, at=None, offset_steps=0):
    """RFC 6238: HMAC-SHA1, 30 s steps, 6 digits (what authenticator apps compute)."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if at is None else at) // 30) + offset_steps
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def add_account(data_dir, name, secret=None, roles=(), service=False, totp_enrol=False):
    """`stratad user add` on a stopped server's data dir; returns its stdout."""
    args = [stratad_bin(), "--data-dir", data_dir, "user", "add", "--name", name]
    if secret is not None:
        args.append("--password-stdin")
    for role in roles:
        args += ["--role", role]
    if service:
        args.append("--service")
    if totp_enrol:
        args.append("--totp")
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_")}
    done = subprocess.run(args, input=(secret or "") + "\n", capture_output=True, text=True,
                          timeout=30, env=env)
    assert done.returncode == 0, f"user add {name}: {done.returncode} {done.stderr}"
    return done.stdout


def output_value(stdout, key):
    for line in stdout.splitlines():
        if line.startswith(key + ":"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {key} in {stdout!r}")


@pytest.fixture(scope="module")
def server():
    srv = Server(settings={
        "auth.password_grant": "true",
        "auth.login_backoff.max_failures": str(MAX_FAILURES),
        # Every test signs in from 127.0.0.1: keep the per-address limit out of their way.
        "auth.login_backoff.max_failures_per_address": "100000",
    })
    try:
        srv.start()  # Creates the bootstrap admin (conftest's key).
        srv.stop_and_check()
        for name in ("ana", "bob", "carol", "dave"):
            add_account(srv.data_dir, name, PASSWORDS[name], roles=["reader"])
        srv.root_totp = output_value(
            add_account(srv.data_dir, "root", PASSWORDS["root"], roles=["admin"],
                        totp_enrol=True), "totp_secret")
        add_account(srv.data_dir, "boss", PASSWORDS["boss"], roles=["admin"])
        add_account(srv.data_dir, "etl", ETL_SECRET, roles=["writer"], service=True)
        srv.start()
        srv.api().create_dataset({"id": "oauthds", "time_field": "time",
                                  "fields": [{"name": "time", "type": "timestamp"}]})
        yield srv
        srv.stop_and_check()
    finally:
        srv.cleanup()


def post_form(server, path, fields, headers=None):
    h = {"Content-Type": FORM}
    h.update(headers or {})
    return requests.post(server.base + path, data=fields, headers=h, timeout=HTTP_TIMEOUT_S)


def token(server, fields, headers=None):
    return post_form(server, "/v1/auth/token", fields, headers)


def password_grant(server, name, **extra):
    fields = {"grant_type": "password", "username": name, "password": PASSWORDS[name]}
    fields.update(extra)
    return token(server, fields)


def tokens_of(server, name, **extra):
    resp = password_grant(server, name, **extra)
    assert resp.status_code == 200, resp.text
    return resp.json()


def bearer(access_token):
    return {"Authorization": f"Bearer {access_token}"}


def assert_oauth_error(resp, status, error, description=None):
    assert resp.status_code == status, f"expected {status}: {resp.status_code} {resp.text}"
    assert resp.headers.get("Cache-Control") == "no-store", resp.headers
    assert resp.headers["Content-Type"].split(";")[0] == "application/json", resp.headers
    body = resp.json()
    assert body.get("error") == error, body
    assert set(body) <= {"error", "error_description"}, body
    if description is not None:
        assert body.get("error_description") == description, body
    return body


def discovery(server):
    resp = requests.get(server.base + "/.well-known/openid-configuration", timeout=HTTP_TIMEOUT_S)
    assert resp.status_code == 200, resp.text
    return resp.json()


def jwks(server):
    resp = requests.get(server.base + "/.well-known/jwks.json", timeout=HTTP_TIMEOUT_S)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/jwk-set+json")
    return resp.json()


def verify_with_jwks(server, access_token, issuer):
    """Checks the token's signature and claims with PyJWT against the published keys."""
    header = jwt.get_unverified_header(access_token)
    assert header["typ"] == "at+jwt", header
    keys = {key["kid"]: key for key in jwks(server)["keys"]}
    assert header["kid"] in keys, (header, list(keys))
    key = jwt.PyJWK(keys[header["kid"]])
    return jwt.decode(access_token, key.key, algorithms=[header["alg"]], audience="strata",
                      issuer=issuer)


# -- discovery and keys ---------------------------------------------------------------------


def test_discovery_documents_agree_with_the_tokens(server):
    doc = discovery(server)
    rfc8414 = requests.get(server.base + "/.well-known/oauth-authorization-server",
                           timeout=HTTP_TIMEOUT_S).json()
    assert rfc8414 == doc
    assert doc["issuer"] == server.base  # Derived from the listen address by default.
    assert doc["token_endpoint"] == server.base + "/v1/auth/token"
    assert doc["jwks_uri"] == server.base + "/.well-known/jwks.json"
    assert doc["revocation_endpoint"] == server.base + "/v1/auth/revoke"
    assert doc["introspection_endpoint"] == server.base + "/v1/auth/introspect"
    assert doc["grant_types_supported"] == ["password", "client_credentials", "refresh_token"]
    assert "client_secret_basic" in doc["token_endpoint_auth_methods_supported"]
    assert doc["subject_types_supported"] == ["public"]
    assert doc["id_token_signing_alg_values_supported"] == ["EdDSA"]
    assert "datasets:read" in doc["scopes_supported"] and "admin" in doc["scopes_supported"]
    assert "authorization_endpoint" not in doc

    issued = tokens_of(server, "ana")
    claims = verify_with_jwks(server, issued["access_token"], doc["issuer"])
    assert claims["iss"] == doc["issuer"]
    assert claims["sub"] == "user:ana"
    assert claims["client_id"] == "strata"
    assert claims["exp"] - claims["iat"] == issued["expires_in"] == 900
    assert claims["jti"]
    keys = jwks(server)["keys"]
    assert all("d" not in key for key in keys)  # Public keys only.
    assert keys[0]["kty"] == "OKP" and keys[0]["crv"] == "Ed25519" and keys[0]["use"] == "sig"


# -- grants ---------------------------------------------------------------------------------


def test_password_grant_gives_a_bearer_token_for_the_api(server):
    resp = password_grant(server, "ana")
    assert resp.status_code == 200, resp.text
    assert resp.headers["Cache-Control"] == "no-store"
    issued = resp.json()
    assert issued["token_type"] == "Bearer"
    assert issued["refresh_token"].startswith("strata_rt_")
    assert "scope" not in issued
    listed = requests.get(server.base + "/v1/datasets", headers=bearer(issued["access_token"]),
                          timeout=HTTP_TIMEOUT_S)
    assert listed.status_code == 200, listed.text
    assert "oauthds" in [item["id"] for item in listed.json()["items"]]


def audit_entries(server, action):
    resp = requests.get(server.base + "/v1/audit",
                        params={"action": action, "limit": 1000, "order": "asc"},
                        headers={"Authorization": f"Bearer {BOOTSTRAP_KEY}"},
                        timeout=HTTP_TIMEOUT_S)
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


def test_sign_ins_token_issue_and_revocation_are_audited(server):
    before = len(audit_entries(server, "auth.token"))
    granted = tokens_of(server, "bob")
    assert password_grant(server, "bob", password="not-bobs-password").status_code == 400
    revoked = post_form(server, "/v1/auth/revoke", {"token": granted["refresh_token"]},
                        bearer(granted["access_token"]))
    assert revoked.status_code == 200, revoked.text

    entries = audit_entries(server, "auth.token")[before:]
    assert len(entries) == 2, entries
    ok, refused = entries
    assert ok["principal"] == "user:bob" and ok["outcome"] == "success"
    assert ok["details"]["grant_type"] == "password"
    assert refused["principal"] == "-" and refused["outcome"] == "denied"
    assert refused["details"]["username"] == "bob"
    assert refused["details"]["error"] == "invalid_grant"
    text = json.dumps(entries)
    assert PASSWORDS["bob"] not in text and "not-bobs-password" not in text
    assert granted["access_token"] not in text and granted["refresh_token"] not in text
    revocations = audit_entries(server, "auth.revoke")
    assert revocations and revocations[-1]["principal"] == "user:bob"
    assert granted["refresh_token"] not in json.dumps(revocations)


def test_scope_narrows_the_token(server):
    issued = tokens_of(server, "ana", scope="datasets:read")
    assert issued["scope"] == "datasets:read"
    headers = bearer(issued["access_token"])
    got = requests.get(server.base + "/v1/datasets/oauthds", headers=headers,
                       timeout=HTTP_TIMEOUT_S)
    assert got.status_code == 200, got.text
    query = requests.post(server.base + "/v1/query", json={"sql": "SELECT count(*) FROM oauthds"},
                          headers=headers, timeout=HTTP_TIMEOUT_S)
    assert_problem(query, 403)
    # A reader cannot ask for more than it holds.
    assert_oauth_error(password_grant(server, "ana", scope="datasets:read datasets:delete"), 400,
                       "invalid_scope")
    assert_oauth_error(password_grant(server, "ana", scope="everything"), 400, "invalid_scope")


def test_refresh_rotates_and_reuse_revokes_the_family(server):
    first = tokens_of(server, "ana")
    resp = token(server, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert resp.status_code == 200, resp.text
    assert resp.headers["Cache-Control"] == "no-store"
    second = resp.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert requests.get(server.base + "/v1/datasets", headers=bearer(second["access_token"]),
                        timeout=HTTP_TIMEOUT_S).status_code == 200
    # The first refresh token comes back: refused, and the whole family dies.
    assert_oauth_error(token(server, {"grant_type": "refresh_token",
                                      "refresh_token": first["refresh_token"]}),
                       400, "invalid_grant")
    assert_oauth_error(token(server, {"grant_type": "refresh_token",
                                      "refresh_token": second["refresh_token"]}),
                       400, "invalid_grant")
    # A narrower scope on refresh applies to the access token only.
    other = tokens_of(server, "ana")
    narrowed = token(server, {"grant_type": "refresh_token", "refresh_token": other["refresh_token"],
                              "scope": "datasets:read"})
    assert narrowed.status_code == 200, narrowed.text
    assert narrowed.json()["scope"] == "datasets:read"


def test_client_credentials_for_a_service_account(server):
    basic = base64.b64encode(f"etl:{ETL_SECRET}".encode()).decode()
    resp = token(server, {"grant_type": "client_credentials"},
                 headers={"Authorization": f"Basic {basic}"})
    assert resp.status_code == 200, resp.text
    issued = resp.json()
    assert "refresh_token" not in issued
    claims = verify_with_jwks(server, issued["access_token"], server.base)
    assert claims["sub"] == "service:etl" and claims["client_id"] == "etl"
    assert requests.get(server.base + "/v1/datasets/oauthds",
                        headers=bearer(issued["access_token"]),
                        timeout=HTTP_TIMEOUT_S).status_code == 200
    in_body = token(server, {"grant_type": "client_credentials", "client_id": "etl",
                             "client_secret": ETL_SECRET, "scope": "data:write"})
    assert in_body.status_code == 200, in_body.text
    assert in_body.json()["scope"] == "data:write"

    wrong = base64.b64encode(b"etl:not-the-secret").decode()
    resp = token(server, {"grant_type": "client_credentials"},
                 headers={"Authorization": f"Basic {wrong}"})
    assert_oauth_error(resp, 401, "invalid_client")
    assert resp.headers["WWW-Authenticate"] == 'Basic realm="strata"'


# -- revocation and introspection ------------------------------------------------------------


def test_revocation(server):
    issued = tokens_of(server, "bob")
    headers = bearer(issued["access_token"])
    # Unknown tokens and garbage: 200, nothing happens.
    for junk in ("strata_rt_unknown", "garbage", issued["access_token"] + "x"):
        resp = post_form(server, "/v1/auth/revoke", {"token": junk}, headers)
        assert resp.status_code == 200, resp.text
    assert requests.get(server.base + "/v1/datasets", headers=headers,
                        timeout=HTTP_TIMEOUT_S).status_code == 200
    resp = post_form(server, "/v1/auth/revoke", {"token": issued["refresh_token"],
                                                 "token_type_hint": "refresh_token"}, headers)
    assert resp.status_code == 200, resp.text
    assert_oauth_error(token(server, {"grant_type": "refresh_token",
                                      "refresh_token": issued["refresh_token"]}),
                       400, "invalid_grant")
    resp = post_form(server, "/v1/auth/revoke", {"token": issued["access_token"]}, headers)
    assert resp.status_code == 200, resp.text
    refused = requests.get(server.base + "/v1/datasets", headers=headers, timeout=HTTP_TIMEOUT_S)
    assert_problem(refused, 401, "invalid_token")
    # Missing token parameter; no credentials.
    other = bearer(tokens_of(server, "bob")["access_token"])
    assert_oauth_error(post_form(server, "/v1/auth/revoke", {}, other), 400, "invalid_request")
    assert_problem(post_form(server, "/v1/auth/revoke", {"token": "x"}), 401,
                   "missing_credentials")


def test_introspection(server):
    issued = tokens_of(server, "ana", scope="datasets:read")
    own = post_form(server, "/v1/auth/introspect", {"token": issued["access_token"]},
                    bearer(issued["access_token"]))
    assert own.status_code == 200, own.text
    assert own.headers["Cache-Control"] == "no-store"
    state = own.json()
    assert state["active"] is True
    assert state["sub"] == "user:ana" and state["username"] == "ana"
    assert state["scope"] == "datasets:read" and state["client_id"] == "strata"
    assert state["token_type"] == "Bearer" and state["iss"] == server.base
    assert state["aud"] == "strata" and state["jti"]
    for claim in ("exp", "iat", "nbf"):
        assert isinstance(state[claim], int)

    refresh = post_form(server, "/v1/auth/introspect", {"token": issued["refresh_token"]},
                        bearer(issued["access_token"])).json()
    assert refresh["active"] is True and refresh["token_type"] == "refresh_token"

    # Someone else's token, for a non-admin: inactive. For an admin: active.
    carol = bearer(tokens_of(server, "carol")["access_token"])
    other = post_form(server, "/v1/auth/introspect", {"token": issued["access_token"]}, carol)
    assert other.json() == {"active": False}
    admin = {"Authorization": f"Bearer {BOOTSTRAP_KEY}"}
    seen = post_form(server, "/v1/auth/introspect", {"token": issued["access_token"]}, admin)
    assert seen.json()["active"] is True
    for junk in ("garbage", "strata_rt_nope", issued["access_token"][:-2]):
        resp = post_form(server, "/v1/auth/introspect", {"token": junk}, admin)
        assert resp.status_code == 200 and resp.json() == {"active": False}, junk


# -- MFA --------------------------------------------------------------------------------------


def test_mfa_enrolment_and_sign_in_with_totp_and_recovery_codes(server):
    api = server.api(tokens_of(server, "dave")["access_token"])
    begun = api.post("/v1/auth/mfa/totp")
    assert begun.status_code == 200, begun.text
    assert begun.headers["Cache-Control"] == "no-store"
    secret = begun.json()["secret"]
    assert begun.json()["otpauth_uri"].startswith("otpauth://totp/Strata:dave?secret=" + secret)
    # Still a pending enrolment: signing in needs no code yet.
    assert password_grant(server, "dave").status_code == 200

    assert_problem(api.post("/v1/auth/mfa/totp/confirm", {"code": "12345"}), 422,
                   "invalid_mfa_code")
    now = time.time()
    confirmed = api.post("/v1/auth/mfa/totp/confirm", {"code": totp(secret, now)})
    assert confirmed.status_code == 200, confirmed.text
    recovery = confirmed.json()["recovery_codes"]
    assert len(recovery) == 10 and len(set(recovery)) == 10
    assert_problem(api.post("/v1/auth/mfa/totp"), 409, "mfa_already_enabled")

    assert_oauth_error(password_grant(server, "dave"), 400, "invalid_grant", "mfa_required")
    # The code that confirmed the enrolment was used: it never works again.
    assert_oauth_error(password_grant(server, "dave", totp=totp(secret, now)), 400,
                       "invalid_grant", "mfa_code_invalid")
    # The next step's code (within the one-step drift window) works, once.
    following = totp(secret, now, offset_steps=1)
    assert password_grant(server, "dave", totp=following).status_code == 200
    assert_oauth_error(password_grant(server, "dave", totp=following), 400, "invalid_grant",
                       "mfa_code_invalid")
    # A recovery code works once.
    assert password_grant(server, "dave", recovery_code=recovery[0]).status_code == 200
    assert_oauth_error(password_grant(server, "dave", recovery_code=recovery[0]), 400,
                       "invalid_grant", "mfa_code_invalid")
    # Disable with another recovery code; then the password alone works again.
    assert api.delete("/v1/auth/mfa/totp", json_body={"code": recovery[1]}).status_code == 204
    assert password_grant(server, "dave").status_code == 200


def test_admins_must_use_mfa(server):
    assert_oauth_error(password_grant(server, "boss"), 400, "invalid_grant",
                       "mfa_enrolment_required")
    assert_oauth_error(password_grant(server, "root"), 400, "invalid_grant", "mfa_required")
    resp = password_grant(server, "root", totp=totp(server.root_totp))
    assert resp.status_code == 200, resp.text
    claims = jwt.decode(resp.json()["access_token"], options={"verify_signature": False})
    assert claims["amr"] == ["pwd", "otp"]
    # Service accounts and API keys of no user cannot enrol.
    service = token(server, {"grant_type": "client_credentials", "client_id": "etl",
                             "client_secret": ETL_SECRET}).json()["access_token"]
    assert_problem(server.api(service).post("/v1/auth/mfa/totp"), 403, "mfa_users_only")


# -- backoff ----------------------------------------------------------------------------------


def test_backoff_treats_unknown_users_like_known_ones(server):
    answers = {}
    timings = {}
    for name in ("carol", "nobody-here"):
        seen = []
        times = []
        for _ in range(MAX_FAILURES):
            started = time.monotonic()
            resp = token(server, {"grant_type": "password", "username": name,
                                  "password": "wrong-password"})
            times.append(time.monotonic() - started)
            seen.append((resp.status_code, resp.json()))
        blocked = token(server, {"grant_type": "password", "username": name,
                                 "password": PASSWORDS.get(name, "x")})
        assert_oauth_error(blocked, 429, "slow_down")
        assert int(blocked.headers["Retry-After"]) >= 1
        seen.append((blocked.status_code, blocked.json()["error"]))
        answers[name] = seen
        timings[name] = statistics.median(times)
    # Same statuses and bodies whether or not the account exists.
    assert answers["carol"] == answers["nobody-here"], answers
    assert answers["carol"][0] == (400, {"error": "invalid_grant",
                                         "error_description": "invalid username or password"})
    # Both pay for an argon2id verification (the unknown one against a decoy hash).
    assert timings["nobody-here"] > timings["carol"] / 4, timings
    # The block ends by itself.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        resp = password_grant(server, "carol")
        if resp.status_code == 200:
            break
        assert resp.status_code == 429, resp.text
        time.sleep(0.25)
    assert resp.status_code == 200, resp.text


# -- error shapes -----------------------------------------------------------------------------


def test_every_rfc6749_error_has_its_shape(server):
    assert_oauth_error(token(server, {}), 400, "invalid_request")
    assert_oauth_error(token(server, {"grant_type": "password", "username": "ana"}), 400,
                       "invalid_request")
    as_json = requests.post(server.base + "/v1/auth/token", json={"grant_type": "password"},
                            timeout=HTTP_TIMEOUT_S)
    assert_oauth_error(as_json, 400, "invalid_request")
    in_url = requests.post(server.base + "/v1/auth/token?grant_type=password&username=ana",
                           data={"password": "x"}, timeout=HTTP_TIMEOUT_S)
    assert_oauth_error(in_url, 400, "invalid_request")
    repeated = requests.post(server.base + "/v1/auth/token",
                             data="grant_type=password&grant_type=client_credentials",
                             headers={"Content-Type": FORM}, timeout=HTTP_TIMEOUT_S)
    assert_oauth_error(repeated, 400, "invalid_request")
    assert_oauth_error(token(server, {"grant_type": "client_credentials", "client_id": "etl",
                                      "client_secret": "nope"}), 401, "invalid_client")
    assert_oauth_error(token(server, {"grant_type": "password", "username": "ana",
                                      "password": "nope"}), 400, "invalid_grant")
    assert_oauth_error(token(server, {"grant_type": "password", "username": "ana",
                                      "password": PASSWORDS["ana"], "client_id": "etl",
                                      "client_secret": ETL_SECRET}), 400, "unauthorized_client")
    assert_oauth_error(token(server, {"grant_type": "authorization_code", "code": "x"}), 400,
                       "unsupported_grant_type")
    assert_oauth_error(password_grant(server, "ana", scope="nope"), 400, "invalid_scope")
    resp = requests.get(server.base + "/v1/auth/token", timeout=HTTP_TIMEOUT_S)
    assert_problem(resp, 405)


# -- defaults and key rotation on a second server ---------------------------------------------


def test_password_grant_is_off_by_default_and_keys_rotate_offline():
    issuer = "https://strata.example.test"
    srv = Server(settings={"auth.issuer": issuer})
    try:
        srv.start()
        srv.stop_and_check()
        add_account(srv.data_dir, "etl", ETL_SECRET, roles=["reader"], service=True)
        add_account(srv.data_dir, "ana", PASSWORDS["ana"], roles=["reader"])
        srv.start()
        assert_oauth_error(password_grant(srv, "ana"), 400, "unsupported_grant_type")
        doc = discovery(srv)
        assert doc["issuer"] == issuer
        assert doc["token_endpoint"] == issuer + "/v1/auth/token"
        assert "password" not in doc["grant_types_supported"]

        fields = {"grant_type": "client_credentials", "client_id": "etl",
                  "client_secret": ETL_SECRET}
        old = token(srv, fields).json()["access_token"]
        old_kid = jwt.get_unverified_header(old)["kid"]
        srv.stop_and_check()
        env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_")}
        rotated = subprocess.run([stratad_bin(), "--data-dir", srv.data_dir,
                                  "rotate-signing-key"], capture_output=True, text=True,
                                 timeout=30, env=env)
        assert rotated.returncode == 0, rotated.stderr
        assert old_kid in rotated.stdout
        srv.start()
        kids = [key["kid"] for key in jwks(srv)["keys"]]
        assert len(kids) == 2 and kids[1] == old_kid
        new = token(srv, fields).json()["access_token"]
        assert jwt.get_unverified_header(new)["kid"] == kids[0]
        for access_token in (old, new):  # The retired key still verifies its tokens.
            assert requests.get(srv.base + "/v1/datasets", headers=bearer(access_token),
                                timeout=HTTP_TIMEOUT_S).status_code == 200
            verify_with_jwks(srv, access_token, issuer)
        srv.stop_and_check()

        # After a key leak: --drop-old makes every earlier token invalid at once.
        dropped = subprocess.run([stratad_bin(), "--data-dir", srv.data_dir,
                                  "rotate-signing-key", "--drop-old"], capture_output=True,
                                 text=True, timeout=30, env=env)
        assert dropped.returncode == 0, dropped.stderr
        srv.start()
        assert len(jwks(srv)["keys"]) == 1
        for access_token in (old, new):
            refused = requests.get(srv.base + "/v1/datasets", headers=bearer(access_token),
                                   timeout=HTTP_TIMEOUT_S)
            assert_problem(refused, 401, "invalid_token")
        fresh = token(srv, fields).json()["access_token"]
        assert requests.get(srv.base + "/v1/datasets", headers=bearer(fresh),
                            timeout=HTTP_TIMEOUT_S).status_code == 200
        srv.stop_and_check()
    finally:
        srv.cleanup()


def test_user_add_refuses_bad_input(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_")}
    data_dir = str(tmp_path / "data")

    def run(*args, stdin=""):
        return subprocess.run([stratad_bin(), "--data-dir", data_dir, "user", "add", *args],
                              input=stdin, capture_output=True, text=True, timeout=30, env=env)

    assert run("--name", "Bad Name").returncode == 1
    assert run("--name", "x", "--role", "superuser").returncode == 1
    assert run("--name", "svc", "--service").returncode == 1  # A service needs a secret.
    assert run("--name", "x", "--password-stdin", stdin="\n").returncode == 1
    ok = run("--name", "x", "--password-stdin", stdin="pw\n")
    assert ok.returncode == 0, ok.stderr
    assert "created user:x" in ok.stdout
    again = run("--name", "x", "--password-stdin", stdin="pw\n")
    assert again.returncode == 1 and "exists" in again.stderr.lower()
