"""Helpers shared by the OWASP API Security Top 10 (2023) modules, test_owasp_api*.py.

- `route_table()`: the permission table parsed from its source,
  src/server/api/route_permissions.cc, which is the one statement of what every route needs.
- `Principals`: users created by the admin with the grants a test names, each with an API key.
- `ResponseLog`: every response a set of clients received, for checks over all of them.
- `comparable(resp, replacements)`: the parts of an answer that must be equal for a hidden
  object and a missing one (status, problem type/title/code/detail, header names).
"""

import collections
import json
import os
import re
import time

ROUTE_PERMISSIONS_CC = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "server", "api",
    "route_permissions.cc"))

Route = collections.namedtuple("Route", "method path scope permission")

# One table row: {M::kGet, "/v1/datasets/{id}", S::kDataset, "datasets:read"},
_ROW = re.compile(r'\{\s*M::k(\w+)\s*,\s*"([^"]+)"\s*,\s*S::k(\w+)\s*,\s*"([^"]*)"\s*\}')
_SCOPES = {"Public": "public", "Authenticated": "authenticated", "Global": "global",
           "Dataset": "dataset", "SelfOr": "self_or"}

# Headers whose value or presence differs between any two answers.
_VOLATILE_HEADERS = {"date", "x-request-id", "content-length", "connection", "keep-alive"}


def route_table():
    """Every row of the permission table as Route(method, path, scope, permission), methods
    upper-case, scopes public|authenticated|global|dataset|self_or."""
    with open(ROUTE_PERMISSIONS_CC, encoding="utf-8") as f:
        text = f.read()
    rows = []
    for match in _ROW.finditer(text):
        method, path, scope, permission = match.groups()
        assert scope in _SCOPES, f"unknown access scope S::k{scope} in {ROUTE_PERMISSIONS_CC}"
        rows.append(Route(method.upper(), path, _SCOPES[scope], permission))
    # Every "{M::k" opens a row: a row the regex does not read must fail loudly.
    assert len(rows) == text.count("{M::k"), (
        f"{ROUTE_PERMISSIONS_CC}: read {len(rows)} rows of {text.count('{M::k')}; the row "
        "format changed, update owasp.py")
    assert len(rows) > 40, f"suspiciously few routes in {ROUTE_PERMISSIONS_CC}: {len(rows)}"
    return rows


def wait_until_healthy(server, seconds=5):
    """Waits (bounded) until /readyz answers again, e.g. after a burst of connections: closed
    connections are released soon after, not at once."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if server.healthy():
                return
        except OSError:
            pass
        time.sleep(0.1)


def created(resp):
    assert resp.status_code == 201, f"{resp.request.method} {resp.url}: {resp.status_code} " \
                                    f"{resp.text[:500]}"
    return resp.json()


def ndjson(rows):
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def ingest(api, dataset, rows, params=None):
    return api.request("POST", f"/v1/datasets/{dataset}/ingest", data=ndjson(rows),
                       headers={"Content-Type": "application/x-ndjson"}, params=params)


class Principals:
    """Users made by `admin` (the bootstrap key's client), each with one API key it owns."""

    def __init__(self, server, admin):
        self.server = server
        self.admin = admin
        self.apis = {}
        self.keys = {}      # name -> the API key (secret)
        self.key_ids = {}   # name -> the key's id

    def user(self, name, grants=(), password=None):
        """Creates user `name` with `grants` [(role, resource), ...] and returns its client."""
        body = {"name": name}
        if password is not None:
            body["password"] = password
        created(self.admin.post("/v1/users", body))
        for role, resource in grants:
            created(self.admin.post("/v1/grants", {"subject": f"user:{name}", "role": role,
                                                   "resource": resource}))
        key = created(self.admin.post("/v1/api-keys", {"name": f"{name} key",
                                                       "owner": f"user:{name}"}))
        self.keys[name] = key["key"]
        self.key_ids[name] = key["id"]
        self.apis[name] = self.server.api(key=key["key"])
        return self.apis[name]

    def __getitem__(self, name):
        return self.apis[name]


class ResponseLog:
    """Collects every response of the clients attached to it."""

    def __init__(self):
        self.responses = []

    def attach(self, api):
        api.session.hooks["response"].append(self._record)
        return api

    def _record(self, resp, *args, **kwargs):
        self.responses.append(resp)
        return resp


def problem_of(resp):
    if not resp.headers.get("Content-Type", "").startswith("application/problem+json"):
        return None
    try:
        body = resp.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def comparable(resp, replacements=()):
    """What a hidden object's answer and a missing object's answer must share: status,
    header names, and the body with request ids removed and each (old, new) of
    `replacements` applied (the ids of the two objects differ, nothing else may)."""
    headers = sorted(name.lower() for name in resp.headers
                     if name.lower() not in _VOLATILE_HEADERS)
    text = resp.text
    for old, new in replacements:
        text = text.replace(old, new)
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = text
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in ("request_id", "instance")}
    return {"status": resp.status_code, "headers": headers, "body": body}
