#!/usr/bin/env bash
# The benchmark suite (issue 7): the same Spring MVC app on
#   (a) this starter, behind nginx over FastCGI (fastcgi_keep_conn on + upstream keepalive),
#   (b) embedded Tomcat, behind nginx over HTTP/1.1 with upstream keepalive,
#   (c) Jetty 12 jetty-fcgi-server, behind nginx over FastCGI (keep_conn + upstream keepalive),
# plus nginx alone (the ceiling), measured with wrk in interleaved rounds (A B C A B C ...), all on loopback.
# Also: HAProxy multiplexed vs non-multiplexed through the starter app, a 1 GiB upload at -Xmx128m in both
# connection modes, and the JMH benchmarks (codec, dispatch) with -prof gc.
#
# Usage: bench/run.sh [PART...]    PART: build http startup haproxy upload jmh report   (default: all of them)
#                                        syscalls (not in the default: system calls per request under strace)
#                                        perf (not in the default: perf record of the machine during one cell)
# Environment (defaults in brackets):
#   BENCH_QUICK=1          smoke mode: 1 round, 3 s cells, 5 s warm-up, short JMH
#   BENCH_ROWS             rows of the http part ["ceiling fastcgi tomcat jetty"]; add "engine" for the bare engine
#                          (bench/app-engine: the same endpoints as a FastCgiHandler, no servlet, no Spring), and
#                          "fastcgi-b" for an A/B (see BENCH_FASTCGI_B_ARGS); "fastcgi-unix" and "tomcat-unix" for
#                          the starter and Tomcat with nginx talking to them over a Unix socket instead of TCP;
#                          "fastcgi-close" and "tomcat-close" for nginx's defaults, a new connection per request
#                          (fastcgi_pass without keep_conn, proxy_pass over HTTP/1.0, no upstream keepalive)
#   BENCH_WARMUP           seconds of load per JVM before measuring [40]
#   BENCH_ROUNDS           interleaved rounds [3]
#   BENCH_DURATION         seconds per wrk cell [10]
#   BENCH_CONNECTIONS      wrk connection counts ["32 256"]
#   BENCH_ENDPOINTS        endpoints of the http part ["hello bytes64k echo16k"]; also "blocking2ms" (GET /blocking,
#                          a handler that sleeps 2 ms, as one waiting on a database would)
#   BENCH_THREADS          wrk threads [2]
#   BENCH_JVM_OPTS         JVM flags of every app ["-Xms256m -Xmx256m -XX:+UseParallelGC"]
#   BENCH_UPLOAD_JVM_OPTS  JVM flags of the upload apps ["-Xmx128m -XX:+UseParallelGC"]
#   BENCH_UPLOAD_MB        upload size in MiB [1024]
#   BENCH_NGINX_WORKERS    nginx worker_processes [auto]
#   BENCH_HAPROXY_MAX_REQS HAProxy fcgi-app max-reqs of the multiplexed backend [32] (see docs/interop.md: HAProxy 2.6
#                          answers 500 IH-- when ~50 requests' params do not fit one 16 KiB output buffer)
#   BENCH_INSTALL_STARTER  the build part first installs this tree's starter into ~/.m2 (0: skip) [1]
#   BENCH_JFR=1            record each app with JFR (settings=profile) into the results directory, for
#                          bench/jfr-top.py (perturbs the figures: profile in a separate run)
#   BENCH_KEEPALIVE        idle upstream connections nginx keeps per worker [256]
#   BENCH_JAVA             java binary [java on PATH]
#   BENCH_PORT_BASE        first loopback port used [18000]
#   BENCH_OUT              results directory [bench/results/<UTC timestamp>]; a directory used before keeps its
#                          cells and the report then mixes both runs: give each run its own
#   BENCH_DOC              markdown file written by the report [docs/performance.md; the results dir in quick mode]
#   BENCH_FASTCGI_ARGS     extra arguments for the starter app [""]
#   BENCH_FASTCGI_B_ARGS   extra arguments for row "fastcgi-b" (opt-in in BENCH_ROWS): the same starter app behind its
#                          own nginx server and upstream, for an A/B of a setting within one run [""]
#   BENCH_FASTCGI_B_JAR    the jar of row "fastcgi-b" (a copy of an earlier build: an A/B of a code change)
#                          [the starter app jar]
#   BENCH_FASTCGI_JAR      the FastCGI app jar of the haproxy/upload parts [bench/app-fastcgi/target/app-fastcgi.jar]
#                          (app-jetty.jar runs those parts on Jetty, to check the plumbing; app-engine.jar on the
#                          bare engine)
# Every process this script starts is recorded and killed by PID on exit.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$BENCH_DIR/lib.sh"
ROOT_DIR=$(cd "$BENCH_DIR/.." && pwd)

QUICK=${BENCH_QUICK:-0}
if [[ $QUICK == 1 ]]; then
	WARMUP=${BENCH_WARMUP:-5}
	ROUNDS=${BENCH_ROUNDS:-1}
	DURATION=${BENCH_DURATION:-3}
	UPLOAD_MB=${BENCH_UPLOAD_MB:-1024} # a few seconds
else
	WARMUP=${BENCH_WARMUP:-40}
	ROUNDS=${BENCH_ROUNDS:-3}
	DURATION=${BENCH_DURATION:-10}
	UPLOAD_MB=${BENCH_UPLOAD_MB:-1024}
