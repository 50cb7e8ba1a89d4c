"""PostgreSQL 15 (Debian `postgresql-15`): initdb and pg_ctl in a temporary directory, as an
unprivileged user when the harness runs as root (initdb refuses root: the `postgres` system
user, else `nobody`), on a loopback TCP port, with no Unix socket, trust authentication, the C
locale, TimeZone UTC and every other setting at its default. Table cpu (`time timestamptz`,
text tags, bigint fields) with an index on (hostname, time), created before the load. Loaded
with COPY ... FROM STDIN (CSV) by psycopg2 (Debian python3-psycopg2): the same bodies of
batch_rows rows as the HTTP systems, over the same number of connections, one committed COPY
per body (synchronous_commit: acknowledged after the WAL fsync)."""

import mmap
import os
import pwd
import shutil
import threading
import time

from .. import answers, common
from . import base

BIN = "/usr/lib/postgresql/15/bin"
TAGS = ("hostname", "region", "datacenter", "rack", "os", "arch", "team", "service",
        "service_version", "service_environment")
FIELDS = ("usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait", "usage_irq",
          "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice")
DB_USER = "bench"


def csv_bodies(path, rows_per_body, header_lines):
    """(offset, length, rows) of consecutive runs of rows_per_body lines after the header."""
    bodies = []
    with open(path, "rb") as source, mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ) as data:
        pos = 0
        for _ in range(header_lines):
            pos = data.find(b"\n", pos) + 1
        size = len(data)
        while pos < size:
            start, rows = pos, 0
            while rows < rows_per_body and pos < size:
                eol = data.find(b"\n", pos)
                pos = size if eol < 0 else eol + 1
                rows += 1
            bodies.append((start, pos - start, rows))
    return bodies


def _psycopg2():
    import psycopg2  # Debian python3-psycopg2; prepare() installs it when missing.
    return psycopg2


