#!/usr/bin/python3
"""The same GPT-2 forward as the engine's, on the same weights, in Python with Debian's
python3-torch: prints {"tokens_per_second": x, ...}. Called by neuronscope-bench."""
import argparse
import json
import math
import os
import struct
import time

import torch
import torch.nn.functional as F

DT = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[base + b:base + end]), dtype=DT[e["dtype"]])
        out[name.removeprefix("transformer.")] = t.reshape(e["shape"]).to(torch.float32)
    return out


def forward(w, cfg, ids):
    E, H, L = cfg["n_embd"], cfg["n_head"], cfg["n_layer"]
    B, T = ids.shape
    x = w["wte.weight"][ids] + w["wpe.weight"][:T][None]
    mask = torch.ones(T, T, dtype=torch.bool).triu(1)
    for l in range(L):
        p = f"h.{l}."
        h = F.layer_norm(x, (E,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], cfg.get("layer_norm_epsilon", 1e-5))
        qkv = torch.addmm(w[p + "attn.c_attn.bias"], h.view(B * T, E), w[p + "attn.c_attn.weight"]).view(B, T, 3, H, E // H)
        q, k, v = (qkv[:, :, i].transpose(1, 2) for i in range(3))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(E // H))
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B * T, E)
        x = x + torch.addmm(w[p + "attn.c_proj.bias"], y, w[p + "attn.c_proj.weight"]).view(B, T, E)
        h = F.layer_norm(x, (E,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], cfg.get("layer_norm_epsilon", 1e-5))
        post = F.gelu(torch.addmm(w[p + "mlp.c_fc.bias"], h.view(B * T, E), w[p + "mlp.c_fc.weight"]), approximate="tanh")
        x = x + torch.addmm(w[p + "mlp.c_proj.bias"], post, w[p + "mlp.c_proj.weight"]).view(B, T, E)
    x = F.layer_norm(x, (E,), w["ln_f.weight"], w["ln_f.bias"], cfg.get("layer_norm_epsilon", 1e-5))
    return x @ w.get("lm_head.weight", w["wte.weight"]).T


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    cfg = json.load(open(os.path.join(a.model, "config.json")))
    w = load_safetensors(os.path.join(a.model, "model.safetensors"))
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(0, cfg["vocab_size"], (a.batch, a.seq), generator=g)
    with torch.no_grad():
        forward(w, cfg, ids)  # warm-up
        start = time.perf_counter()
        for _ in range(a.reps):
            forward(w, cfg, ids)
        secs = time.perf_counter() - start
    print(json.dumps({"tokens_per_second": a.batch * a.seq * a.reps / secs, "threads": a.threads,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
