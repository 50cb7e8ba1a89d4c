"""What every benchmarked system provides, and the steps several share.

A system is prepared (its packages installed), started on loopback with a temporary data
directory, loaded from the cached data files, left to settle (its own merges/compactions),
asked the queries, and stopped. The harness (bench/harness/runner.py) calls, in this order:
prepare, start, version, load, settle, then query + rows for every query, and stop in a
`finally`, whatever happened before.
"""

import json
import os
import time

from .. import common


class Context:
    """What a run gives every system."""

    def __init__(self, *, work_dir, build_dir, data, connections, batch_rows, settle_stable_s,
                 settle_max_s, query_timeout_s, allow_install):
        self.work_dir = work_dir
        self.build_dir = build_dir  # stratad; the bench tools are in build_dir/bench.
        self.bin_dir = os.path.join(build_dir, "bench")
        self.data = data  # data.DataSet
        self.connections = connections
        self.batch_rows = batch_rows
        self.settle_stable_s = settle_stable_s
        self.settle_max_s = settle_max_s
        self.query_timeout_s = query_timeout_s
        self.allow_install = allow_install


class System:
    name = ""        # On the command line and in the results.
    dialect = ""     # Its statements in query_bench --print-json.
    label = ""       # In tables and charts.
    formats = ()     # Data files it loads.

    def __init__(self, ctx):
        self.ctx = ctx
        self.dir = os.path.join(ctx.work_dir, self.name)
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)

    def prepare(self):
        """Installs what is missing; raises common.Unavailable when the system cannot run."""

    def start(self):
        raise NotImplementedError

    def version(self):
        raise NotImplementedError

    def load(self):
        """Loads every row; returns {"rows", "seconds", "method", ...} (rows/s = rows/seconds)."""
        raise NotImplementedError

    def settle(self):
        """Waits for background merges/compactions; returns {"bytes", "settle_s", "how", ...}."""
        raise NotImplementedError

    def query(self, text):
        """Runs one statement; returns (milliseconds, raw answer). Raises on failure."""
        raise NotImplementedError

    def rows(self, raw, columns):
        """The raw answer as canonical rows (answers.canonical_rows) of `columns`."""
        raise NotImplementedError

    def stop(self):
        pass


def ingest_load_file(ctx, port, path, target, content_type, key=None, server_pid=None):
    """Sends the lines of `path` with bench/ingest's ingest_load (the one HTTP loader): bodies
    of ctx.batch_rows lines over ctx.connections keep-alive connections. Returns its summary;
    raises unless every row was acknowledged."""
    argv = [os.path.join(ctx.bin_dir, "ingest_load"), "--port", str(port), "--file", path,
            "--target", target, "--content-type", content_type, "--connections",
            str(ctx.connections), "--rows-per-request", str(ctx.batch_rows), "--hosts",
            str(ctx.data.hosts)]
    env = dict(os.environ)
    if key is None:
        argv.append("--no-auth")
    else:
        env["STRATA_BENCH_KEY"] = key
    if server_pid is not None:
        argv += ["--server-pid", str(server_pid)]
    out = common.run(argv, 7200, "ingest_load", env=env)
    summary = json.loads(out.strip().splitlines()[-1])
    if summary["rows"] != ctx.data.rows or summary["non_200"] != 0 or summary["fatal"]:
        raise common.BenchError(
            f"the load acknowledged {summary['rows']} of {ctx.data.rows} rows (non-2xx "
            f"answers: {summary['non_200_by_status']}, transport errors: "
            f"{summary['transport_errors']}{', gave up: ' + summary['fatal'] if summary['fatal'] else ''})")
    return {"rows": summary["rows"], "seconds": summary["duration_s"],
            "method": f"HTTP, {ctx.connections} connections x {ctx.batch_rows} rows/request",
            "p50_ack_ms": summary["p50_ms"], "p99_ack_ms": summary["p99_ms"],
            "server_cores": summary["server_cores"], "client_cores": summary["client_cores"],
            "other_cores": summary["other_cores"]}


def settle_until_quiet(state, pid, stable_s, max_s):
    """Polls state() every second until it is unchanged and pid's process tree used < 0.1
    core for stable_s seconds in a row, at most max_s. Returns (settled, seconds, last state)."""
    started = time.monotonic()
    stable = 0
    last_state = None
    last_cpu = common.tree_cpu_seconds(pid)
    current = None
    while time.monotonic() - started < max_s:
        time.sleep(1)
        current = state()
        cpu = common.tree_cpu_seconds(pid)
        if current == last_state and cpu - last_cpu < 0.1:
            stable += 1
        else:
            stable = 0
        last_state, last_cpu = current, cpu
        if stable >= stable_s:
            return True, time.monotonic() - started, current
    return False, time.monotonic() - started, current
