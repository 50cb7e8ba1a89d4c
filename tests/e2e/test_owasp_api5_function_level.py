"""OWASP API5:2023 Broken Function Level Authorization: the role x route matrix.

The permission table (src/server/api/route_permissions.cc) says what every route needs; GET
/v1/roles says what every role holds. For each built-in role, granted on one dataset and,
separately, on `*`, and for a user with no grant at all, this module calls every non-public
route with a minimal request and checks the answer against the table:

- a caller that lacks the permission gets 403, or 404 where the dataset (or the job's
  dataset) is invisible to it — a visible dataset is one it holds a dataset-level permission
  on (docs/security.md "Object level");
- a caller that holds it never gets 401 or 403 (nor a 404 for the dataset, nor a 5xx);
- global permissions (datasets:create, users:manage, audit:read, ...) count only on `*`;
- public routes answer without credentials; every other route answers 401 without them.

Minimal requests are built so that a permitted call changes nothing shared: writes to the
dataset carry a stale If-Match (412), objects a call deletes are made fresh for that call.
Mismatches are reported together as one table.
"""

import pytest

from conftest import assert_problem
from owasp import created, ingest, route_table

DATASET = "m5"
SCHEMA = {"time_field": "time",
          "fields": [{"name": "time", "type": "timestamp"}, {"name": "host", "type": "string"}]}
ROW = {"time": "2026-01-01T00:00:00Z", "host": "a"}
TUS = {"Tus-Resumable": "1.0.0"}
STALE = {"If-Match": '"stale-etag"'}
LINE = f'{DATASET} host="lp" 1767225600000000000'.encode()

# docs/security.md "Grants": only these count on one dataset; the others only on `*`.
DATASET_LEVEL = {"datasets:read", "datasets:update", "datasets:delete", "data:write",
                 "data:read", "data:delete", "access:read", "access:manage", "pii:read",
                 "pii:detokenize"}

ROUTES = route_table()


@pytest.fixture(scope="module")
def world(server):
    admin = server.api()
    roles = {r["name"]: set(r["permissions"])
             for r in admin.get("/v1/roles").json()["items"] if r["built_in"]}
    assert {"admin", "owner", "editor", "writer", "reader", "auditor"} <= set(roles), roles
    admin.create_dataset({"id": DATASET, **SCHEMA})
    assert ingest(admin, DATASET, [ROW]).status_code == 200
    created(admin.post("/v1/users", {"name": "target"}))
    created(admin.post("/v1/service-accounts", {"name": "svc"}))
    target_key = created(admin.post("/v1/api-keys", {"name": "t", "owner": "user:target"}))
    job = ingest(admin, DATASET, [ROW], params={"async": "true"})
    assert job.status_code == 202, job.text
    upload = admin.request("POST", f"/v1/datasets/{DATASET}/uploads",
                           headers={**TUS, "Upload-Length": "100"})
    assert upload.status_code == 201, upload.text

    callers = {}  # name -> (client, permissions on "*", permissions on the dataset)
    for role, permissions in sorted(roles.items()):
        for where in ("ds", "all"):
            name = f"{role}-{where}"
            created(admin.post("/v1/users", {"name": name}))
            created(admin.post("/v1/grants", {"subject": f"user:{name}", "role": role,
                                              "resource": "*" if where == "all" else DATASET}))
            key = created(admin.post("/v1/api-keys", {"name": name, "owner": f"user:{name}"}))
            on_all = permissions if where == "all" else set()
            callers[name] = (server.api(key=key["key"]), on_all, permissions)
    created(admin.post("/v1/users", {"name": "nogrant"}))
    key = created(admin.post("/v1/api-keys", {"name": "n", "owner": "user:nogrant"}))
    callers["nogrant"] = (server.api(key=key["key"]), set(), set())
    return {"admin": admin, "callers": callers, "server": server,
            "job": job.headers["Location"], "upload": upload.headers["Location"],
            "target_key": target_key["id"], "counter": [0]}


def fresh(world, prefix):
    world["counter"][0] += 1
    return f"{prefix}{world['counter'][0]}"