fi
ROWS=${BENCH_ROWS:-"ceiling fastcgi tomcat jetty"}
CONNECTIONS=${BENCH_CONNECTIONS:-"32 256"}
ENDPOINTS=${BENCH_ENDPOINTS:-"hello bytes64k echo16k"}
THREADS=${BENCH_THREADS:-2}
JVM_OPTS=${BENCH_JVM_OPTS:-"-Xms256m -Xmx256m -XX:+UseParallelGC"}
UPLOAD_JVM_OPTS=${BENCH_UPLOAD_JVM_OPTS:-"-Xmx128m -XX:+UseParallelGC"}
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-auto}
HAPROXY_MAX_REQS=${BENCH_HAPROXY_MAX_REQS:-32}
JFR=${BENCH_JFR:-0}
INSTALL_STARTER=${BENCH_INSTALL_STARTER:-1}
KEEPALIVE=${BENCH_KEEPALIVE:-256}
JAVA=${BENCH_JAVA:-java}
PORT_BASE=${BENCH_PORT_BASE:-18000}
FASTCGI_ARGS=${BENCH_FASTCGI_ARGS:-}
FASTCGI_B_ARGS=${BENCH_FASTCGI_B_ARGS:-}
NGINX=${BENCH_NGINX:-/usr/sbin/nginx}
HAPROXY=${BENCH_HAPROXY:-/usr/sbin/haproxy}
WRK=${BENCH_WRK:-/usr/bin/wrk}
OUT=${BENCH_OUT:-$BENCH_DIR/results/$(date -u +%Y%m%dT%H%M%SZ)}
if [[ $QUICK == 1 ]]; then
	DOC=${BENCH_DOC:-$OUT/performance.md}
else
	DOC=${BENCH_DOC:-$ROOT_DIR/docs/performance.md}
fi
PARTS_ARGS="$*"
PARTS=${*:-"build http startup haproxy upload jmh report"}

# ports: nginx server blocks 80..89, haproxy 90..92, apps 100..
P_CEILING=$((PORT_BASE + 80))
P_NGX_FASTCGI=$((PORT_BASE + 81))
P_NGX_TOMCAT=$((PORT_BASE + 82))
P_NGX_JETTY=$((PORT_BASE + 83))
P_NGX_UP_MPX=$((PORT_BASE + 84))
P_NGX_UP_NOMPX=$((PORT_BASE + 85))
P_NGX_ENGINE=$((PORT_BASE + 86))
P_NGX_FASTCGI_B=$((PORT_BASE + 87))
P_NGX_FASTCGI_UNIX=$((PORT_BASE + 88))
P_NGX_TOMCAT_UNIX=$((PORT_BASE + 89))
P_HA_MPX=$((PORT_BASE + 90))
P_HA_NOMPX=$((PORT_BASE + 91))
P_NGX_FASTCGI_CLOSE=$((PORT_BASE + 92))
P_NGX_TOMCAT_CLOSE=$((PORT_BASE + 93))
P_APP_FASTCGI=$((PORT_BASE + 101))
P_APP_TOMCAT=$((PORT_BASE + 102))
P_APP_JETTY=$((PORT_BASE + 103))
P_APP_MPX=$((PORT_BASE + 104))
P_APP_NOMPX=$((PORT_BASE + 105))
P_APP_ENGINE=$((PORT_BASE + 106))
P_APP_FASTCGI_B=$((PORT_BASE + 107))
P_APP_FASTCGI_CLOSE=$((PORT_BASE + 108))
P_APP_TOMCAT_CLOSE=$((PORT_BASE + 109))

JAR_FASTCGI=${BENCH_FASTCGI_JAR:-$BENCH_DIR/app-fastcgi/target/app-fastcgi.jar}
JAR_TOMCAT=$BENCH_DIR/app-tomcat/target/app-tomcat.jar
JAR_JETTY=$BENCH_DIR/app-jetty/target/app-jetty.jar
JAR_ENGINE=$BENCH_DIR/app-engine/target/app-engine.jar
JAR_FASTCGI_B=${BENCH_FASTCGI_B_JAR:-$BENCH_DIR/app-fastcgi/target/app-fastcgi.jar}
JAR_JMH=$BENCH_DIR/jmh/target/benchmarks.jar
CLK_TCK=$(getconf CLK_TCK)

mkdir -p "$OUT"
TMP=$(mktemp -d /tmp/fastcgi-bench.XXXXXX)
chmod 755 "$TMP" # nginx workers (user nobody) read the static ceiling file from here
declare -A PID_OF=()   # name -> pid of every process started here
NGINX_PID=

log() {
	printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$OUT/run.log" >&2
}

# ---------------------------------------------------------------------------------------------------------------
# processes

stop_named() {
	local name=$1
	[[ -n ${PID_OF[$name]:-} ]] || return 0
	stop_pid "${PID_OF[$name]}"
	unset "PID_OF[$name]"
}

