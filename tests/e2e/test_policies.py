"""Stored row and field policies end to end (docs/security.md "How grants and policies
combine"): the access document of /v1/datasets/{id}/access, and for several principals with
different grants, groups and attributes, that no hidden row and no denied, masked, hashed,
tokenized or nulled value appears in any response of /query, /v1/query, /records or
/changes, in any format, on any page, nor in an error message; aggregates count only the
rows a principal may see."""

import base64
import json

import pytest

from conftest import assert_problem

T0 = "2026-01-0{}T00:00:00Z"

HR = {
    "id": "hr",
    "time_field": "time",
    "fields": [
        {"name": "time", "type": "timestamp"},
        {"name": "country", "type": "string"},
        {"name": "name", "type": "string"},
        {"name": "email", "type": "string", "pii": True},
        {"name": "salary", "type": "int64"},
        {"name": "ssn", "type": "string"},
        {"name": "notes", "type": "string", "nullable": True},
        {"name": "code", "type": "string"},
    ],
}

# Rows of FR are visible to the restricted principals (all live in FR); every string of a US
# row holds HIDDEN and every US salary starts 939393.
ROWS = [{"time": T0.format(i), "country": "FR", "name": f"fr-name-{i}",
         "email": f"fr{i}.person@corp.example", "salary": 4242420 + i, "ssn": f"SSN-FR-{i}",
         "notes": f"NOTE-FR-{i}", "code": f"CODE-FR-{i}"} for i in (1, 2, 3)]
ROWS += [{"time": T0.format(i), "country": "US", "name": f"US-HIDDEN-NAME-{i}",
          "email": f"us{i}.HIDDEN@corp.example", "salary": 9393930 + i,
          "ssn": f"SSN-US-HIDDEN-{i}", "notes": f"HIDDEN-NOTE-{i}",
          "code": f"HIDDEN-CODE-{i}"} for i in (4, 5, 6)]

POLICIES = {
    "row_policies": [{"name": "own_country", "filter": "country = $user.country",
                      "applies_to": ["role:reader", "group:contractors"]}],
    "field_policies": [
        {"field": "ssn", "action": "deny", "applies_to": ["role:reader"]},
        {"field": "notes", "action": "mask", "applies_to": ["user:ana"]},
        {"field": "name", "action": "hash", "applies_to": ["user:bob"]},
        {"field": "code", "action": "tokenize", "applies_to": ["group:contractors"]},
        {"field": "salary", "action": "null", "applies_to": ["group:contractors"]},
    ],
}

HIDDEN_ROWS = ["HIDDEN", "939393"]
# What each principal must never see: the hidden rows, and the stored values of the fields
# its policies (and the pii default) transform or deny.
FORBIDDEN = {
    # reader granted to the user on hr; notes masked; ssn denied; email (pii) masked.
    "ana": HIDDEN_ROWS + ["SSN-FR", "NOTE-FR", "@corp"],
    # reader through group analysts; names hashed; ssn denied; email masked.
    "bob": HIDDEN_ROWS + ["SSN-FR", "fr-name", "@corp"],
    # contractor with pii:read on hr: codes tokenized, salaries null; email readable.
    "carl": HIDDEN_ROWS + ["CODE-FR", "424242"],
    # reader without a country attribute: the row policy matches no row.
    "dora": HIDDEN_ROWS + ["SSN-FR", "NOTE-FR", "@corp", "fr-name", "CODE-FR", "424242"],
}
VISIBLE_ROWS = {"ana": 3, "bob": 3, "carl": 3, "dora": 0}

QUERIES = [
    "SELECT * FROM hr",
    "SELECT * FROM hr ORDER BY time DESC",
    "SELECT country, name, email, salary, notes, code FROM hr WHERE salary IS NULL OR salary > 0",
    "SELECT country, count(*) AS n, min(name) AS lo, max(email) AS hi FROM hr GROUP BY country",
    "SELECT DISTINCT notes FROM hr",
    "SELECT code, count(*) AS n FROM hr GROUP BY code ORDER BY code",
    "EXPLAIN SELECT * FROM hr WHERE country = 'US'",
]
FORMATS = [({}, {}), ({"Accept": "application/x-ndjson"}, {}), ({"Accept": "text/csv"}, {}),
           ({}, {"format": "ndjson"}), ({}, {"format": "csv"})]