def minimal_request(world, route, caller):
    """(method, path, kwargs) of a request a holder of the permission would pass authorization
    with, changing nothing that later calls rely on."""
    admin = world["admin"]
    method, template = route.method, route.path
    path = template.replace("{id}", DATASET, 1) if template.startswith("/v1/datasets/") \
        else template
    path = path.replace("{n}", "1")
    kw = {}
    json_body = None
    if "{uid}" in path:
        uid = world["upload"].rsplit("/", 1)[1]
        if method == "DELETE":
            resp = admin.request("POST", f"/v1/datasets/{DATASET}/uploads",
                                 headers={**TUS, "Upload-Length": "10"})
            assert resp.status_code == 201, resp.text
            uid = resp.headers["Location"].rsplit("/", 1)[1]
        path = path.replace("{uid}", uid)
        kw["headers"] = dict(TUS)
        if method == "PATCH":  # A wrong offset: 409 for a writer, nothing appended.
            kw["headers"].update({"Upload-Offset": "99",
                                  "Content-Type": "application/offset+octet-stream"})
            kw["data"] = b"x"
    elif template == "/v1/datasets/{id}/uploads" and method == "POST":
        kw["headers"] = {**TUS, "Upload-Length": "10"}
    elif template == "/v1/datasets":
        json_body = {"id": fresh(world, "made_"), "fields": []} if method == "POST" else None
    elif template in ("/v1/datasets/{id}", "/v1/datasets/{id}/schema") and method != "GET":
        kw["headers"] = dict(STALE)
        if method == "PUT" or (method == "PATCH" and template == "/v1/datasets/{id}"):
            json_body = {"description": "matrix"}
        elif method == "PATCH":
            json_body = {"changes": [{"op": "add", "field": {"name": "z", "type": "string",
                                                             "nullable": True}}]}
    elif template.endswith("/ingest"):
        kw["data"] = b'{"time": "2026-01-02T00:00:00Z", "host": "m"}\n'
        kw["headers"] = {"Content-Type": "application/x-ndjson"}
    elif template.endswith("/rejected/replay"):
        json_body = {}
    elif template.startswith("/v1/jobs/"):
        path = world["job"]
    elif template in ("/v1/query", "/v1/datasets/{id}/query"):
        json_body = {"sql": f"SELECT count(*) AS n FROM {DATASET}"}
    elif template.endswith("/records") and method == "DELETE":
        kw["params"] = {"filter": "host = 'none'"}
    elif template.endswith("/detokenize"):
        json_body = {"field": "host", "tokens": ["tok_x"]}
    elif template == "/write":
        kw["params"], kw["data"] = {"db": "x"}, LINE
    elif template == "/api/v2/write":
        kw["params"], kw["data"] = {"bucket": "x"}, LINE
    elif template in ("/v1/users", "/v1/service-accounts") and method == "POST":
        json_body = {"name": fresh(world, "made-")}
    elif template in ("/v1/users/{name}", "/v1/service-accounts/{name}"):
        kind = "users" if template.startswith("/v1/users") else "service-accounts"
        name = "target" if kind == "users" else "svc"
        if method == "DELETE":
            name = fresh(world, "victim-")
            created(admin.post(f"/v1/{kind}", {"name": name}))
        path = template.replace("{name}", name)
        if method == "PATCH":
            json_body = {"display_name": "matrix"}
    elif template == "/v1/service-accounts/{name}/secret":
        path = template.replace("{name}", "svc")
    elif template == "/v1/roles" and method == "POST":
        json_body = {"name": fresh(world, "role-"), "permissions": ["data:read"]}
    elif template == "/v1/roles/{name}":
        name = fresh(world, "role-")
        created(admin.post("/v1/roles", {"name": name, "permissions": ["data:read"]}))
        path = template.replace("{name}", name)
    elif template == "/v1/grants" and method == "POST":
        json_body = {"subject": fresh(world, "group:g"), "role": "reader", "resource": "*"}
    elif template == "/v1/grants/{id}":
        grant = created(admin.post("/v1/grants", {"subject": fresh(world, "group:g"),
                                                  "role": "reader", "resource": "*"}))
        path = template.replace("{id}", grant["id"])
    elif template == "/v1/datasets/{id}/access" and method == "POST":
        json_body = {"grants": [{"principal": fresh(world, "group:g"), "role": "reader"}]}
    elif template == "/v1/datasets/{id}/access/{kind}/{name}":
        principal = fresh(world, "group:g")
        resp = admin.post(f"/v1/datasets/{DATASET}/access",
                          {"grants": [{"principal": principal, "role": "reader"}]})
        assert resp.status_code == 200, resp.text
        grant = next(g for g in resp.json()["grants"] if g["principal"] == principal)
        path = f"/v1/datasets/{DATASET}/access/grants/{grant['id']}"
    elif template == "/v1/authz/explain":
        json_body = {"principal": "user:target", "action": "data:read"}
    elif template == "/v1/api-keys" and method == "POST":
        json_body = {"name": "mine"}
    elif template == "/v1/api-keys/{id}":
        key_id = world["target_key"]
        if method == "DELETE":
            key_id = created(admin.post("/v1/api-keys", {"name": "v",
                                                         "owner": "user:target"}))["id"]
        path = template.replace("{id}", key_id)
    if json_body is not None:
        kw["json_body"] = json_body
    return method, path, kw


