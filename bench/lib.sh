# Shell helpers shared by bench/run.sh, bench/soak.sh and bench/soak-app.sh (sourced, not run).

# free_port: prints a free TCP port on 127.0.0.1
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# stop_pid PID: SIGTERM, up to 10 s for it to end, then SIGKILL; reaps it if it is our child
stop_pid() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# write_soak_nginx_conf FILE PREFIX ERROR_LOG WORKER_CONNECTIONS BODY_BUFFER APP_PORT HTTP_PORT
# nginx in the foreground, one process, in PREFIX (temp paths under it), HTTP on HTTP_PORT to a FastCGI upstream on
# APP_PORT with fastcgi_keep_conn and 32 kept connections; request bodies up to BODY_BUFFER stay in memory.
# nginx's defaults otherwise (keepalive_requests 1000 on both sides: connections are replaced all the time).
write_soak_nginx_conf() {
	local file=$1 prefix=$2 error_log=$3 worker_connections=$4 body_buffer=$5 app_port=$6 http_port=$7
	cat >"$file" <<CONF
# written by bench/lib.sh (write_soak_nginx_conf)
daemon off;
master_process off;
pid $prefix/nginx.pid;
error_log $error_log warn;
events { worker_connections $worker_connections; }
http {
  access_log off;
  client_max_body_size 10m;
  client_body_buffer_size $body_buffer;
  client_body_temp_path $prefix/body;
  fastcgi_temp_path $prefix/fastcgi;
  proxy_temp_path $prefix/proxy;
  uwsgi_temp_path $prefix/uwsgi;
  scgi_temp_path $prefix/scgi;
  upstream app { server 127.0.0.1:$app_port; keepalive 32; }
  server {
    listen 127.0.0.1:$http_port;
    location / {
      include /etc/nginx/fastcgi_params;
      fastcgi_keep_conn on;
      fastcgi_pass app;
    }
  }
}
CONF
}
