#!/usr/bin/env bash
# The README's agent-loop figures: `neuronscope-cli evaluate` on random neurons of every layer
# of the embedded model, built-in backend. One JSON file per layer (a stop loses one layer):
#   layerL.json          SAMPLE neurons at the default length budget (16)
#   budgets_layerL.json  CURVE_SAMPLE of them (the first ones of the same shuffle) at 8, 16, 32
#   tools/evaluate_default_model.sh [BUILD_DIR] [OUT_DIR]   (env: SEED, SAMPLE, CURVE_SAMPLE)
set -euo pipefail
build=${1:-build}
out=${2:-tools/work/evaluate}
seed=${SEED:-2}
sample=${SAMPLE:-50}
curve=${CURVE_SAMPLE:-16}
mkdir -p "$out"
export OMP_NUM_THREADS=1
for layer in 0 1 2 3; do
  "$build/app/cli/neuronscope-cli" evaluate --db "$out/cache.sqlite" --layer "$layer" --sample "$sample" --seed "$seed" \
    > "$out/layer$layer.json"
  "$build/app/cli/neuronscope-cli" evaluate --db "$out/cache.sqlite" --layer "$layer" --sample "$curve" --seed "$seed" \
    --budgets 8,16,32 > "$out/budgets_layer$layer.json"
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); s=d['summary']; print('layer', d['layer'], ' '.join(f'{k}={v:.3f}' for k,v in s.items() if isinstance(v,float)))" "$out/layer$layer.json"
done
