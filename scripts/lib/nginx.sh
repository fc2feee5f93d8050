# Sourced by scripts: start a Range-capable nginx (Debian's nginx-light) on loopback with its own
# config in a scratch directory. Usage: start_nginx SCRATCH_DIR WWW_ROOT PORT  (sets NGINX_PID)
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
