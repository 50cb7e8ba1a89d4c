"""The results of a run: <out>/<date>-<scale>.md (tables), .json (every number) and two PNG
charts drawn by gnuplot (Debian gnuplot-nox): ingest rows/s per system, and median query
latency per type per system on a log scale. Charts are skipped (and said so) without gnuplot."""

import json
import os
import shutil
import subprocess

from . import common

CELL_STATUS = {"n/a": "n/a", "timeout": "timeout", "error": "**error**"}


def _fmt_ms(value):
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _ran(system):
    return system["status"] == "ok"


def _cell(query, runs):
    if query is None:
        return "-"
    if "median_ms" in query and query["status"] in ("ok", "timeout"):
        text = f"{_fmt_ms(query['median_ms'])} ({_fmt_ms(query['p95_ms'])})"
        if query["runs"] < runs:
            text += f" n={query['runs']}"
        if query["status"] == "timeout":
            text += f" timeout after {query['runs']}"
        if query.get("mismatches"):
            text += " **MISMATCH**"
        return text
    return CELL_STATUS.get(query["status"], query["status"])


def _ratio(query, reference):
    if not query or not reference or "median_ms" not in query or "median_ms" not in reference:
        return "-"
    if reference["median_ms"] <= 0:
        return "-"
    return f"{query['median_ms'] / reference['median_ms']:.2f}"


