#!/usr/bin/python3
"""Writes tests/data/tiny_gpt2_*: small random-weight GPT-2 models in Hugging Face layout and the
activations and logits a plain torch.nn.functional implementation computes for them.

Run once with Debian's python3-torch:  /usr/bin/python3 tests/tools/gen_golden_model.py
The engine's golden test compares its forward pass with reference.safetensors, tap by tap.
"""
import json
import math
import os
import struct

import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
CFG = dict(vocab_size=257, n_positions=32, n_embd=32, n_layer=2, n_head=4, n_inner=64,
           activation_function="gelu_new", layer_norm_epsilon=1e-5, tie_word_embeddings=True,
           model_type="gpt2", architectures=["GPT2LMHeadModel"])
DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.contiguous().view(torch.uint8).numpy().tobytes() if t.dtype != torch.float32 \
            else t.contiguous().numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header).encode()
    h += b" " * ((8 - (len(h) + 8) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def byte_level_tokenizer(directory):
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    vocab = {chr(c): i for i, c in enumerate(cs)}
    vocab["<|endoftext|>"] = 256
    with open(os.path.join(directory, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(directory, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")


def random_weights(gen):
    E, I, V, P = CFG["n_embd"], CFG["n_inner"], CFG["vocab_size"], CFG["n_positions"]
    r = lambda *s: torch.randn(*s, generator=gen) * 0.3
    w = {"wte.weight": r(V, E), "wpe.weight": r(P, E)}
    for l in range(CFG["n_layer"]):
        p = f"h.{l}."
        w[p + "ln_1.weight"] = 1 + r(E) * 0.3
        w[p + "ln_1.bias"] = r(E) * 0.3
        w[p + "attn.c_attn.weight"] = r(E, 3 * E)
        w[p + "attn.c_attn.bias"] = r(3 * E) * 0.3
        w[p + "attn.c_proj.weight"] = r(E, E)
        w[p + "attn.c_proj.bias"] = r(E) * 0.3
        w[p + "ln_2.weight"] = 1 + r(E) * 0.3
        w[p + "ln_2.bias"] = r(E) * 0.3
        w[p + "mlp.c_fc.weight"] = r(E, I)
        w[p + "mlp.c_fc.bias"] = r(I) * 0.3
        w[p + "mlp.c_proj.weight"] = r(I, E)
        w[p + "mlp.c_proj.bias"] = r(E) * 0.3
    w["ln_f.weight"] = 1 + r(E) * 0.3
    w["ln_f.bias"] = r(E) * 0.3
    return w


def reference_forward(w, ids):
    """GPT-2 written out plainly with torch.nn.functional; returns every tap and the logits."""
    E, H = CFG["n_embd"], CFG["n_head"]
    B, T = ids.shape
    out = {}
    x = w["wte.weight"][ids] + w["wpe.weight"][:T][None]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for l in range(CFG["n_layer"]):
        p = f"h.{l}."
        out[f"blocks.{l}.hook_resid_pre"] = x.clone()
        h = F.layer_norm(x, (E,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], 1e-5)
        qkv = h @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
        q, k, v = qkv.split(E, dim=-1)
        heads = lambda t: t.view(B, T, H, E // H).transpose(1, 2)
        q, k, v = heads(q), heads(k), heads(v)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(E // H)
        att = att.masked_fill(~causal, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, E)
        x = x + y @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        h = F.layer_norm(x, (E,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], 1e-5)
        pre = h @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"]
        post = F.gelu(pre, approximate="tanh")
        out[f"blocks.{l}.mlp.hook_pre"] = pre
        out[f"blocks.{l}.mlp.hook_post"] = post
        x = x + post @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = F.layer_norm(x, (E,), w["ln_f.weight"], w["ln_f.bias"], 1e-5)
    out["logits"] = x @ w["wte.weight"].T
    return out


def write_model(name, weights, dtype, prefix, extras):
    d = os.path.join(ROOT, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(CFG, f, indent=2)
    byte_level_tokenizer(d)
    tensors = {prefix + k: v.to(dtype) for k, v in weights.items()}
    tensors.update(extras)
    write_safetensors(os.path.join(d, "model.safetensors"), tensors)
    # The reference runs on exactly the weights the file holds (rounded to its dtype).
    stored = {k: v.to(dtype).to(torch.float32) for k, v in weights.items()}
    ids = torch.tensor([[ord(c) - 33 if 33 <= ord(c) <= 126 else 0 for c in "Hello, neurons! 1234 abc xyz"],
                        [(i * 37 + 11) % 257 for i in range(28)]])
    ref = reference_forward(stored, ids)
    ref["input_ids"] = ids.to(torch.float32)
    write_safetensors(os.path.join(d, "reference.safetensors"), {k: v.contiguous() for k, v in ref.items()})


def main():
    gen = torch.Generator().manual_seed(20261126)
    w = random_weights(gen)
    T, L = CFG["n_positions"], CFG["n_layer"]
    legacy = {}
    for l in range(L):  # the mask buffers old checkpoints carry; the engine ignores them
        legacy[f"transformer.h.{l}.attn.bias"] = torch.tril(torch.ones(T, T)).view(1, 1, T, T)
        legacy[f"transformer.h.{l}.attn.masked_bias"] = torch.tensor(-1e4)
    legacy["lm_head.weight"] = w["wte.weight"].clone()
    write_model("tiny_gpt2_f32", w, torch.float32, "transformer.", legacy)
    write_model("tiny_gpt2_f16", w, torch.float16, "", {})


if __name__ == "__main__":
    main()
