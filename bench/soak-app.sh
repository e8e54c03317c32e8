#!/usr/bin/env bash
# Soak test of a whole Spring Boot app on the starter (Spring MVC, a filter, sessions, Boot's error page, multipart,
# SSE, the actuator) behind nginx on loopback (FastCGI upstream with keepalive and fastcgi_keep_conn on).
#
#   bench/soak-app.sh [seconds]      default 600 (10 minutes), at most 3600
#
# Builds bench/app-soak (the benchmarked app plus the /soak/* endpoints and the actuator) with the bench reactor
# unless its jar exists (SOAK_BUILD=1 forces it; SOAK_INSTALL_STARTER=1 first installs this tree's starter into
# ~/.m2, as bench/run.sh does), starts it and nginx in a temp dir, then for the whole duration:
#   wrk   16 connections  GET  /hello                      (most of the load)
#   wrk    4 connections  GET  /soak/session               (thread 1 keeps its cookie, thread 2 never sends one,
#                                                           10 ms apart: sessions are created all the time and
#                                                           must expire)
#   curl loop             POST /soak/upload multipart 256 KiB (body and CRC-32 checked; spills to disk in the app)
#   curl loop             GET  /soak/sse (5 events, checked), /soak/fail (500 expected), /soak/missing (404
#                         expected), /soak/slow aborted by the client after 0.2 s, /soak/sse aborted mid-stream
# Every 10 s it samples, after a full GC in the app (GET /soak/stats), heap used, live sessions, JVM threads
# (/proc/PID/status), open fds (/proc/PID/fd), RSS, files in the app's temp dir, requests so far (actuator
# /actuator/fastcgi) into samples.csv. After the load it waits one session timeout (+ reaper period) and samples
# again: every session must have expired.
# Verdict (like bench/soak.sh): errors = 0 (unexpected statuses or bodies, wrk non-2xx and socket errors, nginx
# [error]-or-worse lines, app log WARN/ERROR entries other than the deliberate /soak/fail ones, which are counted
# apart), heap after GC, threads, fds and temp files flat (last-quarter median <= first-quarter median * 1.25 +
# slack), live sessions bounded by the sessions created within one timeout (+ reaper period + sampling slack) and
# zero after the drain. Prints a markdown summary table. Everything it starts is stopped by PID on exit (Ctrl-C too).
#
# Environment (defaults in brackets):
#   SOAK_JVM_OPTS          JVM flags of the app ["-Xms256m -Xmx256m -XX:+UseParallelGC"] (bench/run.sh's)
#   SOAK_SESSION_TIMEOUT   server.servlet.session.timeout in seconds [30]
#   SOAK_SESSION_DELAY_MS  pause before each request of the cookie-less session connections [10]: 2 connections,
#                          at most ~200 new sessions/s, ~6 000-7 500 live at a 30 s timeout
#   SOAK_WRK_TIMEOUT       wrk --timeout in seconds [10]: a response slower than that counts as a socket error
#                          (wrk's default of 2 s is hit by CPU starvation alone on a shared 2-core machine; the
#                          latency maximum is printed anyway)
#   SOAK_INTERVAL          seconds between samples [10]
#   SOAK_APP_ARGS          extra arguments for the app [""]
#   SOAK_BUILD=1           rebuild bench/app-soak even if its jar exists
#   SOAK_INSTALL_STARTER=1 install this tree's starter into ~/.m2 before building (mvn install -pl
#                          fastcgi-spring-boot-starter -am)
#   SOAK_OUT               run directory [bench/results/soak-app-<UTC timestamp>]
#   SOAK_JAVA              java binary [java on PATH]
set -euo pipefail

DURATION=${1:-600}
if (( DURATION < 10 || DURATION > 3600 )); then
	echo "duration must be 10..3600 s" >&2
	exit 2
