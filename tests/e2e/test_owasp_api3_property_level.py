"""OWASP API3:2023 Broken Object Property Level Authorization: mass assignment and excessive
data exposure.

Request bodies are strict (docs/api.md): a member the route does not take — a stored secret
(`password_hash`, `totp_secret`, a key's `hash`), a server-assigned value (`id`,
`created_at`, `last_used_at`, `built_in`) or a member of another route — answers 422 with a
JSON pointer to it, and nothing is stored. The exceptions are documented: PUT of a dataset
accepts and ignores the read-only members of a GET answer, so one can be sent back as is.
Members that do raise access answer 403 to whoever may not set them (a user's own `groups`,
a key's `owner`, a grant of a role the granter does not hold), and a key's `scopes` never
exceed its owner. Every JSON answer of the module is scanned: no password, password hash,
TOTP secret, key hash or client secret (outside the one answer that issues it) appears.
"""

import hashlib
import json

import pytest

from conftest import assert_problem, error_items
from owasp import Principals, ResponseLog, created, ingest

DATASET = "props"
PASSWORD = "correct horse battery staple 42"
FAKE_HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
SCHEMA = {"time_field": "time",
          "fields": [{"name": "time", "type": "timestamp"}, {"name": "host", "type": "string"}]}

# Members no account body takes: stored secrets and server-assigned values.
ACCOUNT_PRIVILEGED = {
    "password_hash": FAKE_HASH, "totp_secret": "JBSWY3DPEHPK3PXP", "id": "someone-else",
    "kind": "service", "has_password": True, "mfa_enabled": False, "recovery_codes": ["a-b"],
    "created_at": "2020-01-01T00:00:00Z", "revision": 7, "client_secret": "strata_cs_mine",
}
KEY_PRIVILEGED = {
    "hash": "00" * 32, "key": "strata_" + "a" * 46, "id": "01JZZZZZZZZZZZZZZZZZZZZZZZ",
    "prefix": "strata_aaaaa", "last_used_at": "2020-01-01T00:00:00Z",
    "created_at": "2020-01-01T00:00:00Z", "revoked_at": None, "roles": ["admin"],
}


@pytest.fixture(scope="module")
def log():
    return ResponseLog()


@pytest.fixture(scope="module")
def world(server, log):
    admin = log.attach(server.api())
    people = Principals(server, admin)
    admin.create_dataset({"id": DATASET, **SCHEMA})
    assert ingest(admin, DATASET, [{"time": "2026-01-01T00:00:00Z", "host": "a"}]).status_code \
        == 200
    for name, grants in (("ana", [("reader", DATASET)]), ("olga", [("owner", DATASET)]),
                         ("pat", [])):
        log.attach(people.user(name, grants, password=PASSWORD if name == "pat" else None))
    sa = created(admin.post("/v1/service-accounts", {"name": "svc"}))
    return {"admin": admin, "people": people, "client_secret": sa["client_secret"],
            "log": log}


@pytest.mark.parametrize("member", sorted(ACCOUNT_PRIVILEGED))
def test_account_bodies_refuse_stored_and_server_assigned_members(world, member):
    admin, ana = world["admin"], world["people"]["ana"]
    value = ACCOUNT_PRIVILEGED[member]
    body = assert_problem(admin.post("/v1/users", {"name": "mass", member: value}), 422)
    assert f"/{member}" in error_items(body), body
    assert_problem(admin.get("/v1/users/mass"), 404)
    for api in (admin, ana):  # An admin, and the user itself.
        body = assert_problem(api.patch("/v1/users/ana", {member: value}), 422)
        assert f"/{member}" in error_items(body), body
    body = assert_problem(admin.post("/v1/service-accounts", {"name": "mass", member: value}),
                          422)
    assert f"/{member}" in error_items(body), body
    body = assert_problem(admin.patch("/v1/service-accounts/svc", {member: value}), 422)
    assert f"/{member}" in error_items(body), body


def test_account_names_and_access_members_cannot_be_reassigned(world):
    admin, ana = world["admin"], world["people"]["ana"]
    body = assert_problem(admin.patch("/v1/users/ana", {"name": "root"}), 422)
    assert error_items(body) == ["/name"]
    for member, value in (("groups", ["admins"]), ("attributes", {"region": "all"}),
                          ("disabled", False)):
        assert_problem(ana.patch("/v1/users/ana", {member: value}), 403)
    me = ana.get("/v1/users/ana").json()
    assert me["groups"] == [] and me["attributes"] == {} and me["name"] == "ana"
    # A password change without the current password is refused; nothing else changes.
    assert_problem(world["people"]["pat"].patch("/v1/users/pat", {"password": "x" * 20}), 403)