def ndjson(rows):
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def created(resp):
    assert resp.status_code == 201, resp.text
    return resp.json()


def cursor_texts(cursor):
    """The readable parts of an opaque cursor (base64url pieces decoded)."""
    texts = [cursor]
    for piece in cursor.split("."):
        try:
            texts.append(base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4))
                         .decode("latin-1"))
        except ValueError:
            pass
    return texts


def assert_no_leak(who, resp, what):
    texts = [resp.text, resp.headers.get("Link", ""), resp.headers.get("Strata-Next-Cursor", "")]
    if resp.headers.get("Content-Type", "").startswith("application/json"):
        body = resp.json()
        if isinstance(body, dict) and body.get("next_cursor"):
            texts += cursor_texts(body["next_cursor"])
    for header in ("Link", "Strata-Next-Cursor"):
        for part in resp.headers.get(header, "").replace("=", " ").replace("&", " ").split():
            texts += cursor_texts(part.strip("<>;"))
    for marker in FORBIDDEN[who]:
        for text in texts:
            assert marker not in text, f"{who}: {what} shows {marker!r}: {text[:400]}"


@pytest.fixture(scope="module")
def world(server):
    admin = server.api()
    admin.create_dataset(HR)
    resp = admin.request("POST", "/v1/datasets/hr/ingest", data=ndjson(ROWS),
                         headers={"Content-Type": "application/x-ndjson"})
    assert resp.status_code == 200, resp.text
    created(admin.post("/v1/roles", {"name": "pii_reader",
                                     "permissions": ["datasets:read", "data:read", "pii:read"]}))
    users = {"ana": ([], {"country": "FR"}), "bob": (["analysts"], {"country": "FR"}),
             "carl": (["contractors"], {"country": "FR"}), "dora": ([], {})}
    apis = {"admin": admin}
    for name, (groups, attributes) in users.items():
        created(admin.post("/v1/users", {"name": name, "groups": groups,
                                         "attributes": attributes}))
        key = created(admin.post("/v1/api-keys", {"name": name, "owner": f"user:{name}"}))
        apis[name] = server.api(key=key["key"])
    document = dict(POLICIES)
    document["grants"] = [{"principal": "user:ana", "role": "reader"},
                          {"principal": "group:analysts", "role": "reader"},
                          {"principal": "group:contractors", "role": "pii_reader"},
                          {"principal": "user:dora", "role": "reader"}]
    resp = admin.post("/v1/datasets/hr/access", document)
    assert resp.status_code == 200, resp.text
    return apis


def test_the_access_document_is_returned_whole(world):
    admin = world["admin"]
    doc = admin.get("/v1/datasets/hr/access").json()
    assert doc["dataset"] == "hr" and doc["version"] >= 1
    assert {(g["principal"], g["role"]) for g in doc["grants"]} >= {
        ("user:ana", "reader"), ("group:analysts", "reader"),
        ("group:contractors", "pii_reader"), ("user:dora", "reader")}
    assert all(g["id"] and g["created_by"] == "user:admin" for g in doc["grants"])
    assert [p["name"] for p in doc["row_policies"]] == ["own_country"]
    assert doc["row_policies"][0]["filter"] == "country = $user.country"
    fields = {p["name"]: p for p in doc["field_policies"]}
    assert set(fields) == {"ssn", "notes", "name", "code", "salary"}
    assert fields["ssn"]["action"] == "deny" and fields["ssn"]["field"] == "ssn"
    assert all(p["id"] and p["field_id"] for p in doc["field_policies"])
    # access:read is needed to read it; readers do not hold it.
    assert_problem(world["ana"].get("/v1/datasets/hr/access"), 403)
    assert_problem(world["ana"].post("/v1/datasets/hr/access", {"grants": [
        {"principal": "user:ana", "role": "owner"}]}), 403)


def test_the_admin_sees_everything(world):
    """The fixture is not vacuous: every marker is in the data."""
    text = world["admin"].post("/v1/datasets/hr/query", {"sql": "SELECT * FROM hr"}).text
    for markers in FORBIDDEN.values():
        for marker in markers:
            assert marker in text


