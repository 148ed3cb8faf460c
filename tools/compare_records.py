#!/usr/bin/python3
"""Compares the mined records of two NeuronScope caches, layer by layer: which windows each
neuron's record holds (top in order, quantile bins, random) and how far the stored activations
and statistics differ. Used for the README's reproducibility figures, for example with caches
mined on two machines, or on one machine under two OPENBLAS_CORETYPE settings.

    tools/compare_records.py a.sqlite b.sqlite
"""
import sqlite3
import struct
import sys
import zlib


class Stream:
    def __init__(self, data):
        self.d, self.i = data, 0

    def take(self, fmt):
        v = struct.unpack_from(">" + fmt, self.d, self.i)
        self.i += struct.calcsize(">" + fmt)
        return v if len(v) > 1 else v[0]


def exemplars(s):
    out = []
    for _ in range(s.take("I")):
        wid, _doc, _off, n = s.take("qqqI")
        s.take(f"{n}i")
        acts = s.take(f"{n}f") if n > 1 else (s.take("f"),)
        mx, _mi = s.take("fi")
        out.append((wid, acts, mx))
    return out


def decode(blob):
    s = Stream(zlib.decompress(blob[4:]))
    s.take("IHii")
    stats = s.take("q5f")
    nbins = s.take("I")
    s.take(f"{nbins + 1}f")
    hist = s.take(f"{nbins}q")
    top = exemplars(s)
    bins = []
    for _ in range(s.take("I")):
        s.take("ffq")
        bins.append(exemplars(s))
    return {"stats": stats, "hist": hist, "top": top, "bins": bins, "random": exemplars(s)}


def records(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = db.execute("SELECT l.layer, r.neuron, r.record FROM neuron_records r JOIN mined_layers l ON l.id = r.layer_id")
    return {(layer, neuron): decode(blob) for layer, neuron, blob in rows}


def main():
    a, b = records(sys.argv[1]), records(sys.argv[2])
    for layer in sorted({k[0] for k in a} & {k[0] for k in b}):
        keys = sorted(k for k in a if k[0] == layer and k in b)
        top = bins = rand = hist = 0
        worst = 0.0
        for k in keys:
            x, y = a[k], b[k]
            top += [e[0] for e in x["top"]] != [e[0] for e in y["top"]]
            bins += [[e[0] for e in q] for q in x["bins"]] != [[e[0] for e in q] for q in y["bins"]]
            rand += [e[0] for e in x["random"]] != [e[0] for e in y["random"]]
            hist += x["hist"] != y["hist"]
            for ex, ey in zip(x["top"] + x["random"], y["top"] + y["random"]):
                if ex[0] == ey[0]:
                    worst = max([worst] + [abs(p - q) for p, q in zip(ex[1], ey[1])])
        print(f"layer {layer}: {len(keys)} neurons; other top windows or order: {top}, other bin samples: {bins}, "
              f"other random windows: {rand}, other histogram counts: {hist}; "
              f"largest difference of a stored activation: {worst:.3g}")


if __name__ == "__main__":
    main()
