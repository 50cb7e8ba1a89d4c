"""Users, service accounts, roles, grants, API keys, dataset access and authz explain:
who may do what, object-level 404s, no escalation, scoped keys (docs/security.md)."""

import json

import pytest

from conftest import assert_problem

CPU = {
    "id": "cpu",
    "time_field": "time",
    "fields": [
        {"name": "time", "type": "timestamp"},
        {"name": "host", "type": "string"},
        {"name": "usage", "type": "float64"},
    ],
}
ROW = {"time": "2026-01-01T00:00:00Z", "host": "a", "usage": 1.0}


def ingest(api, dataset, rows):
    return api.request("POST", f"/v1/datasets/{dataset}/ingest",
                       data="".join(json.dumps(r) + "\n" for r in rows).encode(),
                       headers={"Content-Type": "application/x-ndjson"})


def created(resp):
    assert resp.status_code == 201, resp.text
    return resp.json()


@pytest.fixture(scope="module")
def world(server):
    """Datasets cpu and payments; users ana (reader on cpu), bob (writer on *), cleo
    (nothing), each with an API key the admin issued for them."""
    admin = server.api()
    admin.create_dataset(CPU)
    admin.create_dataset({**CPU, "id": "payments"})
    assert ingest(admin, "cpu", [ROW]).status_code == 200
    apis = {"admin": admin}
    for name in ("ana", "bob", "cleo"):
        created(admin.post("/v1/users", {"name": name, "groups": ["staff"],
                                         "attributes": {"region": "eu"}}))
        key = created(admin.post("/v1/api-keys", {"name": f"{name} key", "owner": f"user:{name}"}))
        apis[name] = server.api(key=key["key"])
    created(admin.post("/v1/grants", {"subject": "user:ana", "role": "reader",
                                      "resource": "cpu"}))
    created(admin.post("/v1/grants", {"subject": "user:bob", "role": "writer", "resource": "*"}))
    return apis


def test_users_are_listed_without_secrets(world):
    admin = world["admin"]
    resp = admin.post("/v1/users", {"name": "dora", "password": "correct horse battery"})
    body = created(resp)
    assert resp.headers["Location"] == "/v1/users/dora"
    assert body["has_password"] is True
    assert "correct horse" not in resp.text and "argon2" not in resp.text
    listed = admin.get("/v1/users", params={"limit": 2})
    assert listed.status_code == 200
    assert len(listed.json()["items"]) == 2 and listed.json()["next_cursor"]
    everyone = admin.get("/v1/users").json()["items"]
    assert {"admin", "ana", "bob", "cleo", "dora"} <= {u["name"] for u in everyone}
    assert all("argon2" not in json.dumps(u) for u in everyone)


def test_user_bodies_are_validated(world):
    admin = world["admin"]
    body = assert_problem(admin.post("/v1/users", {"name": "Bad Name", "password": "short",
                                                   "colour": 1}), 422)
    pointers = {e["pointer"] for e in body["errors"]}
    assert {"/name", "/password", "/colour"} <= pointers
    assert_problem(admin.post("/v1/users", {"name": "ana"}), 409)
    assert_problem(admin.get("/v1/users/nobody"), 404)


def test_only_users_manage_lists_users(world):
    for name in ("ana", "bob", "cleo"):
        assert_problem(world[name].get("/v1/users"), 403)
        assert_problem(world[name].post("/v1/users", {"name": f"x{name}"}), 403)
    # A user reads itself, not others.
    assert world["ana"].get("/v1/users/ana").status_code == 200
    assert_problem(world["ana"].get("/v1/users/bob"), 403)


def test_users_cannot_raise_their_own_access(world):
    ana = world["ana"]
    assert_problem(ana.patch("/v1/users/ana", {"groups": ["admins"]}), 403)
    assert_problem(ana.patch("/v1/users/ana", {"attributes": {"region": "us"}}), 403)
    assert ana.patch("/v1/users/ana", {"display_name": "Ana"}).json()["display_name"] == "Ana"
    assert_problem(ana.post("/v1/grants", {"subject": "user:ana", "role": "admin",
                                           "resource": "*"}), 403)
    assert_problem(ana.post("/v1/datasets/cpu/access", {"grants": [
        {"principal": "user:ana", "role": "owner"}]}), 403)


