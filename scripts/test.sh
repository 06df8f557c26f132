#!/bin/sh
# The README's test command: installs what is missing, builds with gcc and runs every test,
# runs the end-to-end tests and the hostile-bundle suite under valgrind (memcheck, leaks),
# then builds with clang under AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer
# on) and runs every test again. Third-party leaks that are not ours are suppressed, each
# one documented: tests/hostile/lsan.supp and tests/hostile/valgrind.supp.
# UPDX_NO_VALGRIND=1 skips the valgrind step (it takes a few minutes on 2 cores).
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
sh scripts/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)

echo "== gcc build and tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

if [ "${UPDX_NO_VALGRIND:-0}" != 1 ] && command -v valgrind >/dev/null 2>&1; then
    echo "== valgrind: end-to-end tests and the hostile suite (quick) on the gcc build"
    vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"
    vg="$vg --suppressions=$root/tests/hostile/valgrind.supp"
    vgdir="$root/build/valgrind"
    rm -rf "$vgdir"
    mkdir -p "$vgdir/tmp" "$vgdir/hostile"
    # the e2e scripts run $UPDX: make it valgrind around the real binary
    printf '#!/bin/sh\nexec %s %s "$@"\n' "$vg" "$root/build/updx" >"$vgdir/updx"
    chmod +x "$vgdir/updx"
    for script in tests/e2e/*.sh; do
        echo "-- $script"
        rc=0
        UPDX="$vgdir/updx" UPDX_SOURCE_DIR="$root" UPDX_CORPUS_DIR="$root/../shared/corpus" \
            UPDX_TMP="$vgdir/tmp" UPDX_TOOLS="$root/build/tests/tools" UPDX_BUILD_DIR="$root/build" sh "$script" || rc=$?
        # 77 is a test's "skipped" (as under ctest); anything else non-zero fails the run
        if [ "$rc" -eq 77 ]; then
            echo "   (skipped)"
        elif [ "$rc" -ne 0 ]; then
            echo "FAIL: $script under valgrind (exit $rc)" >&2
            exit 1
        fi
    done
    echo "-- hostile suite"
    UPDX_HOSTILE_WRAPPER="$vg" UPDX_HOSTILE_QUICK=1 UPDX_HOSTILE_TMP="$vgdir/hostile" \
        build/tests/hostile build/updx
fi

echo "== clang ASan+UBSan build and tests"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DUPDX_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    LSAN_OPTIONS="suppressions=$root/tests/hostile/lsan.supp:print_suppressions=0" \
    ctest --test-dir build-asan --output-on-failure -j "$jobs"
