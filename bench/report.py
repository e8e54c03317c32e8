#!/usr/bin/env python3
"""Helpers of bench/run.sh: parse one wrk run into a TSV line, and turn a results directory into markdown.

  report.py parse-wrk FILE GROUP ROW ENDPOINT CONNS ROUND APP_TICKS PROXY_TICKS WRK_TICKS MACHINE_TICKS WALL_MS CLK NPROC
                      UPSTREAM_CONNS
  report.py report RESULTS_DIR DOC_PATH
"""

import json
import os
import re
import statistics
import sys

CELL_FIELDS = ["group", "row", "endpoint", "conns", "round", "rps", "p50_ms", "p99_ms", "non2xx", "socket_errors",
               "requests", "app_us", "proxy_us", "wrk_us", "busy_pct", "other_pct",
               "upstream_conns"]

ROW_LABELS = {
    "ceiling": "nginx alone (ceiling)",
    "fastcgi": "(a) nginx → FastCGI keep_conn → this starter",
    "tomcat": "(b) nginx → HTTP/1.1 keepalive → Tomcat",
    "jetty": "(c) nginx → FastCGI keep_conn → Jetty jetty-fcgi-server",
    "fastcgi-b": "(a-b) nginx → FastCGI keep_conn → this starter, " + (
        os.environ.get("BENCH_FASTCGI_B_ARGS") or os.environ.get("BENCH_FASTCGI_B_JAR")
        or "BENCH_FASTCGI_B_JAR / BENCH_FASTCGI_B_ARGS"),
    "engine": "(a0) nginx → FastCGI keep_conn → bare engine (FastCgiHandler, no servlet/Spring)",
    "fastcgi-unix": "(a-u) nginx → FastCGI keep_conn over a Unix socket → this starter",
    "tomcat-unix": "(b-u) nginx → HTTP/1.1 keepalive over a Unix socket → Tomcat",
    "fastcgi-close": "(a-c) nginx → FastCGI, a connection per request (nginx's default) → this starter",
    "tomcat-close": "(b-c) nginx → HTTP/1.0, a connection per request (nginx's default) → Tomcat",
    "mpx": "HAProxy → FastCGI, mpxs-conns + max-reqs {max_reqs} → starter (multiplexed=true)",
    "nompx": "HAProxy → FastCGI, no mpxs-conns → starter (multiplexed=false)",
}

ENDPOINT_LABELS = {"hello": "GET /hello", "bytes64k": "GET /bytes/64k", "echo16k": "POST /echo 16 KiB",
                   "blocking2ms": "GET /blocking (2 ms sleep)"}

NOTES_MARKER = "<!-- notes below this line are kept when bench/run.sh rewrites this file -->"

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def to_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m|h)$", text)
    return float(m.group(1)) * UNITS_MS[m.group(2)] if m else float("nan")


