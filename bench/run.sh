#!/bin/sh
# run.sh: the speed benchmark of issue 7 (not a test: ctest never runs it).
#
#   bench/run.sh [BUILD_DIR]            (default BUILD_DIR: ./build, a Release or RelWithDebInfo tree)
#
# Generates, from the real line shapes of the shared corpus (read now, never copied into the
# repository), a big setupact.log, a big setupapi.dev.log and a fleet of bundles; then times
#   - `updx analyze` of each big log (one file = one bundle) against `rg -F -f ANCHORS` (the
#     rules' literal prefilters, from bench/anchors.c) and against `wc -l` on the same file,
#   - `updx analyze` of a real triage dump, and the dump parser alone (bench/dump_bench.c),
#   - `updx fleet` over the fleet with 1 and with 2 workers,
# and prints wall and CPU seconds, MiB/s, peak RSS (/usr/bin/time -v's "Maximum resident set
# size"), and the ratios the issue sets targets for. Every timing is the best of RUNS runs.
#
# Environment: SETUPACT_MB (1024), SETUPAPI_MB (300), FLEET (2000), RUNS (3),
# BENCH_DIR (scratch space, default /tmp/updx-bench; needs about 1.5 GiB plus the fleet),
# UPDX_CORPUS (default: ../shared/corpus next to the source tree).
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
corpus=${UPDX_CORPUS:-$src/../shared/corpus}
work=${BENCH_DIR:-/tmp/updx-bench}
SETUPACT_MB=${SETUPACT_MB:-1024}
SETUPAPI_MB=${SETUPAPI_MB:-300}
FLEET=${FLEET:-2000}
RUNS=${RUNS:-3}
updx=$build/updx
[ -x "$updx" ] || { echo "run.sh: no $updx: build first" >&2; exit 1; }
[ -d "$corpus/logs" ] || { echo "run.sh: no corpus at $corpus" >&2; exit 1; }
command -v rg >/dev/null || { echo "run.sh: rg (ripgrep) is missing" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "run.sh: /usr/bin/time is missing (package time)" >&2; exit 1; }
mkdir -p "$work"

# --- tools -------------------------------------------------------------------------------
libs="$(pkg-config --libs libarchive nettle libpcre2-8 jansson yaml-0.1 libxml-2.0 sqlite3 libregf libevtx libbfio libhs) -lpthread -lm"
cc -O2 -std=c17 -o "$work/gen_log" "$src/bench/gen_log.c"
cc -O2 -std=c17 -I"$src/lib" -I"$src/include" -o "$work/anchors" "$src/bench/anchors.c" "$build/libupdx.a" $libs
cc -O2 -std=c17 -I"$src/lib" -I"$src/include" -o "$work/dump_bench" "$src/bench/dump_bench.c" "$build/libupdx.a" $libs
cc -O2 -std=c17 -I"$src/lib" -I"$src/include" -o "$work/hash_bench" "$src/bench/hash_bench.c" "$build/libupdx.a" $libs
"$work/anchors" >"$work/anchors.txt"
"$work/anchors" -i >"$work/anchors-i.txt"

# --- inputs --------------------------------------------------------------------------------
L=$corpus/logs
act_sources="$L/silvermaz-24h2-upgrade/SetupAct.log $L/baslr-w10-rollback/Rollback/setupact.log
 $L/ricka-diskprov-50013/setupact.log $L/bitbtrust-winpe-ibs/setupact.log $L/cralborn-azure-panther/Panther/setupact.log"
api_sources="$L/plaso-setupapi-10240/setupapi.dev.log $L/baslr-w10-rollback/Rollback/setupapi/setupapi.dev.log
 $L/ttx-setupapi-cp1251/setupapi.dev.log"
gen() { # gen OUT MIB SOURCES...: (re)generate when the size differs
    out=$1
    bytes=$(($2 * 1048576))
    shift 2
    if [ ! -f "$out" ] || [ "$(wc -c <"$out")" -ne "$bytes" ]; then
        # shellcheck disable=SC2086
        "$work/gen_log" "$out" "$bytes" $*
    fi
}
# shellcheck disable=SC2086
gen "$work/setupact.log" "$SETUPACT_MB" $act_sources
# shellcheck disable=SC2086
gen "$work/setupapi.dev.log" "$SETUPAPI_MB" $api_sources

