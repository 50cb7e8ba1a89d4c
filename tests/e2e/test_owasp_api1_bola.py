"""OWASP API1:2023 Broken Object Level Authorization, across every route with an object id.

Driven by the permission table (src/server/api/route_permissions.cc): for every route whose
path names an object (`{id}`, `{uid}`, `{name}`), a caller who may not reach another
principal's object gets exactly the answer it gets for an object that does not exist — same
status, problem type, title, code and detail (up to the id), same header names — so no id can
be probed for existence. Dataset-scoped objects, and jobs, answer 404; objects of the global
routes (users, service accounts, roles, grants, other principals' API keys) answer 403,
because those routes check the permission before looking the object up. Lists never show
another principal's objects, and nothing a refused request names is changed.

test_access.py covers the basics on a few routes (grants, scopes, the 404 of one dataset);
this module extends them to every route of the table.
"""

import pytest

from conftest import assert_problem
from owasp import Principals, comparable, created, ingest, route_table

SCHEMA = {"time_field": "time",
          "fields": [{"name": "time", "type": "timestamp"}, {"name": "host", "type": "string"}]}
ROW = {"time": "2026-01-01T00:00:00Z", "host": "a"}
TUS = {"Tus-Resumable": "1.0.0"}
MISSING_ULID = "01JZZZZZZZZZZZZZZZZZZZZZZZ"  # Never issued: ULIDs of this server start 01M.
VISIBLE = "shared"    # ana reads it, bob writes it.
HIDDEN = "cleos"      # cleo's own dataset: invisible to ana, bob and mallory.
MISSING = "nopes"     # Never created.


@pytest.fixture(scope="module")
def world(server):
    """cleo (a dataset creator) owns dataset `cleos` with a job, an upload and a grant on it;
    ana reads `shared`, bob writes `shared`, mallory holds nothing."""
    admin = server.api()
    people = Principals(server, admin)
    admin.create_dataset({"id": VISIBLE, **SCHEMA})
    created(admin.post("/v1/roles", {"name": "maker", "permissions": ["datasets:create"]}))
    cleo = people.user("cleo", grants=[("maker", "*")])
    people.user("ana", grants=[("reader", VISIBLE)])
    people.user("bob", grants=[("writer", VISIBLE)])
    people.user("mallory")
    people.user("dora")
    cleo.create_dataset({"id": HIDDEN, **SCHEMA})
    assert ingest(cleo, HIDDEN, [ROW]).status_code == 200
    job = ingest(cleo, HIDDEN, [ROW], params={"async": "true"})
    assert job.status_code == 202, job.text
    upload = cleo.request("POST", f"/v1/datasets/{HIDDEN}/uploads",
                          headers={**TUS, "Upload-Length": "100"})
    assert upload.status_code == 201, upload.text
    granted = cleo.post(f"/v1/datasets/{HIDDEN}/access",
                        {"grants": [{"principal": "user:dora", "role": "reader"}]})
    assert granted.status_code == 200, granted.text
    grant = next(g for g in granted.json()["grants"] if g["principal"] == "user:dora")
    created(admin.post("/v1/service-accounts", {"name": "svc"}))
    created(admin.post("/v1/roles", {"name": "secretrole", "permissions": ["data:read"]}))
    # bob's own upload on the visible dataset, for the cross-dataset probe.
    bob_upload = people["bob"].request("POST", f"/v1/datasets/{VISIBLE}/uploads",
                                       headers={**TUS, "Upload-Length": "100"})
    assert bob_upload.status_code == 201, bob_upload.text
    return {
        "admin": admin, "people": people,
        "job": job.headers["Location"].rsplit("/", 1)[1],
        "upload": upload.headers["Location"].rsplit("/", 1)[1],
        "grant": grant["id"],
        "cleo_key": people.key_ids["cleo"],
    }


def object_ids(world):
    """Path parameter -> (the hidden object's id, a missing object's id), per route family."""
    return {
        "/v1/datasets/": {"id": (HIDDEN, MISSING), "uid": (world["upload"], MISSING_ULID),
                          "n": ("1", "1"), "kind": ("grants", "grants"),
                          "name": (world["grant"], MISSING_ULID)},
        "/v1/jobs/": {"id": (world["job"], MISSING_ULID)},
        "/v1/users/": {"name": ("cleo", "nobody")},
        "/v1/service-accounts/": {"name": ("svc", "nosvc")},
        "/v1/roles/": {"name": ("secretrole", "norole")},
        "/v1/grants/": {"id": (world["grant"], MISSING_ULID)},
        "/v1/api-keys/": {"id": (world["cleo_key"], MISSING_ULID)},
    }


def fill(path, ids, which):
    for name, pair in ids.items():
        path = path.replace("{" + name + "}", pair[which])
    return path


