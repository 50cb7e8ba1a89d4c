"""ClickHouse 18.16 (Debian `clickhouse-server`), run as the current user with a generated
config: a temporary path, loopback ports, time zone UTC, everything else the built-in
defaults. Table cpu: MergeTree partitioned by day, ordered by (hostname, time), `time
DateTime`. Loaded over HTTP with `INSERT INTO cpu FORMAT JSONEachRow` by ingest_load (the
NDJSON file's epoch seconds are what JSONEachRow reads into a DateTime)."""

import json
import os
import urllib.parse

from .. import answers, common
from . import base

BINARY = "/usr/sbin/clickhouse-server"
TAGS = ("hostname", "region", "datacenter", "rack", "os", "arch", "team", "service",
        "service_version", "service_environment")
FIELDS = ("usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait", "usage_irq",
          "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice")

CONFIG = """<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>{dir}/server.log</log>
        <errorlog>{dir}/server.err.log</errorlog>
        <size>100M</size>
        <count>1</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>{http_port}</http_port>
    <tcp_port>{tcp_port}</tcp_port>
    <interserver_http_port>{interserver_port}</interserver_http_port>
    <path>{dir}/data/</path>
    <tmp_path>{dir}/data/tmp/</tmp_path>
    <user_files_path>{dir}/data/user_files/</user_files_path>
    <format_schema_path>{dir}/data/format_schemas/</format_schema_path>
    <users_config>{dir}/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <!-- Required by this version; the values of its shipped config.xml. -->
    <mark_cache_size>5368709120</mark_cache_size>
    <uncompressed_cache_size>8589934592</uncompressed_cache_size>
</yandex>
"""

USERS = """<?xml version="1.0"?>
<yandex>
    <profiles><default></default></profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas><default></default></quotas>
</yandex>
"""


class ClickHouse(base.System):
    name = "clickhouse"
    dialect = "clickhouse"
    label = "ClickHouse"
    formats = ("ndjson",)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.service = None
        self.http = None
        self.port = None

    def prepare(self):
        common.ensure_debian(["clickhouse-server"], self.ctx.allow_install)
        if not os.access(BINARY, os.X_OK):
            raise common.Unavailable(f"{BINARY} is missing")

    def start(self):
        self.port = common.free_port()
        with open(os.path.join(self.dir, "config.xml"), "w") as out:
            out.write(CONFIG.format(dir=self.dir, http_port=self.port,
                                    tcp_port=common.free_port(),
                                    interserver_port=common.free_port()))
        with open(os.path.join(self.dir, "users.xml"), "w") as out:
            out.write(USERS)
        self.service = common.Service(
            "clickhouse-server",
            [BINARY, f"--config-file={os.path.join(self.dir, 'config.xml')}"],
            os.path.join(self.dir, "stdout.log"), cwd=self.dir)
        self.http = common.Http(self.port, self.ctx.query_timeout_s + 30)
        common.wait_until(lambda: self._get("/ping") == b"Ok.\n", 60, "clickhouse-server",
                          alive=self.service.alive)
        columns = ["time DateTime"] + [f"{tag} String" for tag in TAGS] + \
                  [f"{field} Int64" for field in FIELDS]
        self.execute(f"CREATE TABLE cpu ({', '.join(columns)}) ENGINE = MergeTree() "
                     "PARTITION BY toDate(time) ORDER BY (hostname, time)")

    def _get(self, path):
        status, _, data, _ = self.http.request("GET", path)
        return data if status == 200 else None

    def execute(self, sql):
        status, _, data, ms = self.http.request("POST", "/", sql.encode())
        if status != 200:
            raise common.BenchError(f"ClickHouse: HTTP {status}: "
                                    f"{data[:400].decode('utf-8', 'replace')}")
        return data, ms

    def scalar(self, sql):
        return self.execute(sql + " FORMAT TSV")[0].decode().strip()

    def version(self):
        return f"ClickHouse {self.scalar('SELECT version()')}"

    def load(self):
        target = "/?query=" + urllib.parse.quote("INSERT INTO cpu FORMAT JSONEachRow")
        result = base.ingest_load_file(self.ctx, self.port, self.ctx.data.path("ndjson"), target,
                                       "application/x-ndjson", server_pid=self.service.pid)
        result["method"] += ", INSERT ... FORMAT JSONEachRow"
        return result

    def settle(self):
        def state():
            return (self.scalar("SELECT count() FROM system.merges"),
                    self.scalar("SELECT count(), sum(rows) FROM system.parts "
                                "WHERE active AND database = 'default' AND table = 'cpu'"))
        settled, seconds, last = base.settle_until_quiet(state, self.service.pid,
                                                         self.ctx.settle_stable_s,
                                                         self.ctx.settle_max_s)
        parts, rows = last[1].split("\t")
        if int(rows) != self.ctx.data.rows:
            raise common.BenchError(f"ClickHouse holds {rows} rows, expected {self.ctx.data.rows}")
        size = self.scalar("SELECT sum(bytes_on_disk) FROM system.parts "
                           "WHERE active AND database = 'default' AND table = 'cpu'")
        return {"bytes": int(size), "settle_s": round(seconds), "settled": settled,
                "how": "sum(bytes_on_disk) of the active parts (system.parts) once no merge "
                       "runs and the part count is unchanged",
                "parts": int(parts)}

    def query(self, text):
        data, ms = self.execute(text + " FORMAT JSONCompact")
        return ms, data

    def rows(self, raw, columns):
        page = json.loads(raw)
        # DateTime comes as 'YYYY-MM-DD hh:mm:ss' in the server's time zone (UTC); Int64 as
        # quoted decimals (output_format_json_quote_64bit_integers).
        return answers.canonical_rows(page["data"], [c["kind"] for c in columns],
                                      answers.time_text_micros)

    def stop(self):
        if self.http is not None:
            self.http.close()
        if self.service is not None:
            self.service.stop()