@pytest.mark.parametrize("who", ["ana", "bob", "carl", "dora"])
def test_queries_show_no_hidden_row_nor_protected_value(world, who):
    api = world[who]
    for sql in QUERIES:
        for headers, extra in FORMATS:
            for path in ("/v1/datasets/hr/query", "/v1/query"):
                resp = api.post(path, {"sql": sql, **extra}, headers=headers)
                assert resp.status_code == 200, f"{who} {path} {sql}: {resp.text}"
                assert_no_leak(who, resp, f"{path} {sql} {headers or extra}")
    # Cursor pages of a query.
    resp = api.post("/v1/query", {"sql": "SELECT * FROM hr ORDER BY time", "limit": 1})
    pages, rows = 0, 0
    while True:
        assert resp.status_code == 200, resp.text
        assert_no_leak(who, resp, "a query page")
        pages += 1
        rows += len(resp.json()["rows"])
        cursor = resp.json()["next_cursor"]
        if not cursor:
            break
        resp = api.post("/v1/query", {"cursor": cursor})
        assert pages < 10
    assert rows == VISIBLE_ROWS[who]


@pytest.mark.parametrize("who", ["ana", "bob", "carl", "dora"])
def test_records_and_changes_show_no_hidden_row_nor_protected_value(world, who):
    api = world[who]
    for params in ({}, {"format": "ndjson"}, {"format": "csv"}, {"filter": "country = 'FR' OR country = 'US'"},
                   {"sort": "-time", "fields": "time,name,email,notes,code"}):
        for headers in ({}, {"Accept": "text/csv"}):
            resp = api.get("/v1/datasets/hr/records", params=params, headers=headers)
            assert resp.status_code == 200, resp.text
            assert_no_leak(who, resp, f"records {params} {headers}")
    # Keyset pages, by sort order and by a transformed field.
    for sort in ("time", "-notes", "code"):
        params = {"limit": 1, "sort": sort}
        seen = 0
        while True:
            resp = api.get("/v1/datasets/hr/records", params=params)
            assert resp.status_code == 200, resp.text
            assert_no_leak(who, resp, f"records page sorted by {sort}")
            seen += len(resp.json()["items"])
            if not resp.json()["next_cursor"]:
                break
            params = {"limit": 1, "sort": sort, "cursor": resp.json()["next_cursor"]}
            assert seen <= 6
        assert seen == VISIBLE_ROWS[who]
    # The changes feed, whole and by pages, in every format.
    for params in ({}, {"format": "ndjson"}, {"format": "csv"}):
        resp = api.get("/v1/datasets/hr/changes", params=params)
        assert resp.status_code == 200, resp.text
        assert_no_leak(who, resp, f"changes {params}")
    since, seen = None, 0
    for _ in range(8):
        resp = api.get("/v1/datasets/hr/changes", params={"limit": 1, **({"since": since}
                                                                          if since else {})})
        assert resp.status_code == 200, resp.text
        assert_no_leak(who, resp, "a changes page")
        items = resp.json()["items"]
        seen += len(items)
        since = resp.json()["next_cursor"]
        if not items:
            break
    assert seen == VISIBLE_ROWS[who]


@pytest.mark.parametrize("who", ["ana", "bob", "carl", "dora"])
def test_aggregates_reflect_only_permitted_rows(world, who):
    api = world[who]

    def rows(sql):
        resp = api.post("/v1/datasets/hr/query", {"sql": sql})
        assert resp.status_code == 200, resp.text
        assert_no_leak(who, resp, sql)
        return resp.json()["rows"]

    visible = VISIBLE_ROWS[who]
    assert rows("SELECT count(*) AS n FROM hr") == [[visible]]
    assert rows("SELECT count(*) AS n FROM hr WHERE country = 'US'") == [[0]]
    assert rows("SELECT count(*) AS n FROM hr WHERE salary > 5000000") == [[0]]
    groups = rows("SELECT country, count(*) AS n FROM hr GROUP BY country")
    assert groups == ([["FR", visible]] if visible else [])
    total = rows("SELECT sum(salary) AS s, count(DISTINCT name) AS d FROM hr")
    expected_sum = None if who in ("carl", "dora") else 4242421 + 4242422 + 4242423
    assert total == [[expected_sum, visible]]