# --- timing --------------------------------------------------------------------------------
# measure LABEL CMD...: best wall time of RUNS runs; sets W (wall s), C (cpu s), R (peak RSS KiB)
measure() {
    label=$1
    shift
    W=""
    i=0
    while [ $i -lt "$RUNS" ]; do
        # wall time from the nanosecond clock (time -v rounds to 10 ms), RSS and CPU from time -v
        t0=$(date +%s%N)
        /usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || true
        t1=$(date +%s%N)
        w=$(awk "BEGIN { print ($t1 - $t0) / 1e9 }")
        u=$(awk -F': ' '/User time/ { print $2 }' "$work/time.txt")
        s=$(awk -F': ' '/System time/ { print $2 }' "$work/time.txt")
        r=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")
        if [ -z "$W" ] || awk "BEGIN { exit !($w < $W) }"; then
            W=$w
            C=$(awk "BEGIN { print $u + $s }")
            R=$r
        fi
        i=$((i + 1))
    done
    printf '  %-34s wall %8.3f s  cpu %8.3f s  peak RSS %7.1f MiB\n' "$label" "$W" "$C" "$(awk "BEGIN { print $R / 1024 }")"
}

# read the file once first, so every tool reads it from the page cache
warm() { cat "$1" >/dev/null; }

big() { # big FILE MIB
    f=$1
    mib=$2
    warm "$f"
    echo "$(basename "$f"), $mib MiB:"
    measure "updx analyze --format json" "$updx" analyze --format json "$f"
    uw=$W
    ur=$R
    uc=$C
    if [ -s "$work/anchors-i.txt" ]; then
        measure "rg -F -f anchors (+ -i anchors)" sh -c "rg -c -F -f '$work/anchors.txt' '$f'; rg -c -i -F -f '$work/anchors-i.txt' '$f'"
    else
        measure "rg -c -F -f anchors ($(wc -l <"$work/anchors.txt") literals)" rg -c -F -f "$work/anchors.txt" "$f"
    fi
    rw=$W
    measure "wc -l" wc -l "$f"
    ww=$W
    # every member is hashed (the report lists it; the collector's manifest is checked
    # against it): updx's own SHA-256 of the file alone is the floor for a loose log on one
    # core (coreutils' sha256sum, timed too, may not use the CPU's SHA instructions)
    measure "updx SHA-256 alone (the floor)" "$work/hash_bench" "$f"
    hw=$W
    measure "sha256sum" sha256sum "$f"
    awk -v mib="$mib" -v uw="$uw" -v uc="$uc" -v rw="$rw" -v ww="$ww" -v ur="$ur" -v hw="$hw" 'BEGIN {
        if (uc <= 0) uc = 0.001
        printf "  updx %.0f MiB/s (cpu %.0f MiB/s), rg %.0f MiB/s, wc -l %.0f MiB/s, its SHA-256 alone %.0f MiB/s\n", mib / uw, mib / uc, mib / rw, mib / ww, mib / hw
        printf "  ratio updx/rg time %.2f (target <= 1.0); updx/wc throughput %.3f (target >= 0.333); peak RSS %.1f MiB (target < 64)\n",
               uw / rw, ww / uw, ur / 1024
        printf "  (updx SHA-256 alone)/rg time %.2f: hashing alone takes that long\n\n", hw / rw }'
}

echo "updx benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), best of $RUNS"
echo "updx $("$updx" --version 2>/dev/null || echo '?'), rg $(rg --version 2>/dev/null | sed -n 1p | cut -d' ' -f2)"
echo
big "$work/setupact.log" "$SETUPACT_MB"
big "$work/setupapi.dev.log" "$SETUPAPI_MB"

# --- the same logs zipped, as the collector ships them ---------------------------------------
# A bundle arrives as a zip: updx inflates and analyses in one pass; the other tools get the
# bytes from `unzip -p`, which is what searching a zip with them costs.
mkfixture=$build/tests/tools/mkfixture
if [ -x "$mkfixture" ] && command -v unzip >/dev/null; then
    zdir=$work/zipped
    if [ ! -f "$zdir.zip" ] || [ "$work/setupact.log" -nt "$zdir.zip" ] || [ "$work/setupapi.dev.log" -nt "$zdir.zip" ]; then
        rm -rf "$zdir" "$zdir.zip"
        mkdir -p "$zdir"
        ln "$work/setupact.log" "$zdir/setupact.log" 2>/dev/null || cp "$work/setupact.log" "$zdir/"
        ln "$work/setupapi.dev.log" "$zdir/setupapi.dev.log" 2>/dev/null || cp "$work/setupapi.dev.log" "$zdir/"
        "$mkfixture" dir-zip "$zdir" "$zdir.zip"
    fi
    warm "$zdir.zip"
    echo "both logs in one zip ($(($(wc -c <"$zdir.zip") / 1048576)) MiB compressed, $((SETUPACT_MB + SETUPAPI_MB)) MiB of logs):"
    measure "updx analyze --format json" "$updx" analyze --format json "$zdir.zip"
    uw=$W
    measure "unzip -p | rg -c -F -f anchors" sh -c "unzip -p '$zdir.zip' | rg -c -F -f '$work/anchors.txt'"
    rw=$W
    measure "unzip -p | wc -l" sh -c "unzip -p '$zdir.zip' | wc -l"
    ww=$W
    awk -v uw="$uw" -v rw="$rw" -v ww="$ww" 'BEGIN {
        printf "  ratio updx/(unzip|rg) time %.2f; updx/(unzip|wc -l) time %.2f\n\n", uw / rw, uw / ww }'
