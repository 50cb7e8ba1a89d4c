"""bench/run: the benchmark against peers (bench/README.md).

One system at a time, stratad first: prepare (install), start, load, settle, run every query
type (warm-up, then measured runs with the same seeded parameters on every system), check the
answers against stratad's, stop. Then the concurrency test against stratad (while it still
runs), and the report: bench/results/<date>-<scale>.{md,json} and PNG charts.

Exit status: 0 when every system that ran answered every query it can express with stratad's
answer; 1 on any answer mismatch, any query error (other than a timeout), a system that is
installed but does not start, load or settle, or a failed concurrency test; 2 for usage
errors. A peer whose packages are missing and cannot be installed is reported and skipped (not
a failure): that is outside the project's control.
"""

import argparse
import datetime
import os
import shutil
import statistics
import sys
import tempfile
import time
import traceback

from . import answers, common, concurrency, data, report
from .systems import base
from .systems.clickhouse import ClickHouse
from .systems.duckdb import DuckDb
from .systems.influxdb import InfluxDb
from .systems.postgres import Postgres
from .systems.sqlite import Sqlite
from .systems.stratad import Stratad

SYSTEMS = [Stratad, ClickHouse, InfluxDb, Postgres, Sqlite, DuckDb]
# The TSBS devops cpu-only query types, in report order (query_bench also knows Strata's own
# groupby-host-10-aggs, which --only can name).
DEFAULT_TYPES = [
    "single-groupby-1-1-1", "single-groupby-1-1-12", "single-groupby-1-8-1",
    "single-groupby-5-1-1", "single-groupby-5-1-12", "single-groupby-5-8-1", "cpu-max-all-1",
    "cpu-max-all-8", "double-groupby-1", "double-groupby-5", "double-groupby-all", "high-cpu-1",
    "high-cpu-all", "lastpoint", "groupby-orderby-limit",
]
TICKS = 8640  # One day of 10 s ticks.

MODES = {
    # hosts; measured runs and warm-up runs per type; seconds a type may take on one system,
    # and all of a system's queries; seconds of the concurrency test; seconds a system must
    # stay quiet to count as settled; longest wait for one query.
    "default": dict(scale=1000, runs=10, warmup=1, budget=30, system_budget=150, concurrency=20,
                    stable=10, timeout=300),
    "quick": dict(scale=116, runs=5, warmup=1, budget=20, system_budget=90, concurrency=10,
                  stable=5, timeout=120),
    "smoke": dict(scale=10, runs=1, warmup=0, budget=10, system_budget=30, concurrency=2,
                  stable=1, timeout=60),
}


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="bench/run", description="TSBS devops cpu-only: stratad against ClickHouse, "
        "InfluxDB, PostgreSQL, SQLite and DuckDB (bench/README.md).")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="116 hosts x 1 day (1.0M rows)")
    mode.add_argument("--smoke", action="store_true",
                      help="10 hosts x 1 day, one run per query: a CI check of seconds")
    parser.add_argument("--scale", type=int, help="TSBS hosts (default 1000, 8.64M rows)")
    parser.add_argument("--only", default="",
                        help="comma-separated systems and/or query types to run (stratad always "
                             "runs: it is the reference); e.g. clickhouse,duckdb,lastpoint")
    parser.add_argument("--runs", type=int, help="measured runs per query type")
    parser.add_argument("--warmup", type=int, help="warm-up runs per query type")
    parser.add_argument("--budget-s", type=float,
                        help="seconds one query type may take on one system, warm-up included: "
                             "repetitions stop once the next would exceed it (at least one "
                             "measured run)")
    parser.add_argument("--system-budget-s", type=float,
                        help="seconds all query types may take on one system: each type gets "
                             "at most an equal share of what is left, and warm-up runs stop "
                             "once half of it is used")
    parser.add_argument("--seed", type=int, default=123, help="data and query seed")
    parser.add_argument("--connections", type=int, default=4, help="loader connections")
    parser.add_argument("--batch-rows", type=int, default=5000, help="rows per load request")
    parser.add_argument("--concurrency-connections", type=int, default=32)
    parser.add_argument("--concurrency-s", type=int, help="seconds of the concurrency test")
    parser.add_argument("--query-timeout-s", type=float, help="longest wait for one query")
    parser.add_argument("--settle-max-s", type=int, default=300)
    parser.add_argument("--out", help="results directory (default bench/results; with --smoke "
                                      "a temporary one)")
    parser.add_argument("--build-dir", default=os.environ.get("BUILD_DIR", "build-bench"),
                        help="CMake build tree (default $BUILD_DIR or build-bench, Release)")
    parser.add_argument("--no-build", action="store_true", help="use the binaries as they are")
    parser.add_argument("--cache-dir", default=os.environ.get(
        "BENCH_CACHE", os.path.join(common.REPO, "bench", ".cache")),
        help="where generated data files are kept between runs ($BENCH_CACHE)")
    parser.add_argument("--no-install", action="store_true",
                        help="skip peers whose packages are missing instead of installing them")
    parser.add_argument("--keep-work", action="store_true",
                        help="keep the temporary directory (data dirs, logs)")
    args = parser.parse_args(argv)
    args.mode = "smoke" if args.smoke else "quick" if args.quick else "default"
    defaults = MODES[args.mode]
    args.scale = args.scale or defaults["scale"]
    args.runs = defaults["runs"] if args.runs is None else args.runs
    args.warmup = defaults["warmup"] if args.warmup is None else args.warmup
    args.budget_s = args.budget_s or defaults["budget"]
    args.system_budget_s = args.system_budget_s or defaults["system_budget"]
    args.concurrency_s = defaults["concurrency"] if args.concurrency_s is None else args.concurrency_s
    args.query_timeout_s = args.query_timeout_s or defaults["timeout"]
    args.settle_stable_s = defaults["stable"]
    if args.scale < 8:
        parser.error("--scale must be at least 8 (cpu-max-all-8 draws 8 hosts)")
    if args.runs < 1 or args.warmup < 0 or args.connections < 1 or args.batch_rows < 1:
        parser.error("--runs, --connections and --batch-rows must be positive")
    return args, parser