class Postgres(base.System):
    name = "postgres"
    dialect = "postgres"
    label = "PostgreSQL"
    formats = ("csv",)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.user = None
        self.port = None
        self.pgdata = os.path.join(self.dir, "pgdata")
        self.started = False
        self.conn = None

    def prepare(self):
        common.ensure_debian(["postgresql-15", "python3-psycopg2"], self.ctx.allow_install)
        _psycopg2()
        if os.getuid() == 0:
            for candidate in ("postgres", "nobody"):
                try:
                    pwd.getpwnam(candidate)
                    self.user = candidate
                    break
                except KeyError:
                    continue
            if self.user is None:
                raise common.Unavailable("running as root and no unprivileged user for initdb")

    def _as_user(self, argv):
        return argv if self.user is None else ["runuser", "-u", self.user, "--"] + argv

    def start(self):
        os.makedirs(self.pgdata, mode=0o700)
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            shutil.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
        common.run(self._as_user([f"{BIN}/initdb", "-D", self.pgdata, "-U", DB_USER,
                                  "--auth=trust", "--no-locale", "-E", "UTF8",
                                  "--no-sync"]), 300, "initdb")
        self.port = common.free_port()
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} "
                   "-c unix_socket_directories='' -c timezone=UTC")
        self.started = True
        common.run(self._as_user([f"{BIN}/pg_ctl", "-D", self.pgdata, "-l",
                                  os.path.join(self.pgdata, "server.log"), "-o", options, "-w",
                                  "-t", "60", "start"]), 90, "pg_ctl start")
        self.conn = self._connect()
        columns = ["time timestamptz NOT NULL"] + [f"{tag} text NOT NULL" for tag in TAGS] + \
                  [f"{field} bigint NOT NULL" for field in FIELDS]
        with self.conn.cursor() as cursor:
            cursor.execute(f"CREATE TABLE cpu ({', '.join(columns)})")
            cursor.execute("CREATE INDEX cpu_hostname_time ON cpu (hostname, time)")
            cursor.execute(f"SET statement_timeout = {int(self.ctx.query_timeout_s * 1000)}")

    def _connect(self):
        conn = _psycopg2().connect(host="127.0.0.1", port=self.port, user=DB_USER,
                                dbname="postgres", connect_timeout=30)
        conn.autocommit = True
        return conn

    def version(self):
        with self.conn.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"

    def load(self):
        path = self.ctx.data.path("csv")
        bodies = csv_bodies(path, self.ctx.batch_rows, 1)
        connections = [self._connect() for _ in range(self.ctx.connections)]
        errors = []
        acknowledged = [0] * len(connections)

        def send(index):
            conn = connections[index]
            try:
                with open(path, "rb") as source, \
                        mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ) as data, \
                        conn.cursor() as cursor:
                    for offset, length, rows in bodies[index::len(connections)]:
                        reader = _Reader(data, offset, length)
                        try:
                            cursor.copy_expert("COPY cpu FROM STDIN WITH (FORMAT csv)", reader)
                        finally:
                            reader.release()
                        acknowledged[index] += rows
            except Exception as error:  # Reported after every thread has finished.
                errors.append(error)

        started = time.perf_counter()
        threads = [threading.Thread(target=send, args=(idx,)) for idx in range(len(connections))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        for conn in connections:
            conn.close()
        if errors:
            raise common.BenchError(f"COPY failed: {errors[0]}")
        return {"rows": sum(acknowledged), "seconds": seconds,
                "method": f"COPY FROM STDIN (CSV), {self.ctx.connections} connections x "
                          f"{self.ctx.batch_rows} rows, one transaction each"}

    def settle(self):
        started = time.perf_counter()
        with self.conn.cursor() as cursor:
            # What autovacuum does on its own a minute or so after a bulk load: statistics for
            # the planner and the visibility map for index-only scans.
            cursor.execute("VACUUM (ANALYZE) cpu")
            cursor.execute("SELECT count(*), pg_total_relation_size('cpu') FROM cpu")
            rows, size = cursor.fetchone()
        if rows != self.ctx.data.rows:
            raise common.BenchError(f"PostgreSQL holds {rows} rows, expected {self.ctx.data.rows}")
        return {"bytes": size, "settle_s": round(time.perf_counter() - started), "settled": True,
                "how": "pg_total_relation_size('cpu') (heap, index, TOAST, free-space and "
                       "visibility maps) after VACUUM (ANALYZE) cpu"}

    def query(self, text):
        with self.conn.cursor() as cursor:
            started = time.perf_counter()
            try:
                cursor.execute(text)
            except _psycopg2().errors.QueryCanceled:
                raise common.BenchError(f"no answer within {self.ctx.query_timeout_s:.0f} s "
                                        "(statement_timeout)")
            rows = cursor.fetchall()
            return (time.perf_counter() - started) * 1000, rows

    def rows(self, raw, columns):
        return answers.canonical_rows(raw, [c["kind"] for c in columns], answers.datetime_micros)

    def stop(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
        if self.started:
            try:
                common.run(self._as_user([f"{BIN}/pg_ctl", "-D", self.pgdata, "-m", "fast", "-w",
                                          "-t", "30", "stop"]), 60, "pg_ctl stop")
            except common.BenchError as error:
                common.note(f"PostgreSQL: {error}; killing the postmaster")
                try:
                    pid = int(open(os.path.join(self.pgdata, "postmaster.pid")).readline())
                    common.stop_pid(pid, timeout_s=5)
                except (OSError, ValueError):
                    pass


class _Reader:
    """A file-like view of data[offset:offset+length] for copy_expert, without a copy."""

    def __init__(self, data, offset, length):
        self.view = memoryview(data)[offset:offset + length]
        self.pos = 0

    def read(self, size=-1):
        if size is None or size < 0:
            size = len(self.view) - self.pos
        chunk = self.view[self.pos:self.pos + size]
        self.pos += len(chunk)
        return bytes(chunk)

    def readline(self, size=-1):
        return self.read(size)

    def release(self):
        self.view.release()
