#!/usr/bin/env bash
# compare.sh runs the same workloads, in one run on this machine, on:
#
#   native        the native directory (the floor)
#   loopback      go-fuse's own loopback (fs.NewLoopbackRoot), FUSE passthrough off
#   anyfs-pt      anyfs, passthrough backend, gofuse adapter, FUSE passthrough off
#   anyfs-pt-cgo  anyfs, passthrough backend, cgofuse adapter (libfuse3)
#   memfs         anyfs, memfs backend, gofuse adapter
#   loopback+pt   go-fuse's loopback with FUSE passthrough (root, Linux >= 6.9)
#   anyfs-pt+pt   anyfs, passthrough backend, gofuse adapter, FUSE passthrough
#   COLUMN@tmpfs  the same over a host directory on tmpfs (BENCH_TMPFS), where the
#                 host's own cost no longer hides the framework's: native@tmpfs,
#                 loopback@tmpfs, anyfs-pt@tmpfs, loopback+pt@tmpfs, anyfs-pt+pt@tmpfs
#
# and prints the figures side by side with the ratio of each column to the raw
# go-fuse loopback (mode for mode) and to the native directory, then checks the
# performance targets. It builds what it needs into a temporary directory, so it
# works from a fresh clone:
#
#   test/bench/compare.sh                          # full run, a few minutes
#   BENCH_SIZE=128M BENCH_REPEAT=1 test/bench/compare.sh   # quick run
#
# Environment:
#   BENCH_SIZE       size of the sequential file (default 1G; K, M, G suffixes)
#   BENCH_REPEAT     rounds: runs of each workload, interleaved across the columns,
#                    median reported (default 3)
#   BENCH_FILES      files of the create/stat/unlink and stat workloads (default 10000)
#   BENCH_LIST       entries of the listed directory (default 100000)
#   BENCH_RANDREADS  random 4 KiB reads per run (default 20000)
#   BENCH_COLUMNS    space-separated subset of the columns above (default all)
#   BENCH_ONLY       comma-separated subset of the workloads (default all):
#                    list,seqwrite,seqread,randread,directread,parallel,create,stat
#   BENCH_DIR        where to make the work directories (default $TMPDIR or /tmp):
#                    this is the file system the native column measures
#   BENCH_TMPFS      the host directory of the @tmpfs columns (default /dev/shm; the
#                    @tmpfs columns are n/a when it is not on tmpfs)
#   BENCH_OUT        keep the JSON reports (and server logs) in this directory
#   BENCH_PROFILE    write a CPU profile of every serving process to this directory
#   BENCH_SERVE_FLAGS  extra flags for the anyfs columns' server (cmd/benchserve), such
#                    as "-attr-timeout 0 -entry-timeout 0" or "-serialize all"
#   BENCH_MD=1       print Markdown tables
#
# Dropping the kernel's caches for cold reads needs root; without it cold reads
# drop only the mount's cache (the output says so). Every mount is unmounted on exit,
# also on errors and Ctrl-C.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
size=${BENCH_SIZE:-1G}
repeat=${BENCH_REPEAT:-3}
files=${BENCH_FILES:-10000}
list=${BENCH_LIST:-100000}
randreads=${BENCH_RANDREADS:-20000}
columns=${BENCH_COLUMNS:-"native loopback anyfs-pt anyfs-pt-cgo memfs loopback+pt anyfs-pt+pt native@tmpfs loopback@tmpfs anyfs-pt@tmpfs loopback+pt@tmpfs anyfs-pt+pt@tmpfs"}

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

work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/anyfs-bench.XXXXXX")
# twork holds the host directories of the @tmpfs columns.
twork=
tmpfs=${BENCH_TMPFS:-/dev/shm}
if [[ $columns == *@tmpfs* ]]; then
	if [[ $(stat -f -c %T "$tmpfs" 2>/dev/null) == tmpfs ]]; then
		twork=$(mktemp -d "$tmpfs/anyfs-bench.XXXXXX")
	else
		echo "compare.sh: $tmpfs is not on tmpfs: the @tmpfs columns are n/a" >&2
	fi
