"""Command line, configuration sources and their precedence, data-dir locking, bootstrap key."""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import requests

from conftest import (BOOTSTRAP_KEY, Server, free_port, port_refuses, run_stratad,
                      stratad_bin)

KEY_RE = re.compile(r"strata_[0-9A-Za-z]+")


@pytest.fixture
def tmpdir_path():
    path = tempfile.mkdtemp(prefix="strata-e2e-config-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def assert_config_error(result, *words):
    assert result.returncode == 2, (result.returncode, result.stderr)
    for word in words:
        assert word in result.stderr, f"stderr lacks {word!r}: {result.stderr}"
    assert "Traceback" not in result.stderr and "terminate called" not in result.stderr


# -- invalid configuration exits 2 ----------------------------------------------------------


def test_unknown_set_option_suggests(tmpdir_path):
    result = run_stratad(["--data-dir", tmpdir_path + "/d", "--set", "server.lisen=1"])
    assert_config_error(result, "did you mean 'server.listen'")
    assert not os.path.exists(tmpdir_path + "/d/meta.db")


@pytest.mark.parametrize("args,words", [
    (["--set", "server.max_body_bytes=10"], ["server.max_body_bytes"]),
    (["--set", "server.max_body_bytes=abc"], ["server.max_body_bytes"]),
    (["--set", "server.max_body_bytes"], ["KEY=VALUE"]),
    (["--set", "nosection=1"], ["nosection"]),
    (["--listen", "not-an-address"], ["server.listen"]),
    (["--listen", "127.0.0.1:70000"], ["server.listen"]),
    (["--log-level", "loud"], ["log.level"]),
    (["--bogus-flag"], ["--bogus-flag"]),
    (["--listen", "127.0.0.1:9090"], ["grpc_listen"]),
])
def test_invalid_flags_exit_2(tmpdir_path, args, words):
    result = run_stratad(["--data-dir", tmpdir_path + "/d"] + args)
    assert_config_error(result, *words)


def test_invalid_toml_exits_2(tmpdir_path):
    path = write(os.path.join(tmpdir_path, "bad.toml"), "[server\nlisten = \n")
    result = run_stratad(["--config", path, "--data-dir", tmpdir_path + "/d"])
    assert_config_error(result, "bad.toml")


def test_toml_unknown_key_exits_2(tmpdir_path):
    path = write(os.path.join(tmpdir_path, "unknown.toml"),
                 '[server]\nlisen = "127.0.0.1:1234"\n')
    result = run_stratad(["--config", path, "--data-dir", tmpdir_path + "/d"])
    assert_config_error(result, "server.lisen", "did you mean 'server.listen'")


def test_toml_unknown_section_exits_2(tmpdir_path):
    path = write(os.path.join(tmpdir_path, "section.toml"), '[sever]\nlisten = "127.0.0.1:1"\n')
    result = run_stratad(["--config", path, "--data-dir", tmpdir_path + "/d"])
    assert_config_error(result, "sever.listen")


def test_toml_wrong_type_exits_2(tmpdir_path):
    path = write(os.path.join(tmpdir_path, "type.toml"),
                 '[server]\nmax_body_bytes = "lots"\n')
    result = run_stratad(["--config", path, "--data-dir", tmpdir_path + "/d"])
    assert_config_error(result, "server.max_body_bytes")


def test_missing_config_file_exits_2(tmpdir_path):
    result = run_stratad(["--config", os.path.join(tmpdir_path, "absent.toml"),
                          "--data-dir", tmpdir_path + "/d"])
    assert_config_error(result, "absent.toml")


def test_bad_environment_value_exits_2(tmpdir_path):
    result = run_stratad(["--data-dir", tmpdir_path + "/d"],
                         env_extra={"STRATA_SERVER_MAX_BODY_BYTES": "abc"})
    assert_config_error(result, "STRATA_SERVER_MAX_BODY_BYTES")


def test_bad_environment_listen_exits_2(tmpdir_path):
    result = run_stratad(["--data-dir", tmpdir_path + "/d"],
                         env_extra={"STRATA_SERVER_LISTEN": "nowhere"})
    assert_config_error(result, "STRATA_SERVER_LISTEN")


# -- subcommands ----------------------------------------------------------------------------


def test_version_exits_0():
    result = run_stratad(["version"])
    assert result.returncode == 0, result.stderr
    assert re.match(r"^stratad \d+\.\d+\.\d+", result.stdout), result.stdout


def test_options_exits_0_and_lists_every_option():
    result = run_stratad(["options"])
    assert result.returncode == 0, result.stderr
    for key, env in [("server.listen", "STRATA_SERVER_LISTEN"),
                     ("server.max_body_bytes", "STRATA_SERVER_MAX_BODY_BYTES"),
                     ("server.max_header_bytes", "STRATA_SERVER_MAX_HEADER_BYTES"),
                     ("storage.data_dir", "STRATA_STORAGE_DATA_DIR")]:
        assert key in result.stdout and env in result.stdout, key


def test_help_exits_0():
    result = run_stratad(["--help"])
    assert result.returncode == 0
    assert "--listen" in result.stdout + result.stderr


# -- precedence -----------------------------------------------------------------------------


def _wait_ready(proc, port, stderr_path, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            with open(stderr_path, encoding="utf-8", errors="replace") as f:
                raise AssertionError(f"exited with {proc.returncode}: {f.read()}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise AssertionError(f"not ready on port {port} within {timeout} s")


def _spawn(args, env_extra, stderr_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_")}
    env["STRATA_BOOTSTRAP_KEY"] = BOOTSTRAP_KEY
    env.update(env_extra)
    err = open(stderr_path, "ab")
    try:
        return subprocess.Popen([stratad_bin()] + args, env=env, stdin=subprocess.DEVNULL,
                                stdout=err, stderr=err)
    finally:
        err.close()


def _stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
        return None


def _distinct_ports(n):
    ports = set()
    for _ in range(50):
        ports.add(free_port())
        if len(ports) == n:
            return sorted(ports)
    raise AssertionError("could not find free ports")


@pytest.mark.parametrize("sources,expected", [
    (("file", "env", "flag"), "flag"),
    (("file", "env"), "env"),
    (("file",), "file"),
    (("file", "flag"), "flag"),
    (("env", "flag"), "flag"),
])
def test_flags_override_env_override_file(tmpdir_path, sources, expected):
    a, b, c = _distinct_ports(3)
    port = {"file": a, "env": b, "flag": c}
    args = ["--data-dir", os.path.join(tmpdir_path, "d"), "--log-level", "warn"]
    env = {}
    if "file" in sources:
        path = write(os.path.join(tmpdir_path, "strata.toml"),
                     f'[server]\nlisten = "127.0.0.1:{a}"\nmax_header_bytes = 2048\n'
                     f'[log]\nlevel = "warn"\n')
        args += ["--config", path]
    if "env" in sources:
        env["STRATA_SERVER_LISTEN"] = f"127.0.0.1:{b}"
    if "flag" in sources:
        args += ["--listen", f"127.0.0.1:{c}"]
    stderr_path = os.path.join(tmpdir_path, "stderr.log")
    proc = _spawn(args, env, stderr_path)
    try:
        _wait_ready(proc, port[expected], stderr_path)
        for source in sources:
            if source != expected:
                assert port_refuses(port[source]), f"also listening on the {source} port"
        if "file" in sources:
            # Other options of the file still apply.
            resp = requests.get(f"http://127.0.0.1:{port[expected]}/healthz",
                                headers={"X-Filler": "f" * 3000}, timeout=10)
            assert resp.status_code == 431, resp.text
    finally:
        code = _stop(proc)
    assert code == 0, f"exit {code}"


def test_set_overrides_environment(tmpdir_path):
    srv = Server(settings={"server.max_header_bytes": "2048"},
                 env={"STRATA_SERVER_MAX_HEADER_BYTES": "65536"}, name="set-vs-env")
    try:
        srv.start()
        resp = srv.api().get("/healthz", headers={"X-Filler": "f" * 3000})
        assert resp.status_code == 431, resp.text
        srv.stop_and_check()
    finally:
        srv.cleanup()


def test_unknown_environment_variable_is_a_warning(tmpdir_path):
    srv = Server(env={"STRATA_SERVER_LISEN": "127.0.0.1:1"}, name="unknown-env")
    try:
        srv.start()
        assert srv.healthy()
        srv.stop_and_check()
        assert "STRATA_SERVER_LISEN" in srv.stderr_text()
    finally:
        srv.cleanup()


# -- data directory and bootstrap -----------------------------------------------------------


def test_second_server_on_same_data_dir_exits_1():
    first = Server(name="first")
    try:
        first.start()
        second = Server(data_dir=first.data_dir, name="second")
        try:
            second.start(wait=False)
            code = second.wait_exit(timeout=10)
            assert code == 1, f"second stratad exit code {code}: {second.stderr_text()}"
            assert "in use" in second.stderr_text()
            assert port_refuses(second.port)
        finally:
            second.cleanup()
        # The first one is unharmed.
        assert first.healthy()
        assert first.api().get("/v1/datasets").status_code == 200
        first.stop_and_check()
    finally:
        first.cleanup()


def test_port_in_use_exits_1(tmpdir_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        result = run_stratad(["--listen", f"127.0.0.1:{port}", "--data-dir",
                              os.path.join(tmpdir_path, "d"), "--log-level", "warn"],
                             env_extra={"STRATA_BOOTSTRAP_KEY": BOOTSTRAP_KEY})
        assert result.returncode == 1, (result.returncode, result.stderr)
        assert str(port) in result.stderr


def test_short_bootstrap_key_refuses_to_start():
    srv = Server(bootstrap_key="too-short", name="short-key")
    try:
        srv.start(wait=False)
        code = srv.wait_exit(timeout=10)
        assert code not in (0, None), f"exit {code}"
        assert "32" in srv.stderr_text()
    finally:
        srv.cleanup()


def test_restart_keeps_datasets_and_prints_no_new_key():
    first = Server(name="restart-1")
    try:
        first.start()
        api = first.api()
        api.create_dataset({"id": "survivor", "description": "kept", "tags": ["t"],
                            "time_field": "time",
                            "fields": [{"name": "time", "type": "timestamp"}]})
        resp = api.patch("/v1/datasets/survivor/schema", {"changes": [
            {"op": "add", "field": {"name": "n", "type": "int64", "nullable": True}}]})
        assert resp.status_code == 200
        before = api.get("/v1/datasets/survivor")
        cursor_page = api.get("/v1/datasets/survivor/schema/versions?limit=1").json()
        first.stop_and_check()

        # Same data dir, no bootstrap key in the environment this time.
        second = Server(data_dir=first.data_dir, bootstrap_key=None, name="restart-2")
        try:
            second.start()
            api2 = second.api(key=BOOTSTRAP_KEY)
            after = api2.get("/v1/datasets/survivor")
            assert after.status_code == 200, after.text
            assert after.json() == before.json()
            assert after.headers["ETag"] == before.headers["ETag"]
            versions = api2.get("/v1/datasets/survivor/schema/versions").json()["items"]
            assert [v["version"] for v in versions] == [1, 2]
            # Cursors stay valid across restarts (the cursor secret is persisted).
            resp = api2.get("/v1/datasets/survivor/schema/versions",
                            params={"limit": "1", "cursor": cursor_page["next_cursor"]})
            assert resp.status_code == 200, resp.text
            assert [v["version"] for v in resp.json()["items"]] == [2]
            second.stop_and_check()
            assert not KEY_RE.search(second.stderr_text()), second.stderr_text()
            assert "Admin API key" not in second.stderr_text()
        finally:
            second.cleanup()
    finally:
        first.cleanup()


def test_bootstrap_key_is_ignored_once_an_admin_exists():
    first = Server(name="bootstrap-1")
    try:
        first.start()
        first.stop_and_check()
        other_key = "another-bootstrap-key-0123456789abcdefghij"
        second = Server(data_dir=first.data_dir, bootstrap_key=other_key, name="bootstrap-2")
        try:
            second.start()
            resp = second.api(key=other_key).get("/v1/datasets")
            assert resp.status_code == 401, resp.text
            assert second.api(key=BOOTSTRAP_KEY).get("/v1/datasets").status_code == 200
            second.stop_and_check()
        finally:
            second.cleanup()
    finally:
        first.cleanup()


def test_first_start_without_bootstrap_key_prints_one_key():
    first = Server(bootstrap_key=None, name="generated-key")
    try:
        first.start()
        first.stop_and_check()
        text = first.stderr_text()
        keys = set(KEY_RE.findall(text))
        assert len(keys) == 1, f"expected one generated key, found {keys}: {text}"
        key = keys.pop()
        assert text.count("Admin API key") == 1, text

        # Restart: the key works and no key is printed again.
        second = Server(data_dir=first.data_dir, bootstrap_key=None, name="generated-key-2")
        try:
            second.start()
            api = second.api(key=key)
            assert api.get("/v1/datasets").status_code == 200
            resp = api.post("/v1/datasets", {"id": "by_generated_key", "fields": []})
            assert resp.status_code == 201, resp.text
            assert resp.json()["owner"] == "user:admin"
            # A tampered copy of the key fails.
            bad = key[:-1] + ("A" if key[-1] != "A" else "B")
            assert second.api(key=bad).get("/v1/datasets").status_code == 401
            second.stop_and_check()
            assert not KEY_RE.search(second.stderr_text()), second.stderr_text()
        finally:
            second.cleanup()
    finally:
        first.cleanup()


def test_generated_key_authenticates_on_first_run():
    srv = Server(bootstrap_key=None, name="generated-key-live")
    try:
        srv.start()
        deadline = time.monotonic() + 5
        keys = set()
        while time.monotonic() < deadline and not keys:
            keys = set(KEY_RE.findall(srv.stderr_text()))
            time.sleep(0.02)
        assert len(keys) == 1, srv.stderr_text()
        key = keys.pop()
        assert srv.api(key=key).get("/v1/datasets").status_code == 200
        assert srv.api(key="strata_" + "x" * 46).get("/v1/datasets").status_code == 401
        srv.stop_and_check()
    finally:
        srv.cleanup()
