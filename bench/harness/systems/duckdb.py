"""DuckDB through npm's @duckdb/node-api and its bundled native library (bench/peers/duckdb:
package.json + package-lock.json, installed with `npm ci` when node_modules is missing), in a
node process the harness drives (bench/peers/duckdb/server.mjs). A database file in the
temporary directory, default settings (threads = cores). Table cpu (`time TIMESTAMP` holding
UTC, VARCHAR tags, BIGINT fields), no index (DuckDB's zone maps serve time ranges). Loaded with
one INSERT ... SELECT FROM read_json over the NDJSON file. An embedded library: no server, no
client concurrency."""

import json
import os
import select
import shutil
import subprocess
import time

from .. import answers, common
from . import base

PEER_DIR = os.path.join(common.REPO, "bench", "peers", "duckdb")
TAGS = ("hostname", "region", "datacenter", "rack", "os", "arch", "team", "service",
        "service_version", "service_environment")
FIELDS = ("usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait", "usage_irq",
          "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice")


class DuckDb(base.System):
    name = "duckdb"
    dialect = "duckdb"
    label = "DuckDB"
    formats = ("ndjson",)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.proc = None
        self.db_path = os.path.join(self.dir, "cpu.duckdb")
        self.log = None

    def prepare(self):
        for tool in ("node", "npm"):
            if shutil.which(tool) is None:
                common.ensure_debian(["nodejs", "npm"], self.ctx.allow_install)
        if not os.path.isdir(os.path.join(PEER_DIR, "node_modules", "@duckdb", "node-api")):
            if not self.ctx.allow_install:
                raise common.Unavailable("bench/peers/duckdb/node_modules is missing")
            common.note("installing @duckdb/node-api (npm ci in bench/peers/duckdb)")
            try:
                common.run(["npm", "ci", "--no-audit", "--no-fund"], 600, "npm ci",
                           cwd=PEER_DIR)
            except common.BenchError as error:
                raise common.Unavailable(str(error))

    def start(self):
        self.log = open(os.path.join(self.dir, "node.log"), "ab")
        self.proc = subprocess.Popen(["node", os.path.join(PEER_DIR, "server.mjs"), self.db_path],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, cwd=PEER_DIR, start_new_session=True)

    def _call(self, request, timeout_s):
        self.proc.stdin.write((json.dumps(request) + "\n").encode())
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout_s
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                raise common.BenchError(f"DuckDB: no answer within {timeout_s:.0f} s")
            chunk = self.proc.stdout.readline()
            if not chunk:
                raise common.BenchError("DuckDB: the node process exited")
            line += chunk
        answer = json.loads(line)
        if not answer.get("ok"):
            error = answer.get("error", "")
            if "Interrupt" in error:
                raise common.BenchError(f"no answer within {self.ctx.query_timeout_s:.0f} s "
                                        "(interrupted)")
            raise common.BenchError(f"DuckDB: {error}")
        return answer

    def _exec(self, sql, timeout_s):
        return self._call({"op": "exec", "sql": sql}, timeout_s)["ms"]

    def version(self):
        rows = self._call({"op": "query", "sql": "SELECT version()"}, 60)["rows"]
        npm = json.load(open(os.path.join(PEER_DIR, "node_modules", "@duckdb", "node-api",
                                          "package.json")))["version"]
        return f"DuckDB {rows[0][0]} (@duckdb/node-api {npm})"

    def load(self):
        path = self.ctx.data.path("ndjson")
        columns = ["time TIMESTAMP NOT NULL"] + [f"{tag} VARCHAR NOT NULL" for tag in TAGS] + \
                  [f"{field} BIGINT NOT NULL" for field in FIELDS]
        self._exec(f"CREATE TABLE cpu ({', '.join(columns)})", 60)
        json_columns = ", ".join([f"{name}: 'VARCHAR'" for name in TAGS] +
                                 [f"{name}: 'BIGINT'" for name in FIELDS])
        select_list = ", ".join(TAGS + FIELDS)
        quoted = path.replace("'", "''")
        started = time.perf_counter()
        self._exec(f"INSERT INTO cpu SELECT make_timestamp(time * 1000000), {select_list} FROM "
                   f"read_json('{quoted}', format = 'newline_delimited', "
                   f"columns = {{time: 'BIGINT', {json_columns}}})", 7200)
        seconds = time.perf_counter() - started
        rows = int(self._call({"op": "query", "sql": "SELECT count(*) FROM cpu"}, 600)["rows"][0][0])
        return {"rows": rows, "seconds": seconds,
                "method": "INSERT INTO cpu SELECT ... FROM read_json (the NDJSON file)"}

    def settle(self):
        started = time.perf_counter()
        self._exec("CHECKPOINT", 600)
        size = self._call({"op": "size"}, 60)["bytes"]
        return {"bytes": size, "settle_s": round(time.perf_counter() - started), "settled": True,
                "how": "bytes allocated by the database file (and its WAL) after CHECKPOINT"}

    def query(self, text):
        timeout_ms = int(self.ctx.query_timeout_s * 1000)
        answer = self._call({"op": "query", "sql": text, "timeout_ms": timeout_ms},
                            self.ctx.query_timeout_s + 60)
        return answer["ms"], answer["rows"]

    def rows(self, raw, columns):
        # getRowsJson: TIMESTAMP as 'YYYY-MM-DD hh:mm:ss[.ffffff]' (UTC here), BIGINT as text.
        return answers.canonical_rows(raw, [c["kind"] for c in columns], answers.time_text_micros)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self._call({"op": "close"}, 60)
            except (common.BenchError, OSError, ValueError):
                pass
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.log is not None:
            self.log.close()
