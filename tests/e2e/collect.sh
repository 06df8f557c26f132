#!/bin/sh
# collect.sh: `updx collect --root` and `updx redact` end to end on a fake Windows volume laid
# out here (examples/seed-case logs, a Minidump, payload and credential files that must not
# be taken, a log full of names and addresses): the zip verifies, inventory finds the
# manifest with nothing missing or differing, analyze reaches the seed case's findings, and
# the redacted bundles reach the same findings without the secrets.
set -u
: "${UPDX:?}" "${UPDX_TMP:?}" "${UPDX_SOURCE_DIR:?}"
dir="$UPDX_TMP/collect"
rm -rf "$dir"
mkdir -p "$dir"
. "$UPDX_SOURCE_DIR/tests/e2e/checks.inc"
# findings as "rule culprit" lines, order kept
findings() {
    "$UPDX" analyze --format json "$1" | tr -d '\n' | tr -s ' ' |
        grep -o '"rule": "[^"]*", "category": "[^"]*", "culprit": {[^}]*}' |
        sed 's/"category": "[^"]*", //'
}

. "$UPDX_SOURCE_DIR/tests/e2e/collect_tree.inc"
make_tree "$dir/C"
names="alice 10.20.30.40 fe80::1c2d:3e4f:5a6b:7c8d 00-1A-2B-3C-4D-5E S-1-5-21-1111111111-2222222222-3333333333"
if make_hive "$dir/C"; then
    names="$names ALICE-PC corp.example.com"
fi

# --- collect --root ---
mkdir -p "$dir/out"
"$UPDX" collect --root "$dir/C" --out "$dir/out" >"$dir/log" 2>"$dir/err"
check "collect exit 0" test $? = 0
check "collect verified" has "verified: all" "$dir/log"
zip=$(ls "$dir"/out/updx-offline-*.zip 2>/dev/null | head -n 1)
check "zip written" test -n "$zip"
check "zip sha printed" has "SHA-256 of the zip: $(sha256sum "$zip" | cut -c1-64)" "$dir/log"
"$UPDX" inventory "$zip" >"$dir/inv" 2>&1
check "manifest read, nothing missing" has "0 missing, 0 differing" "$dir/inv"
check "setupact rollback" has "Rollback/setupact.log" "$dir/inv"
check "minidump taken" has "Windows/Minidump/Mini050522-01.dmp" "$dir/inv"
check "hive taken offline" has "Windows/System32/config/SYSTEM" "$dir/inv"
check "event log taken offline" has "winevt/Logs/System.evtx" "$dir/inv"
check "no SAM" hasnt "config/SAM" "$dir/inv"
check "no NTUSER" hasnt "NTUSER" "$dir/inv"
check "no esd" hasnt "install.esd" "$dir/inv"
check "no MEMORY.DMP by default" hasnt "MEMORY.DMP" "$dir/inv"
check "no sysprep dll" hasnt "payload.dll" "$dir/inv"
findings "$zip" >"$dir/f-orig"
case "$names" in *corp.example.com*)
    check "computer name from the offline hive" sh -c "unzip -p \"$zip\" manifest.json | grep -q '\"ComputerName\": \"ALICE-PC\"'"
    check "domain from the offline hive" sh -c "unzip -p \"$zip\" manifest.json | grep -q '\"Domain\": \"corp.example.com\"'" ;;
esac
check "seed findings" has '"rule": "driver-crash", "culprit": { "kind": "driver", "name": "lwfmgr.sys"' "$dir/f-orig"

# the manifest catches a member changed after collection
if command -v unzip >/dev/null && command -v zip >/dev/null; then
    mkdir -p "$dir/tamper" && (cd "$dir/tamper" && unzip -q "$zip" &&
        printf 'changed\n' >>'Windows/Panther/UnattendGC/setupact.log' && zip -qr ../tampered.zip .)
    "$UPDX" inventory "$dir/tampered.zip" >"$dir/inv-t" 2>&1
    check "tampered member damaged" has "sha-256 differs from the manifest" "$dir/inv-t"
fi

# --- options ---
"$UPDX" collect --root "$dir/C" --out "$dir/out" --categories bogus >/dev/null 2>"$dir/err"
check "bad category exit 2" test $? = 2
"$UPDX" collect --out "$dir/out" >/dev/null 2>"$dir/err"
check "no root exit 2" test $? = 2
mkdir -p "$dir/mem"
"$UPDX" collect --root "$dir/C" --out "$dir/mem" --categories dumps --memory-dump >"$dir/log-m" 2>&1
"$UPDX" inventory "$dir"/mem/*.zip >"$dir/inv-m" 2>&1
check "memory dump on request" has "MEMORY.DMP" "$dir/inv-m"
check "categories limit" hasnt "setupapi" "$dir/inv-m"
mkdir -p "$dir/cap"
"$UPDX" collect --root "$dir/C" --out "$dir/cap" --max-file-size 1 >"$dir/log-c" 2>&1
check "size cap lists the skipped file" sh -c "unzip -p \"$dir\"/cap/*.zip manifest.json 2>/dev/null | grep -q 'over the size cap' || ! command -v unzip >/dev/null"

# --- redaction: collect --redact and updx redact ---
mkdir -p "$dir/red"
"$UPDX" collect --root "$dir/C" --out "$dir/red" --redact >"$dir/log-r" 2>&1
check "collect --redact exit 0" test $? = 0
rzip=$(ls "$dir"/red/updx-offline-*.zip | head -n 1)
"$UPDX" redact "$zip" --out "$dir/redacted.zip" >"$dir/log-r2" 2>&1
check "redact exit 0" test $? = 0
check "redact verified" has "verified: all" "$dir/log-r2"
for z in "$rzip" "$dir/redacted.zip"; do
    findings "$z" >"$dir/f-red"
    check "same findings after redaction ($z)" cmp -s "$dir/f-orig" "$dir/f-red"
    "$UPDX" inventory "$z" >"$dir/inv-r" 2>&1
    check "redacted manifest verifies ($z)" has "0 missing, 0 differing" "$dir/inv-r"
    if command -v unzip >/dev/null; then
        rm -rf "$dir/x" && mkdir -p "$dir/x" && (cd "$dir/x" && unzip -q "$z")
        for secret in $names; do
            check "no '$secret' in text members of $z" sh -c \
                "! grep -rIl -i -F --exclude='*.dmp' --exclude='*.evtx' --exclude=SYSTEM --exclude=SOFTWARE -e '$secret' '$dir/x'"
        done
        check "placeholder present" grep -rq "USER1" "$dir/x"
        check "sid rid kept" grep -rq "S-1-5-21-0-0-1-1001" "$dir/x"
        check "version kept" grep -rq "DriverVer = 06/21/2006,10.0.1.2" "$dir/x"
        check "summary in manifest" grep -q '"redaction": {"applied": true' "$dir/x/manifest.json"
        check "binary listed unredacted" grep -q '"redacted": false' "$dir/x/manifest.json"
    fi
done
exit $fail