fi

# --- many big logs in one bundle: memory must not grow with their number ----------------------
many=$work/many-logs
if [ ! -d "$many" ] || [ "$work/setupact.log" -nt "$many" ]; then
    rm -rf "$many"
    for d in Panther Rollback NewOS; do
        mkdir -p "$many/$d"
        ln "$work/setupact.log" "$many/$d/setupact.log" 2>/dev/null || cp "$work/setupact.log" "$many/$d/"
        ln "$work/setupapi.dev.log" "$many/$d/setupapi.dev.log" 2>/dev/null || cp "$work/setupapi.dev.log" "$many/$d/"
    done
fi
echo "six big logs in one folder bundle (3 x setupact $SETUPACT_MB MiB, 3 x setupapi $SETUPAPI_MB MiB):"
runs=$RUNS
RUNS=1
measure "updx analyze --format json" "$updx" analyze --format json "$many"
RUNS=$runs
echo "  peak RSS target: under 64 MiB whatever the number and size of the logs"
echo

# --- a triage dump ---------------------------------------------------------------------------
dump=$corpus/dumps/rizin-testbins_triage_x64.dmp
if [ -f "$dump" ]; then
    echo "triage dump $(basename "$dump") ($(wc -c <"$dump") bytes):"
    "$work/dump_bench" "$dump" 200 | sed 's/^/  dump_bench: /'
    # whole processes are a few ms: time 20 in a row and divide
    measure "20 x updx analyze (whole process)" sh -c "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do '$updx' analyze --format json '$dump' >/dev/null; done"
    dw=$W
    measure "20 x updx --version (start-up)" sh -c "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do '$updx' --version >/dev/null; done"
    awk -v a="$dw" -v b="$W" 'BEGIN { printf "  per process: analyze %.1f ms, of which start-up %.1f ms\n", a * 50, b * 50 }'
    echo "  target: under 10 ms"
    echo
fi

# --- the fleet -------------------------------------------------------------------------------
fleet=$work/fleet-$FLEET
if [ ! -f "$fleet/.complete" ]; then
    rm -rf "$fleet"
    mkdir -p "$fleet"
    # a 256 KiB new-OS setupact.log of real shapes in every bundle, so bundles are not toy-sized
    "$work/gen_log" "$work/newos-setupact.log" 262144 $act_sources
    i=0
    for_driver() { case $(($1 % 7)) in 0|1|2|3) echo lwfmgr ;; 4) echo npcapflt ;; 5) echo vwifimf ;; *) echo netfilt ;; esac; }
    while [ $i -lt "$FLEET" ]; do
        d=$fleet/pc-$(printf '%05d' $i)
        cp -R "$src/examples/seed-case" "$d"
        cp "$work/newos-setupact.log" "$d/Windows/setupact.log"
        drv=$(for_driver $i)
        if [ "$drv" != lwfmgr ]; then
            for f in $(grep -rl lwfmgr "$d"); do sed "s/lwfmgr/$drv/g" "$f" >"$f.new" && mv "$f.new" "$f"; done
        fi
        printf '{"collector": "bench", "machine": {"ComputerName": "TERM-%05d"}}\n' $i >"$d/manifest.json"
        i=$((i + 1))
    done
    touch "$fleet/.complete"
fi
echo "fleet of $FLEET bundles ($(du -sm "$fleet" | cut -f1) MiB):"
measure "updx fleet --jobs 1" "$updx" fleet --quiet --jobs 1 --format csv "$fleet"
w1=$W
measure "updx fleet --jobs 2" "$updx" fleet --quiet --jobs 2 --format csv "$fleet"
w2=$W
rm -f "$work/fleet.db" "$work/fleet.db-wal" "$work/fleet.db-shm"
measure "updx fleet --jobs 2 --db (new db)" sh -c "rm -f '$work/fleet.db'*; '$updx' fleet --quiet --jobs 2 --db '$work/fleet.db' '$fleet'"
measure "updx fleet --db report" "$updx" fleet --db "$work/fleet.db" --format csv report
measure "updx fleet --db (all skipped)" "$updx" fleet --quiet --db "$work/fleet.db" "$fleet"
awk -v n="$FLEET" -v w1="$w1" -v w2="$w2" 'BEGIN {
    printf "  %.0f bundles/s with 1 worker, %.0f with 2: speed-up %.2fx (target >= 1.8x)\n", n / w1, n / w2, w1 / w2 }'