def test_invisible_datasets_answer_404_everywhere_and_are_not_listed(world):
    ana, cleo = world["ana"], world["cleo"]
    assert [d["id"] for d in ana.get("/v1/datasets").json()["items"]] == ["cpu"]
    assert cleo.get("/v1/datasets").json()["items"] == []
    for api in (ana, cleo):
        missing = assert_problem(api.get("/v1/datasets/nope"), 404)
        hidden = assert_problem(api.get("/v1/datasets/payments"), 404)
        assert hidden["detail"] == missing["detail"].replace("nope", "payments")
        assert_problem(api.get("/v1/datasets/payments/schema"), 404)
        assert_problem(api.post("/v1/datasets/payments/query", {"sql": "SELECT * FROM payments"}),
                       404)
        assert_problem(api.get("/v1/datasets/payments/records"), 404)
        assert_problem(ingest(api, "payments", [ROW]), 404)
        assert_problem(api.delete("/v1/datasets/payments"), 404)
    # Visible but not permitted: 403.
    assert_problem(ingest(ana, "cpu", [ROW]), 403)
    assert_problem(ana.delete("/v1/datasets/cpu"), 403)
    resp = ana.post("/v1/datasets/cpu/query", {"sql": "SELECT count(*) AS n FROM cpu"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["rows"] == [[1]]


def test_grants_take_effect_at_once_and_removal_revokes(world):
    admin, cleo = world["admin"], world["cleo"]
    assert_problem(cleo.get("/v1/datasets/payments"), 404)
    resp = admin.post("/v1/datasets/payments/access", {"grants": [
        {"principal": "group:staff", "role": "reader"}]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["dataset"] == "payments"
    g = next(x for x in resp.json()["grants"] if x["principal"] == "group:staff")
    assert cleo.get("/v1/datasets/payments").status_code == 200
    access = admin.get("/v1/datasets/payments/access").json()
    assert [x["principal"] for x in access["grants"]] == ["group:staff"]
    assert admin.get("/v1/grants", params={"resource": "payments"}).json()["items"][0]["id"] == \
        g["id"], "the same grant as /v1/grants lists"
    assert admin.delete(f"/v1/datasets/payments/access/grants/{g['id']}").status_code == 204
    assert_problem(cleo.get("/v1/datasets/payments"), 404)
    assert_problem(admin.delete(f"/v1/datasets/payments/access/grants/{g['id']}"), 404)
    # The single-grant body of earlier versions is refused, naming the document form.
    body = assert_problem(admin.post("/v1/datasets/payments/access",
                                     {"subject": "group:staff", "role": "reader"}), 422)
    assert "\"grants\"" in body["errors"][0]["detail"]


def test_dataset_creator_owns_it(world, server):
    admin = world["admin"]
    created(admin.post("/v1/roles", {"name": "maker", "permissions": ["datasets:create"]}))
    created(admin.post("/v1/users", {"name": "erin"}))
    created(admin.post("/v1/grants", {"subject": "user:erin", "role": "maker", "resource": "*"}))
    erin = server.api(key=created(admin.post("/v1/api-keys", {"name": "e",
                                                               "owner": "user:erin"}))["key"])
    erin.create_dataset({**CPU, "id": "erins"})
    assert ingest(erin, "erins", [ROW]).status_code == 200
    assert [d["id"] for d in erin.get("/v1/datasets").json()["items"]] == ["erins"]
    assert_problem(world["cleo"].get("/v1/datasets/erins"), 404)
    # Roles in use cannot go; built-ins never.
    assert_problem(admin.delete("/v1/roles/maker"), 409)
    assert_problem(admin.delete("/v1/roles/reader"), 409)
    roles = {r["name"]: r for r in admin.get("/v1/roles").json()["items"]}
    assert roles["maker"]["permissions"] == ["datasets:create"] and not roles["maker"]["built_in"]
    assert roles["admin"]["built_in"]


def test_scoped_keys_narrow_and_cannot_widen(world, server):
    bob = world["bob"]
    narrow = created(bob.post("/v1/api-keys", {"name": "read only", "scopes": ["datasets:read"],
                                               "datasets": ["cpu"]}))
    assert "key" in narrow and narrow["owner"] == "user:bob"
    narrow_api = server.api(key=narrow["key"])
    assert narrow_api.get("/v1/datasets/cpu").status_code == 200
    assert_problem(ingest(narrow_api, "cpu", [ROW]), 403)  # bob may write; the key may not
    assert_problem(narrow_api.get("/v1/datasets/payments"), 404)  # outside its datasets
    assert ingest(bob, "cpu", [ROW]).status_code == 200
    # A scoped key cannot mint a broader one.
    assert_problem(narrow_api.post("/v1/api-keys", {"name": "wider"}), 403)
    assert_problem(narrow_api.post("/v1/api-keys", {"name": "w", "scopes": ["data:write"],
                                                    "datasets": ["cpu"]}), 403)
    # Listing shows no secret; revocation is effective on the next request.
    listed = bob.get("/v1/api-keys").json()["items"]
    assert narrow["id"] in [k["id"] for k in listed]
    assert all("key" not in k for k in listed)
    assert bob.delete(f"/v1/api-keys/{narrow['id']}").status_code == 204
    assert_problem(narrow_api.get("/v1/datasets/cpu"), 401)
    # Others' keys are invisible to non-managers; only admins issue keys for others.
    assert_problem(world["ana"].get(f"/v1/api-keys/{narrow['id']}"), 403)
    assert_problem(world["ana"].post("/v1/api-keys", {"name": "x", "owner": "user:bob"}), 403)


def test_unknown_revoked_and_expired_keys_get_the_same_401(world, server):
    admin = world["admin"]
    key = created(admin.post("/v1/api-keys", {"name": "temp", "owner": "user:cleo"}))
    assert admin.delete(f"/v1/api-keys/{key['id']}").status_code == 204
    revoked = assert_problem(server.api(key=key["key"]).get("/v1/datasets"), 401)
    unknown = assert_problem(server.api(key="strata_" + "x" * 46).get("/v1/datasets"), 401)
    assert revoked["code"] == "invalid_token"
    assert revoked["detail"] == "invalid API key"
    assert unknown["code"] == "invalid_token"


def test_disabled_and_deleted_users_lose_access(world, server):
    admin = world["admin"]
    created(admin.post("/v1/users", {"name": "fred"}))
    created(admin.post("/v1/grants", {"subject": "user:fred", "role": "reader", "resource": "*"}))
    fred = server.api(key=created(admin.post("/v1/api-keys", {"name": "f",
                                                               "owner": "user:fred"}))["key"])
    assert fred.get("/v1/datasets").status_code == 200
    assert admin.patch("/v1/users/fred", {"disabled": True}).status_code == 200
    assert_problem(fred.get("/v1/datasets"), 401)
    assert admin.patch("/v1/users/fred", {"disabled": False}).status_code == 200
    assert fred.get("/v1/datasets").status_code == 200
    assert admin.delete("/v1/users/fred").status_code == 204
    assert_problem(fred.get("/v1/datasets"), 401)
    assert admin.get("/v1/grants", params={"subject": "user:fred"}).json()["items"] == []


def test_service_accounts_get_a_secret_once(world):
    admin = world["admin"]
    resp = admin.post("/v1/service-accounts", {"name": "etl"})
    body = created(resp)
    assert resp.headers.get("Cache-Control") == "no-store"
    assert body["client_id"] == "etl" and body["client_secret"].startswith("strata_cs_")
    assert body["account"]["kind"] == "service"
    assert "client_secret" not in admin.get("/v1/service-accounts/etl").text
    rotated = admin.post("/v1/service-accounts/etl/secret").json()
    assert rotated["client_secret"] != body["client_secret"]
    assert_problem(admin.get("/v1/users/etl"), 404)  # a service account is not a user
    assert [a["name"] for a in admin.get("/v1/service-accounts").json()["items"]] == ["etl"]


def test_authz_explain(world):
    admin, ana = world["admin"], world["ana"]
    mine = ana.post("/v1/authz/explain", {"action": "data:read", "resource": "cpu"}).json()
    assert mine["allowed"] is True and mine["principal"] == "user:ana"
    assert mine["granted_by"] == [{"role": "reader", "resource": "cpu"}]
    denied = ana.post("/v1/authz/explain", {"action": "data:write", "resource": "cpu"}).json()
    assert denied["allowed"] is False and "data:write" in denied["denied_because"]
    # Others: admins only; datasets the caller cannot see stay hidden.
    assert_problem(ana.post("/v1/authz/explain", {"principal": "user:bob",
                                                  "action": "data:read"}), 403)
    assert_problem(ana.post("/v1/authz/explain", {"action": "data:read",
                                                  "resource": "payments"}), 404)
    bob = admin.post("/v1/authz/explain", {"principal": "user:bob", "action": "data:write",
                                           "resource": "payments"}).json()
    assert bob["allowed"] is True and bob["granted_by"] == [{"role": "writer", "resource": "*"}]
    body = assert_problem(admin.post("/v1/authz/explain", {"action": "fly"}), 422)
    assert body["errors"][0]["pointer"] == "/action"


def test_audit_log_needs_audit_read(world, server):
    admin = world["admin"]
    assert_problem(world["cleo"].get("/v1/audit"), 403)
    assert_problem(world["cleo"].get("/v1/audit/verify"), 403)
    created(admin.post("/v1/users", {"name": "aud"}))
    created(admin.post("/v1/grants", {"subject": "user:aud", "role": "auditor", "resource": "*"}))
    auditor = server.api(key=created(admin.post("/v1/api-keys", {"name": "a",
                                                                  "owner": "user:aud"}))["key"])
    entries = auditor.get("/v1/audit", params={"action": "grants.create"})
    assert entries.status_code == 200, entries.text
    assert entries.json()["items"] and entries.json()["items"][0]["principal"] == "user:admin"
    assert auditor.get("/v1/audit/verify").json()["ok"] is True
