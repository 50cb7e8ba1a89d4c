"""OWASP API9:2023 Improper Inventory Management: the served OpenAPI document is the inventory.

- Its operations are exactly the permission table's routes (src/server/api/
  route_permissions.cc), and its public operations (`security: []`) exactly the table's
  public routes.
- Every operation it lists exists: called with made-up ids it answers anything but the
  router's 404 `route_not_found` or 405 (the problem `code`, and `type`
  /problems/route-not-found, tell "no such route" from "no such dataset"); a method it does
  not list on one of its paths answers 405 with an `Allow` header naming exactly the listed
  methods (and HEAD where GET is listed).
- Plausible paths it does not list — other versions, admin and debug consoles, metrics,
  dotfiles, traversal — answer 404 `route_not_found`, before any authentication.
"""

import json
import re

import pytest

from conftest import check_problem_body, raw_http
from owasp import route_table

METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
UNLISTED = [
    "/v2/datasets", "/v0/datasets", "/V1/datasets", "/v1/DATASETS", "/api/v1/datasets",
    "/v1/admin", "/admin", "/console", "/debug", "/debug/pprof", "/v1/debug/vars",
    "/metrics", "/v1/metrics", "/server-status", "/actuator", "/actuator/env", "/.env",
    "/.git/config", "/.git/HEAD", "/swagger.json", "/v1/swagger.json", "/v1/docs",
    "/v1/internal", "/v1/graphql", "/graphql", "/v1/stream", "/v1/webhooks", "/v1/export",
    "/v1/datasets/", "/v1//datasets", "//v1/datasets", "/v1/datasets/x/../../etc",
    "/v1/datasets/x/%2e%2e/%2e%2e/etc/passwd", "/v1/datasets/x/schema/versions/1/x",
    "/v1/users/admin/password", "/v1/roles/admin/permissions",
    "/v1/openapi.json/..", "/healthz/", "/v1/query/explain", "/v1/audit/export",
]


@pytest.fixture(scope="module")
def spec(server):
    resp = server.api().get("/v1/openapi.json", auth=False)
    assert resp.status_code == 200, resp.text[:300]
    return resp.json()


def spec_operations(spec):
    """{(METHOD, path): operation} of the served document."""
    return {(method.upper(), path): operation
            for path, item in spec["paths"].items()
            for method, operation in item.items() if method in METHODS}


def test_the_spec_lists_exactly_the_route_table(spec):
    table = {(r.method, r.path) for r in route_table()}
    served = set(spec_operations(spec))
    assert served == table, (f"only in the spec: {sorted(served - table)}\n"
                             f"only in the table: {sorted(table - served)}")


def test_the_spec_marks_exactly_the_public_routes_public(spec):
    assert spec["security"], "the document must require credentials by default"
    public = {key for key, op in spec_operations(spec).items() if op.get("security") == []}
    table = {(r.method, r.path) for r in route_table() if r.scope == "public"}
    assert public == table


def test_the_yaml_document_lists_the_same_paths(server, spec):
    text = server.api().get("/v1/openapi.yaml", auth=False).text
    paths = set(re.findall(r"^  (/[^\s:]*):\s*$", text, re.M))
    assert paths == set(spec["paths"]), sorted(paths ^ set(spec["paths"]))


@pytest.fixture(scope="module")
def dataset(server):
    api = server.api()
    api.create_dataset({"id": "inv", "time_field": "time",
                        "fields": [{"name": "time", "type": "timestamp"}]})
    upload = api.request("POST", "/v1/datasets/inv/uploads",
                         headers={"Tus-Resumable": "1.0.0", "Upload-Length": "10"})
    assert upload.status_code == 201, upload.text
    return {"upload": upload.headers["Location"].rsplit("/", 1)[1]}


def concrete(path, dataset):
    """The path with made-up ids (nothing is found, so nothing is changed), except HEAD's
    upload, which must exist for its bodiless answer to mean something."""
    return (path.replace("{id}", "inv" if path.startswith("/v1/datasets/") else "zz-missing")
            .replace("{uid}", dataset["upload"]).replace("{n}", "999")
            .replace("{name}", "zz-missing"))


def test_every_listed_operation_exists(server, spec, dataset):
    api = server.api()
    missing = []
    for (method, path), _ in sorted(spec_operations(spec).items()):
        target = concrete(path, dataset)
        if method in ("DELETE", "PUT", "PATCH") and target.startswith("/v1/datasets/inv"):
            target = target.replace("/v1/datasets/inv", "/v1/datasets/zz_missing", 1)
        resp = api.request(method, target, headers={"Tus-Resumable": "1.0.0"})
        code = None
        if resp.headers.get("Content-Type", "").startswith("application/problem+json"):
            code = resp.json().get("code")
        if resp.status_code == 405 or code == "route_not_found" or (
                method == "HEAD" and resp.status_code == 404):
            missing.append(f"{method} {target}: {resp.status_code} {resp.text[:100]}")
    assert not missing, "listed but not served:\n" + "\n".join(missing)


def test_unlisted_methods_on_listed_paths_are_405_with_the_listed_allow(server, spec, dataset):
    wrong = []
    for path, item in spec["paths"].items():
        listed = {m.upper() for m in item if m in METHODS}
        if "GET" in listed:
            listed.add("HEAD")
        target = concrete(path, dataset)
        for method in ("GET", "PUT", "POST", "PATCH", "DELETE"):
            if method in listed:
                continue
            status, headers, body = raw_http(server.port, method, target)
            allow = {m.strip() for m in headers.get("allow", "").split(",") if m.strip()}
            if status != 405 or allow != listed:
                wrong.append(f"{method} {target}: {status}, Allow {sorted(allow)}, "
                             f"listed {sorted(listed)}")
            else:
                check_problem_body(status, headers, body, 405, "method_not_allowed")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", UNLISTED)
def test_unlisted_paths_are_404_route_not_found(server, spec, path):
    if path in spec["paths"]:
        pytest.skip(f"{path} is listed now; the listed-route tests cover it")
    status, headers, body = raw_http(server.port, "GET", path)
    assert status in (400, 404), (path, status, body[:200])
    problem = check_problem_body(status, headers, body, status)
    if status == 404:
        assert problem["code"] == "route_not_found", (path, problem)
        assert problem["type"] == "/problems/route-not-found", problem
    else:
        assert problem["code"] == "malformed_request", (path, problem)
    assert b"etc/passwd" not in body or b"no such endpoint" in body
    # The same with credentials: an unlisted path does not exist for anyone.
    status2, _, body2 = raw_http(server.port, "GET", path, headers={
        "Authorization": f"Bearer {server.bootstrap_key}"})
    assert status2 == status, (path, status2, body2[:200])


def test_no_such_route_and_no_such_object_are_told_apart(server):
    api = server.api()
    route = api.get("/v1/datasetz/inv").json()
    obj = api.get("/v1/datasets/zz_missing").json()
    assert (route["code"], route["type"]) == ("route_not_found", "/problems/route-not-found")
    assert (obj["code"], obj["type"]) == ("not_found", "/problems/not-found")
    assert json.dumps(route).count("/v1/openapi.json") == 1  # Points at the inventory.