cleanup() {
	local name
	for name in "${!PID_OF[@]}"; do
		stop_pid "${PID_OF[$name]}"
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_bg NAME LOGFILE CMD...: starts CMD in the background and records its pid
start_bg() {
	local name=$1 logfile=$2
	shift 2
	"$@" >"$logfile" 2>&1 &
	PID_OF[$name]=$!
}

# cpu_ticks PID...: utime+stime (clock ticks) summed over the processes (all their threads)
cpu_ticks() {
	local total=0 pid stat
	for pid in "$@"; do
		stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
		read -ra f <<<"${stat##*) }"
		total=$((total + f[11] + f[12]))
	done
	echo "$total"
}

# machine-wide busy ticks (all cpus) from /proc/stat: user nice system irq softirq steal
machine_busy_ticks() {
	local cpu user nice system idle iowait irq softirq steal rest
	read -r cpu user nice system idle iowait irq softirq steal rest </proc/stat
	echo $((user + nice + system + irq + softirq + steal))
}

rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

hwm_kib() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

nginx_pids() {
	[[ -n $NGINX_PID ]] || return 0
	echo "$NGINX_PID"
	ps -o pid= --ppid "$NGINX_PID" 2>/dev/null | tr -d ' ' || true
}

children_cpu_ticks() {
	# user+sys of reaped children of this shell (wrk), via bash's `times` (run in this shell, not a subshell,
	# whose counters start at zero), in ticks
	local line
	times >"$TMP/times.txt"
	line=$(tail -1 "$TMP/times.txt")
	python3 -c '
import re, sys
tot = 0.0
for m, s in re.findall(r"(\d+)m([\d.]+)s", sys.argv[1]):
    tot += int(m) * 60 + float(s)
print(int(round(tot * int(sys.argv[2]))))' "$line" "$CLK_TCK"
}

now_ms() {
	date +%s%3N
}

# wait_http URL TIMEOUT_S PID: waits until URL answers 200; prints the elapsed ms since the call
wait_http() {
	local url=$1 timeout_s=$2 pid=$3 start code i
	start=$(now_ms)
	for ((i = 0; i < timeout_s * 20; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "-1"
			return 1
		fi
		code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" || true)
		if [[ $code == 200 ]]; then
			echo $(($(now_ms) - start))
			return 0
		fi
		sleep 0.05
	done
	echo "-1"
	return 1
}

# ---------------------------------------------------------------------------------------------------------------
# configuration files

write_nginx_conf() {
	head -c 65536 /dev/zero | tr '\0' 'x' >"$TMP/64k.bin"
	chmod 644 "$TMP/64k.bin"
	mkdir -p "$TMP/nginx"
	cat >"$TMP/nginx/nginx.conf" <<EOF
# written by bench/run.sh
daemon off;
master_process on;
worker_processes $NGINX_WORKERS;
pid $TMP/nginx/nginx.pid;
error_log $OUT/nginx-error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
    client_body_temp_path $TMP/nginx/client_body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    keepalive_requests 1000000;
    # same buffering for every row: a 16 KiB request body and a 64 KiB response stay in memory
    client_body_buffer_size 64k;
    proxy_buffer_size 16k;
    proxy_buffers 8 16k;
    proxy_busy_buffers_size 32k;
    proxy_max_temp_file_size 0;
    fastcgi_buffer_size 16k;
    fastcgi_buffers 8 16k;
    fastcgi_busy_buffers_size 32k;
    fastcgi_max_temp_file_size 0;

    upstream fastcgi_app { server 127.0.0.1:$P_APP_FASTCGI; keepalive $KEEPALIVE; }
    upstream tomcat_app  { server 127.0.0.1:$P_APP_TOMCAT;  keepalive $KEEPALIVE; }
    upstream jetty_app   { server 127.0.0.1:$P_APP_JETTY;   keepalive $KEEPALIVE; }
    upstream engine_app  { server 127.0.0.1:$P_APP_ENGINE;  keepalive $KEEPALIVE; }
    upstream fastcgi_b_app { server 127.0.0.1:$P_APP_FASTCGI_B; keepalive $KEEPALIVE; }
    upstream fastcgi_unix_app { server unix:$TMP/fastcgi.sock; keepalive $KEEPALIVE; }
    upstream tomcat_unix_app  { server unix:$TMP/tomcat.sock;  keepalive $KEEPALIVE; }
    upstream upload_mpx   { server 127.0.0.1:$P_APP_MPX;   keepalive 8; }
    upstream upload_nompx { server 127.0.0.1:$P_APP_NOMPX; keepalive 8; }

    # nginx alone: the ceiling
    server {
        listen 127.0.0.1:$P_CEILING;
        location = /hello { default_type text/plain; return 200 "hello"; }
        location = /bytes/64k { default_type application/octet-stream; alias $TMP/64k.bin; }
    }
    # (a) the starter over FastCGI
    server {
        listen 127.0.0.1:$P_NGX_FASTCGI;
        location / {
            include /etc/nginx/fastcgi_params;
            fastcgi_pass fastcgi_app;
            fastcgi_keep_conn on;
        }
    }
    # (b) Tomcat over HTTP/1.1
    server {
        listen 127.0.0.1:$P_NGX_TOMCAT;
        location / {
            proxy_pass http://tomcat_app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
        }
    }
    # (c) Jetty jetty-fcgi-server over FastCGI
    server {
        listen 127.0.0.1:$P_NGX_JETTY;
        location / {
            include /etc/nginx/fastcgi_params;
            fastcgi_pass jetty_app;
            fastcgi_keep_conn on;
        }
    }
    # (a0, opt-in) the bare engine with a FastCgiHandler: the floor of (a)
    server {
        listen 127.0.0.1:$P_NGX_ENGINE;
        location / {
            include /etc/nginx/fastcgi_params;
            fastcgi_pass engine_app;
            fastcgi_keep_conn on;
        }
    }
    # (a-b, opt-in) the starter app with BENCH_FASTCGI_B_ARGS: an A/B of a setting within one run
    server {
        listen 127.0.0.1:$P_NGX_FASTCGI_B;
        location / {
            include /etc/nginx/fastcgi_params;
            fastcgi_pass fastcgi_b_app;
            fastcgi_keep_conn on;
        }
    }
    # (a-u, opt-in) the starter over FastCGI on a Unix socket
    server {
        listen 127.0.0.1:$P_NGX_FASTCGI_UNIX;
        location / {
            include /etc/nginx/fastcgi_params;
            fastcgi_pass fastcgi_unix_app;
            fastcgi_keep_conn on;
        }
    }
    # (b-u, opt-in) Tomcat over HTTP/1.1 on a Unix socket
    server {
        listen 127.0.0.1:$P_NGX_TOMCAT_UNIX;
        location / {
            proxy_pass http://tomcat_unix_app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
        }
    }
    # (a-c, opt-in) the starter over FastCGI as nginx does it by default: a new connection per request
    server {
        listen 127.0.0.1:$P_NGX_FASTCGI_CLOSE;
        location / {
            include /etc/nginx/fastcgi_params;
            fastcgi_pass 127.0.0.1:$P_APP_FASTCGI_CLOSE;
        }
    }
    # (b-c, opt-in) Tomcat as nginx proxies by default: HTTP/1.0, a new connection per request
    server {
        listen 127.0.0.1:$P_NGX_TOMCAT_CLOSE;
        location / {
            proxy_pass http://127.0.0.1:$P_APP_TOMCAT_CLOSE;
            proxy_set_header Host \$host;
        }
    }
    # large uploads, streamed (no request buffering), to the starter app in each connection mode
    server {
        listen 127.0.0.1:$P_NGX_UP_MPX;
        client_max_body_size 0;
        location / {
            include /etc/nginx/fastcgi_params;
            fastcgi_pass upload_mpx;
            fastcgi_keep_conn on;
            fastcgi_request_buffering off;
            fastcgi_read_timeout 600s;
            fastcgi_send_timeout 600s;
        }
    }
    server {
        listen 127.0.0.1:$P_NGX_UP_NOMPX;
        client_max_body_size 0;
        location / {
            include /etc/nginx/fastcgi_params;
            fastcgi_pass upload_nompx;
            fastcgi_keep_conn on;
            fastcgi_request_buffering off;
            fastcgi_read_timeout 600s;
            fastcgi_send_timeout 600s;
        }
    }
}
EOF
}

write_haproxy_conf() {
	mkdir -p "$TMP/haproxy"
	cat >"$TMP/haproxy/haproxy.cfg" <<EOF
# written by bench/run.sh
global
    maxconn 4096
    log stderr format raw local0
defaults
    mode http
    log global
    option httplog
    # only failed requests and errors are logged (to the results directory's haproxy.log)
    option dontlog-normal
    timeout connect 5s
    timeout client 600s
    timeout server 600s
frontend fe_mpx
    bind 127.0.0.1:$P_HA_MPX
    default_backend be_mpx
frontend fe_nompx
    bind 127.0.0.1:$P_HA_NOMPX
    default_backend be_nompx
# http-reuse always (both backends): any idle or, for mpx, any connection with a free stream serves any client
backend be_mpx
    http-reuse always
    use-fcgi-app app_mpx
    server s1 127.0.0.1:$P_APP_MPX proto fcgi
backend be_nompx
    http-reuse always
    use-fcgi-app app_nompx
    server s1 127.0.0.1:$P_APP_NOMPX proto fcgi
# DOCUMENT_URI: nginx sends it, HAProxy does not; only Jetty's FastCGI server needs it (BENCH_FASTCGI_JAR=app-jetty.jar)
fcgi-app app_mpx
    docroot /
    set-param DOCUMENT_URI %[path]
    option keep-conn
    option mpxs-conns
    option max-reqs $HAPROXY_MAX_REQS
fcgi-app app_nompx
    docroot /
    set-param DOCUMENT_URI %[path]
    option keep-conn
EOF
}

# start_haproxy LOGFILE: starts HAProxy in the foreground (-db) and waits until its frontends listen
start_haproxy() {
	local i
	start_bg haproxy "$1" "$HAPROXY" -db -f "$TMP/haproxy/haproxy.cfg"
	for ((i = 0; i < 50; i++)); do
		if ! kill -0 "${PID_OF[haproxy]}" 2>/dev/null; then
			log "haproxy did not start: $(tail -3 "$1")"
			unset "PID_OF[haproxy]"
			return 1
		fi
		(exec 3<>"/dev/tcp/127.0.0.1/$P_HA_MPX") 2>/dev/null && return 0
		sleep 0.1
	done
	log "haproxy is not listening on $P_HA_MPX"
	return 1
}

start_nginx() {
	[[ -z $NGINX_PID ]] || return 0
	write_nginx_conf
	"$NGINX" -t -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" >"$OUT/nginx-test.log" 2>&1 || {
		cat "$OUT/nginx-test.log" >&2
		exit 1
	}
	start_bg nginx "$OUT/nginx.log" "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf"
	NGINX_PID=${PID_OF[nginx]}
	local i
	for ((i = 0; i < 100; i++)); do
		[[ $(curl -s -m 1 "http://127.0.0.1:$P_CEILING/hello" || true) == hello ]] && return 0
		sleep 0.1
	done
	log "nginx did not start"
	exit 1
}

# ---------------------------------------------------------------------------------------------------------------
# apps

app_url() {
	case $1 in
		ceiling) echo "http://127.0.0.1:$P_CEILING" ;;
		fastcgi) echo "http://127.0.0.1:$P_NGX_FASTCGI" ;;
		tomcat) echo "http://127.0.0.1:$P_NGX_TOMCAT" ;;
		jetty) echo "http://127.0.0.1:$P_NGX_JETTY" ;;
		engine) echo "http://127.0.0.1:$P_NGX_ENGINE" ;;
		fastcgi-b) echo "http://127.0.0.1:$P_NGX_FASTCGI_B" ;;
		fastcgi-unix) echo "http://127.0.0.1:$P_NGX_FASTCGI_UNIX" ;;
		tomcat-unix) echo "http://127.0.0.1:$P_NGX_TOMCAT_UNIX" ;;
		fastcgi-close) echo "http://127.0.0.1:$P_NGX_FASTCGI_CLOSE" ;;
		tomcat-close) echo "http://127.0.0.1:$P_NGX_TOMCAT_CLOSE" ;;
		mpx) echo "http://127.0.0.1:$P_HA_MPX" ;;
		nompx) echo "http://127.0.0.1:$P_HA_NOMPX" ;;
		upload-mpx) echo "http://127.0.0.1:$P_NGX_UP_MPX" ;;
		upload-nompx) echo "http://127.0.0.1:$P_NGX_UP_NOMPX" ;;
	esac
}