def test_filtering_and_grouping_on_protected_fields_see_what_the_caller_sees(world):
    ana, bob, carl = world["ana"], world["bob"], world["carl"]

    def rows(api, sql):
        resp = api.post("/v1/datasets/hr/query", {"sql": sql})
        assert resp.status_code == 200, resp.text
        return resp.json()["rows"]

    # ana's notes are masked: the stored value matches nothing, the mask does.
    assert rows(ana, "SELECT count(*) AS n FROM hr WHERE notes = 'NOTE-FR-1'") == [[0]]
    assert rows(ana, "SELECT count(*) AS n FROM hr WHERE notes LIKE '%FR-1'") == [[1]]
    assert rows(ana, "SELECT notes FROM hr ORDER BY notes") == [
        ["*****FR-1"], ["*****FR-2"], ["*****FR-3"]]
    # bob's names are hashed: deterministic, so grouping still works.
    hashed = rows(bob, "SELECT name, count(*) AS n FROM hr GROUP BY name ORDER BY name")
    assert len(hashed) == 3 and all(len(h) == 32 and n == 1 for h, n in hashed)
    assert rows(bob, "SELECT count(*) AS n FROM hr WHERE name = 'fr-name-1'") == [[0]]
    # carl's codes are tokens, his salaries NULL; he holds pii:read, so emails are readable.
    tokens = rows(carl, "SELECT code, salary, email FROM hr ORDER BY time")
    assert all(code.startswith("tok_") and salary is None for code, salary, _ in tokens)
    assert [email for _, _, email in tokens] == [f"fr{i}.person@corp.example" for i in (1, 2, 3)]
    # ana and bob lack pii:read: emails are masked to their last 4 characters.
    assert all(e.endswith("mple") and "corp" not in e
               for (e,) in rows(ana, "SELECT email FROM hr"))


@pytest.mark.parametrize("who", ["ana", "bob", "carl"])
def test_errors_show_no_hidden_row_nor_protected_value(world, who):
    api = world[who]
    denied = who in ("ana", "bob")
    for sql in ("SELECT ssn FROM hr", "SELECT count(*) FROM hr WHERE ssn LIKE 'SSN-US%'",
                "SELECT count(*) AS n FROM hr GROUP BY ssn"):
        resp = api.post("/v1/datasets/hr/query", {"sql": sql})
        if denied:
            body = assert_problem(resp, 403, "field_denied")
            assert "ssn" in body["detail"]
        else:
            assert resp.status_code == 200, resp.text
        assert_no_leak(who, resp, f"the error of {sql}")
    # * leaves a denied field out instead of failing.
    star = api.post("/v1/datasets/hr/query", {"sql": "SELECT * FROM hr LIMIT 1"}).json()
    assert ("ssn" in [c["name"] for c in star["columns"]]) is not denied
    # Casts that fail show the transformed value, and never meet a hidden row.
    for sql in ("SELECT CAST(name AS int64) FROM hr", "SELECT sum(CAST(code AS int64)) FROM hr",
                "SELECT CAST(notes AS float64) FROM hr ORDER BY 1",
                "SELECT CAST(email AS bool) FROM hr"):
        resp = api.post("/v1/datasets/hr/query", {"sql": sql})
        assert resp.status_code >= 400, resp.text
        assert_no_leak(who, resp, f"the error of {sql}")
    for params in ({"filter": "CAST(code AS int64) > 0"}, {"filter": "name = 'x' AND"},
                   {"cursor": "forged.cursor"}):
        resp = api.get("/v1/datasets/hr/records", params=params)
        assert resp.status_code >= 400, f"{params}: {resp.text}"
        assert_no_leak(who, resp, f"the records error for {params}")
    for params in ({"filter": "ssn = 'SSN-US-1'"}, {"fields": "time,ssn"}, {"sort": "ssn"}):
        resp = api.get("/v1/datasets/hr/records", params=params)
        if denied:
            assert_problem(resp, 403, "field_denied")
        else:
            assert resp.status_code == 200, resp.text
        assert_no_leak(who, resp, f"records with {params}")


