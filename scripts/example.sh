#!/bin/sh
# The README's first command: installs what is missing, builds updx and runs it on the
# bundled example case.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
./build/updx cat --number examples/README.txt