@pytest.mark.parametrize("member", sorted(KEY_PRIVILEGED))
def test_api_key_bodies_refuse_stored_and_server_assigned_members(world, member):
    ana = world["people"]["ana"]
    before = len(ana.get("/v1/api-keys").json()["items"])
    body = assert_problem(ana.post("/v1/api-keys", {"name": "mass",
                                                    member: KEY_PRIVILEGED[member]}), 422)
    assert f"/{member}" in error_items(body), body
    assert len(ana.get("/v1/api-keys").json()["items"]) == before


def test_api_key_owner_and_scopes_cannot_raise_access(world, server):
    ana = world["people"]["ana"]
    for owner in ("user:admin", "user:olga", "service:svc"):
        assert_problem(ana.post("/v1/api-keys", {"name": "x", "owner": owner}), 403)
    # A scope names what the key may use of its owner's permissions, never more.
    wide = created(ana.post("/v1/api-keys", {"name": "wide",
                                             "scopes": ["users:manage", "admin"]}))
    wide_api = world["log"].attach(server.api(key=wide["key"]))
    assert_problem(wide_api.get("/v1/users"), 403)
    assert_problem(wide_api.post("/v1/datasets", {"id": "nope", "fields": []}), 403)
    assert_problem(wide_api.post(f"/v1/datasets/{DATASET}/access",
                                 {"grants": [{"principal": "user:ana", "role": "owner"}]}), 403)


def test_dataset_bodies_refuse_server_assigned_members(world):
    olga, admin = world["people"]["olga"], world["admin"]
    before = admin.get(f"/v1/datasets/{DATASET}").json()
    for member, value in (("created_at", "2020-01-01T00:00:00Z"), ("revision", 99),
                          ("stats", {"rows": 0}), ("schema", {"version": 9, "fields": []}),
                          ("updated_at", "2020-01-01T00:00:00Z")):
        body = assert_problem(olga.patch(f"/v1/datasets/{DATASET}", {member: value}), 422)
        assert f"/{member}" in error_items(body), body
    body = assert_problem(olga.patch(f"/v1/datasets/{DATASET}", {"id": "other"}), 422)
    assert error_items(body) == ["/id"]
    body = assert_problem(olga.patch(f"/v1/datasets/{DATASET}/schema", {"changes": [
        {"op": "add", "field": {"id": 1, "name": "q", "type": "string", "nullable": True}}]}),
        422)
    assert "/changes/0/field/id" in error_items(body), body
    body = assert_problem(admin.post("/v1/datasets", {"id": "mass", "fields": [
        {"id": 5, "name": "time", "type": "timestamp"}]}), 422)
    assert_problem(admin.get("/v1/datasets/mass"), 404)
    after = admin.get(f"/v1/datasets/{DATASET}").json()
    assert after["revision"] == before["revision"] and after["schema"] == before["schema"]


def test_put_ignores_edited_read_only_members(world):
    """docs/api.md "Replace a dataset": a GET answer can be sent back as is; its read-only
    members are accepted and ignored — editing them changes nothing."""
    olga = world["people"]["olga"]
    current = olga.get(f"/v1/datasets/{DATASET}").json()
    edited = dict(current, created_at="2000-01-01T00:00:00Z", revision=999,
                  schema={"version": 42, "fields": []}, description="put")
    resp = olga.put(f"/v1/datasets/{DATASET}", edited)
    assert resp.status_code == 200, resp.text
    after = olga.get(f"/v1/datasets/{DATASET}").json()
    assert after["description"] == "put"
    assert after["created_at"] == current["created_at"]
    assert after["schema"] == current["schema"]
    assert after["revision"] == current["revision"] + 1


