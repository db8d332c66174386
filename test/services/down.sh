#!/usr/bin/env bash
# test/services/down.sh: stop the servers test/services/up.sh started, by the
# pids it wrote, and remove their state directory. `down.sh --only pg|s3` stops
# one server and keeps the data, for up.sh --only to start it again.
set -uo pipefail
state="${ANYFS_SERVICES:-${TMPDIR:-/tmp}/anyfs-services}"
only=""
if [ "${1:-}" = "--only" ]; then only="${2:?--only pg or s3}"; fi
[ -d "$state" ] || exit 0

# stop NAME SIGNAL: send SIGNAL to the pid in $state/NAME.pid, wait up to 30 s
# for it to exit, then SIGKILL.
stop() {
	local f="$state/$1.pid" pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	if kill -0 "$pid" 2>/dev/null; then
		kill "-$2" "$pid" 2>/dev/null
		for _ in $(seq 300); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	fi
	rm -f "$f"
	printf 'services: stopped %s (pid %s)\n' "$1" "$pid" >&2
}

case "$only" in
"")
	stop s3 TERM
	stop pg INT # PostgreSQL's fast shutdown: it does not wait for clients
	rm -rf "$state"
	;;
pg) stop pg INT ;;
s3) stop s3 TERM ;;
*) echo "services: --only $only: pg or s3" >&2; exit 1 ;;
esac