def test_explain_lists_the_policies_that_apply(world):
    mine = world["ana"].post("/v1/authz/explain", {"action": "data:read",
                                                   "resource": "hr"}).json()
    assert mine["allowed"] is True
    assert mine["granted_by"] == [{"role": "reader", "resource": "hr"}]
    assert mine["row_policies"] == [{"name": "own_country", "filter": "country = $user.country"}]
    assert {(p["field"], p["action"]) for p in mine["field_policies"]} == {
        ("ssn", "deny"), ("notes", "mask")}
    assert mine["pii_masked"] == ["email"]
    carl = world["admin"].post("/v1/authz/explain", {"principal": "user:carl",
                                                     "action": "data:read",
                                                     "resource": "hr"}).json()
    assert {(p["field"], p["action"]) for p in carl["field_policies"]} == {
        ("code", "tokenize"), ("salary", "null")}
    assert carl["pii_masked"] == []
    grants = world["ana"].post("/v1/authz/explain", {"action": "datasets:read",
                                                     "resource": "hr"}).json()
    assert "row_policies" not in grants


# -- changing the access document ----------------------------------------------------------

SCRATCH = {"id": "scratch", "time_field": "time",
           "fields": [{"name": "time", "type": "timestamp"},
                      {"name": "country", "type": "string"},
                      {"name": "secret", "type": "string"}]}


@pytest.fixture(scope="module")
def scratch(world):
    admin = world["admin"]
    admin.create_dataset(SCRATCH)
    rows = [{"time": T0.format(1), "country": "FR", "secret": "fr-secret"},
            {"time": T0.format(2), "country": "US", "secret": "us-secret"}]
    resp = admin.request("POST", "/v1/datasets/scratch/ingest", data=ndjson(rows),
                         headers={"Content-Type": "application/x-ndjson"})
    assert resp.status_code == 200, resp.text
    resp = admin.post("/v1/datasets/scratch/access", {
        "grants": [{"principal": "user:ana", "role": "reader"}],
        "row_policies": [{"name": "own_country", "filter": "country = $user.country",
                          "applies_to": ["role:reader"]}]})
    assert resp.status_code == 200, resp.text
    return "scratch"


def count(api, dataset="scratch"):
    resp = api.post(f"/v1/datasets/{dataset}/query", {"sql": f"SELECT count(*) FROM {dataset}"})
    assert resp.status_code == 200, resp.text
    return resp.json()["rows"][0][0]


def test_bad_documents_are_refused_whole_with_pointers(world, scratch):
    admin = world["admin"]
    before = admin.get("/v1/datasets/scratch/access").json()
    body = assert_problem(admin.post("/v1/datasets/scratch/access", {
        "grants": [{"principal": "user:nobody", "role": "reader"}],
        "row_policies": [{"name": "bad", "filter": "contry = 'FR'", "applies_to": ["*"]},
                         {"name": "worse", "filter": "country = ", "applies_to": ["*"]}],
        "field_policies": [{"field": "secrte", "action": "mask", "applies_to": ["*"]}]}), 422)
    assert [e["pointer"] for e in body["errors"]] == [
        "/grants/0/principal", "/row_policies/0/filter", "/row_policies/1/filter",
        "/field_policies/0/field"]
    assert "did you mean 'country'" in body["errors"][1]["detail"]
    body = assert_problem(admin.post("/v1/datasets/scratch/access", {"field_policies": [
        {"field": "secret", "action": "scramble", "applies_to": ["*"]}]}), 422)
    assert body["errors"][0]["pointer"] == "/field_policies/0/action"
    # The single-grant body of earlier versions is refused with the document form to use.
    body = assert_problem(admin.post("/v1/datasets/scratch/access",
                                     {"subject": "user:ana", "role": "reader"}), 422)
    assert "grants" in body["errors"][0]["detail"]
    assert_problem(admin.post("/v1/datasets/scratch/access", {}), 422)
    assert_problem(admin.post("/v1/datasets/scratch/access", {"grants": [
        {"principal": "user:ana", "role": "ghost"}]}), 422)
    assert admin.get("/v1/datasets/scratch/access").json() == before, "nothing was written"
    assert_problem(admin.post("/v1/datasets/nope/access", {"grants": []}), 404)
    assert_problem(admin.get("/v1/datasets/nope/access"), 404)