fi
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$BENCH_DIR/lib.sh"
ROOT_DIR=$(cd "$BENCH_DIR/.." && pwd)
JVM_OPTS=${SOAK_JVM_OPTS:-"-Xms256m -Xmx256m -XX:+UseParallelGC"}
SESSION_TIMEOUT=${SOAK_SESSION_TIMEOUT:-30}
SESSION_DELAY=${SOAK_SESSION_DELAY_MS:-10}
WRK_TIMEOUT=${SOAK_WRK_TIMEOUT:-10}
INTERVAL=${SOAK_INTERVAL:-10}
APP_ARGS=${SOAK_APP_ARGS:-}
JAVA=${SOAK_JAVA:-java}
OUT=${SOAK_OUT:-$BENCH_DIR/results/soak-app-$(date -u +%Y%m%dT%H%M%SZ)}
JAR=$BENCH_DIR/app-soak/target/app-soak.jar
for bin in /usr/sbin/nginx wrk curl "$JAVA" python3; do
	command -v "$bin" >/dev/null || { echo "missing: $bin" >&2; exit 2; }
done

if [[ ${SOAK_INSTALL_STARTER:-0} == 1 ]]; then
	(cd "$ROOT_DIR" && mvn -o -q -B install -DskipTests -pl fastcgi-spring-boot-starter -am)
fi
if [[ ${SOAK_BUILD:-0} == 1 || ! -f $JAR ]]; then
	# clean: an up-to-date jar is not repackaged when only the starter in ~/.m2 changed
	(cd "$ROOT_DIR" && mvn -o -q -B -f bench/pom.xml -pl app-soak -am clean package)
fi

mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/fastcgi-soak-app.XXXXXX)
mkdir -p "$WORK/tmp" "$WORK/nginx"
PIDS=()
cleanup() {
	local i
	# loaders first, then nginx, then the app (reverse order of start)
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		stop_pid "${PIDS[i]}"
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() {
	printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$OUT/run.log" >&2
}

APP_PORT=$(free_port)
HTTP_PORT=$(free_port)
URL=http://127.0.0.1:$HTTP_PORT

# -------------------------------------------------------------------------------------------------------------------
# app and nginx

# shellcheck disable=SC2206
jvm=($JVM_OPTS)
# shellcheck disable=SC2206
app_cmd=("$JAVA" "${jvm[@]}" "-Djava.io.tmpdir=$WORK/tmp" -jar "$JAR" --fastcgi.bind-address="127.0.0.1:$APP_PORT"
	--server.servlet.session.timeout="${SESSION_TIMEOUT}s" $APP_ARGS)
echo "${app_cmd[*]}" >"$OUT/app.cmd"
"${app_cmd[@]}" >"$OUT/app.log" 2>&1 &
APP_PID=$!
PIDS+=("$APP_PID")

# nginx starts once the app listens (no "connection refused" in its error log, which the verdict judges)
for _ in $(seq 1 600); do
	kill -0 "$APP_PID" 2>/dev/null || break
	(exec 3<>"/dev/tcp/127.0.0.1/$APP_PORT") 2>/dev/null && break
	sleep 0.2
done

write_soak_nginx_conf "$WORK/nginx/nginx.conf" "$WORK/nginx" "$OUT/nginx-error.log" 1024 1m "$APP_PORT" "$HTTP_PORT"
cp "$WORK/nginx/nginx.conf" "$OUT/nginx.conf"
/usr/sbin/nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >"$OUT/nginx.log" 2>&1 &
NGINX_PID=$!
PIDS+=("$NGINX_PID")

started=0
for _ in $(seq 1 600); do
	kill -0 "$APP_PID" 2>/dev/null || break
	if [[ $(curl -s -m 2 "$URL/hello" || true) == hello ]]; then
		started=1
		break
	fi
	sleep 0.2
done
if [[ $started != 1 ]]; then
	log "the app did not answer through nginx (see $OUT/app.log)"
	tail -20 "$OUT/app.log" >&2 || true
	exit 1
fi
log "app pid $APP_PID (FastCGI 127.0.0.1:$APP_PORT), nginx pid $NGINX_PID ($URL), run dir $OUT"

# -------------------------------------------------------------------------------------------------------------------
# sampling

# sample LABEL: one CSV row; heap and sessions after a full GC in the app
echo "time_s,phase,heap_after_gc_kib,threads,fds,rss_kib,sessions_live,sessions_created,container_sessions,tmp_files,requests,connections" \
	>"$OUT/samples.csv"
T0=$SECONDS
sample() {
	local phase=$1 stats fastcgi threads fds rss tmp_files
	stats=$(curl -s -m 30 "$URL/soak/stats" || true)
	fastcgi=$(curl -s -m 10 "$URL/actuator/fastcgi" || true)
	threads=$(awk '/^Threads:/ { print $2 }' "/proc/$APP_PID/status" 2>/dev/null || echo -1)
	fds=$(ls "/proc/$APP_PID/fd" 2>/dev/null | wc -l)
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$APP_PID/status" 2>/dev/null || echo -1)
	tmp_files=$(find "$WORK/tmp" -type f 2>/dev/null | wc -l)
	python3 - "$((SECONDS - T0))" "$phase" "$threads" "$fds" "$rss" "$tmp_files" "$stats" "$fastcgi" \
		>>"$OUT/samples.csv" <<'EOF'
import json, sys
t, phase, threads, fds, rss, tmp_files, stats, fastcgi = sys.argv[1:]
def load(text):
    try:
        return json.loads(text)
    except ValueError:
        return {}
s, f = load(stats), load(fastcgi)
get = lambda d, k: d.get(k, -1)
print(",".join(str(v) for v in (t, phase, get(s, "heapAfterGcKib"), threads, fds, rss, get(s, "sessionsLive"),
      get(s, "sessionsCreated"), get(s, "containerSessions"), tmp_files, get(f, "totalRequests"),
      get(f, "activeConnections"))))
EOF
	tail -1 "$OUT/samples.csv" >>"$OUT/run.log"
}

# -------------------------------------------------------------------------------------------------------------------
# load

head -c 262144 /dev/urandom >"$WORK/256k.bin"
UPLOAD_CRC=$(python3 -c 'import sys, zlib; print(format(zlib.crc32(open(sys.argv[1], "rb").read()), "x"))' "$WORK/256k.bin")

cat >"$WORK/session.lua" <<'EOF'
-- bench/soak-app.sh: odd threads keep the session cookie; even threads never send one (a new session per request)
-- and pause SESSION_DELAY ms before each request, so that the live session population stays moderate
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("keep", threads % 2 == 1)
end
local cookie = nil
function response(status, headers, body)
  if keep and cookie == nil then
    local c = headers["Set-Cookie"] or headers["set-cookie"]
    if c then cookie = string.match(c, "^([^;]+)") end
  end
end
function delay()
  if keep then return 0 end
  return SESSION_DELAY
end
function request()
  if keep and cookie then
    return wrk.format(nil, nil, { ["Cookie"] = cookie })
  end
  return wrk.format()
end
EOF
sed -i "1i local SESSION_DELAY = $SESSION_DELAY" "$WORK/session.lua"

# tally NAME WANT GOT [DETAIL]: counts the request under NAME, and as unexpected (logged) when GOT != WANT
declare -A COUNT=()
UNEXPECTED=0
tally() {
	COUNT[$1]=$((${COUNT[$1]:-0} + 1))
	if [[ $2 != "$3" ]]; then
		UNEXPECTED=$((UNEXPECTED + 1))
		echo "$(date -u +%H:%M:%S) $1: expected $2, got $3 ${4:-}" >>"$LOOP_LOG"
	fi
}
save_counts() {
	local name
	{
		for name in "${!COUNT[@]}"; do
			echo "$name ${COUNT[$name]}"
		done
		echo "unexpected $UNEXPECTED"
	} >"$1"
}

# upload loop: multipart 256 KiB file + a field; status, filter header and body (length, CRC-32) checked
upload_loop() {
	local end=$1 i=0 got
	LOOP_LOG=$OUT/upload-loop.log
	while (( SECONDS < end )); do
		i=$((i + 1))
		got=$(curl -s -m 30 -o "$WORK/upload.body" -D "$WORK/upload.headers" -w '%{http_code}' \
			-F "file=@$WORK/256k.bin;filename=256k.bin" -F "note=n$i" "$URL/soak/upload" || true)
		if [[ $got == 200 ]]; then
			[[ $(<"$WORK/upload.body") == "name=256k.bin bytes=262144 crc32=$UPLOAD_CRC note=n$i" ]] || got="200-bad-body"
			grep -qi '^X-Soak-Filter: 1' "$WORK/upload.headers" || got="200-no-filter-header"
		fi
		tally upload 200 "$got" "$(head -c 200 "$WORK/upload.body" 2>/dev/null)"
	done
	save_counts "$OUT/upload-loop.counts"
}

# fault loop: SSE (checked), the error page (500, 404), client aborts of a slow response and of an SSE stream
fault_loop() {
	local end=$1 got rc body=$WORK/fault.body
	LOOP_LOG=$OUT/fault-loop.log
	while (( SECONDS < end )); do
		got=$(curl -s -N -m 10 -o "$body" -w '%{http_code}' "$URL/soak/sse?events=5&delayMs=10" || true)
		if [[ $got == 200 ]]; then
			rc=$(grep -c '^data:event [1-5]$' "$body" || true)
			[[ $rc == 5 ]] || got="200-with-$rc-events"
		fi
		tally sse 200 "$got" "$(head -c 200 "$body")"
		got=$(curl -s -m 10 -o "$body" -w '%{http_code}' "$URL/soak/fail" || true)
		[[ $got != 500 ]] || grep -q '"status":500' "$body" || got="500-not-the-error-page"
		tally fail 500 "$got" "$(head -c 200 "$body")"
		got=$(curl -s -m 10 -o "$body" -w '%{http_code}' "$URL/soak/missing" || true)
		[[ $got != 404 ]] || grep -q '"status":404' "$body" || got="404-not-the-error-page"
		tally missing 404 "$got" "$(head -c 200 "$body")"
		rc=0
		curl -s -o /dev/null -m 0.2 "$URL/soak/slow?ms=1000" || rc=$?
		tally slow-abort 28 "$rc" "(curl exit status; 28 = aborted by --max-time)"
		rc=0
		curl -s -N -o /dev/null -m 0.3 "$URL/soak/sse?events=50&delayMs=20" || rc=$?
		tally sse-abort 28 "$rc" "(curl exit status; 28 = aborted by --max-time)"
		sleep 0.05
	done
	save_counts "$OUT/fault-loop.counts"
}

sample start
END=$((SECONDS + DURATION))
wrk -t2 -c16 -d"${DURATION}s" --timeout "${WRK_TIMEOUT}s" --latency "$URL/hello" >"$OUT/wrk-hello.txt" 2>&1 &
W1=$!
wrk -t2 -c4 -d"${DURATION}s" --timeout "${WRK_TIMEOUT}s" --latency -s "$WORK/session.lua" "$URL/soak/session" >"$OUT/wrk-session.txt" 2>&1 &
W2=$!
upload_loop "$END" &
L1=$!
fault_loop "$END" &
L2=$!
PIDS+=("$W1" "$W2" "$L1" "$L2")
log "load for ${DURATION}s: wrk /hello, wrk /soak/session, upload loop, fault loop; a sample every ${INTERVAL}s"

next=$((SECONDS + INTERVAL))
while (( SECONDS < END )); do
	if (( SECONDS >= next )); then
		sample load
		next=$((next + INTERVAL))
	fi
	kill -0 "$APP_PID" 2>/dev/null || { log "the app died (see $OUT/app.log)"; break; }
	sleep 1
done
wait "$W1" "$W2" "$L1" "$L2" || true
sample load
REAPER=$(( SESSION_TIMEOUT / 4 > 30 ? 30 : (SESSION_TIMEOUT / 4 < 1 ? 1 : SESSION_TIMEOUT / 4) ))
DRAIN=$((SESSION_TIMEOUT + REAPER + 3))
log "load done; waiting ${DRAIN}s (session timeout ${SESSION_TIMEOUT}s + reaper period + 3s) for sessions to expire"
sleep "$DRAIN"
sample drained
LOG_LINES=$(wc -l <"$OUT/app.log")

# -------------------------------------------------------------------------------------------------------------------
# verdict

wrk_errors=$(cat "$OUT"/wrk-*.txt | awk '/Non-2xx/ {s += $NF} /Socket errors/ {gsub(",", ""); s += $4 + $6 + $8 + $10} END {print s + 0}')
cp "$0" "$OUT/soak-app.sh.txt" 2>/dev/null || true
{
	echo "== whole-app soak: ${DURATION}s through nginx, run dir $OUT"
	echo "app: $(basename "$JAR") $JVM_OPTS, session timeout ${SESSION_TIMEOUT}s; java: $("$JAVA" -version 2>&1 | head -1)"
	echo "machine: $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
	for f in hello session; do
		echo "-- wrk $f"
		grep -E "Requests/sec|requests in|Non-2xx|Socket errors|Latency " "$OUT/wrk-$f.txt" || true
	done
	echo "-- upload loop: $(tr '\n' ' ' <"$OUT/upload-loop.counts" 2>/dev/null || echo missing)"
	echo "-- fault loop: $(tr '\n' ' ' <"$OUT/fault-loop.counts" 2>/dev/null || echo missing)"
	echo "-- actuator: health $(curl -s -m 10 "$URL/actuator/health" || true), Micrometer fastcgi.requests count" \
		"$(curl -s -m 10 "$URL/actuator/metrics/fastcgi.requests" | python3 -c 'import json, sys
try:
    print(int(next(m["value"] for m in json.load(sys.stdin)["measurements"] if m["statistic"] == "COUNT")))
except Exception as ex:
    print("unavailable:", ex)' || true)"
	for f in upload-loop fault-loop; do
		[[ -s $OUT/$f.log ]] && { echo "   first unexpected in $f:"; head -5 "$OUT/$f.log"; }
	done
	true
} | tee "$OUT/summary.txt"
python3 - "$OUT" "$wrk_errors" "$SESSION_TIMEOUT" "$REAPER" "$INTERVAL" "$LOG_LINES" <<'EOF' | tee -a "$OUT/summary.txt"
import csv, re, statistics, sys
out, wrk_errors, timeout, reaper, interval, log_lines = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:])

