#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/TARGET/ from the repo's test data (tests/data,
models/nano-agent, the chat and tokenizer vectors): small files, a few dozen a target.
Run from anywhere: python3 fuzz/make_corpus.py (rewrites the folders)."""
import hashlib, json, os, shutil, struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus")
MAX_FILES = 48


def jsonl(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def write(target, seeds):
    d = os.path.join(OUT, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    seen = set()
    for s in seeds:
        if isinstance(s, str):
            s = s.encode("utf-8")
        h = hashlib.sha1(s).hexdigest()
        if h in seen:
            continue
        seen.add(h)
        with open(os.path.join(d, h[:16]), "wb") as f:
            f.write(s)
        if len(seen) >= MAX_FILES:
            break


def pick(items, n):  # n items spread over the list
    if len(items) <= n:
        return items
    return [items[i * len(items) // n] for i in range(n)]


# --- safetensors ------------------------------------------------------------------------
DT = {"F32": 4, "F16": 2, "BF16": 2, "F8_E4M3": 1, "I8": 1, "I32": 4, "I64": 8, "U8": 1, "F64": 8}


def safetensors(entries, metadata=None, pad=True):
    header, blob = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape in entries:
        n = DT.get(dtype, 1)
        for d in shape:
            n *= d
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + n]}
        blob += bytes((i * 7) & 0xFF for i in range(n))
    h = json.dumps(header).encode()
    while pad and (len(h) + 8) % 8:
        h += b" "
    return struct.pack("<Q", len(h)) + h + blob


def real_header(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n))


def shrunk(header, limit):
    """A real file's tensor names and dtypes with tiny shapes."""
    entries = []
    for name, e in list(header.items()):
        if name == "__metadata__":
            continue
        entries.append((name, e["dtype"], [min(d, 3) for d in e["shape"]]))
        if len(entries) >= limit:
            break
    return safetensors(entries, header.get("__metadata__"))


st = []
for dt in DT:
    st.append(safetensors([("w", dt, [2, 3])]))
st.append(safetensors([("scalar", "F32", [])]))
st.append(safetensors([("empty", "F32", [0, 4]), ("x", "BF16", [4])], {"format": "pt"}))
st.append(safetensors([("a", "F32", [1]), ("b", "F8_E4M3", [128, 2]), ("c", "F32", [1, 1])], pad=False))
st.append(safetensors([]))
st.append(struct.pack("<Q", 2) + b"{}")
for p in ["models/nano-agent/model.safetensors", "tests/data/fixtures/tiny-dense/model.safetensors",
          "tests/data/fixtures/unit/golden.unit.safetensors", "tests/data/fixtures/tiny-dense/golden.exact.safetensors"]:
    st.append(shrunk(real_header(p), 12))
write("safetensors", st)

# --- safetensors index (the harness's shard a.safetensors holds "x" and "y") -------------
idx = [
    {"metadata": {"total_size": 14}, "weight_map": {"x": "a.safetensors", "y": "a.safetensors"}},
    {"weight_map": {"x": "a.safetensors"}},
    {"weight_map": {}},
    {"weight_map": {"x": "b.safetensors"}},
    {"weight_map": {"z": "a.safetensors"}},
    {"weight_map": {"x": "../a.safetensors"}},
    {"weight_map": {"x": 3}},
    {"weight_map": []},
    {},
]
real = json.load(open(os.path.join(ROOT, "tests/data/fixtures/tiny-moe-dsa/model.safetensors.index.json")))
idx.append({"metadata": real.get("metadata", {}),
            "weight_map": {k: "a.safetensors" for k in list(real["weight_map"])[:20]}})
write("safetensors_index", [json.dumps(i) for i in idx] + ['{"weight_map": {"x": "a.safetensors"', "[]", "null"])

