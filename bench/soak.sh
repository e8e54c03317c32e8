#!/usr/bin/env bash
# Soak test of the FastCGI engine alone (no Spring) through nginx on loopback.
#
#   bench/soak.sh [seconds]      default 600 (10 minutes), at most 3600
#
# Starts dev.fastcgi.server.SoakMain (test sources; built with `mvn -o -q -B -pl fastcgi-spring-boot-autoconfigure
# test-compile` first if needed), nginx with a keep-alive upstream in a temp dir, then for the whole duration:
#   wrk  16 connections  GET  /hello           (small responses)
#   wrk   4 connections  POST /upload 16 KiB   (request bodies)
#   wrk   2 connections  GET  /big             (64 KiB responses)
#   curl loop            GET  /fail (500 expected), /slow aborted by the client after 10 ms, POST 2 MiB (413 expected)
# Every 10 s the engine prints heap after GC, threads, file descriptors, connections, requests. At the end the
# script prints the wrk summaries, the first and last stats lines and a verdict (errors = 0, and threads, fds and
# heap after GC flat: last <= first * 1.25 + slack). Everything it starts is stopped by PID on exit.
# nginx keeps bodies up to 64 KiB in memory (client_body_buffer_size), so the run measures the engine, not the disk.
set -euo pipefail

DURATION=${1:-600}
if (( DURATION < 10 || DURATION > 3600 )); then
	echo "duration must be 10..3600 s" >&2
	exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODULE=$ROOT/fastcgi-spring-boot-autoconfigure
# shellcheck source=lib.sh
. "$ROOT/bench/lib.sh"
for bin in /usr/sbin/nginx wrk curl java python3; do
	command -v "$bin" >/dev/null || { echo "missing: $bin" >&2; exit 2; }
done
if [[ ! -f $MODULE/target/test-classes/dev/fastcgi/server/SoakMain.class ]]; then
	(cd "$ROOT" && mvn -o -q -B -pl fastcgi-spring-boot-autoconfigure test-compile)
fi

WORK=$(mktemp -d /tmp/fastcgi-soak.XXXXXX)
PIDS=()
cleanup() {
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
}
trap cleanup EXIT

APP_PORT=$(free_port)
HTTP_PORT=$(free_port)

java -Xmx256m -cp "$MODULE/target/classes:$MODULE/target/test-classes" dev.fastcgi.server.SoakMain "$APP_PORT" 10 \
	>"$WORK/stats.txt" 2>"$WORK/app.log" &
PIDS+=($!)

mkdir -p "$WORK/logs"
write_soak_nginx_conf "$WORK/nginx.conf" "$WORK" "$WORK/logs/error.log" 256 64k "$APP_PORT" "$HTTP_PORT"
/usr/sbin/nginx -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/logs/error.log" >"$WORK/logs/out.log" 2>&1 &
PIDS+=($!)

for _ in $(seq 1 100); do
	if curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/hello" && grep -q "^time_s" "$WORK/stats.txt"; then
		break
	fi
	sleep 0.2
done

cat >"$WORK/post.lua" <<'EOF'
wrk.method = "POST"
wrk.body = string.rep("x", 16384)
wrk.headers["Content-Type"] = "application/octet-stream"
EOF

URL=http://127.0.0.1:$HTTP_PORT
wrk -t2 -c16 -d"${DURATION}s" --latency "$URL/hello" >"$WORK/wrk-hello.txt" 2>&1 &
W1=$!
wrk -t1 -c4 -d"${DURATION}s" -s "$WORK/post.lua" "$URL/upload" >"$WORK/wrk-upload.txt" 2>&1 &
W2=$!
wrk -t1 -c2 -d"${DURATION}s" "$URL/big" >"$WORK/wrk-big.txt" 2>&1 &
W3=$!
PIDS+=("$W1" "$W2" "$W3")

head -c 2097152 /dev/zero >"$WORK/2m.bin"
unexpected=0
faults=0
end=$((SECONDS + DURATION))
while (( SECONDS < end )); do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/fail")
	[[ $code == 500 ]] || unexpected=$((unexpected + 1))
	curl -s -o /dev/null --max-time 0.01 "$URL/slow" || true
	code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary "@$WORK/2m.bin" "$URL/upload")
	[[ $code == 413 ]] || unexpected=$((unexpected + 1))
	faults=$((faults + 3))
	sleep 0.1
done
wait "$W1" "$W2" "$W3" || true
sleep 12

echo "== soak: ${DURATION}s through nginx, work dir $WORK"
for f in hello upload big; do
	echo "-- wrk /$f"
	grep -E "Requests/sec|requests in|Non-2xx|Socket errors|Latency " "$WORK/wrk-$f.txt" || true
done
echo "-- fault loop: $faults requests (/fail, aborted /slow, 2 MiB upload), unexpected status: $unexpected"
echo "-- engine stats (first, last)"
sed -n '1p;2p' "$WORK/stats.txt"
tail -n 1 "$WORK/stats.txt"
errors=$(cat "$WORK"/wrk-*.txt | awk '/Non-2xx/ {s += $NF} /Socket errors/ {gsub(",", ""); s += $4 + $6 + $8 + $10} END {print s + 0}')
python3 - "$WORK/stats.txt" "$errors" "$unexpected" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l[:1].isdigit()]
errors, unexpected = int(sys.argv[2]), int(sys.argv[3])
if len(rows) < 3:
    print("verdict: FAIL (too few stats lines)"); sys.exit(1)
first, last = rows[1], rows[-1]
ok = errors == 0 and unexpected == 0
for name, i, slack in (("heap_after_gc_kib", 1, 8192), ("threads", 2, 8), ("fds", 3, 16)):
    a, b = int(first[i]), int(last[i])
    flat = b <= a * 1.25 + slack
    ok &= flat
    print(f"{name}: {a} -> {b} {'flat' if flat else 'GROWING'}")
print(f"errors: {errors}, unexpected fault-loop statuses: {unexpected}, requests served: {last[6]}")
print("verdict:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
EOF
