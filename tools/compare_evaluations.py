#!/usr/bin/env python3
"""Two evaluations of the same seed on the neurons they share, layer by layer: what a change
moved (loop and single-pass r, the gain at equal length, novel-token r, modes, length).
   tools/compare_evaluations.py BEFORE_DIR AFTER_DIR   (each with layerL.json from evaluate)"""
import json
import os
import sys


def load(root, layer):
    try:
        return {n["neuron"]: n for n in json.load(open(os.path.join(root, f"layer{layer}.json")))["neurons"]}
    except (OSError, ValueError):
        return None


def mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def f(v, sign=False):
    return "n/a" if v is None else (f"{v:+.3f}" if sign else f"{v:.3f}")


before_dir, after_dir = sys.argv[1], sys.argv[2]
print("| layer | neurons | loop before / after | single-pass before / after | gain before / after | novel-token r loop before / after | novel-token r single-pass before / after | modes before / after |")
print("|---|---|---|---|---|---|---|---|")
for layer in range(4):
    before, after = load(before_dir, layer), load(after_dir, layer)
    if not before or not after:
        continue
    shared = sorted(set(before) & set(after))
    if not shared:
        continue
    row = [str(layer), str(len(shared))]
    for key in ("score", "baseline_score"):
        row.append(f"{f(mean(before[n][key] for n in shared))} / {f(mean(after[n][key] for n in shared))}")
    gain = lambda d: mean(d[n]["score"] - d[n]["baseline_score"] for n in shared)
    row.append(f"{f(gain(before), True)} / **{f(gain(after), True)}**")
    for key in ("novel_score", "baseline_novel_score"):
        row.append(f"{f(mean(before[n][key] for n in shared))} / {f(mean(after[n][key] for n in shared))}")
    row.append(f"{f(mean(before[n]['modes'] for n in shared))} / {f(mean(after[n]['modes'] for n in shared))}")
    print("| " + " | ".join(row) + " |")
