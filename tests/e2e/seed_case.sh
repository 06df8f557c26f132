#!/bin/sh
# The seed case end to end: examples/seed-case must reach the seed expert's conclusion and
# remediation in English and Chinese, the JSON must carry the contract's fields, the
# committed dump must be what the builder makes, and --remedy must write the scripts.
set -eu
: "${UPDX:?}" "${UPDX_SOURCE_DIR:?}" "${UPDX_TMP:?}" "${UPDX_TOOLS:?}"
tmp="$UPDX_TMP/seed_case"
rm -rf "$tmp"
mkdir -p "$tmp"
ex="$UPDX_SOURCE_DIR/examples/seed-case"
fail() { echo "FAIL: $*" >&2; exit 1; }

# the example's binary parts are exactly what the project's builders make
"$UPDX_TOOLS/mkseed" "$tmp/built"
for f in Windows/Minidump/050622-10468-01.dmp Windows/System32/config/SYSTEM Windows/System32/config/SOFTWARE; do
    cmp "$tmp/built/$f" "$ex/$f" || fail "examples/seed-case/$f differs from tests/tools/mkseed output"
done

"$UPDX" analyze --format json "$ex" > "$tmp/report.json"
j() { jq -r "$1" "$tmp/report.json"; }
[ "$(j .schema)" = "updx.report/1" ] || fail "schema"
[ "$(j .upgrade.outcome)" = "rolled_back" ] || fail "outcome $(j .upgrade.outcome)"
[ "$(j .upgrade.result_code)" = "0xC1900101" ] || fail "result_code"
[ "$(j .upgrade.extended_code)" = "0x30017" ] || fail "extended_code"
[ "$(j .upgrade.phase)" = "FIRST_BOOT" ] || fail "phase"
[ "$(j '.upgrade.attempts | length')" = "2" ] || fail "attempts"
[ "$(j '.findings[0].culprit.name')" = "lwfmgr.sys" ] || fail "top culprit $(j '.findings[0].culprit.name')"
[ "$(j '.findings[0].culprit.service')" = "lwfmgr" ] || fail "top service"
[ "$(j '.findings[0].category')" = "driver" ] || fail "category"
[ "$(j '[.findings[] | .culprit.name] | index("vwifimf.sys")')" = "1" ] || fail "vwifimf second"
[ "$(j '.findings[0].remediation.registry[0].value')" = "Start" ] || fail "registry value"
[ "$(j '.findings[0].remediation.registry[0].set')" = "4" ] || fail "registry set"
[ "$(j '[.crashes[] | select(.blamed_module == "lwfmgr.sys")] | length')" = "3" ] || fail "three crash sources"
[ "$(j '.bundle.damaged | length')" = "0" ] || fail "damaged"
# every finding's evidence cites a file and a line or offset
[ "$(j '[.findings[].evidence[] | select(.file == "" or ((.line == null) and (.offset == null)))] | length')" = "0" ] ||
    fail "evidence without place"

"$UPDX" analyze --lang en "$ex" > "$tmp/en.txt"
"$UPDX" analyze --lang zh "$ex" > "$tmp/zh.txt"
"$UPDX" analyze --summary --lang zh "$ex" > "$tmp/summary.zh.txt"
"$UPDX" analyze --format md "$ex" > "$tmp/report.md"
grep -q "NdisFDeregisterFilterDriver" "$tmp/en.txt" || fail "en: ndis frame"
grep -q "Start of HKLM.SYSTEM.CurrentControlSet.Services.lwfmgr to 4" "$tmp/en.txt" || fail "en: Start=4 step"
grep -q "do the same for vwifimf" "$tmp/en.txt" || fail "en: second driver step"
grep -q "Start 值改为 4" "$tmp/zh.txt" || fail "zh: Start=4 step"
grep -q "问题描述" "$tmp/summary.zh.txt" && grep -q "建议操作" "$tmp/summary.zh.txt" || fail "zh summary sections"
grep -q "^## " "$tmp/report.md" || fail "markdown headings"

# deterministic: the same input gives the same bytes
"$UPDX" analyze --format json "$ex" | cmp - "$tmp/report.json" || fail "JSON not deterministic"

# remediation scripts, written inside the folder only
"$UPDX" analyze --remedy "$tmp/remedy" "$ex" > /dev/null 2> "$tmp/remedy.err"
for f in apply.reg restore.reg updx-remedy.cmd updx-remedy.ps1 README.txt; do
    [ -s "$tmp/remedy/$f" ] || fail "remedy: $f missing"
done
[ -d "$tmp/remedy/2-vwifimf" ] || fail "remedy: second driver folder"
grep -q '"Start"=dword:00000004' "$tmp/remedy/apply.reg" || fail "apply.reg"
echo "seed case: ok"