def counts(name):
    try:
        return {k: int(v) for k, v in (l.split() for l in open(f"{out}/{name}.counts"))}
    except OSError:
        return {"unexpected": 1, "missing-counts-file": 1}

loops = {"upload": counts("upload-loop"), "fault": counts("fault-loop")}
unexpected = sum(c.get("unexpected", 0) for c in loops.values())

# nginx: [error] and worse are errors; [warn] lines are reported
levels = re.compile(r"\[(emerg|alert|crit|error|warn)\]")
nginx_errors = nginx_warns = 0
for line in open(f"{out}/nginx-error.log", errors="replace"):
    m = levels.search(line)
    if m:
        if m.group(1) == "warn":
            nginx_warns += 1
        else:
            nginx_errors += 1

# app log: entries (a line starting with a timestamp and its continuation lines) after startup, up to the drained
# sample (the shutdown is not judged); WARN/ERROR entries are unexpected unless they are the deliberate /soak/fail ones
entries, current = [], None
lines = open(f"{out}/app.log", errors="replace").read().splitlines()[:log_lines]
started = False
stamp = re.compile(r"^\d{4}-\d\d-\d\dT\S+\s+(\w+)\s")
app_unexpected, app_deliberate, first_unexpected = 0, 0, None
def close(entry):
    global app_unexpected, app_deliberate, first_unexpected
    if entry is None or not entry[0]:
        return
    level, text = entry[1], "\n".join(entry[2])
    if level in ("WARN", "ERROR") or (level not in ("INFO", "DEBUG", "TRACE") and "Exception" in text):
        if "SoakFailureException" in text:
            app_deliberate += 1
        else:
            app_unexpected += 1
            first_unexpected = first_unexpected or text[:600]
