#!/bin/sh
# Every report validates against docs/report-schema.json: the seed case, an empty folder, a
# damaged archive, and each folder of the shared corpus (when it is present).
set -eu
: "${UPDX:?}" "${UPDX_SOURCE_DIR:?}" "${UPDX_TMP:?}" "${UPDX_TOOLS:?}"
py=/usr/bin/python3
if ! "$py" -c "import jsonschema" 2>/dev/null; then
    echo "skip: python3-jsonschema is not installed (scripts/setup.sh installs it)"
    exit 77
fi
tmp="$UPDX_TMP/schema"
rm -rf "$tmp"
mkdir -p "$tmp/empty"
schema="$UPDX_SOURCE_DIR/docs/report-schema.json"
set -- "$UPDX_SOURCE_DIR/examples/seed-case" "$tmp/empty"
# a damaged archive: the seed case zipped, then cut in the middle
"$UPDX_TOOLS/mkfixture" dir-zip "$UPDX_SOURCE_DIR/examples/seed-case" "$tmp/seed.zip" 2>/dev/null &&
    size=$(wc -c < "$tmp/seed.zip") && head -c $((size / 2)) "$tmp/seed.zip" > "$tmp/seed-cut.zip" &&
    set -- "$@" "$tmp/seed.zip" "$tmp/seed-cut.zip"
if [ -d "${UPDX_CORPUS_DIR:-}" ]; then
    for d in "$UPDX_CORPUS_DIR"/logs/*/ "$UPDX_CORPUS_DIR"/dumps "$UPDX_CORPUS_DIR"/windbg "$UPDX_CORPUS_DIR"/evtx; do
        set -- "$@" "$d"
    done
else
    echo "skip: corpus reports (../shared/corpus absent)"
fi
n=0
for b in "$@"; do
    n=$((n + 1))
    out="$tmp/report-$n.json"
    rc=0
    "$UPDX" analyze --format json "$b" > "$out" 2>/dev/null || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: updx analyze exited $rc on $b" >&2
        exit 1
    fi
    if ! "$py" -m jsonschema -i "$out" "$schema" > "$tmp/err-$n.txt" 2>&1; then
        echo "FAIL: report of $b does not validate:" >&2
        head -20 "$tmp/err-$n.txt" >&2
        exit 1
    fi
done
# the check itself must be able to fail: a report with an unknown outcome is rejected
jq '.upgrade.outcome = "maybe"' "$tmp/report-1.json" > "$tmp/broken.json"
if "$py" -m jsonschema -i "$tmp/broken.json" "$schema" > /dev/null 2>&1; then
    echo "FAIL: the schema accepted an unknown outcome" >&2
    exit 1
fi
echo "$n reports valid"