app_port() {
	case $1 in
		fastcgi) echo "$P_APP_FASTCGI" ;;
		tomcat) echo "$P_APP_TOMCAT" ;;
		jetty) echo "$P_APP_JETTY" ;;
		engine) echo "$P_APP_ENGINE" ;;
		fastcgi-b) echo "$P_APP_FASTCGI_B" ;;
		fastcgi-close) echo "$P_APP_FASTCGI_CLOSE" ;;
		tomcat-close) echo "$P_APP_TOMCAT_CLOSE" ;;
		mpx | upload-mpx) echo "$P_APP_MPX" ;;
		nompx | upload-nompx) echo "$P_APP_NOMPX" ;;
		*) echo 0 ;;
	esac
}

# established connections from the front end to the app (sampled right after a cell: the pool it used)
app_connections() {
	local port
	case $1 in
		# Unix sockets have no port to filter on: the app process's established ones
		fastcgi-unix | tomcat-unix) ss -Hxp state established 2>/dev/null | grep -c "pid=${PID_OF[$1]:-0}," || true; return ;;
	esac
	port=$(app_port "$1")
	[[ $port != 0 ]] || { echo 0; return; }
	ss -Htn state established "( sport = :$port )" 2>/dev/null | wc -l
}

# start_app NAME JVM_OPTS: starts the app, waits for its first 200 through its front end, records startup ms
start_app() {
	local name=$1 opts=$2 cmd
	# shellcheck disable=SC2206
	local jvm=($opts)
	if [[ $JFR == 1 ]]; then
		jvm+=("-XX:StartFlightRecording=filename=$OUT/$name.jfr,settings=profile,dumponexit=true")
	fi
	case $name in
		fastcgi) cmd=("$JAVA" "${jvm[@]}" -jar "$JAR_FASTCGI" --fastcgi.bind-address="127.0.0.1:$P_APP_FASTCGI" --fastcgi.multiplexed=false $FASTCGI_ARGS) ;;
		# --bench.fcgi.port: for the Jetty and engine stand-ins (BENCH_FASTCGI_JAR); the starter ignores it
		fastcgi-b) cmd=("$JAVA" "${jvm[@]}" -jar "$JAR_FASTCGI_B" --fastcgi.bind-address="127.0.0.1:$P_APP_FASTCGI_B" --fastcgi.multiplexed=false $FASTCGI_ARGS $FASTCGI_B_ARGS) ;;
		mpx | upload-mpx) cmd=("$JAVA" "${jvm[@]}" -jar "$JAR_FASTCGI" --fastcgi.bind-address="127.0.0.1:$P_APP_MPX" --fastcgi.multiplexed=true --bench.fcgi.port="$P_APP_MPX" $FASTCGI_ARGS) ;;
		nompx | upload-nompx) cmd=("$JAVA" "${jvm[@]}" -jar "$JAR_FASTCGI" --fastcgi.bind-address="127.0.0.1:$P_APP_NOMPX" --fastcgi.multiplexed=false --bench.fcgi.port="$P_APP_NOMPX" $FASTCGI_ARGS) ;;
		tomcat) cmd=("$JAVA" "${jvm[@]}" -jar "$JAR_TOMCAT" --server.address=127.0.0.1 --server.port="$P_APP_TOMCAT") ;;
		fastcgi-unix) cmd=("$JAVA" "${jvm[@]}" -jar "$JAR_FASTCGI" --fastcgi.bind-address="unix:$TMP/fastcgi.sock" --fastcgi.unix-socket.permissions=rw-rw-rw- --fastcgi.multiplexed=false $FASTCGI_ARGS) ;;
		tomcat-unix) cmd=("$JAVA" "${jvm[@]}" -jar "$JAR_TOMCAT" --bench.unix-socket="$TMP/tomcat.sock") ;;
		fastcgi-close) cmd=("$JAVA" "${jvm[@]}" -jar "$JAR_FASTCGI" --fastcgi.bind-address="127.0.0.1:$P_APP_FASTCGI_CLOSE" --fastcgi.multiplexed=false $FASTCGI_ARGS) ;;
		tomcat-close) cmd=("$JAVA" "${jvm[@]}" -jar "$JAR_TOMCAT" --server.address=127.0.0.1 --server.port="$P_APP_TOMCAT_CLOSE") ;;
		jetty) cmd=("$JAVA" "${jvm[@]}" -jar "$JAR_JETTY" --bench.fcgi.host=127.0.0.1 --bench.fcgi.port="$P_APP_JETTY") ;;
		engine) cmd=("$JAVA" "${jvm[@]}" -jar "$JAR_ENGINE" --fastcgi.bind-address="127.0.0.1:$P_APP_ENGINE" --fastcgi.multiplexed=false) ;;
		*) log "unknown app $name"; return 1 ;;
	esac
	echo "${cmd[*]}" >"$OUT/$name.cmd"
	# the startup part's starts log apart, so the http part's log (the one under load) is kept
	local logfile="$OUT/$name${LOG_SUFFIX:-}.log"
	start_bg "$name" "$logfile" "${cmd[@]}"
	local ms key=${STARTUP_KEY:-startup_ms}
	if ms=$(wait_http "$(app_url "$name")/hello" 120 "${PID_OF[$name]}"); then
		log "$name: first response through the front end after $ms ms (pid ${PID_OF[$name]})"
		echo -e "$name\t$key\t$ms" >>"$OUT/apps.tsv"
	else
		log "$name: FAILED to start (see $logfile)"
		tail -20 "$logfile" >&2 || true
		echo -e "$name\t$key\tfailed" >>"$OUT/apps.tsv"
		stop_named "$name"
		return 1
	fi
}