def build(args):
    build_dir = args.build_dir
    if not os.path.isabs(build_dir):
        build_dir = os.path.join(common.REPO, build_dir)
    args.build_dir = build_dir
    if args.no_build:
        return
    if not os.path.exists(os.path.join(build_dir, "build.ninja")):
        common.run(["cmake", "-S", common.REPO, "-B", build_dir, "-G", "Ninja",
                    "-DCMAKE_BUILD_TYPE=Release"], 600, "cmake configure")
    common.note(f"building stratad and the bench tools in {build_dir}")
    jobs = os.environ.get("JOBS", "2")
    common.run(["cmake", "--build", build_dir, "-j", jobs, "--target", "stratad", "ingest_load",
                "query_bench", "tsbs_generate"], 7200, "cmake --build")


def select(args, parser, known_types):
    systems = list(SYSTEMS)
    types = list(DEFAULT_TYPES)
    names = {cls.name: cls for cls in SYSTEMS}
    wanted_systems, wanted_types = [], []
    for item in filter(None, (part.strip() for part in args.only.split(","))):
        if item in names:
            wanted_systems.append(item)
        elif item in known_types:
            wanted_types.append(item)
        else:
            parser.error(f"--only: '{item}' is neither a system ({', '.join(names)}) nor a "
                         f"query type ({', '.join(known_types)})")
    if wanted_systems:
        systems = [cls for cls in SYSTEMS if cls is Stratad or cls.name in wanted_systems]
    if wanted_types:
        types = [name for name in known_types if name in wanted_types]
    return systems, types


def nearest_rank(values, fraction):
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(fraction * len(ordered) + 0.999999)))
    return ordered[rank - 1]


