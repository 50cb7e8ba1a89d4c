"""Graceful shutdown on SIGTERM and SIGINT."""

import json
import signal
import socket
import time

import pytest
import requests

from conftest import Server, parse_raw_response, port_refuses, recv_all

PROMPT_S = 5.0


@pytest.fixture
def fresh():
    """A server of this test alone (the test stops it; cleanup kills it if still running)."""
    srv = Server(name="shutdown")
    try:
        srv.start()
        yield srv
    finally:
        srv.cleanup()


def read_one_response(sock, timeout=5.0):
    """Reads exactly one HTTP response (with Content-Length) from a keep-alive socket."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    while b"\r\n\r\n" not in data:
        assert time.monotonic() < deadline, "no response head"
        chunk = sock.recv(65536)
        assert chunk, f"connection closed early: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        assert time.monotonic() < deadline, "incomplete body"
        chunk = sock.recv(65536)
        assert chunk, "connection closed mid-body"
        body += chunk
    return parse_raw_response(head + b"\r\n\r\n" + body)


def open_keep_alive(srv, path="/healthz"):
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    status, headers, _ = read_one_response(sock)
    assert status == 200
    assert headers.get("connection", "").lower() != "close"
    return sock


def wait_closed(sock, timeout):
    """True when the peer closes `sock` (EOF or reset) within `timeout` seconds."""
    sock.settimeout(0.1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True
        if not chunk:
            return True
    return False


def wait_listener_closed(srv, timeout=PROMPT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_refuses(srv.port, timeout=0.5):
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_with_idle_keep_alive_exits_promptly(fresh, sig):
    raw = open_keep_alive(fresh)
    session = requests.Session()
    assert session.get(fresh.base + "/readyz", timeout=5).status_code == 200
    try:
        start = time.monotonic()
        fresh.send_signal(sig)
        code = fresh.wait_exit(timeout=15)
        elapsed = time.monotonic() - start
        assert code == 0, f"exit code {code} after {sig.name}\n{fresh.stderr_text()}"
        assert elapsed < PROMPT_S, f"took {elapsed:.1f} s to exit with an idle connection open"
        assert wait_closed(raw, 2.0), "the idle connection was not closed"
    finally:
        raw.close()
        session.close()


def test_sigterm_with_many_idle_connections(fresh):
    socks = [open_keep_alive(fresh) for _ in range(20)]
    try:
        start = time.monotonic()
        fresh.send_signal(signal.SIGTERM)
        code = fresh.wait_exit(timeout=15)
        assert code == 0, fresh.stderr_text()
        assert time.monotonic() - start < PROMPT_S
    finally:
        for sock in socks:
            sock.close()


def test_readyz_on_connection_opened_before_sigterm(fresh):
    used = open_keep_alive(fresh, "/readyz")  # Has served a request, now idle.
    fresh_conn = socket.create_connection(("127.0.0.1", fresh.port), timeout=5)  # Nothing sent.
    time.sleep(0.05)  # Let the server accept the second connection.
    try:
        fresh.send_signal(signal.SIGTERM)
        for sock in (used, fresh_conn):
            if wait_closed(sock, PROMPT_S):
                continue  # Not served any more: fine.
            # Still open after the server has surely seen the signal: it must not say ready.
            try:
                sock.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
                data = recv_all(sock, timeout=5)
            except OSError:
                continue
            if data:
                status, headers, body = parse_raw_response(data)
                assert status == 503, (status, body)
                assert json.loads(body)["status"] != "ready"
        code = fresh.wait_exit(timeout=15)
        assert code == 0, fresh.stderr_text()
    finally:
        used.close()
        fresh_conn.close()


def test_in_flight_request_finishes_after_sigterm(fresh):
    sock = socket.create_connection(("127.0.0.1", fresh.port), timeout=5)
    try:
        sock.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\n")  # Head not finished yet.
        time.sleep(0.05)
        fresh.send_signal(signal.SIGTERM)
        assert wait_listener_closed(fresh), "still accepting connections after SIGTERM"
        assert fresh.running(), "exited without finishing the in-flight request"
        sock.sendall(b"X-Request-Id: in-flight\r\n\r\n")
        status, headers, body = read_one_response(sock)
        assert status == 503, (status, body)
        assert headers.get("connection", "").lower() == "close", headers
        assert headers.get("x-request-id") == "in-flight"
        report = json.loads(body)
        assert report["status"] == "not_ready"
        assert report["checks"]["accepting"]["ok"] is False
        assert "Retry-After" in {k.title() for k in headers} or "retry-after" in headers
        assert wait_closed(sock, 2.0)
        code = fresh.wait_exit(timeout=15)
        assert code == 0, fresh.stderr_text()
    finally:
        sock.close()


def test_in_flight_api_request_finishes_after_sigterm(fresh):
    body = json.dumps({"id": "late", "fields": []}).encode()
    sock = socket.create_connection(("127.0.0.1", fresh.port), timeout=5)
    try:
        head = (f"POST /v1/datasets HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: Bearer {fresh.bootstrap_key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        sock.sendall(head + body[:5])  # Body not finished yet.
        time.sleep(0.05)
        fresh.send_signal(signal.SIGTERM)
        assert wait_listener_closed(fresh), "still accepting connections after SIGTERM"
        sock.sendall(body[5:])
        status, headers, resp_body = read_one_response(sock)
        assert status == 201, resp_body
        assert headers.get("connection", "").lower() == "close"
        code = fresh.wait_exit(timeout=15)
        assert code == 0, fresh.stderr_text()
    finally:
        sock.close()
    # The acknowledged write is durable: a restart on the same data dir sees it.
    again = Server(data_dir=fresh.data_dir, name="shutdown-restart")
    try:
        again.start()
        assert again.api().get("/v1/datasets/late").status_code == 200
        again.stop_and_check()
    finally:
        again.cleanup()


def test_new_connections_refused_after_sigterm(fresh):
    sock = socket.create_connection(("127.0.0.1", fresh.port), timeout=5)
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # Keeps the process alive.
        time.sleep(0.05)
        fresh.send_signal(signal.SIGTERM)
        assert wait_listener_closed(fresh)
        with pytest.raises(requests.ConnectionError):
            requests.get(fresh.base + "/healthz", timeout=2)
        sock.sendall(b"\r\n")
        status, _, _ = read_one_response(sock)
        assert status == 200
    finally:
        sock.close()
    assert fresh.wait_exit(timeout=15) == 0, fresh.stderr_text()


def test_repeated_sigterm_still_exits_0(fresh):
    fresh.send_signal(signal.SIGTERM)
    fresh.send_signal(signal.SIGTERM)
    code = fresh.wait_exit(timeout=15)
    assert code == 0, fresh.stderr_text()
