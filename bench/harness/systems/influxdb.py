"""InfluxDB 1.6 (Debian `influxdb`), `influxd -config <generated>` as the current user: the
documented defaults (inmem index, WAL with no fsync delay, 25 MB cache snapshots) with
temporary meta/data/wal directories, loopback addresses, and the `_internal` monitoring
database off (it would write its own metrics into the data directory being measured). Loaded
with line protocol through POST /write?precision=s by ingest_load; queried with InfluxQL through
POST /query?epoch=u."""

import json
import os
import urllib.parse

from .. import answers, common
from . import base

BINARY = "/usr/bin/influxd"
DATABASE = "benchmark"

CONFIG = """reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"

[meta]
  dir = "{dir}/meta"

[data]
  dir = "{dir}/data"
  wal-dir = "{dir}/wal"
  query-log-enabled = false

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:{http_port}"
  log-enabled = false

[logging]
  level = "warn"
"""


class InfluxDb(base.System):
    name = "influxdb"
    dialect = "influxql"
    label = "InfluxDB"
    formats = ("lp",)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.service = None
        self.http = None
        self.port = None
        self.server_version = "?"

    def prepare(self):
        common.ensure_debian(["influxdb"], self.ctx.allow_install)
        if not os.access(BINARY, os.X_OK):
            raise common.Unavailable(f"{BINARY} is missing")

    def start(self):
        self.port = common.free_port()
        config = os.path.join(self.dir, "influxdb.conf")
        with open(config, "w") as out:
            out.write(CONFIG.format(dir=self.dir, rpc_port=common.free_port(),
                                    http_port=self.port))
        self.service = common.Service("influxd", [BINARY, "-config", config],
                                      os.path.join(self.dir, "influxd.log"), cwd=self.dir)
        self.http = common.Http(self.port, self.ctx.query_timeout_s + 30)

        def ping():
            status, headers, _, _ = self.http.request("GET", "/ping")
            if status == 204:
                self.server_version = headers.get("X-Influxdb-Version", "?")
                return True
            return False
        common.wait_until(ping, 60, "influxd", alive=self.service.alive)
        self._query(f"CREATE DATABASE {DATABASE}")

    def _query(self, text):
        body = urllib.parse.urlencode({"q": text, "db": DATABASE, "epoch": "u"}).encode()
        status, _, data, ms = self.http.request(
            "POST", "/query", body, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 200:
            raise common.BenchError(f"InfluxDB: HTTP {status}: "
                                    f"{data[:400].decode('utf-8', 'replace')}")
        return ms, data

    def version(self):
        return f"InfluxDB {self.server_version}"

    def load(self):
        result = base.ingest_load_file(self.ctx, self.port, self.ctx.data.path("lp"),
                                       f"/write?db={DATABASE}&precision=s",
                                       "text/plain; charset=utf-8", server_pid=self.service.pid)
        result["method"] += ", line protocol to /write"
        return result

    def _bytes(self):
        return sum(common.dir_bytes(os.path.join(self.dir, part, DATABASE))
                   for part in ("data", "wal"))

    def settle(self):
        settled, seconds, _ = base.settle_until_quiet(self._bytes, self.service.pid,
                                                      self.ctx.settle_stable_s,
                                                      self.ctx.settle_max_s)
        _, data = self._query("SELECT count(usage_user) FROM cpu")
        series = json.loads(data)["results"][0].get("series", [])
        rows = series[0]["values"][0][1] if series else 0
        if rows != self.ctx.data.rows:
            raise common.BenchError(f"InfluxDB holds {rows} rows, expected {self.ctx.data.rows}")
        return {"bytes": self._bytes(), "settle_s": round(seconds), "settled": settled,
                "how": "bytes allocated under data/benchmark and wal/benchmark once they stop "
                       "changing and influxd is idle (the WAL's last < 25 MB is only written "
                       "to TSM after 10 minutes without writes, by default)"}

    def query(self, text):
        ms, data = self._query(text)
        result = json.loads(data)["results"][0]
        if "error" in result:
            raise common.BenchError(f"InfluxDB: {result['error']}")
        return ms, data

    def rows(self, raw, columns):
        rows = []
        for series in json.loads(raw)["results"][0].get("series", []):
            tags = series.get("tags") or {}
            names = series["columns"]
            for values in series["values"]:
                named = dict(tags)
                named.update(zip(names, values))
                # Columns by name: `SELECT *` orders them alphabetically, GROUP BY tags move
                # into the series' tags, and the time column is always "time".
                rows.append([named["time"] if column["kind"] == "time" else named[column["name"]]
                             for column in columns])
        return answers.canonical_rows(rows, [c["kind"] for c in columns], int)

    def stop(self):
        if self.http is not None:
            self.http.close()
        if self.service is not None:
            self.service.stop()