class Run:
    def __init__(self, args, ctx, types, warmup, measured, references):
        self.args = args
        self.ctx = ctx
        self.types = types
        self.warmup = warmup
        self.measured = measured
        self.references = references
        self.failed = False
        self.mismatches = []  # {system, type, run, problem, statement, stratad_statement}

    def run_type(self, system, query_type, system_left_s, types_left):
        """Warm-up and measured runs of one type. The type may take min(--budget-s, an equal
        share of system_left_s over types_left), warm-up included; warm-up runs are skipped
        once less than half of the system's budget is left (slow systems keep their time for
        measured runs); there is always at least one measured run."""
        queries = self.measured[query_type]
        statement = queries[0]["statements"][system.dialect]
        if "unsupported" in statement:
            return {"status": "n/a", "reason": statement["unsupported"]}
        result = {"status": "ok", "statement": statement["text"], "ms": [], "rows": [],
                  "compared": 0, "mismatches": 0, "warmup_runs": 0}
        budget = min(self.args.budget_s, max(0.0, system_left_s) / max(1, types_left))
        started = time.monotonic()
        try:
            if system_left_s >= self.args.system_budget_s / 2:
                for query in self.warmup[query_type]:
                    system.query(query["statements"][system.dialect]["text"])
                    result["warmup_runs"] += 1
            measuring = time.monotonic()
            for run, query in enumerate(queries):
                now = time.monotonic()
                if run > 0 and (now - started) + (now - measuring) / run > budget:
                    break  # The next run would exceed the type's budget.
                text = query["statements"][system.dialect]["text"]
                ms, raw = system.query(text)
                result["ms"].append(ms)
                rows = system.rows(raw, query["columns"])
                result["rows"].append(len(rows))
                self.check(system, query, run, rows, text, result)
        except common.BenchError as error:
            timed_out = "within" in str(error)
            result.update(status="timeout" if timed_out else "error", reason=str(error))
            if not timed_out:
                self.failed = True
        except Exception as error:  # A peer's client library error: the statement is wrong.
            result.update(status="error", reason=f"{type(error).__name__}: {error}")
            self.failed = True
        if result["ms"]:
            result.update(runs=len(result["ms"]), median_ms=statistics.median(result["ms"]),
                          p95_ms=nearest_rank(result["ms"], 0.95), min_ms=min(result["ms"]),
                          max_ms=max(result["ms"]))
        if result["status"] != "ok":
            common.note(f"{system.name} {query_type}: {result['status'].upper()}: "
                        f"{result['reason']}")
        return result

    def check(self, system, query, run, rows, text, result):
        query_type = query["type"]
        problem = None
        expected = query["expected_rows"]
        if expected is not None and len(rows) != expected:
            problem = f"{len(rows)} rows, a correct answer has {expected}"
        elif system.name == Stratad.name:
            self.references.put(query_type, run, rows)
        else:
            reference = self.references.get(query_type, run)
            if reference is not None:
                ordered = query["ordered"] and query["statements"][system.dialect]["ordered"]
                problem = answers.compare(reference, rows, ordered,
                                          [column["name"] for column in query["columns"]])
                result["compared"] += 1
        if problem is not None:
            result["mismatches"] += 1
            self.failed = True
            self.mismatches.append({
                "system": system.name, "type": query_type, "run": run, "problem": problem,
                "statement": text,
                "stratad_statement": query["statements"]["stratad"]["text"]})
            common.note(f"MISMATCH {system.name} {query_type} run {run}: {problem}")

    def run_system(self, cls):
        system = cls(self.ctx)
        result = {"name": system.name, "label": system.label, "status": "ok", "queries": {}}
        common.note(f"--- {system.label} ---")
        try:
            system.prepare()
        except common.Unavailable as error:
            common.note(f"SKIPPED {system.label}: {error}")
            result.update(status="skipped", reason=str(error))
            if cls is Stratad:
                self.failed = True
            return result, None
        concurrency_result = None
        try:
            for fmt in system.formats:
                self.ctx.data.path(fmt)  # Generated before the clock starts.
            system.start()
            result["version"] = system.version()
            common.note(f"{result['version']}: loading {self.ctx.data.rows:,} rows")
            load = system.load()
            load["rows_per_s"] = load["rows"] / load["seconds"] if load["seconds"] > 0 else 0
            result["load"] = load
            common.note(f"{system.label}: {load['rows_per_s']:,.0f} rows/s; settling")
            storage = system.settle()
            storage["bytes_per_row"] = storage["bytes"] / self.ctx.data.rows
            result["storage"] = storage
            common.note(f"{system.label}: {storage['bytes_per_row']:.1f} bytes/row; queries")
            queries_started = time.monotonic()
            for idx, query_type in enumerate(self.types):
                left = self.args.system_budget_s - (time.monotonic() - queries_started)
                result["queries"][query_type] = self.run_type(system, query_type, left,
                                                              len(self.types) - idx)
            if cls is Stratad and self.args.concurrency_s > 0:
                common.note(f"concurrency: wrk, {self.args.concurrency_connections} connections, "
                            f"{self.args.concurrency_s} s")
                try:
                    concurrency_result = concurrency.run(
                        system, self.ctx, self.args.seed, self.args.concurrency_s,
                        self.args.concurrency_connections, not self.args.no_install)
                    if concurrency_result["non_2xx"] or concurrency_result["connect_errors"] or \
                            concurrency_result["read_errors"] or concurrency_result["timeouts"]:
                        self.failed = True
                        common.note(f"concurrency: FAILED requests: {concurrency_result}")
                except common.Unavailable as error:
                    concurrency_result = {"status": "skipped", "reason": str(error)}
                    common.note(f"concurrency SKIPPED: {error}")
        except (common.BenchError, OSError) as error:
            # An installed system that does not start, load or settle here is the harness's
            # problem (or the machine's): loud, and a failed run.
            result.update(status="failed", reason=str(error))
            common.note(f"FAILED {system.label}: {error}")
            self.failed = True
        except Exception as error:
            result.update(status="failed", reason=f"{type(error).__name__}: {error}")
            common.note(f"FAILED {system.label}: {traceback.format_exc()}")
            self.failed = True
        finally:
            try:
                system.stop()
            except Exception as error:  # Stop the others anyway.
                common.note(f"stopping {system.label}: {error}")
        return result, concurrency_result


