#!/bin/sh
# `cmake --install` gives a working library: a program built only with
# `pkg-config --cflags --libs libupdx` analyses the seed example through the public API.
set -eu
: "${UPDX:?}" "${UPDX_SOURCE_DIR:?}" "${UPDX_TMP:?}"
if [ "${UPDX_SANITIZED:-0}" = 1 ]; then
    echo "skip: a sanitizer build's library needs the sanitizer runtime in its consumers"
    exit 77
fi
build=${UPDX_BUILD_DIR:-$(dirname "$UPDX")}
tmp="$UPDX_TMP/install"
rm -rf "$tmp"
mkdir -p "$tmp"
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log"
[ -x "$tmp/prefix/bin/updx" ] || { echo "FAIL: updx not installed" >&2; exit 1; }
[ -f "$tmp/prefix/share/man/man1/updx.1" ] || { echo "FAIL: man page not installed" >&2; exit 1; }
cat > "$tmp/consumer.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <updx/updx.h>
int main(int argc, char **argv)
{
    updx_report *r = NULL;
    int rc = updx_report_analyze(argv[1], NULL, NULL, &r);
    char *json = updx_report_json(r);
    int ok = rc >= 0 && json != NULL;
    if (json)
        fputs(json, stdout);
    free(json);
    updx_report_free(r);
    return ok ? 0 : 1;
}
C
PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig:$tmp/prefix/lib64/pkgconfig" \
    cc "$tmp/consumer.c" $(PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig:$tmp/prefix/lib64/pkgconfig" pkg-config --cflags --libs libupdx) \
    -Wl,-rpath,"$tmp/prefix/lib" -o "$tmp/consumer"
"$tmp/consumer" "$UPDX_SOURCE_DIR/examples/seed-case" | jq -e '.findings[0].culprit.name == "lwfmgr.sys"' > /dev/null ||
    { echo "FAIL: the installed library did not reach the seed conclusion" >&2; exit 1; }
echo "install: ok"
