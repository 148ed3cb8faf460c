#!/usr/bin/env python3
"""The README's evaluation tables from evaluate's JSON (tools/evaluate_default_model.sh):
   tools/evaluation_table.py [DIR]   (default docs/evaluation)"""
import json
import os
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "docs/evaluation"


def load(name):
    """The file's JSON, or None while it is missing or still being written."""
    try:
        return json.load(open(os.path.join(root, name)))
    except (OSError, ValueError):
        return None


def f(v, sign=False):
    return "n/a" if v is None else (f"{v:+.3f}" if sign else f"{v:.3f}")


layers = [(l, load(f"layer{l}.json")) for l in range(4)]
layers = [(l, d) for l, d in layers if d]
print("| layer | neurons | loop | single-pass (equal length) | gain | former single-pass (12 tokens) | loop wins | length loop / single-pass | modes (mean; histogram) | s per neuron |")
print("|---|---|---|---|---|---|---|---|---|---|")
for l, d in layers:
    s = d["summary"]
    hist = ", ".join(f"{k}: {v}" for k, v in sorted(s["modes_histogram"].items(), key=lambda kv: int(kv[0])))
    print(f"| {l} | {len(d['neurons'])} | {f(s['loop_mean'])} | {f(s['baseline_mean'])} | **{f(s['gain_at_equal_length'], True)}** | "
          f"{f(s['baseline_per_mode_budget_mean'])} | {100 * s['loop_win_rate']:.0f}% | {s['mean_length']:.1f} / {s['baseline_mean_length']:.1f} | "
          f"{s['mean_modes']:.2f}; {hist} | {s['seconds_per_neuron']:.1f} |")
print()
print("| layer | novel-token r loop / single-pass | F1 loop / single-pass | AUPRC loop / single-pass | random-only r loop / single-pass |")
print("|---|---|---|---|---|")
for l, d in layers:
    s = d["summary"]
    novel = sum(1 for n in d["neurons"] if n["novel_score"] is not None)
    print(f"| {l} | {f(s['mean_novel_score'])} / {f(s['baseline_mean_novel_score'])} ({novel} neurons with a score) | "
          f"{f(s['mean_f1'])} / {f(s['baseline_mean_f1'])} | {f(s['mean_auprc'])} / {f(s['baseline_mean_auprc'])} | "
          f"{f(s['mean_random_score'])} / {f(s['baseline_mean_random_score'])} |")
print()
curves = [(l, load(f"budgets_layer{l}.json")) for l in range(4)]
curves = [(l, d) for l, d in curves if d]
if curves:
    budgets = [b["budget"] for b in curves[0][1]["budgets"]]
    print("| layer | neurons | " + " | ".join(f"budget {b}: loop / single-pass (gain)" for b in budgets) + " |")
    print("|---|---|" + "---|" * len(budgets))
    for l, d in curves:
        cells = [f"{f(b['summary']['loop_mean'])} / {f(b['summary']['baseline_mean'])} ({f(b['summary']['gain_at_equal_length'], True)})"
                 for b in d["budgets"]]
        print(f"| {l} | {len(d['budgets'][0]['neurons'])} | " + " | ".join(cells) + " |")
