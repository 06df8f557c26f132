#!/bin/sh
# collect_wine.sh: updx-collect.exe (cross-built with mingw-w64) run under Wine against a fake
# Windows C: drive laid out in a throwaway WINEPREFIX under the build folder; then `updx
# inventory` and `updx analyze` read its zip and the manifest hashes are verified. Wine
# cannot save regf hives nor export event logs (docs/collector.md), so the test asserts the
# fallbacks: the errors are listed, the Services key comes as a `reg export`. One Wine
# prefix (one slow first start) per run. Skipped (77) without mingw-w64 or wine.
set -u
: "${UPDX:?}" "${UPDX_TMP:?}" "${UPDX_SOURCE_DIR:?}"
exe=${UPDX_COLLECT_EXE:-}
if [ -z "$exe" ] || [ ! -f "$exe" ]; then
    echo "skip: updx-collect.exe not built (install gcc-mingw-w64-x86-64 and libz-mingw-w64-dev)"
    exit 77
fi
if ! command -v wine >/dev/null 2>&1; then
    echo "skip: wine is not installed (apt-get install wine64 wine)"
    exit 77
fi
dir="$UPDX_TMP/collect-wine"
rm -rf "$dir"
mkdir -p "$dir/out" "$dir/red"
fail=0
check() {
    what=$1
    shift
    if ! "$@"; then
        echo "FAIL: $what" >&2
        fail=1
    fi
}
has() { grep -q -- "$1" "$2"; }
hasnt() { ! grep -q -- "$1" "$2"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

WINEPREFIX="$dir/prefix"
WINEDEBUG=-all
WINEDLLOVERRIDES="mscoree,mshtml="
export WINEPREFIX WINEDEBUG WINEDLLOVERRIDES
t0=$(now)
wine wineboot -i >/dev/null 2>&1
wine winecfg -v win10 >/dev/null 2>&1
t1=$(now)
echo "wine prefix created and set to Windows 10 in $(elapsed "$t0" "$t1") s"

. "$UPDX_SOURCE_DIR/tests/e2e/collect_tree.inc"
c="$WINEPREFIX/drive_c"
make_tree "$dir/tree"
# the fake volume becomes C: (the prefix's own windows folder stays; ours merges into it)
cp -R "$dir/tree/." "$c/"
zout=$(printf 'Z:%s' "$dir/out" | tr '/' '\\')
t2=$(now)
wine "$exe" --out "$zout" >"$dir/log" 2>"$dir/err"
rc=$?
t3=$(now)
echo "updx-collect.exe ran in $(elapsed "$t2" "$t3") s (exit $rc)"
check "exe exit 0" test "$rc" = 0
check "exe verified" has "verified: .* all .* SHA-256 hashes match the manifest" "$dir/log"
check "exe progress" has "Rollback.setupact.log" "$dir/log"
zip=$(ls "$dir"/out/updx-*.zip 2>/dev/null | head -n 1)
check "zip named after the computer" test -n "$zip"
check "zip sha printed" has "SHA-256 of the zip: $(sha256sum "$zip" | cut -c1-64)" "$dir/log"
"$UPDX" inventory "$zip" >"$dir/inv" 2>&1
check "inventory exit 0" test $? = 0
check "manifest hashes verified" has "0 missing, 0 differing" "$dir/inv"
check "0 damaged" has " 0 damaged" "$dir/inv"
check "panther" has "Sources/Panther/setupact.log" "$dir/inv"
check "rollback" has "Sources/Rollback/setupact.log" "$dir/inv"
check "unattendgc" has "Panther/UnattendGC/setupact.log" "$dir/inv"
check "setupapi" has "setupapi.upgrade.log" "$dir/inv"
check "minidump" has "Minidump/Mini050522-01.dmp" "$dir/inv"
check "cbs" has "Logs/CBS/CBS.log" "$dir/inv"
check "services export (hive fallback)" has "registry/Services.reg" "$dir/inv"
check "services from the registry" has "system/services.tsv" "$dir/inv"
check "processes" has "system/processes.tsv" "$dir/inv"
check "no SAM" hasnt "config/SAM" "$dir/inv"
check "no NTUSER" hasnt "NTUSER" "$dir/inv"
check "no esd" hasnt "install.esd" "$dir/inv"
check "no dll" hasnt "payload.dll" "$dir/inv"
check "no MEMORY.DMP" hasnt "MEMORY.DMP" "$dir/inv"
if command -v unzip >/dev/null; then
    check "unzip -t" sh -c "unzip -tq \"$zip\" >/dev/null"
    unzip -p "$zip" manifest.json >"$dir/manifest.json"
    check "hive fallback listed" has "RegSaveKeyEx wrote no regf hive" "$dir/manifest.json"
    check "event export fallback listed" has "EvtExportLog failed" "$dir/manifest.json"
    check "missing command listed" has "command not found on this system" "$dir/manifest.json"
    check "os version from RtlGetVersion" has '"OSVersion": "10.0.' "$dir/manifest.json"
    check "original path" has '"original_path": "C:\\\\$WINDOWS.~BT\\\\Sources\\\\Rollback\\\\setupact.log"' "$dir/manifest.json"
    # the collected copy is the file on the fake drive, byte for byte
    want=$(sha256sum "$c/\$WINDOWS.~BT/Sources/Rollback/setupact.log" | cut -c1-64)
    check "rollback hash" has "$want" "$dir/manifest.json"
fi
"$UPDX" analyze --format json "$zip" | tr -d '\n' | tr -s ' ' >"$dir/analysis"
check "analysis finds the seed driver" has '"rule": "driver-crash", "category": "driver", "culprit": { "kind": "driver", "name": "lwfmgr.sys"' "$dir/analysis"

# offline mode and redaction under Wine: C:\ as if it were a mounted volume
t4=$(now)
wine "$exe" --root 'C:\' --redact --categories upgrade,dumps --out "$(printf 'Z:%s' "$dir/red" | tr '/' '\\')" >"$dir/log-r" 2>&1
rc=$?
t5=$(now)
echo "updx-collect.exe --root --redact ran in $(elapsed "$t4" "$t5") s (exit $rc)"
check "redact run exit 0" test "$rc" = 0
rzip=$(ls "$dir"/red/updx-redacted-*.zip 2>/dev/null | head -n 1)
check "redacted zip named without the computer" test -n "$rzip"
"$UPDX" inventory "$rzip" >"$dir/inv-r" 2>&1
check "redacted manifest verified" has "0 missing, 0 differing" "$dir/inv-r"
if command -v unzip >/dev/null; then
    unzip -p "$rzip" 'Windows/Panther/UnattendGC/setupact.log' >"$dir/unattend" 2>/dev/null
    check "user redacted" hasnt "alice" "$dir/unattend"
    check "ip redacted" hasnt "10.20.30.40" "$dir/unattend"
    check "mac redacted" hasnt "00-1A-2B-3C-4D-5E" "$dir/unattend"
fi
"$UPDX" analyze --format json "$rzip" | tr -d '\n' | tr -s ' ' >"$dir/analysis-r"
check "redacted analysis finds the seed driver" has '"name": "lwfmgr.sys"' "$dir/analysis-r"

wineserver -k >/dev/null 2>&1
# the prefix is ~700 MB: keep the disk free for the next run
rm -rf "$WINEPREFIX"
echo "wine test total $(elapsed "$t0" "$(now)") s"
exit $fail