# check_app NAME: correctness of every endpoint through the front end before measuring it
check_app() {
	local name=$1 url ok=1
	url=$(app_url "$name")
	[[ $(curl -s -m 5 "$url/hello") == hello ]] || { log "$name: GET /hello wrong"; ok=0; }
	[[ $(curl -s -m 5 "$url/bytes/64k" | wc -c) == 65536 ]] || { log "$name: GET /bytes/64k wrong size"; ok=0; }
	if [[ $name != ceiling ]]; then
		curl -s -m 5 -H 'Content-Type: application/octet-stream' --data-binary "@$TMP/body16k" "$url/echo" \
			| cmp -s - "$TMP/body16k" || { log "$name: POST /echo did not echo 16 KiB"; ok=0; }
	fi
	echo -e "$name\tcheck\t$([[ $ok == 1 ]] && echo ok || echo FAILED)" >>"$OUT/apps.tsv"
}

record_app_end() {
	local name=$1 pid=${PID_OF[$1]:-}
	[[ -n $pid ]] || return 0
	echo -e "$name\trss_kib\t$(rss_kib "$pid")" >>"$OUT/apps.tsv"
	echo -e "$name\thwm_kib\t$(hwm_kib "$pid")" >>"$OUT/apps.tsv"
	echo -e "$name\texceptions\t$(grep -c -E 'Exception|Error:' "$OUT/$name.log" || true)" >>"$OUT/apps.tsv"
}

# ---------------------------------------------------------------------------------------------------------------
# load

endpoint_path() {
	case $1 in
		hello) echo /hello ;;
		bytes64k) echo /bytes/64k ;;
		echo16k) echo /echo ;;
		blocking2ms) echo /blocking ;;
	esac
}