def markdown(doc, charts):
    systems = doc["systems"]
    stratad = systems[0] if systems and systems[0]["name"] == "stratad" else None
    machine = doc["machine"]
    lines = [
        f"# TSBS devops cpu-only: stratad against peers ({doc['mode']})",
        "",
        f"{doc['date']} · {doc['scale']:,} hosts x 1 day = {doc['rows']:,} rows (seed "
        f"{doc['seed']}) · {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory_gib']} GiB, Linux {machine['kernel']} · load average before "
        f"{' '.join(doc['load_average_before'])}, after {' '.join(doc['load_average_after'])} "
        f"· {doc['elapsed_s']} s in all",
        "",
        "Method: bench/README.md. Loads use the same rows (one generator, cached files); HTTP "
        f"systems get {doc['settings']['batch_rows']:,} rows per request over "
        f"{doc['settings']['connections']} connections. Queries: "
        f"{doc['settings']['warmup']} warm-up + up to {doc['settings']['runs']} measured runs "
        "per type, one at a time, the same seeded parameters on every system (fewer runs, "
        "n=, once a type's runs would exceed min("
        f"{doc['settings']['budget_s']:.0f} s, its share of the "
        f"{doc['settings']['system_budget_s']:.0f} s a system may spend on queries); warm-ups "
        "stop once half of that is spent). Every answer is checked against stratad's (floats "
        f"within {doc['settings']['rel_tol']:g} relative).",
        "",
        "## Systems",
        "",
        "| system | version | status |",
        "|---|---|---|",
    ]
    for system in systems:
        status = system["status"] if system["status"] == "ok" else \
            f"**{system['status']}**: {system.get('reason', '')}"
        lines.append(f"| {system['label']} | {system.get('version', '-')} | {status} |")

    lines += ["", "## Ingest", "",
              "rows/s over the whole load, client and server on the same cores; for the HTTP "
              "loads, the cores the server used and those other processes took meanwhile "
              "(anything but ~0 in the last column means a busy machine and low figures).", "",
              "| system | how | rows/s | ÷ stratad | server cores (others) | bytes/row on disk "
              "| settle s | disk figure |",
              "|---|---|---:|---:|---:|---:|---:|---|"]
    reference_rate = stratad["load"]["rows_per_s"] if stratad and "load" in stratad else None
    for system in systems:
        load, storage = system.get("load"), system.get("storage")
        if not load:
            lines.append(f"| {system['label']} | - | - | - | - | - | - | - |")
            continue
        cores = (f"{load['server_cores']:.2f} ({load['other_cores']:.2f})"
                 if "server_cores" in load else "-")
        ratio = f"{load['rows_per_s'] / reference_rate:.2f}" if reference_rate else "-"
        if storage:
            disk = (f"{storage['bytes_per_row']:.1f} | {storage['settle_s']}"
                    f"{'' if storage.get('settled', True) else ' (not settled)'} | "
                    f"{storage['how']}")
        else:
            disk = "- | - | -"
        lines.append(f"| {system['label']} | {load['method']} | {load['rows_per_s']:,.0f} | "
                     f"{ratio} | {cores} | {disk} |")

    ran = [system for system in systems if system.get("queries")]
    lines += ["", "## Query latency", "",
              "Median ms (p95 ms in brackets); client-side: from sending the statement to "
              "having the whole answer.", "",
              "| query | " + " | ".join(system["label"] for system in ran) + " |",
              "|---|" + "---:|" * len(ran)]
    for query_type in doc["types"]:
        cells = [_cell(system["queries"].get(query_type), doc["settings"]["runs"])
                 for system in ran]
        lines.append(f"| {query_type} | " + " | ".join(cells) + " |")

    peers = [system for system in ran if system["name"] != "stratad"]
    if stratad and stratad.get("queries") and peers:
        lines += ["", "## Ratio peer ÷ stratad", "",
                  "Median latency of the peer divided by stratad's: above 1, stratad is faster.",
                  "", "| query | " + " | ".join(system["label"] for system in peers) + " |",
                  "|---|" + "---:|" * len(peers)]
        for query_type in doc["types"]:
            reference = stratad["queries"].get(query_type)
            cells = [_ratio(system["queries"].get(query_type), reference) for system in peers]
            lines.append(f"| {query_type} | " + " | ".join(cells) + " |")

    lines += ["", "## Answers", ""]
    compared = sum(query.get("compared", 0) for system in peers
                   for query in system["queries"].values())
    if doc["mismatches"]:
        lines += [f"**MISMATCH: {len(doc['mismatches'])} answer(s) differ** "
                  f"({compared} peer answers compared with stratad's; row counts are also "
                  "checked against what the data fixes).", "",
                  "| system | query | run | what differs |", "|---|---|---:|---|"]
        for mismatch in doc["mismatches"]:
            lines.append(f"| **{mismatch['system']}** | {mismatch['type']} | {mismatch['run']} "
                         f"| {mismatch['problem']} |")
        lines += ["", "Statements of the first mismatch of each (system, query):", ""]
        seen = set()
        for mismatch in doc["mismatches"]:
            key = (mismatch["system"], mismatch["type"])
            if key in seen:
                continue
            seen.add(key)
            lines += [f"- {mismatch['system']} {mismatch['type']} run {mismatch['run']}:",
                      f"  - `{mismatch['statement']}`",
                      f"  - stratad: `{mismatch['stratad_statement']}`"]
    else:
        lines.append(f"Every answer agrees: {compared} peer answers compared with stratad's "
                     "(and every row count checked against what the data fixes).")
    problems = []
    for system in ran:
        for query_type, query in system["queries"].items():
            if query["status"] != "ok":
                problems.append(f"- {system['label']} {query_type}: {query['status']}: "
                                f"{query.get('reason', '')}")
    if problems:
        lines += ["", "Not measured or not answered:", ""] + problems

    conc = doc.get("concurrency")
    lines += ["", "## Concurrency", ""]
    if conc and "qps" in conc:
        errors = conc["non_2xx"] + conc["connect_errors"] + conc["read_errors"] + \
            conc["write_errors"] + conc["timeouts"]
        lines += [f"wrk against stratad's POST /v1/query: {conc['query_type']} with "
                  f"{conc['distinct_queries']:,} different parameter sets, "
                  f"{conc['connections']} connections on {conc['threads']} threads, "
                  f"{conc['duration_s']} s.", "",
                  "| requests | qps | p50 ms | p90 ms | p99 ms | max ms | failed |",
                  "|---:|---:|---:|---:|---:|---:|---:|",
                  f"| {conc['requests']:,} | {conc['qps']:,.0f} | {conc['p50_us'] / 1000:.2f} | "
                  f"{conc['p90_us'] / 1000:.2f} | {conc['p99_us'] / 1000:.2f} | "
                  f"{conc['max_us'] / 1000:.2f} | {errors}{' **FAILED**' if errors else ''} |"]
    elif conc:
        lines.append(f"{conc.get('status', 'not run')}: {conc.get('reason', '')}")
    else:
        lines.append("Not run.")

    if charts:
        lines += ["", "## Charts", ""]
        for title, name in charts:
            lines.append(f"![{title}]({name})")
    return "\n".join(lines) + "\n"


