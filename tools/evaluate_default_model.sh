#!/usr/bin/env bash
# The README's agent-loop figures: `neuronscope-cli evaluate` on 50 random neurons of every
# layer of the embedded model, built-in backend, seed 0. Writes one JSON file per layer.
#   tools/evaluate_default_model.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
build=${1:-build}
out=${2:-tools/work/evaluate}
mkdir -p "$out"
for layer in 0 1 2 3; do
  "$build/app/cli/neuronscope-cli" evaluate --db "$out/cache.sqlite" --layer "$layer" --sample 50 --seed 0 \
    > "$out/layer$layer.json"
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); s=d['summary']; print('layer', d['layer'], ' '.join(f'{k}={v:.3f}' for k,v in s.items()))" "$out/layer$layer.json"
done
