"""Process, HTTP and package helpers shared by the systems of the benchmark against peers.

Every process a system starts goes through Service (or stop_pid for stratad, which starts in a
session of its own): stopped with SIGTERM, then SIGKILL after a bounded wait, also when the run
fails. Every wait in the harness has a bound.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


_STARTED = time.monotonic()


def note(message):
    print(f"bench [{time.monotonic() - _STARTED:6.1f}s]: {message}", file=sys.stderr, flush=True)


class Unavailable(Exception):
    """A system that cannot run here (a package that does not install, a binary missing)."""


class BenchError(Exception):
    """A step that failed: a server that does not start, a load that is not acknowledged."""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout_s, what, interval_s=0.1, alive=None):
    """Polls predicate() until it is truthy (returned), at most timeout_s; alive() false fails."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            value = predicate()
        except Exception:  # Not ready yet: connection refused and the like.
            value = None
        if value:
            return value
        if alive is not None and not alive():
            raise BenchError(f"{what}: the process exited")
        if time.monotonic() >= deadline:
            raise BenchError(f"{what}: not ready within {timeout_s:.0f} s")
        time.sleep(interval_s)


def pid_alive(pid):
    """True while pid runs (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return False


def stop_pid(pid, timeout_s=20):
    """SIGTERM, up to timeout_s for it to go, then SIGKILL (and up to 5 s more)."""
    if pid is None or not pid_alive(pid):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout_s
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if pid_alive(pid):
        note(f"pid {pid} did not stop within {timeout_s} s of SIGTERM; SIGKILL")
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 5
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)


def cpu_seconds(pid):
    """User + system CPU seconds of pid (all its threads); 0 when unknown."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def tree_cpu_seconds(pid):
    """CPU seconds of pid and its live descendants (a server's worker processes)."""
    total = cpu_seconds(pid)
    try:
        children = open(f"/proc/{pid}/task/{pid}/children").read().split()
    except OSError:
        children = []
    for child in children:
        total += tree_cpu_seconds(int(child))
    return total


def dir_bytes(path):
    """Bytes allocated on disk by the files under path (du's figure, not apparent sizes)."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                pass
    return total


class Service:
    """A server process of this harness: its own process group, output to a log file."""

    def __init__(self, name, argv, log_path, env=None, cwd=None):
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True, env=env,
                                     cwd=cwd)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, "rb") as log:
                return b"\n".join(log.read().splitlines()[-lines:]).decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, timeout_s=30):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                note(f"{self.name} did not stop within {timeout_s} s of SIGTERM; SIGKILL")
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        self._log.close()


def run(argv, timeout_s, what, **kwargs):
    """Runs argv to completion (at most timeout_s); returns its stdout as text."""
    try:
        done = subprocess.run(argv, capture_output=True, timeout=timeout_s, **kwargs)
    except subprocess.TimeoutExpired:
        raise BenchError(f"{what}: no answer within {timeout_s} s")
    except OSError as error:
        raise BenchError(f"{what}: {error}")
    if done.returncode != 0:
        tail = (done.stderr or b"").decode("utf-8", "replace").strip()[-2000:]
        raise BenchError(f"{what} failed (exit {done.returncode}): {tail}")
    return done.stdout.decode("utf-8", "replace")


class Http:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:port; reconnects once on a dropped one."""

    def __init__(self, port, timeout_s):
        self.port = port
        self.timeout_s = timeout_s
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        """Returns (status, response headers, body bytes, ms from sending to the body read)."""
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                       timeout=self.timeout_s)
            try:
                started = time.perf_counter()
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                elapsed_ms = (time.perf_counter() - started) * 1000
                return response.status, dict(response.getheaders()), data, elapsed_ms
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()  # A kept-alive connection the server closed: once more.
                if attempt == 1:
                    raise
            except (socket.timeout, TimeoutError):
                self.close()
                raise BenchError(f"no answer within {self.timeout_s:.0f} s")
            except Exception:
                self.close()  # http.client cannot send on a connection a failure left busy.
                raise
        raise BenchError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def debian_installed(package):
    done = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True)
    return done.stdout.decode() == "install ok installed"


def ensure_debian(packages, allow_install=True):
    """Installs the missing Debian packages through scripts/setup.sh; raises Unavailable."""
    missing = [package for package in packages if not debian_installed(package)]
    if not missing:
        return
    if not allow_install:
        raise Unavailable(f"Debian package(s) {' '.join(missing)} not installed")
    note(f"installing Debian package(s) {' '.join(missing)}")
    try:
        done = subprocess.run([os.path.join(REPO, "scripts", "setup.sh")] + missing,
                              capture_output=True, timeout=900)
    except subprocess.TimeoutExpired:
        raise Unavailable(f"installing {' '.join(missing)} took over 15 minutes")
    still = [package for package in missing if not debian_installed(package)]
    if done.returncode != 0 or still:
        tail = done.stderr.decode("utf-8", "replace").strip()[-500:]
        raise Unavailable(f"could not install {' '.join(still or missing)}: {tail}")


def machine_info():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = 0.0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                memory_gib = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(memory_gib, 1),
            "kernel": os.uname().release}


def loadavg():
    try:
        return open("/proc/loadavg").read().split()[:3]
    except OSError:
        return []