# --- config.json ---------------------------------------------------------------------------
configs = []
for p in ["tests/data/deepseek-v3.2-config/config.json", "tests/data/fixtures/tiny-dense/config.json",
          "tests/data/fixtures/tiny-moe-dsa/config.json", "tests/data/fixtures/gguf/gguf-v32/config.json",
          "models/nano-agent/config.json", "tests/data/deepseek-v4-config/config.json"]:
    text = open(os.path.join(ROOT, p), encoding="utf-8").read()
    configs.append(text)
    c = json.loads(text)
    for key, value in [("rope_scaling", None), ("quantization_config", None), ("model_type", "deepseek_v3"),
                       ("num_hidden_layers", -1), ("hidden_size", 1.5), ("vocab_size", 2 ** 40)]:
        if key in c:
            configs.append(json.dumps({**c, key: value}))
write("config", configs)

# --- GGUF ----------------------------------------------------------------------------------
GT = {"u8": 0, "i8": 1, "u16": 2, "i16": 3, "u32": 4, "i32": 5, "f32": 6, "bool": 7, "str": 8, "arr": 9,
      "u64": 10, "i64": 11, "f64": 12}
FMT = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


def gstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


def gval(t, v):
    if t == 8:
        return gstr(v)
    if t == 9:
        et, items = v
        return struct.pack("<IQ", et, len(items)) + b"".join(gval(et, x) for x in items)
    return struct.pack(FMT[t], v)


def read_gguf_kv(path):
    """(version, [(key, type, value)]) of a real GGUF, big arrays cut short."""
    with open(os.path.join(ROOT, path), "rb") as f:
        data = f.read(1 << 22)
    pos = 4
    ver, nt, nkv = struct.unpack_from("<IQQ", data, pos)
    pos += 20

    def rd(t):
        nonlocal pos
        if t == 8:
            n = struct.unpack_from("<Q", data, pos)[0]
            pos += 8
            s = data[pos:pos + n]
            pos += n
            return s
        if t == 9:
            et, n = struct.unpack_from("<IQ", data, pos)
            pos += 12
            return (et, [rd(et) for _ in range(n)])
        v = struct.unpack_from(FMT[t], data, pos)[0]
        pos += struct.calcsize(FMT[t])
        return v

    kvs = []
    for _ in range(nkv):
        k = rd(8).decode()
        t = struct.unpack_from("<I", data, pos)[0]
        pos += 4
        v = rd(t)
        if t == 9:
            v = (v[0], v[1][:8])
        kvs.append((k, t, v))
    return ver, kvs


# ggml types: F32 0, F16 1, Q8_0 8 (block 32, 34 bytes)
TBYTES = {0: (1, 4), 1: (1, 2), 8: (32, 34), 30: (1, 2)}


def gguf(kvs, tensors, version=3, align=32):
    out = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs))
    for k, t, v in kvs:
        out += gstr(k) + struct.pack("<I", t) + gval(t, v)
    off, blobs = 0, b""
    for name, ne, typ in tensors:
        blk, bb = TBYTES[typ]
        n = 1
        for d in ne:
            n *= d
        size = n // blk * bb
        out += gstr(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne)
        out += struct.pack("<IQ", typ, off)
        blob = bytes((i * 13) & 0x3F for i in range(size))
        pad = (-size) % align
        blobs += blob + b"\0" * pad
        off += size + pad
    out += b"\0" * ((-len(out)) % align)
    return out + blobs


real_ver, real_kv = read_gguf_kv("tests/data/fixtures/gguf/gguf-v32/gguf-v32-Q8_0.gguf")
_, split_kv = read_gguf_kv("tests/data/fixtures/gguf/gguf-v32/gguf-v32-Q2_K-00002-of-00002.gguf")
tensors = [("token_embd.weight", [32, 4], 0), ("blk.0.attn_q_a.weight", [32, 2], 8),
           ("blk.0.attn_k_b.weight", [4, 2, 2], 1), ("blk.1.ffn_up_exps.weight", [32, 2, 3], 8),
           ("output_norm.weight", [32], 0), ("blk.1.exp_probs_b.bias", [3], 0)]