def request_for(route, path, dataset):
    """A request a permitted caller would get past validation with: (kwargs for Api.request)."""
    method, template = route.method, route.path
    kw = {}
    if template.endswith("/uploads") and method == "POST":
        kw["headers"] = {**TUS, "Upload-Length": "10"}
    elif "/uploads/" in template:
        kw["headers"] = dict(TUS)
        if method == "PATCH":
            kw["headers"].update({"Upload-Offset": "0",
                                  "Content-Type": "application/offset+octet-stream"})
            kw["data"] = b"x"
    elif template.endswith("/ingest"):
        kw["data"] = b'{"time": "2026-01-01T00:00:00Z", "host": "x"}\n'
        kw["headers"] = {"Content-Type": "application/x-ndjson"}
    elif template.endswith("/records") and method == "DELETE":
        kw["params"] = {"filter": "host = 'nothing'"}
    else:
        body = {
            ("PUT", "/v1/datasets/{id}"): {"description": "x"},
            ("PATCH", "/v1/datasets/{id}"): {"description": "x"},
            ("PATCH", "/v1/datasets/{id}/schema"): {"changes": [{"op": "add", "field": {
                "name": "z", "type": "string", "nullable": True}}]},
            ("POST", "/v1/datasets/{id}/query"): {"sql": f"SELECT count(*) AS n FROM {dataset}"},
            ("POST", "/v1/datasets/{id}/detokenize"): {"field": "host", "tokens": ["tok_x"]},
            ("POST", "/v1/datasets/{id}/access"): {
                "grants": [{"principal": "user:mallory", "role": "reader"}]},
            ("POST", "/v1/datasets/{id}/rejected/replay"): {},
            ("PATCH", "/v1/users/{name}"): {"display_name": "x"},
            ("PATCH", "/v1/service-accounts/{name}"): {"display_name": "x"},
        }.get((method, template))
        if body is not None:
            kw["json_body"] = body
    return kw


OBJECT_ROUTES = [r for r in route_table() if "{" in r.path and r.scope != "public"]


def expected_status(route):
    if route.scope == "dataset" or route.path.startswith("/v1/jobs/"):
        return 404
    return 403


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=lambda r: f"{r.method} {r.path}")
@pytest.mark.parametrize("caller", ["ana", "mallory"])
def test_another_principals_object_answers_like_a_missing_one(world, route, caller):
    api = world["people"][caller]
    family = next(prefix for prefix in object_ids(world) if route.path.startswith(prefix))
    ids = object_ids(world)[family]
    hidden_path, missing_path = fill(route.path, ids, 0), fill(route.path, ids, 1)
    dataset_ids = ids.get("id", (None, None)) if family == "/v1/datasets/" else (None, None)
    hidden = api.request(route.method, hidden_path,
                         **request_for(route, hidden_path, dataset_ids[0]))
    missing = api.request(route.method, missing_path,
                          **request_for(route, missing_path, dataset_ids[1]))
    replacements = [(hidden_id, missing_id) for hidden_id, missing_id in ids.values()
                    if hidden_id != missing_id]
    assert comparable(hidden, replacements) == comparable(missing), (
        f"{caller}: {route.method} {hidden_path} answers differently from {missing_path}:\n"
        f"  hidden:  {hidden.status_code} {hidden.text[:300]}\n"
        f"  missing: {missing.status_code} {missing.text[:300]}")
    if route.method == "HEAD":
        assert hidden.status_code == expected_status(route), hidden.headers
    else:
        assert_problem(hidden, expected_status(route), check_alive=False)


def test_refused_requests_changed_nothing(world):
    """Runs after the route sweep: every object it named is still there, unchanged."""
    admin = world["admin"]
    dataset = admin.get(f"/v1/datasets/{HIDDEN}")
    assert dataset.status_code == 200 and dataset.json()["description"] == ""
    assert [f["name"] for f in dataset.json()["schema"]["fields"]] == ["time", "host"]
    count = admin.post("/v1/query", {"sql": f"SELECT count(*) AS n FROM {HIDDEN}"})
    assert count.status_code == 200, count.text
    assert admin.get(f"/v1/jobs/{world['job']}").status_code == 200
    assert admin.head(f"/v1/datasets/{HIDDEN}/uploads/{world['upload']}",
                      headers=TUS).status_code == 200
    assert admin.get(f"/v1/api-keys/{world['cleo_key']}").json()["revoked_at"] is None
    assert admin.get("/v1/users/cleo").json()["display_name"] == ""
    assert admin.get("/v1/service-accounts/svc").json()["display_name"] == ""
    assert "secretrole" in [r["name"] for r in admin.get("/v1/roles").json()["items"]]
    grants = admin.get("/v1/grants", params={"resource": HIDDEN}).json()["items"]
    assert world["grant"] in [g["id"] for g in grants]
    assert all(g["subject"] != "user:mallory" for g in grants)


