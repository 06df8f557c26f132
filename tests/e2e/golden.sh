#!/bin/sh
# Golden end-to-end tests: for each case under tests/golden/ (a bundle/ folder, or a
# bundle.path naming one relative to the source tree), the JSON report (tool version
# removed) and the English and Chinese text reports must equal the committed expected files.
# A changed expectation shows as a unified diff. To accept new output after a deliberate
# change: UPDX_GOLDEN_UPDATE=1 ctest -R golden, then review `git diff tests/golden`.
set -eu
: "${UPDX:?}" "${UPDX_SOURCE_DIR:?}" "${UPDX_TMP:?}"
cd "$UPDX_SOURCE_DIR"
tmp="$UPDX_TMP/golden"
rm -rf "$tmp"
mkdir -p "$tmp"
failed=0
cases=0
for dir in tests/golden/*/; do
    name=$(basename "$dir")
    if [ -f "$dir/bundle.path" ]; then
        bundle=$(cat "$dir/bundle.path")
    else
        bundle="${dir}bundle"
    fi
    cases=$((cases + 1))
    "$UPDX" analyze --format json "$bundle" | jq 'del(.tool.version)' > "$tmp/$name.json"
    # the first line names the tool's version: keep it out of the comparison
    "$UPDX" analyze --lang en --color never "$bundle" | sed '1s/ [0-9][0-9.a-z-]*: / VERSION: /' > "$tmp/$name.en.txt"
    "$UPDX" analyze --lang zh --color never "$bundle" | sed '1s/ [0-9][0-9.a-z-]*: / VERSION: /' > "$tmp/$name.zh.txt"
    for kind in json en.txt zh.txt; do
        want="$dir/expected.$kind"
        got="$tmp/$name.$kind"
        if [ "${UPDX_GOLDEN_UPDATE:-}" = 1 ]; then
            cp "$got" "$want"
        elif ! diff -u "$want" "$got" > "$tmp/$name.$kind.diff"; then
            echo "FAIL: golden case $name ($kind) differs:" >&2
            head -60 "$tmp/$name.$kind.diff" >&2
            failed=$((failed + 1))
        fi
    done
done
[ "$cases" -gt 0 ] || { echo "FAIL: no golden cases" >&2; exit 1; }
if [ "$failed" -ne 0 ]; then
    echo "$failed golden comparisons failed (UPDX_GOLDEN_UPDATE=1 accepts new output)" >&2
    exit 1
fi
echo "$cases golden cases match"