fi
out=${BENCH_OUT:-$work/out}
mkdir -p "$work/bin" "$out"
rm -f "$out/events.txt"
if [[ -n ${BENCH_PROFILE:-} ]]; then
	mkdir -p "$BENCH_PROFILE"
	BENCH_PROFILE=$(cd "$BENCH_PROFILE" && pwd)
fi

server_pid=
server_mnt=

# stop_server unmounts the current mount by ending its serving process (SIGTERM makes
# it unmount), and makes sure no mount is left behind.
stop_server() {
	if [[ -n $server_pid ]]; then
		kill -TERM "$server_pid" 2>/dev/null || true
		for _ in $(seq 100); do
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$server_pid" 2>/dev/null; then
			echo "compare.sh: server $server_pid did not exit; killing it" >&2
			kill -KILL "$server_pid" 2>/dev/null || true
		fi
		wait "$server_pid" 2>/dev/null || true
		server_pid=
	fi
	if [[ -n $server_mnt ]]; then
		if grep -qF " $server_mnt " /proc/mounts; then
			echo "compare.sh: $server_mnt still mounted; unmounting it" >&2
			fusermount3 -u -z "$server_mnt" 2>/dev/null || umount -l "$server_mnt" 2>/dev/null || true
		fi
		server_mnt=
	fi
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_server
	if [[ -n $twork ]]; then
		rm -rf "$twork"
	fi
	if [[ -z ${BENCH_OUT:-} ]]; then
		rm -rf "$work"
	else
		rm -rf "${work:?}/bin" "${work:?}"/col-*
		rmdir "$work" 2>/dev/null || true
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "compare.sh: building into $work/bin" >&2
(
	cd "$repo"
	go build -o "$work/bin/workload" ./test/bench/cmd/workload
	go build -o "$work/bin/loopback" ./test/bench/loopback
	go build -o "$work/bin/benchserve" ./test/bench/cmd/benchserve
)
cgo_ok=1
if ! (cd "$repo" && CGO_ENABLED=1 go build -tags cgofuse,fuse3 -o "$work/bin/benchserve-cgo" ./test/bench/cmd/benchserve) 2>"$out/cgofuse-build.log"; then
	echo "compare.sh: the cgofuse build failed (see $out/cgofuse-build.log); anyfs-pt-cgo is n/a" >&2
	cgo_ok=0
fi
fuse_ok=1
if [[ ! -c /dev/fuse ]] || { ! command -v fusermount3 >/dev/null && ! command -v fusermount >/dev/null; }; then
	echo "compare.sh: no FUSE on this machine (/dev/fuse, fusermount3): only the native column runs" >&2
	fuse_ok=0
fi

# start_server CMD... starts a serving process whose last argument is the mount point
# and waits until it says "ready".
start_server() {
	local log=$1
	shift
	server_mnt=${*: -1}
	"$@" >"$log.stdout" 2>"$log.stderr" &
	server_pid=$!
	for _ in $(seq 200); do
		if grep -q '^ready$' "$log.stdout" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$server_pid" 2>/dev/null; then
			wait "$server_pid" 2>/dev/null || true
			server_pid=
			echo "compare.sh: $1 failed: $(tail -n 3 "$log.stderr")" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "compare.sh: $1 did not mount within 20s" >&2
	stop_server
	return 1
}

run_args=(-size "$size" -repeat 1 -files "$files" -list "$list" -randreads "$randreads")
if [[ -n ${BENCH_ONLY:-} ]]; then
	run_args+=(-only "$BENCH_ONLY")
fi
# populate makes the listed directory of a host directory, once: later rounds reuse it.
populate() {
	if [[ ! -d $1/list ]]; then
		"$work/bin/workload" populate -dir "$1" -n "$list"
	fi
}

# Rounds: every column runs each workload once per round, the columns one after the
# other, so that a machine whose speed drifts during the run affects every column
# alike; the table reports the median of the rounds.
declare -A reports
for ((round = 1; round <= repeat; round++)); do
	for col in $columns; do
		base=${col%%@*}
		dir=$work/col-$col
		if [[ $col == *@tmpfs ]]; then
			if [[ -z $twork ]]; then
				continue
			fi
			dir=$twork/col-$col
		elif [[ $col == *@* ]]; then
			echo "compare.sh: unknown host directory in column $col (only @tmpfs)" >&2
			exit 2
		fi
		data=$dir/data
		mnt=$dir/mnt
		mkdir -p "$data" "$mnt"
		report=$out/$col.$round.json
		rm -f "$report"
		reports[$col]+="${reports[$col]:+,}$report"
		prof=()
		if [[ -n ${BENCH_PROFILE:-} ]]; then
			prof=(-cpuprofile "$BENCH_PROFILE/$col.$round.pprof")
		fi
		# shellcheck disable=SC2206 # split the flags on purpose
		extra=(${BENCH_SERVE_FLAGS:-})
		server=()
		case $base in
		native) ;;
		loopback) server=("$work/bin/loopback" -passthrough=false "${prof[@]}" "$data" "$mnt") ;;
		loopback+pt) server=("$work/bin/loopback" -passthrough=true "${prof[@]}" "$data" "$mnt") ;;
		anyfs-pt) server=("$work/bin/benchserve" -passthrough=false "${prof[@]}" "${extra[@]}" "passthrough:$data" "$mnt") ;;
		anyfs-pt+pt) server=("$work/bin/benchserve" -passthrough=true "${prof[@]}" "${extra[@]}" "passthrough:$data" "$mnt") ;;
		anyfs-pt-cgo)
			if ((!cgo_ok)); then
				rm -rf "$dir"
				continue
			fi
			server=("$work/bin/benchserve-cgo" -adapter cgofuse -passthrough=false "${prof[@]}" "${extra[@]}" "passthrough:$data" "$mnt")
			;;
		memfs) server=("$work/bin/benchserve" "${prof[@]}" "${extra[@]}" mem "$mnt") ;;
		*)
			echo "compare.sh: unknown column $col" >&2
			exit 2
			;;
		esac
		echo "compare.sh: === round $round/$repeat: $col" >&2
		args=("${run_args[@]}")
		target=$data
		if ((${#server[@]})); then
			if ((!fuse_ok)); then
				rm -rf "$dir"
				continue
			fi
			if [[ $base != memfs ]]; then
				populate "$data"
			fi
			if ! start_server "$out/$col" "${server[@]}"; then
				rm -rf "$dir"
				continue
			fi
			args+=(-pid "$server_pid")
			if [[ $base == memfs ]]; then
				args+=(-populate)
			fi
			target=$mnt
		else
			populate "$data"
		fi
		if ! "$work/bin/workload" run -dir "$target" "${args[@]}" >"$report.tmp"; then
			echo "compare.sh: the workloads failed on $col" >&2
		else
			mv "$report.tmp" "$report"
		fi
		stop_server
		if ((round == 1)) && [[ -f $out/$col.stderr ]] && grep -q 'calls=' "$out/$col.stderr"; then
			echo "$col: $(grep -oE 'On(Read|Write)File calls=[0-9]+' "$out/$col.stderr" | tr '\n' ' ')" >>"$out/events.txt"
		fi
	done
done
rm -rf "${work:?}"/col-*
if [[ -n $twork ]]; then
	rm -rf "${twork:?}"/col-*
fi
table_args=()
for col in $columns; do
	table_args+=("$col=${reports[$col]:-$out/$col.none}")
done

md=()
[[ -n ${BENCH_MD:-} ]] && md=(-md)
echo
echo "anyfs benchmark: $(uname -sr), $(nproc) CPUs, $(go version | cut -d' ' -f3), sequential file $((size >> 20)) MiB, $repeat round(s) of every workload, $(date -u +%Y-%m-%dT%H:%MZ)"
"$work/bin/workload" table "${md[@]}" "${table_args[@]}"
if [[ -f $out/events.txt ]]; then
	echo
	echo "Read and write events the anyfs volume served (0 means FUSE passthrough carried the data):"
	sed 's/^/  /' "$out/events.txt"
fi