write_lua() {
	head -c 16384 /dev/urandom >"$TMP/body16k"
	cat >"$TMP/post16k.lua" <<'EOF'
-- POST a 16 KiB body (written by bench/run.sh)
wrk.method = "POST"
wrk.body = string.rep("0123456789abcdef", 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
EOF
}

# run_wrk URL ENDPOINT CONNS SECONDS OUTFILE
run_wrk() {
	local url=$1 endpoint=$2 conns=$3 secs=$4 outfile=$5 script=()
	[[ $endpoint == echo16k ]] && script=(-s "$TMP/post16k.lua")
	"$WRK" -t"$THREADS" -c"$conns" -d"${secs}s" --latency "${script[@]}" "$url$(endpoint_path "$endpoint")" \
		>"$outfile" 2>&1 || true
}

# warm NAME: load for $WARMUP s, cycling the endpoints in 5 s chunks; then, while the last two /hello chunks differ
# by more than 10 % (throughput has not levelled off yet), up to 3 more /hello chunks. Logs req/s per chunk.
warm() {
	local name=$1 url elapsed=0 chunk=5 endpoint rps line="" extra=0 hello=()
	url=$(app_url "$name")
	[[ $WARMUP -lt 15 ]] && chunk=$(((WARMUP + 2) / 3))
	[[ $chunk -lt 1 ]] && chunk=1
	while [[ $elapsed -lt $WARMUP ]]; do
		for endpoint in hello bytes64k echo16k; do
			warm_chunk "$url" "$endpoint" "$chunk"
			elapsed=$((elapsed + chunk))
			[[ $elapsed -lt $WARMUP ]] || break
		done
	done
	while [[ $QUICK != 1 && $extra -lt 3 ]] && ! levelled "${hello[@]}"; do
		warm_chunk "$url" hello "$chunk"
		elapsed=$((elapsed + chunk))
		extra=$((extra + 1))
	done
	log "$name warm-up ($elapsed s, req/s per ${chunk} s chunk):$line"
}

# warm_chunk URL ENDPOINT SECONDS: one warm-up chunk; appends to warm()'s line and hello
warm_chunk() {
	run_wrk "$1" "$2" 32 "$3" "$TMP/warm.txt"
	rps=$(awk '/^Requests\/sec/ { printf "%d", $2 }' "$TMP/warm.txt")
	line="$line $2=${rps:-0}"
	[[ $2 == hello ]] && hello+=("${rps:-0}")
	return 0
}

# levelled V1 V2 ... : whether the last two values differ by at most 10 %
levelled() {
	[[ $# -ge 2 ]] || return 1
	local args=("$@")
	local a=${args[$# - 2]} b=${args[$# - 1]}
	[[ $a -gt 0 ]] || return 1
	local diff=$((b > a ? b - a : a - b))
	[[ $((diff * 10)) -le $a ]]
}

# cell GROUP ROW ENDPOINT CONNS ROUND APP_PID: one measurement, appended to $OUT/cells.tsv
cell() {
	local group=$1 row=$2 endpoint=$3 conns=$4 round=$5 app_pid=$6
	local url outfile a0 a1 n0 n1 w0 w1 m0 m1 t0 t1 ng upstream
	url=$(app_url "$row")
	outfile="$OUT/wrk/$group-$row-$endpoint-c$conns-r$round.txt"
	mapfile -t ng < <(nginx_pids)
	[[ $group == haproxy ]] && ng=("${PID_OF[haproxy]}")
	a0=$( [[ -n $app_pid ]] && cpu_ticks "$app_pid" || echo 0)
	n0=$(cpu_ticks "${ng[@]}")
	children_cpu_ticks >"$TMP/w0"; w0=$(<"$TMP/w0")
	m0=$(machine_busy_ticks)
	t0=$(now_ms)
	run_wrk "$url" "$endpoint" "$conns" "$DURATION" "$outfile"
	t1=$(now_ms)
	upstream=$(app_connections "$row")
	m1=$(machine_busy_ticks)
	children_cpu_ticks >"$TMP/w1"; w1=$(<"$TMP/w1")
	n1=$(cpu_ticks "${ng[@]}")
	a1=$( [[ -n $app_pid ]] && cpu_ticks "$app_pid" || echo 0)
	python3 "$BENCH_DIR/report.py" parse-wrk "$outfile" "$group" "$row" "$endpoint" "$conns" "$round" \
		$((a1 - a0)) $((n1 - n0)) $((w1 - w0)) $((m1 - m0)) $((t1 - t0)) "$CLK_TCK" "$(nproc)" "$upstream" \
		>>"$OUT/cells.tsv"
	tail -1 "$OUT/cells.tsv" | awk -F'\t' '{ printf "%s %s %s c%s r%s: %s req/s p99 %s ms errors %s/%s\n", $1, $2, $3, $4, $5, $6, $8, $9, $10 }' \
		| tee -a "$OUT/run.log" >&2
}

# ---------------------------------------------------------------------------------------------------------------
# parts

part_build() {
	if [[ $INSTALL_STARTER == 1 ]]; then
		# the starter app and the JMH module take the starter from the local repository: measure this tree's code
		log "installing the starter: mvn -q -B install -DskipTests -pl fastcgi-spring-boot-starter -am"
		(cd "$ROOT_DIR" && { mvn -o -q -B install -DskipTests -pl fastcgi-spring-boot-starter -am \
			|| mvn -q -B install -DskipTests -pl fastcgi-spring-boot-starter -am; })
	fi
	# clean: an up-to-date jar is not repackaged (Boot) or re-shaded correctly (JMH) when only a dependency changed,
	# and the starter changes under these apps from the local repository
	log "building the benchmark apps: mvn -q -B -f bench/pom.xml clean package"
	(cd "$ROOT_DIR" && { mvn -o -q -B -f bench/pom.xml clean package || mvn -q -B -f bench/pom.xml clean package; })
}

part_http() {
	local row endpoint conns round pid rows_up=()
	start_nginx
	for row in $ROWS; do
		if [[ $row == ceiling ]]; then
			rows_up+=(ceiling)
			continue
		fi
		# started one at a time, so startup times do not compete for CPU
		if start_app "$row" "$JVM_OPTS"; then
			check_app "$row"
			rows_up+=("$row")
		fi
	done
	[[ " ${rows_up[*]} " == *" ceiling "* ]] && check_app ceiling
	for row in "${rows_up[@]}"; do
		[[ $row == ceiling ]] || warm "$row"
	done
	for ((round = 1; round <= ROUNDS; round++)); do
		for endpoint in $ENDPOINTS; do
			for conns in $CONNECTIONS; do
				for row in "${rows_up[@]}"; do
					[[ $row == ceiling && $endpoint != hello && $endpoint != bytes64k ]] && continue
					pid=${PID_OF[$row]:-}
					[[ $row == ceiling ]] && pid=
					cell http "$row" "$endpoint" "$conns" "$round" "$pid"
				done
			done
		done
	done
	for row in "${rows_up[@]}"; do
		[[ $row == ceiling ]] || { record_app_end "$row"; stop_named "$row"; }
	done
}

# startup to the first response, ROUNDS times per app, interleaved (A B C A B C ...), after one unmeasured start
# each (so no app pays for a cold page cache alone); the report takes the median
part_startup() {
	local row round apps=()
	start_nginx
	for row in $ROWS; do
		[[ $row == ceiling ]] || apps+=("$row")
	done
	for ((round = 0; round <= ROUNDS; round++)); do
		local key=startup_round_ms
		((round > 0)) || key=startup_unmeasured_ms
		for row in "${apps[@]}"; do
			LOG_SUFFIX=-startup STARTUP_KEY=$key start_app "$row" "$JVM_OPTS" || continue
			stop_named "$row"
		done
	done
}

part_haproxy() {
	local mode endpoint round
	write_haproxy_conf
	"$HAPROXY" -c -f "$TMP/haproxy/haproxy.cfg" >"$OUT/haproxy-check.log" 2>&1 || {
		cat "$OUT/haproxy-check.log" >&2
		return 1
	}
	start_haproxy "$OUT/haproxy.log" || return 1
	local modes=()
	start_app mpx "$JVM_OPTS" && { check_app mpx; modes+=(mpx); }
	start_app nompx "$JVM_OPTS" && { check_app nompx; modes+=(nompx); }
	for mode in "${modes[@]}"; do
		WARMUP=$(((WARMUP + 1) / 2)) warm "$mode" # the same app as row (a): half the warm-up each
	done
	for ((round = 1; round <= ROUNDS; round++)); do
		for endpoint in hello bytes64k echo16k; do
			for mode in "${modes[@]}"; do
				cell haproxy "$mode" "$endpoint" 32 "$round" "${PID_OF[$mode]}"
			done
		done
		for mode in "${modes[@]}"; do
			cell haproxy "$mode" hello 256 "$round" "${PID_OF[$mode]}"
		done
	done
	for mode in "${modes[@]}"; do
		record_app_end "$mode"
		stop_named "$mode"
	done
	stop_named haproxy
}

part_upload() {
	local name via
	start_nginx
	write_haproxy_conf
	for name in upload-mpx upload-nompx; do
		start_app "$name" "$UPLOAD_JVM_OPTS" || continue
		via=nginx
		upload_one "$name" "$via" "$(app_url "$name")/upload"
		if [[ $name == upload-mpx ]]; then
			# the same app behind HAProxy with mpxs-conns: the one web server that multiplexes
			start_haproxy "$OUT/haproxy-upload.log" || continue
			upload_one "$name" haproxy-mpx "http://127.0.0.1:$P_HA_MPX/upload"
			stop_named haproxy
		fi
		record_app_end "$name"
		stop_named "$name"
	done
}

upload_one() {
	local name=$1 via=$2 url=$3 pid=${PID_OF[$1]} result
	log "$name: uploading $UPLOAD_MB MiB via $via (app flags: $UPLOAD_JVM_OPTS)"
	result=$(python3 "$BENCH_DIR/upload.py" "$url" $((UPLOAD_MB * 1024 * 1024)) 600 || true)
	echo -e "$name\t$via\t$UPLOAD_MB\t$result\t$(hwm_kib "$pid")\t$(grep -c -E 'Exception|Error:' "$OUT/$name.log" || true)" \
		>>"$OUT/upload.tsv"
	log "$name via $via: $result (app peak RSS $(($(hwm_kib "$pid") / 1024)) MiB)"
}

part_jmh() {
	local args
	if [[ $QUICK == 1 ]]; then
		args=(-f 1 -wi 1 -w 1s -i 2 -r 1s)
	else
		args=(-f 1 -wi 3 -w 1s -i 5 -r 1s)
	fi
	log "JMH: $JAVA -jar bench/jmh/target/benchmarks.jar ${args[*]} -prof gc"
	echo "$JAVA -jar bench/jmh/target/benchmarks.jar ${args[*]} -prof gc -rf json" >"$OUT/jmh.cmd"
	"$JAVA" -jar "$JAR_JMH" "${args[@]}" -prof gc -rf json -rff "$OUT/jmh.json" >"$OUT/jmh.txt" 2>&1 \
		|| log "JMH failed (see $OUT/jmh.txt); the dispatch benchmark needs the servlet container"
	grep -E '^(Benchmark|[A-Za-z]+Benchmark\.)' "$OUT/jmh.txt" | grep -v -E ':gc\.(alloc\.rate |count|time|churn)' >&2 || true
}

# syscalls: per app row, the system calls per request of the app and of nginx (strace -c -f on every thread), one
# endpoint at a time. strace slows everything down: the counts per request are what matters, not the req/s.
part_syscalls() {
	local row endpoint pid ng requests
	start_nginx
	for row in $ROWS; do
		[[ $row == ceiling ]] && continue
		start_app "$row" "$JVM_OPTS" || continue
		WARMUP=$(((WARMUP + 1) / 2)) warm "$row"
		pid=${PID_OF[$row]}
		for endpoint in hello bytes64k echo16k; do
			mapfile -t ng < <(nginx_pids | tail -n +2)
			strace_count "$OUT/strace-$row-$endpoint-app.txt" "$pid"
			strace_count "$OUT/strace-$row-$endpoint-nginx.txt" "${ng[@]}"
			sleep 1
			run_wrk "$(app_url "$row")" "$endpoint" 32 "$DURATION" "$OUT/wrk/syscalls-$row-$endpoint.txt"
			stop_named strace-app
			stop_named strace-nginx
			requests=$(awk '/ requests in / { print $1 }' "$OUT/wrk/syscalls-$row-$endpoint.txt")
			echo -e "$row\t$endpoint\t${requests:-0}\t$OUT/strace-$row-$endpoint-app.txt\t$OUT/strace-$row-$endpoint-nginx.txt" \
				>>"$OUT/syscalls.tsv"
			log "$row $endpoint: strace over ${requests:-0} requests"
		done
		stop_named "$row"
	done
}

# strace_count OUTFILE PID...: counts the system calls of the processes (all threads) until stopped
strace_count() {
	local outfile=$1 name
	shift
	[[ $outfile == *-app.txt ]] && name=strace-app || name=strace-nginx
	local args=()
	for p in "$@"; do
		args+=(-p "$p")
	done
	start_bg "$name" "$outfile.log" strace -c -f -q -o "$outfile" "${args[@]}"
}

# perf: per app row and connection count, `perf record -a -g` (the whole machine, kernel included) over one wrk
# cell of $BENCH_PERF_ENDPOINT [hello], summarised by bench/perf-summary.py into perf-ROW-ENDPOINT-cCONNS.txt: CPU
# per request of each process (kernel and user), kernel time by system call, the app's top symbols. Needs perf and
# root (or perf_event_paranoid <= 1). Java symbols come from -XX:+DumpPerfMapAtExit (added to the app's flags
# here), so the app is stopped before the summary.
part_perf() {
	local row conns pid requests endpoint=${BENCH_PERF_ENDPOINT:-hello} files=()
	command -v perf >/dev/null || { log "perf: not installed"; return 1; }
	start_nginx
	for row in $ROWS; do
		[[ $row == ceiling ]] && continue
		start_app "$row" "$JVM_OPTS -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit" || continue
		WARMUP=$(((WARMUP + 1) / 2)) warm "$row"
		pid=${PID_OF[$row]}
		files=()
		for conns in $CONNECTIONS; do
			start_bg perf "$OUT/perf-$row-$endpoint-c$conns.log" perf record -a -g -F 999 -o "$OUT/perf-$row-$endpoint-c$conns.data"
			sleep 1
			run_wrk "$(app_url "$row")" "$endpoint" "$conns" "$DURATION" "$OUT/wrk/perf-$row-$endpoint-c$conns.txt"
			kill -INT "${PID_OF[perf]}" 2>/dev/null || true
			wait "${PID_OF[perf]}" 2>/dev/null || true
			unset "PID_OF[perf]"
			requests=$(awk '/ requests in / { print $1 }' "$OUT/wrk/perf-$row-$endpoint-c$conns.txt")
			log "$row $endpoint c$conns: perf over ${requests:-0} requests"
			files+=("$conns:${requests:-0}:$OUT/perf-$row-$endpoint-c$conns.data")
		done
		stop_named "$row"
		for f in "${files[@]}"; do
			IFS=: read -r conns requests data <<<"$f"
			python3 "$BENCH_DIR/perf-summary.py" "$data" 999 "$requests" "$pid" >"${data%.data}.txt" || true
			log "$row c$conns: ${data%.data}.txt"
		done
	done
}

part_report() {
	{
		echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "nproc=$(nproc)"
		echo "cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
		echo "free_g=$(free -g | awk '/^Mem:/ { print $2 " GiB total, " $7 " GiB available" }')"
		echo "java=$("$JAVA" -version 2>&1 | head -2 | tr '\n' ' ')"
		echo "nginx=$("$NGINX" -v 2>&1)"
		echo "haproxy=$("$HAPROXY" -v 2>&1 | head -1)"
		echo "wrk=$("$WRK" -v 2>&1 | head -1)"
		echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
		echo "quick=$QUICK"
		echo "rounds=$ROUNDS"
		echo "duration=$DURATION"
		echo "warmup=$WARMUP"
		echo "threads=$THREADS"
		echo "connections=$CONNECTIONS"
		echo "jvm_opts=$JVM_OPTS"
		echo "upload_jvm_opts=$UPLOAD_JVM_OPTS"
		echo "nginx_workers=$NGINX_WORKERS"
		echo "keepalive=$KEEPALIVE"
		echo "haproxy_max_reqs=$HAPROXY_MAX_REQS"
		echo "fastcgi_jar=$(basename "$JAR_FASTCGI")"
		echo "jfr=$JFR"
		# the BENCH_ settings as they would be typed: a value with spaces in double quotes
		echo "command=$(env | grep '^BENCH_' | grep -v '^BENCH_OUT=' | sort \
			| sed -E 's/^([A-Z_0-9]+)=(.* .*)$/\1="\2"/' | tr '\n' ' ')bench/run.sh $PARTS_ARGS"
	} >"$OUT/env.txt"
	cp "$TMP/nginx/nginx.conf" "$OUT/nginx.conf" 2>/dev/null || true
	cp "$TMP/haproxy/haproxy.cfg" "$OUT/haproxy.cfg" 2>/dev/null || true
	python3 "$BENCH_DIR/report.py" report "$OUT" "$DOC"
	log "wrote $DOC (raw data in $OUT)"
}

# ---------------------------------------------------------------------------------------------------------------

log "results in $OUT; parts: $PARTS; quick=$QUICK rounds=$ROUNDS cell=${DURATION}s warm-up=${WARMUP}s"
mkdir -p "$OUT/wrk"
write_lua
for part in $PARTS; do
	case $part in
		build) part_build ;;
		http | startup | haproxy | upload | jmh | syscalls | perf | report) "part_$part" || log "part $part failed" ;;
		*) echo "unknown part: $part (build http startup haproxy upload jmh syscalls perf report)" >&2; exit 2 ;;
	esac
done
