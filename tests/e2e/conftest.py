"""Shared helpers for the stratad end-to-end tests.

Every test file drives a real `stratad` binary (path in $STRATAD_BIN) over loopback HTTP.

- `Server` starts one stratad on a free port with a temp data dir, waits for /readyz, and on
  stop() sends SIGTERM and reports the exit code. Its stderr goes to a file in the temp dir and
  is attached to the report of any failing test. With `tls_ca` (the PEM that verifies its
  certificate; the TLS options go in `settings`) it is reached over https.
- Fixtures: `server` (one per test file, graceful shutdown asserted on teardown), `api` (an
  authenticated client of that server), `server_options` (override per file to pass extra
  `--set key=value` options).
- `assert_problem(resp, status, code=None)` checks an RFC 9457 problem+json answer and that
  the server still answers /healthz afterwards.
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

import pytest
import requests

BOOTSTRAP_KEY = "e2e-bootstrap-key-0123456789abcdefghijkl"  # 40 characters.
assert len(BOOTSTRAP_KEY) == 40

DEFAULT_SETTINGS = {
    "server.max_body_bytes": "1048576",
    "server.max_header_bytes": "8192",
}

READY_TIMEOUT_S = 10.0
SHUTDOWN_TIMEOUT_S = 15.0
HTTP_TIMEOUT_S = 10.0

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

# Servers whose stderr is worth attaching to the report of the test running now.
_TRACKED = []


def stratad_bin():
    path = os.environ.get("STRATAD_BIN")
    if not path:
        pytest.fail("STRATAD_BIN is not set: point it at the stratad binary", pytrace=False)
    if not os.access(path, os.X_OK):
        pytest.fail(f"STRATAD_BIN={path} is not an executable file", pytrace=False)
    return path


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_refuses(port, timeout=0.5):
    """True when a connection to 127.0.0.1:port is refused (nobody listens)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False


