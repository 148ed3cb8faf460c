#!/usr/bin/env bash
# One entry point for the README's two commands:
#   bash packaging/dev.sh run    install, build (Release) and launch the app on the embedded model
#   bash packaging/dev.sh test   install, build and run the whole test suite
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-}"
case "$mode" in run|test) ;; *) echo "usage: $0 run|test" >&2; exit 2 ;; esac

bash packaging/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"

if [ "$mode" = run ]; then
  exec build/app/gui/neuronscope "${@:2}"
fi
cd build
# The test against a real llama.cpp server builds that server first (minutes): it runs apart,
# under its own label (.ci/run runs it after the suite; by hand: ctest -L llm-server).
QT_QPA_PLATFORM=offscreen ctest -j2 -LE llm-server --output-on-failure
