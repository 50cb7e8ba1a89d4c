"""The concurrency test: wrk (Debian) against stratad's POST /v1/query, CONNECTIONS keep-alive
connections on as many threads as cores, each request a single-groupby-1-1-1 query with its
own parameters (stream "concurrency" of query_bench, so the result cache, off anyway, could not
help), for a fixed time. Reports qps and latency percentiles from wrk's own histogram."""

import json
import os

from . import common, data

LUA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk_bodies.lua")
QUERY_TYPE = "single-groupby-1-1-1"
DISTINCT_BODIES = 2000


def run(stratad, ctx, seed, seconds, connections, allow_install):
    common.ensure_debian(["wrk"], allow_install)
    queries = data.queries(ctx.bin_dir, ctx.data.hosts, ctx.data.ticks, seed, [QUERY_TYPE],
                           DISTINCT_BODIES, "concurrency")[QUERY_TYPE]
    bodies = os.path.join(ctx.work_dir, "concurrency-bodies.ndjson")
    with open(bodies, "w") as out:
        for query in queries:
            out.write(json.dumps({"sql": query["statements"]["stratad"]["text"],
                                  "limit": 10_000}) + "\n")
    port, headers = stratad.concurrency_target()
    key = headers["Authorization"].split(" ", 1)[1]
    threads = max(1, min(os.cpu_count() or 1, connections))
    out = common.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
                      "--timeout", "10s", "-s", LUA, f"http://127.0.0.1:{port}", "--", bodies,
                      key], seconds + 120, "wrk")
    summary = None
    for line in out.splitlines():
        if line.startswith("{"):
            summary = json.loads(line)
    if summary is None:
        raise common.BenchError(f"wrk printed no summary: {out[-500:]}")
    summary.update({"query_type": QUERY_TYPE, "connections": connections, "threads": threads,
                    "duration_s": seconds, "distinct_queries": len(queries)})
    return summary