def run_stratad(args, env_extra=None, timeout=15):
    """Runs stratad to completion (for commands that must exit by themselves), with no
    STRATA_* variable from the caller's environment except those in `env_extra`."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("STRATA_"):
            del env[name]
    if env_extra:
        env.update(env_extra)
    return subprocess.run([stratad_bin()] + list(args), env=env, capture_output=True,
                          timeout=timeout, text=True)


class Server:
    """One stratad process on a free loopback port with its own temp data dir."""

    def __init__(self, settings=None, env=None, data_dir=None, bootstrap_key=BOOTSTRAP_KEY,
                 args=None, name="stratad", tls_ca=None):
        self.name = name
        self.tls_ca = tls_ca
        self.settings = dict(DEFAULT_SETTINGS)
        self.settings.update(settings or {})
        self.env_extra = dict(env or {})
        self.bootstrap_key = bootstrap_key
        self.extra_args = list(args or [])
        self.tmp = tempfile.mkdtemp(prefix="strata-e2e-")
        self.owns_data_dir = data_dir is None
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        self.stderr_path = os.path.join(self.tmp, "stderr.log")
        self.port = None
        self.proc = None
        self.exit_code = None
        self._stderr_file = None
        self._stderr_cache = ""

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def base(self):
        scheme = "https" if self.tls_ca else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def verify(self):
        """The `verify` argument of requests calls to this server."""
        return self.tls_ca or True

    def command(self):
        cmd = [stratad_bin(), "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.data_dir,
               "--log-level", "warn"]
        for key, value in self.settings.items():
            cmd += ["--set", f"{key}={value}"]
        return cmd + self.extra_args

    def start(self, wait=True):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.port = free_port()
        env = dict(os.environ)
        for name in list(env):
            if name.startswith("STRATA_"):
                del env[name]
        if self.bootstrap_key is not None:
            env["STRATA_BOOTSTRAP_KEY"] = self.bootstrap_key
        env.update(self.env_extra)
        self._stderr_file = open(self.stderr_path, "ab")
        self.exit_code = None
        self.proc = subprocess.Popen(self.command(), env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._stderr_file, stderr=self._stderr_file)
        if self not in _TRACKED:
            _TRACKED.append(self)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=READY_TIMEOUT_S):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"stratad exited with code {self.proc.returncode} before it was ready\n"
                    f"--- stderr ---\n{self.stderr_text()}")
            try:
                resp = requests.get(self.base + "/readyz", timeout=1, verify=self.verify)
                if resp.status_code == 200:
                    return
                last = f"{resp.status_code} {resp.text[:200]}"
            except requests.RequestException as e:
                last = repr(e)
            time.sleep(0.05)
        raise AssertionError(f"stratad not ready within {timeout} s (last: {last})\n"
                             f"--- stderr ---\n{self.stderr_text()}")

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=SHUTDOWN_TIMEOUT_S):
        """Exit code, or None when the process did not exit within `timeout` (it is then
        killed so that nothing outlives the test)."""
        try:
            self.exit_code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.exit_code = None
        finally:
            if self._stderr_file:
                self._stderr_file.close()
                self._stderr_file = None
        return self.exit_code

    def stop(self, sig=signal.SIGTERM, timeout=SHUTDOWN_TIMEOUT_S):
        """Sends `sig` and waits for the exit; returns the exit code (None = hung, killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.send_signal(sig)
        return self.wait_exit(timeout)

    def stop_and_check(self, sig=signal.SIGTERM, timeout=SHUTDOWN_TIMEOUT_S):
        """Graceful shutdown is part of every test: fails unless the exit is clean."""
        code = self.stop(sig, timeout)
        assert code == 0, (
            f"stratad did not shut down cleanly after {signal.Signals(sig).name}: "
            + ("still running after %s s (killed)" % timeout if code is None
               else f"exit code {code}")
            + f"\n--- stderr ---\n{self.stderr_text()}")

    def cleanup(self):
        if self.running():
            self.proc.kill()
            self.proc.wait(timeout=10)
        if self._stderr_file:
            self._stderr_file.close()
            self._stderr_file = None
        self._stderr_cache = self.stderr_text()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def stderr_text(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return self._stderr_cache

    # -- clients --------------------------------------------------------------------------

    def api(self, key=None):
        return Api(self.base, self.bootstrap_key if key is None else key, verify=self.verify)

    def healthy(self):
        resp = requests.get(self.base + "/healthz", timeout=HTTP_TIMEOUT_S, verify=self.verify)
        return resp.status_code == 200


_MISSING = object()


class Api:
    """A small client of one server; authenticated with `key` unless auth=False."""

    def __init__(self, base, key, verify=True):
        self.base = base
        self.key = key
        # Passed with every request: a session's own `verify` loses to REQUESTS_CA_BUNDLE.
        self.verify = verify
        self.session = requests.Session()

    def request(self, method, path, *, json_body=_MISSING, data=None, headers=None, auth=True,
                params=None, timeout=HTTP_TIMEOUT_S):
        h = {}
        if auth and self.key:
            h["Authorization"] = f"Bearer {self.key}"
        if json_body is not _MISSING:
            data = json.dumps(json_body)
            h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        return self.session.request(method, self.base + path, data=data, headers=h,
                                    params=params, timeout=timeout, allow_redirects=False,
                                    verify=self.verify)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def head(self, path, **kw):
        return self.request("HEAD", path, **kw)

    def post(self, path, body=_MISSING, **kw):
        return self.request("POST", path, json_body=body, **kw)

    def put(self, path, body=_MISSING, **kw):
        return self.request("PUT", path, json_body=body, **kw)

    def patch(self, path, body=_MISSING, **kw):
        return self.request("PATCH", path, json_body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # Convenience for tests that need a dataset to exist.
    def create_dataset(self, spec):
        resp = self.post("/v1/datasets", spec)
        assert resp.status_code == 201, f"create {spec.get('id')}: {resp.status_code} {resp.text}"
        return resp.json()


def raw_http(port, method, target, headers=None, body=b"", timeout=HTTP_TIMEOUT_S):
    """One request through http.client, which sends the target exactly as given (requests
    would re-encode a malformed percent-escape). Returns (status, headers dict, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if body or method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body if body else None)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def recv_all(sock, timeout=HTTP_TIMEOUT_S, limit=1 << 20):
    """Reads from `sock` until the peer closes it (or `timeout` passes, or `limit` bytes)."""
    sock.settimeout(0.5)
    deadline = time.monotonic() + timeout
    chunks = []
    total = 0
    while time.monotonic() < deadline and total < limit:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def parse_raw_response(data):
    """(status, headers dict with lower-case names, body bytes) of one raw HTTP/1.1 response."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines and lines[0].startswith("HTTP/1."), f"not an HTTP response: {data[:200]!r}"
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = body[:int(headers["content-length"])]
    return status, headers, body


def _base_of(url):
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def assert_server_up(base):
    try:
        resp = requests.get(base + "/healthz", timeout=HTTP_TIMEOUT_S)
    except requests.RequestException as e:
        raise AssertionError(f"the server stopped answering /healthz: {e!r}")
    assert resp.status_code == 200, f"/healthz answered {resp.status_code}: {resp.text[:300]}"


def check_problem_body(status_code, headers, body_bytes, status, code=None):
    """Checks an RFC 9457 problem; `headers` has lower-case names. Returns the parsed body."""
    content_type = headers.get("content-type", "")
    text = body_bytes.decode("utf-8", "replace")
    assert status_code == status, f"expected {status}, got {status_code}: {text[:500]}"
    assert content_type.split(";")[0].strip().lower() == "application/problem+json", (
        f"Content-Type is {content_type!r}, expected application/problem+json; body {text[:300]}")
    try:
        body = json.loads(text)
    except ValueError:
        raise AssertionError(f"problem body is not JSON: {text[:300]!r}")
    assert isinstance(body, dict), f"problem body is not an object: {text[:300]}"
    for member in ("type", "title", "status", "code", "detail", "instance", "request_id"):
        assert member in body, f"problem lacks '{member}': {body}"
    for member in ("type", "title", "code", "detail", "instance", "request_id"):
        assert isinstance(body[member], str) and body[member], f"bad '{member}': {body}"
    assert body["status"] == status_code, f"problem status {body['status']} != {status_code}"
    if code is not None:
        assert body["code"] == code, f"expected code {code!r}, got {body['code']!r}: {body}"
    request_id = headers.get("x-request-id")
    assert request_id, f"no X-Request-Id header on a problem response: {headers}"
    assert body["request_id"] == request_id, (
        f"request_id {body['request_id']!r} != X-Request-Id {request_id!r}")
    assert REQUEST_ID_RE.match(request_id), f"malformed request id {request_id!r}"
    assert body["instance"] == "urn:strata:request:" + request_id, body["instance"]
    detail = body["detail"]
    for leak in ("/tmp", ".cc", "sqlite", "SQLITE"):
        assert leak not in detail, f"detail leaks internals ({leak!r}): {detail}"
    if "errors" in body:
        assert isinstance(body["errors"], list) and body["errors"], body
        for item in body["errors"]:
            assert isinstance(item, dict) and isinstance(item.get("detail"), str), item
            assert sum(k in item for k in ("pointer", "parameter", "header")) == 1, item
            for leak in ("/tmp", ".cc", "sqlite"):
                assert leak not in item["detail"], f"error detail leaks internals: {item}"
    return body


def assert_problem(resp, status, code=None, check_alive=True):
    """Checks that `resp` (a requests.Response) is a problem+json answer with `status` (and
    `code` when given), then that the same server still answers /healthz. Returns the body."""
    headers = {k.lower(): v for k, v in resp.headers.items()}
    body = check_problem_body(resp.status_code, headers, resp.content, status, code)
    if check_alive:
        assert_server_up(_base_of(resp.url))
    return body


JOB_FINISHED = ("succeeded", "failed", "cancelled")


def wait_job(api, job_id, until=JOB_FINISHED, timeout=60.0):
    """Polls GET /v1/jobs/{id} until its state is in `until`; returns every body seen."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        resp = api.get(f"/v1/jobs/{job_id}")
        assert resp.status_code == 200, resp.text
        seen.append(resp.json())
        if seen[-1]["state"] in until:
            return seen
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} still {seen[-1]['state']} after {timeout} s: {seen[-1]}")


def error_items(body, key="pointer"):
    return [item.get(key) for item in body.get("errors", [])]


# -- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server_options():
    """Extra `--set` options for this file's server; override in a test module."""
    return {}


@pytest.fixture(scope="module")
def server(server_options):
    srv = Server(settings=server_options)
    try:
        srv.start()
        yield srv
        srv.stop_and_check()
    finally:
        srv.cleanup()


@pytest.fixture
def api(server):
    return server.api()


@pytest.fixture(autouse=True)
def _server_stays_up(request):
    """After every test that used the module server: it must still answer /healthz."""
    yield
    if "server" in request.fixturenames:
        srv = request.getfixturevalue("server")
        if srv.running():
            assert_server_up(srv.base)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for srv in _TRACKED:
            text = srv.stderr_text()
            if len(text) > 20000:
                text = "...\n" + text[-20000:]
            report.sections.append((f"{srv.name} stderr (port {srv.port})", text or "(empty)"))
    if report.when == "teardown":
        _TRACKED[:] = [srv for srv in _TRACKED if srv.running()]
