#!/bin/sh
# The README's first command: installs what is missing, builds updx and analyses the bundled
# example case (examples/seed-case: the bank terminal whose upgrade rolled back), in English,
# then prints the case summary in Chinese and writes the remediation scripts to out/remedy.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
./build/updx analyze examples/seed-case
echo
./build/updx analyze --summary --lang zh --remedy out/remedy examples/seed-case
