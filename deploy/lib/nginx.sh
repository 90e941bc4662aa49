# deploy/lib/nginx.sh: rendering dnadb's nginx templates (bash functions,
# sourced by deploy/stack; also usable alone, see deploy/systemd/README.md).
#
#   render_nginx PORT                 the local stack's nginx.conf and
#                                     nginx-server.conf into $VAR/conf
#   render_production_nginx DEST NAME [CERT KEY TRUSTED]
#                                     the production site for a Debian
#                                     nginx whose configuration is DEST
#   check_production_nginx            renders the production site with a
#                                     throwaway certificate and runs
#                                     nginx -t on it (counts FT_PASS/FT_FAIL)
#
# Templates are conf/*.in; every @NAME@ in them is replaced, and a
# placeholder left over is an error. Values come from dnadb.conf through
# config_value (deploy/stack's: DNADB_<KEY> wins over conf/dnadb.conf);
# sourced alone, from $DNADB_CONF_PATH (default conf/dnadb.conf) with the
# same environment overrides.

: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

# Where the production files go (render_production_nginx): the worker's
# socket (deploy/systemd/dnadb-fcgi.socket), the built client, nginx's
# resolver for OCSP and its log directory. Override before calling.
: "${PROD_SOCKET:=/run/dnadb/dnadb-fcgi.sock}"
: "${PROD_WWW:=/usr/share/dnadb/www}"
: "${PROD_RESOLVER:=127.0.0.1}"
: "${PROD_LOG_DIR:=/var/log/nginx}"

# The effective value of a dnadb.conf key.
nginx_config_value() {
	if declare -F config_value >/dev/null; then
		config_value "$1"
		return
	fi
	local var
	var="DNADB_$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]')"
	if [ -n "${!var:-}" ]; then
		printf '%s' "${!var}"
		return
	fi
	sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*$/\1/p" \
		"${DNADB_CONF_PATH:-$ROOT/conf/dnadb.conf}" | tail -n 1
}

# A dnadb.conf key that must be a non-negative integer (nginx would take
# anything else as a syntax error far from its cause).
nginx_number() {
	local v
	v=$(nginx_config_value "$1")
	if ! [[ $v =~ ^[0-9]+$ ]]; then
		printf 'nginx: dnadb.conf key %s is "%s", not a number\n' "$1" "$v" >&2
		return 1
	fi
	printf '%s' "$v"
}

# Fills NGINX_SUBST (NAME=value pairs) with the values every template
# shares: the body caps, the per-client limits and the timeouts. $1 is
# the directory the included files are read from.
nginx_common_subst() {
	local conf=$1 body import stmt budget slowest
	body=$(nginx_number max_body_bytes) || return 1
	import=$(nginx_number max_import_bytes) || return 1
	stmt=$(nginx_number statement_timeout_ms) || return 1
	budget=$(nginx_number search_budget_ms) || return 1
	# A worker may legitimately take the statement timeout or the search
	# budget, whichever is longer; nginx waits that (rounded up to a
	# second) plus 5 s before it answers 504.
	slowest=$(( stmt > budget ? stmt : budget ))
	NGINX_SUBST=(
		"CONF=$conf"
		"BODY_MAX_BYTES=$body"
		"IMPORT_MAX_BYTES=$import"
		"API_READ_TIMEOUT_S=$(( (slowest + 999) / 1000 + 5 ))"
		"CLIENT_TIMEOUT_S=$(nginx_number client_timeout_s)"
		"LIMIT_SEARCH_RPS=$(nginx_number limit_search_rps)"
		"LIMIT_SEARCH_BURST=$(nginx_number limit_search_burst)"
		"LIMIT_WRITE_RPS=$(nginx_number limit_write_rps)"
		"LIMIT_WRITE_BURST=$(nginx_number limit_write_burst)"
		"LIMIT_CONN_PER_CLIENT=$(nginx_number limit_conn_per_client)"
	)
	local kv
	for kv in "${NGINX_SUBST[@]}"; do
		[ -n "${kv#*=}" ] || { printf 'nginx: no value for %s\n' "${kv%%=*}" >&2; return 1; }
	done
}

