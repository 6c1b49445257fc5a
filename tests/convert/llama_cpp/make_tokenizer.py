#!/usr/bin/env python3
"""make_tokenizer.py FIXTURE.gguf REAL_TOKENIZER_DIR OUT_DIR: writes tokenizer.json and
tokenizer_config.json holding the tokenizer embedded in a fixture GGUF (the real V3.2 tokenizer
cut to 512 ids), so that the 512-token tiny-moe-dsa checkpoint can carry one."""
import json, struct, sys

def rd(f, fmt):
    return struct.unpack('<' + fmt, f.read(struct.calcsize('<' + fmt)))[0]

def rs(f):
    return f.read(rd(f, 'Q')).decode('utf-8')

SCALAR = {0: 'B', 1: 'b', 2: 'H', 3: 'h', 4: 'I', 5: 'i', 6: 'f', 7: '?', 10: 'Q', 11: 'q', 12: 'd'}

def value(f, t):
    if t == 8:
        return rs(f)
    if t == 9:
        et, n = rd(f, 'I'), rd(f, 'Q')
        return [value(f, et) for _ in range(n)]
    return rd(f, SCALAR[t])

gguf, real_dir, out = sys.argv[1:4]
with open(gguf, 'rb') as f:
    assert f.read(4) == b'GGUF'
    rd(f, 'I'); rd(f, 'Q')
    kv = {}
    for _ in range(rd(f, 'Q')):
        k = rs(f)
        kv[k] = value(f, rd(f, 'I'))
tokens, merges = kv['tokenizer.ggml.tokens'], kv['tokenizer.ggml.merges']
real = json.load(open(real_dir + '/tokenizer.json'))
doc = dict(real, added_tokens=[a for a in real['added_tokens'] if a['id'] < len(tokens)],
           model=dict(real['model'], vocab={t: i for i, t in enumerate(tokens)}, merges=merges))
json.dump(doc, open(out + '/tokenizer.json', 'w'), ensure_ascii=False)
config = json.load(open(real_dir + '/tokenizer_config.json'))
config['chat_template'] = kv['tokenizer.chat_template']
json.dump(config, open(out + '/tokenizer_config.json', 'w'), ensure_ascii=False, indent=1)
