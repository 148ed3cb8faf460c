#!/usr/bin/env bash
# Named scenario pictures of the explorer at 1600x1000 and 1366x768, and the PDF report's pages:
# the embedded model, one neuron explained by the built-in backend (one run, reused through
# the cache by every later picture), decisions about its modes, the run of another neuron in
# the background, own text with the explanation's simulation. Runs under Xvfb with a fresh
# settings directory, so no window layout of an earlier session is restored.
#   tools/screenshots.sh [BUILD_DIR] [OUT_DIR] [L/N]
# Writes OUT_DIR/<width>x<height>/<scenario>.png and OUT_DIR/report-<page>.png. The environment
# may name the neuron run in the background (NEURONSCOPE_BACKGROUND_NEURON) and the own text
# (NEURONSCOPE_OWN_TEXT; the default suits 1/5, which fires on ' d', 'val', 'int').
set -euo pipefail
build=${1:-build}
out=${2:-docs/screenshots}
neuron=${3:-1/5}
other=${NEURONSCOPE_BACKGROUND_NEURON:-1/6}  # explained in the background, a real run each time
app="$build/app/gui/neuronscope"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/cache.sqlite"
export XDG_CONFIG_HOME="$work/config" XDG_RUNTIME_DIR="$work/runtime"
mkdir -m 700 "$XDG_RUNTIME_DIR"
size=1600x1000
gui() { xvfb-run -a -s "-screen 0 ${size}x24" "$app" --db "$db" --window-size "$size" "$@"; }
shot() {  # shot NAME ARGS...: one picture, its path printed
  local name=$1
  shift
  mkdir -p "$out/$size"
  gui "$@" --screenshot "$out/$size/$name.png" || return 1
  echo "$out/$size/$name.png"
}

# The run, once (the first picture); every later picture reads it from the cache. The number
# of modes it found decides which decisions can be shown.
shot explained --neuron "$neuron" --explain --tab Explanations
modes=$(python3 -c '
import sqlite3, sys
layer, index = map(int, sys.argv[2].split("/"))
row = sqlite3.connect(sys.argv[1]).execute("SELECT mode_count FROM explanations WHERE layer = ? AND neuron_index = ?"
                                           " ORDER BY id DESC LIMIT 1", (layer, index)).fetchone()
print(row[0] if row else 0)' "$db" "$neuron")
edit="Words that open a quotation or a title"
case "$modes" in
  0) decide=() ;;
  1) decide=(--edit "1=$edit") ;;
  2) decide=(--approve 1 --edit "2=$edit") ;;
  *) decide=(--approve 1 --edit "2=$edit" --reject 3) ;;
esac

for size in 1600x1000 1366x768; do
  [ "$size" = 1600x1000 ] || shot explained --neuron "$neuron" --tab Explanations
  # Decisions are kept in the cache: made once, shown at both sizes (the browser's Status column).
  if [ "$size" = 1600x1000 ]; then shot decisions --neuron "$neuron" --tab Explanations "${decide[@]}"
  else shot decisions --neuron "$neuron" --tab Explanations; fi
  shot background --neuron "$neuron" --background "$other" --tab Exemplars
  shot modes_map --neuron "$neuron" --tab Modes
  shot own_text --neuron "$neuron" --tab "Own text" --own-text "${NEURONSCOPE_OWN_TEXT:-int d = rel(val, t); printf(\"%d %s\", d, res);}"
  shot transcript --neuron "$neuron" --tab Transcript
  shot refinement --neuron "$neuron" --tab Refinement
done

# Explanations other tools wrote, scored and listed next to NeuronScope's own.
size=1600x1000
shot imported --neuron "$neuron" --import tools/example_imports.jsonl

# The PDF as a colleague receives it, decisions included; one PNG per page.
gui --neuron "$neuron" --report "$work/report.pdf"
rm -f "$out"/report-*.png
pdftoppm -png -r 80 "$work/report.pdf" "$out/report"
ls "$out"/report-*.png
