#!/usr/bin/env bash
# Reproduces resources/model from the project's corpus: the tokenizer first (then frozen), then
# the model. Resumable: run it again after a stop and training continues from its checkpoint.
# Usage: tools/train_default_model.sh [CORPUS_DIR]   (default ../shared/corpus; needs a build)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-../shared/corpus}"
work=tools/work
cli=build/app/cli/neuronscope-cli
mkdir -p "$work" resources/model
[ -f "$work/train.txt" ] || gzip -dc "$corpus/train.txt.gz" > "$work/train.txt"
[ -f "$work/valid.txt" ] || gzip -dc "$corpus/valid.txt.gz" > "$work/valid.txt"
if [ ! -f resources/model/merges.txt ]; then
  "$cli" train-tokenizer --text "$work/train.txt" --out resources/model --vocab-size 8192
fi
"$cli" train --text "$work/train.txt" --valid "$work/valid.txt" \
  --tokenizer resources/model --out resources/model --checkpoints "$work/ckpt" \
  --layers 4 --d-model 256 --d-mlp 1024 --heads 4 --context 256 --batch 16 \
  --steps 3200 --warmup 100 --lr 0.0015 --min-lr 0.00015 --weight-decay 0.1 --seed 1234 \
  --checkpoint-every 100