# Requests that name a hidden object outside the path: (method, path, kwargs builder).
def _indirect_probes(dataset):
    return [
        ("POST", "/v1/query", {"json_body": {"sql": f"SELECT count(*) FROM {dataset}"}}),
        ("POST", "/v1/query", {"json_body": {
            "sql": f"SELECT host FROM {VISIBLE} WHERE host IN (SELECT host FROM {dataset})"}}),
        ("POST", "/v1/query", {"json_body": {
            "sql": f"WITH x AS (SELECT * FROM {dataset}) SELECT count(*) FROM x"}}),
        ("POST", f"/v1/datasets/{VISIBLE}/query", {"json_body": {
            "sql": f"SELECT count(*) FROM {dataset}"}}),
        ("GET", "/v1/grants", {"params": {"resource": dataset}}),
        ("POST", "/v1/authz/explain", {"json_body": {"action": "data:read",
                                                     "resource": dataset}}),
        ("POST", "/v1/api-keys", {"json_body": {"name": "probe", "scopes": ["data:read"],
                                                "datasets": [dataset]}}),
        ("POST", "/write", {"params": {"db": "x"},
                            "data": f'{dataset} host="a" 1700000000000000000'.encode()}),
        ("POST", "/api/v2/write", {"params": {"bucket": "x"},
                                   "data": f'{dataset} host="a" 1700000000000000000'.encode()}),
    ]


@pytest.mark.parametrize("probe", range(len(_indirect_probes(HIDDEN))))
@pytest.mark.parametrize("caller", ["ana", "mallory"])
def test_hidden_datasets_named_in_bodies_and_parameters_answer_like_missing_ones(
        world, probe, caller):
    api = world["people"][caller]
    method, path, kw = _indirect_probes(HIDDEN)[probe]
    _, _, missing_kw = _indirect_probes(MISSING)[probe]
    hidden = api.request(method, path, **kw)
    missing = api.request(method, path, **missing_kw)
    assert comparable(hidden, [(HIDDEN, MISSING)]) == comparable(missing), (
        f"{caller}: {method} {path} {kw}:\n  hidden:  {hidden.status_code} {hidden.text[:300]}"
        f"\n  missing: {missing.status_code} {missing.text[:300]}")
    assert 400 <= hidden.status_code < 500 and hidden.status_code != 401, hidden.text


def test_an_upload_of_another_dataset_answers_like_a_missing_one(world):
    """bob writes `shared`; cleo's upload belongs to `cleos`: through bob's dataset it does
    not exist."""
    bob = world["people"]["bob"]
    for method, extra in (("HEAD", {}), ("DELETE", {}),
                          ("PATCH", {"Upload-Offset": "0",
                                     "Content-Type": "application/offset+octet-stream"})):
        kw = {"headers": {**TUS, **extra}}
        if method == "PATCH":
            kw["data"] = b"x"
        other = bob.request(method, f"/v1/datasets/{VISIBLE}/uploads/{world['upload']}", **kw)
        missing = bob.request(method, f"/v1/datasets/{VISIBLE}/uploads/{MISSING_ULID}", **kw)
        assert comparable(other, [(world["upload"], MISSING_ULID)]) == comparable(missing), (
            method, other.status_code, other.text, missing.text)
        assert other.status_code == 404, (method, other.text)


def test_lists_show_only_what_the_caller_may_see(world):
    people = world["people"]
    ana, mallory = people["ana"], people["mallory"]
    assert [d["id"] for d in ana.get("/v1/datasets").json()["items"]] == [VISIBLE]
    assert mallory.get("/v1/datasets").json()["items"] == []
    assert ana.get("/v1/datasets", params={"prefix": "cle"}).json()["items"] == []
    for api, name in ((ana, "ana"), (mallory, "mallory")):
        keys = api.get("/v1/api-keys").json()["items"]
        assert [k["owner"] for k in keys] == [f"user:{name}"], keys
        for path in ("/v1/users", "/v1/service-accounts", "/v1/grants", "/v1/audit"):
            assert_problem(api.get(path), 403)
        # Another owner's keys and a made-up owner's keys answer alike.
        other = api.get("/v1/api-keys", params={"owner": "user:cleo"})
        made_up = api.get("/v1/api-keys", params={"owner": "user:nobody"})
        assert comparable(other) == comparable(made_up)
        assert_problem(other, 403)
    # The access document of a visible dataset lists its grants, not those of others.
    cleo = people["cleo"]
    access = cleo.get(f"/v1/datasets/{HIDDEN}/access").json()
    on_hidden = world["admin"].get("/v1/grants", params={"resource": HIDDEN}).json()["items"]
    assert {g["id"] for g in access["grants"]} == {g["id"] for g in on_hidden}


def test_changing_the_owner_attribute_grants_nothing(world):
    """`owner` of a dataset is a label: setting it to another principal gives that principal
    no access (access comes from grants only)."""
    cleo, mallory = world["people"]["cleo"], world["people"]["mallory"]
    resp = cleo.patch(f"/v1/datasets/{HIDDEN}", {"owner": "user:mallory"})
    assert resp.status_code == 200, resp.text
    try:
        assert_problem(mallory.get(f"/v1/datasets/{HIDDEN}"), 404)
        assert HIDDEN not in [d["id"] for d in mallory.get("/v1/datasets").json()["items"]]
    finally:
        assert cleo.patch(f"/v1/datasets/{HIDDEN}", {"owner": "user:cleo"}).status_code == 200
