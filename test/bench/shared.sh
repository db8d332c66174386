#!/usr/bin/env bash
# shared.sh measures a shared volume (anyfs mount shared:NAME) next to the
# passthrough backend on this machine, in one run, with the workload driver of
# compare.sh:
#
#   passthrough   anyfs, passthrough backend (the baseline)
#   shared        anyfs, a shared volume: the blocks it wrote are in its local
#                 block cache (sequential read: cached)
#   shared-cold   a second mount of the same volume with an empty block cache:
#                 its sequential read fetches every block from the object store
#
# It needs the servers of test/services/up.sh:
#
#   eval "$(bash test/services/up.sh)"
#   test/bench/shared.sh                     # BENCH_SIZE=256M, BENCH_REPEAT=3
#   bash test/services/down.sh
#
# Environment: BENCH_SIZE, BENCH_REPEAT, BENCH_FILES (as compare.sh), BENCH_MD=1.
# Run it as root, so that cold reads can drop the kernel's caches.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${ANYFS_META:?eval \"\$(bash test/services/up.sh)\" first}" "${ANYFS_DATA:?}"
size=${BENCH_SIZE:-256M}
repeat=${BENCH_REPEAT:-3}
files=${BENCH_FILES:-2000}
bytes() {
	local n=${1%[KkMmGg]} unit=${1: -1}
	case $unit in
	K | k) echo $((n << 10)) ;;
	M | m) echo $((n << 20)) ;;
	G | g) echo $((n << 30)) ;;
	*) echo "$1" ;;
	esac
}
size=$(bytes "$size")
work=$(mktemp -d "${TMPDIR:-/tmp}/anyfs-shared-bench.XXXXXX")
name="bench$RANDOM$RANDOM"
pids=()
mnts=()
cleanup() {
	set +e
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	done
	for m in "${mnts[@]}"; do
		grep -q " $m fuse" /proc/mounts && { fusermount3 -u "$m" 2>/dev/null || umount -l "$m"; }
	done
	psql=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)/psql
	[ -x "$psql" ] && "$psql" -q "$ANYFS_META" -c "DROP SCHEMA IF EXISTS anyfs_$name CASCADE" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$repo" && go build -o "$work/anyfs" ./cmd/anyfs && go build -o "$work/workload" ./test/bench/cmd/workload)
"$work/anyfs" shared format "$name" >/dev/null

# mount NAME ARGS...: serve in the background at $work/NAME until the end.
mount() {
	local m="$work/$1"
	shift
	mkdir -p "$m"
	"$work/anyfs" mount "$@" "$m" 2>"$work/$(basename "$m").log" &
	pids+=($!)
	mnts+=("$m")
	for _ in $(seq 200); do grep -q " $m fuse" /proc/mounts && return; sleep 0.05; done
	echo "shared.sh: $m did not mount:" >&2
	cat "$work/$(basename "$m").log" >&2
	exit 1
}
mkdir -p "$work/host"
mount passthrough passthrough:"$work/host"
mount shared --cache-dir "$work/cache-a" shared:"$name"

run() { "$work/workload" run -size "$size" -files "$files" -repeat "$repeat" -settle 0 "$@"; }
run -dir "$work/passthrough" -only seqwrite,seqread,create >"$work/passthrough.json"
run -dir "$work/shared" -only seqwrite,seqread,create >"$work/shared.json"
# A second mount, empty cache: one cold read of the file the first wrote.
mount shared-cold --cache-dir "$work/cache-b" shared:"$name"
"$work/workload" run -size "$size" -repeat 1 -settle 0 -dir "$work/shared-cold" -only seqread >"$work/shared-cold.json"

md=()
[ "${BENCH_MD:-}" = 1 ] && md=(-md)
"$work/workload" table "${md[@]}" passthrough="$work/passthrough.json" shared="$work/shared.json" shared-cold="$work/shared-cold.json"