def main(argv):
    args, parser = parse_args(argv)
    build(args)
    bin_dir = os.path.join(args.build_dir, "bench")
    known_types = data.query_types(bin_dir)
    systems, types = select(args, parser, known_types)
    started = datetime.datetime.now(datetime.timezone.utc)
    work = tempfile.mkdtemp(prefix="strata-bench-peers.")
    os.chmod(work, 0o755)  # PostgreSQL runs as another user below it.
    common.note(f"{args.mode}: {args.scale} hosts x 1 day = {args.scale * TICKS:,} rows; "
                f"systems {', '.join(cls.name for cls in systems)}; work dir {work}")
    exit_code = 1
    try:
        dataset = data.DataSet(bin_dir, args.cache_dir, args.scale, TICKS, args.seed)
        ctx = base.Context(work_dir=work, build_dir=args.build_dir, data=dataset,
                           connections=args.connections, batch_rows=args.batch_rows,
                           settle_stable_s=args.settle_stable_s, settle_max_s=args.settle_max_s,
                           query_timeout_s=args.query_timeout_s,
                           allow_install=not args.no_install)
        warmup = data.queries(bin_dir, args.scale, TICKS, args.seed, types, args.warmup,
                              "warmup")
        measured = data.queries(bin_dir, args.scale, TICKS, args.seed, types, args.runs,
                                "measured")
        run = Run(args, ctx, types, warmup, measured,
                  answers.ReferenceStore(os.path.join(work, "answers")))
        results = []
        concurrency_result = None
        load_before = common.loadavg()
        for cls in systems:
            result, from_stratad = run.run_system(cls)
            results.append(result)
            if from_stratad is not None:
                concurrency_result = from_stratad
        out_dir = args.out or (os.path.join(work, "results") if args.smoke
                               else os.path.join(common.REPO, "bench", "results"))
        document = {
            "date": started.strftime("%Y-%m-%dT%H:%M:%SZ"), "mode": args.mode,
            "scale": args.scale, "ticks": TICKS, "rows": dataset.rows, "seed": args.seed,
            "machine": common.machine_info(), "load_average_before": load_before,
            "load_average_after": common.loadavg(),
            "settings": {"runs": args.runs, "warmup": args.warmup, "budget_s": args.budget_s,
                         "system_budget_s": args.system_budget_s,
                         "connections": args.connections, "batch_rows": args.batch_rows,
                         "query_timeout_s": args.query_timeout_s,
                         "rel_tol": answers.REL_TOL, "abs_tol": answers.ABS_TOL,
                         "data_generated_s": dataset.generated},
            "types": types, "systems": results, "concurrency": concurrency_result,
            "mismatches": run.mismatches,
            "elapsed_s": round((datetime.datetime.now(datetime.timezone.utc) -
                                started).total_seconds()),
        }
        paths = report.write(document, out_dir)
        print(open(paths["md"]).read())
        for path in paths.values():
            common.note(f"wrote {path}")
        if run.mismatches:
            common.note(f"{len(run.mismatches)} ANSWER MISMATCH(ES): see the MISMATCH table")
        exit_code = 1 if run.failed else 0
    finally:
        if args.keep_work:
            common.note(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
