#!/usr/bin/env bash
# test/services/up.sh: start the servers a shared volume needs, on loopback, for
# the tests: PostgreSQL (Debian's package; initdb and pg_ctl as an unprivileged
# user, in a temporary directory) and versitygw (an S3 gateway storing objects as
# plain files, built from the Go module proxy and cached). It prints the lines to
# eval, and keeps its state (pids, data, logs) in one directory:
#
#   eval "$(bash test/services/up.sh)"     # ... tests ...
#   bash test/services/down.sh
#
# ANYFS_SERVICES is the state directory (default $TMPDIR/anyfs-services); it
# must not hold running servers. Restart one server with `up.sh --only pg|s3`
# after `down.sh --only pg|s3` (the tests of outages do): it comes back on the
# same port with the same data. Messages go to stderr, the exports to stdout.
set -euo pipefail

VERSITYGW_VERSION=v1.8.0
state="${ANYFS_SERVICES:-${TMPDIR:-/tmp}/anyfs-services}"
only=""
if [ "${1:-}" = "--only" ]; then only="${2:?--only pg or s3}"; fi

say() { printf 'services: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
start=$SECONDS

# free_port: a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	die "no free port found on 127.0.0.1"
}

# wait_port PORT WHAT PIDFILE: wait up to 60 s for PORT to accept connections.
wait_port() {
	for _ in $(seq 600); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return; fi
		if ! kill -0 "$(cat "$3")" 2>/dev/null; then die "$2 exited at start (see $state/$2/server.log)"; fi
		sleep 0.1
	done
	die "$2 did not listen on 127.0.0.1:$1 within 60 s (see $state/$2/server.log)"
}

mkdir -p "$state"
chmod 0755 "$state"
# The servers run as an unprivileged user: nobody when this runs as root.
runas=()
if [ "$(id -u)" -eq 0 ]; then runas=(runuser -u nobody --); fi

# --- PostgreSQL ---------------------------------------------------------------
# pg_bin: the bin directory of the newest PostgreSQL installed from Debian's packages.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

start_pg() {
	local bin
	bin=$(pg_bin)
	if [ -z "$bin" ]; then
		[ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null || die "PostgreSQL is not installed (apt-get install postgresql)"
		say "installing postgresql"
		local sudo=()
		[ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
		local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends)
		"${sudo[@]}" apt-get update -qq </dev/null >&2
		# No "main" cluster, which the package would otherwise create and start on
		# port 5432: the tests make their own.
		"${apt[@]}" postgresql-common </dev/null >/dev/null
		"${sudo[@]}" sed -i 's/^#* *create_main_cluster.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf
		"${apt[@]}" postgresql </dev/null >/dev/null
		bin=$(pg_bin)
		[ -n "$bin" ] || die "installing postgresql gave no /usr/lib/postgresql/*/bin"
	fi
	local pg="$state/pg"
	if [ ! -f "$pg/data/PG_VERSION" ]; then
		rm -rf "$pg"
		mkdir -p "$pg/data" "$pg/sock"
		head -c 18 /dev/urandom | base64 | tr '+/' 'xy' >"$state/pg.password"
		cp "$state/pg.password" "$pg/pwfile"
		[ ${#runas[@]} -eq 0 ] || chown -R nobody "$pg"
		"${runas[@]}" "$bin/initdb" -D "$pg/data" -U anyfs --pwfile="$pg/pwfile" \
			--auth=scram-sha-256 -E UTF8 --no-locale >"$state/pg-initdb.log" 2>&1 ||
			die "initdb failed (see $state/pg-initdb.log)"
		rm -f "$pg/pwfile"
		free_port >"$state/pg.port"
	fi
	local port
	port=$(cat "$state/pg.port")
	# fsync off: these servers hold test data only, and a restart in the tests is
	# a clean stop (pg_ctl stop), which writes everything out anyway.
	"${runas[@]}" "$bin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $port -k $pg/sock -c fsync=off -c max_connections=200" \
		start >/dev/null || die "pg_ctl start failed (see $pg/server.log)"
	head -1 "$pg/data/postmaster.pid" >"$state/pg.pid"
	if [ ! -f "$state/pg.created" ]; then
		PGPASSWORD=$(cat "$state/pg.password") "$bin/psql" -q -h 127.0.0.1 -p "$port" -U anyfs -d postgres \
			-c "CREATE DATABASE anyfs" >/dev/null || die "CREATE DATABASE failed"
		touch "$state/pg.created"
	fi
	say "PostgreSQL on 127.0.0.1:$port (pid $(cat "$state/pg.pid"))"
}

# --- versitygw ------------------------------------------------------------------
start_s3() {
	local cache="${ANYFS_SERVICES_CACHE:-$(go env GOCACHE)/anyfs-services}"
	local vgw="$cache/versitygw-$VERSITYGW_VERSION"
	if [ ! -x "$vgw" ]; then
		say "building versitygw $VERSITYGW_VERSION (once; cached in $cache)"
		local t=$SECONDS
		mkdir -p "$cache/bin.tmp.$$"
		GOBIN="$cache/bin.tmp.$$" GOFLAGS=-mod=mod go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" >&2
		mv "$cache/bin.tmp.$$/versitygw" "$vgw"
		rmdir "$cache/bin.tmp.$$"
		say "built versitygw in $((SECONDS - t))s"
	fi
	if [ ! -f "$state/s3.port" ]; then
		mkdir -p "$state/s3/data/anyfs" "$state/s3/sidecar"
		[ ${#runas[@]} -eq 0 ] || chown -R nobody "$state/s3"
		free_port >"$state/s3.port"
		echo "anyfs$RANDOM$RANDOM" >"$state/s3.access"
		head -c 24 /dev/urandom | base64 | tr '+/' 'xy' >"$state/s3.secret"
	fi
	# A copy the unprivileged user can run (the cache may be private).
	[ -x "$state/versitygw" ] || cp "$vgw" "$state/versitygw"
	local port
	port=$(cat "$state/s3.port")
	# The keys go through the environment, never the command line (ps shows it).
	ROOT_ACCESS_KEY_ID=$(cat "$state/s3.access") ROOT_SECRET_ACCESS_KEY=$(cat "$state/s3.secret") \
		setsid "${runas[@]}" "$state/versitygw" --port "127.0.0.1:$port" --quiet posix --sidecar "$state/s3/sidecar" "$state/s3/data" \
		>"$state/s3/server.log" 2>&1 </dev/null &
	echo $! >"$state/s3.pid"
	wait_port "$port" s3 "$state/s3.pid"
	say "versitygw on 127.0.0.1:$port (pid $(cat "$state/s3.pid"))"
}

case "$only" in
"") start_pg; start_s3 ;;
pg) start_pg ;;
s3) start_s3 ;;
*) die "--only $only: pg or s3" ;;
esac

cat <<OUT
export ANYFS_META=postgres://anyfs@127.0.0.1:$(cat "$state/pg.port")/anyfs?sslmode=disable
export PGPASSWORD=$(cat "$state/pg.password")
export ANYFS_DATA=s3://127.0.0.1:$(cat "$state/s3.port")/anyfs?tls=false
export AWS_ACCESS_KEY_ID=$(cat "$state/s3.access")
export AWS_SECRET_ACCESS_KEY=$(cat "$state/s3.secret")
export ANYFS_SERVICES=$state
OUT
say "up in $((SECONDS - start))s"
