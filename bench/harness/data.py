"""The data set and the queries: both come from the C++ sources every harness shares.

Data files: bench/ingest/tsbs_generate (the TSBS generator of bench/micro/tsbs_rows.h rendered
by bench/ingest/tsbs_payloads.h), cached under the cache directory by (generator sources,
seed, hosts, ticks, format), so that a second run reuses them and a changed generator does not.
Queries: `query_bench --print-json` (bench/query/tsbs_queries.h for the parameters,
tsbs_dialects.h for every system's statement).
"""

import hashlib
import json
import os

from . import common

GENERATOR_SOURCES = [
    "bench/micro/tsbs_rows.h", "bench/micro/tsbs_rows.cc", "bench/ingest/tsbs_payloads.h",
    "bench/ingest/tsbs_payloads.cc", "bench/ingest/tsbs_generate.cc",
]
EXTENSIONS = {"ndjson": "ndjson", "lp": "lp", "csv": "csv", "csv-epoch": "epoch.csv"}
HEADER_LINES = {"ndjson": 0, "lp": 0, "csv": 1, "csv-epoch": 1}


def generator_fingerprint():
    digest = hashlib.sha1()
    for path in GENERATOR_SOURCES:
        with open(os.path.join(common.REPO, path), "rb") as source:
            digest.update(source.read())
    return digest.hexdigest()[:10]


class DataSet:
    def __init__(self, bin_dir, cache_dir, hosts, ticks, seed):
        self.bin_dir = bin_dir
        self.cache_dir = cache_dir
        self.hosts = hosts
        self.ticks = ticks
        self.seed = seed
        self.rows = hosts * ticks
        self.fingerprint = generator_fingerprint()
        self.generated = {}  # format -> seconds it took (absent: from the cache)

    def path(self, fmt):
        """The data file in `fmt`, generated when the cache does not hold it yet."""
        name = (f"tsbs-cpu-{self.fingerprint}-seed{self.seed}-h{self.hosts}-t{self.ticks}."
                f"{EXTENSIONS[fmt]}")
        path = os.path.join(self.cache_dir, name)
        if not os.path.exists(path):
            os.makedirs(self.cache_dir, exist_ok=True)
            common.note(f"generating {name} ({self.rows:,} rows)")
            out = common.run([os.path.join(self.bin_dir, "tsbs_generate"), "--hosts",
                              str(self.hosts), "--ticks", str(self.ticks), "--seed",
                              str(self.seed), "--format", fmt, "--out", path], 3600,
                             "tsbs_generate")
            summary = json.loads(out.strip().splitlines()[-1])
            if summary["rows"] != self.rows:
                raise common.BenchError(f"tsbs_generate wrote {summary['rows']} rows")
            self.generated[fmt] = summary["seconds"]
        return path


def queries(bin_dir, hosts, ticks, seed, types, runs, stream):
    """{type: [query, ...]} for `runs` queries of each type from parameter stream `stream`."""
    if runs <= 0:
        return {query_type: [] for query_type in types}
    out = common.run([os.path.join(bin_dir, "query_bench"), "--print-json", "--hosts",
                      str(hosts), "--ticks", str(ticks), "--seed", str(seed), "--types",
                      ",".join(types), "--runs", str(runs), "--stream", stream], 120,
                     "query_bench --print-json")
    result = {query_type: [] for query_type in types}
    for line in out.splitlines():
        if line.strip():
            query = json.loads(line)
            result[query["type"]].append(query)
    return result


def query_types(bin_dir):
    """Every query type query_bench knows, in its order."""
    out = common.run([os.path.join(bin_dir, "query_bench"), "--print-sql", "--hosts", "1000",
                      "--runs", "1"], 60, "query_bench --print-sql")
    return [line.split("\t", 1)[0] for line in out.splitlines() if line.strip()]
