#!/usr/bin/env bash
# Screenshots of the explorer's main views, for the README: the embedded model, one neuron,
# explained by the built-in backend, with two hand-written explanations imported next to it
# (tools/example_imports.jsonl). Runs under Xvfb when there is no display.
#   tools/screenshots.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
build=${1:-build}
out=${2:-docs/screenshots}
db=$(mktemp -d)/cache.sqlite
mkdir -p "$out"
run() { if [ -n "${DISPLAY:-}" ]; then "$@"; else xvfb-run -a -s "-screen 0 1400x900x24" "$@"; fi; }
run "$build/app/gui/neuronscope" --db "$db" --neuron 1/5 --explain --import tools/example_imports.jsonl --screenshot "$out/imported.png"
echo "$out/imported.png"
for tab in Exemplars Refinement Modes Explanations "Histogram & outputs" Transcript; do
  name=$(echo "$tab" | tr 'A-Z &' 'a-z__' | tr -s _)
  run "$build/app/gui/neuronscope" --db "$db" --neuron 1/5 --explain --tab "$tab" --screenshot "$out/$name.png"
  echo "$out/$name.png"
done