def parse_wrk(args):
    (path, group, row, endpoint, conns, rnd, app_t, proxy_t, wrk_t, machine_t, wall_ms, clk, nproc, upstream) = args
    text = open(path, encoding="utf-8", errors="replace").read()
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    requests = re.search(r"^\s*(\d+) requests in", text, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    n = int(requests.group(1)) if requests else 0
    clk, nproc, wall_s = int(clk), int(nproc), max(int(wall_ms), 1) / 1000.0
    app_t, proxy_t, wrk_t, machine_t = int(app_t), int(proxy_t), int(wrk_t), int(machine_t)

    def per_request_us(ticks):
        return ticks / clk * 1e6 / n if n else float("nan")

    busy = machine_t / clk / (wall_s * nproc) * 100
    other = (machine_t - app_t - proxy_t - wrk_t) / clk / (wall_s * nproc) * 100
    values = [group, row, endpoint, conns, rnd,
              "%.1f" % float(rps.group(1)) if rps else "0",
              "%.3f" % to_ms(p50.group(1)) if p50 else "nan",
              "%.3f" % to_ms(p99.group(1)) if p99 else "nan",
              non2xx.group(1) if non2xx else "0",
              "failed" if n == 0 else (str(sum(int(x) for x in sock.groups())) if sock else "0"),
              str(n),
              "%.1f" % per_request_us(app_t) if app_t else "nan",
              "%.1f" % per_request_us(proxy_t),
              "%.1f" % per_request_us(wrk_t),
              "%.0f" % busy, "%.0f" % max(other, 0.0), upstream]
    print("\t".join(values))


def read_tsv(path, fields=None):
    if not os.path.exists(path):
        return []
    rows = []
    for line in open(path, encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        rows.append(dict(zip(fields, parts)) if fields else parts)
    return rows


def num(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def median(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def fmt(value, digits=0):
    if value != value:
        return "–"
    return ("{:,.%df}" % digits).format(value)


def ratio(value, base):
    if value != value or base != base or base == 0:
        return "–"
    return "%.2f×" % (value / base)


def summarize(cells, group):
    """(row, endpoint, conns) -> dict of medians over rounds, and sums of errors."""
    keyed = {}
    for c in cells:
        if c["group"] != group:
            continue
        keyed.setdefault((c["row"], c["endpoint"], c["conns"]), []).append(c)
    out = {}
    for key, runs in keyed.items():
        errors = 0
        failed = False
        for r in runs:
            errors += int(r["non2xx"])
            if r["socket_errors"] == "failed":
                failed = True
            else:
                errors += int(r["socket_errors"])
        out[key] = {
            "rps": median([num(r["rps"]) for r in runs]),
            "p50": median([num(r["p50_ms"]) for r in runs]),
            "p99": median([num(r["p99_ms"]) for r in runs]),
            "app_us": median([num(r["app_us"]) for r in runs]),
            "proxy_us": median([num(r["proxy_us"]) for r in runs]),
            "wrk_us": median([num(r["wrk_us"]) for r in runs]),
            "other": median([num(r["other_pct"]) for r in runs]),
            "upstream": median([num(r.get("upstream_conns")) for r in runs]),
            "rounds": len(runs),
            "non2xx": sum(int(r["non2xx"]) for r in runs),
            "socket": sum(int(r["socket_errors"]) for r in runs if r["socket_errors"] != "failed"),
            "errors": errors,
            "failed": failed,
            "rps_all": [num(r["rps"]) for r in runs],
        }
    return out


def order(values, preferred):
    return [v for v in preferred if v in values] + sorted(v for v in values if v not in preferred)


def http_table(summary):
    lines = ["| endpoint | conns | row | req/s (median) | vs Tomcat | p50 ms | p99 ms | p99 vs Tomcat "
             "| app CPU µs/req | vs Tomcat | nginx CPU µs/req | wrk CPU µs/req | non-2xx | socket errors "
             "| upstream conns | other CPU % |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    endpoints = order({k[1] for k in summary}, ["hello", "bytes64k", "echo16k"])
    conns_list = sorted({k[2] for k in summary}, key=int)
    rows = order({k[0] for k in summary},
                 ["ceiling", "tomcat", "fastcgi", "fastcgi-b", "engine", "jetty", "tomcat-unix", "fastcgi-unix",
                  "tomcat-close", "fastcgi-close"])
    for endpoint in endpoints:
        for conns in conns_list:
            base = summary.get(("tomcat", endpoint, conns))
            base_unix = summary.get(("tomcat-unix", endpoint, conns))
            base_close = summary.get(("tomcat-close", endpoint, conns))
            for row in rows:
                s = summary.get((row, endpoint, conns))
                if not s:
                    continue
                # the Unix-socket rows compare with Tomcat over a Unix socket when that row ran
                # and the connection-per-request rows with Tomcat proxied that way
                b = (base_unix if row.endswith("-unix") and base_unix
                     else base_close if row.endswith("-close") and base_close else base) or {}
                lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    ENDPOINT_LABELS.get(endpoint, endpoint), conns, ROW_LABELS.get(row, row),
                    fmt(s["rps"]) + (" (failed)" if s["failed"] else ""),
                    ratio(s["rps"], b.get("rps", float("nan"))),
                    fmt(s["p50"], 2), fmt(s["p99"], 2), ratio(s["p99"], b.get("p99", float("nan"))),
                    fmt(s["app_us"], 1), ratio(s["app_us"], b.get("app_us", float("nan"))),
                    fmt(s["proxy_us"], 1), fmt(s["wrk_us"], 1), s["non2xx"],
                    str(s["socket"]) + (" + failed cell" if s["failed"] else ""),
                    fmt(s["upstream"]) if row != "ceiling" else "–", fmt(s["other"])))
    return lines


def err(s):
    if not s:
        return "–"
    return "%d%s" % (s["errors"], " + failed cell" if s["failed"] else "")


def haproxy_table(summary):
    lines = ["| endpoint | conns | multiplexed req/s | non-multiplexed req/s | mpx / non-mpx | p99 ms mpx / non-mpx "
             "| app CPU µs/req mpx / non-mpx | HAProxy CPU µs/req mpx / non-mpx | connections to the app mpx / non-mpx "
             "| errors mpx / non-mpx |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    keys = sorted({(k[1], k[2]) for k in summary}, key=lambda k: (["hello", "bytes64k", "echo16k"].index(k[0])
                                                                   if k[0] in ["hello", "bytes64k", "echo16k"]
                                                                   else 9, int(k[1])))
    for endpoint, conns in keys:
        m = summary.get(("mpx", endpoint, conns), {})
        n = summary.get(("nompx", endpoint, conns), {})
        nan = float("nan")
        lines.append("| %s | %s | %s | %s | %s | %s / %s | %s / %s | %s / %s | %s / %s | %s / %s |" % (
            ENDPOINT_LABELS.get(endpoint, endpoint), conns, fmt(m.get("rps", nan)), fmt(n.get("rps", nan)),
            ratio(m.get("rps", nan), n.get("rps", nan)), fmt(m.get("p99", nan), 2), fmt(n.get("p99", nan), 2),
            fmt(m.get("app_us", nan), 1), fmt(n.get("app_us", nan), 1),
            fmt(m.get("proxy_us", nan), 1), fmt(n.get("proxy_us", nan), 1),
            fmt(m.get("upstream", nan)), fmt(n.get("upstream", nan)),
            err(m), err(n)))
    return lines


def app_facts(out_dir):
    """Per app: the last value of each key; startup_round_ms (the startup part) is kept as a list of rounds."""
    facts = {}
    for parts in read_tsv(os.path.join(out_dir, "apps.tsv")):
        if len(parts) >= 3:
            f = facts.setdefault(parts[0], {})
            if parts[1] == "startup_round_ms":
                if parts[2].isdigit():
                    f.setdefault("startup_rounds", []).append(int(parts[2]))
            else:
                f[parts[1]] = parts[2]
    return facts


def startup_ms(f):
    """The startup figure of an app: the median of the startup part's rounds, else its one start in the http part."""
    rounds = f.get("startup_rounds") if f else None
    if rounds:
        return statistics.median(rounds)
    value = f.get("startup_ms", "") if f else ""
    return int(value) if value.isdigit() else None


def startup_text(f):
    value = startup_ms(f)
    if value is None:
        return (f or {}).get("startup_ms", "–")
    rounds = f.get("startup_rounds")
    if rounds:
        return "%.2f s (median of %d: %s)" % (value / 1000, len(rounds),
                                             ", ".join("%.2f" % (r / 1000) for r in rounds))
    return "%.2f s" % (value / 1000)


def apps_table(facts, names):
    lines = ["| app | startup to first response through the front end | endpoint check | RSS after the run "
             "| peak RSS | lines with Exception/Error: in the app log |",
             "|---|---:|---|---:|---:|---:|"]
    for name in names:
        f = facts.get(name)
        if not f:
            continue
        startup = startup_text(f)
        rss = f.get("rss_kib", "")
        hwm = f.get("hwm_kib", "")
        lines.append("| %s | %s | %s | %s | %s | %s |" % (
            ROW_LABELS.get(name, name), startup, f.get("check", "–"),
            ("%d MiB" % (int(rss) // 1024)) if rss.isdigit() else "–",
            ("%d MiB" % (int(hwm) // 1024)) if hwm.isdigit() else "–", f.get("exceptions", "–")))
    return lines


def upload_table(out_dir):
    rows = read_tsv(os.path.join(out_dir, "upload.tsv"))
    if not rows:
        return []
    lines = ["| app | via | size | result | seconds | MiB/s | app peak RSS | exceptions in log |",
             "|---|---|---:|---|---:|---:|---:|---:|"]
    for parts in rows:
        name, via, mib, result, hwm, exc = (parts + [""] * 6)[:6]
        try:
            r = json.loads(result)
        except ValueError:
            r = {"ok": False, "error": result or "no result"}
        lines.append("| %s | %s | %s MiB | %s | %s | %s | %s | %s |" % (
            name, via, mib, "ok" if r.get("ok") else "FAILED: %s" % r.get("error", r.get("body", "")),
            fmt(r.get("seconds", float("nan")), 1), fmt(r.get("mib_per_s", float("nan")), 0),
            ("%d MiB" % (int(hwm) // 1024)) if hwm.isdigit() else "–", exc))
    return lines


def strace_counts(path):
    """syscall -> calls, from an `strace -c` summary."""
    counts = {}
    if not os.path.exists(path):
        return counts
    for line in open(path, encoding="utf-8", errors="replace"):
        parts = line.split()
        if len(parts) < 5 or not parts[0][0].isdigit() or parts[-1] == "total":
            continue
        try:
            counts[parts[-1]] = int(parts[3])
        except ValueError:
            continue
    return counts


def syscalls_table(out_dir):
    rows = read_tsv(os.path.join(out_dir, "syscalls.tsv"))
    if not rows:
        return []
    lines = ["| row | endpoint | requests | app syscalls per request | app: top calls per request "
             "| nginx syscalls per request | nginx: top calls per request |",
             "|---|---|---:|---:|---|---:|---|"]
    for parts in rows:
        row, endpoint, requests, app_file, nginx_file = (parts + [""] * 5)[:5]
        n = int(requests) if requests.isdigit() else 0
        cells = []
        for path in (app_file, nginx_file):
            counts = strace_counts(path)
            total = sum(counts.values())
            top = sorted(counts.items(), key=lambda kv: -kv[1])[:5]
            cells.append(fmt(total / n, 1) if n else "–")
            cells.append(", ".join("%s %.2f" % (k, v / n) for k, v in top) if n else "–")
        lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            ROW_LABELS.get(row, row), ENDPOINT_LABELS.get(endpoint, endpoint), fmt(n), *cells))
    return lines


def jmh_table(out_dir):
    path = os.path.join(out_dir, "jmh.json")
    if not os.path.exists(path):
        return []
    try:
        results = json.load(open(path, encoding="utf-8"))
    except ValueError:
        return ["JMH results unreadable: %s" % path]
    lines = ["| benchmark | params | ops/s | ± (99.9 %) | bytes allocated per op (gc.alloc.rate.norm) |",
             "|---|---|---:|---:|---:|"]
    for r in results:
        name = r["benchmark"].rsplit(".", 2)
        name = ".".join(name[-2:])
        params = ", ".join("%s=%s" % kv for kv in sorted((r.get("params") or {}).items()))
        pm = r["primaryMetric"]
        factor = 1e6 if pm["scoreUnit"] == "ops/us" else (1e3 if pm["scoreUnit"] == "ops/ms" else 1)
        alloc = (r.get("secondaryMetrics") or {}).get("gc.alloc.rate.norm", {}).get("score", float("nan"))
        err = pm.get("scoreError", float("nan"))
        err = num(err) * factor if err != "NaN" else float("nan")
        lines.append("| %s | %s | %s | %s | %s |" % (name, params or "–", fmt(pm["score"] * factor),
                                                      fmt(err), fmt(alloc, 1)))
    return lines


def target_lines(http, hap, facts, out_dir):
    """The issue's targets, each with PASS/MISS and by how much (only where the data exists)."""
    out = []
    nan = float("nan")

    def get(row, endpoint, conns, key):
        return http.get((row, endpoint, conns), {}).get(key, nan)

    def verdict(ok):
        return "PASS" if ok else "MISS"

    for conns in sorted({k[2] for k in http}, key=int):
        if ("fastcgi", "hello", conns) not in http or ("tomcat", "hello", conns) not in http:
            continue
        r = get("fastcgi", "hello", conns, "rps") / get("tomcat", "hello", conns, "rps")
        out.append("- GET /hello c%s: %s req/s vs Tomcat (target ≥ 1.30×): %s" % (conns, "%.2f×" % r,
                                                                                  verdict(r >= 1.3)))
        c = get("fastcgi", "hello", conns, "app_us") / get("tomcat", "hello", conns, "app_us")
        out.append("- GET /hello c%s: app CPU per request %.2f× Tomcat's (target ≤ 0.50×): %s" % (
            conns, c, verdict(c <= 0.5)))
        p = get("fastcgi", "hello", conns, "p99") / get("tomcat", "hello", conns, "p99")
        out.append("- GET /hello c%s: p99 %.2f× Tomcat's (target ≤ 1.00×): %s" % (conns, p, verdict(p <= 1.0)))
        for endpoint, goal in (("bytes64k", 1.5), ("echo16k", 1.2)):
            if ("fastcgi", endpoint, conns) in http and ("tomcat", endpoint, conns) in http:
                r = get("fastcgi", endpoint, conns, "rps") / get("tomcat", endpoint, conns, "rps")
                out.append("- %s c%s: %.2f× Tomcat (target ≥ %.2f×): %s" % (
                    ENDPOINT_LABELS[endpoint], conns, r, goal, verdict(r >= goal)))
    fast = [v for k, v in http.items() if k[0] == "fastcgi"]
    if fast:
        errors = sum(v["errors"] for v in fast) + sum(1 for v in fast if v["failed"])
        exc = facts.get("fastcgi", {}).get("exceptions", "?")
        out.append("- zero errors: %d non-2xx/socket errors in the starter's cells, %s exception lines in its log: %s"
                   % (errors, exc, verdict(errors == 0 and exc == "0")))
    hap_cells = list(hap.values())
    if hap_cells:
        errors = sum(v["errors"] for v in hap_cells) + sum(1 for v in hap_cells if v["failed"])
        exc = sum(int(facts.get(m, {}).get("exceptions", "0") or 0) for m in ("mpx", "nompx"))
        out.append("- zero errors behind HAProxy: %d non-2xx/socket errors, %d exception lines in the apps' logs: %s"
                   % (errors, exc, verdict(errors == 0 and exc == 0)))
    f, t = facts.get("fastcgi", {}), facts.get("tomcat", {})
    if f.get("rss_kib", "").isdigit() and t.get("rss_kib", "").isdigit():
        out.append("- RSS after the load: %d MiB vs Tomcat %d MiB (target ≤): %s" % (
            int(f["rss_kib"]) // 1024, int(t["rss_kib"]) // 1024, verdict(int(f["rss_kib"]) <= int(t["rss_kib"]))))
    fs, ts = startup_ms(f), startup_ms(t)
    if fs is not None and ts is not None:
        out.append("- startup to first response%s: %.2f s vs Tomcat %.2f s (target ≤): %s" % (
            " (median of the startup rounds)" if f.get("startup_rounds") else "", fs / 1000, ts / 1000,
            verdict(fs <= ts)))
    uploads = read_tsv(os.path.join(out_dir, "upload.tsv"))
    for parts in uploads:
        try:
            ok = json.loads(parts[3]).get("ok")
        except (ValueError, IndexError):
            ok = False
        out.append("- upload %s MiB, %s via %s: %s" % (parts[2], parts[0], parts[1], verdict(bool(ok))))
    for key in sorted({(k[1], k[2]) for k in hap}):
        m, n = hap.get(("mpx",) + key), hap.get(("nompx",) + key)
        if m and n and n["rps"]:
            r = m["rps"] / n["rps"]
            out.append("- HAProxy %s c%s: multiplexed %.2f× non-multiplexed (target ≥ 0.90×): %s" % (
                ENDPOINT_LABELS.get(key[0], key[0]), key[1], r, verdict(r >= 0.9)))
    jmh = jmh_allocations(out_dir)
    for (bench, params), alloc in sorted(jmh.items()):
        if bench == "RecordDecoderBenchmark.frames":
            out.append("- codec, %s (%s): %.1f B allocated per request of 4 records when the listener keeps no "
                       "content (target: nothing beyond the payload handed out): %s" % (
                           bench, params, alloc, verdict(alloc < 1)))
        elif bench == "RecordDecoderBenchmark.framesHandingOutContent":
            # a ByteBuffer slice is 56 B (heap) or 64 B (direct) with compressed oops: the payload handed out
            out.append("- codec, %s (%s): %.0f B per request of 4 records, %.0f B per record, when every content "
                       "slice escapes (target: at most the slice, one ByteBuffer of at most 64 B): %s" % (
                           bench, params, alloc, alloc / 4, verdict(round(alloc / 4) <= 64)))
    encoder = [alloc for (bench, _), alloc in jmh.items() if bench == "RecordEncoderBenchmark.writeResponse"]
    if encoder:
        out.append("- codec, RecordEncoderBenchmark.writeResponse: at most %.1f B allocated per response over %d "
                   "variants: %s" % (max(encoder), len(encoder), verdict(max(encoder) < 1)))
    return out


def jmh_allocations(out_dir):
    path = os.path.join(out_dir, "jmh.json")
    result = {}
    if not os.path.exists(path):
        return result
    try:
        data = json.load(open(path, encoding="utf-8"))
    except ValueError:
        return result
    for r in data:
        name = ".".join(r["benchmark"].rsplit(".", 2)[-2:])
        params = ", ".join("%s=%s" % kv for kv in sorted((r.get("params") or {}).items()))
        alloc = (r.get("secondaryMetrics") or {}).get("gc.alloc.rate.norm", {}).get("score")
        if alloc is not None:
            result[(name, params)] = alloc
    return result


def read_env(out_dir):
    env = {}
    path = os.path.join(out_dir, "env.txt")
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                env[k] = v
    return env


def report(out_dir, doc_path):
    cells = read_tsv(os.path.join(out_dir, "cells.tsv"), CELL_FIELDS)
    env = read_env(out_dir)
    ROW_LABELS["mpx"] = ROW_LABELS["mpx"].format(max_reqs=env.get("haproxy_max_reqs", "32"))
    facts = app_facts(out_dir)
    http = summarize(cells, "http")
    hap = summarize(cells, "haproxy")
    quick = env.get("quick") == "1"
    md = ["# Performance", ""]
    raw = os.path.abspath(out_dir)
    if raw.startswith(os.getcwd() + os.sep):
        raw = os.path.relpath(raw, os.getcwd())
    md.append("Generated by `bench/run.sh` on %s. Raw data: `%s`." % (env.get("date", "?"), raw))
    md.append("")
    if quick:
        md += ["> **Smoke run (`BENCH_QUICK=1`): %s round(s) of %s s cells after %s s of warm-up, on a shared "
               "machine. These figures are noisy and are not the benchmark result.**" % (
                   env.get("rounds"), env.get("duration"), env.get("warmup")), ""]
    if env.get("jfr") == "1":
        md += ["> **Profiling run (`BENCH_JFR=1`): every app ran with JFR; the figures are perturbed.**", ""]
    md += ["## Machine and software", "",
           "- CPUs (`nproc`): %s — %s" % (env.get("nproc", "?"), env.get("cpu", "?")),
           "- memory (`free -g`): %s" % env.get("free_g", "?"),
           "- load average when the report was written: %s" % env.get("load", "?"),
           "- `java -version`: %s" % env.get("java", "?"),
           "- `nginx -v`: %s; `worker_processes %s`; upstream `keepalive %s`" % (
               env.get("nginx", "?"), env.get("nginx_workers", "?"), env.get("keepalive", "?")),
           "- %s" % env.get("haproxy", "haproxy ?"),
           "- %s" % env.get("wrk", "wrk ?"),
           "- JVM flags of every app: `%s`; of the upload apps: `%s`" % (env.get("jvm_opts", "?"),
                                                                         env.get("upload_jvm_opts", "?")),
           "- each cell: `wrk -t%s -c<conns> -d%ss --latency` (POST: `-s post16k.lua`), %s interleaved round(s) "
           "after %s s of warm-up per JVM; medians over the rounds" % (
               env.get("threads", "2"), env.get("duration", "?"), env.get("rounds", "?"), env.get("warmup", "?")),
           "", "Command: `%s`" % env.get("command", "bench/run.sh"), ""]
    md += ["## nginx in front: req/s, latency and CPU per request", "",
           "Ratios are to the Tomcat row of the same endpoint and connection count (for a row over a Unix "
           "socket: to Tomcat over a Unix socket, when that row ran; for a row with a connection per request: to Tomcat "
           "proxied that way, when that row ran). CPU per request is "
           "utime+stime of the process (all threads; nginx: master and workers) over the cell divided by the "
           "requests wrk completed. *Other CPU %* is machine CPU used by processes outside the benchmark during "
           "the cell (other users of the machine): when it is high the cell is not trustworthy.", ""]
    md += http_table(http) or ["(the http part did not run)"]
    md += ["", "### Apps", ""]
    md += apps_table(facts, ["fastcgi", "fastcgi-b", "engine", "tomcat", "jetty", "fastcgi-unix", "tomcat-unix",
                             "fastcgi-close", "tomcat-close",
                             "mpx", "nompx", "upload-mpx", "upload-nompx"])
    jar = env.get("fastcgi_jar", "app-fastcgi.jar")
    stand_in = "" if jar == "app-fastcgi.jar" else (" (**stand-in: `%s` instead of the starter app**)" % jar)
    md += ["", "## HAProxy: multiplexed vs non-multiplexed through the starter app" + stand_in, ""]
    md += haproxy_table(hap) if hap else ["(the haproxy part did not run)"]
    md += ["", "## Large upload with `-Xmx128m`" + stand_in, "",
           "nginx with `fastcgi_request_buffering off` and `client_max_body_size 0`; the body is generated and "
           "streamed by `bench/upload.py`; the app (`POST /upload`) reads it in 64 KiB chunks and answers its "
           "length and CRC-32, which the client checks.", ""]
    md += upload_table(out_dir) or ["(the upload part did not run)"]
    md += ["", "## JMH: codec and dispatch (`-prof gc`)", ""]
    md += jmh_table(out_dir) or ["(the jmh part did not run)"]
    sys_lines = syscalls_table(out_dir)
    if sys_lines:
        md += ["", "## System calls per request (`strace -c -f`, `bench/run.sh syscalls`)", "",
               "Counted under strace, which slows everything down: compare the counts, not the speed.", ""]
        md += sys_lines
    md += ["", "## Targets of issue 7", ""]
    md += target_lines(http, hap, facts, out_dir) or ["(no data)"]
    md += ["", NOTES_MARKER, ""]
    notes = ""
    if os.path.exists(doc_path):
        old = open(doc_path, encoding="utf-8").read()
        if NOTES_MARKER in old:
            notes = old.split(NOTES_MARKER, 1)[1].lstrip("\n")
    text = "\n".join(md) + notes
    os.makedirs(os.path.dirname(os.path.abspath(doc_path)), exist_ok=True)
    with open(doc_path, "w", encoding="utf-8") as f:
        f.write(text)
    print("\n".join(md[md.index("## nginx in front: req/s, latency and CPU per request"):]))


def main(argv):
    if len(argv) >= 2 and argv[1] == "parse-wrk" and len(argv) == 16:
        parse_wrk(argv[2:])
    elif len(argv) == 4 and argv[1] == "report":
        report(argv[2], argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