for line in lines:
    m = stamp.match(line)
    if m:
        close(current)
        current = [started, m.group(1), [line]]
        if "Started SoakApplication" in line:
            started = True
    elif current is not None:
        current[2].append(line)
    elif started:
        app_unexpected += 1
close(current)

rows = list(csv.DictReader(open(f"{out}/samples.csv")))
load = [r for r in rows if r["phase"] == "load"]
drained = [r for r in rows if r["phase"] == "drained"]
ok = wrk_errors == 0 and unexpected == 0 and nginx_errors == 0 and app_unexpected == 0
print(f"errors: wrk non-2xx/socket {wrk_errors}, loops unexpected {unexpected}, nginx [error]+ {nginx_errors} "
      f"([warn] {nginx_warns}), app log unexpected WARN/ERROR {app_unexpected} "
      f"(deliberate /soak/fail entries: {app_deliberate}, /soak/fail requests: {loops['fault'].get('fail', 0)})")
if first_unexpected:
    print("first unexpected app log entry:\n" + first_unexpected)
if any(int(r["heap_after_gc_kib"]) < 0 for r in rows):
    print("some samples have no /soak/stats answer"); ok = False

metrics = [("heap_after_gc_kib", 8192), ("threads", 8), ("fds", 16), ("tmp_files", 8)]
def quartiles(name, rs):
    q = max(1, len(rs) // 4)
    return statistics.median(int(r[name]) for r in rs[:q]), statistics.median(int(r[name]) for r in rs[-q:])

# flatness is judged once the session population has ramped up (after one timeout + reaper period + interval),
# when that leaves at least 4 samples; otherwise (short runs) on every sample under load
ramp = timeout + reaper + interval
steady = [r for r in load if int(r["time_s"]) >= ramp]
judged_rows = steady if len(steady) >= 4 else load
print(f"flatness judged on {len(judged_rows)} samples "
      + (f"(t >= {ramp} s, after the session ramp-up)" if judged_rows is steady else "(every sample under load: run too short to skip the session ramp-up)"))
verdicts = {}
if len(judged_rows) < 4:
    print(f"too few samples under load ({len(judged_rows)}): flatness not judged"); ok = False
else:
    for name, slack in metrics:
        first, last = quartiles(name, judged_rows)
        flat = last <= first * 1.25 + slack
        verdicts[name] = f"{'flat' if flat else 'GROWING'} (first/last-quarter medians {first:g} -> {last:g})"
        ok &= flat
# sessions: live <= sessions created in the last (timeout + reaper period + 2 sampling intervals) + slack
window = timeout + reaper + 2 * interval
bounded, judged = True, 0
for r in load:
    t = int(r["time_s"])
    earlier = [e for e in rows if int(e["time_s"]) <= t - window]
    if not earlier:
        continue
    judged += 1
    recent = int(r["sessions_created"]) - int(earlier[-1]["sessions_created"])
    if int(r["sessions_live"]) > recent + 16:
        bounded = False
        print(f"t={t}: {r['sessions_live']} live sessions > {recent} created in the last {window}s")
drain_live = int(drained[-1]["sessions_live"]) if drained else -1
drain_container = int(drained[-1]["container_sessions"]) if drained else -1
drain_ok = drain_live == 0 and drain_container == 0
verdicts["sessions_live"] = (f"{'bounded' if bounded else 'NOT BOUNDED'} by the sessions created within {window}s "
                             f"({judged} samples judged); after the drain {drain_live} "
                             f"(container {drain_container}) {'ok' if drain_ok else 'NOT EXPIRED'}")
ok &= bounded and drain_ok

print()
print(f"| Metric (samples every {interval} s, after a full GC) | first | min | max | last | verdict |")
print("|---|---:|---:|---:|---:|---|")
for name in ("heap_after_gc_kib", "threads", "fds", "rss_kib", "sessions_live", "tmp_files", "connections"):
    values = [int(r[name]) for r in load]
    if not values:
        continue
    label = {"heap_after_gc_kib": "heap after GC (KiB)", "threads": "JVM threads", "fds": "open fds",
             "rss_kib": "RSS (KiB)", "sessions_live": "live sessions", "tmp_files": "files in the app's temp dir",
             "connections": "FastCGI connections"}[name]
    print(f"| {label} | {values[0]} | {min(values)} | {max(values)} | {values[-1]} | {verdicts.get(name, '')} |")
if load:
    print(f"| requests served (FastCGI) | {load[0]['requests']} | | | {load[-1]['requests']} | |")
    print(f"| sessions created | {load[0]['sessions_created']} | | | {load[-1]['sessions_created']} | |")
print()
print("verdict:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
EOF