all_types = [("k.%s" % n, t, {8: "s", 9: (4, [1, 2])}.get(t, 1)) for n, t in GT.items()]
gg = [gguf(real_kv, tensors), gguf(real_kv, []), gguf(split_kv, tensors[:2], version=real_ver),
      gguf(all_types, tensors[:1]), gguf(all_types + [("general.alignment", 4, 64)], tensors, align=64),
      gguf([], [], version=2), gguf([("arr", 9, (8, ["a", "bc"])), ("nested", 9, (9, [(4, [1])]))], []),
      b"GGUF" + struct.pack("<IQQ", 3, 0, 0)]
write("gguf", gg)

# --- tokenizer: byte 0 bit 0 = decode, bit 1 = skip special --------------------------------
tok = []
for c in pick(jsonl("tests/data/vectors/tokenizer/encode.jsonl"), 24):
    tok.append(b"\0" + c["text"].encode())
for c in pick(jsonl("tests/data/vectors/tokenizer/decode.jsonl"), 14):
    tok.append(bytes([1 | (2 if c.get("skip_special_tokens") else 0)]) + struct.pack("<%di" % len(c["ids"]), *c["ids"]))
for s in pick(jsonl("models/nano-agent/samples.jsonl"), 4):
    tok.append(b"\0" + json.dumps(s["messages"][-1]["content"], ensure_ascii=False).encode()[:2000])
tok += [b"\0\xff\xfe", b"\0\xe2\x82", b"\x01" + struct.pack("<3i", -1, 1 << 30, 0)]
write("tokenizer", tok)


# --- chat_stream: byte 0 = format | thinking << 2, byte 1 = cuts, 2 bytes a cut -------------
def stream_seed(fmt, thinking, text, cuts):
    b = text.encode()
    return bytes([fmt | (4 if thinking else 0), len(cuts)]) + b"".join(struct.pack("<H", c % 65536) for c in cuts) + b


def cuts_of(text, k):
    n = len(text.encode())
    return [(i + 1) * n // (k + 1) for i in range(k)]


cs = []
sources = [(0, "tests/data/vectors/chat/parse.jsonl", 16), (1, "tests/data/vectors/chat-v3/parse.jsonl", 8),
           (2, "tests/data/vectors/chat-v3.1/parse.jsonl", 10), (3, "tests/data/vectors/chat-v4/parse.jsonl", 10)]
for fmt, path, n in sources:
    for i, c in enumerate(pick(jsonl(path), n)):
        inp = c.get("input", c)
        text, thinking = inp["text"], inp.get("thinking_mode") == "thinking"
        cs.append(stream_seed(fmt, thinking, text, cuts_of(text, i % 4)))
write("chat_stream", cs)

# --- chat_encode: byte 0 = format | thinking << 2, then the request JSON --------------------
ce = []
for fmt, path, n in [(0, "tests/data/vectors/chat/encode.jsonl", 16), (1, "tests/data/vectors/chat-v3/encode.jsonl", 8),
                     (2, "tests/data/vectors/chat-v3.1/encode.jsonl", 8), (3, "tests/data/vectors/chat-v4/encode.jsonl", 10)]:
    for c in pick(jsonl(path), n):
        inp = c.get("input", c)
        req = {k: v for k, v in inp.items() if k in ("messages", "tools", "response_format")}
        thinking = (inp.get("thinking_mode") or inp.get("kwargs", {}).get("thinking_mode")) == "thinking"
        ce.append(bytes([fmt | (4 if thinking else 0)]) + json.dumps(req, ensure_ascii=False).encode())
for s in pick(jsonl("models/nano-agent/samples.jsonl"), 4):
    ce.append(b"\0" + json.dumps({"messages": s["messages"]}, ensure_ascii=False).encode())
write("chat_encode", ce)