def expectation(route, on_all, on_dataset):
    """'allowed', or the status a caller without the permission gets."""
    if route.scope in ("public", "authenticated"):
        return "allowed"
    dataset_scoped = route.scope == "dataset" or (
        route.scope == "self_or" and route.permission in DATASET_LEVEL)
    if not dataset_scoped:  # The permission counts on "*" only; the target is someone else.
        return "allowed" if route.permission in on_all else 403
    if route.permission in on_dataset:
        if route.path.endswith("/detokenize") and "data:read" not in on_dataset:
            return 403
        return "allowed"
    if on_dataset & DATASET_LEVEL:
        return 403
    # POST /v1/query reports a dataset it cannot read as an unknown one (docs/query.md).
    return 400 if route.path == "/v1/query" else 404


def judge(resp, expected):
    """'' when `resp` is what `expected` asks for, else why not."""
    status = resp.status_code
    if expected == "allowed":
        if status in (401, 403) or status >= 500:
            return f"got {status}"
        if status == 404 and f"'{DATASET}'" in resp.text and "does not exist" in resp.text:
            return "got 404 for the dataset"
        return ""
    return "" if status == expected else f"got {status}, expected {expected}"


def test_role_by_route_matrix(world):
    mismatches = []
    checked = 0
    for name, (api, on_all, on_dataset) in world["callers"].items():
        for route in ROUTES:
            if route.scope == "public":
                continue
            method, path, kw = minimal_request(world, route, name)
            resp = api.request(method, path, **kw)
            expected = expectation(route, on_all, on_dataset)
            verdict = judge(resp, expected)
            checked += 1
            if verdict:
                mismatches.append((name, f"{method} {path}", route.permission or route.scope,
                                   str(expected), verdict, resp.text[:120].replace("\n", " ")))
    assert checked > 10 * len(world["callers"])
    if mismatches:
        widths = [max(len(row[col]) for row in mismatches) for col in range(5)]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(row[:5], widths)) +
                 "  " + row[5] for row in mismatches]
        pytest.fail(f"{len(mismatches)} of {checked} calls disagree with the permission table:\n"
                    "caller / request / needs / expected / answer / body\n" + "\n".join(lines),
                    pytrace=False)


def test_self_service_routes_answer_every_caller_for_itself(world):
    """kSelfOr routes: without users:manage a caller still reaches its own objects."""
    for name, (api, _, _) in world["callers"].items():
        assert api.get(f"/v1/users/{name}").status_code == 200, name
        assert api.patch(f"/v1/users/{name}", {"display_name": "me"}).status_code == 200, name
        explained = api.post("/v1/authz/explain", {"action": "data:read"})
        assert explained.status_code == 200 and explained.json()["principal"] == f"user:{name}"
        own = created(api.post("/v1/api-keys", {"name": "own"}))
        assert api.get(f"/v1/api-keys/{own['id']}").status_code == 200, name
        assert api.delete(f"/v1/api-keys/{own['id']}").status_code == 204, name


def test_public_routes_answer_without_credentials(world):
    api = world["admin"]
    for route in ROUTES:
        if route.scope != "public":
            continue
        path = route.path.replace("{id}", DATASET)
        resp = api.request(route.method, path, auth=False)
        assert resp.status_code not in (401, 403) and resp.status_code < 500, (
            route, resp.status_code, resp.text[:200])
        if route.method in ("GET", "OPTIONS"):
            assert resp.status_code in (200, 204), (route, resp.status_code, resp.text[:200])


def test_every_other_route_needs_credentials(world):
    api = world["admin"]
    failures = []
    for route in ROUTES:
        if route.scope == "public":
            continue
        method, path, kw = minimal_request(world, route, "anonymous")
        resp = api.request(method, path, auth=False, **kw)
        challenge = resp.headers.get("WWW-Authenticate", "")
        if resp.status_code != 401 or not challenge:
            failures.append(f"{method} {path}: {resp.status_code} {challenge!r} "
                            f"{resp.text[:100]}")
        elif route.path not in ("/write", "/api/v2/write") and method != "HEAD":
            assert_problem(resp, 401, "missing_credentials", check_alive=False)
    assert not failures, "routes that answer without credentials:\n" + "\n".join(failures)
