#!/usr/bin/env python3
"""compare.py A B: per-position max |A - B| of two [24, 512] logit sets (raw float32 from
llama_logits, or a `dseek score` safetensors file) and argmax agreement."""
import array, json, struct, sys

def load(path):
    data = open(path, 'rb').read()
    a = array.array('f')
    if path.endswith('.safetensors'):
        n = struct.unpack('<Q', data[:8])[0]
        s, e = json.loads(data[8:8 + n])['logits']['data_offsets']
        a.frombytes(data[8 + n + s:8 + n + e])
    else:
        a.frombytes(data)
    return a

a, b = load(sys.argv[1]), load(sys.argv[2])
V, T = 512, len(a) // 512
rows = sorted(max(abs(a[r * V + v] - b[r * V + v]) for v in range(V)) for r in range(T))
first = max(abs(a[v] - b[v]) for v in range(V))
agree = sum(max(range(V), key=lambda v: a[r * V + v]) == max(range(V), key=lambda v: b[r * V + v]) for r in range(T))
print('position 0 %.3g, median position %.3g, max %.3g, argmax agrees at %d/%d' % (first, rows[T // 2], rows[-1], agree, T))
