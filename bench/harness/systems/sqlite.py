"""SQLite 3 (Debian `sqlite3` for the import; Python's sqlite3 module, the same libsqlite3, for
the queries): a database file in the temporary directory with its defaults (rollback journal,
synchronous FULL). Table cpu (`time INTEGER` epoch seconds, the idiomatic fast form of a
timestamp in SQLite; text tags; integer fields). Loaded by the sqlite3 shell's `.import` of the
epoch-seconds CSV (one transaction), then CREATE INDEX on (hostname, time) (building an index
after a bulk import is SQLite's fast path); both are in the load time. An embedded library:
no server, no client concurrency."""

import os
import sqlite3
import time

from .. import answers, common
from . import base

SHELL = "/usr/bin/sqlite3"
TAGS = ("hostname", "region", "datacenter", "rack", "os", "arch", "team", "service",
        "service_version", "service_environment")
FIELDS = ("usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait", "usage_irq",
          "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice")


class Sqlite(base.System):
    name = "sqlite"
    dialect = "sqlite"
    label = "SQLite"
    formats = ("csv-epoch",)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.db_path = os.path.join(self.dir, "cpu.sqlite")
        self.conn = None
        self.deadline = None

    def prepare(self):
        common.ensure_debian(["sqlite3"], self.ctx.allow_install)

    def start(self):
        pass  # Nothing runs between queries; the shell creates the file during the load.

    def version(self):
        shell = common.run([SHELL, "--version"], 30, "sqlite3 --version").split()[0]
        return f"SQLite {shell} (shell), {sqlite3.sqlite_version} (Python module)"

    def load(self):
        path = self.ctx.data.path("csv-epoch")
        columns = ["time INTEGER NOT NULL"] + [f"{tag} TEXT NOT NULL" for tag in TAGS] + \
                  [f"{field} INTEGER NOT NULL" for field in FIELDS]
        script = (f"CREATE TABLE cpu ({', '.join(columns)});\n"
                  f".import --csv --skip 1 '{path}' cpu\n"
                  "CREATE INDEX cpu_hostname_time ON cpu (hostname, time);\n")
        started = time.perf_counter()
        common.run([SHELL, "-bail", self.db_path], 7200, "sqlite3 .import", input=script.encode())
        seconds = time.perf_counter() - started
        self.conn = sqlite3.connect(self.db_path, check_same_thread=False)
        rows = self.conn.execute("SELECT count(*) FROM cpu").fetchone()[0]
        return {"rows": rows, "seconds": seconds,
                "method": "sqlite3 shell .import of the CSV (one transaction) + CREATE INDEX"}

    def settle(self):
        started = time.perf_counter()
        # SQLite has no background work; ANALYZE is its documented step after a bulk load
        # (statistics for the query planner).
        self.conn.execute("ANALYZE")
        self.conn.commit()
        size = os.path.getsize(self.db_path)
        if self.conn.execute("SELECT count(*) FROM cpu").fetchone()[0] != self.ctx.data.rows:
            raise common.BenchError("SQLite does not hold every row")
        self.conn.set_progress_handler(self._interrupt_late, 100_000)
        return {"bytes": size, "settle_s": round(time.perf_counter() - started), "settled": True,
                "how": "size of the database file after ANALYZE"}

    def _interrupt_late(self):
        return 1 if self.deadline is not None and time.monotonic() > self.deadline else 0

    def query(self, text):
        self.deadline = time.monotonic() + self.ctx.query_timeout_s
        try:
            started = time.perf_counter()
            rows = self.conn.execute(text).fetchall()
            return (time.perf_counter() - started) * 1000, rows
        except sqlite3.OperationalError as error:
            if "interrupted" in str(error):
                raise common.BenchError(f"no answer within {self.ctx.query_timeout_s:.0f} s")
            raise
        finally:
            self.deadline = None

    def rows(self, raw, columns):
        return answers.canonical_rows(raw, [c["kind"] for c in columns],
                                      lambda seconds: int(seconds) * 1_000_000)

    def stop(self):
        if self.conn is not None:
            self.conn.close()