def test_grants_cannot_escalate(world):
    olga, ana = world["people"]["olga"], world["people"]["ana"]
    # olga owns the dataset: she may hand out roles she holds there, nothing else.
    granted = olga.post(f"/v1/datasets/{DATASET}/access",
                        {"grants": [{"principal": "user:pat", "role": "reader"}]})
    assert granted.status_code == 200, granted.text
    for role in ("admin", "auditor"):  # Both hold a global permission olga lacks.
        assert_problem(olga.post(f"/v1/datasets/{DATASET}/access",
                                 {"grants": [{"principal": "user:pat", "role": role}]}), 403)
    assert_problem(olga.post("/v1/grants", {"subject": "user:pat", "role": "reader",
                                            "resource": "*"}), 403)
    assert_problem(ana.post(f"/v1/datasets/{DATASET}/access",
                            {"grants": [{"principal": "user:ana", "role": "owner"}]}), 403)
    # Members of another form, or server-assigned ones, are refused.
    for extra in ({"resource": "*"}, {"created_by": "user:admin"}, {"id": "g1"}):
        body = assert_problem(olga.post(f"/v1/datasets/{DATASET}/access", {"grants": [
            {"principal": "user:pat", "role": "reader", **extra}]}), 422)
        assert f"/grants/0/{next(iter(extra))}" in error_items(body), body
    for extra in ({"created_by": "user:admin"}, {"id": "g1"}, {"built_in": True}):
        body = assert_problem(world["admin"].post("/v1/grants", {
            "subject": "user:pat", "role": "reader", "resource": DATASET, **extra}), 422)
        assert f"/{next(iter(extra))}" in error_items(body), body
    body = assert_problem(world["admin"].post("/v1/roles", {
        "name": "sneaky", "permissions": ["data:read"], "built_in": True}), 422)
    assert error_items(body) == ["/built_in"]
    grants = world["admin"].get("/v1/grants", params={"subject": "user:pat"}).json()["items"]
    assert [(g["role"], g["resource"], g["created_by"]) for g in grants] == [
        ("reader", DATASET, "user:olga")]


def test_reading_lists_and_objects_for_the_scan(world, server):
    """Reads every object kind once, so the scan below sees them all."""
    admin = world["admin"]
    for path in ("/v1/users", "/v1/users/pat", "/v1/service-accounts",
                 "/v1/service-accounts/svc", "/v1/api-keys?owner=*", "/v1/grants", "/v1/roles",
                 f"/v1/datasets/{DATASET}", f"/v1/datasets/{DATASET}/access",
                 "/v1/audit?limit=1000"):
        assert admin.get(path).status_code == 200, path
    key_id = world["people"].key_ids["ana"]
    assert admin.get(f"/v1/api-keys/{key_id}").status_code == 200
    assert world["people"]["pat"].get("/v1/users/pat").json()["has_password"] is True


# Member names that only a secret would have.
SECRET_MEMBERS = {"password", "current_password", "password_hash", "totp_secret", "totp",
                  "recovery_codes", "secret_hash", "client_secret_hash", "key_hash"}


def _members(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}/{key}", key, item, value
            yield from _members(item, f"{path}/{key}")
    elif isinstance(value, list):
        for idx, item in enumerate(value):
            yield from _members(item, f"{path}/{idx}")


def test_no_answer_carries_a_secret(world):
    """Runs last: every response body the module received."""
    people = world["people"]
    issued_keys = list(people.keys.values())
    key_hashes = [hashlib.sha256(k.encode()).hexdigest() for k in issued_keys]
    problems = []
    for resp in world["log"].responses:
        where = f"{resp.request.method} {resp.url} ({resp.status_code})"
        text = resp.text
        if "$argon2" in text:
            problems.append(f"{where}: an argon2 hash")
        if PASSWORD in text:
            problems.append(f"{where}: a password")
        for digest in key_hashes:
            if digest in text or digest.upper() in text:
                problems.append(f"{where}: the SHA-256 of an API key")
        issues_credentials = resp.request.method == "POST" and resp.status_code in (200, 201) \
            and resp.headers.get("Cache-Control") == "no-store"
        if not issues_credentials:
            if world["client_secret"] in text:
                problems.append(f"{where}: the client secret")
            if any(key in text for key in issued_keys):
                problems.append(f"{where}: an API key")
        try:
            body = json.loads(text) if text else None
        except ValueError:
            continue
        for pointer, name, item, parent in _members(body):
            if name in SECRET_MEMBERS:
                problems.append(f"{where}: member {pointer}")
            # An API key object: id, prefix and owner, never its hash.
            if name == "hash" and "prefix" in parent and "owner" in parent:
                problems.append(f"{where}: member {pointer} of an API key")
    assert len(world["log"].responses) > 50
    assert not problems, "secrets in answers:\n" + "\n".join(problems)