def _gnuplot(script, cwd):
    try:
        subprocess.run(["gnuplot"], input=script.encode(), cwd=cwd, capture_output=True,
                       timeout=60, check=True)
        return True
    except (OSError, subprocess.SubprocessError) as error:
        common.note(f"gnuplot failed: {error}")
        return False


def charts(doc, out_dir, stem):
    """Draws the PNGs; returns [(title, file name)] of those drawn."""
    if shutil.which("gnuplot") is None:
        try:
            common.ensure_debian(["gnuplot-nox"])
        except common.Unavailable as error:
            common.note(f"no charts: {error}")
            return []
    drawn = []
    loaded = [system for system in doc["systems"] if system.get("load")]
    if loaded:
        tsv = os.path.join(out_dir, f"{stem}-ingest.tsv")
        with open(tsv, "w") as out:
            for system in loaded:
                out.write(f"{system['label']}\t{system['load']['rows_per_s']:.0f}\n")
        name = f"{stem}-ingest.png"
        script = f"""set terminal pngcairo size 900,500 font "sans,10"
set output '{name}'
set title "Ingest, {doc['rows']:,} TSBS rows ({doc['mode']}): rows/s, higher is better"
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.7
set datafile separator "\\t"
set ylabel "rows/s"
set yrange [0:*]
set grid ytics
unset key
plot '{os.path.basename(tsv)}' using 2:xtic(1) linecolor rgb "#4472c4"
"""
        if _gnuplot(script, out_dir):
            drawn.append(("ingest rows/s per system", name))
        os.remove(tsv)
    ran = [system for system in doc["systems"] if system.get("queries")]
    if ran:
        tsv = os.path.join(out_dir, f"{stem}-latency.tsv")
        with open(tsv, "w") as out:
            out.write("query\t" + "\t".join(system["label"] for system in ran) + "\n")
            for query_type in doc["types"]:
                values = []
                for system in ran:
                    query = system["queries"].get(query_type) or {}
                    values.append(f"{query['median_ms']:.4f}" if "median_ms" in query else "?")
                out.write(query_type + "\t" + "\t".join(values) + "\n")
        name = f"{stem}-latency.png"
        script = f"""set terminal pngcairo size 1400,650 font "sans,10"
set output '{name}'
set title "Median query latency per TSBS query type ({doc['rows']:,} rows, {doc['mode']}), ms, log scale: lower is better"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set datafile separator "\\t"
set datafile missing "?"
set logscale y
set ylabel "median ms (log scale)"
set grid ytics
set xtics rotate by -35 scale 0
set key top left horizontal
set bmargin 8
set rmargin 14
plot for [col=2:{len(ran) + 1}] '{os.path.basename(tsv)}' using col:xtic(1) title columnheader(col)
"""
        if _gnuplot(script, out_dir):
            drawn.append(("median query latency per type per system (log scale)", name))
        os.remove(tsv)
    return drawn


def write(doc, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    stem = f"{doc['date'][:10]}-{doc['mode']}-s{doc['scale']}"
    drawn = charts(doc, out_dir, stem)
    doc["charts"] = [name for _, name in drawn]
    paths = {"md": os.path.join(out_dir, f"{stem}.md"),
             "json": os.path.join(out_dir, f"{stem}.json")}
    with open(paths["md"], "w") as out:
        out.write(markdown(doc, drawn))
    with open(paths["json"], "w") as out:
        json.dump(doc, out, indent=1)
        out.write("\n")
    for _, name in drawn:
        paths[name] = os.path.join(out_dir, name)
    return paths
