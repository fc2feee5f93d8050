# Sourced by the demo and the benchmarks, which run inside their own network namespace: a scratch
# directory removed on exit with everything started in it, a loopback nginx origin, and a node.

# Usage: begin_scratch NAME  (sets WORK; brings up lo; on exit stops the node and nginx, removes WORK)
begin_scratch() {
  ip link set lo up
  WORK=$(mktemp -d "/var/tmp/donode-$1-XXXXXX")
  trap end_scratch EXIT
}
end_scratch() {
  [[ -n "${NODE_PID:-}" ]] && kill "$NODE_PID" 2>/dev/null || true
  [[ -n "${NGINX_PID:-}" ]] && kill "$NGINX_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}

# Usage: start_donode DONODE_BIN  (socket $WORK/donode.sock, state $WORK/state; sets NODE_PID)
start_donode() {
  "$1" --socket "$WORK/donode.sock" --state-dir "$WORK/state" >"$WORK/donode.log" 2>&1 &
  NODE_PID=$!
  local i
  for i in $(seq 200); do
    [[ -S "$WORK/donode.sock" ]] && return 0
    sleep 0.05
  done
  echo "donode did not start: $(cat "$WORK/donode.log")" >&2
  return 1
}

# Start a Range-capable nginx (Debian's nginx-light) on loopback with its own config.
# Usage: start_nginx SCRATCH_DIR WWW_ROOT PORT  (sets NGINX_PID)
start_nginx() {
  local dir=$1 root=$2 port=$3
  mkdir -p "$dir"/tmp
  cat >"$dir/nginx.conf" <<CONF
user root;
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log $dir/access.log;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$port;
    root $root;
  }
}
CONF
  nginx -c "$dir/nginx.conf" &
  NGINX_PID=$!
  local i
  for i in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
    sleep 0.05
  done
  echo "nginx did not start: $(cat "$dir/nginx-error.log")" >&2
  return 1
}
