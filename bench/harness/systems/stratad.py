"""stratad: started, given its cpu dataset and settled by bench/lib/stratad.sh (the one way
bench/ingest and bench/query do it); loaded by ingest_load over HTTP NDJSON, acknowledged
after fsync (storage.durability's default); queried through POST /v1/query, one JSON page."""

import json
import os

from .. import answers, common
from . import base

LIB = os.path.join(common.REPO, "bench", "lib", "stratad.sh")


class Stratad(base.System):
    name = "stratad"
    dialect = "stratad"
    label = "stratad"
    formats = ("ndjson",)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.pid = None
        self.port = None
        self.key = None
        self.http = None
        self.binary = os.path.join(ctx.build_dir, "stratad")

    def prepare(self):
        if not os.access(self.binary, os.X_OK):
            raise common.Unavailable(f"{self.binary} is not built")

    def start(self):
        # The settings of bench/query/run.sh: any result fits one JSON page, no result cache
        # (every run executes), slow queries measured rather than cut at 30 s, and the tail of
        # the load flushed within seconds.
        settings = ["server.max_body_bytes=67108864", f"query.max_rows={self.ctx.data.rows}",
                    f"query.timeout_ms={int(self.ctx.query_timeout_s * 1000)}",
                    "storage.flush_interval_ms=2000", "query.cache_bytes=0"]
        argv = [LIB, "start", self.binary, self.dir]
        for setting in settings:
            argv += ["--set", setting]
        started = json.loads(common.run(argv, 60, "starting stratad").strip().splitlines()[-1])
        self.pid, self.port, self.key = started["pid"], started["port"], started["key"]
        common.run([LIB, "create-cpu", str(self.port), self.key], 30, "creating dataset cpu")
        self.http = common.Http(self.port, self.ctx.query_timeout_s + 30)

    def version(self):
        text = common.run([self.binary, "version"], 30, "stratad version").strip()
        commit = common.run(["git", "-C", common.REPO, "rev-parse", "--short", "HEAD"], 30,
                            "git rev-parse").strip()
        dirty = common.run(["git", "-C", common.REPO, "status", "--porcelain"], 30,
                           "git status").strip()
        return f"{text.splitlines()[0] if text else 'stratad'} (commit {commit}" \
               f"{' + uncommitted changes' if dirty else ''})"

    def load(self):
        return base.ingest_load_file(self.ctx, self.port, self.ctx.data.path("ndjson"),
                                     "/v1/datasets/cpu/ingest?time_unit=s",
                                     "application/x-ndjson", key=self.key, server_pid=self.pid)

    def settle(self):
        out = common.run([LIB, "settle", str(self.port), self.key, str(self.pid),
                          str(self.ctx.settle_stable_s), str(self.ctx.settle_max_s)],
                         self.ctx.settle_max_s + 60, "settling stratad")
        settled = json.loads(out.strip().splitlines()[-1])
        stats = settled["stats"]
        if stats.get("rows") != self.ctx.data.rows:
            raise common.BenchError(f"the dataset holds {stats.get('rows')} rows, expected "
                                    f"{self.ctx.data.rows}")
        return {"bytes": stats["bytes_on_disk"], "settle_s": settled["settle_s"],
                "settled": settled["settled"],
                "how": "stats.bytes_on_disk of GET /v1/datasets/cpu once rows, unflushed rows "
                       "and segments are unchanged and stratad idle",
                "segments": stats.get("segments")}

    def query(self, text):
        body = json.dumps({"sql": text, "limit": self.ctx.data.rows}).encode()
        status, _, data, ms = self.http.request(
            "POST", "/v1/query", body,
            {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json",
             "Accept": "application/json"})
        if status != 200:
            raise common.BenchError(f"HTTP {status}: {data[:300].decode('utf-8', 'replace')}")
        return ms, data

    def rows(self, raw, columns):
        page = json.loads(raw)
        if page.get("next_cursor") is not None:
            raise common.BenchError("the answer has more than one page")
        return answers.canonical_rows(page["rows"], [c["kind"] for c in columns],
                                      answers.time_text_micros)

    def stop(self):
        if self.http is not None:
            self.http.close()
        common.stop_pid(self.pid)

    def concurrency_target(self):
        """(port, headers) for the concurrency test against POST /v1/query."""
        return self.port, {"Authorization": f"Bearer {self.key}",
                           "Content-Type": "application/json"}