# nginx_render TEMPLATE OUT NAME=value...: writes TEMPLATE with every
# @NAME@ replaced by its value; fails if a placeholder is left over
# outside a comment.
nginx_render() {
	local in=$1 out=$2 kv args=() left
	shift 2
	for kv in "$@"; do
		args+=(-e "s|@${kv%%=*}@|${kv#*=}|g")
	done
	sed "${args[@]}" "$in" >"$out"
	left=$(grep -v '^[[:space:]]*#' "$out" | grep -o '@[A-Z_][A-Z_0-9]*@' | sort -u | tr '\n' ' ' || true)
	if [ -n "$left" ]; then
		printf 'nginx: %s: placeholders without a value: %s\n' "$in" "$left" >&2
		return 1
	fi
}

# The local stack's nginx (deploy/stack start_nginx): nginx.conf and the
# server include it names, into $VAR/conf (next to the copies of
# security_headers, fastcgi_params and fastcgi_api that prepare_var made).
# Uses the instance's VAR, SOCKET and SVC_USER.
render_nginx() {
	local port=$1
	nginx_common_subst "$VAR/conf" || die "cannot render the nginx configuration"
	nginx_render "$ROOT/conf/nginx-server.conf.in" "$VAR/conf/nginx-server.conf" \
		"${NGINX_SUBST[@]}" || die "cannot render conf/nginx-server.conf.in"
	nginx_render "$ROOT/conf/nginx.conf.in" "$VAR/conf/nginx.conf" \
		"${NGINX_SUBST[@]}" "VAR=$VAR" "WWW=$VAR/www" "SOCKET=$SOCKET" \
		"LISTEN=127.0.0.1" "PORT=$port" || die "cannot render conf/nginx.conf.in"
	mkdir -p "$VAR/nginx"
	[ "$(id -u)" -ne 0 ] || chown -R "$SVC_USER" "$VAR/conf" "$VAR/nginx"
}

# render_production_nginx DEST SERVER_NAME [CERT KEY TRUSTED]: the
# production site for an nginx whose configuration directory is DEST
# (/etc/nginx on Debian): DEST/sites-available/dnadb, and in DEST/dnadb
# the server include and the files it includes. CERT (certificate and
# intermediates), KEY and TRUSTED (the CA chain, for OCSP stapling)
# default to certbot's files for SERVER_NAME. Enabling the site
# (sites-enabled) and reloading nginx are left to the caller.
render_production_nginx() {
	local dest=$1 name=$2
	local cert=${3:-/etc/letsencrypt/live/$name/fullchain.pem}
	local key=${4:-/etc/letsencrypt/live/$name/privkey.pem}
	local trusted=${5:-/etc/letsencrypt/live/$name/chain.pem}
	if [ -z "$dest" ] || [ -z "$name" ]; then
		printf 'usage: render_production_nginx DEST SERVER_NAME [CERT KEY TRUSTED]\n' >&2
		return 1
	fi
	mkdir -p "$dest/sites-available" "$dest/dnadb"
	nginx_common_subst "$dest/dnadb" || return 1
	nginx_render "$ROOT/conf/nginx-server.conf.in" "$dest/dnadb/nginx-server.conf" \
		"${NGINX_SUBST[@]}" || return 1
	install -m 0644 "$ROOT/conf/security_headers" "$ROOT/conf/fastcgi_params" \
		"$ROOT/conf/fastcgi_api" "$dest/dnadb/"
	nginx_render "$ROOT/conf/nginx-production.conf.in" "$dest/sites-available/dnadb" \
		"${NGINX_SUBST[@]}" "SERVER_NAME=$name" "SOCKET=$PROD_SOCKET" "WWW=$PROD_WWW" \
		"TLS_CERTIFICATE=$cert" "TLS_CERTIFICATE_KEY=$key" \
		"TLS_TRUSTED_CERTIFICATE=$trusted" "RESOLVER=$PROD_RESOLVER" \
		"LOG_DIR=$PROD_LOG_DIR" || return 1
}