def test_changes_take_effect_on_the_next_request(world, scratch):
    admin, ana = world["admin"], world["ana"]
    assert count(ana) == 1
    assert admin.delete("/v1/datasets/scratch/access/row_policies/own_country").status_code == 204
    assert count(ana) == 2
    assert_problem(admin.delete("/v1/datasets/scratch/access/row_policies/own_country"), 404)
    assert_problem(admin.delete("/v1/datasets/scratch/access/policies/x"), 404)
    doc = admin.post("/v1/datasets/scratch/access", {"row_policies": [
        {"name": "own_country", "filter": "country = $user.country",
         "applies_to": ["role:reader"]}]}).json()
    assert [p["name"] for p in doc["row_policies"]] == ["own_country"]
    assert count(ana) == 1
    # A field policy without a name is named after its field; another one replaces it.
    doc = admin.post("/v1/datasets/scratch/access", {"field_policies": [
        {"field": "secret", "action": "deny", "applies_to": ["user:ana"]}]}).json()
    assert [(p["name"], p["action"]) for p in doc["field_policies"]] == [("secret", "deny")]
    assert_problem(ana.post("/v1/datasets/scratch/query", {"sql": "SELECT secret FROM scratch"}),
                   403, "field_denied")
    doc = admin.post("/v1/datasets/scratch/access", {"field_policies": [
        {"field": "secret", "action": "mask", "applies_to": ["user:ana"]}]}).json()
    assert [(p["name"], p["action"]) for p in doc["field_policies"]] == [("secret", "mask")]
    rows = ana.post("/v1/datasets/scratch/query", {"sql": "SELECT secret FROM scratch"}).json()
    assert rows["rows"] == [["*****cret"]]
    assert admin.delete("/v1/datasets/scratch/access/field_policies/secret").status_code == 204
    # Grants: removing ana's makes the dataset invisible to her at once.
    grant = next(g for g in admin.get("/v1/datasets/scratch/access").json()["grants"]
                 if g["principal"] == "user:ana")
    assert admin.delete(f"/v1/datasets/scratch/access/grants/{grant['id']}").status_code == 204
    assert_problem(ana.post("/v1/datasets/scratch/query", {"sql": "SELECT 1 FROM scratch"}), 404)
    assert_problem(admin.delete(f"/v1/datasets/scratch/access/grants/{grant['id']}"), 404)
    again = admin.post("/v1/datasets/scratch/access", {"grants": [
        {"principal": "user:ana", "role": "reader"}]})
    assert again.status_code == 200, again.text
    assert count(ana) == 1
    # Both writes are in the audit log.
    audit = admin.get("/v1/audit", params={"action": "access.remove"}).json()["items"]
    assert any(entry["outcome"] == "success" for entry in audit), audit
    assert admin.get("/v1/audit", params={"action": "access.update"}).json()["items"]


def test_policies_follow_renames_and_block_drops(world, scratch):
    admin, ana = world["admin"], world["ana"]
    resp = admin.patch("/v1/datasets/scratch/schema", {"changes": [
        {"op": "rename", "name": "country", "to": "nation"}]})
    assert resp.status_code == 200, resp.text
    doc = admin.get("/v1/datasets/scratch/access").json()
    assert doc["row_policies"][0]["filter"] == "nation = $user.country"
    assert count(ana) == 1, "the policy still reads its field"
    body = assert_problem(admin.patch("/v1/datasets/scratch/schema", {"changes": [
        {"op": "drop", "name": "nation"}]}), 409, "field_in_use")
    assert "own_country" in body["detail"]
    assert body["errors"][0]["pointer"] == "/changes/0/name"
    assert admin.get("/v1/datasets/scratch/schema").json()["version"] == 2


def test_a_deleted_dataset_takes_its_policies_along(world):
    admin = world["admin"]
    spec = {**SCRATCH, "id": "ephemeral"}
    admin.create_dataset(spec)
    resp = admin.post("/v1/datasets/ephemeral/access", {"field_policies": [
        {"field": "secret", "action": "deny", "applies_to": ["*"]}]})
    assert resp.status_code == 200, resp.text
    assert_problem(admin.post("/v1/datasets/ephemeral/query",
                              {"sql": "SELECT secret FROM ephemeral"}), 403, "field_denied")
    assert admin.delete("/v1/datasets/ephemeral").status_code == 204
    admin.create_dataset(spec)
    doc = admin.get("/v1/datasets/ephemeral/access").json()
    assert doc["row_policies"] == [] and doc["field_policies"] == []
    resp = admin.post("/v1/datasets/ephemeral/query", {"sql": "SELECT secret FROM ephemeral"})
    assert resp.status_code == 200, resp.text
