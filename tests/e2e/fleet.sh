#!/bin/sh
# fleet.sh: `updx fleet` end to end over a small fleet built at test time from
# examples/seed-case: machines with the seed case's driver, machines where another driver
# name is substituted in every log, a zipped bundle, a damaged archive and an unreadable
# entry. Checks the grouping, the counts, the formats, the history (skip, report, resume
# after a kill) and the exit codes.
set -u
: "${UPDX:?}" "${UPDX_TMP:?}" "${UPDX_TOOLS:?}" "${UPDX_SOURCE_DIR:?}"
dir="$UPDX_TMP/fleet"
rm -rf "$dir"
mkdir -p "$dir/fleet"
. "$UPDX_SOURCE_DIR/tests/e2e/checks.inc"
status() { # status EXPECTED ARGS...: runs updx fleet, compares the exit code
    want=$1
    shift
    "$UPDX" fleet "$@" >"$dir/out" 2>"$dir/err"
    got=$?
    if [ "$got" != "$want" ]; then
        echo "FAIL: updx fleet $* exited $got, expected $want" >&2
        cat "$dir/err" >&2
        fail=1
    fi
}
count() { # count PATTERN FILE: lines holding PATTERN
    grep -c -- "$1" "$2"
}
seed="$UPDX_SOURCE_DIR/examples/seed-case"
machine() { # machine FOLDER NAME [DRIVER]: a copy of the seed case, optionally another driver
    cp -R "$seed" "$1"
    printf '{"collector": "e2e", "machine": {"ComputerName": "%s"}}\n' "$2" >"$1/manifest.json"
    if [ $# -ge 3 ]; then
        for f in $(grep -rl lwfmgr "$1"); do
            sed "s/lwfmgr/$3/g" "$f" >"$f.new" && mv "$f.new" "$f"
        done
    fi
}

# usage errors: 2
status 2
check "no path message" has "give bundles" "$dir/err"
status 2 --format xml "$seed"
status 2 --jobs 0 "$seed"
status 2 report
check "report needs --db" has "needs --db" "$dir/err"

# the fleet: 5 x lwfmgr (one zipped), 2 x npcapflt, 1 damaged zip, 1 unreadable entry
for i in 1 2 3 4; do machine "$dir/fleet/pc-0$i" "BANK-PC-0$i"; done
machine "$dir/pc-05" "BANK-PC-05"
"$UPDX_TOOLS/mkfixture" dir-zip "$dir/pc-05" "$dir/fleet/pc-05.zip" || { echo "FAIL: mkfixture" >&2; exit 1; }
machine "$dir/fleet/pc-06" "BANK-PC-06" npcapflt
machine "$dir/fleet/pc-07" "BANK-PC-07" npcapflt
head -c 100 "$dir/fleet/pc-05.zip" >"$dir/fleet/pc-08.zip"
ln -s "$dir/does-not-exist.zip" "$dir/fleet/pc-09.zip"

# one run: every bundle found, grouped, the unreadable one listed with its error: exit 1
status 1 --jobs 2 --format csv "$dir/fleet"
check "csv header" has "^machine,bundle,key,status,error,group," "$dir/out"
check "9 machines" test "$(grep -c '^[A-Za-z]' "$dir/out")" -eq 10
check "5 lwfmgr machines" test "$(count ',boot-driver-crash|lwfmgr|0xC1900101-0x30017,' "$dir/out")" -eq 5
check "lwfmgr is group 1 of 5" test "$(count ',1,5,0.5556,boot-driver-crash|lwfmgr|' "$dir/out")" -eq 5
check "2 npcapflt machines" test "$(count ',2,2,0.2222,boot-driver-crash|npcapflt|' "$dir/out")" -eq 2
check "manifest names" has "^BANK-PC-05,.*pc-05.zip," "$dir/out"
check "unreadable recorded" has "^pc-09.zip,.*,unreadable:.*,error,cannot open: No such file" "$dir/out"
check "progress lines" has "updx fleet: 9/9 " "$dir/err"

status 1 --jobs 2 "$dir/fleet"
check "text group" has "5 machines, 55.6% of the fleet" "$dir/out"
check "text remediation" has "Set the value Start of HKLM.*npcapflt to 4" "$dir/out"
check "text examples" has "Examples: BANK-PC-01, BANK-PC-02, BANK-PC-03, BANK-PC-04, BANK-PC-05" "$dir/out"
check "text not analysed" has "Not analysed" "$dir/out"
status 1 --jobs 1 --format md --lang zh "$dir/fleet"
check "md zh" has "5 台，占全部的 55.6%" "$dir/out"
status 1 --format json "$dir/fleet"
check "json schema" has '"schema": "updx.fleet/1"' "$dir/out"
check "json total" has '"machines_total": 9' "$dir/out"

# a single bundle, and only readable ones: exit 0
status 0 --quiet "$seed"
check "quiet" test ! -s "$dir/err"
check "one machine" has "1 machine, 100.0% of the fleet" "$dir/out"

# history: first run stores, second skips, report rebuilds the same view
db="$dir/history.db"
status 1 --db "$db" --format csv "$dir/fleet"
cp "$dir/out" "$dir/first.csv"
check "8 analysed" has "9 bundles: 8 analysed, 0 skipped" "$dir/err"
status 1 --db "$db" --format csv "$dir/fleet"
check "8 skipped" has "9 bundles: 0 analysed, 8 skipped" "$dir/err"
status 0 --db "$db" --format csv report
check "report equals run" cmp -s "$dir/out" "$dir/first.csv"
# a new batch adds to the history
machine "$dir/batch2" "BANK-PC-10" npcapflt
status 0 --db "$db" "$dir/batch2"
check "batch adds" has "3 machines, 30.0% of the fleet" "$dir/out"

# killed in the middle of a run: the next run finishes the job, nothing counted twice
mkdir -p "$dir/big"
i=0
while [ $i -lt 40 ]; do
    machine "$dir/big/m$i" "BIG-$i"
    i=$((i + 1))
done
"$UPDX" fleet --db "$dir/kill.db" --jobs 2 "$dir/big" >/dev/null 2>&1 &
pid=$!
sleep 0.3
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
status 0 --db "$dir/kill.db" --jobs 2 --format csv "$dir/big"
check "resumed: 40 machines" test "$(count ',boot-driver-crash|lwfmgr|' "$dir/out")" -eq 40
check "resumed: counted once" has ",1,40,1.0000," "$dir/out"
status 0 --db "$dir/kill.db" "$dir/big"
check "all skipped after resume" has "40 bundles: 0 analysed, 40 skipped" "$dir/err"

# a file that is not a history
echo "not a database, just text long enough to be looked at by sqlite......" >"$dir/junk.db"
status 3 --db "$dir/junk.db" report

exit $fail