# Renders the production site into a temporary directory with a
# throwaway self-signed certificate (one with an OCSP URL, so stapling is
# checked too), wraps it in a minimal nginx.conf the way Debian's
# includes it, and runs nginx -t on it. nginx -t binds the listen
# addresses, so it runs in a network namespace of its own (ports 80 and
# 443 there are free and need no privilege); where none can be made, the
# listen lines are moved to free loopback ports instead. Prints ok/FAIL
# and counts into FT_PASS / FT_FAIL.
check_production_nginx() {
	local tmp out rc=0 ns=() name="production nginx config"
	FT_PASS=${FT_PASS:-0}
	FT_FAIL=${FT_FAIL:-0}
	if ! command -v openssl >/dev/null 2>&1; then
		if declare -F ensure_packages >/dev/null; then
			ensure_packages openssl
		fi
	fi
	tmp=$(mktemp -d)
	mkdir -p "$tmp/tls" "$tmp/log" "$tmp/temp"
	if ! out=$(openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -days 2 -subj /CN=dnadb.test -addext subjectAltName=DNS:dnadb.test \
		-addext 'authorityInfoAccess=OCSP;URI:http://127.0.0.1:9/' \
		-keyout "$tmp/tls/key.pem" -out "$tmp/tls/cert.pem" 2>&1); then
		printf 'FAIL %s: openssl could not make a certificate: %s\n' "$name" "$out"
		FT_FAIL=$((FT_FAIL + 1))
		rm -rf "$tmp"
		return 0
	fi
	if ! out=$(PROD_LOG_DIR="$tmp/log" render_production_nginx "$tmp" dnadb.test \
		"$tmp/tls/cert.pem" "$tmp/tls/key.pem" "$tmp/tls/cert.pem" 2>&1); then
		printf 'FAIL %s: cannot render: %s\n' "$name" "$out"
		FT_FAIL=$((FT_FAIL + 1))
		rm -rf "$tmp"
		return 0
	fi
	cat >"$tmp/nginx.conf" <<EOF
# Debian's nginx.conf, reduced to what the dnadb site needs.
pid $tmp/nginx.pid;
error_log $tmp/log/error.log;
events {}
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path $tmp/temp/body;
    fastcgi_temp_path $tmp/temp/fastcgi;
    proxy_temp_path $tmp/temp/proxy;
    uwsgi_temp_path $tmp/temp/uwsgi;
    scgi_temp_path $tmp/temp/scgi;
    include $tmp/sites-available/dnadb;
}
EOF
	if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
		ns=(unshare -n)
	elif unshare -rn true 2>/dev/null; then
		# Unprivileged: a user namespace too, where this user is root;
		# nginx, seeing root, would chown its temp paths to nobody
		# (unmapped there) unless told to stay root.
		ns=(unshare -rn)
		sed -i '1i user root;' "$tmp/nginx.conf"
	else
		local p=$(( 20000 + RANDOM % 20000 ))
		sed -i -e '/listen \[::\]:/d' \
			-e "s/listen 80;/listen 127.0.0.1:$p;/" \
			-e "s/listen 443 /listen 127.0.0.1:$((p + 1)) /" "$tmp/sites-available/dnadb"
	fi
	out=$("${ns[@]}" /usr/sbin/nginx -t -q -p "$tmp" -c "$tmp/nginx.conf" \
		-e "$tmp/log/error.log" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ]; then
		printf 'ok   %s: nginx -t passes\n' "$name"
		[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/     /'
		FT_PASS=$((FT_PASS + 1))
	else
		printf 'FAIL %s: nginx -t: %s\n' "$name" "$out"
		FT_FAIL=$((FT_FAIL + 1))
	fi
	rm -rf "$tmp"
}
