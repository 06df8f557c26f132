#!/bin/sh
# inventory.sh: `updx inventory` end to end: fixture bundles built at test time (nested,
# truncated, central directory gone, GBK and UTF-16 members, hostile names, a zip bomb),
# a corpus folder and the same folder zipped; text and JSON output and exit codes.
set -u
: "${UPDX:?}" "${UPDX_TMP:?}" "${UPDX_TOOLS:?}"
dir="$UPDX_TMP/inventory"
rm -rf "$dir"
mkdir -p "$dir"
fail=0
check() { # check WHAT COMMAND...: runs a test command, reports failures
    what=$1
    shift
    if ! "$@"; then
        echo "FAIL: $what" >&2
        fail=1
    fi
}
has() { grep -q -- "$1" "$2"; }
status() { # status EXPECTED ARGS...: runs updx inventory and compares the exit code
    want=$1
    shift
    "$UPDX" inventory "$@" >"$dir/out" 2>"$dir/err"
    got=$?
    if [ "$got" != "$want" ]; then
        echo "FAIL: updx inventory $* exited $got, expected $want" >&2
        cat "$dir/err" >&2
        fail=1
    fi
}

"$UPDX_TOOLS/mkfixture" set "$dir" || { echo "FAIL: mkfixture" >&2; exit 1; }

# bad command lines: 2, with a message naming the problem
status 2
check "no bundle message" has "no BUNDLE given" "$dir/err"
status 2 --format xml "$dir/nested.zip"
check "bad format message" has "unknown format 'xml'" "$dir/err"
status 2 --max-depth many "$dir/nested.zip"
status 2 --bogus "$dir/nested.zip"
status 2 "$dir/nested.zip" "$dir/enc.zip"

# nothing readable: 3, stderr names the file
status 3 "$dir/does-not-exist.zip"
check "missing file named" has "does-not-exist.zip" "$dir/err"
status 3 "$dir/junk.zip"
check "junk named on stderr" has "junk.zip" "$dir/err"
status 3 --format json "$dir/junk.zip"

# nested: members of the inner zip are listed under its name
status 0 "$dir/nested.zip"
check "nested member" has "case/inner.zip/Windows/Panther/setuperr.log" "$dir/out"
check "nested phase" has "(windows-panther)" "$dir/out"

# truncated and central-directory-less zips: exit 0, damage listed
status 0 "$dir/truncated.zip"
check "truncated: damaged section" has "^damaged:" "$dir/out"
check "truncated: first member whole" has "setupact.log  (downlevel)" "$dir/out"
status 0 --format json "$dir/truncated.zip"
check "json schema" has '"schema": "updx.report/1"' "$dir/out"
check "json damaged error" has '"error": ' "$dir/out"
status 0 "$dir/nocd.zip"
check "nocd: central directory note" has "central directory is missing" "$dir/out"
check "nocd: all three members whole" has "^3 members, 240053 bytes, 0 damaged" "$dir/out"

# encodings inside a zip
status 0 "$dir/enc.zip"
check "gbk encoding" has "gb18030" "$dir/out"
check "utf-16 encoding" has "utf-16le" "$dir/out"
check "utf-16 reg export" has "^reg_export" "$dir/out"

# hostile names, bombs, other formats
status 0 "$dir/hostile.tar"
check "hostile: parent dir" has "parent-directory part" "$dir/out"
check "hostile: device" has "device name" "$dir/out"
check "hostile: symlink" has "symbolic link entry" "$dir/out"
status 0 --max-ratio 100 "$dir/bomb.zip"
check "bomb: limit" has "zip bomb" "$dir/out"
status 0 "$dir/logs.7z"
check "7z members" has "^3 members" "$dir/out"
status 0 "$dir/logs.tgz"
check "tgz rollback" has "(rollback)" "$dir/out"
status 0 --max-members 2 "$dir/logs.tgz"
check "member cap" has "max-members" "$dir/out"

# the corpus: a folder and the same folder zipped list the same members
if [ -f "${UPDX_CORPUS_DIR:-/nonexistent}/logs/SOURCES.md" ]; then
    status 0 "$UPDX_CORPUS_DIR/logs"
    cp "$dir/out" "$dir/folder.txt"
    "$UPDX_TOOLS/mkfixture" dir-zip "$UPDX_CORPUS_DIR/logs" "$dir/logs.zip"
    status 0 "$dir/logs.zip"
    check "zipped corpus lists the same" cmp -s "$dir/folder.txt" "$dir/out"
    check "corpus member count" has "^51 members" "$dir/out"
    check "corpus rollback log" has "baslr-w10-rollback/Rollback/setupact.log  (rollback)" "$dir/out"
    status 0 --format json "$dir/logs.zip"
    check "json member" has '"kind": "setupapi"' "$dir/out"
else
    echo "skip: corpus not found; corpus checks not run"
fi
exit $fail
